"""The inner validation of the EASE backbone's weight search: a split of the *training*
interactions only (the model never sees RecBole's validation or test parts), and its metric.

Each user with at least two training interactions gives ``share`` of them (at least one, seeded)
to the inner validation part; optionally a set of items is held out entirely (every training
interaction on them goes to the inner validation part), so that a cold-start scale can be scored
on items the inner training part has never seen. Candidates are scored by NDCG@10 (the
selection metric) and Recall@20 (logged) on the inner validation part, over at most
``max_users`` users drawn with the same seed, training items masked as RecBole masks them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import torch


@dataclass(frozen=True)
class InnerSplit:
    """Inner training and validation parts of the training interactions.

    Attributes:
        train: ``[U, I]`` CSR; valid: ``[U, I]`` CSR (disjoint, summing to the input);
        users: ``[n]`` the users scored (have a validation interaction, sampled);
        held_items: ``[h]`` items whose every interaction is in ``valid``.
    """

    train: sp.csr_matrix
    valid: sp.csr_matrix
    users: np.ndarray
    held_items: np.ndarray

    @property
    def nnz_ratio(self) -> float:
        """``nnz(train + valid) / nnz(train)``: how much larger the full Gram is (lambda is rescaled by it)."""
        return (self.train.nnz + self.valid.nnz) / max(1, self.train.nnz)


def inner_split(
    x: sp.csr_matrix, *, share: float, seed: int, held_items: np.ndarray | None = None, max_users: int = 4000
) -> InnerSplit:
    """Split ``x`` ``[U, I]`` per user (see the module docstring).

    Args:
        x: training interactions (binary).
        share: share of each user's interactions moved to validation (at least one when the user
            has two or more).
        seed: draws the interactions, the held-out items' treatment and the users scored.
        held_items: items moved to validation entirely (none by default).
        max_users: at most this many users are scored.
    """
    rng = np.random.default_rng(seed)
    x = sp.csr_matrix(x, dtype=np.float32)
    x.sum_duplicates()
    held = np.zeros(x.shape[1], dtype=bool)
    if held_items is not None and len(held_items):
        held[np.asarray(held_items)] = True
    to_valid = np.zeros(x.nnz, dtype=bool)
    for user in range(x.shape[0]):
        lo, hi = x.indptr[user], x.indptr[user + 1]
        n = hi - lo
        if n == 0:
            continue
        on_held = held[x.indices[lo:hi]]
        to_valid[lo:hi] |= on_held
        free = np.flatnonzero(~on_held)
        if free.size >= 2:
            k = max(1, int(round(share * free.size)))
            k = min(k, free.size - 1)
            to_valid[lo + rng.choice(free, size=k, replace=False)] = True
    coo = x.tocoo()
    order = np.argsort(coo.row, kind="stable")  # CSR order is row-major already; keep alignment explicit
    rows, cols = coo.row[order], coo.col[order]
    train = sp.csr_matrix((np.ones(int((~to_valid).sum()), np.float32), (rows[~to_valid], cols[~to_valid])), shape=x.shape)
    valid = sp.csr_matrix((np.ones(int(to_valid.sum()), np.float32), (rows[to_valid], cols[to_valid])), shape=x.shape)
    users = np.flatnonzero(np.diff(valid.indptr) > 0)
    if users.size > max_users:
        users = np.sort(rng.choice(users, size=max_users, replace=False))
    return InnerSplit(train=train, valid=valid, users=users, held_items=np.flatnonzero(held))


@dataclass(frozen=True)
class InnerScore:
    """One candidate's inner-validation score (cold and warm Recall@20 when items were held out)."""

    ndcg: float
    recall: float
    cold_recall: float | None = None
    warm_recall: float | None = None
    #: ``[n]`` each scored user's NDCG@10 (for paired comparisons).
    per_user: np.ndarray | None = field(default=None, repr=False, compare=False)
    #: Cold-start step: NDCG@10 on the warm targets when only the *real* cold items (no training
    #: interaction at all) get this candidate's columns: what it costs if they are never interacted with.
    if_not_new_ndcg: float | None = None

    @property
    def reach(self) -> float | None:
        """Cold Recall@20 over warm Recall@20 (``None`` without held-out items)."""
        if self.cold_recall is None or not self.warm_recall:
            return None
        return self.cold_recall / self.warm_recall

    def __str__(self) -> str:
        text = f"NDCG@10 {self.ndcg:.4f}, Recall@20 {self.recall:.4f}"
        if self.cold_recall is not None:
            text += f", cold/warm Recall@20 {self.cold_recall:.4f}/{self.warm_recall:.4f}"
        if self.if_not_new_ndcg is not None:
            text += f", warm ndcg@10 if the cold items are not new {self.if_not_new_ndcg:.4f}"
        return text


