"""The ranking-loss contract: the representations of a batch's users, positives and negatives
in, one scalar out.

A gradient backbone (:class:`~recbole_kgllm.model.backbones.fused.FusedBackbone`) builds a
:class:`LossBatch` for every training batch: RecBole's sampled negative of each row, plus
:attr:`RankingLoss.n_negatives` items drawn uniformly for the whole batch (shared negatives:
one ``[B, K]`` matrix product instead of ``B x K`` lookups, as in sampled softmax).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from recbole_kgllm.errors import ConfigError


@dataclass(frozen=True)
class LossBatch:
    """One training batch of ``B`` (user, positive, negative) rows and ``K`` shared negatives.

    Attributes:
        user: ``[B, d]`` final user representations.
        pos: ``[B, d]`` final representations of each row's positive item.
        neg: ``[B, d]`` of each row's sampled negative (RecBole's sampler).
        pos_ids: ``[B]`` internal ids of the positives (in-batch negatives that are a row's own
            positive item are not its negatives).
        shared: ``[K, d]`` uniformly drawn negatives shared by every row, or None (``K = 0``).
        shared_ids: ``[K]`` their ids, or None.
    """

    user: Tensor
    pos: Tensor
    neg: Tensor
    pos_ids: Tensor
    shared: Tensor | None = None
    shared_ids: Tensor | None = None

    def __post_init__(self) -> None:
        if self.user.dim() != 2 or self.pos.shape != self.user.shape or self.neg.shape != self.user.shape:
            raise ValueError(
                f"LossBatch needs user, pos and neg of one shape [B, d], got "
                f"{tuple(self.user.shape)}, {tuple(self.pos.shape)}, {tuple(self.neg.shape)}"
            )
        if self.pos_ids.shape != (self.user.shape[0],):
            raise ValueError(f"LossBatch.pos_ids must be [{self.user.shape[0]}], got {tuple(self.pos_ids.shape)}")
        if self.shared is not None and (self.shared.dim() != 2 or self.shared.shape[1] != self.user.shape[1]):
            raise ValueError(f"LossBatch.shared must be [K, {self.user.shape[1]}], got {tuple(self.shared.shape)}")

    def scores(self, *, cosine: bool) -> tuple[Tensor, Tensor]:
        """``(positive [B], negative [B, 1 + K])`` scores by dot product or cosine: each row's own
        negative first, then the shared ones (one ``[B, d] x [d, K]`` product, never ``[B, K, d]``)."""
        user, pos, neg, shared = self.user, self.pos, self.neg, self.shared
        if cosine:
            user, pos, neg = F.normalize(user, dim=-1), F.normalize(pos, dim=-1), F.normalize(neg, dim=-1)
            shared = F.normalize(shared, dim=-1) if shared is not None else None
        negative = (user * neg).sum(-1, keepdim=True)
        if shared is not None:
            negative = torch.cat([negative, user @ shared.T], dim=1)
        return (user * pos).sum(-1), negative


class RankingLoss(nn.Module, ABC):
    """Abstract ranking loss, selected as ``loss: <name>`` with options ``loss_kwargs``.

    Subclasses set :attr:`name`, take their options as keyword arguments, pass the rest to
    ``super().__init__`` (which rejects unknown ones) and implement :meth:`forward`.

    Args:
        n_negatives: Items drawn uniformly per batch and shared by its rows (>= 0).
        **kwargs: Unknown options: rejected with :class:`ConfigError`.
    """

    name: ClassVar[str]
    #: True when the loss scores by cosine: the model then scores (ranks) with L2-normalised
    #: final representations, so that prediction and training agree.
    cosine: bool = False

    def __init__(self, *, n_negatives: int = 0, **kwargs: Any) -> None:
        super().__init__()
        label = getattr(self, "name", type(self).__name__)
        if kwargs:
            raise ConfigError(f"loss '{label}' got unknown loss_kwargs: {', '.join(sorted(kwargs))}")
        if int(n_negatives) < 0:
            raise ConfigError(f"loss '{label}' needs n_negatives >= 0, got {n_negatives}")
        self.n_negatives = int(n_negatives)

    @abstractmethod
    def forward(self, batch: LossBatch) -> Tensor:
        """The scalar (0-dim) loss of one batch."""

    def extra_repr(self) -> str:
        return f"name={getattr(self, 'name', '?')!r}, n_negatives={self.n_negatives}, cosine={self.cosine}"


__all__ = ["LossBatch", "RankingLoss"]
