"""The generic converter: atomic writing, reading quirks, KG merging, output-folder rules."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import recbole_kgllm
from recbole_kgllm.datasets import DatasetSpec, InteractionTable, ItemRecord, KGSource, UserTable, convert
from recbole_kgllm.datasets.atomic import AtomicField, write_atomic_file
from recbole_kgllm.datasets.kg_merge import merge_item_kgs
from recbole_kgllm.datasets.movielens import split_title_year
from recbole_kgllm.datasets.readers import SourceFormatError, read_text_lines
from recbole_kgllm.errors import ConfigError


def _spec(**overrides: object) -> DatasetSpec:
    base: dict[str, object] = dict(
        name="tiny",
        interactions=InteractionTable(
            user_ids=["u1", "u1", "u2", "u1"],
            item_ids=["a", "b", "a", "a"],
            ratings=[5.0, 3.0, 4.0, 5.0],
            timestamps=[881250949.0, 881250950.0, 1.5, 881250949.0],  # last row: exact duplicate
        ),
        items={"a": ItemRecord(title="A\ttitle\nwith breaks", year="2001", genres=("Film-Noir", "Sci Fi"))},
        users=UserTable(fields=("age",), rows={"u1": ("30",), "u9": ("40",)}),
    )
    base.update(overrides)
    return DatasetSpec(**base)  # type: ignore[arg-type]


def test_atomic_file_round_trips_through_pandas_like_recbole(tmp_path: Path) -> None:
    fields = [AtomicField("id", "token"), AtomicField("text", "token_seq"), AtomicField("x", "float")]
    texts = ['"quoted" start', 'mid "quote"', "tab\there", "nel\x85here", "Café, The"]
    path = tmp_path / "t.item"
    assert write_atomic_file(path, fields, [(str(i), t, 1e9 + i) for i, t in enumerate(texts)]) == len(texts)
    df = pd.read_csv(path, delimiter="\t", dtype=str, engine="python")  # RecBole's own call
    assert list(df.columns) == ["id:token", "text:token_seq", "x:float"]
    assert list(df["text:token_seq"]) == ['"quoted" start', 'mid "quote"', "tab here", "nel here", "Café, The"]
    assert df["x:float"].iloc[3] == "1000000003.0"  # no precision lost


def test_atomic_file_rejects_ragged_rows(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="row 1 has 1 cells for 2 fields"):
        write_atomic_file(tmp_path / "x.inter", [AtomicField("a", "token"), AtomicField("b", "token")], [("1",)])


def test_read_text_lines_handles_crlf_latin1_and_nel(tmp_path: Path) -> None:
    path = tmp_path / "m.dat"
    path.write_bytes("1::Café\x85x\r\n\r\n2::Zoë\r\n3::last".encode("latin-1"))
    lines = read_text_lines(path, encodings=("utf-8", "latin-1"))
    assert lines == ["1::Café\x85x", "2::Zoë", "3::last"]
    with pytest.raises(SourceFormatError, match="cannot decode"):
        read_text_lines(path, encodings=("utf-8",))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Toy Story (1995)", ("Toy Story", "1995")),
        ("Associate, The (L'Associe)(1982)", ("Associate, The (L'Associe)", "1982")),
        ("City of Lost Children, The (1995) ", ("City of Lost Children, The", "1995")),
        ("No Year Here", ("No Year Here", "")),
    ],
)
def test_split_title_year(raw: str, expected: tuple[str, str]) -> None:
    assert split_title_year(raw) == expected


def test_convert_explicit_with_timestamps_and_only_interacted_rows(tmp_path: Path) -> None:
    report = convert(_spec(), tmp_path / "out")
    folder = tmp_path / "out" / "tiny"
    inter = (folder / "tiny.inter").read_text(encoding="utf-8").split("\n")
    assert inter[0] == "user_id:token\titem_id:token\trating:float\ttimestamp:float"
    assert inter[1] == "u1\ta\t5.0\t881250949.0"
    assert report.interactions == 3 and report.duplicate_interactions == 1
    assert not report.implicit and report.has_timestamps
    item = (folder / "tiny.item").read_text(encoding="utf-8").split("\n")
    assert item[1] == "a\tA title with breaks\t2001\tFilm-Noir Sci_Fi"  # a genre stays one token
    assert report.items_with_metadata == 1  # item b has no metadata: no row
    user = (folder / "tiny.user").read_text(encoding="utf-8").split("\n")
    assert user[1:] == ["u1\t30", ""]  # u9 never interacts; u2 has no features
    assert not (folder / "tiny.kg").exists() and report.triples == 0
    assert (folder / "tiny.conversion.json").is_file()


def test_convert_removes_stale_files_of_the_same_name(tmp_path: Path) -> None:
    convert(_spec(), tmp_path / "out")
    assert (tmp_path / "out" / "tiny" / "tiny.user").exists()
    convert(_spec(users=None), tmp_path / "out")
    assert not (tmp_path / "out" / "tiny" / "tiny.user").exists()


def test_convert_refuses_to_write_inside_the_project(tmp_path: Path) -> None:
    root = Path(recbole_kgllm.__file__).resolve().parent.parent
    target = root / "dataset_should_not_exist"
    with pytest.raises(ConfigError, match="outside"):
        convert(_spec(), target)
    assert not target.exists()
    with pytest.raises(ConfigError, match="invalid dataset name"):
        convert(_spec(name="../x"), tmp_path)


def test_merge_priority_same_as_and_one_to_one_links() -> None:
    primary = KGSource(
        name="p",
        triples=[("E1", "r", "X"), ("E2", "r", "X"), ("Far", "r", "Y")],
        item_links={"i1": "E1", "i2": "E2", "i3": "E2"},  # i3 claims i2's entity
        one_hop_only=True,
    )
    secondary = KGSource(
        name="s", triples=[("1", "q", "2"), ("3", "q", "2")], item_links={"i1": "1", "i3": "3"}, entity_prefix="s:"
    )
    merged = merge_item_kgs([primary, secondary], ["i1", "i2", "i3", "i4"])
    assert merged.links == {"i1": "E1", "i2": "E2", "i3": "s:3"}
    assert merged.link_conflicts == 1 and merged.dropped_by_one_hop == 1
    assert ("E1", "same_as", "s:1") in merged.triples and merged.same_as == 1
    assert merged.links_by_source == {"p": 2, "s": 1}
    assert len(set(merged.links.values())) == len(merged.links)
