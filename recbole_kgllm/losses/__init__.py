"""Ranking losses of the gradient backbones: a batch's user and item representations in, a
scalar loss out, chosen by name (``loss: softmax``, options in ``loss_kwargs``).

Built-ins are registered in :mod:`recbole_kgllm.default_plugins.losses`; select one by name
with ``recbole_kgllm.registry.resolve("loss", name)``.
"""
from __future__ import annotations

from recbole_kgllm.losses.base import LossBatch, RankingLoss

__all__ = ["LossBatch", "RankingLoss"]
