"""A tiny synthetic dataset in RecBole's atomic format, for the harness's data writers."""
from __future__ import annotations

from pathlib import Path

NAME = "toy"
#: i5 links to an entity without triples and i6 has no link: both are unlinked.
LINKED = {"i1", "i2", "i3", "i4"}


def write_toy(folder: Path, n_users: int = 12) -> Path:
    """Write ``folder/toy/toy.{inter,item,kg,link}``; returns the dataset folder."""
    data = folder / NAME
    data.mkdir(parents=True)
    items = ["i1", "i2", "i3", "i4", "i5", "i6"]
    rows = []
    for u in range(n_users):
        for j, item in enumerate(items):
            if (u + j) % 4 != 0:
                rows.append(f"u{u}\t{item}\t{(u + j) % 5 + 1}.0\t{1000 + 10 * u + j}")
    (data / f"{NAME}.inter").write_text("user_id:token\titem_id:token\trating:float\ttimestamp:float\n" + "\n".join(rows) + "\n")
    (data / f"{NAME}.item").write_text("item_id:token\tmovie_title:token_seq\n" + "".join(f"{i}\tTitle {i}\n" for i in items))
    triples = [("e1", "r1", "e2"), ("e2", "r1", "e3"), ("e3", "r2", "e7"), ("e4", "r2", "e8"), ("e1", "r2", "e8"), ("e4", "r1", "e1")]
    (data / f"{NAME}.kg").write_text("head_id:token\trelation_id:token\ttail_id:token\n" + "".join("\t".join(t) + "\n" for t in triples))
    links = [("i1", "e1"), ("i2", "e2"), ("i3", "e3"), ("i4", "e4"), ("i5", "e9"), ("i9", "e8")]
    (data / f"{NAME}.link").write_text("item_id:token\tentity_id:token\n" + "".join(f"{i}\t{e}\n" for i, e in links))
    return data


def read_rows(path: Path) -> list[list[str]]:
    """Data rows of an atomic file, split into cells."""
    lines = path.read_text().splitlines()
    return [line.split("\t") for line in lines[1:] if line]
