"""Choosing the EASE backbone's weights on the user's own training data (inner validation).

Every weight that the config leaves unset is chosen by scoring candidates on an inner split of
the training interactions (:mod:`ease_inner`), coordinate by coordinate, cheapest first:

1. ``reg_weight`` lambda: a line search in factors of 2 from 250 (RecBole's default), then of
   ``sqrt 2`` around the best (a Cholesky solve per candidate, see :func:`ease_solve`);
2. ``user_weight`` ``a`` and ``diag_weight`` ``kappa`` (the regularisation refinements of
   :mod:`ease_solve`), 0 included;
3. each content prior's weight ``w`` (``G + w lambda S``), in the order given, 0 included: a view
   that does not help the inner validation keeps 0, so knowledge that does not pay is switched off;
4. lambda once more around its value (priors shift the best regularisation);
5. the cold-start scale and the prior its columns come from (only when the training data
   suggests new items, :mod:`ease_cold`), on items the inner split held out entirely; scale 0 (no
   calibration) is a candidate. The choice follows :func:`reach_rule`: only scales whose cost to
   the warm targets, if the real cold items are never interacted with, stays within
   ``cold_max_loss`` (3%) are eligible; among them the best NDCG@10 of those whose cold
   Recall@20 on the held-out items is at least ``cold_reach`` (0.5) times their warm Recall@20
   and whose NDCG@10 is at most ``cold_max_loss`` below no calibration's, else the best NDCG@10.
   ``cold_reach: 0`` is pure accuracy.

Each candidate's inner NDCG@10 and Recall@20 is logged. The inner training part has fewer
interactions than the full one, so lambda is rescaled by the ratio of interactions
(:attr:`InnerSplit.nnz_ratio`) when the model is refitted on all training interactions; prior
weights are relative to lambda and carry over unchanged.
"""
from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp
import torch

from recbole_kgllm.model.backbones.ease_cold import calibrated_cold_columns, cold_scale_base
from recbole_kgllm.model.backbones.ease_inner import InnerScore, InnerScorer, InnerSplit, paired_gain, pooled
from recbole_kgllm.model.backbones.ease_priors import add_prior
from recbole_kgllm.model.backbones.ease_solve import (
    IndefiniteGramError,
    ease_solve,
    gram_matrix,
    inverse_lower,
    item_reg_weights,
    row_weights,
)
from recbole_kgllm.model.backbones.ease_users import USER_VIEW, UserSide, augmented_gram

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Weights:
    """Every weight of the EASE backbone (lambda in the units of the data it is applied to).

    Attributes:
        reg_weight: lambda; user_weight: ``a``; diag_weight: ``kappa``;
        priors: view -> ``w`` (relative to lambda);
        cold_scale: the cold columns' scale (0: no calibration); cold_source: the prior
            (a view name, or ``"weighted"``: the priors as weighted) cold columns come from.
    """

    reg_weight: float = 250.0
    user_weight: float = 0.0
    diag_weight: float = 0.0
    priors: Mapping[str, float] = field(default_factory=dict)
    cold_scale: float = 1.0
    cold_source: str = "weighted"

    def with_value(self, key: str, value: float) -> Weights:
        """A copy with ``key`` (``reg_weight``... or ``prior:<view>``) set to ``value``."""
        if key.startswith("prior:"):
            return replace(self, priors={**self.priors, key[len("prior:"):]: float(value)})
        return replace(self, **{key: value})

    def value(self, key: str) -> float:
        if key.startswith("prior:"):
            return float(self.priors.get(key[len("prior:"):], 0.0))
        return float(getattr(self, key))

    def describe(self) -> str:
        priors = ", ".join(f"{k} {v:g}" for k, v in sorted(self.priors.items())) or "none"
        return (
            f"reg_weight {self.reg_weight:.4g}, user_weight {self.user_weight:g}, diag_weight {self.diag_weight:g}, "
            f"prior weights [{priors}], cold_scale {self.cold_scale:g} ({self.cold_source})"
        )


@dataclass(frozen=True)
class SearchOptions:
    """Grids of the search (see the module docstring)."""

    user_weights: tuple[float, ...] = (0.25, 0.5, 0.75)
    diag_weights: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0, 2.0)
    prior_weights: tuple[float, ...] = (0.125, 0.25, 0.5, 1.0, 2.0)
    cold_scales: tuple[float, ...] = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0)
    max_reg_steps: int = 6
    #: A candidate replaces the incumbent only when its mean per-user gain in inner NDCG@10
    #: exceeds this many standard errors of the paired differences (0: any gain).
    z: float = 1.0


