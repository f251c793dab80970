"""A sparse approximate EASE solution: each column a ridge regression on the item's neighbours.

EASE's objective ``||X - XB||^2 + lambda ||B||^2`` with ``diag(B) = 0`` separates by columns:
column ``j`` is the ridge regression of item ``j`` on every other item,
``b_j = (G_{-j,-j} + lambda I)^{-1} G_{-j,j}``. Restricting the regressors to the ``k`` items
with the largest Gram entries with ``j`` (its neighbours ``N(j)``) gives a ``k x k`` system per
item, ``b = (G_NN + lambda I)^{-1} G_Nj``, solved in batches; with ``k`` covering the catalogue
and the exact Gram it *is* EASE (a unit test checks this against the dense closed form).
``G_NN`` is read from the top-K Gram (:func:`~.gram.topk_gram`); a pair neither item kept is
taken as 0. Cost: ``O(I k^3)`` flops and ``O(I k K)`` lookups; memory ``O(I (k + K))``.
Priors enter ``G`` as in the dense path (weighted pseudo-users).

Why this solver: SANSA (the ``sansa`` package) needs ``scikit-sparse``/CHOLMOD, which has no
wheel for our platform (``pip download scikit-sparse --only-binary=:all:`` finds nothing);
conjugate gradients per column block cost ``O(nnz(X) * I)`` per iteration, and an ELSA-style
low-rank factorisation loses EASE's full-rank item-item structure (and trains by gradient
over every item per user). Local regressions keep EASE's own estimator on the pairs that
carry its weight, and scale linearly in the catalogue.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
import torch
from tqdm.auto import tqdm

from recbole_kgllm.model.sparse_ease.gram import symmetrised, topk_gram, topk_per_row

logger = logging.getLogger(__name__)

#: Default neighbours per item (columns of B keep at most this many entries).
DEFAULT_NEIGHBOURS = 200
#: Default Gram entries kept per item, by value and by first-order |B_ij| (0: all, the exact
#: sparse Gram); dense catalogues gain from more (docs/scale.md).
DEFAULT_GRAM_TOPK = 400
#: Items solved per batch.
BATCH_ITEMS = 128


def neighbour_table(
    gram: sp.csr_matrix, k: int, diag: np.ndarray | None = None, reg_weight: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(neighbours ``[I, k]`` padded with -1, their Gram entries ``[I, k]``, count ``[I]``) of each
    item ``j``: the ``k`` items ``i`` with the largest first-order estimate of ``|B_ij|``,
    ``|G_ij| / (G_ii + lambda)`` (the raw entry when ``diag`` is not given)."""
    gram = gram.tocsr()
    score = gram.copy()
    score.data = np.abs(score.data)
    if diag is not None:
        score.data = score.data / (diag[score.indices] + reg_weight)
    picked = topk_per_row(score, k).tocsr()
    picked.data[:] = 1.0
    top = gram.multiply(picked).tocsr()
    top.sort_indices()
    n = top.shape[0]
    counts = np.diff(top.indptr)
    width = int(max(1, counts.max(initial=0)))
    nbr = np.full((n, width), -1, dtype=np.int64)
    val = np.zeros((n, width), dtype=np.float64)
    rows = np.repeat(np.arange(n), counts)
    slot = np.arange(len(top.indices)) - top.indptr[rows]
    nbr[rows, slot] = top.indices
    val[rows, slot] = top.data
    return nbr, val, counts


