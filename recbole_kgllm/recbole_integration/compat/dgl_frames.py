"""Feature storage and edge batches of the DGL stand-in (see :mod:`.dgl_graph`)."""
from __future__ import annotations

from collections.abc import Iterator, MutableMapping

import torch
from torch import Tensor

from recbole_kgllm.errors import KGLLMError

__all__ = ["DGLError", "EdgeBatch", "FeatureStore"]


class DGLError(KGLLMError):
    """A call the DGL stand-in cannot honour (same role as ``dgl.DGLError``)."""


class FeatureStore(MutableMapping[str, Tensor]):
    """``ndata`` / ``edata``: a dict whose tensors have one row per node / edge."""

    def __init__(self, *, rows: int, device: torch.device, kind: str) -> None:
        self._rows, self._device, self._kind = rows, device, kind
        self._data: dict[str, Tensor] = {}

    def __setitem__(self, key: str, value: Tensor) -> None:
        value = torch.as_tensor(value)
        if value.dim() == 0 or value.shape[0] != self._rows:
            raise DGLError(
                f"{self._kind} feature '{key}' needs {self._rows} rows, got shape {tuple(value.shape)}"
            )
        if value.device != self._device:
            raise DGLError(f"{self._kind} feature '{key}' is on {value.device}, the graph on {self._device}")
        self._data[key] = value

    def __getitem__(self, key: str) -> Tensor:
        return self._data[key]

    def __delitem__(self, key: str) -> None:
        del self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def schemes(self) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
        return {k: (tuple(v.shape[1:]), v.dtype) for k, v in self._data.items()}


class EdgeBatch:
    """What a ``filter_edges`` predicate receives: a batch of edges and their features."""

    def __init__(
        self,
        *,
        src: Tensor,
        dst: Tensor,
        eids: Tensor,
        edata: FeatureStore,
        ndata: FeatureStore,
        is_all: bool = False,
    ) -> None:
        """Args:
            src: the graph's source node of every edge, ``(num_edges,)``.
            dst: the graph's destination node of every edge, ``(num_edges,)``.
            eids: the batch's edge IDs, ``(batch_size,)``.
            edata: the graph's edge features.
            ndata: the graph's node features.
            is_all: the batch is every edge in ID order (lets ``data`` skip a copy).
        """
        self._src, self._dst, self._eids, self._is_all = src, dst, eids, is_all
        self._edata, self._ndata = edata, ndata

    @property
    def data(self) -> dict[str, Tensor]:
        """Edge features of the batch, each ``(batch_size, ...)``."""
        if self._is_all:  # no copy when the batch is the whole graph
            return dict(self._edata.items())
        return {k: v[self._eids] for k, v in self._edata.items()}

    @property
    def src(self) -> dict[str, Tensor]:
        """Node features of the batch's source nodes, each ``(batch_size, ...)``."""
        nodes = self._src[self._eids]
        return {k: v[nodes] for k, v in self._ndata.items()}

    @property
    def dst(self) -> dict[str, Tensor]:
        """Node features of the batch's destination nodes, each ``(batch_size, ...)``."""
        nodes = self._dst[self._eids]
        return {k: v[nodes] for k, v in self._ndata.items()}

    def edges(self) -> tuple[Tensor, Tensor, Tensor]:
        """``(src, dst, eid)`` of the batch, each ``(batch_size,)``."""
        return self._src[self._eids], self._dst[self._eids], self._eids

    def batch_size(self) -> int:
        return int(self._eids.numel())

    def __len__(self) -> int:
        return self.batch_size()
