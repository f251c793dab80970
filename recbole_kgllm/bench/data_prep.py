"""Derived datasets the benchmark writes under ``--out``/data: linked items only, and a KG
with shuffled tails.

**Linked items only** ("filtered" data mode). RecBole's ``KnowledgeBasedDataset`` drops every
interaction on an item whose ``.link`` entity does not occur in the ``.kg`` (``_filter_link``),
while the general ``Dataset`` keeps them. Writing that filtered ``.inter`` once, for everyone,
gives every model the same interactions, and for a seed the same split. The rule applied here is
RecBole's, without its optional KG filters (``entity_kg_num_interval``,
``relation_kg_num_interval``): an item is *linked* when its ``.link`` entity is a head or a
tail of some ``.kg`` triple.

Every other file is copied byte for byte, because the feature store keys KG and text features on
file bytes: the derived datasets then reuse the features cached for the source. ``.item`` and
``.user`` may therefore still list unlinked items; the harness loads only the ``inter``, ``kg``
and ``link`` columns (``load_col``), so such items never enter RecBole's id space. ``.link`` is
rewritten only if it names items without interactions or entities without triples (RecBole's
pre-split loading, used by the cold-start slice, has no ``_filter_link`` to drop them).
"""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from recbole_kgllm.datasets.atomic import AtomicTable, copy_file, read_atomic_table
from recbole_kgllm.errors import DatasetNotFoundError

#: Atomic-file suffixes a derived dataset copies from its source.
COPIED_SUFFIXES = ("inter", "item", "user", "kg", "link", "net")


@dataclass(frozen=True)
class AtomicFields:
    """Field names and file format of a dataset (RecBole's config keys, ml-100k's defaults)."""

    user: str = "user_id"
    item: str = "item_id"
    head: str = "head_id"
    relation: str = "relation_id"
    tail: str = "tail_id"
    entity: str = "entity_id"
    sep: str = "\t"
    encoding: str = "utf-8"

    @classmethod
    def from_config(cls, config: Any) -> AtomicFields:
        """Read the names from a RecBole ``Config`` (``USER_ID_FIELD``, ``field_separator``...)."""
        keys = {
            "user": "USER_ID_FIELD", "item": "ITEM_ID_FIELD", "head": "HEAD_ENTITY_ID_FIELD",
            "relation": "RELATION_ID_FIELD", "tail": "TAIL_ENTITY_ID_FIELD", "entity": "ENTITY_ID_FIELD",
            "sep": "field_separator", "encoding": "encoding",
        }
        values = {name: config[key] for name, key in keys.items() if config[key] is not None}
        return cls(**values)

    def read(self, folder: Path, name: str, suffix: str) -> AtomicTable:
        """``folder/name.suffix`` as an :class:`AtomicTable`."""
        return read_atomic_table(folder / f"{name}.{suffix}", self.sep, self.encoding)


@dataclass(frozen=True)
class LinkedReport:
    """What the linked-items filter kept."""

    interactions: int
    interactions_kept: int
    items: int
    items_kept: int
    link_rows: int
    link_rows_kept: int

    @property
    def share(self) -> float:
        """Share of interactions kept."""
        return self.interactions_kept / self.interactions if self.interactions else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "share": self.share}


def kg_entities(folder: Path, name: str, fields: AtomicFields) -> set[str]:
    """Every entity that is a head or a tail of a triple in ``name.kg``."""
    kg = fields.read(folder, name, "kg")
    return set(kg.column(fields.head)) | set(kg.column(fields.tail))


def linked_items(folder: Path, name: str, fields: AtomicFields) -> set[str]:
    """Items whose ``.link`` entity occurs in the ``.kg`` (RecBole's rule, without KG filters)."""
    link = fields.read(folder, name, "link")
    entities = kg_entities(folder, name, fields)
    return {item for item, entity in zip(link.column(fields.item), link.column(fields.entity)) if entity in entities}


def write_clean_link(src: Path, dst: Path, name: str, fields: AtomicFields, items: set[str], dst_name: str | None = None) -> int:
    """Copy ``.link`` keeping rows whose item is in ``items`` and whose entity has a triple;
    byte for byte when nothing is dropped. Returns the rows kept."""
    link = fields.read(src, name, "link")
    entities = kg_entities(src, name, fields)
    keep = [i in items and e in entities for i, e in zip(link.column(fields.item), link.column(fields.entity))]
    target = dst / f"{dst_name or name}.link"
    if all(keep):
        copy_file(src / f"{name}.link", target)
        return len(keep)
    return link.select(keep).write(target)


def copy_dataset(src: Path, dst: Path, name: str, *, skip: tuple[str, ...] = (), dst_name: str | None = None) -> None:
    """Copy the atomic files of ``name`` from folder ``src`` to ``dst`` as ``dst_name.*``
    (default: the same name), except the ``skip`` suffixes."""
    for suffix in COPIED_SUFFIXES:
        path = src / f"{name}.{suffix}"
        if suffix not in skip and path.is_file():
            copy_file(path, dst / f"{dst_name or name}.{suffix}")


