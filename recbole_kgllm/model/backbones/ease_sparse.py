"""The sparse path of the ``ease`` backbone for large catalogues (see :mod:`recbole_kgllm.model.sparse_ease`).

The ``ease`` backbone picks its solver with ``backbone_kwargs.solver``: ``dense`` (the exact
closed form, memory ``~83 bytes x items^2``), ``sparse`` (this module: top-k sparse priors,
a sparse approximate ``B``, sparse cold-start columns, memory ``O(items x (k + K))``) or ``auto``
(sparse from ``sparse_min_items`` items on). The priors, weights, cold-start calibration and
scoring contract are the dense path's; the weights are not searched here (:data:`SPARSE_DEFAULTS`).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from torch import Tensor

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.model.sparse_ease.cold import sparse_cold_columns
from recbole_kgllm.model.sparse_ease.model import SparseItemModel
from recbole_kgllm.model.sparse_ease.similarity import topk_content_similarity
from recbole_kgllm.model.sparse_ease.solver import DEFAULT_GRAM_TOPK, DEFAULT_NEIGHBOURS, sparse_ease

logger = logging.getLogger(__name__)

Solver = Literal["auto", "dense", "sparse"]
#: ``solver: auto`` uses the sparse path from this many items on (the dense path needs about
#: 8 GB at 10k items and 24 GB near 17k).
DEFAULT_SPARSE_MIN_ITEMS = 10_000


@dataclass(frozen=True)
class SolverOptions:
    """The solver settings of the ``ease`` backbone (``backbone_kwargs``).

    Attributes:
        solver: ``auto``, ``dense`` or ``sparse``.
        sparse_min_items: items from which ``auto`` is sparse.
        sparse_neighbours: regressors per item (entries per column of ``B``).
        sparse_gram_topk: Gram entries kept per item (0: all).
    """

    solver: Solver = "auto"
    sparse_min_items: int = DEFAULT_SPARSE_MIN_ITEMS
    sparse_neighbours: int = DEFAULT_NEIGHBOURS
    sparse_gram_topk: int = DEFAULT_GRAM_TOPK

    @classmethod
    def pop_from(cls, options: dict[str, Any]) -> SolverOptions:
        """Take the solver keys out of ``options`` (ConfigError for bad values)."""
        solver = options.pop("solver", cls.solver)
        if solver not in ("auto", "dense", "sparse"):
            raise ConfigError(f"backbone_kwargs solver must be auto, dense or sparse, got {solver!r}")
        values = {}
        for key, low in (("sparse_min_items", 0), ("sparse_neighbours", 1), ("sparse_gram_topk", 0)):
            value = options.pop(key, getattr(cls, key))
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(f"backbone_kwargs {key} must be an integer >= {low}, got {value!r}")
            values[key] = value
        return cls(solver=solver, **values)

    def sparse_for(self, n_items: int) -> bool:
        """Whether a catalogue of ``n_items`` is solved on the sparse path."""
        return self.solver == "sparse" or (self.solver == "auto" and n_items >= self.sparse_min_items)


#: The sparse path's weights where the config leaves them unset. The weight search
#: (:mod:`ease_search`) solves dense inner problems and does not run at this scale, so these are
#: fixed: the former defaults tuned on ml-100k (``docs/tuning.md``, history), prior weights
#: relative to lambda like the dense path's (0.06 x 500 = the former absolute 30).
SPARSE_DEFAULTS: dict[str, float] = {"reg_weight": 500.0, "text": 0.06, "cold_scale": 0.85}


@dataclass(frozen=True)
class SparseWeights:
    """The weights of one sparse fit.

    Attributes:
        reg_weight: lambda; priors: view -> weight relative to lambda; cold_scale: 0 turns the
        cold-start calibration off; prior_topk, prior_center: how each prior is built.
    """

    reg_weight: float
    priors: Mapping[str, float]
    cold_scale: float
    prior_topk: int
    prior_center: bool

    def describe(self) -> str:
        priors = ", ".join(f"{k} {v:g}" for k, v in sorted(self.priors.items())) or "none"
        return f"reg_weight {self.reg_weight:g}, prior weights [{priors}], cold_scale {self.cold_scale:g} (fixed: not searched)"


def sparse_prior(weights: SparseWeights, features: Mapping[str, tuple[Tensor, Tensor]]) -> list[tuple[float, sp.csr_matrix]]:
    """``(alpha, S)`` of each weighted view: top-``prior_topk`` sparse content similarity, alpha =
    the view's weight times lambda."""
    priors = []
    for name, (values, mask) in features.items():
        alpha = float(weights.priors.get(name, 0.0)) * weights.reg_weight
        if alpha == 0.0:
            continue
        if weights.prior_topk <= 0:
            raise ConfigError("the sparse ease solver needs prior_topk > 0 (a full prior is items x items)")
        priors.append((alpha, topk_content_similarity(values, mask, center=weights.prior_center, topk=weights.prior_topk)))
    return priors


def fit_sparse(
    interactions: sp.spmatrix, features: Mapping[str, tuple[Tensor, Tensor]], weights: SparseWeights,
    options: SolverOptions, *, new_share: Callable[[np.ndarray], float] | None,
) -> tuple[SparseItemModel, float | None]:
    """The sparse twin of the dense fit: ``B`` with sparse priors and, when ``new_share`` is
    given (it maps the training counts of items with a prior to their new-item share), sparse
    cold columns. Returns the model and the new-item share used (``None`` without calibration)."""
    x = sp.csr_matrix(interactions, dtype=np.float32)
    priors = sparse_prior(weights, features)
    b = sparse_ease(
        x, priors, reg_weight=weights.reg_weight, neighbours=options.sparse_neighbours, gram_topk=options.sparse_gram_topk
    )
    share_used = None
    if new_share is not None and priors and weights.cold_scale > 0:
        prior = sum((alpha * s for alpha, s in priors), sp.csr_matrix(b.shape, dtype=np.float32))
        counts = np.asarray(x.getnnz(axis=0))
        has_prior = np.asarray(abs(prior).sum(axis=0)).ravel() > 0
        share_used = new_share(counts[has_prior])
        b = sparse_cold_columns(b, prior, cold=counts == 0, factor=weights.cold_scale, new_share=share_used)
    logger.info("ease (sparse solver): B has %d entries (%.1f per item)", b.nnz, b.nnz / max(b.shape[0], 1))
    return SparseItemModel(b, x), share_used


__all__ = ["DEFAULT_SPARSE_MIN_ITEMS", "SPARSE_DEFAULTS", "SolverOptions", "SparseWeights", "fit_sparse", "sparse_prior"]
