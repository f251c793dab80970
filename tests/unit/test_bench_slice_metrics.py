"""Recall@k / NDCG@k over a subset of target items, against hand-computed values."""
from __future__ import annotations

import math

import pytest
import torch

from recbole_kgllm.bench.slice_metrics import SliceAccumulator, topk_slice_metrics


def _scores() -> torch.Tensor:
    # user 0 ranks items 4, 3, 2, 1 (item 0 is padding); user 1 ranks 1, 2, 3, 4
    return torch.tensor([[-math.inf, 1.0, 2.0, 3.0, 4.0], [-math.inf, 4.0, 3.0, 2.0, 1.0]])


def test_recall_and_ndcg_per_user() -> None:
    targets = torch.tensor([[False, True, False, True, False], [False, False, False, False, False]])
    recall, ndcg, has = topk_slice_metrics(_scores(), targets, k=2)
    # user 0: top-2 = items 4, 3; targets {1, 3}: one hit at rank 2
    assert has.tolist() == [True, False]
    assert recall.tolist() == pytest.approx([0.5, 0.0])
    ideal = 1 + 1 / math.log2(3)
    assert ndcg.tolist() == pytest.approx([(1 / math.log2(3)) / ideal, 0.0])


def test_ideal_dcg_is_capped_at_k() -> None:
    targets = torch.tensor([[False, True, True, True, True]])
    recall, ndcg, _ = topk_slice_metrics(_scores()[:1], targets, k=2)
    assert recall.item() == pytest.approx(0.5) and ndcg.item() == pytest.approx(1.0)


def test_masked_items_never_count() -> None:
    scores = _scores()[:1].clone()
    scores[0, 4] = -math.inf  # history item
    targets = torch.tensor([[False, False, False, False, True]])
    recall, _, _ = topk_slice_metrics(scores, targets, k=3)
    assert recall.item() == 0.0


def test_accumulator_averages_over_users_with_targets() -> None:
    acc = SliceAccumulator(ks=(1, 2))
    scores = _scores()
    cold = torch.tensor([[False, False, False, False, True], [False, False, False, False, False]])
    warm = torch.tensor([[False, True, False, False, False], [False, True, False, False, False]])
    acc.add("cold", scores, cold)
    acc.add("warm", scores, warm)
    result = acc.result()
    assert result["cold_users"] == 1 and result["warm_users"] == 2
    assert result["cold_recall@1"] == pytest.approx(1.0)
    assert result["warm_recall@1"] == pytest.approx(0.5)  # user 1 hits at rank 1, user 0 misses
    assert result["warm_recall@2"] == pytest.approx(0.5)
    empty = SliceAccumulator(ks=(1,))
    empty.add("cold", scores, torch.zeros_like(cold))
    assert math.isnan(empty.result()["cold_recall@1"])
