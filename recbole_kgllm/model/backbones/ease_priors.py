"""Item-item content priors of the EASE backbone: one similarity matrix per knowledge view.

Following the side-information linear autoencoders (collective EASE, Jeunen et al., RecSys 2020
LBR; L3AE, Moon et al., 2025), a view ``m`` enters the Gram matrix as ``G + w_m lambda S_m``:
items whose content agrees are tied together even when few users co-interacted, and items without
interactions still get columns of ``B``. Every prior here is

* symmetric, zero on the diagonal and on items without the view;
* **top-k sparse** (``topk > 0``: each item keeps its ``topk`` most similar items, the union of
  both directions, as ``scipy.sparse`` CSR, computed in row blocks, never an ``[I, I]`` dense
  array) or dense (``topk = 0``);
* normalised by :func:`normalized_prior` (``D^-1/2 S D^-1/2``, spectral radius at most 1), so a
  weight ``w`` is relative to lambda and comparable across views and datasets.

Views: frozen embeddings (text, PyKEEN KG, the learned content path) by centred cosine
(:func:`embedding_similarity`); the KG's item-entity incidence by IDF-weighted shared entities
(:func:`incidence_similarity`: items tied through directors, actors, genres; hub entities weigh
little).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from torch import Tensor

from recbole_kgllm.model.inputs import ItemEntities

#: Rows of a similarity computed at once (memory ``block x I`` floats).
BLOCK_ROWS = 2048


def _topk_rows(rows: np.ndarray, start: int, topk: int, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, col, value) of each row's ``topk`` largest positive entries among ``valid`` columns."""
    sims = np.where(valid[None, :], rows, -np.inf)
    idx = np.arange(rows.shape[0])
    sims[idx, start + idx] = -np.inf
    k = min(topk, rows.shape[1] - 1)
    best = np.argpartition(-sims, k - 1, axis=1)[:, :k] if k > 0 else np.zeros((rows.shape[0], 0), dtype=np.int64)
    values = np.take_along_axis(sims, best, axis=1)
    keep = np.isfinite(values) & (values > 0)
    r = np.broadcast_to(start + idx[:, None], best.shape)[keep]
    return r, best[keep], values[keep]


def _symmetric_union(rows: list[np.ndarray], cols: list[np.ndarray], vals: list[np.ndarray], n: int) -> sp.csr_matrix:
    s = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    s = s.maximum(s.T).tocsr()
    s.eliminate_zeros()
    return s


def _blocked(left: np.ndarray | sp.csr_matrix, right_t: np.ndarray | sp.csr_matrix, valid: np.ndarray, topk: int) -> sp.csr_matrix:
    """Top-k of ``left @ right_t`` row block by row block (valid rows and columns only)."""
    n = left.shape[0]
    rows, cols, vals = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
    for start in range(0, n, BLOCK_ROWS):
        block = left[start:start + BLOCK_ROWS] @ right_t
        block = np.asarray(block.todense() if sp.issparse(block) else block, dtype=np.float64)
        block[~valid[start:start + BLOCK_ROWS]] = 0.0
        r, c, v = _topk_rows(block, start, topk, valid)
        rows.append(r), cols.append(c), vals.append(v)
    return _symmetric_union(rows, cols, vals, n)


def embedding_similarity(values: Tensor | np.ndarray, mask: Tensor | np.ndarray, *, topk: int, center: bool = True) -> sp.csr_matrix | np.ndarray:
    """Item-item cosine similarity of one embedding view (rows without it are zero).

    Args:
        values: ``[I, f]`` features; mask: ``[I]`` presence.
        topk: keep each item's ``topk`` most similar items with a positive similarity
            (symmetrised, sparse); 0 keeps every pair (dense ``[I, I]``).
        center: subtract the mean of present rows first (frozen LM embeddings share a large
            common direction that makes every pair look similar).

    Returns:
        ``[I, I]``: CSR when ``topk > 0``, else a dense array.
    """
    f = values.detach().double().cpu().numpy() if isinstance(values, Tensor) else np.asarray(values, dtype=np.float64)
    present = mask.cpu().numpy().astype(bool) if isinstance(mask, Tensor) else np.asarray(mask, dtype=bool)
    f = f.copy()
    if center and present.any():
        f -= f[present].mean(axis=0, keepdims=True)
    norms = np.linalg.norm(f, axis=1, keepdims=True)
    f = np.where(present[:, None] & (norms > 0), f / np.where(norms > 0, norms, 1.0), 0.0)
    if topk <= 0:
        sim = f @ f.T
        sim = (sim + sim.T) / 2
        np.fill_diagonal(sim, 0.0)
        return sim
    return _blocked(f, f.T, present, topk)


