"""Turning a :class:`DatasetSpec` into RecBole atomic files, and the ml-1m entry point.

Output layout: ``<out_dir>/<name>/<name>.{inter,item,user,kg,link}`` plus
``<name>.conversion.json`` (the report; RecBole ignores it). Pass ``data_path=<out_dir>`` and
``dataset=<name>`` to RecBole. Field names follow RecBole's ml-100k files so that the same
configs work on every converted dataset.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Literal, Optional

import recbole_kgllm
from recbole_kgllm.datasets.atomic import AtomicField, write_atomic_file
from recbole_kgllm.datasets.kg_merge import merge_item_kgs
from recbole_kgllm.datasets.report import ConversionReport
from recbole_kgllm.datasets.spec import DatasetSpec
from recbole_kgllm.errors import ConfigError

ATOMIC_SUFFIXES = ("inter", "item", "user", "kg", "link")
_KG_FIELDS = (
    AtomicField("head_id", "token"),
    AtomicField("relation_id", "token"),
    AtomicField("tail_id", "token"),
)
_LINK_FIELDS = (AtomicField("item_id", "token"), AtomicField("entity_id", "token"))


def _project_root() -> Optional[Path]:
    root = Path(recbole_kgllm.__file__).resolve().parent.parent
    return root if (root / "setup.py").is_file() or (root / ".git").exists() else None


def _check_out_dir(out_dir: Path, name: str) -> Path:
    """Validate the name and refuse to write MovieLens-derived files into the source tree."""
    if not name or name in {".", ".."} or any(c in name for c in "/\\\t\n"):
        raise ConfigError(f"invalid dataset name {name!r}: use a plain folder name such as 'ml-1m'")
    resolved = out_dir.expanduser().resolve()
    root = _project_root()
    if root is not None and (resolved == root or root in resolved.parents):
        raise ConfigError(
            f"refusing to write dataset files inside the project tree ({root}); "
            "the data terms forbid redistribution, choose an --out folder outside it"
        )
    return resolved


def _dedupe_interactions(spec: DatasetSpec) -> tuple[list[tuple], int]:
    """Rows ``(user, item, rating[, timestamp])`` without exact duplicates, in input order."""
    inter = spec.interactions
    ratings = inter.ratings if inter.ratings is not None else [1.0] * len(inter)
    columns = [inter.user_ids, inter.item_ids, ratings]
    if inter.timestamps is not None:
        columns.append(inter.timestamps)
    rows = list(dict.fromkeys(zip(*columns)))
    return rows, len(inter) - len(rows)


def convert(spec: DatasetSpec, out_dir: Path) -> ConversionReport:
    """Write ``spec`` as RecBole atomic files under ``out_dir/<spec.name>/``.

    Only items and users that occur in the interactions get ``.item``/``.user``/``.link``
    rows (extra rows would become un-interacted candidates in RecBole's full ranking).
    Stale atomic files of the same name (e.g. a ``.user`` from an earlier run) are removed.

    Args:
        spec: the generic inputs.
        out_dir: RecBole ``data_path``; created if missing; must lie outside the project tree.

    Returns:
        The :class:`ConversionReport`; also saved as ``<name>.conversion.json``.
    """
    start = time.perf_counter()
    data_path = _check_out_dir(Path(out_dir), spec.name)
    folder = data_path / spec.name
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}

    def path_of(suffix: str) -> Path:
        files[suffix] = folder / f"{spec.name}.{suffix}"
        return files[suffix]

    rows, n_dup = _dedupe_interactions(spec)
    users = list(dict.fromkeys(r[0] for r in rows))
    items = list(dict.fromkeys(r[1] for r in rows))
    has_time = spec.interactions.timestamps is not None
    inter_fields = [
        AtomicField("user_id", "token"),
        AtomicField("item_id", "token"),
        AtomicField("rating", "float"),
    ] + ([AtomicField("timestamp", "float")] if has_time else [])
    write_atomic_file(path_of("inter"), inter_fields, rows)

    title_f, year_f, class_f = spec.item_fields
    item_rows = [
        (i, spec.items[i].title, spec.items[i].year, spec.items[i].genres)
        for i in items
        if i in spec.items
    ]
    if item_rows:
        item_fields = (
            AtomicField("item_id", "token"),
            AtomicField(title_f, "token_seq"),
            AtomicField(year_f, "token"),
            AtomicField(class_f, "token_seq"),
        )
        write_atomic_file(path_of("item"), item_fields, item_rows)

    user_rows: list[tuple] = []
    if spec.users is not None:
        user_rows = [(u, *spec.users.rows[u]) for u in users if u in spec.users.rows]
        user_fields = [AtomicField("user_id", "token")]
        user_fields += [AtomicField(f, "token") for f in spec.users.fields]
        if user_rows:
            write_atomic_file(path_of("user"), user_fields, user_rows)

    merged = merge_item_kgs(spec.kg_sources, items, same_as_relation=spec.same_as_relation)
    if merged.triples:
        write_atomic_file(path_of("kg"), _KG_FIELDS, merged.triples)
        write_atomic_file(path_of("link"), _LINK_FIELDS, list(merged.links.items()))

    for suffix in ATOMIC_SUFFIXES:
        stale = folder / f"{spec.name}.{suffix}"
        if suffix not in files and stale.exists():
            stale.unlink()

    linked = sum(1 for r in rows if r[1] in merged.links)
    relation_counts = merged.relation_counts
    report = ConversionReport(
        name=spec.name,
        data_path=data_path,
        files=dict(files),
        users=len(users),
        items=len(items),
        interactions=len(rows),
        implicit=spec.interactions.ratings is None,
        has_timestamps=has_time,
        items_with_metadata=len(item_rows),
        users_with_features=len(user_rows),
        triples=len(merged.triples),
        entities=merged.n_entities,
        relations=len(relation_counts),
        relation_counts=relation_counts,
        linked_items=len(merged.links),
        linked_interaction_share=linked / len(rows) if rows else 0.0,
        links_by_source=merged.links_by_source,
        same_as_triples=merged.same_as,
        duplicate_interactions=n_dup,
        duplicate_triples=merged.duplicate_triples,
        link_conflicts=merged.link_conflicts,
        kg_triples_outside_one_hop=merged.dropped_by_one_hop,
        notes=spec.notes,
    )
    report.seconds = time.perf_counter() - start
    (folder / f"{spec.name}.conversion.json").write_text(report.to_json() + "\n", encoding="utf-8")
    return report


def convert_ml1m(
    source_dir: Path,
    out_dir: Path,
    *,
    variant: Literal["pos4", "all-10core"] = "pos4",
    kg: Literal["mkr", "mkr+freebase"] = "mkr+freebase",
    name: str = "ml-1m",
    freebase_kg_dir: Optional[Path] = None,
    progress: bool = True,
) -> ConversionReport:
    """Convert the ml-1m bundle (see its ``SOURCE.md``) into RecBole atomic files.

    Args:
        source_dir: the bundle folder (``movielens/``, ``interactions-*/``, ``kg-mkr/``, ``kb4rec/``).
        out_dir: RecBole ``data_path``; files go to ``out_dir/<name>/``.
        variant: ``pos4`` (ratings >= 4, the primary benchmark) or ``all-10core``.
        kg: ``mkr`` (MKR/Satori item KG only) or ``mkr+freebase`` (plus ml-100k's Freebase
            facts for the same movies, joined through KB4Rec's ``ml2fb.txt``).
        name: dataset name.
        freebase_kg_dir: folder holding ``ml-100k.kg``; default: ``<source_dir>/../ml-100k``,
            else the copy shipped inside the ``recbole`` wheel.
        progress: show tqdm progress bars while reading.

    Returns:
        The :class:`ConversionReport` (its ``seconds`` include reading the bundle).
    """
    from recbole_kgllm.datasets.ml1m import build_ml1m_spec

    start = time.perf_counter()
    _check_out_dir(Path(out_dir), name)  # fail before reading the bundle
    spec = build_ml1m_spec(
        Path(source_dir),
        variant=variant,
        kg=kg,
        name=name,
        freebase_kg_dir=freebase_kg_dir,
        progress=progress,
    )
    report = convert(spec, out_dir)
    report.seconds = time.perf_counter() - start
    (report.data_path / name / f"{name}.conversion.json").write_text(
        report.to_json() + "\n", encoding="utf-8"
    )
    return report