class InnerScorer:
    """Scores ``B`` candidates on an :class:`InnerSplit` (the users' rows are prepared once)."""

    def __init__(self, split: InnerSplit) -> None:
        self.split = split
        users = split.users
        self.rows = split.train[users].tocsr()
        self.rows.data = self.rows.data.astype(np.float32)
        self.seen = torch.from_numpy(np.asarray(self.rows.todense()) > 0)
        self.seen[:, 0] = True  # padding
        valid = split.valid[users].tocsr()
        self.truth = torch.from_numpy(np.asarray(valid.todense(), dtype=np.float32)) > 0
        self.n_truth = self.truth.sum(dim=1).clamp(min=1)
        discount = 1.0 / torch.log2(torch.arange(2, 12, dtype=torch.float64))
        self.discount = discount
        self.ideal = torch.cumsum(discount, 0)[(self.n_truth.clamp(max=10) - 1).long()]
        held = torch.zeros(split.train.shape[1], dtype=torch.bool)
        held[torch.from_numpy(split.held_items.astype(np.int64))] = True
        self.cold_truth = self.truth & held.unsqueeze(0) if split.held_items.size else None
        self.warm_truth = self.truth & ~held.unsqueeze(0)
        n_warm = self.warm_truth.sum(dim=1)
        self.warm_users = n_warm > 0
        self.warm_ideal = torch.cumsum(discount, 0)[(n_warm.clamp(min=1, max=10) - 1).long()]

    def scores(self, b: np.ndarray) -> torch.Tensor:
        """``[n, I]`` scores of the scored users (their sparse training rows times ``b``)."""
        return torch.from_numpy(np.asarray(self.rows @ np.asarray(b, dtype=np.float32), dtype=np.float32))

    def inverse_scores(self, p_lower: np.ndarray, extra: np.ndarray | None = None) -> torch.Tensor:
        """The scores of ``B = I - P diag(P)^-1`` from the lower triangle of ``P`` alone, on every
        item the user has not seen: ``-(X P)_j / P_jj`` (``X`` itself only touches seen items,
        which are masked), with ``X P = X L + (L X^T)^T - X diag(P)``; no full ``B`` is formed.
        ``extra`` ``[n, r]``: feature columns appended to the users' rows (``P`` is then
        ``[I + r, I + r]``; the scores are of the ``I`` item columns)."""
        n_items = self.rows.shape[1]
        rows = self.rows.astype(p_lower.dtype)
        if extra is not None:
            rows = sp.hstack([rows, sp.csr_matrix(extra.astype(p_lower.dtype))], format="csr")
        diag = np.diag(p_lower).copy()
        xp = np.asarray(rows @ p_lower[:, :n_items]) + np.asarray(rows @ p_lower.T[:, :n_items])
        xp -= rows[:, :n_items].multiply(diag[None, :n_items]).toarray()
        return torch.from_numpy(np.ascontiguousarray(-xp / diag[None, :n_items], dtype=np.float32))

    def score(self, b: np.ndarray, extra: torch.Tensor | None = None) -> InnerScore:
        """NDCG@10 and Recall@20 of ``b`` (plus optional ``extra`` scores ``[n, I]``)."""
        s = self.scores(b)
        if extra is not None:
            s = s + extra
        return self.rank(s)

    def rank(self, s: torch.Tensor) -> InnerScore:
        """The metrics of precomputed scores ``[n, I]``."""
        s = s.masked_fill(self.seen, float("-inf"))
        top = s.topk(20, dim=1).indices
        hits = self.truth.gather(1, top).double()
        ndcg = (hits[:, :10] * self.discount).sum(1) / self.ideal
        recall = hits.sum(1) / self.n_truth.double()
        per_user = ndcg.numpy()
        if self.cold_truth is None:
            return InnerScore(ndcg=float(ndcg.mean()), recall=float(recall.mean()), per_user=per_user)
        return InnerScore(
            ndcg=float(ndcg.mean()), recall=float(recall.mean()), per_user=per_user,
            cold_recall=_slice_recall(self.cold_truth, top), warm_recall=_slice_recall(self.truth & ~self.cold_truth, top),
        )


    def warm_ndcg(self, s: torch.Tensor) -> float:
        """NDCG@10 of precomputed scores ``[n, I]`` on the targets that are not held-out items
        (over the users that have one)."""
        top = s.masked_fill(self.seen, float("-inf")).topk(10, dim=1).indices
        hits = self.warm_truth.gather(1, top).double()
        ndcg = (hits * self.discount).sum(1) / self.warm_ideal
        return float(ndcg[self.warm_users].mean()) if bool(self.warm_users.any()) else 0.0


def pooled(scores: list[InnerScore]) -> InnerScore:
    """One score over several inner splits (folds): their users pooled."""
    if len(scores) == 1:
        return scores[0]
    per_user = np.concatenate([s.per_user for s in scores])  # type: ignore[misc]
    weights = np.array([len(s.per_user) for s in scores], dtype=float)  # type: ignore[arg-type]
    recall = float(np.average([s.recall for s in scores], weights=weights))
    return InnerScore(ndcg=float(per_user.mean()), recall=recall, per_user=per_user)


def paired_gain(new: InnerScore, old: InnerScore) -> tuple[float, float]:
    """Mean and standard error of the per-user NDCG@10 differences ``new - old``."""
    diff = new.per_user - old.per_user  # type: ignore[operator]
    return float(diff.mean()), float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0


def _slice_recall(targets: torch.Tensor, top: torch.Tensor) -> float:
    """Recall@k over the users that have a target in ``targets`` ``[n, I]``."""
    counts = targets.sum(1)
    users = counts > 0
    if not bool(users.any()):
        return 0.0
    hits = targets.gather(1, top).sum(1)
    return float((hits[users].double() / counts[users].double()).mean())


__all__ = ["InnerScore", "InnerScorer", "InnerSplit", "inner_split", "paired_gain", "pooled"]
