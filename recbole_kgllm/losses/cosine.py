"""Cosine contrastive loss of SimpleX (Mao et al., CIKM 2021)."""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.losses.base import LossBatch, RankingLoss


class CosineContrastiveLoss(RankingLoss):
    """``mean_b [ (1 - cos(u_b, p_b)) + w * mean_j relu(cos(u_b, n_j) - margin) ]`` over each
    row's own negative and the ``n_negatives`` shared ones: negatives only count once their
    cosine exceeds ``margin``, and ``negative_weight`` (``w``) balances the two parts.

    Args:
        margin: Cosine below which a negative costs nothing (in ``[-1, 1]``).
        negative_weight: ``w``.
        n_negatives: Shared uniform negatives per batch.
    """

    name = "ccl"
    cosine = True

    def __init__(
        self, *, margin: float = 0.9, negative_weight: float = 10.0, n_negatives: int = 256, **kwargs: Any
    ) -> None:
        super().__init__(n_negatives=n_negatives, **kwargs)
        if not -1.0 <= float(margin) <= 1.0 or float(negative_weight) < 0:
            raise ConfigError(f"loss 'ccl' needs margin in [-1, 1] and negative_weight >= 0, got {margin}, {negative_weight}")
        self.margin = float(margin)
        self.negative_weight = float(negative_weight)

    def forward(self, batch: LossBatch) -> Tensor:
        pos, neg = batch.scores(cosine=True)  # [B], [B, 1 + K]
        negative = torch.relu(neg - self.margin).mean(dim=1)
        return ((1.0 - pos) + self.negative_weight * negative).mean()
