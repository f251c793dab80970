"""KG features through the store: ``kg_source`` (triples and links in tokens, as RecBole loads
them) and ``kg_embedding`` (PyKEEN entity, relation and item tables).

Both keys are computed without loading the dataset: the source key hashes the ``.kg`` and
``.link`` bytes and the RecBole settings that filter them; the embedding key hashes the source
key and every output-changing KG setting. A cached run therefore does no RecBole or PyKEEN work.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from recbole_kgllm.recbole_integration.kg_source import RECBOLE_KG_KEYS, kg_files, load_kg_source
from recbole_kgllm.features.kg.settings import KGFeatureSettings
from recbole_kgllm.features.kg.train import item_rows, train_kg_embeddings
from recbole_kgllm.features.kg.triples import TokenTriples
from recbole_kgllm.store import EntryContent, EntrySpec, FeatureStore, StoredEntry, StoreResult
from recbole_kgllm.store.hashing import file_sha256, library_versions

#: Identifiers in store keys (the modules moved; the names are kept so cached entries stay valid).
SOURCE_PRODUCER = "recbole_kgllm.recbole_integration.kg_source/1"
EMBEDDING_PRODUCER = "recbole_kgllm.kg.train/1"


def kg_source_spec(config: Any) -> EntrySpec:
    """The key inputs of ``config``'s KG source entry (hashes the ``.kg`` and ``.link`` files)."""
    files = kg_files(config)
    return EntrySpec(
        kind="kg_source",
        producer=SOURCE_PRODUCER,
        settings={"dataset": config["dataset"], **{key: config[key] for key in RECBOLE_KG_KEYS}},
        inputs={path.name: file_sha256(path) for path in files.values()},
        versions=library_versions(["recbole", "recbole-kgllm", "numpy", "pandas"]),
    )


def kg_embedding_spec(settings: KGFeatureSettings, source: EntrySpec) -> EntrySpec:
    """The key inputs of the KG embedding entry trained on ``source`` with ``settings``."""
    return EntrySpec(
        kind="kg_embedding",
        producer=EMBEDDING_PRODUCER,
        settings=settings.key_settings(),
        inputs={"kg_source": source.key},
        versions=library_versions(["torch", "pykeen", "recbole-kgllm", "numpy"]),
    )


def _compute_source(config: Any) -> EntryContent:
    source = load_kg_source(config)
    triples = source.triples
    entity_index = {token: row for row, token in enumerate(triples.entity_tokens.tolist())}
    link_items = sorted(triples.item_to_entity)
    link = torch.tensor([entity_index[triples.item_to_entity[i]] for i in link_items], dtype=torch.int64)
    return EntryContent(
        tensors={"triples": triples.triples, "link": link},
        tokens={
            "entity": triples.entity_tokens.tolist(),
            "relation": triples.relation_tokens.tolist(),
            "link_item": link_items,
        },
        info={
            "n_items": source.n_items,
            "n_items_with_entity": source.n_items_with_entity,
            "coverage": source.n_items_with_entity / source.n_items if source.n_items else 0.0,
            "coverage_of": "items RecBole kept for the config that created this entry ([PAD] excluded)",
            "n_triples": len(triples),
        },
    )


def triples_from_entry(entry: StoredEntry) -> TokenTriples:
    """The :class:`TokenTriples` stored in a ``kg_source`` entry."""
    entities = np.asarray(entry.tokens["entity"], dtype=object)
    link = entry.tensors["link"].tolist()
    return TokenTriples(
        entity_tokens=entities,
        relation_tokens=np.asarray(entry.tokens["relation"], dtype=object),
        triples=entry.tensors["triples"],
        item_to_entity={item: str(entities[row]) for item, row in zip(entry.tokens["link_item"], link)},
    )


def kg_source_result(
    config: Any, *, store: FeatureStore | None = None, spec: EntrySpec | None = None
) -> StoreResult:
    """The ``kg_source`` entry of ``config``'s dataset (loaded through RecBole when absent);
    ``spec`` is :func:`kg_source_spec` when the caller already computed it."""
    store = store or FeatureStore(root=KGFeatureSettings.from_config(config).store_dir)
    return store.get_or_compute(spec or kg_source_spec(config), lambda: _compute_source(config))


def kg_embedding_result(
    config: Any, settings: KGFeatureSettings | None = None, *, source_spec: EntrySpec | None = None
) -> StoreResult:
    """The ``kg_embedding`` entry for ``config`` (trained with PyKEEN when absent or damaged).

    Tables: ``entity`` [E, d], ``relation`` [R, d_r], ``item`` [I, d] (linked items only).
    ``source_spec`` is :func:`kg_source_spec` when the caller already computed it (the
    ``.kg``/``.link`` files are then not hashed again).
    """
    settings = settings or KGFeatureSettings.from_config(config)
    store = FeatureStore(root=settings.store_dir)
    source_spec = source_spec or kg_source_spec(config)
    spec = kg_embedding_spec(settings, source_spec)

    def compute() -> EntryContent:
        source = kg_source_result(config, store=store, spec=source_spec).entry
        triples = triples_from_entry(source)
        run_dir = settings.tensorboard_dir / f"{settings.model}-{spec.key[:12]}-{time.strftime('%Y%m%d-%H%M%S')}"
        embeddings = train_kg_embeddings(triples, settings, run_dir=run_dir)
        items, item_values = item_rows(embeddings, triples.item_to_entity)
        facts = source.manifest.info
        return EntryContent(
            tensors={"entity": embeddings.entity, "relation": embeddings.relation, "item": item_values},
            tokens={"entity": embeddings.entity_tokens, "relation": embeddings.relation_tokens, "item": items},
            info={
                **embeddings.info,
                "n_items": facts.get("n_items"),
                "n_items_with_entity": facts.get("n_items_with_entity"),
                "coverage": facts.get("coverage"),
                "coverage_of": facts.get("coverage_of"),
                "kg_source_entry": str(source.path),
            },
        )

    return store.get_or_compute(spec, compute)


__all__ = [
    "kg_embedding_result",
    "kg_embedding_spec",
    "kg_source_result",
    "kg_source_spec",
    "triples_from_entry",
]
