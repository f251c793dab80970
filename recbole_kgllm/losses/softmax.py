"""Sampled softmax / InfoNCE with in-batch and sampled negatives and a temperature."""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.losses.base import LossBatch, RankingLoss


class SoftmaxLoss(RankingLoss):
    """Each row's positive must win a softmax over its candidates (InfoNCE, van den Oord et
    al. 2018; sampled softmax as in Covington et al., RecSys 2016, and the InfoNCE of
    SGL/SimGCL/AlphaRec on LightGCN).

    Candidates of row ``b``: its positive, its own sampled negative, the ``n_negatives`` shared
    uniform ones and, with ``in_batch``, the other rows' positives. A candidate that is row ``b``'s
    own positive item (an accidental hit among the shared or in-batch negatives) is left out.
    Scores are ``s(u, i) / temperature`` with ``s`` the cosine (``similarity: cosine``, the
    default) or the dot product. Loss: mean over rows of ``-log softmax(scores)[positive]``.

    ``in_batch`` is off by default: the other rows' positives are drawn by popularity, and without
    a sampling-bias (logQ) correction they push popular items down. On ml-100k (seed 2020,
    ``backbone: lightgcn``) in-batch negatives gave test NDCG@10 0.11 (best epoch 9, item coverage
    0.78), uniform ones 0.31 (``docs/bench/issue14/README.md``).

    Args:
        temperature: Softmax temperature (> 0).
        similarity: ``cosine`` or ``dot``.
        in_batch: Also use the other rows' positives as negatives.
        n_negatives: Shared uniform negatives per batch.
    """

    name = "softmax"

    def __init__(
        self, *, temperature: float = 0.2, similarity: str = "cosine", in_batch: bool = False,
        n_negatives: int = 256, **kwargs: Any,
    ) -> None:
        super().__init__(n_negatives=n_negatives, **kwargs)
        if not float(temperature) > 0:
            raise ConfigError(f"loss 'softmax' needs temperature > 0, got {temperature}")
        if similarity not in ("cosine", "dot"):
            raise ConfigError(f"loss 'softmax' needs similarity 'cosine' or 'dot', got '{similarity}'")
        self.temperature = float(temperature)
        self.cosine = similarity == "cosine"
        self.in_batch = bool(in_batch)

    def forward(self, batch: LossBatch) -> Tensor:
        positive, negative = batch.scores(cosine=self.cosine)  # [B], [B, 1 + K]
        if batch.shared_ids is not None:
            hits = batch.shared_ids.unsqueeze(0) == batch.pos_ids.unsqueeze(1)  # [B, K]
            negative = torch.cat([negative[:, :1], negative[:, 1:].masked_fill(hits, float("-inf"))], dim=1)
        columns = [positive.unsqueeze(1), negative]
        if self.in_batch and batch.user.shape[0] > 1:
            user, pos = batch.user, batch.pos
            if self.cosine:
                user, pos = F.normalize(user, dim=-1), F.normalize(pos, dim=-1)
            in_batch = user @ pos.T  # [B, B], the diagonal is each row's own positive
            same = batch.pos_ids.unsqueeze(0) == batch.pos_ids.unsqueeze(1)  # includes the diagonal
            columns.append(in_batch.masked_fill(same, float("-inf")))
        logits = torch.cat(columns, dim=1) / self.temperature
        return -torch.log_softmax(logits, dim=1)[:, 0].mean()
