"""Model building blocks on small tensors: views, backbones, cold-start head, fused embedding."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from recbole_kgllm.fusion.sum import SumFusion
from recbole_kgllm.model.backbones.ease_priors import embedding_similarity
from recbole_kgllm.model.backbones.ease_solve import ease_solve
from recbole_kgllm.model.backbones.lightgcn import normalized_adjacency
from recbole_kgllm.model.cold_start import ContentHead
from recbole_kgllm.model.fused_embedding import FusedEmbedding
from recbole_kgllm.model.modality_views import ModalityViews


def _interactions(seed: int = 0) -> sp.coo_matrix:
    rng = np.random.default_rng(seed)
    dense = (rng.random((6, 5)) < 0.4).astype(np.float32)
    dense[:, 4] = 0.0  # an item nobody interacted with
    return sp.coo_matrix(dense)


def test_normalized_adjacency_matches_dense_reference() -> None:
    r = _interactions().toarray()
    a = np.block([[np.zeros((6, 6)), r], [r.T, np.zeros((5, 5))]])
    d = a.sum(1)
    inv = np.where(d > 0, 1 / np.sqrt(np.where(d > 0, d, 1)), 0)
    expected = inv[:, None] * a * inv[None, :]
    assert np.allclose(normalized_adjacency(_interactions()).to_dense().numpy(), expected, atol=1e-6)


def test_ease_closed_form_matches_its_definition() -> None:
    x = _interactions().toarray().astype(np.float64)
    lam = 2.0
    b = ease_solve(x.T @ x, lam)
    p = np.linalg.inv(x.T @ x + lam * np.eye(5))
    expected = np.eye(5) - p / np.diag(p)[None, :]
    np.fill_diagonal(expected, 0.0)
    assert np.allclose(b, expected, atol=1e-5)
    assert np.allclose(np.diag(b), 0.0)


def test_content_similarity_masks_centres_and_keeps_topk_symmetric() -> None:
    torch.manual_seed(0)
    values = torch.randn(6, 4) + 5.0  # a large common direction
    mask = torch.tensor([True, True, True, True, True, False])
    sim = embedding_similarity(values, mask, center=True, topk=2)
    assert sp.issparse(sim)
    dense = sim.toarray()
    assert np.allclose(dense, dense.T)
    assert (dense[5] == 0).all() and (np.diag(dense) == 0).all() and (dense >= 0).all()
    assert (dense[:5] != 0).any() and ((dense != 0).sum(1) <= 4).all()
    raw = embedding_similarity(values, mask, center=False, topk=0)
    assert isinstance(raw, np.ndarray)
    assert raw[:5, :5].sum() > np.abs(embedding_similarity(values, mask, center=True, topk=0)[:5, :5]).sum()


def _views(id_dropout: float = 0.0) -> ModalityViews:
    text = (torch.randn(5, 3), torch.tensor([False, True, True, False, True]))
    return ModalityViews(n=5, dim=4, features={"text": text}, id_dropout=id_dropout)


def test_views_give_projected_features_and_masks() -> None:
    views = _views()
    out, masks = views(torch.tensor([1, 3]))
    assert out["id"].shape == out["text"].shape == (2, 4)
    assert masks["text"].tolist() == [True, False] and masks["id"].all()
    assert views.coverage() == {"id": 4, "text": 3}  # row 0 is padding
    assert not any(b.requires_grad for b in views.buffers())


def test_id_dropout_only_drops_rows_that_have_content() -> None:
    views = _views(id_dropout=0.99).train()
    torch.manual_seed(0)
    _, masks = views()
    assert masks["id"][~masks["text"]].all()
    assert not masks["id"][masks["text"]].any()
    views.eval()
    assert views()[1]["id"].all()


def test_content_head_loss_ignores_rows_without_content_and_detaches_target() -> None:
    head = ContentHead(dim=4)
    content, target = torch.randn(3, 4), torch.randn(3, 4, requires_grad=True)
    has = torch.tensor([True, False, True])
    loss = head.loss(content, target, has)
    loss.backward()
    assert target.grad is None
    changed = content.clone()
    changed[1] += 100.0
    assert torch.equal(head.loss(changed, target, has), loss.detach())
    assert head.loss(content, target, torch.zeros(3, dtype=torch.bool)) == 0


def test_fused_embedding_weight_and_lookup_agree() -> None:
    views = _views()
    embedding = FusedEmbedding(views=views, fusion=SumFusion(dim=4, modalities=views.names))
    index = torch.tensor([[0, 2], [4, 1]])
    assert embedding(index).shape == (2, 2, 4)
    assert torch.allclose(embedding(index)[1, 0], embedding.weight[4])
    assert embedding.embedding_dim == 4


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_views_follow_the_module_device() -> None:
    views = _views().cuda()
    out, masks = views(torch.tensor([1, 2], device="cuda"))
    assert out["text"].is_cuda and masks["text"].is_cuda


def test_rng_preserved_leaves_every_random_stream_untouched() -> None:
    import random

    from recbole_kgllm.features.stage import rng_preserved

    torch.manual_seed(1), np.random.seed(1), random.seed(1)
    expected = (torch.rand(2), np.random.rand(2), random.random())
    torch.manual_seed(1), np.random.seed(1), random.seed(1)
    with rng_preserved():
        torch.rand(5), np.random.rand(5), random.random()
    got = (torch.rand(2), np.random.rand(2), random.random())
    assert torch.equal(got[0], expected[0]) and np.array_equal(got[1], expected[1]) and got[2] == expected[2]


def test_cold_columns_take_scaled_content_similarity() -> None:
    from recbole_kgllm.model.backbones.ease_cold import calibrated_cold_columns

    rng = np.random.default_rng(0)
    b = rng.random((5, 5)).astype(np.float32) * 4
    b[:, 3] = 0.001  # cold item: tiny column
    prior = rng.random((5, 5))
    prior = (prior + prior.T) / 2
    np.fill_diagonal(prior, 0.0)
    cold = np.array([False, False, False, True, False])
    out = calibrated_cold_columns(b, prior, cold=cold)
    warm_scale = np.median(np.abs(b[:, ~cold]).sum(0) / np.abs(prior[:, ~cold]).sum(0))
    assert np.allclose(out[:, 3], warm_scale * prior[:, 3], atol=1e-5)
    assert np.array_equal(out[:, ~cold], b[:, ~cold] * (1 - np.eye(5)[:, ~cold]))
    assert calibrated_cold_columns(b, prior, cold=np.zeros(5, dtype=bool)) is b


def test_ease_scores_are_the_training_rows_times_b() -> None:
    from recbole_kgllm.model.backbones.ease import EaseBackbone
    from recbole_kgllm.model.inputs import ModelFeatures, TrainingData
    from recbole_kgllm.model.params import KGLLMRecParams

    x = sp.random(30, 12, density=0.3, format="csr", dtype=np.float32, random_state=1)
    x.data[:] = 1.0
    params = KGLLMRecParams(backbone_kwargs={"search": False})
    backbone = EaseBackbone(params=params, data=TrainingData(interactions=x), features=ModelFeatures())
    users = torch.tensor([0, 5, 7, 29])
    expected = torch.from_numpy(x[users.numpy()].toarray()) @ backbone.item_similarity
    assert backbone.item_similarity.abs().sum() > 0
    assert torch.allclose(backbone.full_scores(users), expected, atol=1e-6)
    items = torch.tensor([1, 2, 3, 11])
    assert torch.allclose(backbone.pair_scores(users, items), expected[torch.arange(4), items], atol=1e-6)


def test_each_backbone_declares_the_views_it_reads() -> None:
    from recbole_kgllm.model.backbones.ease import EaseBackbone
    from recbole_kgllm.model.backbones.lightgcn import LightGCNBackbone
    from recbole_kgllm.model.params import KGLLMRecParams

    default = EaseBackbone.feature_needs(KGLLMRecParams())  # every weight is searched
    assert default.items == {"kg", "text"} and default.item_entities
    only_kg = KGLLMRecParams(backbone_kwargs={"prior_weights": {"text": 0, "entities": 0}})
    assert EaseBackbone.feature_needs(only_kg).items == {"kg"} and not EaseBackbone.feature_needs(only_kg).item_entities
    assert EaseBackbone.feature_needs(KGLLMRecParams(use_text=False, use_kg=False)).empty
    fused = LightGCNBackbone.feature_needs(KGLLMRecParams(backbone="lightgcn", use_user_text=True, kg_loss_weight=0.1))
    assert fused.items == {"kg", "text"} and fused.users == {"text"} and fused.item_kg
    assert LightGCNBackbone.feature_needs(KGLLMRecParams(backbone="lightgcn", use_kg=False)).items == {"text"}