def copy_dataset_for_items(
    src: Path, dst: Path, name: str, fields: AtomicFields, items: set[str], *,
    skip: tuple[str, ...] = (), dst_name: str | None = None, catalogue: str = "full",
) -> None:
    """:func:`copy_dataset` for a dataset whose interactions touch only ``items``: ``.link`` keeps
    the rows of those items (:func:`write_clean_link`; copied as it is when there is no ``.kg``).
    With ``catalogue="full"`` every listed item counts (see :mod:`recbole_kgllm.bench.catalogue`)."""
    from recbole_kgllm.bench.catalogue import listed_items, write_catalogue_items

    if catalogue == "full":
        items = items | listed_items(src, name, fields)
        write_catalogue_items(src, dst, name, fields, dst_name)
        skip = (*skip, "item")
    copy_dataset(src, dst, name, skip=(*skip, "link"), dst_name=dst_name)
    if not (src / f"{name}.link").is_file():
        return
    if (src / f"{name}.kg").is_file():
        write_clean_link(src, dst, name, fields, items, dst_name)
    else:
        copy_file(src / f"{name}.link", dst / f"{dst_name or name}.link")


def write_linked_dataset(
    src: Path, dst: Path, name: str, fields: AtomicFields, dst_name: str | None = None, *, catalogue: str = "full"
) -> LinkedReport:
    """Write ``dst/<dst_name>.*``: the interactions of linked items only, every other file copied
    (with ``catalogue="full"``, ``.item`` lists every ``.link`` item and ``.link`` keeps the rows of
    items without interactions too, see :mod:`recbole_kgllm.bench.catalogue`).

    Args:
        src: the source dataset folder (holding ``name.inter``, ``name.kg``, ``name.link``).
        dst: the folder to write (created).
        name: the source dataset name.
        fields: field names and file format.
        dst_name: the written dataset's name (default: ``name``).

    Raises:
        DatasetNotFoundError: ``.inter``, ``.kg`` or ``.link`` is missing.
    """
    for suffix in ("inter", "kg", "link"):
        if not (src / f"{name}.{suffix}").is_file():
            raise DatasetNotFoundError(
                f"dataset '{name}' has no {name}.{suffix} in {src}: linked-items data needs .inter, .kg and .link "
                "(use --data_mode split, or a dataset with a knowledge graph)"
            )
    linked = linked_items(src, name, fields)
    inter = fields.read(src, name, "inter")
    items = inter.column(fields.item)
    kept = inter.select([i in linked for i in items])
    dst_name = dst_name or name
    dst.mkdir(parents=True, exist_ok=True)
    kept.write(dst / f"{dst_name}.inter")
    kept_items = set(kept.column(fields.item))
    link_items = set(kept_items)
    skip: tuple[str, ...] = ("inter", "link")
    if catalogue == "full":
        from recbole_kgllm.bench.catalogue import listed_items, write_catalogue_items

        link_items |= listed_items(src, name, fields)
        write_catalogue_items(src, dst, name, fields, dst_name)
        skip = (*skip, "item")
    copy_dataset(src, dst, name, skip=skip, dst_name=dst_name)
    link_kept = write_clean_link(src, dst, name, fields, link_items, dst_name)
    report = LinkedReport(
        interactions=len(inter.rows), interactions_kept=len(kept.rows), items=len(set(items)),
        items_kept=len(kept_items), link_rows=len(fields.read(src, name, "link").rows), link_rows_kept=link_kept,
    )
    (dst / f"{dst_name}.linked.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    return report


def shuffle_kg_tails(kg: AtomicTable, fields: AtomicFields, seed: int) -> AtomicTable:
    """``kg`` with its tails permuted within each relation (seeded): heads, relations and each
    relation's tail multiset are kept, the facts are not."""
    relations, tails = kg.column(fields.relation), kg.column(fields.tail)
    tail_index = kg.index(fields.tail)
    rng = np.random.default_rng(seed)
    new_tails = list(tails)
    by_relation: dict[str, list[int]] = {}
    for row, relation in enumerate(relations):
        by_relation.setdefault(relation, []).append(row)
    for relation in sorted(by_relation):
        rows = by_relation[relation]
        for row, source in zip(rows, rng.permutation(rows)):
            new_tails[row] = tails[int(source)]
    out = []
    for line, tail in zip(kg.rows, new_tails):
        cells = line.split(kg.sep)
        cells[tail_index] = tail
        out.append(kg.sep.join(cells))
    return kg.with_rows(out)


def write_kg_shuffled_dataset(
    src: Path, dst: Path, name: str, fields: AtomicFields, seed: int, dst_name: str | None = None
) -> None:
    """Write ``dst/<dst_name>.*``: ``src``'s files with the ``.kg`` tails shuffled (see
    :func:`shuffle_kg_tails`). The entity set is unchanged, so ``.link`` stays valid."""
    dst.mkdir(parents=True, exist_ok=True)
    copy_dataset(src, dst, name, skip=("kg",), dst_name=dst_name)
    shuffle_kg_tails(fields.read(src, name, "kg"), fields, seed).write(dst / f"{dst_name or name}.kg")


def build_once(data_path: Path, build: Callable[[Path], None]) -> Path:
    """Create the folder ``data_path`` with ``build(tmp_folder)`` unless it exists: built in a
    temporary sibling and renamed, so an interrupted run never leaves a half-written dataset."""
    if data_path.is_dir():
        return data_path
    data_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = data_path.with_name(f".tmp-{data_path.name}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    build(tmp)
    try:
        os.rename(tmp, data_path)
    except OSError:  # built meanwhile by another process
        shutil.rmtree(tmp, ignore_errors=True)
        if not data_path.is_dir():
            raise
    return data_path


__all__ = [
    "AtomicFields",
    "LinkedReport",
    "build_once",
    "copy_dataset",
    "kg_entities",
    "linked_items",
    "shuffle_kg_tails",
    "write_clean_link",
    "copy_dataset_for_items",
    "write_kg_shuffled_dataset",
    "write_linked_dataset",
]
