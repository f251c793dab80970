"""Which atomic files RecBole (and our feature pipelines) will read for a config, and what each
must contain.

RecBole reads ``<dataset>.inter`` (or ``<dataset>.<name>.inter`` for each name of
``benchmark_filename``), ``.user`` and ``.item`` when they exist and ``load_col`` does not leave
them out, and ``.kg`` + ``.link`` for knowledge-type models. Our models also read ``.kg`` +
``.link`` (KG view) and the whole ``.item`` / ``.user`` (text views): :func:`feature_views` is the
one place that knows their config keys.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Kind = Literal["inter", "user", "item", "kg", "link"]


@dataclass(frozen=True)
class Target:
    """One file to validate.

    Attributes:
        kind: the atomic-file kind.
        path: the file.
        required: fields the header must have.
        loaded: fields RecBole loads from it (None: every field).
        must_exist: a missing file is an error (else the target is skipped).
        why: who reads the file, for messages (e.g. ``"KGIN (a knowledge model)"``).
    """

    kind: Kind
    path: Path
    required: tuple[str, ...] = ()
    loaded: tuple[str, ...] | None = None
    must_exist: bool = True
    why: str = "RecBole"
    ids: tuple[str, ...] = field(default=())


def _get(config: Any, key: str) -> Any:
    try:
        return config[key]
    except (KeyError, TypeError):
        return None


def feature_views(config: Any) -> set[str]:
    """The feature views this config's model reads: ``kg``, ``text``, ``user_text`` (our models'
    ``use_kg`` / ``use_text`` / ``use_user_text`` keys; empty for every other model)."""
    keys = {"kg": "use_kg", "text": "use_text", "user_text": "use_user_text"}
    return {view for view, key in keys.items() if _get(config, key) is True}


def _loaded(config: Any, kind: str) -> tuple[str, ...] | None | Literal[False]:
    """Fields RecBole loads for ``kind`` (None: all; False: the file is not read)."""
    load_col = _get(config, "load_col")
    if load_col is None or _get(config, "load_col") == {}:
        return None
    if kind not in load_col:
        return False
    value = load_col[kind]
    return None if value == "*" else tuple(str(v) for v in value)


def _fields(config: Any, *keys: str) -> tuple[str, ...]:
    return tuple(str(_get(config, k)) for k in keys if _get(config, k))


def is_knowledge_model(config: Any) -> bool:
    """Whether RecBole gives this config's model a ``KnowledgeBasedDataset``."""
    from recbole.utils import ModelType

    return _get(config, "MODEL_TYPE") == ModelType.KNOWLEDGE


def targets_for(config: Any, *, every_file: bool = False, views: set[str] | None = None) -> list[Target]:
    """The files to validate for ``config`` (in the order RecBole reads them).

    Args:
        config: a RecBole ``Config``.
        every_file: validate every atomic file present (the benchmark, which copies them all
            and runs several models), not only those this model reads.
        views: the feature views to check for (default: those the config's model uses).
    """
    folder, name = Path(str(_get(config, "data_path"))), str(_get(config, "dataset"))
    user, item = _fields(config, "USER_ID_FIELD"), _fields(config, "ITEM_ID_FIELD")
    targets: list[Target] = []
    inter_loaded = _loaded(config, "inter")
    inter_cols = None if inter_loaded in (None, False) else inter_loaded
    eval_args = _get(config, "eval_args")
    by_time = isinstance(eval_args, dict) and eval_args.get("order") == "TO"
    required_inter = tuple(dict.fromkeys([*user, *item, *(_fields(config, "TIME_FIELD") if by_time else ())]))
    benchmark = _get(config, "benchmark_filename")
    inter_files = [folder / f"{name}.{b}.inter" for b in benchmark] if benchmark else [folder / f"{name}.inter"]
    for path in inter_files:
        targets.append(Target("inter", path, required_inter, inter_cols, ids=(*user, *item)))

    views = feature_views(config) if views is None else views
    for kind, id_field, view in (("user", user, "user_text"), ("item", item, "text")):
        loaded = _loaded(config, kind)
        needed_by_view = view in views
        if loaded is False and not needed_by_view and not every_file:
            continue
        why = "the text view (use_text)" if kind == "item" and needed_by_view else (
            "the user text view (use_user_text)" if needed_by_view else "RecBole")
        targets.append(Target(
            kind, folder / f"{name}.{kind}", id_field, None if needed_by_view or loaded is False else loaded,
            must_exist=needed_by_view, why=why, ids=id_field,
        ))

    knowledge = is_knowledge_model(config)
    if knowledge or "kg" in views or every_file:
        why = f"{_get(config, 'model')} (a knowledge model)" if knowledge else "the KG view (use_kg)"
        must = knowledge or "kg" in views
        kg_fields = _fields(config, "HEAD_ENTITY_ID_FIELD", "RELATION_ID_FIELD", "TAIL_ENTITY_ID_FIELD")
        link_fields = (*item, *_fields(config, "ENTITY_ID_FIELD"))
        targets.append(Target("kg", folder / f"{name}.kg", kg_fields, None, must, why, ids=kg_fields))
        targets.append(Target("link", folder / f"{name}.link", link_fields, None, must, why, ids=link_fields))
    return targets


__all__ = ["Kind", "Target", "feature_views", "is_knowledge_model", "targets_for"]
