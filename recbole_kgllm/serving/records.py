"""Typed results of ``recommend``: users, recommended items and their reasons (external tokens only)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

ReasonKind = Literal["kg", "text", "cf"]


@dataclass(frozen=True)
class KGEdge:
    """One KG triple on a path, as it is in the ``.kg`` file, plus the direction it was walked.

    Attributes:
        head, relation, tail: entity and relation tokens of the triple.
        forward: True when the path walks head -> tail, False when it walks tail -> head.
    """

    head: str
    relation: str
    tail: str
    forward: bool


@dataclass(frozen=True)
class Reason:
    """Why an item was recommended.

    Attributes:
        kind: ``kg`` (a KG path from a history item), ``text`` (the history item with the most
            similar text), ``cf`` (the history items that contribute most to the score).
        score: ``kg``: probability of the path for a random walk from the recommended item
            (1 / degree at every step, higher is more specific); ``text``: cosine similarity of
            the centred text embeddings; ``cf``: the largest contribution (closed form:
            ``B[h, i] * x_uh``) or cosine similarity in the learned item space.
        text: one readable sentence.
        items: the history item tokens the reason refers to.
        path: the KG edges from the history item to the recommended item (``kg`` only).
    """

    kind: ReasonKind
    score: float
    text: str
    items: tuple[str, ...] = ()
    path: tuple[KGEdge, ...] = ()


@dataclass(frozen=True)
class RecommendedItem:
    """One recommended item.

    Attributes:
        rank: 1-based rank; item: external token; title: the ``.item`` title (or the token);
        score: the model's score; reasons: up to three, one per kind (empty without ``explain``).
    """

    rank: int
    item: str
    title: str
    score: float
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class UserRecommendations:
    """The top-k of one user (external token)."""

    user: str
    items: tuple[RecommendedItem, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict of lists (paths only for ``kg`` reasons)."""
        out = asdict(self, dict_factory=lambda pairs: {k: list(v) if isinstance(v, tuple) else v for k, v in pairs})
        for item in out["items"]:
            for reason in item["reasons"]:
                if not reason["path"]:
                    del reason["path"]
        return out


__all__ = ["KGEdge", "Reason", "ReasonKind", "RecommendedItem", "UserRecommendations"]
