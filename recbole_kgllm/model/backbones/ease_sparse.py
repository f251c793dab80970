"""The sparse path of the ``ease`` backbone for large catalogues (see :mod:`recbole_kgllm.model.sparse_ease`).

The ``ease`` backbone picks its solver with ``backbone_kwargs.solver``: ``dense`` (the exact
closed form, memory ``~83 bytes x items^2``), ``sparse`` (this module: top-k sparse priors,
a sparse approximate ``B``, sparse cold-start columns, memory ``O(items x (k + K))``) or ``auto``
(sparse from ``sparse_min_items`` items on). The priors, weights, cold-start calibration and
scoring contract are the dense path's.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import scipy.sparse as sp
from torch import Tensor

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.model.sparse_ease.cold import sparse_cold_columns
from recbole_kgllm.model.sparse_ease.model import SparseItemModel
from recbole_kgllm.model.sparse_ease.similarity import topk_content_similarity
from recbole_kgllm.model.sparse_ease.solver import DEFAULT_GRAM_TOPK, DEFAULT_NEIGHBOURS, sparse_ease

if TYPE_CHECKING:
    from recbole_kgllm.model.backbones.ease import EaseBackbone

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


def sparse_prior(backbone: EaseBackbone, features: Mapping[str, tuple[Tensor, Tensor]]) -> list[tuple[float, sp.csr_matrix]]:
    """``(alpha, S)`` of each weighted view: top-``prior_topk`` sparse content similarity."""
    priors = []
    for name, (values, mask) in features.items():
        alpha = float(backbone.prior_weights.get(name, 0.0))
        if alpha == 0.0:
            continue
        if backbone.prior_topk <= 0:
            raise ConfigError("the sparse ease solver needs prior_topk > 0 (a full prior is items x items)")
        priors.append((alpha, topk_content_similarity(values, mask, center=backbone.prior_center, topk=backbone.prior_topk)))
    return priors


def fit_sparse(
    backbone: EaseBackbone, features: Mapping[str, tuple[Tensor, Tensor]], options: SolverOptions, *, calibrate_cold: bool
) -> SparseItemModel:
    """The sparse twin of :meth:`EaseBackbone.fit`: ``B`` with sparse priors and cold columns."""
    x = sp.csr_matrix(backbone.interactions, dtype=np.float32)
    priors = sparse_prior(backbone, features)
    b = sparse_ease(
        x, priors, reg_weight=backbone.reg_weight, neighbours=options.sparse_neighbours, gram_topk=options.sparse_gram_topk
    )
    if calibrate_cold and priors:
        prior = sum((alpha * s for alpha, s in priors), sp.csr_matrix(b.shape, dtype=np.float32))
        counts = np.asarray(x.getnnz(axis=0))
        has_prior = np.asarray(abs(prior).sum(axis=0)).ravel() > 0
        backbone.new_share_used = backbone._new_share(counts[has_prior])
        b = sparse_cold_columns(b, prior, cold=counts == 0, factor=backbone.cold_scale, new_share=backbone.new_share_used)
    logger.info("ease (sparse solver): B has %d entries (%.1f per item)", b.nnz, b.nnz / max(b.shape[0], 1))
    return SparseItemModel(b, x)


__all__ = ["DEFAULT_SPARSE_MIN_ITEMS", "SolverOptions", "fit_sparse", "sparse_prior"]
