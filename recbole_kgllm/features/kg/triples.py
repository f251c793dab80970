"""A dataset's KG as external tokens: triples plus the item -> entity links."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True, eq=False)
class TokenTriples:
    """KG triples and item links in external tokens (never RecBole internal ids).

    Attributes:
        entity_tokens: every entity token, array [E] of str; ids below index into it.
        relation_tokens: every relation token, array [R] of str.
        triples: LongTensor [n, 3] of (head entity id, relation id, tail entity id).
        item_to_entity: item token -> entity token, for items whose entity is in the KG.
    """

    entity_tokens: np.ndarray
    relation_tokens: np.ndarray
    triples: torch.Tensor
    item_to_entity: Mapping[str, str]

    @property
    def head(self) -> np.ndarray:
        """Head entity tokens, [n]."""
        return self.entity_tokens[self.triples[:, 0].numpy()]

    @property
    def relation(self) -> np.ndarray:
        """Relation tokens, [n]."""
        return self.relation_tokens[self.triples[:, 1].numpy()]

    @property
    def tail(self) -> np.ndarray:
        """Tail entity tokens, [n]."""
        return self.entity_tokens[self.triples[:, 2].numpy()]

    def labeled(self) -> np.ndarray:
        """The triples as a [n, 3] array of str (head, relation, tail), PyKEEN's labeled form."""
        return np.stack([self.head, self.relation, self.tail], axis=1).astype(str)

    def __len__(self) -> int:
        return int(self.triples.shape[0])


__all__ = ["TokenTriples"]
