"""Derived datasets: linked items only, shuffled KG tails, atomic folder creation."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from _bench_data import LINKED, NAME, read_rows, write_toy
from recbole_kgllm.bench.data_prep import (
    AtomicFields,
    build_once,
    linked_items,
    shuffle_kg_tails,
    write_kg_shuffled_dataset,
    write_linked_dataset,
)
from recbole_kgllm.errors import DatasetNotFoundError

FIELDS = AtomicFields()


def test_linked_items_follow_recboles_rule(tmp_path: Path) -> None:
    src = write_toy(tmp_path / "src")
    # i5's entity has no triple; i6 has no link; i9 has no interactions but a valid link.
    assert linked_items(src, NAME, FIELDS) == LINKED | {"i9"}


def test_linked_dataset_keeps_exactly_the_linked_interactions(tmp_path: Path) -> None:
    src = write_toy(tmp_path / "src")
    dst = tmp_path / "out" / "toy-bench"
    report = write_linked_dataset(src, dst, NAME, FIELDS, dst_name="toy-bench", catalogue="interacted")
    source_rows = read_rows(src / f"{NAME}.inter")
    kept = read_rows(dst / "toy-bench.inter")
    assert kept == [r for r in source_rows if r[1] in LINKED]  # verbatim, in order
    assert report.interactions == len(source_rows) and report.interactions_kept == len(kept)
    assert report.items == 6 and report.items_kept == 4
    # .link: rows of items with interactions whose entity has triples (i5's e9 and i9 dropped)
    assert sorted(r[0] for r in read_rows(dst / "toy-bench.link")) == sorted(LINKED)
    # other files byte for byte (the feature store keys on bytes)
    for suffix in ("kg", "item"):
        assert (dst / f"toy-bench.{suffix}").read_bytes() == (src / f"{NAME}.{suffix}").read_bytes()
    assert (dst / "toy-bench.linked.json").is_file()


def test_full_catalogue_keeps_items_without_interactions(tmp_path: Path) -> None:
    src = write_toy(tmp_path / "src")
    dst = tmp_path / "out" / "toy-bench"
    write_linked_dataset(src, dst, NAME, FIELDS, dst_name="toy-bench")  # catalogue="full", the default
    # i9 has no interaction but a valid link: its .link row stays, and .item lists it (appended)
    assert sorted(r[0] for r in read_rows(dst / "toy-bench.link")) == sorted(LINKED | {"i9"})
    items = read_rows(dst / "toy-bench.item")
    assert [r[0] for r in items] == ["i1", "i2", "i3", "i4", "i5", "i6", "i9"]
    assert items[-1] == ["i9", ""]
    # unlinked items (i5, i6) lose their interactions, not their place in the catalogue
    assert {r[1] for r in read_rows(dst / "toy-bench.inter")} == LINKED


def test_link_is_copied_verbatim_when_nothing_is_dropped(tmp_path: Path) -> None:
    src = write_toy(tmp_path / "src")
    lines = (src / f"{NAME}.link").read_text().splitlines()
    (src / f"{NAME}.link").write_text("\n".join(lines[:5]) + "\n")  # i1..i4 only
    dst = tmp_path / "out"
    write_linked_dataset(src, dst, NAME, FIELDS)
    assert (dst / f"{NAME}.link").read_bytes() == (src / f"{NAME}.link").read_bytes()


def test_linked_dataset_needs_a_kg(tmp_path: Path) -> None:
    src = write_toy(tmp_path / "src")
    (src / f"{NAME}.kg").unlink()
    with pytest.raises(DatasetNotFoundError, match="toy.kg"):
        write_linked_dataset(src, tmp_path / "out", NAME, FIELDS)


def test_kg_shuffle_permutes_tails_within_relations(tmp_path: Path) -> None:
    src = write_toy(tmp_path / "src")
    kg = FIELDS.read(src, NAME, "kg")
    shuffled = shuffle_kg_tails(kg, FIELDS, seed=3)
    assert shuffled.column("head_id") == kg.column("head_id")
    assert shuffled.column("relation_id") == kg.column("relation_id")
    for relation in {"r1", "r2"}:
        before = Counter(t for r, t in zip(kg.column("relation_id"), kg.column("tail_id")) if r == relation)
        after = Counter(t for r, t in zip(shuffled.column("relation_id"), shuffled.column("tail_id")) if r == relation)
        assert before == after
    assert shuffle_kg_tails(kg, FIELDS, seed=3) == shuffled  # seeded
    seeds_that_move = [s for s in range(20) if shuffle_kg_tails(kg, FIELDS, seed=s).rows != kg.rows]
    assert seeds_that_move, "no seed changed the facts"


def test_kg_shuffled_dataset_changes_only_the_kg(tmp_path: Path) -> None:
    src = write_toy(tmp_path / "src")
    dst = tmp_path / "out"
    write_kg_shuffled_dataset(src, dst, NAME, FIELDS, seed=1)
    for suffix in ("inter", "item", "link"):
        assert (dst / f"{NAME}.{suffix}").read_bytes() == (src / f"{NAME}.{suffix}").read_bytes()
    assert len(read_rows(dst / f"{NAME}.kg")) == len(read_rows(src / f"{NAME}.kg"))


def test_build_once_builds_in_a_temporary_folder_and_only_once(tmp_path: Path) -> None:
    target = tmp_path / "data" / "linked"
    calls = []

    def build(folder: Path) -> None:
        calls.append(folder)
        assert folder != target and not target.exists()
        (folder / "x").mkdir(parents=True)

    assert build_once(target, build) == target and (target / "x").is_dir()
    build_once(target, build)
    assert len(calls) == 1

    def broken(folder: Path) -> None:
        folder.mkdir(parents=True)
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        build_once(tmp_path / "data" / "other", broken)
    assert not (tmp_path / "data" / "other").exists()