@dataclass(frozen=True)
class ColdSearch:
    """What the cold-start step needs: the inner cold items, their new-item shares and the
    candidate priors their columns may come from; and the real cold items (no training
    interaction at all) with their shares, whose promotion is priced on the warm targets in case
    they are never interacted with (``None``: not priced)."""

    cold: np.ndarray
    shares: np.ndarray
    sources: Mapping[str, object]
    reach: float = 0.5
    max_loss: float = 0.1
    real_cold: np.ndarray | None = None
    real_shares: np.ndarray | None = None


@dataclass
class SearchRecord:
    """The log of one search."""

    candidates: list[tuple[str, InnerScore | None]] = field(default_factory=list)
    seconds: float = 0.0
    solves: int = 0


def weighted_prior(priors: Mapping[str, object], weights: Mapping[str, float], n: int) -> object | None:
    """``sum_m w_m S_m`` over the views with a non-zero weight (``None`` when there is none)."""
    total = None
    for name, w in weights.items():
        if w and name in priors:
            term = priors[name] * w  # type: ignore[operator]
            total = term if total is None else total + term
    return total


class WeightSearch:
    """Coordinate search of the free weights on an inner split (see the module docstring).

    Args:
        splits: the inner splits (folds; the first one also holds the cold-start step's items);
        priors: view -> normalised prior ``[I, I]``;
        start: the starting weights (fixed ones at their config value, lambda in inner units);
        free: the keys to search (``reg_weight``, ``user_weight``, ``diag_weight``,
            ``prior:<view>``, ``cold_scale``), in search order for the priors;
        cold: the cold-start step's inputs, or ``None`` to skip it.
    """

    def __init__(
        self, splits: list[InnerSplit], priors: Mapping[str, object], start: Weights, free: list[str],
        options: SearchOptions | None = None, cold: ColdSearch | None = None, users: UserSide | None = None,
    ) -> None:
        self.splits, self.priors, self.start, self.free = splits, priors, start, free
        self.users = users
        self.options = options or SearchOptions()
        self.cold = cold
        self.scorers = [InnerScorer(split) for split in splits]
        self.scorer = self.scorers[0]
        self.record = SearchRecord()
        self._grams: dict[tuple[int, float], np.ndarray] = {}
        self._cache: dict[tuple, InnerScore | None] = {}

    # ----- one candidate --------------------------------------------------------------

    def _gram(self, user_weight: float, fold: int = 0) -> np.ndarray:
        if (fold, user_weight) not in self._grams:
            self._grams[fold, user_weight] = gram_matrix(self.splits[fold].train, user_weight=user_weight)
        return self._grams[fold, user_weight]

    def _regularised(self, w: Weights, dtype: type, fold: int = 0) -> tuple[np.ndarray, float | np.ndarray, np.ndarray | None]:
        """The regularised system of ``w`` on ``fold``: Gram matrix, lambdas and the users' feature
        columns (``None`` without user text)."""
        base = self._gram(w.user_weight, fold)
        gram = base.astype(dtype, copy=True)
        for name, weight in w.priors.items():
            if weight and name in self.priors:
                add_prior(gram, self.priors[name], weight * w.reg_weight)  # type: ignore[arg-type]
        reg = item_reg_weights(base, w.reg_weight, w.diag_weight)
        weight = float(w.priors.get(USER_VIEW, 0.0))
        if self.users is None or not weight:
            return gram, reg, None
        features = self.users.scaled(weight)
        train = self.splits[fold].train
        gram = augmented_gram(gram, train, features, row_weights(train, w.user_weight))
        reg = np.concatenate([np.broadcast_to(np.asarray(reg, dtype=float), (base.shape[0],)),
                              np.full(self.users.rank, float(w.reg_weight))])
        return gram, reg, features

    def solve(self, w: Weights) -> tuple[np.ndarray, np.ndarray | None]:
        """Inner ``B`` for ``w``, float64 (raises :class:`IndefiniteGramError`), ``[I + r, I + r]``
        with user text, and the users' feature columns."""
        gram, reg, features = self._regularised(w, np.float64)
        self.record.solves += 1
        return ease_solve(gram, reg), features

    def candidate_score(self, w: Weights) -> InnerScore:
        """``w``'s inner score over every fold, each from a float32 Cholesky inverse (no full ``B``)."""
        scores = []
        for fold, scorer in enumerate(self.scorers):
            gram, reg, features = self._regularised(w, np.float32, fold)
            self.record.solves += 1
            extra = None if features is None else features[scorer.split.users]
            scores.append(scorer.rank(scorer.inverse_scores(inverse_lower(gram, reg, dtype=np.float32), extra)))
        return pooled(scores)

    @staticmethod
    def _key(w: Weights) -> tuple:
        return (round(w.reg_weight, 6), w.user_weight, w.diag_weight, tuple(sorted((k, v) for k, v in w.priors.items() if v)))

    def evaluate(self, w: Weights, label: str) -> InnerScore | None:
        """The inner score of ``w``'s warm model (``None`` when its Gram is indefinite); logged."""
        key = self._key(w)
        if key in self._cache:
            return self._cache[key]
        clock = time.perf_counter()
        try:
            score: InnerScore | None = self.candidate_score(w)
        except IndefiniteGramError:
            score = None
        self._cache[key] = score
        self.record.candidates.append((label, score))
        logger.info("weight search: %-40s -> %s (%.1f s)", label, score if score else "indefinite Gram, rejected",
                    time.perf_counter() - clock)
        return score

    # ----- coordinates ----------------------------------------------------------------

    def _better(self, new: InnerScore | None, old: InnerScore | None) -> bool:
        """Whether ``new`` beats ``old`` by more than ``z`` standard errors of the per-user gain."""
        if new is None:
            return False
        if old is None:
            return True
        gain, se = paired_gain(new, old)
        return gain > 0 and gain > self.options.z * se

    def _ladder(self, w: Weights, key: str, values: tuple[float, ...], best: InnerScore | None) -> tuple[Weights, InnerScore | None]:
        """Try the middle rung of ``values`` (ascending, all non-zero) against the current value
        (0 for a prior); climb while the score improves, else step down while it does."""
        start = len(values) // 2 if len(values) > 2 else 0
        for direction in (1, -1):
            index = start if direction == 1 else start - 1
            moved = False
            while 0 <= index < len(values):
                candidate = w.with_value(key, values[index])
                score = self.evaluate(candidate, f"{key}={values[index]:g}")
                if not self._better(score, best):
                    break
                w, best, moved = candidate, score, True
                index += direction
            if moved:
                break
        return w, best

    def _reg_line(self, w: Weights, best: InnerScore | None, factor: float, steps: int) -> tuple[Weights, InnerScore | None]:
        for direction in (factor, 1.0 / factor):
            moved = False
            for _ in range(steps):
                candidate = w.with_value("reg_weight", w.reg_weight * direction)
                score = self.evaluate(candidate, f"reg_weight={candidate.reg_weight:.4g}")
                if not self._better(score, best):
                    break
                w, best, moved = candidate, score, True
            if moved:
                break
        return w, best

    def run(self) -> tuple[Weights, InnerScore | None]:
        """The chosen weights (inner units) and their inner score."""
        clock = time.perf_counter()
        w = self.start
        best = self.evaluate(w, "start " + w.describe())
        if "reg_weight" in self.free:
            w, best = self._reg_line(w, best, 2.0, self.options.max_reg_steps)
        for key, grid in (("user_weight", self.options.user_weights), ("diag_weight", self.options.diag_weights)):
            if key in self.free:
                w, best = self._ladder(w, key, grid, best)
        for key in [k for k in self.free if k.startswith("prior:")]:
            w, best = self._ladder(w, key, self.options.prior_weights, best)
        if "reg_weight" in self.free:
            w, best = self._reg_line(w, best, math.sqrt(2.0), 1)
        if self.cold is not None and "cold_scale" in self.free:
            w, best = self._cold_step(w, best)
        self.record.seconds = time.perf_counter() - clock
        return w, best

    # ----- cold start -----------------------------------------------------------------

    def _cold_step(self, w: Weights, best: InnerScore | None) -> tuple[Weights, InnerScore | None]:
        """Scale and source of cold columns, scored on the inner split's held-out items (only the
        cold columns change, so the warm scores are computed once)."""
        assert self.cold is not None
        b_full, features = self.solve(w)
        n_items = self.scorer.rows.shape[1]
        b = np.ascontiguousarray(b_full[:n_items, :n_items])
        base_scores = self.scorer.scores(b)
        if features is not None:  # the user-feature part of every item's score stays as solved
            base_scores += torch.from_numpy((features[self.scorer.split.users] @ b_full[n_items:, :n_items]).astype(np.float32))
        rows = self.scorer.rows
        plain = replace(self.scorer.rank(base_scores), if_not_new_ndcg=self.scorer.warm_ndcg(base_scores))
        self.record.candidates.append(("cold_scale=0", plain))
        logger.info("weight search: %-40s -> %s", "cold_scale=0 (no calibration)", plain)
        candidates: list[tuple[Weights, InnerScore]] = [(w.with_value("cold_scale", 0.0), plain)]
        sources = dict(self.cold.sources)
        weighted = weighted_prior(self.priors, w.priors, b.shape[0])
        if weighted is not None and sum(1 for v in w.priors.values() if v) > 1:
            sources["weighted"] = weighted
        cold = self.cold.cold
        for name, prior in sources.items():
            scale = cold_scale_base(b, prior, ~cold)  # type: ignore[arg-type]
            for factor in self.options.cold_scales:
                cal = calibrated_cold_columns(b, prior, cold=cold, factor=factor, new_share=self.cold.shares, base=scale)  # type: ignore[arg-type]
                score = self.scorer.rank(_with_columns(base_scores, rows, b, cal))
                if self.cold.real_cold is not None:
                    only_real = calibrated_cold_columns(
                        b, prior, cold=self.cold.real_cold, factor=factor, new_share=self.cold.real_shares, base=scale,  # type: ignore[arg-type]
                    )
                    score = replace(score, if_not_new_ndcg=self.scorer.warm_ndcg(_with_columns(base_scores, rows, b, only_real)))
                label = f"cold_scale={factor:g} from {name}"
                self.record.candidates.append((label, score))
                logger.info("weight search: %-40s -> %s", label, score)
                candidates.append((replace(w, cold_scale=factor, cold_source=name), score))
        return reach_rule(candidates, self.cold.reach, self.cold.max_loss)


