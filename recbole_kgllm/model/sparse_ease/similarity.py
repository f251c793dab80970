"""Sparse top-k item-item cosine similarity of one feature view, built in batches.

The dense path (:func:`recbole_kgllm.model.backbones.ease.content_similarity`) forms ``[I, I]``;
here each item keeps its ``topk`` most similar items (symmetrised: a pair is kept when either
item chose it, as the dense path does), so memory is ``O(I * topk)``. Up to
:data:`EXACT_LIMIT` items the search is exact, in blocks of rows; above, an inverted-file index
(k-means lists, each list searched against the members of its ``n_probe`` nearest lists) keeps
the cost near ``I * n_probe * I / n_lists * f`` instead of ``I^2 f``.
"""
from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor
from tqdm.auto import tqdm

logger = logging.getLogger(__name__)

#: Above this many items with the view, the search uses the inverted-file index.
EXACT_LIMIT = 60_000
#: Rows scored at once in the exact search.
BLOCK_ROWS = 2048


def _prepared(values: Tensor, mask: Tensor, center: bool) -> tuple[Tensor, np.ndarray]:
    """(unit rows of the present items ``[P, f]`` float32, their item ids ``[P]``)."""
    present = np.flatnonzero(mask.cpu().numpy())
    f = values[torch.from_numpy(present)].float()
    if center and len(present):
        f = f - f.mean(dim=0, keepdim=True)
    return torch.nn.functional.normalize(f, dim=1), present


def _exact(f: Tensor, topk: int) -> tuple[Tensor, Tensor]:
    """Top-``topk`` neighbours ``[P, k]`` (indices into ``f``, values) by blocks of rows."""
    n = f.shape[0]
    k = min(topk, n - 1)
    idx = torch.empty(n, k, dtype=torch.long)
    val = torch.empty(n, k, dtype=torch.float32)
    for start in tqdm(range(0, n, BLOCK_ROWS), desc="content similarity (exact)", unit="block", disable=None):
        block = f[start : start + BLOCK_ROWS] @ f.T
        rows = torch.arange(block.shape[0])
        block[rows, rows + start] = float("-inf")
        v, i = block.topk(k, dim=1)
        idx[start : start + len(rows)], val[start : start + len(rows)] = i, v
    return idx, val


def _kmeans(f: Tensor, n_lists: int, *, iterations: int = 8, sample: int = 100_000, seed: int = 0) -> Tensor:
    """``[n_lists, f]`` unit centroids of spherical k-means on a sample of ``f``."""
    gen = torch.Generator().manual_seed(seed)
    pick = torch.randperm(f.shape[0], generator=gen)[: max(sample, n_lists)]
    x = f[pick]
    centroids = x[torch.randperm(x.shape[0], generator=gen)[:n_lists]].clone()
    for _ in range(iterations):
        assign = (x @ centroids.T).argmax(dim=1)
        sums = torch.zeros_like(centroids).index_add_(0, assign, x)
        empty = sums.norm(dim=1) == 0
        sums[empty] = centroids[empty]
        centroids = torch.nn.functional.normalize(sums, dim=1)
    return centroids


def _inverted_file(f: Tensor, topk: int, *, n_probe: int, seed: int) -> tuple[Tensor, Tensor]:
    """Approximate top-``topk`` neighbours through k-means lists (see the module docstring)."""
    n = f.shape[0]
    n_lists = max(16, int(np.sqrt(n)))
    centroids = _kmeans(f, n_lists, seed=seed)
    assign = torch.empty(n, dtype=torch.long)
    for start in range(0, n, 65_536):
        assign[start : start + 65_536] = (f[start : start + 65_536] @ centroids.T).argmax(dim=1)
    order = torch.argsort(assign, stable=True)
    counts = torch.bincount(assign, minlength=n_lists)
    starts = torch.cumsum(counts, 0) - counts
    probes = (centroids @ centroids.T).topk(min(n_probe, n_lists), dim=1).indices
    k = min(topk, n - 1)
    idx = torch.zeros(n, k, dtype=torch.long)
    val = torch.full((n, k), float("-inf"))
    for lst in tqdm(range(n_lists), desc="content similarity (inverted file)", unit="list", disable=None):
        if counts[lst] == 0:
            continue
        queries = order[starts[lst] : starts[lst] + counts[lst]]
        cand = torch.cat([order[starts[p] : starts[p] + counts[p]] for p in probes[lst].tolist()])
        sims = f[queries] @ f[cand].T
        sims[cand.unsqueeze(0) == queries.unsqueeze(1)] = float("-inf")
        kk = min(k, sims.shape[1])
        v, i = sims.topk(kk, dim=1)
        idx[queries, :kk], val[queries, :kk] = cand[i], v
    return idx, val


def topk_content_similarity(
    values: Tensor, mask: Tensor, *, center: bool, topk: int, n_probe: int = 8, seed: int = 0,
    exact_limit: int = EXACT_LIMIT,
) -> sp.csr_matrix:
    """Sparse symmetric ``[I, I]`` cosine similarity of the items that have the view.

    Args:
        values: ``[I, f]`` features; mask: ``[I]`` presence (rows without the view get nothing).
        center: subtract the mean of present rows first (as the dense path).
        topk: neighbours each item keeps (the union over both items of a pair is kept).
        n_probe: lists searched per list above ``exact_limit`` items.

    Returns:
        CSR float32 ``[I, I]``, zero diagonal, exactly symmetric.
    """
    n_items = values.shape[0]
    f, present = _prepared(values, mask, center)
    if len(present) < 2 or topk <= 0:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    if len(present) <= exact_limit:
        idx, val = _exact(f, topk)
    else:
        logger.info("content similarity: %d items > %d, inverted-file search (n_probe %d)", len(present), exact_limit, n_probe)
        idx, val = _inverted_file(f, topk, n_probe=n_probe, seed=seed)
    rows = np.repeat(present, idx.shape[1])
    cols = present[idx.reshape(-1).numpy()]
    data = val.reshape(-1).numpy()
    ok = np.isfinite(data)
    chosen = sp.csr_matrix((data[ok], (rows[ok], cols[ok])), shape=(n_items, n_items), dtype=np.float32)
    # union of both items' choices with the (symmetric) value: A + A^T minus the pairs chosen twice
    return (chosen + chosen.T - chosen.multiply(chosen.T != 0)).tocsr().astype(np.float32)


__all__ = ["EXACT_LIMIT", "topk_content_similarity"]
