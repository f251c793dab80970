"""The DGL stand-in against dense references built directly from the edge list."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from recbole_kgllm.recbole_integration.compat import dgl_graph as dgl


@pytest.fixture
def edges() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, int]:
    """A random multigraph (duplicate edges and self-loops included) with relation ids 0..4."""
    gen = torch.Generator().manual_seed(0)
    n_nodes, n_edges = 15, 80
    src = torch.randint(0, n_nodes - 2, (n_edges,), generator=gen)  # the last two nodes are isolated
    dst = torch.randint(0, n_nodes - 2, (n_edges,), generator=gen)
    src[:3], dst[:3] = torch.tensor([4, 4, 5]), torch.tensor([7, 7, 5])  # a duplicate and a self-loop
    rel = torch.randint(0, 5, (n_edges,), generator=gen)
    return src, dst, rel, n_nodes


def _dense(src: torch.Tensor, dst: torch.Tensor, n: int) -> np.ndarray:
    out = np.zeros((n, n))
    for s, d in zip(src.tolist(), dst.tolist()):
        out[s, d] += 1
    return out


def test_graph_structure_and_default_num_nodes(edges: tuple) -> None:
    src, dst, rel, n_nodes = edges
    g = dgl.graph((src, dst))
    assert g.num_nodes() == int(max(src.max(), dst.max())) + 1
    assert g.num_edges() == src.numel() == g.number_of_edges()
    u, v = g.edges()
    assert torch.equal(u, src) and torch.equal(v, dst)
    assert torch.equal(g.edges(form="eid"), torch.arange(src.numel()))
    assert dgl.graph((src, dst), num_nodes=n_nodes).num_nodes() == n_nodes
    assert torch.equal(g.out_degrees(), torch.bincount(src, minlength=g.num_nodes()))
    assert dgl.graph(([], [])).num_nodes() == 0


def test_graph_rejects_bad_input(edges: tuple) -> None:
    src, dst, _, _ = edges
    with pytest.raises(dgl.DGLError, match="num_nodes"):
        dgl.graph((src, dst), num_nodes=3)
    with pytest.raises(dgl.DGLError, match="length"):
        dgl.graph((src, dst[:-1]))
    with pytest.raises(dgl.DGLError, match="non-negative"):
        dgl.graph((torch.tensor([0, -1]), torch.tensor([1, 1])))


def test_edata_is_checked_and_stored(edges: tuple) -> None:
    src, dst, rel, _ = edges
    g = dgl.graph((src, dst))
    g.edata["relation_id"] = rel
    assert torch.equal(g.edata["relation_id"], rel)
    with pytest.raises(dgl.DGLError, match="rows"):
        g.edata["bad"] = rel[:-1]


def test_filter_edges_matches_list_comprehension(edges: tuple) -> None:
    src, dst, rel, _ = edges
    g = dgl.graph((src, dst))
    g.edata["relation_id"] = rel
    for r in range(5):
        got = g.filter_edges(lambda e, r=r: e.data["relation_id"] == r)
        assert got.tolist() == [i for i, value in enumerate(rel.tolist()) if value == r]
    subset = torch.tensor([1, 2, 3, 10])
    got = g.filter_edges(lambda e: e.edges()[0] == e.edges()[1], edges=subset)
    assert got.tolist() == [int(i) for i in subset if src[i] == dst[i]]


def test_adjacency_matrix_puts_sources_on_rows(edges: tuple) -> None:
    src, dst, _, n_nodes = edges
    g = dgl.graph((src, dst), num_nodes=n_nodes)
    reference = _dense(src, dst, n_nodes)
    coo = g.adjacency_matrix(transpose=False, scipy_fmt="coo")
    assert isinstance(coo, sp.coo_matrix) and coo.shape == (n_nodes, n_nodes)
    assert coo.nnz == src.numel()  # duplicates stay separate entries, as in DGL
    np.testing.assert_array_equal(coo.toarray(), reference)
    np.testing.assert_array_equal(g.adjacency_matrix(transpose=True, scipy_fmt="coo").toarray(), reference.T)
    csr = g.adj(transpose=False, scipy_fmt="csr")
    assert isinstance(csr, sp.csr_matrix) and csr.nnz == src.numel()
    np.testing.assert_array_equal(csr.toarray(), reference)
    dense = g.adjacency_matrix(transpose=False).to_dense().numpy()
    np.testing.assert_array_equal(dense, reference)
    with pytest.raises(dgl.DGLError, match="scipy_fmt"):
        g.adjacency_matrix(scipy_fmt="dok")


def test_edge_subgraph_preserving_nodes(edges: tuple) -> None:
    src, dst, rel, n_nodes = edges
    g = dgl.graph((src, dst), num_nodes=n_nodes)
    g.edata["relation_id"] = rel
    chosen = torch.tensor([9, 2, 30, 2])
    sub = dgl.edge_subgraph(g, chosen, preserve_nodes=True)
    assert sub.num_nodes() == n_nodes and sub.num_edges() == 4
    u, v = sub.edges()
    assert torch.equal(u, src[chosen]) and torch.equal(v, dst[chosen])
    assert torch.equal(sub.edata["relation_id"], rel[chosen])
    assert torch.equal(sub.edata[dgl.EID], chosen)
    mask = rel == 1
    np.testing.assert_array_equal(
        dgl.edge_subgraph(g, mask, relabel_nodes=False).adjacency_matrix(scipy_fmt="coo").toarray(),
        _dense(src[mask], dst[mask], n_nodes),
    )


def test_edge_subgraph_relabelling_maps_back_to_parent(edges: tuple) -> None:
    src, dst, _, n_nodes = edges
    g = dgl.graph((src, dst), num_nodes=n_nodes)
    chosen = torch.tensor([5, 6, 7, 40])
    sub = g.edge_subgraph(chosen)  # DGL's default relabel_nodes=True
    parent_ids = sub.ndata[dgl.NID]
    u, v = sub.edges()
    assert sub.num_nodes() == len(set(src[chosen].tolist()) | set(dst[chosen].tolist()))
    assert torch.equal(parent_ids[u], src[chosen]) and torch.equal(parent_ids[v], dst[chosen])


def _kgat_init_graph_like(g: dgl.CompatGraph, n_relations: int) -> np.ndarray:
    """KGAT.init_graph's steps (RecBole 1.2.1), written against the stand-in."""
    adj_list = []
    for rel_type in range(1, n_relations):
        edge_idxs = g.filter_edges(lambda edge: edge.data["relation_id"] == rel_type)
        sub = dgl.edge_subgraph(g, edge_idxs, preserve_nodes=True).adjacency_matrix(
            transpose=False, scipy_fmt="coo"
        ).astype("float")
        rowsum = np.array(sub.sum(1))
        with np.errstate(divide="ignore"):
            d_inv = np.power(rowsum, -1).flatten()
        d_inv[np.isinf(d_inv)] = 0.0
        adj_list.append(sp.diags(d_inv).dot(sub).tocoo())
    return sum(adj_list).toarray()


