"""Recall@k and NDCG@k restricted to a subset of target items (RecBole has no item-subset
evaluation).

For each test user, the scores of *all* items are ranked (history items masked to ``-inf`` as
RecBole masks them); the targets are the user's test positives that fall in the slice (e.g. the
held-out cold items). Users without a target in the slice are skipped; the metric is the mean
over the remaining users, as RecBole averages its own metrics over users:

* ``recall@k = hits in top-k / number of targets``
* ``ndcg@k = sum over hits at rank j (1-based) of 1/log2(j+1)``, divided by the same sum for an
  ideal list with ``min(number of targets, k)`` hits.

Positives outside the slice stay in the ranking as ordinary items.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor


def topk_slice_metrics(scores: Tensor, targets: Tensor, k: int) -> tuple[Tensor, Tensor, Tensor]:
    """Per-user recall@k and NDCG@k over the target items.

    Args:
        scores: ``[B, I]`` item scores, masked items at ``-inf``.
        targets: ``[B, I]`` bool, the user's target items.
        k: cut-off (at most ``I``).

    Returns:
        ``(recall [B], ndcg [B], has_target [B] bool)``; rows without a target hold 0.
    """
    k = min(k, scores.shape[1])
    top = scores.topk(k, dim=1).indices
    hits = targets.gather(1, top).to(torch.float64)
    n_targets = targets.sum(dim=1)
    has_target = n_targets > 0
    discounts = 1.0 / torch.log2(torch.arange(2, k + 2, dtype=torch.float64, device=scores.device))
    ideal = torch.cumsum(discounts, dim=0)[(n_targets.clamp(min=1, max=k) - 1)]
    recall = hits.sum(dim=1) / n_targets.clamp(min=1)
    ndcg = (hits * discounts).sum(dim=1) / ideal
    zero = torch.zeros_like(recall)
    return torch.where(has_target, recall, zero), torch.where(has_target, ndcg, zero), has_target


@dataclass
class SliceAccumulator:
    """Sums per-user metrics of several slices over batches.

    Attributes:
        ks: cut-offs, e.g. ``(20,)``.
    """

    ks: Sequence[int] = (20,)
    _sums: dict[tuple[str, str], float] = field(default_factory=dict)
    _users: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, scores: Tensor, targets: Tensor) -> None:
        """Add one batch of the slice ``name`` (``scores``/``targets`` ``[B, I]``)."""
        self._users[name] = self._users.get(name, 0) + int(targets.any(dim=1).sum())
        for k in self.ks:
            recall, ndcg, _ = topk_slice_metrics(scores, targets, k)
            for metric, values in ((f"recall@{k}", recall), (f"ndcg@{k}", ndcg)):
                self._sums[(name, metric)] = self._sums.get((name, metric), 0.0) + float(values.sum())

    def result(self) -> dict[str, float]:
        """``{"cold_recall@20": ..., "cold_ndcg@20": ..., "cold_users": n, ...}``; a slice
        without users gets NaN metrics."""
        out: dict[str, float] = {}
        for (name, metric), total in self._sums.items():
            users = self._users[name]
            out[f"{name}_{metric}"] = total / users if users else float("nan")
        for name, users in self._users.items():
            out[f"{name}_users"] = float(users)
        return out


__all__ = ["SliceAccumulator", "topk_slice_metrics"]
