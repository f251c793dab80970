"""A fitted sparse EASE solution as a module: buffers of the CSR ``B``, scoring ``X_u B``.

The three CSR arrays are persistent buffers, so a checkpoint holds ``B`` and reloading (which
refits on the same split, giving arrays of the same shapes) restores it exactly.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor, nn


class SparseItemModel(nn.Module):
    """``B`` ``[I, I]`` as CSR buffers, with the training interactions used to score users.

    Args:
        b: the sparse solution; interactions: ``[U, I]`` CSR training interactions.
    """

    def __init__(self, b: sp.csr_matrix, interactions: sp.csr_matrix) -> None:
        super().__init__()
        b = sp.csr_matrix(b, dtype=np.float32)
        b.sort_indices()
        self.shape = b.shape
        self.register_buffer("b_indptr", torch.from_numpy(b.indptr.astype(np.int64)), persistent=True)
        self.register_buffer("b_indices", torch.from_numpy(b.indices.astype(np.int64)), persistent=True)
        self.register_buffer("b_values", torch.from_numpy(b.data), persistent=True)
        self.interactions = sp.csr_matrix(interactions, dtype=np.float32)

    @property
    def b(self) -> sp.csr_matrix:
        """The current ``B`` (after a checkpoint was loaded, the loaded one: rebuilt whenever a
        buffer was replaced or written in place, which ``load_state_dict`` does)."""
        buffers = (self.b_values, self.b_indices, self.b_indptr)
        arrays = tuple((t.data_ptr(), t._version) for t in buffers)
        if getattr(self, "_b_arrays", None) != arrays:
            self._b_cache = sp.csr_matrix(
                (self.b_values.cpu().numpy(), self.b_indices.cpu().numpy(), self.b_indptr.cpu().numpy()), shape=self.shape
            )
            self._b_arrays = arrays
        return self._b_cache

    @property
    def nnz(self) -> int:
        return int(self.b_values.numel())

    def full_scores(self, users: Tensor) -> Tensor:
        """``[B, n_items]``: the users' training rows times ``B`` (sparse x sparse, then dense)."""
        rows = self.interactions[users.cpu().numpy()]
        scores = (rows @ self.b).toarray()
        return torch.from_numpy(scores).to(self.b_values.device)


__all__ = ["SparseItemModel"]
