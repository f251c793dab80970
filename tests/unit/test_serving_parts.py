"""Serving parts on hand-made tensors: KG path search, masked top-k, export sparsification,
output writers, and that importing the package stays cheap."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from recbole_kgllm.errors import ConfigError, UnknownUserError
from recbole_kgllm.serving.catalog import Catalog, titles_from_frame
from recbole_kgllm.serving.export import sparsify_rows
from recbole_kgllm.serving.kg_paths import KGIndex
from recbole_kgllm.serving.output import WRITERS
from recbole_kgllm.serving.records import KGEdge, Reason, RecommendedItem, UserRecommendations
from recbole_kgllm.serving.topk import check_k, masked_top_k

# entities: 0 target film, 1 history film A, 2 history film B, 3 director (degree 2),
# 4 genre hub (degree 5), 5-7 other films, 8 far film, 9 person linked to 8
TRIPLES = np.array([
    [0, 0, 3], [1, 0, 3],            # target and A share a director (specific)
    [0, 1, 4], [2, 1, 4], [5, 1, 4], [6, 1, 4], [7, 1, 4],  # genre hub
    [8, 2, 9], [9, 3, 6],            # 8 -> 9 -> 6 -> 4 -> 0: four hops from 8 to the target
])


def _walk_ok(index: KGIndex, found) -> None:  # noqa: ANN001
    for step, triple in enumerate(found.triples):
        head, _, tail = index.triples[triple]
        assert {head, tail} == {found.entities[step], found.entities[step + 1]}


def test_path_is_shortest_and_most_specific() -> None:
    index = KGIndex(TRIPLES, 10)
    found = index.path(np.array([1, 2]), 0)
    assert found is not None and found.entities == (1, 3, 0) and found.hops == 2  # via the director, not the genre
    assert found.score == pytest.approx(1 / index.degree[0] / index.degree[3])
    _walk_ok(index, found)
    via_genre = index.path(np.array([2]), 0)
    assert via_genre.entities == (2, 4, 0) and via_genre.score < found.score
    _walk_ok(index, via_genre)


def test_path_respects_max_hops_and_bounds() -> None:
    index = KGIndex(TRIPLES, 10)
    assert index.path(np.array([8]), 0, max_hops=3) is None
    four = index.path(np.array([8]), 0, max_hops=4)
    assert four is not None and four.entities == (8, 9, 6, 4, 0)
    _walk_ok(index, four)
    assert index.path(np.array([1, 2]), 0, max_degree=3).entities == (1, 3, 0)
    assert index.path(np.array([2]), 0, max_degree=3) is None  # the hub is reached but not expanded
    assert index.path(np.array([2]), 0, max_edges=3) is None  # the target's 2 edges + the director's 2 > 3
    assert index.path(np.array([2]), 0, max_frontier=1) is None  # only the director is kept at level 1
    assert index.path(np.array([2]), 0, max_frontier=2) is not None
    assert index.path(np.array([0]), 0) is None  # the item itself is no source


def test_masked_top_k_hides_padding_and_history() -> None:
    scores = torch.tensor([[9.0, 1.0, 5.0, 3.0, 4.0], [9.0, 5.0, 4.0, 3.0, 2.0]])
    history = sp.csr_matrix(np.array([[0, 0, 1, 0, 0], [0, 0, 0, 0, 0]], dtype=np.float32))
    values, items = masked_top_k(scores, history, 2, keep_history=False)
    assert items.tolist() == [[4, 3], [1, 2]]
    assert masked_top_k(scores, history, 2, keep_history=True)[1].tolist() == [[2, 4], [1, 2]]
    values, items = masked_top_k(scores, history, 10, keep_history=False)
    assert items.shape == (2, 5) and torch.isinf(values[0, -2:]).all()  # padding and history never eligible


@pytest.mark.parametrize("bad", [0, -1, 2.5, "3", True, None])
def test_bad_k_is_a_config_error(bad: object) -> None:
    with pytest.raises(ConfigError):
        check_k(bad)


def test_sparsify_keeps_largest_magnitudes_per_row() -> None:
    b = np.array([[0.0, 3.0, -5.0, 1.0], [2.0, 0.0, 0.5, -0.1], [0, 0, 0, 0], [1, 1, 1, 0]], dtype=np.float32)
    kept = sparsify_rows(b, 2).toarray()
    assert kept.tolist() == [[0, 3, -5, 0], [2, 0, 0.5, 0], [0, 0, 0, 0], kept[3].tolist()]
    assert np.count_nonzero(kept[3]) == 2
    assert np.array_equal(sparsify_rows(b, 0).toarray(), b)


def _catalog() -> Catalog:
    history = sp.csr_matrix(np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=np.float32))
    return Catalog(user_tokens=np.array(["[PAD]", "u1", "u2"]), item_tokens=np.array(["[PAD]", "i1", "i2"]),
                   titles=np.array(["[PAD]", "One", "i2"], dtype=object), history=history)


def test_catalog_tokens() -> None:
    catalog = _catalog()
    assert catalog.user_ids(["u2", "u1"]).tolist() == [2, 1]
    assert catalog.history_of(1).tolist() == [1]
    with pytest.raises(UnknownUserError, match="unknown user '\\[PAD\\]'"):
        catalog.user_ids(["[PAD]"])
    import pandas as pd

    frame = pd.DataFrame({"item_id": ["i1", "i2"], "movie_title": [np.array(["A", "Film"]), ""]})
    assert titles_from_frame(["[PAD]", "i1", "i2"], frame).tolist() == ["[PAD]", "A Film", "i2"]


def _records() -> list[UserRecommendations]:
    reason = Reason(kind="kg", score=0.5, text='Linked "A", "B".', items=("i1",),
                    path=(KGEdge(head="e1", relation="r", tail="e2", forward=True),))
    item = RecommendedItem(rank=1, item="i2", title="Two, The", score=1.5, reasons=(reason,))
    return [UserRecommendations(user="u1", items=(item,)), UserRecommendations(user="u2", items=())]


def test_writers_produce_parseable_output() -> None:
    out = io.StringIO()
    assert WRITERS["json"](iter(_records()), out) == 2
    parsed = json.loads(out.getvalue())
    assert parsed[0]["items"][0]["reasons"][0]["path"][0] == {"head": "e1", "relation": "r", "tail": "e2", "forward": True}
    out = io.StringIO()
    WRITERS["csv"](_records(), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows == [{"user": "u1", "rank": "1", "item": "i2", "title": "Two, The", "score": "1.5",
                     "reason_kinds": "kg", "reasons": 'Linked "A", "B".'}]
    out = io.StringIO()
    WRITERS["table"](_records(), out)
    assert "user u1" in out.getvalue() and "[kg 0.5]" in out.getvalue()
    out = io.StringIO()
    assert WRITERS["json"]([], out) == 0 and json.loads(out.getvalue()) == []


def test_importing_the_api_loads_nothing_heavy() -> None:
    code = ("import sys, recbole_kgllm, recbole_kgllm.serving; "
            "print(sorted(m for m in ('torch', 'recbole', 'starlette', 'uvicorn') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
