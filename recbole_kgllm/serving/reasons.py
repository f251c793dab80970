"""Reasons for recommended items: a KG path from the user's history, the history item with the
most similar text, and the history items that contribute most to the score (co-interaction).

Every reason starts at an item of the user's *training* history (the interactions the model
learned from). One reason per kind, in the order ``kg``, ``text``, ``cf``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from recbole_kgllm.serving.catalog import Catalog
from recbole_kgllm.serving.kg_paths import FoundPath, KGIndex
from recbole_kgllm.serving.records import KGEdge, Reason

#: ``(uid, items [k], history [h]) -> [k, h]`` support of each history item for each item.
CFEvidence = Callable[[int, np.ndarray, np.ndarray], "Tensor | None"]
#: History items named in one ``cf`` reason.
CF_ITEMS = 2


@dataclass(frozen=True, eq=False)
class KGView:
    """The KG aligned to a catalog.

    Attributes:
        index: the adjacency; entity_tokens ``[E]``, relation_tokens ``[R]``: str;
        item_entity: ``[I]`` entity id of each catalog item, -1 when unlinked.
    """

    index: KGIndex
    entity_tokens: np.ndarray
    relation_tokens: np.ndarray
    item_entity: np.ndarray

    @classmethod
    def build(cls, entity_tokens: np.ndarray, relation_tokens: np.ndarray, triples: np.ndarray,
              item_to_entity: dict[str, str], item_tokens: np.ndarray) -> KGView:
        """From token-level KG data (see :class:`recbole_kgllm.kg.triples.TokenTriples`)."""
        row = {str(t): i for i, t in enumerate(entity_tokens.tolist())}
        item_entity = np.asarray([row.get(item_to_entity.get(str(t), ""), -1) for t in item_tokens], dtype=np.int64)
        return cls(
            index=KGIndex(triples, len(entity_tokens)), entity_tokens=np.asarray(entity_tokens, dtype=object),
            relation_tokens=np.asarray(relation_tokens, dtype=object), item_entity=item_entity,
        )


@dataclass(frozen=True, eq=False)
class TextView:
    """Item text embeddings ``unit [I, d]`` (centred over items with text, L2-normalised; zero
    rows without text) and ``mask [I]``."""

    unit: Tensor
    mask: Tensor

    @classmethod
    def build(cls, values: Tensor, mask: Tensor) -> TextView:
        """Centre (frozen LM embeddings share a large common direction) and normalise."""
        values = values.float()
        if bool(mask.any()):
            values = values - values[mask].mean(dim=0, keepdim=True)
        unit = torch.nn.functional.normalize(values, dim=1) * mask.float().unsqueeze(1)
        return cls(unit=unit, mask=mask.bool())


class Explainer:
    """Builds the reasons of a user's recommended items.

    Args:
        catalog: tokens, titles and histories; cf: :data:`CFEvidence` or ``None``;
        cf_kind: ``weight`` (closed-form contributions) or ``similarity`` (learned space);
        kg, text: the views (``None``: no reasons of that kind); max_hops: KG path bound.
    """

    def __init__(self, catalog: Catalog, *, cf: CFEvidence | None, cf_kind: str, kg: KGView | None,
                 text: TextView | None, max_hops: int = 3) -> None:
        self.catalog, self.cf, self.cf_kind = catalog, cf, cf_kind
        self.kg, self.text, self.max_hops = kg, text, max_hops
        entity_item: dict[int, int] = {}
        if kg is not None:
            for item, entity in enumerate(kg.item_entity.tolist()):
                if entity >= 0:
                    entity_item.setdefault(entity, item)
        self._entity_item = entity_item
        self._text_arrays = (text.unit.numpy(), text.mask.numpy()) if text is not None else (None, None)

    def explain(self, uid: int, items: np.ndarray) -> list[tuple[Reason, ...]]:
        """Up to three reasons for each of ``items`` ``[k]`` for the user ``uid``."""
        history = self.catalog.history_of(uid)
        per_item: list[list[Reason]] = [[] for _ in items]
        if len(history) == 0:
            return [() for _ in items]
        for item_reasons, reason in zip(per_item, self._kg(history, items)):
            if reason is not None:
                item_reasons.append(reason)
        for item_reasons, reason in zip(per_item, self._text(history, items)):
            if reason is not None:
                item_reasons.append(reason)
        for item_reasons, reason in zip(per_item, self._cf(uid, history, items)):
            if reason is not None:
                item_reasons.append(reason)
        return [tuple(r) for r in per_item]

    # ----- kinds ------------------------------------------------------------------------

    def kg_path(self, history: np.ndarray, item: int) -> FoundPath | None:
        """The KG path from the history to ``item`` (``None`` without KG, link or path)."""
        if self.kg is None:
            return None
        target = int(self.kg.item_entity[item])
        sources = self.kg.item_entity[history]
        sources = sources[sources >= 0]
        if target < 0 or len(sources) == 0:
            return None
        return self.kg.index.path(sources, target, max_hops=self.max_hops)

    def _kg(self, history: np.ndarray, items: np.ndarray) -> list[Reason | None]:
        out: list[Reason | None] = []
        for item in items.tolist():
            found = self.kg_path(history, item)
            out.append(None if found is None else self._kg_reason(found))
        return out

    def _kg_reason(self, found: FoundPath) -> Reason:
        kg = self.kg
        assert kg is not None
        edges, parts = [], [self._entity_name(found.entities[0])]
        for step, triple in enumerate(found.triples):
            head, relation, tail = (int(v) for v in kg.index.triples[triple])
            forward = head == found.entities[step]
            edges.append(KGEdge(head=str(kg.entity_tokens[head]), relation=str(kg.relation_tokens[relation]),
                                tail=str(kg.entity_tokens[tail]), forward=forward))
            arrow = f"-{kg.relation_tokens[relation]}->" if forward else f"<-{kg.relation_tokens[relation]}-"
            parts += [arrow, self._entity_name(found.entities[step + 1])]
        start = self._entity_item[found.entities[0]]
        sentence = f'Linked in the knowledge graph to "{self.catalog.titles[start]}" from your history: {" ".join(parts)}.'
        return Reason(kind="kg", score=found.score, text=sentence, items=(str(self.catalog.item_tokens[start]),),
                      path=tuple(edges))

    def _entity_name(self, entity: int) -> str:
        item = self._entity_item.get(entity)
        return f'"{self.catalog.titles[item]}"' if item is not None else str(self.kg.entity_tokens[entity])  # type: ignore[union-attr]

    def _text(self, history: np.ndarray, items: np.ndarray) -> list[Reason | None]:
        if self.text is None:
            return [None] * len(items)
        unit, mask = self._text_arrays
        hist = history[mask[history]]
        if len(hist) == 0:
            return [None] * len(items)
        sims = unit[items] @ unit[hist].T  # numpy: tiny products, no thread start-up cost
        out: list[Reason | None] = []
        for row, item in enumerate(items.tolist()):
            if not bool(mask[item]):
                out.append(None)
                continue
            best = int(sims[row].argmax())
            score, source = float(sims[row, best]), int(hist[best])
            out.append(Reason(
                kind="text", score=score, items=(str(self.catalog.item_tokens[source]),),
                text=f'Its description is the most similar to "{self.catalog.titles[source]}" from your history '
                     f"(cosine similarity {score:.2f}).",
            ))
        return out

    def _cf(self, uid: int, history: np.ndarray, items: np.ndarray) -> list[Reason | None]:
        evidence = None if self.cf is None else self.cf(uid, items, history)
        if evidence is None:
            return [None] * len(items)
        out: list[Reason | None] = []
        for row in range(len(items)):
            values, order = torch.sort(evidence[row], descending=True)
            chosen = [(float(v), int(history[i])) for v, i in zip(values[:CF_ITEMS].tolist(), order[:CF_ITEMS].tolist()) if v > 0]
            out.append(self._cf_reason(chosen) if chosen else None)
        return out

    def _cf_reason(self, chosen: list[tuple[float, int]]) -> Reason:
        names = " and ".join(f'"{self.catalog.titles[i]}"' for _, i in chosen)
        numbers = ", ".join(f"{v:.3f}" for v, _ in chosen)
        if self.cf_kind == "weight":
            text = f"People who interacted with {names} from your history also interacted with it (item-item weight {numbers})."
        else:
            text = f"It is close to {names} from your history in the model's learned item space (cosine similarity {numbers})."
        return Reason(kind="cf", score=chosen[0][0], text=text,
                      items=tuple(str(self.catalog.item_tokens[i]) for _, i in chosen))


__all__ = ["CFEvidence", "Explainer", "KGView", "TextView"]
