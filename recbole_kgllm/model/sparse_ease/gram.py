"""The sparse top-K Gram matrix of EASE with priors, built in column blocks.

``G = X^T X + sum_m alpha_m S_m`` is computed ``s`` columns at a time (``X[:, J]^T X``; the
block size follows each item's cost, the interactions of its users, so a block of popular
items is small), and each item keeps its ``topk`` largest off-diagonal entries. The result is
symmetrised (a pair is kept when either item kept it), so memory is ``O(I * topk)``; the
diagonal (item counts plus prior diagonals) is returned separately and exactly.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from tqdm.auto import tqdm

#: Products per column block (bounds the block's memory: about 12 bytes each).
BLOCK_BUDGET = 40_000_000


def topk_mask(matrix: sp.csr_matrix, k: int, score: np.ndarray | None = None) -> np.ndarray:
    """``[nnz]`` bool: the ``k`` stored entries of each row of CSR ``matrix`` with the largest
    ``score`` (one per stored entry; default: the values)."""
    counts = np.diff(matrix.indptr)
    if k <= 0 or counts.max(initial=0) <= k:
        return np.ones(matrix.nnz, dtype=bool)
    rows = np.repeat(np.arange(matrix.shape[0]), counts)
    order = np.lexsort((-(matrix.data if score is None else score), rows))
    rank = np.arange(len(order)) - matrix.indptr[rows[order]]
    keep = np.zeros(matrix.nnz, dtype=bool)
    keep[order[rank < k]] = True
    return keep


def topk_per_row(matrix: sp.csr_matrix, k: int, score: np.ndarray | None = None) -> sp.csr_matrix:
    """The ``k`` entries of each row of ``matrix`` with the largest ``score`` (see :func:`topk_mask`)."""
    matrix = matrix.tocsr()
    keep = topk_mask(matrix, k, score)
    if keep.all():
        return matrix
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    return sp.csr_matrix((matrix.data[keep], (rows[keep], matrix.indices[keep])), shape=matrix.shape)


def column_blocks(x: sp.csr_matrix, budget: int = BLOCK_BUDGET) -> list[tuple[int, int]]:
    """``[start, end)`` item ranges whose Gram columns cost at most ``budget`` products each."""
    user_len = np.diff(x.indptr).astype(np.float64)
    cost = np.asarray(x.T @ user_len).ravel()  # products of item j's column: sum of its users' lengths
    bounds, start, acc = [], 0, 0.0
    for j, c in enumerate(cost):
        if acc + c > budget and j > start:
            bounds.append((start, j))
            start, acc = j, 0.0
        acc += c
    bounds.append((start, x.shape[1]))
    return bounds


def topk_gram(
    x: sp.csr_matrix, priors: Sequence[tuple[float, sp.spmatrix]] = (), *, topk: int, budget: int = BLOCK_BUDGET,
    reg_weight: float | None = None, return_largest: bool = False,
) -> Any:
    """(off-diagonal top-K part ``[I, I]`` CSR float32, exact diagonal ``[I]`` float64).

    Row ``j`` holds the ``topk`` largest entries of ``G[j, :]`` (not symmetrised: every row has
    at most ``topk`` entries; :func:`symmetrised` gives the union).

    Args:
        x: ``[U, I]`` CSR interactions.
        priors: ``(alpha, S)`` pairs of ``[I, I]`` sparse symmetric priors.
        topk: entries kept per item (0 keeps all: the exact sparse Gram).
        reg_weight: when given, row ``j`` also keeps the ``topk`` entries with the largest
            ``|G_ji| / (G_ii + reg_weight)`` (the first-order estimate of EASE's ``|B_ij|``, by which
            neighbours are chosen), so a row holds at most ``2 topk`` entries.
        return_largest: also return the part kept by value only (a third element), which is
            what the solver reads ``G_NN`` from (half the entries to gather).
    """
    x = sp.csr_matrix(x, dtype=np.float32)
    n = x.shape[1]
    xc = x.tocsc()
    diag = np.asarray(xc.multiply(xc).sum(axis=0), dtype=np.float64).ravel()
    weighted = [(float(a), sp.csr_matrix(s, dtype=np.float32)) for a, s in priors if float(a) != 0.0]
    for alpha, s in weighted:
        diag += alpha * s.diagonal()
    parts, by_value = [], []
    for start, end in tqdm(column_blocks(x, budget), desc="sparse Gram (top-K)", unit="block", disable=None):
        block = (xc[:, start:end].T @ x).tocsr()  # [s, I]
        for alpha, s in weighted:
            block = block + alpha * s[start:end]
        block = block.tocoo()
        off = block.row + start != block.col
        block = sp.csr_matrix((block.data[off], (block.row[off], block.col[off])), shape=(end - start, n))
        block.eliminate_zeros()
        largest = topk_mask(block, topk)  # the largest entries: what the local systems G_NN need
        keep = largest.copy()
        if reg_weight is not None:  # and the likeliest neighbours (largest first-order |B_ij|)
            keep |= topk_mask(block, topk, np.abs(block.data) / (diag[block.indices] + reg_weight))
        rows = np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))
        parts.append(sp.csr_matrix((block.data[keep], (rows[keep], block.indices[keep])), shape=block.shape))
        if return_largest:
            by_value.append(sp.csr_matrix((block.data[largest], (rows[largest], block.indices[largest])), shape=block.shape))
    chosen = sp.vstack(parts).tocsr().astype(np.float32)
    if return_largest:
        return chosen, diag, sp.vstack(by_value).tocsr().astype(np.float32)
    return chosen, diag


def symmetrised(chosen: sp.csr_matrix) -> sp.csr_matrix:
    """The union of the entries each row chose and their transposes (values of a symmetric matrix)."""
    both = chosen.multiply(chosen.T != 0)
    return (chosen + chosen.T - both).tocsr().astype(np.float32)


__all__ = ["BLOCK_BUDGET", "column_blocks", "symmetrised", "topk_gram", "topk_mask", "topk_per_row"]
