"""Bayesian personalised ranking (Rendle et al., UAI 2009)."""
from __future__ import annotations

from typing import Any

import torch.nn.functional as F
from torch import Tensor

from recbole_kgllm.losses.base import LossBatch, RankingLoss


class BPRLoss(RankingLoss):
    """``mean_b mean_j softplus(s(u_b, n_j) - s(u_b, p_b))`` (= ``-log sigmoid`` of the margin),
    over each row's own negative and the ``n_negatives`` shared ones, dot-product scores.

    Args:
        n_negatives: Shared uniform negatives per batch (default 0: RecBole's one negative per
            row only, which is RecBole's ``BPR``/``LightGCN`` loss).
    """

    name = "bpr"

    def __init__(self, *, n_negatives: int = 0, **kwargs: Any) -> None:
        super().__init__(n_negatives=n_negatives, **kwargs)

    def forward(self, batch: LossBatch) -> Tensor:
        pos, neg = batch.scores(cosine=False)  # [B], [B, 1 + K]
        return F.softplus(neg - pos.unsqueeze(1)).mean()
