"""The candidate items of full ranking: the whole catalogue, not only items with interactions.

With ``--catalogue full`` (the default) every item listed in ``.item`` or ``.link`` is a
candidate, including items that nobody interacted with (catalogue items, or the unlinked items
whose interactions the ``filtered`` data mode removed): a model that promotes items without
interactions pays for it. The harness loads ``.item``'s id column (``load_col``), so RecBole puts
every listed item into its id space; the derived datasets keep every ``.link`` row whose entity
has a triple, and their ``.item`` lists every ``.link`` item (rows appended with empty fields
when the source's ``.item`` misses some, or an id-only ``.item`` when it has none).

``--catalogue interacted`` is the former protocol: ``.item`` is not loaded, the candidates are
the items with interactions, and ``.link`` keeps only their rows.
"""
from __future__ import annotations

from pathlib import Path

from recbole_kgllm.bench.data_prep import AtomicFields
from recbole_kgllm.datasets.atomic import AtomicTable, copy_file



def listed_items(folder: Path, name: str, fields: AtomicFields) -> set[str]:
    """Items of ``name.item`` and ``name.link`` (whichever exist)."""
    items: set[str] = set()
    for suffix in ("item", "link"):
        if (folder / f"{name}.{suffix}").is_file():
            items |= set(fields.read(folder, name, suffix).column(fields.item))
    return items


def write_catalogue_items(src: Path, dst: Path, name: str, fields: AtomicFields, dst_name: str | None = None) -> int:
    """Write ``dst/<dst_name>.item`` covering every item of ``.item`` and ``.link``: a byte copy
    when ``.item`` already does (so cached text features still match), else ``.item`` plus one row
    per missing item (empty other fields). Returns the number of appended items."""
    target = dst / f"{dst_name or name}.item"
    item_path, link_path = src / f"{name}.item", src / f"{name}.link"
    linked = set(fields.read(src, name, "link").column(fields.item)) if link_path.is_file() else set()
    if item_path.is_file():
        table = fields.read(src, name, "item")
        missing = sorted(linked - set(table.column(fields.item)))
        if not missing:
            copy_file(item_path, target)
            return 0
        position, width = table.index(fields.item), len(table.fields)
        extra = [fields.sep.join(item if i == position else "" for i in range(width)) for item in missing]
        table.with_rows([*table.rows, *extra]).write(target)
        return len(missing)
    if not linked:
        return 0
    AtomicTable(f"{fields.item}:token", sorted(linked), fields.sep).write(target)
    return len(linked)


__all__ = ["listed_items", "write_catalogue_items"]
