"""Recommend, explain and serve: top-k for users of a checkpoint or an export, with reasons.

Importing this package is cheap; RecBole loads only when a checkpoint is.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from recbole_kgllm.serving.records import KGEdge, Reason, RecommendedItem, UserRecommendations


def load_recommender(path: Any) -> Any:
    """A :class:`~recbole_kgllm.serving.topk.Recommender` from a checkpoint or export folder
    (load once, then call ``.recommend(users, k, explain=...)`` as often as needed)."""
    from recbole_kgllm.serving.loading import load_recommender as _load

    return _load(path)


def recommend(checkpoint_or_model: Any, users: str | Iterable[str], k: int = 10, explain: bool = False,
              *, keep_history: bool = False) -> list[UserRecommendations]:
    """Top-``k`` items for user tokens, excluding their training items unless ``keep_history``.

    Args:
        checkpoint_or_model: a checkpoint path, an export folder, a loaded ``Recommender``, or the
            6-tuple ``load_data_and_model`` returns (a path is loaded on every call: keep a
            :func:`load_recommender` for repeated use).
        users: one user token or several.
        explain: attach up to three reasons per item (``kg``, ``text``, ``cf``).

    Returns:
        One :class:`UserRecommendations` per user, in the order given.
    """
    from recbole_kgllm.serving.loading import as_recommender

    wanted = [users] if isinstance(users, (str, int)) else list(users)
    return as_recommender(checkpoint_or_model).recommend([str(u) for u in wanted], k, explain=explain,
                                                        keep_history=keep_history)


__all__ = ["KGEdge", "Reason", "RecommendedItem", "UserRecommendations", "load_recommender", "recommend"]
