"""The cold-start new-item share: its estimate, the split it reads, and how the EASE backbone uses it."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.model.backbones.ease import EaseBackbone
from recbole_kgllm.model.backbones.ease_cold import calibrated_cold_columns
from recbole_kgllm.model.cold_start import new_item_share
from recbole_kgllm.model.inputs import FeatureView, ModelFeatures, TrainingData
from recbole_kgllm.model.params import KGLLMRecParams
from recbole_kgllm.recbole_integration.dataset_facts import split_train_share


def test_cold_items_beyond_what_sampling_explains_count_as_new() -> None:
    counts = np.array([0] * 10 + [1] * 8 + [5] * 20)
    est = new_item_share(counts, train_share=0.8)
    assert (est.cold, est.singletons) == (10, 8)
    assert est.expected == pytest.approx(2.0)  # 8 singletons * 0.2 / 0.8
    assert est.share == pytest.approx(0.8)


def test_cold_items_that_sampling_explains_are_not_new() -> None:
    counts = np.array([0] * 3 + [1] * 40 + [5] * 20)
    assert new_item_share(counts, train_share=0.8).share == 0.0
    assert new_item_share(np.array([1, 2, 3]), train_share=0.8).share == 1.0  # no cold item
    with pytest.raises(ValueError, match="train_share"):
        new_item_share(counts, train_share=0.0)


def test_sampling_estimate_bounds_simulated_rare_items() -> None:
    """Thinning a long-tailed catalogue at p = 0.8: the bound covers the rare items left out."""
    rng = np.random.default_rng(0)
    totals = rng.zipf(1.6, size=5000).clip(max=500)
    seen = rng.binomial(totals, 0.8)
    est = new_item_share(seen, train_share=0.8)
    assert est.cold > 0 and est.expected >= est.cold and est.share == 0.0
    with_new = np.concatenate([seen, np.zeros(2000, dtype=seen.dtype)])  # 2000 new items
    assert new_item_share(with_new, train_share=0.8).share > 0.6


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"eval_args": {"split": {"RS": [0.8, 0.1, 0.1]}}}, 0.8),
        ({"eval_args": {"split": {"RS": [8, 1, 1]}}}, 0.8),
        ({"eval_args": {"split": {"LS": "valid_and_test"}}}, None),
        ({"eval_args": None}, None),
        (None, None),
    ],
)
def test_train_share_is_read_from_a_ratio_split_only(config: dict | None, expected: float | None) -> None:
    assert split_train_share(config) == (pytest.approx(expected) if expected is not None else None)


def test_cold_columns_are_the_expected_column_under_the_new_share() -> None:
    rng = np.random.default_rng(0)
    b = rng.random((5, 5)).astype(np.float32)
    b[:, 3] = 0.01
    prior = rng.random((5, 5))
    np.fill_diagonal(prior, 0.0)
    cold = np.array([False, False, False, True, False])
    full = calibrated_cold_columns(b, prior, cold=cold)
    half = calibrated_cold_columns(b, prior, cold=cold, new_share=0.5)
    assert np.allclose(half[:, 3], 0.5 * b[:, 3] * (np.arange(5) != 3) + 0.5 * full[:, 3], atol=1e-6)
    assert np.array_equal(half[:, ~cold], full[:, ~cold])
    assert calibrated_cold_columns(b, prior, cold=cold, new_share=0.0) is b


def _data(train_share: float | None) -> TrainingData:
    rng = np.random.default_rng(3)
    dense = (rng.random((40, 12)) < 0.5).astype(np.float32)
    dense[:, 0] = 0.0  # padding
    dense[:, 10:] = 0.0  # two cold items
    dense[:, 9] = 0.0
    dense[0, 9] = 1.0  # one item seen once
    return TrainingData(interactions=sp.csr_matrix(dense), train_share=train_share)


def _text_view() -> ModelFeatures:
    values = torch.randn(12, 6, generator=torch.Generator().manual_seed(0))
    mask = torch.ones(12, dtype=torch.bool)
    mask[0] = False
    return ModelFeatures(items={"text": FeatureView(values=values, mask=mask)})


def _ease(train_share: float | None, *, cold_start: str = "content_head", **options: object) -> EaseBackbone:
    params = KGLLMRecParams(
        backbone_kwargs={"prior_weights": {"text": 0.5}, "prior_topk": 0, "search": False, **options},
        cold_start=cold_start, use_kg=False  # type: ignore[arg-type]
    )
    return EaseBackbone(params=params, data=_data(train_share), features=_text_view())


def test_ease_auto_share_follows_the_split_and_the_counts() -> None:
    backbone = _ease(0.8)
    assert backbone.new_share_used == pytest.approx(1 - (0.25 + 2 * 0.5) / 2)  # 2 cold, 1 singleton: bound 0.25 + 2 sd
    assert _ease(None).new_share_used == 1.0
    fixed = _ease(0.8, cold_new_share=0.0)
    uncalibrated = _ease(0.8, cold_start="none")
    assert uncalibrated.new_share_used is None
    assert torch.equal(fixed.item_similarity, uncalibrated.item_similarity)
    assert not torch.allclose(backbone.item_similarity[:, 10:], uncalibrated.item_similarity[:, 10:])


@pytest.mark.parametrize("value", ["sometimes", 1.5, -0.1, True, None])
def test_ease_rejects_a_bad_new_share(value: object) -> None:
    with pytest.raises(ConfigError, match="cold_new_share"):
        _ease(None, cold_new_share=value)