def solve_columns(
    gram: sp.csr_matrix, diag: np.ndarray, reg_weight: float, nbr: np.ndarray, rhs: np.ndarray,
    *, batch: int = BATCH_ITEMS,
) -> sp.csc_matrix:
    """``B`` ``[I, I]`` (CSC float32) with ``B[N(j), j] = (G_NN + lambda I)^{-1} G_Nj``.

    Args:
        gram: off-diagonal Gram entries (CSR), each row its top-K (a pair found in either
            item's row is used); diag: ``[I]`` the diagonal.
        nbr: ``[I, k]`` neighbours (-1 pads); rhs: ``[I, k]`` the entries ``G_{N(j), j}``.
    """
    n, k = nbr.shape
    gram = gram.tocsr()
    pos = np.zeros((batch, n), dtype=np.int32)  # position + 1 of an item in each solved item's N
    out_rows, out_cols, out_vals = [], [], []
    for start in tqdm(range(0, n, batch), desc="sparse EASE columns", unit="batch", disable=None):
        items = np.arange(start, min(start + batch, n))
        b = len(items)
        nb = nbr[items]
        valid = nb >= 0
        t_idx, p_idx = np.nonzero(valid)
        members = nb[t_idx, p_idx]
        pos[t_idx, members] = p_idx + 1
        sub = gram[members].tocoo()  # rows of the neighbours, row r = (t_idx[r], p_idx[r])
        entry_t = t_idx[sub.row]
        q = pos[entry_t, sub.col] - 1
        hit = q >= 0
        entry_t, entry_p, q, v = entry_t[hit], p_idx[sub.row[hit]], q[hit], sub.data[hit]
        pos[t_idx, members] = 0
        a = np.zeros((b, k, k), dtype=np.float32)
        a[entry_t, entry_p, q] = v
        a[entry_t, q, entry_p] = v  # a pair kept by either item's row
        d = np.where(valid, diag[np.where(valid, nb, 0)] + reg_weight, 1.0).astype(np.float32)
        a[:, np.arange(k), np.arange(k)] = d
        sol = torch.linalg.solve(torch.from_numpy(a), torch.from_numpy(np.where(valid, rhs[items], 0.0).astype(np.float32))).numpy()
        out_rows.append(members)
        out_cols.append(items[t_idx])
        out_vals.append(sol[t_idx, p_idx].astype(np.float32))
    rows, cols, vals = np.concatenate(out_rows), np.concatenate(out_cols), np.concatenate(out_vals)
    return sp.csc_matrix((vals, (rows, cols)), shape=(n, n), dtype=np.float32)


def sparse_ease(
    x: sp.csr_matrix,
    priors: Sequence[tuple[float, sp.spmatrix]] = (),
    *,
    reg_weight: float,
    neighbours: int = DEFAULT_NEIGHBOURS,
    gram_topk: int = DEFAULT_GRAM_TOPK,
) -> sp.csr_matrix:
    """Sparse approximate EASE ``B`` ``[I, I]`` (CSR float32, zero diagonal, at most
    ``neighbours`` entries per column) of interactions ``x`` ``[U, I]`` with weighted sparse priors.

    Args:
        x: CSR training interactions.
        priors: ``(alpha, S)`` pairs; ``S`` ``[I, I]`` sparse symmetric (e.g. top-k content similarity).
        reg_weight: EASE's lambda.
        neighbours: ``k``, regressors per item.
        gram_topk: ``K`` Gram entries kept per item before symmetrising (0: all); at least ``k``.
    """
    gram_topk = 0 if gram_topk <= 0 else max(gram_topk, neighbours)
    chosen, diag = topk_gram(x, priors, topk=gram_topk, reg_weight=reg_weight)
    gram = symmetrised(chosen)
    nbr, rhs, counts = neighbour_table(gram, neighbours, diag, reg_weight)
    del gram
    logger.info(
        "sparse EASE: %d items, Gram %d entries (top-%s), %.1f neighbours per item on average",
        x.shape[1], chosen.nnz, gram_topk or "all", counts.mean() if len(counts) else 0.0,
    )
    return solve_columns(chosen, diag, reg_weight, nbr, rhs).tocsr()


__all__ = ["DEFAULT_GRAM_TOPK", "DEFAULT_NEIGHBOURS", "neighbour_table", "solve_columns", "sparse_ease"]
