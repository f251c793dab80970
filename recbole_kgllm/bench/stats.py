"""Mean, standard deviation and paired per-seed comparisons.

The seed draws the split, so two models are compared seed by seed: the per-seed differences
``ours - baseline``, their mean and sample standard deviation, and a two-sided paired t-test
(``scipy.stats.ttest_rel``), which tests whether the mean difference is zero.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def mean_std(values: Sequence[float]) -> tuple[float, float | None]:
    """``(mean, sample standard deviation)``; the deviation is ``None`` for fewer than 2 values.

    Raises:
        ValueError: ``values`` is empty.
    """
    if not values:
        raise ValueError("mean of no values")
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, None
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))


@dataclass(frozen=True)
class PairedStats:
    """A paired comparison over seeds.

    Attributes:
        diffs: per-seed ``ours - baseline``.
        mean: mean difference.
        std: sample standard deviation of the differences (``None`` for one seed).
        t: paired t statistic (``None`` for one seed or constant differences).
        p: two-sided p-value (``None`` when ``t`` is).
    """

    diffs: tuple[float, ...]
    mean: float
    std: float | None
    t: float | None
    p: float | None

    @property
    def n(self) -> int:
        return len(self.diffs)


def paired_stats(ours: Sequence[float], baseline: Sequence[float]) -> PairedStats:
    """Compare two metric series aligned by seed (same length, same seed order).

    Raises:
        ValueError: the series differ in length or are empty.
    """
    if len(ours) != len(baseline) or not ours:
        raise ValueError("paired series must be non-empty and aligned by seed")
    diffs = tuple(float(a) - float(b) for a, b in zip(ours, baseline))
    mean, std = mean_std(diffs)
    if std is None or std <= 1e-12 * max(1.0, abs(mean)):  # constant differences: no test
        return PairedStats(diffs, mean, std, None, None)
    from scipy.stats import ttest_rel

    result = ttest_rel(list(map(float, ours)), list(map(float, baseline)))
    return PairedStats(diffs, mean, std, float(result.statistic), float(result.pvalue))


__all__ = ["PairedStats", "mean_std", "paired_stats"]