def _with_columns(base: torch.Tensor, rows: sp.csr_matrix, b: np.ndarray, cal: np.ndarray) -> torch.Tensor:
    """``base`` scores ``[n, I]`` of ``b`` updated to ``cal``, which differs from it in a few columns."""
    changed = np.flatnonzero(np.any(cal != b, axis=0))
    scores = base.clone()
    if changed.size:
        scores[:, changed] += torch.from_numpy(np.asarray(rows @ (cal[:, changed] - b[:, changed]), dtype=np.float32))
    return scores


def reach_rule(
    candidates: list[tuple[Weights, InnerScore]], reach: float, max_loss: float = 0.1
) -> tuple[Weights, InnerScore]:
    """The cold-start choice; the first candidate is no calibration.

    A candidate is **safe** when its :attr:`InnerScore.if_not_new_ndcg` (the warm targets' NDCG@10
    if the real cold items are never interacted with) is at least ``1 - max_loss`` times the first
    candidate's: a catalogue's items without interactions may be new or never wanted, and the
    training data cannot tell which, so their promotion may cost at most that. Among the safe
    candidates: the best NDCG@10 of those whose cold/warm Recall@20 ratio is at least ``reach``
    and whose NDCG@10 is at least ``1 - max_loss`` times the first's; the best NDCG@10 of the safe
    ones when none is (the first candidate wins ties)."""
    first = candidates[0][1]
    safe = [
        c for c in candidates
        if first.if_not_new_ndcg is None or c[1].if_not_new_ndcg is None
        or c[1].if_not_new_ndcg >= (1.0 - max_loss) * first.if_not_new_ndcg
    ]
    floor = (1.0 - max_loss) * first.ndcg
    feasible = [c for c in safe if (c[1].reach or 0.0) >= reach and c[1].ndcg >= floor]
    return max(feasible or safe, key=lambda c: c[1].ndcg)


__all__ = ["reach_rule", "ColdSearch", "SearchOptions", "SearchRecord", "WeightSearch", "Weights", "weighted_prior"]
