"""LightGCN backbone (He et al., SIGIR 2020): mean of K propagation layers over the
symmetrically normalised user-item graph of the training interactions."""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor

from recbole_kgllm.model.backbones.fused import FusedBackbone
from recbole_kgllm.model.inputs import TrainingData


def normalized_adjacency(interactions: sp.coo_matrix) -> torch.Tensor:
    """``D^-1/2 A D^-1/2`` of the bipartite graph ``A = [[0, R], [R^T, 0]]`` as a sparse tensor.

    Args:
        interactions: ``R``, ``[n_users, n_items]`` (the training interactions).
    """
    n_users, n_items = interactions.shape
    r = interactions.tocsr().astype(np.float32)
    r.data[:] = 1.0
    adjacency = sp.bmat([[None, r], [r.T, None]], format="coo", dtype=np.float32)
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    inv_sqrt = np.divide(1.0, np.sqrt(degree), out=np.zeros_like(degree), where=degree > 0)
    norm = sp.diags(inv_sqrt) @ adjacency @ sp.diags(inv_sqrt)
    norm = norm.tocoo()
    indices = torch.from_numpy(np.vstack([norm.row, norm.col]).astype(np.int64))
    size = (n_users + n_items, n_users + n_items)
    return torch.sparse_coo_tensor(indices, torch.from_numpy(norm.data), size, check_invariants=False).coalesce()


class LightGCNBackbone(FusedBackbone):
    """``backbone_kwargs``: ``n_layers`` (int, default 2): propagation layers."""

    name = "lightgcn"

    def prepare(self, options: dict[str, Any], data: TrainingData) -> None:
        options = dict(options)
        self.n_layers = int(options.pop("n_layers", 2))
        self.reject_unknown(self.name, options)
        self.register_buffer("adjacency", normalized_adjacency(data.interactions.tocoo()), persistent=False)

    def propagate(self, users: Tensor, items: Tensor) -> tuple[Tensor, Tensor]:
        layer = torch.cat([users, items], dim=0)
        total = layer
        for _ in range(self.n_layers):
            layer = torch.sparse.mm(self.adjacency, layer)
            total = total + layer
        final = total / (self.n_layers + 1)
        return final[: users.shape[0]], final[users.shape[0] :]
