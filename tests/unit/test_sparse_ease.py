"""The sparse EASE path against the dense closed form (no dataset loading)."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.model.backbones.ease_cold import calibrated_cold_columns
from recbole_kgllm.model.backbones.ease_priors import embedding_similarity
from recbole_kgllm.model.backbones.ease_solve import ease_solve
from recbole_kgllm.model.backbones.ease_sparse import SolverOptions
from recbole_kgllm.model.sparse_ease.cold import sparse_cold_columns
from recbole_kgllm.model.sparse_ease.gram import topk_gram, topk_per_row
from recbole_kgllm.model.sparse_ease.similarity import topk_content_similarity
from recbole_kgllm.model.sparse_ease.solver import sparse_ease


def _interactions(users: int = 200, items: int = 40, density: float = 0.3, seed: int = 0) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    return sp.csr_matrix((rng.random((users, items)) < density).astype(np.float32))


def test_full_neighbourhoods_equal_the_dense_closed_form_with_a_prior() -> None:
    x = _interactions()
    values, mask = torch.randn(40, 8), torch.ones(40, dtype=torch.bool)
    mask[3] = False
    dense_prior = embedding_similarity(values, mask, center=True, topk=0)
    sparse_prior = topk_content_similarity(values, mask, center=True, topk=39)
    np.testing.assert_allclose(sparse_prior.toarray(), dense_prior, atol=1e-5)
    gram = (x.T @ x).toarray() + 2.0 * dense_prior
    assert (gram - np.diag(np.diag(gram)) != 0).sum() == 40 * 39  # every pair is a neighbour
    dense = ease_solve(gram, 7.0)
    b = sparse_ease(x, [(2.0, sparse_prior)], reg_weight=7.0, neighbours=39, gram_topk=0).toarray()
    np.testing.assert_allclose(b, dense, atol=2e-4)


def test_truncated_neighbourhoods_keep_k_entries_per_column_and_stay_close() -> None:
    rng = np.random.default_rng(1)
    cluster = np.arange(60) % 3
    taste = rng.integers(0, 3, size=400)
    p = np.where(cluster[None, :] == taste[:, None], 0.35, 0.03)
    x = sp.csr_matrix((rng.random((400, 60)) < p).astype(np.float32))
    dense = ease_solve((x.T @ x).toarray(), 10.0)
    b = sparse_ease(x, [], reg_weight=10.0, neighbours=20, gram_topk=30).tocsc()
    assert np.diff(b.indptr).max() <= 20
    assert np.all(b.diagonal() == 0)
    err = np.abs(b.toarray() - dense).sum() / np.abs(dense).sum()
    assert err < 0.5  # most of EASE's weight sits on the 20 strongest neighbours (the item's cluster)


def test_topk_similarity_matches_dense_topk_and_inverted_file_is_close() -> None:
    torch.manual_seed(0)
    centres = torch.randn(6, 16)
    values = centres[torch.randint(0, 6, (300,))] + 0.3 * torch.randn(300, 16)
    mask = torch.ones(300, dtype=torch.bool)
    dense = embedding_similarity(values, mask, center=True, topk=10).toarray()
    exact = topk_content_similarity(values, mask, center=True, topk=10).toarray()
    np.testing.assert_allclose(exact, dense, atol=1e-5)
    approx = topk_content_similarity(values, mask, center=True, topk=10, exact_limit=10, n_probe=4).toarray()
    assert np.allclose(approx, approx.T)
    recall = ((approx != 0) & (dense != 0)).sum() / (dense != 0).sum()
    assert recall > 0.8


def test_topk_gram_keeps_the_largest_off_diagonal_entries() -> None:
    x = _interactions(items=30)
    chosen, diag = topk_gram(x, [], topk=5, budget=50)  # small budget: many column blocks
    full = (x.T @ x).toarray()
    np.testing.assert_allclose(diag, np.diag(full))
    assert np.diff(chosen.indptr).max() <= 5  # values only (no reg_weight)
    off = full - np.diag(np.diag(full))
    for j in range(30):
        row = chosen.getrow(j)
        assert row.data.min() >= np.sort(off[j])[-5] - 1e-6
    m = sp.csr_matrix(np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]]))
    assert topk_per_row(m, 1).toarray().tolist() == [[3.0, 0.0, 0.0], [0.0, 5.0, 0.0]]


def test_sparse_cold_columns_equal_the_dense_calibration() -> None:
    rng = np.random.default_rng(2)
    b = rng.random((12, 12)).astype(np.float32)
    np.fill_diagonal(b, 0)
    prior = rng.random((12, 12)).astype(np.float32)
    prior = (prior + prior.T) / 2
    np.fill_diagonal(prior, 0)
    cold = np.zeros(12, dtype=bool)
    cold[[2, 7]] = True
    dense = calibrated_cold_columns(b, prior, cold=cold, factor=0.8, new_share=0.6)
    sparse = sparse_cold_columns(sp.csr_matrix(b), sp.csr_matrix(prior), cold=cold, factor=0.8, new_share=0.6)
    np.testing.assert_allclose(sparse.toarray(), dense, rtol=1e-5, atol=1e-6)


def test_solver_options() -> None:
    options = {"solver": "auto", "sparse_min_items": 100, "other": 1}
    solver = SolverOptions.pop_from(options)
    assert options == {"other": 1}
    assert solver.sparse_for(100) and not solver.sparse_for(99)
    assert SolverOptions(solver="sparse").sparse_for(5) and not SolverOptions(solver="dense").sparse_for(10**7)
    with pytest.raises(ConfigError, match="solver"):
        SolverOptions.pop_from({"solver": "fast"})
    with pytest.raises(ConfigError, match="sparse_neighbours"):
        SolverOptions.pop_from({"sparse_neighbours": 0})


def test_the_sparse_solver_keeps_the_backbone_contract_and_round_trips_its_state() -> None:
    from recbole_kgllm.model.backbones.ease import EaseBackbone
    from recbole_kgllm.testing.backbone_contract import check_backbone_contract

    check_backbone_contract(EaseBackbone, backbone_kwargs={"solver": "sparse", "sparse_neighbours": 10, "sparse_gram_topk": 20})
    from recbole_kgllm.model.params import KGLLMRecParams
    from recbole_kgllm.testing import backbone_contract as contract

    params = KGLLMRecParams(backbone="ease", embedding_size=8, backbone_kwargs={"solver": "sparse", "sparse_neighbours": 10})
    needs = EaseBackbone.feature_needs(params)
    fitted = contract._build(EaseBackbone, params, contract._features(needs, seed=0))
    assert fitted.sparse is not None and not hasattr(fitted, "item_similarity")
    state = fitted.state_dict()
    assert {"sparse.b_indptr", "sparse.b_indices", "sparse.b_values"} <= set(state)
    other = contract._build(EaseBackbone, params, contract._features(needs, seed=7))
    users = torch.tensor([1, 2, 3])
    assert not torch.allclose(other.full_scores(users), fitted.full_scores(users))
    other.load_state_dict(state)  # a checkpoint restores B (same shapes: same split)
    torch.testing.assert_close(other.full_scores(users), fitted.full_scores(users))


def test_the_sparse_solver_asks_only_for_the_views_its_fixed_weights_use() -> None:
    from recbole_kgllm.model.backbones.ease import EaseBackbone
    from recbole_kgllm.model.params import KGLLMRecParams

    needs = EaseBackbone.feature_needs(KGLLMRecParams(backbone="ease", backbone_kwargs={"solver": "sparse"}))
    assert needs.items == frozenset({"text"}) and not needs.item_entities  # the KG prior is 0 by default there
    with_kg = {"solver": "sparse", "prior_weights": {"kg": 0.1}}
    assert EaseBackbone.feature_needs(KGLLMRecParams(backbone="ease", backbone_kwargs=with_kg)).items == frozenset({"text", "kg"})
    dense = EaseBackbone.feature_needs(KGLLMRecParams(backbone="ease", backbone_kwargs={"solver": "dense"}))
    assert dense.items == frozenset({"text", "kg"}) and dense.item_entities  # searched: every view
