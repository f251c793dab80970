"""EASE's closed form behind one function, and the Gram matrix it is solved from.

EASE (Steck, WWW 2019) learns an item-item matrix ``B`` minimising
``||X - XB||^2 + lambda ||B||^2`` with ``diag(B) = 0``: with ``P = (G + Lambda)^-1``,
``B = I - P diag(P)^-1``. ``G`` is symmetric positive semi-definite and ``Lambda`` positive, so
the inverse is taken through a Cholesky factorisation (LAPACK ``potrf``/``potri``), several times
faster than a general inverse; a matrix that is not positive definite (a content prior too large
for the regularisation) is reported, never silently inverted.

Two regularisation refinements are options of the search (``docs/models.md``):

* ``diag_weight`` ``kappa``: an item's lambda grows with its popularity, ``lambda_i = lambda +
  kappa G_ii``, the closed form of dropout-regularised linear autoencoders (DLAE, Steck, NeurIPS
  2020) that keeps popular items from reconstructing themselves through their neighbours;
* ``user_weight`` ``a``: each user's row of ``X`` weighs ``n_u^-a`` (heavy users count less in
  the squared loss), rescaled so the mean diagonal of ``G`` is unchanged and lambda keeps its scale.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg.lapack as lapack
import scipy.sparse as sp

from recbole_kgllm.errors import KGLLMError


class IndefiniteGramError(KGLLMError, ValueError):
    """The regularised Gram matrix is not positive definite (a prior weight too large)."""


def row_weights(x: sp.spmatrix, user_weight: float) -> np.ndarray | None:
    """``[U]`` the users' row weights ``n_u^-a``, rescaled so that the weighted squared entries
    sum to the unweighted ones (``None`` for ``a = 0``)."""
    if not user_weight:
        return None
    x = sp.csr_matrix(x, dtype=np.float64)
    counts = np.asarray(x.sum(axis=1)).ravel()
    squares = np.asarray(x.multiply(x).sum(axis=1)).ravel()
    weights = np.where(counts > 0, np.maximum(counts, 1.0) ** (-float(user_weight)), 0.0)
    weighted = float((weights ** 2 * squares).sum())
    return weights * np.sqrt(float(squares.sum()) / weighted) if weighted > 0 else weights


def gram_matrix(x: sp.spmatrix, *, user_weight: float = 0.0) -> np.ndarray:
    """``G = X^T W^2 X`` ``[I, I]`` float64 with ``W`` the :func:`row_weights` (``user_weight = 0``:
    plain ``X^T X``; otherwise ``mean(diag G)`` equals the unweighted one).

    Args:
        x: ``[U, I]`` interactions (users without interactions are ignored).
        user_weight: the exponent ``a >= 0``.
    """
    x = sp.csr_matrix(x, dtype=np.float64)
    weights = row_weights(x, user_weight)
    if weights is not None:
        x = sp.diags(weights) @ x
    return np.asarray((x.T @ x).todense(), dtype=np.float64)


def inverse_lower(gram: np.ndarray, reg_weight: float | np.ndarray, *, dtype: type = np.float64) -> np.ndarray:
    """The lower triangle (diagonal included, zeros above) of ``P = (gram + diag(reg_weight))^-1``.

    Args:
        gram: ``[I, I]`` symmetric; reg_weight: lambda, a number or ``[I]``;
        dtype: ``np.float64`` (the fit), or ``np.float32`` (twice as fast, for search candidates).

    Raises:
        IndefiniteGramError: the regularised matrix is not positive definite.
    """
    g = np.array(gram, dtype=dtype, order="F", copy=True)
    g[np.diag_indices_from(g)] += np.asarray(reg_weight, dtype=dtype)
    potrf, potri = (lapack.spotrf, lapack.spotri) if dtype == np.float32 else (lapack.dpotrf, lapack.dpotri)
    factor, info = potrf(g, lower=1, overwrite_a=1, clean=1)
    if info != 0:
        raise IndefiniteGramError(
            f"the regularised Gram matrix is not positive definite (Cholesky failed at row {info}): "
            "lower the content prior weights or raise reg_weight"
        )
    p, info = potri(factor, lower=1, overwrite_c=1)
    if info != 0:  # pragma: no cover - potri fails only for a singular factor
        raise IndefiniteGramError(f"the regularised Gram matrix is singular (potri info {info})")
    return p


def ease_solve(gram: np.ndarray, reg_weight: float | np.ndarray) -> np.ndarray:
    """``B`` ``[I, I]`` (float64, zero diagonal) of EASE for ``gram`` and ``reg_weight``.

    Args:
        gram: ``[I, I]`` symmetric (the Gram matrix, plus any content prior).
        reg_weight: lambda, a number or one value per item ``[I]`` (all positive).

    Raises:
        IndefiniteGramError: ``gram + diag(reg_weight)`` is not positive definite.
    """
    p = inverse_lower(gram, reg_weight)
    p += np.tril(p, -1).T
    b = p / (-np.diag(p))
    np.fill_diagonal(b, 0.0)
    return b


def item_reg_weights(gram: np.ndarray, reg_weight: float, diag_weight: float = 0.0) -> np.ndarray | float:
    """lambda per item: ``reg_weight + diag_weight * diag(gram)`` (a number when ``diag_weight`` is 0)."""
    if not diag_weight:
        return float(reg_weight)
    return float(reg_weight) + float(diag_weight) * np.diag(gram)


__all__ = ["IndefiniteGramError", "ease_solve", "gram_matrix", "inverse_lower", "item_reg_weights", "row_weights"]
