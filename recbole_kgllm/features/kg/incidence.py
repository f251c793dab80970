"""The KG as item-entity incidence: the entities each item shares a triple with.

Linear models use side information as extra rows of the interaction matrix (collective EASE):
an entity is a pseudo-user who "interacted" with every item tied to it (a director with their
films, a genre with its members). This module builds that incidence from the ``kg_source``
store entry (external tokens, no training) and aligns it to RecBole's internal item order;
weighting (IDF) and similarity are the model's business
(:mod:`recbole_kgllm.model.backbones.ease_priors`).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from recbole_kgllm.features.kg.triples import TokenTriples
from recbole_kgllm.model.inputs import ItemEntities


def item_entities(item_tokens: Sequence[str], triples: TokenTriples) -> ItemEntities:
    """The incidence ``[len(item_tokens), E]`` of items (internal order, ``[PAD]`` first) and the
    entities their ``.link`` entity shares a triple with (either direction, any relation), plus the
    entity-entity adjacency of the whole KG. An item's own entity is not a column of its row.

    Args:
        item_tokens: external item tokens by internal id.
        triples: the KG in external tokens.
    """
    n_entities = len(triples.entity_tokens)
    entity_row = {token: row for row, token in enumerate(triples.entity_tokens.tolist())}
    item_of_entity: dict[int, list[int]] = {}
    for item, token in enumerate(item_tokens):
        entity = triples.item_to_entity.get(token)
        if item > 0 and entity is not None and entity in entity_row:
            item_of_entity.setdefault(entity_row[entity], []).append(item)
    heads = triples.triples[:, 0].numpy()
    tails = triples.triples[:, 2].numpy()
    rows, cols = [], []
    for a, b in ((heads, tails), (tails, heads)):
        for entity, other in zip(a.tolist(), b.tolist()):
            for item in item_of_entity.get(entity, ()):
                if other != entity:
                    rows.append(item)
                    cols.append(other)
    incidence = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
        shape=(len(item_tokens), n_entities),
    )
    incidence.sum_duplicates()
    incidence.data[:] = 1.0
    a, b = np.concatenate([heads, tails]), np.concatenate([tails, heads])
    off_diagonal = a != b
    adjacency = sp.csr_matrix(
        (np.ones(int(off_diagonal.sum()), dtype=np.float32), (a[off_diagonal], b[off_diagonal])),
        shape=(n_entities, n_entities),
    )
    adjacency.sum_duplicates()
    adjacency.data[:] = 1.0
    return ItemEntities(
        incidence=incidence, adjacency=adjacency.tocsr(), entity_tokens=tuple(triples.entity_tokens.tolist())
    )


__all__ = ["item_entities"]
