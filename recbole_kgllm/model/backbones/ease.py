"""EASE backbone with a side-information prior (closed form, no gradient training).

EASE (Steck, WWW 2019) learns an item-item matrix ``B`` minimising
``||X - XB||^2 + lambda ||B||^2`` with ``diag(B) = 0``, solved from the Gram matrix
``G = X^T X + lambda I``. Following the side-information linear autoencoders (collective EASE,
Jeunen et al., RecSys 2020 late-breaking results; L3AE, Moon et al., 2025), each item feature
table ``F`` (rows L2-normalised, missing rows zero) is stacked under ``X`` as weighted pseudo-users,
which adds ``alpha_m F_m F_m^T`` to ``G``: items whose KG or text features agree are tied together
even when few users co-interacted, and items with no interactions (cold start) still get
columns of ``B`` through their features.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import Tensor

from recbole_kgllm.model.backbones.base import Backbone


def ease_closed_form(gram: np.ndarray, reg_weight: float) -> np.ndarray:
    """``B`` of EASE for a Gram matrix ``[I, I]`` (float64 for a stable inverse)."""
    g = gram.astype(np.float64, copy=True)
    g[np.diag_indices_from(g)] += reg_weight
    p = np.linalg.inv(g)
    b = p / (-np.diag(p))
    np.fill_diagonal(b, 0.0)
    return b.astype(np.float32)


class EaseBackbone(Backbone):
    """Args: ``reg_weight`` (float, 250.0): EASE's lambda; ``prior_weights`` (dict view name ->
    float, default ``{"text": 20.0, "kg": 20.0}``): the alpha of each feature view."""

    name = "ease"
    closed_form = True

    def __init__(
        self,
        *,
        dataset: Any,
        dim: int,
        reg_weight: float = 250.0,
        prior_weights: Mapping[str, float] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(dataset=dataset, dim=dim, **kwargs)
        self.reg_weight = float(reg_weight)
        self.prior_weights = dict(prior_weights if prior_weights is not None else {"text": 20.0, "kg": 20.0})
        self.interactions = dataset.inter_matrix(form="csr").astype(np.float32)
        self.register_buffer("item_similarity", torch.zeros(0), persistent=True)

    def fit(self, features: Mapping[str, tuple[Tensor, Tensor]]) -> None:
        """Solve ``B`` with the prior of ``features`` (view -> ``(values [I, f], mask [I])``)."""
        x = self.interactions
        gram = np.asarray((x.T @ x).todense(), dtype=np.float64)
        for name, (values, mask) in features.items():
            alpha = float(self.prior_weights.get(name, 0.0))
            if alpha == 0.0:
                continue
            f = torch.nn.functional.normalize(values.double(), dim=1) * mask.double().unsqueeze(1)
            gram += alpha * (f @ f.T).cpu().numpy()
        self.item_similarity = torch.from_numpy(ease_closed_form(gram, self.reg_weight)).to(self.item_similarity.device)

    def propagate(self, users: Tensor, items: Tensor) -> tuple[Tensor, Tensor]:
        raise TypeError("the ease backbone is closed-form: use scores()")

    def scores(self, user_ids: Tensor) -> Tensor:
        """``[B, n_items]`` scores: the users' training rows times ``B``."""
        rows = torch.from_numpy(self.interactions[user_ids.cpu().numpy()].toarray()).to(self.item_similarity.device)
        return rows @ self.item_similarity
