"""The sparse top-K Gram matrix of EASE with priors, built in column blocks.

``G = X^T X + sum_m alpha_m S_m`` is computed ``s`` columns at a time (``X[:, J]^T X``; the
block size follows each item's cost, the interactions of its users, so a block of popular
items is small), and each item keeps its ``topk`` largest off-diagonal entries. The result is
symmetrised (a pair is kept when either item kept it), so memory is ``O(I * topk)``; the
diagonal (item counts plus prior diagonals) is returned separately and exactly.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from tqdm.auto import tqdm

#: Products per column block (bounds the block's memory: about 12 bytes each).
BLOCK_BUDGET = 40_000_000


def topk_per_row(matrix: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """The ``k`` largest entries of each row of ``matrix`` (others dropped)."""
    matrix = matrix.tocsr()
    counts = np.diff(matrix.indptr)
    if k <= 0 or counts.max(initial=0) <= k:
        return matrix
    rows = np.repeat(np.arange(matrix.shape[0]), counts)
    order = np.lexsort((-matrix.data, rows))
    rank = np.arange(len(order)) - matrix.indptr[rows[order]]
    keep = order[rank < k]
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
    x: sp.csr_matrix, priors: Sequence[tuple[float, sp.spmatrix]] = (), *, topk: int, budget: int = BLOCK_BUDGET
) -> tuple[sp.csr_matrix, np.ndarray]:
    """(off-diagonal top-K part ``[I, I]`` CSR float32, exact diagonal ``[I]`` float64).

    Row ``j`` holds the ``topk`` largest entries of ``G[j, :]`` (not symmetrised: every row has
    at most ``topk`` entries; :func:`symmetrised` gives the union).

    Args:
        x: ``[U, I]`` CSR interactions.
        priors: ``(alpha, S)`` pairs of ``[I, I]`` sparse symmetric priors.
        topk: entries kept per item (0 keeps all: the exact sparse Gram).
    """
    x = sp.csr_matrix(x, dtype=np.float32)
    n = x.shape[1]
    xc = x.tocsc()
    diag = np.asarray(xc.multiply(xc).sum(axis=0), dtype=np.float64).ravel()
    weighted = [(float(a), sp.csr_matrix(s, dtype=np.float32)) for a, s in priors if float(a) != 0.0]
    for alpha, s in weighted:
        diag += alpha * s.diagonal()
    parts = []
    for start, end in tqdm(column_blocks(x, budget), desc="sparse Gram (top-K)", unit="block", disable=None):
        block = (xc[:, start:end].T @ x).tocsr()  # [s, I]
        for alpha, s in weighted:
            block = block + alpha * s[start:end]
        block = block.tocoo()
        off = block.row + start != block.col
        block = sp.csr_matrix((block.data[off], (block.row[off], block.col[off])), shape=(end - start, n))
        block.eliminate_zeros()
        parts.append(topk_per_row(block, topk))
    return sp.vstack(parts).tocsr().astype(np.float32), diag


def symmetrised(chosen: sp.csr_matrix) -> sp.csr_matrix:
    """The union of the entries each row chose and their transposes (values of a symmetric matrix)."""
    both = chosen.multiply(chosen.T != 0)
    return (chosen + chosen.T - both).tocsr().astype(np.float32)


__all__ = ["BLOCK_BUDGET", "column_blocks", "symmetrised", "topk_gram", "topk_per_row"]