def test_kgat_normalisation_matches_reference(edges: tuple) -> None:
    src, dst, rel, n_nodes = edges
    g = dgl.graph((src, dst), num_nodes=n_nodes)
    g.edata["relation_id"] = rel
    # Reference: A[h, t] += 1 / outdeg_r(h) for every edge (h, t, r) with r >= 1.
    reference = np.zeros((n_nodes, n_nodes))
    for r in range(1, 5):
        pairs = [(h, t) for h, t, rr in zip(src.tolist(), dst.tolist(), rel.tolist()) if rr == r]
        outdeg = np.bincount([h for h, _ in pairs], minlength=n_nodes)
        for h, t in pairs:
            reference[h, t] += 1.0 / outdeg[h]
    got = _kgat_init_graph_like(g, n_relations=5)
    np.testing.assert_allclose(got, reference)
    rows_with_edges = np.isin(np.arange(n_nodes), src[rel >= 1].numpy())
    np.testing.assert_allclose(got.sum(1)[rows_with_edges] > 0, True)


def test_to_moves_structure_and_features(edges: tuple) -> None:
    src, dst, rel, _ = edges
    g = dgl.graph((src, dst))
    g.edata["relation_id"] = rel
    moved = g.to("cpu")
    assert moved is not g and moved.device == torch.device("cpu")
    assert torch.equal(moved.edata["relation_id"], rel)
