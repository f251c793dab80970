"""The EASE backbone's weight search: inner split, solve, reach rule, content groups, chosen weights."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from recbole_kgllm.model.backbones.ease import CHOICE_KEYS, EaseBackbone
from recbole_kgllm.model.backbones.ease_cold import content_groups, new_item_shares
from recbole_kgllm.model.backbones.ease_inner import InnerScore, inner_split
from recbole_kgllm.model.backbones.ease_search import Weights, reach_rule
from recbole_kgllm.model.backbones.ease_solve import IndefiniteGramError, ease_solve, gram_matrix
from recbole_kgllm.model.params import KGLLMRecParams
from recbole_kgllm.testing.backbone_inputs import make_features, make_training_data

FIXED = {"reg_weight": 50.0, "user_weight": 0.0, "diag_weight": 0.0, "cold_scale": 1.0}


def test_cholesky_solve_equals_the_inverse_and_rejects_an_indefinite_gram() -> None:
    rng = np.random.default_rng(0)
    x = (rng.random((40, 8)) < 0.4).astype(float)
    g = x.T @ x
    p = np.linalg.inv(g + 3.0 * np.eye(8))
    expected = np.eye(8) - p / np.diag(p)[None, :]
    np.fill_diagonal(expected, 0.0)
    assert np.allclose(ease_solve(g, 3.0), expected, atol=1e-8)
    per_item = np.arange(1, 9, dtype=float)  # one lambda per item (diag_weight)
    p = np.linalg.inv(g + np.diag(per_item))
    expected = np.eye(8) - p / np.diag(p)[None, :]
    np.fill_diagonal(expected, 0.0)
    assert np.allclose(ease_solve(g, per_item), expected, atol=1e-8)
    with pytest.raises(IndefiniteGramError):
        ease_solve(-np.eye(8) * 10, 1.0)


def test_user_weighting_keeps_the_mean_diagonal() -> None:
    x = sp.csr_matrix(make_training_data(n_users=50, n_items=12, density=0.4).interactions)
    plain, weighted = gram_matrix(x), gram_matrix(x, user_weight=0.5)
    assert np.isclose(np.trace(plain), np.trace(weighted)) and not np.allclose(plain, weighted)


def test_inner_split_partitions_the_training_data_and_holds_items_out_entirely() -> None:
    x = make_training_data(n_users=60, n_items=20, density=0.3).interactions
    split = inner_split(x, share=0.2, seed=1, held_items=np.array([3, 7]))
    assert (split.train + split.valid != x).nnz == 0 and split.train.multiply(split.valid).nnz == 0
    assert split.train[:, [3, 7]].nnz == 0 and split.valid[:, [3, 7]].nnz == x[:, [3, 7]].nnz
    rows = np.diff(x.indptr)
    assert (np.diff(split.train.indptr)[rows >= 2] >= 1).all()  # every user keeps a training interaction
    again = inner_split(x, share=0.2, seed=1, held_items=np.array([3, 7]))
    assert (again.valid != split.valid).nnz == 0  # seeded


def test_reach_rule_takes_the_best_accuracy_that_reaches_cold_items() -> None:
    w = Weights()
    plain = (w.with_value("cold_scale", 0.0), InnerScore(0.30, 0.4, cold_recall=0.0, warm_recall=0.4))
    mild = (w.with_value("cold_scale", 0.5), InnerScore(0.29, 0.4, cold_recall=0.1, warm_recall=0.38))
    reach = (w.with_value("cold_scale", 1.0), InnerScore(0.27, 0.4, cold_recall=0.2, warm_recall=0.35))
    strong = (w.with_value("cold_scale", 2.0), InnerScore(0.20, 0.3, cold_recall=0.3, warm_recall=0.25))
    assert reach_rule([plain, mild, reach, strong], 0.5)[0].cold_scale == 1.0
    assert reach_rule([plain, mild, reach, strong], 0.0)[0].cold_scale == 0.0  # pure accuracy
    assert reach_rule([plain, mild], 0.5)[0].cold_scale == 0.0  # none reaches it: accuracy decides
    ruinous = (w.with_value("cold_scale", 3.0), InnerScore(0.10, 0.2, cold_recall=0.2, warm_recall=0.1))
    assert reach_rule([plain, mild, ruinous], 0.5)[0].cold_scale == 0.0  # reach bought with 2/3 of the accuracy: no


def test_reach_rule_prices_the_promotion_of_cold_items_that_may_never_be_wanted() -> None:
    w = Weights()
    plain = (w.with_value("cold_scale", 0.0), InnerScore(0.30, 0.4, cold_recall=0.0, warm_recall=0.4, if_not_new_ndcg=0.30))
    cheap = (w.with_value("cold_scale", 0.5), InnerScore(0.29, 0.4, cold_recall=0.2, warm_recall=0.38, if_not_new_ndcg=0.28))
    costly = (w.with_value("cold_scale", 1.0), InnerScore(0.33, 0.4, cold_recall=0.3, warm_recall=0.35, if_not_new_ndcg=0.20))
    # the costly scale wins on the simulated new items, but would cost a third of the warm accuracy
    # if the catalogue's cold items were never wanted: the cheap one is taken
    assert reach_rule([plain, cheap, costly], 0.5)[0].cold_scale == 0.5
    assert reach_rule([plain, costly], 0.5)[0].cold_scale == 0.0  # nothing safe reaches: no promotion
    assert reach_rule([plain, cheap, costly], 0.5, max_loss=0.5)[0].cold_scale == 1.0


def test_an_excess_of_cold_items_within_the_noise_is_not_new() -> None:
    from recbole_kgllm.model.backbones.ease_cold import significant_share

    noise = np.array([0] * 39 + [1] * 114 + [5] * 1400)  # a random split: 39 cold against a bound of 28.5
    assert significant_share(noise, 0.8) == 0.0
    new = np.array([0] * 190 + [1] * 120 + [5] * 1400)  # a cold-start split: 160 beyond the bound
    assert 0.7 < significant_share(new, 0.8) < 1 - 30 / 190


def test_a_content_group_without_warm_items_is_not_new() -> None:
    counts = np.array([0, 5, 3, 0, 0, 0, 7, 1])
    masks = {"text": np.ones(8, bool), "kg": np.array([0, 1, 1, 1, 0, 0, 1, 1], bool)}
    masks["text"][0] = False
    groups, labels = content_groups(masks, 8)
    shares, report = new_item_shares(counts, groups, labels, train_share=None)
    by_views = {g.views: g for g in report}
    assert by_views[("text",)].warm == 0 and shares[[4, 5]].tolist() == [0.0, 0.0]
    assert shares[3] == 1.0 and shares[0] == 0.0  # padding has no view


def _backbone(views: tuple[str, ...] = ("text",), **kwargs: object) -> EaseBackbone:
    torch.manual_seed(0)
    data = make_training_data(n_users=80, n_items=30, density=0.15, cold_items=(27, 28, 29))
    params = KGLLMRecParams(embedding_size=8, **kwargs)  # type: ignore[arg-type]
    return EaseBackbone(params=params, data=data, features=make_features(30, views=views, dim=8, missing=(3,)))


def test_fixed_weights_are_not_searched_and_the_choice_is_a_persistent_buffer() -> None:
    backbone = _backbone(backbone_kwargs={**FIXED, "prior_weights": {"text": 0.5, "content": 0.0}})
    assert backbone.search_record is None  # nothing left to search
    chosen = dict(zip(CHOICE_KEYS, backbone.chosen_weights.tolist()))
    assert chosen["reg_weight"] == 50.0 and chosen["prior:text"] == 0.5 and np.isnan(chosen["prior:kg"])
    assert "chosen_weights" in backbone.state_dict()


def test_the_search_logs_every_candidate_and_starts_from_zero_knowledge() -> None:
    backbone = _backbone()
    record = backbone.search_record
    assert record is not None and record.solves >= 3 and len(record.candidates) >= 3
    assert record.candidates[0][0].startswith("start") and "text 0" in record.candidates[0][0]


def test_a_fusion_plugin_changes_the_default_models_scores(test_plugin: object) -> None:
    fixed = {**FIXED, "prior_weights": {"text": 0.0, "kg": 0.0, "content": 1.0}}
    users = torch.tensor([1, 2, 3, 4])
    views = ("kg", "text")
    summed = _backbone(views, backbone_kwargs=fixed).full_scores(users)
    plugin = _backbone(views, backbone_kwargs=fixed, fusion="test_max").full_scores(users)
    assert torch.isfinite(plugin).all() and not torch.allclose(summed, plugin)
    film = _backbone(views, backbone_kwargs=fixed, fusion="film", distiller="contrastive").full_scores(users)
    assert not torch.allclose(summed, film)
    off = {**fixed, "prior_weights": {"text": 0.0, "kg": 0.0, "content": 0.0}}
    assert torch.allclose(  # with the content prior off (and no cold item promoted) the fusion cannot matter
        _backbone(views, backbone_kwargs={**off, "cold_scale": 0.0}).full_scores(users),
        _backbone(views, backbone_kwargs={**off, "cold_scale": 0.0}, fusion="test_max").full_scores(users),
    )


def test_candidates_are_scored_from_the_inverse_exactly_as_from_b() -> None:
    from recbole_kgllm.model.backbones.ease_inner import InnerScorer
    from recbole_kgllm.model.backbones.ease_solve import inverse_lower

    rng = np.random.default_rng(0)
    x = sp.csr_matrix((rng.random((300, 80)) < 0.1).astype(np.float32))
    scorer = InnerScorer(inner_split(x, share=0.2, seed=0))
    g = gram_matrix(scorer.split.train)
    full = scorer.scores(ease_solve(g, 5.0))
    fast = scorer.inverse_scores(inverse_lower(g, 5.0, dtype=np.float32))
    assert torch.allclose(full.masked_fill(scorer.seen, 0), fast.masked_fill(scorer.seen, 0), atol=1e-5)
    assert scorer.rank(full) == scorer.rank(fast)


def test_user_text_enters_as_feature_columns_with_a_searched_weight() -> None:
    from recbole_kgllm.model.inputs import ModelFeatures
    from recbole_kgllm.testing.backbone_inputs import make_view

    torch.manual_seed(0)
    data = make_training_data(n_users=120, n_items=30, density=0.15)
    items = make_features(30, views=("text",), dim=8, missing=(3,)).items
    features = ModelFeatures(items=items, users={"text": make_view(120, 12, seed=5)})
    params = KGLLMRecParams(embedding_size=8, use_kg=False, use_user_text=True)
    assert EaseBackbone.feature_needs(params).users == {"text"}
    searched = EaseBackbone(params=params, data=data, features=features)
    assert any(label.startswith("prior:user_text=") for label, _ in searched.search_record.candidates)
    fixed = {**FIXED, "prior_weights": {"user_text": 1.0, "text": 0.0, "content": 0.0}}
    on = EaseBackbone(params=KGLLMRecParams(embedding_size=8, use_kg=False, use_user_text=True, backbone_kwargs=fixed),
                      data=data, features=features)
    off = EaseBackbone(params=KGLLMRecParams(embedding_size=8, use_kg=False, use_user_text=True,
                                             backbone_kwargs={**fixed, "prior_weights": {"user_text": 0.0, "text": 0.0, "content": 0.0}}),
                       data=data, features=features)
    users = torch.tensor([1, 2, 3])
    x = torch.from_numpy(data.interactions[users.numpy()].toarray())
    expected = x @ on.item_similarity + on.user_features[users] @ on.user_feature_similarity
    assert torch.allclose(on.full_scores(users), expected, atol=1e-5)
    assert off.user_features is None and not torch.allclose(on.full_scores(users), off.full_scores(users))
    assert "user_features" in on.state_dict() and dict(zip(CHOICE_KEYS, on.chosen_weights.tolist()))["prior:user_text"] == 1.0
