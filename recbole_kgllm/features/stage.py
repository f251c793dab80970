"""The feature stage of the run pipeline: exactly the frozen views a model declared
(:class:`~recbole_kgllm.model.inputs.FeatureNeeds`), computed or read through the feature store
and aligned to RecBole's internal order.

Settings are read once per stage and the ``.kg``/``.link`` files hashed once. Everything runs
without consuming the global random streams (:func:`rng_preserved`), so a run whose features are
computed and a run whose features are cached initialise their models identically.
"""
from __future__ import annotations

import contextlib
import logging
import random
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch

from recbole_kgllm.errors import DatasetNotFoundError
from recbole_kgllm.features.kg.incidence import item_entities
from recbole_kgllm.features.kg.pipeline import (
    kg_embedding_result,
    kg_source_result,
    kg_source_spec,
    triples_from_entry,
)
from recbole_kgllm.features.kg.settings import KGFeatureSettings
from recbole_kgllm.features.kg.triples import TokenTriples
from recbole_kgllm.features.text.pipeline import text_result
from recbole_kgllm.features.text.settings import TextFeatureSettings
from recbole_kgllm.recbole_integration.kg_source import kg_files
from recbole_kgllm.model.inputs import FeatureNeeds, FeatureView, ItemEntities, ItemKG, ModelFeatures
from recbole_kgllm.store import FeatureStore, FeatureTable

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def rng_preserved() -> Iterator[None]:
    """Run a block without consuming the global random streams (Python, NumPy, torch CPU/CUDA).

    Computing features on first use (PyKEEN training, random splits) would otherwise draw random
    numbers before the model initialises its weights, so a first run (features computed) and a
    later run (features cached) with the same seed would train different models.
    """
    py_state, np_state = random.getstate(), np.random.get_state()
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        try:
            yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)


def aligned_view(table: FeatureTable, tokens: Sequence[str]) -> FeatureView:
    """``table`` in the order of ``tokens`` (RecBole's internal order; row 0, ``[PAD]``, masked)."""
    aligned = table.align(list(tokens))
    mask = aligned.mask.clone()
    mask[0] = False
    return FeatureView(values=aligned.values, mask=mask)


def item_kg(item_tokens: Sequence[str], triples: TokenTriples, entities: FeatureTable) -> ItemKG:
    """The triples whose head is an item's entity, in model indices, with the entity table."""
    entity_to_item = {e: i for i, t in enumerate(item_tokens) for e in [triples.item_to_entity.get(t)] if e}
    entity_row = {t: i for i, t in enumerate(entities.tokens)}
    heads, relations, tails = [], [], []
    for h, r, t in zip(triples.head, triples.triples[:, 1].tolist(), triples.tail):
        if h in entity_to_item and t in entity_row:
            heads.append(entity_to_item[h])
            relations.append(r)
            tails.append(entity_row[t])
    return ItemKG(
        heads=torch.tensor(heads, dtype=torch.long), relations=torch.tensor(relations, dtype=torch.long),
        tails=torch.tensor(tails, dtype=torch.long), entities=entities.values.float(),
        n_relations=len(triples.relation_tokens),
    )


def _kg_features(config: Any, needs: FeatureNeeds, item_tokens: Sequence[str]) -> tuple[FeatureView | None, ItemKG | None]:
    settings = KGFeatureSettings.from_config(config)
    source_spec = kg_source_spec(config)
    entry = kg_embedding_result(config, settings, source_spec=source_spec).entry
    view = aligned_view(entry.table("item"), item_tokens) if "kg" in needs.items else None
    kg = None
    if needs.item_kg:
        store = FeatureStore(root=settings.store_dir)
        triples = triples_from_entry(kg_source_result(config, store=store, spec=source_spec).entry)
        kg = item_kg(item_tokens, triples, entry.table("entity"))
    return view, kg


def has_knowledge_graph(config: Any) -> bool:
    """Whether ``config``'s dataset has both ``.kg`` and ``.link`` files."""
    try:
        kg_files(config)
    except DatasetNotFoundError:
        return False
    return True


def _item_entities(config: Any, item_tokens: Sequence[str]) -> ItemEntities:
    """The item-entity incidence of ``config``'s KG (the ``kg_source`` entry: no PyKEEN training)."""
    store = FeatureStore(root=KGFeatureSettings.from_config(config).store_dir)
    entities = item_entities(item_tokens, triples_from_entry(kg_source_result(config, store=store).entry))
    logger.info(
        "item-entity incidence: %d of %d items tied to %d entities (%d ties)",
        entities.coverage, len(item_tokens) - 1, len(entities.entity_tokens), entities.incidence.nnz,
    )
    return entities


def compute_features(
    config: Any, needs: FeatureNeeds, *, item_tokens: Sequence[str], user_tokens: Sequence[str]
) -> ModelFeatures:
    """The store-backed views of ``needs`` for a dataset whose internal order is given by
    ``item_tokens``/``user_tokens`` (the teacher is not a store entry: see the run pipeline).

    Args:
        config: the run's RecBole config (feature settings, dataset files).
        needs: what the model declared.
        item_tokens: external item tokens by internal id (``[PAD]`` first).
        user_tokens: external user tokens by internal id.
    """
    items: dict[str, FeatureView] = {}
    users: dict[str, FeatureView] = {}
    kg, entities = None, None
    kg_wanted = needs.item_entities or "kg" in needs.items
    has_kg = has_knowledge_graph(config)
    if kg_wanted and not has_kg and not needs.item_kg:
        logger.warning(
            "dataset '%s' has no knowledge graph (%s.kg and %s.link in %s): the KG views are empty "
            "(0%% coverage); add the two files, or set use_kg=False to silence this",
            config["dataset"], config["dataset"], config["dataset"], config["data_path"],
        )
    with rng_preserved():
        if needs.item_entities and has_kg:
            entities = _item_entities(config, item_tokens)
        if ("kg" in needs.items and has_kg) or needs.item_kg:
            view, kg = _kg_features(config, needs, item_tokens)
            if view is not None:
                items["kg"] = view
        text_settings = TextFeatureSettings.from_config(config) if "text" in needs.items | needs.users else None
        if "text" in needs.items:
            result = text_result(config, "item", text_settings)
            if result is not None:  # None: no text field (warned)
                items["text"] = aligned_view(result.entry.table("item"), item_tokens)
        if "text" in needs.users:
            result = text_result(config, "user", text_settings)
            if result is None:
                logger.info("user text view not loaded: user_text_template is not set")
            else:
                users["text"] = aligned_view(result.entry.table("user"), user_tokens)
    return ModelFeatures(items=items, users=users, item_kg=kg, item_entities=entities)


__all__ = ["aligned_view", "compute_features", "item_kg", "rng_preserved"]
