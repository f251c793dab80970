"""Calibrated cold-start columns of a sparse ``B`` (the sparse twin of
:func:`recbole_kgllm.model.backbones.ease.calibrated_cold_columns`)."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def sparse_cold_columns(
    b: sp.spmatrix, prior: sp.spmatrix, *, cold: np.ndarray, factor: float = 1.0, new_share: float = 1.0
) -> sp.csr_matrix:
    """``b`` with each cold item's column ``(1 - new_share) * own + new_share * scale * prior``.

    ``scale`` is ``factor`` times the median, over warm items with a prior, of the L1 norm of
    their column of ``b`` over that of their prior column (as in the dense path).

    Args:
        b: ``[I, I]`` sparse EASE solution; prior: ``[I, I]`` sparse prior (zero diagonal);
        cold: ``[I]`` bool, items without training interactions.
    """
    b = sp.csr_matrix(b, dtype=np.float32)
    prior = sp.csr_matrix(prior, dtype=np.float32)
    prior_norm = np.asarray(abs(prior).sum(axis=0)).ravel()
    has_prior = prior_norm > 0
    warm, cold = ~cold & has_prior, cold & has_prior
    if not cold.any() or not warm.any() or new_share <= 0.0:
        return b
    b_norm = np.asarray(abs(b).sum(axis=0)).ravel()
    scale = factor * float(np.median(b_norm[warm] / prior_norm[warm]))
    keep = np.where(cold, 1.0 - new_share, 1.0).astype(np.float32)
    add = np.where(cold, new_share * scale, 0.0).astype(np.float32)
    out = b @ sp.diags(keep) + prior @ sp.diags(add)
    out = sp.csr_matrix(out)
    out.setdiag(0.0)
    out.eliminate_zeros()
    return out


__all__ = ["sparse_cold_columns"]
