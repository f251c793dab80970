"""Mean, standard deviation and the paired t-test against hand-computed values."""
from __future__ import annotations

import math

import pytest

from recbole_kgllm.bench.stats import mean_std, paired_stats


def test_mean_and_sample_std() -> None:
    mean, std = mean_std([1.0, 2.0, 3.0, 6.0])
    assert mean == pytest.approx(3.0)
    assert std == pytest.approx(math.sqrt((4 + 1 + 0 + 9) / 3))
    assert mean_std([0.5]) == (0.5, None)
    with pytest.raises(ValueError):
        mean_std([])


def test_paired_t_test_matches_hand_computation() -> None:
    # diffs 0.2, 0.3, 0.1: mean 0.2, sd 0.1, t = 0.2 / (0.1 / sqrt 3) = 2 sqrt 3.
    # Student t with 2 degrees of freedom: F(t) = 1/2 + t / (2 sqrt(2 + t^2)), so
    # p = 2 (1 - F(t)) = 1 - t / sqrt(2 + t^2) = 1 - sqrt(12 / 14).
    stat = paired_stats([0.3, 0.5, 0.4], [0.1, 0.2, 0.3])
    assert stat.diffs == pytest.approx((0.2, 0.3, 0.1))
    assert stat.n == 3 and stat.mean == pytest.approx(0.2) and stat.std == pytest.approx(0.1)
    assert stat.t == pytest.approx(2 * math.sqrt(3))
    assert stat.p == pytest.approx(1 - math.sqrt(12 / 14))


def test_sign_follows_ours_minus_baseline() -> None:
    stat = paired_stats([0.1, 0.2, 0.3], [0.3, 0.5, 0.4])
    assert stat.mean == pytest.approx(-0.2) and stat.t == pytest.approx(-2 * math.sqrt(3))


def test_no_test_for_one_seed_or_constant_differences() -> None:
    one = paired_stats([0.4], [0.1])
    assert one.mean == pytest.approx(0.3) and one.std is None and one.t is None and one.p is None
    constant = paired_stats([0.3, 0.4, 0.5], [0.2, 0.3, 0.4])
    assert constant.t is None and constant.p is None and constant.std == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError):
        paired_stats([0.1, 0.2], [0.1])
