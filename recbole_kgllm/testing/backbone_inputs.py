"""Synthetic inputs for backbones: training interactions and frozen feature views (no RecBole
dataset), for :func:`recbole_kgllm.testing.backbone_contract.check_backbone_contract` and tests."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
import torch

from recbole_kgllm.model.inputs import FeatureView, ModelFeatures, TrainingData


def make_training_data(
    *, n_users: int = 30, n_items: int = 20, density: float = 0.3, cold_items: Sequence[int] = (),
    train_share: float | None = 0.8, seed: int = 0,
) -> TrainingData:
    """Random interactions ``[n_users, n_items]`` (row and column 0 are padding and empty; every
    other user and every non-cold item has at least one interaction; ``cold_items`` have none)."""
    rng = np.random.default_rng(seed)
    dense = (rng.random((n_users, n_items)) < density).astype(np.float32)
    for user in range(1, n_users):
        dense[user, 1 + (user % (n_items - 1))] = 1.0
    dense[0, :] = 0.0
    dense[:, 0] = 0.0
    dense[:, list(cold_items)] = 0.0
    return TrainingData(interactions=sp.csr_matrix(dense), train_share=train_share)


def make_view(n: int, dim: int, *, missing: Sequence[int] = (), seed: int = 0) -> FeatureView:
    """A random view of ``n`` entities (row 0 and ``missing`` rows absent, zero)."""
    values = torch.randn(n, dim, generator=torch.Generator().manual_seed(seed))
    mask = torch.ones(n, dtype=torch.bool)
    mask[0] = False
    mask[list(missing)] = False
    return FeatureView(values=values * mask.unsqueeze(1), mask=mask)


def make_features(
    n_items: int, *, views: Sequence[str] = ("kg", "text"), dim: int = 6, missing: Sequence[int] = (), seed: int = 0
) -> ModelFeatures:
    """Item views ``views`` of ``n_items`` items, each with the ``missing`` rows absent."""
    return ModelFeatures(items={view: make_view(n_items, dim, missing=missing, seed=seed + i) for i, view in enumerate(views)})


__all__ = ["make_features", "make_training_data", "make_view"]
