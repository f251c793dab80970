"""Reading a dataset's KG exactly as RecBole loads it (``KnowledgeBasedDataset``, so filters
such as ``kg_reverse_r`` and ``entity_kg_num_interval`` apply), then leaving RecBole's internal
ids behind: everything returned is in external tokens.

This module touches RecBole internals (one overridden filtering step); it belongs with the
compatibility layer if RecBole changes.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from recbole_kgllm.errors import DatasetNotFoundError
from recbole_kgllm.features.kg.triples import TokenTriples

#: RecBole settings that change which triples and links are read (hashed into the source key).
RECBOLE_KG_KEYS = (
    "field_separator",
    "encoding",
    "ITEM_ID_FIELD",
    "HEAD_ENTITY_ID_FIELD",
    "TAIL_ENTITY_ID_FIELD",
    "RELATION_ID_FIELD",
    "ENTITY_ID_FIELD",
    "kg_reverse_r",
    "entity_kg_num_interval",
    "relation_kg_num_interval",
)


@dataclass(frozen=True, eq=False)
class LoadedKG:
    """A dataset's KG in tokens plus coverage facts.

    Attributes:
        triples: the KG; ``item_to_entity`` holds every ``.link`` row whose entity survived
            RecBole's KG filters, independent of which items have interactions.
        n_items: items RecBole kept for this config (``[PAD]`` excluded).
        n_items_with_entity: how many of those have an entity in the KG.
    """

    triples: TokenTriples
    n_items: int
    n_items_with_entity: int


def kg_files(config: Any) -> dict[str, Path]:
    """``{".kg": path, ".link": path}`` of ``config``'s dataset; raises if one is missing."""
    folder, name = Path(config["data_path"]), config["dataset"]
    files = {suffix: folder / f"{name}{suffix}" for suffix in (".kg", ".link")}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise DatasetNotFoundError(f"dataset '{name}' has no knowledge graph: missing {', '.join(missing)}")
    return files


def _kg_config(config: Any) -> Any:
    """A copy of ``config`` that also loads the ``.kg`` and ``.link`` columns."""
    kg_config = copy.copy(config)
    kg_config.final_config_dict = dict(config.final_config_dict)
    load_col = config["load_col"]
    if load_col is not None:
        load_col = dict(load_col)
        load_col["kg"] = [config["HEAD_ENTITY_ID_FIELD"], config["RELATION_ID_FIELD"], config["TAIL_ENTITY_ID_FIELD"]]
        load_col["link"] = [config["ITEM_ID_FIELD"], config["ENTITY_ID_FIELD"]]
        kg_config.final_config_dict["load_col"] = load_col
    return kg_config


def _dataset_class() -> type:
    from recbole.data.dataset import KnowledgeBasedDataset

    class _LinkRecordingKGDataset(KnowledgeBasedDataset):
        """Records the links and the item tokens before RecBole drops unlinked items."""

        def _filter_link(self) -> None:
            self.kgllm_links = dict(self.item2entity)
            self.kgllm_items = set(self._get_rec_item_token())
            super()._filter_link()

    return _LinkRecordingKGDataset


def load_kg_source(config: Any) -> LoadedKG:
    """Load ``config``'s dataset KG through RecBole and return it in external tokens."""
    kg_files(config)
    dataset = _dataset_class()(_kg_config(config))
    entity_field, relation_field = dataset.entity_field, dataset.relation_field
    id2entity = np.asarray(dataset.field2id_token[entity_field]).astype(str)
    id2relation = np.asarray(dataset.field2id_token[relation_field]).astype(str)
    columns = [dataset.head_entity_field, relation_field, dataset.tail_entity_field]
    ids = np.stack([np.asarray(dataset.kg_feat[c]) for c in columns], axis=1).astype(np.int64)

    used_entities, entity_ids = np.unique(ids[:, [0, 2]], return_inverse=True)
    used_relations, relation_ids = np.unique(ids[:, 1], return_inverse=True)
    entity_ids = entity_ids.reshape(-1, 2)
    triples = torch.from_numpy(np.stack([entity_ids[:, 0], relation_ids.reshape(-1), entity_ids[:, 1]], axis=1))
    entity_tokens = id2entity[used_entities]
    known = set(entity_tokens.tolist())
    # Pre-split files (benchmark_filename) skip RecBole's _filter_link: the links are then unfiltered.
    recorded = getattr(dataset, "kgllm_links", None)
    links = {str(i): str(e) for i, e in (dataset.item2entity if recorded is None else recorded).items() if str(e) in known}
    recorded_items = getattr(dataset, "kgllm_items", None)
    items = {str(i) for i in (dataset.field2id_token[dataset.iid_field] if recorded_items is None else recorded_items)}
    items -= {"[PAD]"}
    return LoadedKG(
        triples=TokenTriples(
            entity_tokens=entity_tokens,
            relation_tokens=id2relation[used_relations],
            triples=triples.to(torch.int64),
            item_to_entity=links,
        ),
        n_items=len(items),
        n_items_with_entity=sum(1 for i in items if i in links),
    )


__all__ = ["RECBOLE_KG_KEYS", "LoadedKG", "kg_files", "load_kg_source"]
