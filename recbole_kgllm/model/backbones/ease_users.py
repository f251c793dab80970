"""User text in the EASE backbone: user features as extra input columns (``use_user_text``).

EASE predicts a user's items from the items they interacted with, ``x_u B``. With a user text view,
each user also brings ``r`` feature columns ``f_u`` (their centred text embedding, reduced to
``r`` dimensions by a randomised PCA), appended to ``X``: the closed form is solved on
``[X, sqrt(w) F]``, whose Gram matrix is ``[[G, sqrt(w) X^T F], [sqrt(w) F^T X, w F^T F]]``, and a
user's scores are ``x_u B_items + sqrt(w) f_u B_features`` (the features' rows of ``B``'s item
columns). The features are scaled so that a feature column carries as much energy as an average
item column; the weight ``w`` (``prior_weights.user_text``) is chosen by the search like the item
priors, 0 included.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch

from recbole_kgllm.model.inputs import FeatureView

#: The weight key of the user text view (``prior_weights.user_text``).
USER_VIEW = "user_text"
#: Dimensions kept of the user text embedding.
USER_RANK = 32


@dataclass(frozen=True)
class UserSide:
    """User feature columns ``[n_users, r]`` (float64, zero rows for users without text)."""

    features: np.ndarray

    @property
    def rank(self) -> int:
        return int(self.features.shape[1])

    @classmethod
    def build(cls, view: FeatureView, x: sp.csr_matrix, *, seed: int, rank: int = USER_RANK) -> UserSide | None:
        """The reduced, scaled user text of ``view`` (``None`` when fewer than two users have it)."""
        mask = view.mask.numpy().astype(bool)
        if mask.sum() < 2:
            return None
        values = view.values.double().numpy().copy()
        values[mask] -= values[mask].mean(axis=0, keepdims=True)
        values[~mask] = 0.0
        k = max(1, min(rank, int(mask.sum()) - 1, values.shape[1]))
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            u, s, _ = torch.svd_lowrank(torch.from_numpy(values[mask]), q=min(k + 8, values.shape[1]), niter=3)
        reduced = np.zeros((values.shape[0], k))
        reduced[mask] = (u[:, :k] * s[:k]).numpy()
        item_energy = float(np.asarray(x.multiply(x).sum()) / max(1, x.shape[1]))
        feature_energy = float((reduced ** 2).sum() / k)
        if feature_energy <= 0:
            return None
        return cls(features=reduced * np.sqrt(item_energy / feature_energy))

    def scaled(self, weight: float) -> np.ndarray:
        """``sqrt(weight) F`` ``[n_users, r]``."""
        return np.sqrt(weight) * self.features


def augmented_gram(gram: np.ndarray, x: sp.csr_matrix, features: np.ndarray, row_weights: np.ndarray | None) -> np.ndarray:
    """``[[gram, X^T W^2 F], [F^T W^2 X, F^T W^2 F]]`` ``[I + r, I + r]`` in ``gram``'s dtype.

    Args:
        gram: ``[I, I]`` the items' (prior-augmented) Gram matrix; x: ``[U, I]``;
        features: ``[U, r]`` (already scaled by the weight); row_weights: ``[U]`` user weights or ``None``.
    """
    f = features if row_weights is None else features * (row_weights ** 2)[:, None]
    cross = np.asarray(x.T @ f, dtype=gram.dtype)  # [I, r]
    ff = np.asarray(features.T @ f, dtype=gram.dtype)  # [r, r]
    top = np.concatenate([gram, cross], axis=1)
    return np.concatenate([top, np.concatenate([cross.T, ff], axis=1)], axis=0)


__all__ = ["USER_RANK", "USER_VIEW", "UserSide", "augmented_gram"]
