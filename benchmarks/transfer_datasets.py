"""Write transfer-check datasets that are not shaped like MovieLens, from a MovieLens-format one.

The defaults of the EASE backbone are search procedures, not constants tuned to MovieLens; these
variants check that with no hand-set weight the default does not lose to tuned EASE on data of
other shapes (``docs/benchmarks.md``, "Transfer"). Each is written from a source dataset in the
ml-100k / converted ml-1m format (``item_id``, ``movie_title``, ``release_year``, ``class``; ``.kg``,
``.link``) into ``<out>/<name>-<variant>/``; nothing is committed (the MovieLens terms forbid
redistribution). Every draw is seeded.

Variants:

* ``titles``: ``.item`` keeps only the title, under another field name (``name``): the text
  view must be built from whatever the file has (``text_template: auto``);
* ``sparse``: a quarter of each user's interactions, then a 5-core (users and items with at least
  5 interactions): a much sparser matrix;
* ``unlinked``: ``.link`` keeps 20% of the items: most items have no KG entity;
* ``hubs``: the KG gets 25 noise relations with few values each (every item tied to one value of
  each, so hub entities shared by hundreds of items) and one relation tying 90% of the items to a
  single hub: many relations, hub entities, and KG facts that carry little.

Usage::

    python benchmarks/transfer_datasets.py --source /tmp/ml1m_atomic/ml-1m --name ml-1m --out /tmp/transfer
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from recbole_kgllm.bench.data_prep import AtomicFields, copy_dataset
from recbole_kgllm.datasets.atomic import AtomicTable, read_atomic_table

FIELDS = AtomicFields()


def _titles(src: Path, dst: Path, name: str, out_name: str, rng: np.random.Generator) -> str:
    copy_dataset(src, dst, name, skip=("item",), dst_name=out_name)
    item = read_atomic_table(src / f"{name}.item")
    ids, titles = item.column(FIELDS.item), item.column("movie_title")
    AtomicTable("item_id:token\tname:token_seq", [f"{i}\t{t}" for i, t in zip(ids, titles)]).write(dst / f"{out_name}.item")
    return f"{len(ids)} items, .item holds only `name` (the title)"


def _k_core(users: list[str], items: list[str], keep: np.ndarray, k: int = 5) -> np.ndarray:
    keep = keep.copy()
    while True:
        u, i = np.asarray(users)[keep], np.asarray(items)[keep]
        uc = dict(zip(*np.unique(u, return_counts=True)))
        ic = dict(zip(*np.unique(i, return_counts=True)))
        ok = np.array([keep[r] and uc.get(users[r], 0) >= k and ic.get(items[r], 0) >= k for r in range(len(users))])
        if (ok == keep).all():
            return keep
        keep = ok


def _sparse(src: Path, dst: Path, name: str, out_name: str, rng: np.random.Generator) -> str:
    inter = read_atomic_table(src / f"{name}.inter")
    users, items = inter.column(FIELDS.user), inter.column(FIELDS.item)
    keep = rng.random(len(users)) < 0.25
    keep = _k_core(users, items, keep)
    inter.select(keep.tolist()).write(dst / f"{out_name}.inter")
    kept_items = set(np.asarray(items)[keep].tolist())
    copy_dataset(src, dst, name, skip=("inter", "item", "link"), dst_name=out_name)
    for suffix in ("item", "link"):
        table = read_atomic_table(src / f"{name}.{suffix}")
        table.select([i in kept_items for i in table.column(FIELDS.item)]).write(dst / f"{out_name}.{suffix}")
    return f"{int(keep.sum())} of {len(users)} interactions, {len(kept_items)} items (25% sample, 5-core)"


def _unlinked(src: Path, dst: Path, name: str, out_name: str, rng: np.random.Generator) -> str:
    copy_dataset(src, dst, name, skip=("link",), dst_name=out_name)
    link = read_atomic_table(src / f"{name}.link")
    keep = rng.random(len(link.rows)) < 0.2
    link.select(keep.tolist()).write(dst / f"{out_name}.link")
    return f".link keeps {int(keep.sum())} of {len(link.rows)} items"


def _hubs(src: Path, dst: Path, name: str, out_name: str, rng: np.random.Generator) -> str:
    copy_dataset(src, dst, name, skip=("kg",), dst_name=out_name)
    kg = read_atomic_table(src / f"{name}.kg")
    link = read_atomic_table(src / f"{name}.link")
    entities = link.column(FIELDS.entity)
    rows = list(kg.rows)
    for r in range(25):
        values = int(rng.integers(2, 8))
        rows += [f"{e}\tnoise_{r}\thub_{r}_{int(rng.integers(values))}" for e in entities]
    rows += [f"{e}\tin_catalogue\thub_all" for e in entities if rng.random() < 0.9]
    kg.with_rows(rows).write(dst / f"{out_name}.kg")
    return f"{len(kg.rows)} triples + {len(rows) - len(kg.rows)} noise/hub triples over 26 new relations"


VARIANTS: dict[str, Callable[[Path, Path, str, str, np.random.Generator], str]] = {
    "titles": _titles, "sparse": _sparse, "unlinked": _unlinked, "hubs": _hubs,
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="the source dataset folder (holding <name>.inter ...)")
    parser.add_argument("--name", required=True, help="the source dataset name")
    parser.add_argument("--out", required=True, help="folder to write <name>-<variant>/ into")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of {', '.join(VARIANTS)}")
    parser.add_argument("--seed", type=int, default=2020)
    args = parser.parse_args(argv)
    for variant in [v.strip() for v in args.variants.split(",") if v.strip()]:
        out_name = f"{args.name}-{variant}"
        dst = Path(args.out) / out_name
        if dst.exists():
            print(f"{out_name}: exists, kept")
            continue
        dst.mkdir(parents=True)
        facts = VARIANTS[variant](Path(args.source), dst, args.name, out_name, np.random.default_rng(args.seed))
        print(f"{out_name}: {facts}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
