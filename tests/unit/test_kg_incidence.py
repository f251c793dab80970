"""The KG as item-entity incidence on a toy KG: ties, IDF weights, similarity, alignment."""
from __future__ import annotations

import numpy as np
import torch

from recbole_kgllm.features.kg.incidence import item_entities
from recbole_kgllm.features.kg.triples import TokenTriples
from recbole_kgllm.model.backbones.ease_priors import idf_incidence, incidence_similarity, normalized_prior

# Films f1..f4 (entities m1..m4); d1 directed f1 and f2; g (a genre) holds every film; a1 acted in f3.
TRIPLES = [("m1", "directed_by", "d1"), ("m2", "directed_by", "d1"), ("m1", "genre", "g"), ("m2", "genre", "g"),
           ("m3", "genre", "g"), ("m4", "genre", "g"), ("a1", "acted_in", "m3"), ("d1", "born_in", "c1")]


def _triples() -> TokenTriples:
    entities = sorted({t for h, _, tail in TRIPLES for t in (h, tail)})
    relations = sorted({r for _, r, _ in TRIPLES})
    ids = [[entities.index(h), relations.index(r), entities.index(t)] for h, r, t in TRIPLES]
    return TokenTriples(
        entity_tokens=np.asarray(entities, dtype=object), relation_tokens=np.asarray(relations, dtype=object),
        triples=torch.tensor(ids), item_to_entity={"f1": "m1", "f2": "m2", "f3": "m3", "f4": "m4", "f9": "zz"},
    )


def test_incidence_ties_each_item_to_its_neighbours_in_internal_order() -> None:
    tokens = ["[PAD]", "f3", "f1", "f2", "f4", "f5"]  # internal order; f5 has no link
    view = item_entities(tokens, _triples())
    names = view.entity_tokens
    row = {t: {names[j] for j in view.incidence[i].indices} for i, t in enumerate(tokens)}
    assert row["f1"] == row["f2"] == {"d1", "g"} and row["f3"] == {"g", "a1"} and row["f4"] == {"g"}
    assert row["[PAD]"] == row["f5"] == set() and view.coverage == 4
    assert view.adjacency[names.index("d1"), names.index("c1")] == 1  # two-hop material


def test_idf_makes_the_hub_genre_weigh_nothing_and_the_shared_director_everything() -> None:
    view = item_entities(["[PAD]", "f1", "f2", "f3", "f4"], _triples())
    f = idf_incidence(view)
    g, d1 = view.entity_tokens.index("g"), view.entity_tokens.index("d1")
    assert np.allclose(f[:, g].toarray(), 0.0)  # every linked item has it: log(4/4) = 0
    assert f[1, d1] > 0 and np.isclose(np.linalg.norm(f[1].toarray()), 1.0)
    sim = incidence_similarity(view, topk=2).toarray()
    assert np.isclose(sim[1, 2], 1.0) and sim[1, 3] == 0.0 and sim[3, 4] == 0.0  # only f1-f2 share a rare entity
    assert np.allclose(sim, sim.T) and (np.diag(sim) == 0).all()
    norm = normalized_prior(incidence_similarity(view, topk=0))
    assert np.abs(np.linalg.eigvalsh(norm)).max() <= 1.0 + 1e-9
    two_hops = idf_incidence(view, hops=2)
    assert two_hops[1, view.entity_tokens.index("c1")] > 0  # f1 -> d1 -> c1
