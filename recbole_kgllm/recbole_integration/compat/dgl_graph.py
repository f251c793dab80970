"""A minimal stand-in for the part of DGL that RecBole 1.2.1 uses.

DGL has no build for current torch. RecBole touches it in two places only:

* ``Dataset._create_graph`` and ``KnowledgeBasedDataset._create_ckg_graph`` build
  ``dgl.graph((src, tgt))`` and set ``graph.edata[name] = tensor``;
* ``KGAT.init_graph`` runs, per relation, ``ckg.filter_edges(lambda e: e.data["relation_id"] == r)``,
  ``dgl.edge_subgraph(ckg, edge_ids, preserve_nodes=True)`` and
  ``.adjacency_matrix(transpose=False, scipy_fmt="coo")``, then row-normalises the matrix.

:class:`CompatGraph` offers exactly that surface (plus the trivial queries around it) for a
homogeneous graph, with DGL's semantics:

* Edge ``i`` is ``(src[i], dst[i])``; edge IDs follow input order. ``num_nodes`` defaults to
  ``max(src, dst) + 1``.
* ``adjacency_matrix(transpose=False)`` puts **sources on rows** and destinations on columns;
  ``transpose=True`` puts destinations on rows. Sources: DGL's
  ``python/dgl/heterograph_index.py`` (dmlc/dgl, the 0.5+ ``HeteroGraphIndex``) computes
  ``nrows = num_nodes(dsttype) if transpose else num_nodes(srctype)`` in
  ``adjacency_matrix_tensors``, which ``adjacency_matrix_scipy`` (what ``adj(scipy_fmt=...)``
  calls with ``return_edge_ids=False``) uses; its COO data are ``np.ones_like(row)`` (int64)
  and duplicate edges stay separate entries. The current docs say the same for the successor
  API: https://www.dgl.ai/dgl_docs/generated/dgl.DGLGraph.adj_external.html ("By default, a
  row of returned adjacency matrix represents the source of an edge and the column represents
  the destination. When transpose is True, a row represents the destination"). DGL <= 0.4 had
  the opposite convention (its ``adjacency_matrix_scipy`` docstring still says "a row ...
  represents the destination"); RecBole 1.2.1 targets DGL >= 0.5.
* RecBole agrees: KGAT's ``update_attentive_A`` rebuilds the same matrix as
  ``sparse_coo_tensor([all_hs, all_ts])``, i.e. heads (the ckg's sources) on rows, and its
  ``init_graph`` divides by row sums, i.e. by each head's out-degree within the relation.
* ``edge_subgraph(..., preserve_nodes=True)`` is DGL's deprecated spelling of
  ``relabel_nodes=False``: all nodes kept, the chosen edges kept in the given order, edge
  features sliced, parent edge IDs stored in ``edata[EID]``
  (https://www.dgl.ai/dgl_docs/generated/dgl.edge_subgraph.html).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor

from recbole_kgllm.recbole_integration.compat.dgl_frames import DGLError, EdgeBatch, FeatureStore

__all__ = ["EID", "NID", "CompatGraph", "DGLError", "DGLGraph", "EdgeBatch", "edge_subgraph", "graph"]

#: Feature names DGL uses for parent node / edge IDs in subgraphs.
NID = "_ID"
EID = "_ID"


def _as_ids(values: Any, *, dtype: torch.dtype, device: torch.device | None, what: str) -> Tensor:
    ids = torch.as_tensor(values, device=device)
    if ids.numel() == 0:  # [] becomes float32 in torch: an empty sequence is fine whatever its dtype
        ids = ids.reshape(0).to(dtype)
    if ids.dim() != 1 or ids.is_floating_point() or ids.dtype == torch.bool:
        raise DGLError(f"{what} must be a 1-D integer sequence, got {ids.dtype} of shape {tuple(ids.shape)}")
    return ids.to(dtype)


class CompatGraph:
    """A homogeneous directed graph with DGL's ``DGLGraph`` API surface used by RecBole.

    Build it with :func:`graph`. Tensors: ``src``/``dst`` ``(num_edges,)`` of ``idtype``.
    """

    def __init__(self, *, src: Tensor, dst: Tensor, num_nodes: int) -> None:
        self._src, self._dst, self._num_nodes = src, dst, int(num_nodes)
        self.ndata = FeatureStore(rows=self._num_nodes, device=src.device, kind="node")
        self.edata = FeatureStore(rows=int(src.numel()), device=src.device, kind="edge")

    # -- queries ------------------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        return self._src.device

    @property
    def idtype(self) -> torch.dtype:
        return self._src.dtype

    def num_nodes(self, ntype: str | None = None) -> int:
        return self._num_nodes

    def num_edges(self, etype: str | None = None) -> int:
        return int(self._src.numel())

    number_of_nodes = num_nodes
    number_of_edges = num_edges

    def nodes(self) -> Tensor:
        """Node IDs ``(num_nodes,)``."""
        return torch.arange(self._num_nodes, dtype=self.idtype, device=self.device)

    def edges(
        self, form: Literal["uv", "eid", "all"] = "uv", order: Literal["eid"] = "eid"
    ) -> tuple[Tensor, ...] | Tensor:
        """Edges in edge-ID order: ``(src, dst)``, the IDs, or ``(src, dst, eid)``."""
        eid = torch.arange(self.num_edges(), dtype=self.idtype, device=self.device)
        if form == "uv":
            return self._src, self._dst
        if form == "eid":
            return eid
        if form == "all":
            return self._src, self._dst, eid
        raise DGLError(f"unknown edges form '{form}'; expected uv, eid or all")

    def in_degrees(self) -> Tensor:
        """In-degree of every node, ``(num_nodes,)``."""
        return torch.bincount(self._dst, minlength=self._num_nodes)

    def out_degrees(self) -> Tensor:
        """Out-degree of every node, ``(num_nodes,)``."""
        return torch.bincount(self._src, minlength=self._num_nodes)

    def filter_edges(self, predicate: Callable[[EdgeBatch], Tensor], edges: Any = None) -> Tensor:
        """IDs (ascending, ``idtype``) of the edges for which ``predicate`` returns True.

        Args:
            predicate: called once with an :class:`EdgeBatch`; returns a ``(batch_size,)`` mask.
            edges: edge IDs to consider; all edges when None.
        """
        if edges is None:
            eids = torch.arange(self.num_edges(), dtype=self.idtype, device=self.device)
        else:
            eids = _as_ids(edges, dtype=self.idtype, device=self.device, what="edges")
        batch = EdgeBatch(
            src=self._src, dst=self._dst, eids=eids, edata=self.edata, ndata=self.ndata, is_all=edges is None
        )
        mask = torch.as_tensor(predicate(batch), device=self.device)
        if mask.shape != eids.shape:
            raise DGLError(f"filter predicate returned shape {tuple(mask.shape)}, expected {tuple(eids.shape)}")
        return eids[mask.bool()]

    # -- matrices -----------------------------------------------------------------------
    def adjacency_matrix(
        self,
        transpose: bool = False,
        ctx: torch.device | str | None = None,
        scipy_fmt: Literal["coo", "csr"] | None = None,
        etype: str | None = None,
    ) -> sp.spmatrix | Tensor:
        """The ``(num_nodes, num_nodes)`` adjacency matrix, one entry of 1 per edge.

        Args:
            transpose: False: row = source, column = destination (DGL >= 0.5); True: swapped.
            ctx: device of the torch sparse tensor returned when ``scipy_fmt`` is None.
            scipy_fmt: "coo" or "csr" for a scipy matrix with int64 ones (duplicate edges stay
                separate entries, as DGL's); None for a float32 torch sparse COO tensor.
            etype: accepted for signature compatibility; the graph has one edge type.

        Returns:
            ``scipy.sparse.coo_matrix`` / ``csr_matrix``, or a ``torch.sparse_coo_tensor``.
        """
        rows, cols = (self._dst, self._src) if transpose else (self._src, self._dst)
        n = self._num_nodes
        if scipy_fmt is None:
            values = torch.ones(self.num_edges(), dtype=torch.float32, device=self.device)
            matrix = torch.sparse_coo_tensor(
                torch.stack([rows, cols]).long(), values, (n, n), check_invariants=False
            )
            return matrix.to(ctx) if ctx is not None else matrix.cpu()
        row, col = rows.cpu().numpy().astype(np.int64), cols.cpu().numpy().astype(np.int64)
        data = np.ones_like(row)
        if scipy_fmt == "coo":
            return sp.coo_matrix((data, (row, col)), shape=(n, n))
        if scipy_fmt == "csr":
            order = np.argsort(row, kind="stable")
            indptr = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=n))])
            return sp.csr_matrix((data[order], col[order], indptr), shape=(n, n))
        raise DGLError(f"scipy_fmt must be 'coo', 'csr' or None, got '{scipy_fmt}'")

    adj = adjacency_matrix

    # -- subgraphs & devices ------------------------------------------------------------
    def edge_subgraph(
        self, edges: Any, *, relabel_nodes: bool = True, store_ids: bool = True, **deprecated: Any
    ) -> CompatGraph:
        """Method form of :func:`edge_subgraph`."""
        return edge_subgraph(self, edges, relabel_nodes=relabel_nodes, store_ids=store_ids, **deprecated)

    def to(self, device: torch.device | str) -> CompatGraph:
        """A copy on ``device`` with all features moved."""
        moved = CompatGraph(src=self._src.to(device), dst=self._dst.to(device), num_nodes=self._num_nodes)
        for key, value in self.ndata.items():
            moved.ndata[key] = value.to(device)
        for key, value in self.edata.items():
            moved.edata[key] = value.to(device)
        return moved

    def __repr__(self) -> str:
        return (
            f"Graph(num_nodes={self.num_nodes()}, num_edges={self.num_edges()},\n"
            f"      ndata_schemes={self.ndata.schemes()}\n      edata_schemes={self.edata.schemes()})"
        )


#: The name RecBole-facing code may use in ``isinstance`` checks (``dgl.DGLGraph``).
DGLGraph = CompatGraph


def graph(
    data: tuple[Iterable[int] | Tensor, Iterable[int] | Tensor],
    *,
    num_nodes: int | None = None,
    idtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
    **_ignored: Any,
) -> CompatGraph:
    """``dgl.graph((src, dst), num_nodes=None)``: a graph with edge ``i`` = ``src[i] -> dst[i]``.

    Args:
        data: a pair of 1-D integer sequences (tensors, arrays or lists) of equal length ``E``.
        num_nodes: number of nodes; default ``max(src, dst) + 1`` (0 without edges).
        idtype: ``torch.int32`` or ``torch.int64`` (default int64) for the stored IDs.
        device: where the structure lives; default the device of ``src``.
    """
    if not isinstance(data, tuple) or len(data) != 2:
        raise DGLError("the DGL stand-in only builds graphs from a (src, dst) pair of ID sequences")
    idtype = idtype or torch.int64
    if idtype not in (torch.int32, torch.int64):
        raise DGLError(f"idtype must be torch.int32 or torch.int64, got {idtype}")
    src = _as_ids(data[0], dtype=idtype, device=None, what="src")
    dst = _as_ids(data[1], dtype=idtype, device=src.device, what="dst")
    if src.numel() != dst.numel():
        raise DGLError(f"src and dst differ in length: {src.numel()} != {dst.numel()}")
    if device is not None:
        src, dst = src.to(device), dst.to(device)
    if src.numel() > 0 and int(torch.minimum(src.min(), dst.min())) < 0:
        raise DGLError("node IDs must be non-negative")
    needed = int(torch.maximum(src.max(), dst.max())) + 1 if src.numel() > 0 else 0
    if num_nodes is None:
        num_nodes = needed
    elif num_nodes < needed:
        raise DGLError(f"num_nodes={num_nodes} but the edges use node ID {needed - 1}")
    return CompatGraph(src=src, dst=dst, num_nodes=num_nodes)


def edge_subgraph(
    graph: CompatGraph,
    edges: Any,
    *,
    relabel_nodes: bool = True,
    store_ids: bool = True,
    output_device: torch.device | str | None = None,
    **deprecated_kwargs: Any,
) -> CompatGraph:
    """The subgraph made of ``edges`` (IDs in the given order, or a ``(num_edges,)`` bool mask).

    Args:
        graph: the parent graph.
        edges: int edge IDs, or a bool mask over all edges.
        relabel_nodes: False keeps every node with its ID; True keeps only the incident nodes,
            renumbered in ascending order of their parent IDs (``ndata[NID]`` gives the parent
            IDs; DGL's own order of relabelled nodes is an implementation detail).
        store_ids: store parent edge IDs in ``edata[EID]`` (and node IDs in ``ndata[NID]`` when
            relabelling).
        output_device: device of the result; default the parent's.
        **deprecated_kwargs: ``preserve_nodes`` (DGL <= 0.6 name), meaning
            ``relabel_nodes = not preserve_nodes``.
    """
    if "preserve_nodes" in deprecated_kwargs:
        relabel_nodes = not deprecated_kwargs.pop("preserve_nodes")
    if deprecated_kwargs:
        raise DGLError(f"unexpected arguments: {', '.join(sorted(deprecated_kwargs))}")
    edges_t = torch.as_tensor(edges, device=graph.device) if not isinstance(edges, Tensor) else edges
    if edges_t.dtype == torch.bool:
        if edges_t.shape != (graph.num_edges(),):
            raise DGLError(f"a bool edge mask needs shape ({graph.num_edges()},), got {tuple(edges_t.shape)}")
        eids = torch.nonzero(edges_t).flatten().to(graph.idtype)
    else:
        eids = _as_ids(edges_t.flatten() if edges_t.dim() == 0 else edges_t, dtype=graph.idtype,
                       device=graph.device, what="edges")
    if eids.numel() > 0 and (int(eids.min()) < 0 or int(eids.max()) >= graph.num_edges()):
        raise DGLError(f"edge IDs must lie in [0, {graph.num_edges()})")
    src, dst = graph._src[eids], graph._dst[eids]
    if relabel_nodes:
        kept, inverse = torch.unique(torch.cat([src, dst]), sorted=True, return_inverse=True)
        src, dst = inverse[: eids.numel()].to(graph.idtype), inverse[eids.numel():].to(graph.idtype)
        num_nodes = int(kept.numel())
    else:
        kept, num_nodes = None, graph.num_nodes()
    sub = CompatGraph(src=src, dst=dst, num_nodes=num_nodes)
    for key, value in graph.edata.items():
        sub.edata[key] = value[eids]
    for key, value in graph.ndata.items():
        sub.ndata[key] = value if kept is None else value[kept]
    if store_ids:
        sub.edata[EID] = eids
        if kept is not None:
            sub.ndata[NID] = kept.to(graph.idtype)
    return sub.to(output_device) if output_device is not None else sub