def idf_incidence(entities: ItemEntities, *, hops: int = 1, min_items: int = 2) -> sp.csr_matrix:
    """The incidence with IDF column weights ``log(N / n_e)`` and L2-normalised rows ``[I, E]``.

    ``N`` is the number of items tied to any entity, ``n_e`` those tied to entity ``e``: an
    entity shared by every item (a hub: a country, a language) weighs 0, a director of three films
    weighs much. Entities tied to fewer than ``min_items`` items relate no two items and are
    dropped. ``hops=2`` also ties each item to the neighbours of its entities.
    """
    f = entities.incidence.tocsr().astype(np.float64)
    if hops >= 2:
        f = f + f @ entities.adjacency.astype(np.float64)
        f.data[:] = 1.0
    f = f.tocsc()
    counts = np.diff(f.indptr)
    n_linked = max(1, int((np.diff(f.tocsr().indptr) > 0).sum()))
    weights = np.where(counts >= min_items, np.log(n_linked / np.maximum(counts, 1)), 0.0)
    f = (f @ sp.diags(weights)).tocsr()
    f.eliminate_zeros()
    norms = np.sqrt(np.asarray(f.multiply(f).sum(axis=1)).ravel())
    return (sp.diags(np.where(norms > 0, 1.0 / np.where(norms > 0, norms, 1.0), 0.0)) @ f).tocsr()


def incidence_similarity(entities: ItemEntities, *, topk: int, hops: int = 1) -> sp.csr_matrix | np.ndarray:
    """Item-item similarity through shared entities: the cosine of IDF-weighted incidence rows
    (:func:`idf_incidence`), i.e. collective EASE's ``F F^T`` with entities as pseudo-users.

    Returns:
        ``[I, I]``: CSR (top-k) when ``topk > 0``, else a dense array; zero diagonal.
    """
    f = idf_incidence(entities, hops=hops)
    present = np.diff(f.indptr) > 0
    if topk <= 0:
        sim = np.asarray((f @ f.T).todense(), dtype=np.float64)
        np.fill_diagonal(sim, 0.0)
        return sim
    return _blocked(f, f.T.tocsc(), present, topk)


def normalized_prior(sim: sp.csr_matrix | np.ndarray) -> sp.csr_matrix | np.ndarray:
    """``D^-1/2 S D^-1/2`` with ``D`` the row sums of ``|S|`` (rows without any similarity stay 0):
    every eigenvalue lies in ``[-1, 1]``, so ``G + w lambda S`` is positive definite for ``w < 1``."""
    if sp.issparse(sim):
        degree = np.asarray(abs(sim).sum(axis=1)).ravel()
        scale = sp.diags(np.where(degree > 0, 1.0 / np.sqrt(np.where(degree > 0, degree, 1.0)), 0.0))
        return (scale @ sim @ scale).tocsr()
    degree = np.abs(sim).sum(axis=1)
    scale = np.where(degree > 0, 1.0 / np.sqrt(np.where(degree > 0, degree, 1.0)), 0.0)
    return sim * scale[:, None] * scale[None, :]


def add_prior(gram: np.ndarray, prior: sp.csr_matrix | np.ndarray, weight: float) -> np.ndarray:
    """``gram + weight * prior`` in place (``gram`` dense ``[I, I]``); returns ``gram``."""
    if weight == 0.0:
        return gram
    if sp.issparse(prior):
        coo = prior.tocoo()  # canonical CSR: no duplicate (row, col), so fancy += is exact
        gram[coo.row, coo.col] += weight * coo.data
    else:
        gram += weight * prior
    return gram


def prior_columns(prior: sp.csr_matrix | np.ndarray, items: np.ndarray) -> np.ndarray:
    """Dense columns ``items`` of a prior, ``[I, len(items)]``."""
    cols = prior[:, items]
    return np.asarray(cols.todense() if sp.issparse(cols) else cols, dtype=np.float64)


__all__ = [
    "add_prior",
    "embedding_similarity",
    "idf_incidence",
    "incidence_similarity",
    "normalized_prior",
    "prior_columns",
]
