"""The feature API the models call: aligned-ready tables for a RecBole ``Config``.

Each function computes its entry on first use (PyKEEN training, text encoding) and reads it from
the feature store afterwards; keys are computed without loading the dataset. Align a table to
RecBole's internal order with ``table.align(dataset.field2id_token[field])``.

Importing this module is cheap: RecBole, PyKEEN and transformers load only when used.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from recbole_kgllm.features.kg.triples import TokenTriples
    from recbole_kgllm.store import FeatureTable, StoreResult


def kg_embedding_result(config: Any) -> StoreResult:
    """The KG embedding entry (tables ``entity``, ``relation``, ``item``) with its status and timing."""
    from recbole_kgllm.features.kg.pipeline import kg_embedding_result as _result

    return _result(config)


def item_kg_table(config: Any) -> FeatureTable:
    """Item token -> KG entity embedding [n_linked_items, d]; items without an entity are absent
    (so ``align`` masks them)."""
    return kg_embedding_result(config).entry.table("item")


def entity_kg_table(config: Any) -> FeatureTable:
    """Entity token -> KG embedding [n_entities, d]."""
    return kg_embedding_result(config).entry.table("entity")


def relation_kg_table(config: Any) -> FeatureTable:
    """Relation token -> KG embedding [n_relations, d_r]."""
    return kg_embedding_result(config).entry.table("relation")


def kg_triples(config: Any) -> TokenTriples:
    """The dataset's KG in external tokens, as RecBole loads it (its KG filters apply), plus the
    item -> entity map; no KG training is needed for it."""
    from recbole_kgllm.features.kg.pipeline import kg_source_result, triples_from_entry

    return triples_from_entry(kg_source_result(config).entry)


def text_result(config: Any, kind: str = "item") -> StoreResult | None:
    """The ``item_text`` / ``user_text`` entry with its status and timing (``None`` for users
    when ``user_text_template`` is not set)."""
    from recbole_kgllm.features.text.pipeline import text_result as _result

    return _result(config, kind)  # type: ignore[arg-type]


def item_text_table(config: Any) -> FeatureTable:
    """Item token -> frozen text embedding [n_items_with_text, d]; items without text are absent."""
    result = text_result(config, "item")
    assert result is not None  # item text always has a template
    return result.entry.table("item")


def user_text_table(config: Any) -> FeatureTable | None:
    """User token -> frozen text embedding, or ``None`` when ``user_text_template`` is not set."""
    result = text_result(config, "user")
    return None if result is None else result.entry.table("user")


__all__ = [
    "entity_kg_table",
    "item_kg_table",
    "item_text_table",
    "kg_embedding_result",
    "kg_triples",
    "relation_kg_table",
    "text_result",
    "user_text_table",
]
