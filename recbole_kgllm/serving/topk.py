"""Top-k recommendation over any scorer: history and padding masked, external tokens out."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

import numpy as np
import torch
from torch import Tensor

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.serving.catalog import Catalog
from recbole_kgllm.serving.reasons import Explainer
from recbole_kgllm.serving.records import RecommendedItem, UserRecommendations


class Scorer(Protocol):
    """Scores every item for users; a live model (:mod:`.model_access`) or an export."""

    cf_kind: Any

    def scores(self, uids: np.ndarray) -> Tensor:
        """``[B, I]`` float scores of the users ``[B]``."""

    def cf_evidence(self, uid: int, items: np.ndarray, history: np.ndarray) -> Tensor | None:
        """``[k, h]`` support of each history item for each item, or ``None``."""


def check_k(k: object) -> int:
    """``k`` as a positive int, else :class:`ConfigError`."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or int(k) < 1:
        raise ConfigError(f"k must be a positive integer, got {k!r}")
    return int(k)


def masked_top_k(scores: Tensor, history_rows: Any, k: int, *, keep_history: bool) -> tuple[Tensor, Tensor]:
    """Top-k of ``scores`` ``[B, I]`` with item 0 (padding) and, unless ``keep_history``, each
    row's training items (``history_rows``: CSR ``[B, I]``) set to ``-inf``.

    Returns:
        ``(values [B, k'], items [B, k'])`` with ``k' = min(k, I)``; ``-inf`` entries are ineligible.
    """
    scores = scores.clone()
    scores[:, 0] = float("-inf")
    if not keep_history:
        coo = history_rows.tocoo()
        scores[torch.as_tensor(coo.row, dtype=torch.int64), torch.as_tensor(coo.col, dtype=torch.int64)] = float("-inf")
    return torch.topk(scores, min(k, scores.shape[1]), dim=1)


class Recommender:
    """Top-k items with optional reasons for users given as external tokens.

    Args:
        catalog: tokens, titles, histories; scorer: see :class:`Scorer`;
        explainer: builds the :class:`Explainer` on first use (reading KG and text features
            can take seconds), ``None`` when reasons are unavailable;
        info: what is served (model, dataset, source), shown by ``/health``.
    """

    def __init__(self, catalog: Catalog, scorer: Scorer, *, explainer: Callable[[], Explainer] | None,
                 info: dict[str, Any]) -> None:
        self.catalog, self.scorer, self.info = catalog, scorer, info
        self._explainer_factory = explainer
        self._explainer: Explainer | None = None
        self._lock = threading.Lock()

    @property
    def explainer(self) -> Explainer | None:
        """The explainer, built once (thread-safe)."""
        with self._lock:
            if self._explainer is None and self._explainer_factory is not None:
                self._explainer = self._explainer_factory()
            return self._explainer

    def top_k_ids(self, uids: np.ndarray, k: int, *, keep_history: bool = False) -> tuple[Tensor, Tensor]:
        """``(scores [B, k'], item ids [B, k'])`` for internal user ids ``[B]``."""
        k = check_k(k)
        with self._lock:
            scores = self.scorer.scores(uids)
        return masked_top_k(scores, self.catalog.history[uids], k, keep_history=keep_history)

    def recommend(self, users: Iterable[str], k: int = 10, *, explain: bool = False,
                  keep_history: bool = False) -> list[UserRecommendations]:
        """Top-``k`` for each user token (raises :class:`UnknownUserError` on an unknown one)."""
        return self.recommend_ids(self.catalog.user_ids(users), k, explain=explain, keep_history=keep_history)

    def recommend_ids(self, uids: np.ndarray, k: int = 10, *, explain: bool = False,
                      keep_history: bool = False) -> list[UserRecommendations]:
        """As :meth:`recommend`, for internal user ids ``[B]``."""
        if len(uids) == 0:
            return []
        values, items = self.top_k_ids(uids, k, keep_history=keep_history)
        explainer = self.explainer if explain else None
        out = []
        for row, uid in enumerate(uids.tolist()):
            eligible = torch.isfinite(values[row])
            ids, scores = items[row][eligible].numpy(), values[row][eligible].tolist()
            reasons = explainer.explain(uid, ids) if explainer is not None else [()] * len(ids)
            out.append(UserRecommendations(
                user=str(self.catalog.user_tokens[uid]),
                items=tuple(
                    RecommendedItem(rank=rank + 1, item=str(self.catalog.item_tokens[i]),
                                    title=str(self.catalog.titles[i]), score=float(s), reasons=r)
                    for rank, (i, s, r) in enumerate(zip(ids.tolist(), scores, reasons))
                ),
            ))
        return out

    def iter_all(self, k: int = 10, *, explain: bool = False, keep_history: bool = False,
                 batch_size: int = 512, progress: bool = True) -> Iterator[UserRecommendations]:
        """Every user's top-``k``, computed ``batch_size`` users at a time (bounded memory),
        with a tqdm progress bar on stderr."""
        from tqdm.auto import tqdm

        uids = self.catalog.all_user_ids()
        with tqdm(total=len(uids), unit="user", desc="recommend", disable=not progress) as bar:
            for start in range(0, len(uids), batch_size):
                batch = uids[start : start + batch_size]
                yield from self.recommend_ids(batch, k, explain=explain, keep_history=keep_history)
                bar.update(len(batch))


__all__ = ["Recommender", "Scorer", "check_k", "masked_top_k"]
