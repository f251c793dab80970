"""The only serving module that knows model internals: scores, co-interaction evidence and
exportable representations of a loaded RecBole model.

Scores always come from the model's own ``full_sort_predict``, so a top-k here is the model's
top-k. Internals are read only for reasons and export:

- ``KGLLMRec`` with a closed-form backbone (EASE, ``model.backbone.fit_kind == "closed_form"``):
  ``model.backbone.item_similarity`` is the
  item-item matrix ``B [I, I]``; a user's scores are their training row times ``B``.
- sequential models (SASRec, ``KGLLMSeqRec``): the input is the user's training sequence
  (``ITEM_SEQ`` / ``ITEM_SEQ_LEN``); ``model.forward(seq, len)`` is the user representation
  and ``model.item_embedding.weight`` the item table.
- other general models: ``model.forward()`` returning ``(users [U, d], items [I, d])``
  (``KGLLMRec`` mf/lightgcn, RecBole's LightGCN, ...) or ``user_embedding``/``item_embedding``
  tables (BPR, ...); absent both, no ``cf`` reasons and no export.

Adapters are tried in :data:`ADAPTERS` order; the first whose ``accepts`` is true serves.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import torch
from torch import Tensor

from recbole_kgllm.errors import ExportError
from recbole_kgllm.recbole_integration.serving_data import is_sequential_model, make_interaction
from recbole_kgllm.serving.catalog import Catalog, Sequences

CFKind = Literal["weight", "similarity"]


@dataclass(frozen=True)
class Representations:
    """What an export stores: ``kind`` ``item_item`` (``item_item`` ``[I, I]``, user = their
    training row) or ``dot`` (``users`` ``[U, d]``, ``items`` ``[I, d]``, score = dot product)."""

    kind: Literal["item_item", "dot"]
    tensors: dict[str, Tensor]


class ModelAccess(ABC):
    """Scores and evidence of one loaded model (in eval mode, no gradients)."""

    name: ClassVar[str]
    cf_kind: ClassVar[CFKind] = "similarity"

    def __init__(self, model: Any, catalog: Catalog, sequences: Sequences | None = None) -> None:
        self.model = model.eval()
        self.catalog = catalog
        self.sequences = sequences
        self.device = next((p.device for p in model.parameters()), torch.device("cpu"))
        self._items: Tensor | None = None
        self._unit: np.ndarray | None = None

    @classmethod
    @abstractmethod
    def accepts(cls, model: Any) -> bool:
        """Whether this adapter serves ``model``."""

    def _interaction(self, uids: np.ndarray) -> Any:
        return make_interaction({self.model.USER_ID: torch.as_tensor(uids, dtype=torch.int64)}, self.device)

    @torch.no_grad()
    def scores(self, uids: np.ndarray) -> Tensor:
        """``full_sort_predict`` of the users ``[B]`` as ``[B, I]`` float32 on the CPU."""
        out = self.model.full_sort_predict(self._interaction(uids))
        return out.reshape(len(uids), -1).float().cpu()

    def item_vectors(self) -> Tensor | None:
        """Learned item representations ``[I, d]`` (``None`` when the model has none)."""
        return None

    @torch.no_grad()
    def cf_evidence(self, uid: int, items: np.ndarray, history: np.ndarray) -> Tensor | None:
        """How much each history item supports each item, ``[len(items), len(history)]``.

        Default: cosine similarity of the learned item representations (:attr:`cf_kind`
        ``similarity``); ``None`` when the model has no item representations.
        """
        vectors = self.item_vectors()
        if vectors is None or len(history) == 0:
            return None
        if self._unit is None:
            self._unit = torch.nn.functional.normalize(vectors, dim=1).numpy()
        return torch.from_numpy(self._unit[items] @ self._unit[history].T)

    @abstractmethod
    def representations(self) -> Representations:
        """The tensors an export stores (raises :class:`ExportError` when there are none)."""


class ClosedFormAccess(ModelAccess):
    """``KGLLMRec`` with a closed-form backbone: ``B = model.backbone.item_similarity``."""

    name = "item_item"
    cf_kind = "weight"

    @classmethod
    def accepts(cls, model: Any) -> bool:
        backbone = getattr(model, "backbone", None)
        return getattr(backbone, "fit_kind", None) == "closed_form" and hasattr(backbone, "item_similarity")

    def item_item(self) -> Tensor:
        """``B`` ``[I, I]`` on the CPU."""
        return self.model.backbone.item_similarity.detach().float().cpu()

    @torch.no_grad()
    def cf_evidence(self, uid: int, items: np.ndarray, history: np.ndarray) -> Tensor | None:
        """Contributions ``B[h, i] * x_uh``, ``[len(items), len(history)]``."""
        if len(history) == 0:
            return None
        row = self.catalog.history[uid]
        weights = torch.from_numpy(np.asarray(row[:, history].todense(), dtype=np.float32)).reshape(-1)
        b = self.model.backbone.item_similarity
        rows = torch.as_tensor(history, device=b.device).unsqueeze(1)
        block = b[rows, torch.as_tensor(items, device=b.device).unsqueeze(0)].float().cpu()  # [h, k] only
        return (block * weights.unsqueeze(1)).T

    def representations(self) -> Representations:
        return Representations(kind="item_item", tensors={"item_item": self.item_item().contiguous()})


class SequentialAccess(ModelAccess):
    """Sequential models (SASRec, ``KGLLMSeqRec``): the user's training sequence is the input."""

    name = "sequential"

    @classmethod
    def accepts(cls, model: Any) -> bool:
        return is_sequential_model(model)

    def _inputs(self, uids: np.ndarray) -> tuple[Tensor, Tensor]:
        if self.sequences is None:
            raise ExportError(f"{type(self.model).__name__} is sequential: it needs the users' training sequences")
        items = torch.as_tensor(self.sequences.items[uids], dtype=torch.int64, device=self.device)
        lengths = torch.as_tensor(self.sequences.lengths[uids], dtype=torch.int64, device=self.device)
        return items, lengths

    def _interaction(self, uids: np.ndarray) -> Any:
        items, lengths = self._inputs(uids)
        fields = {self.model.USER_ID: torch.as_tensor(uids, dtype=torch.int64), self.model.ITEM_SEQ: items,
                  self.model.ITEM_SEQ_LEN: lengths}
        return make_interaction(fields, self.device)

    @torch.no_grad()
    def item_vectors(self) -> Tensor:
        if self._items is None:
            self._items = self.model.item_embedding.weight.detach().float().cpu()
        return self._items

    @torch.no_grad()
    def user_vectors(self, uids: np.ndarray) -> Tensor:
        """The transformer's output for the users' training sequences, ``[B, d]``."""
        return self.model.forward(*self._inputs(uids)).float().cpu()

    def representations(self) -> Representations:
        uids = self.catalog.all_user_ids()
        users = torch.zeros(self.catalog.n_users, self.item_vectors().shape[1])
        for start in range(0, len(uids), 1024):
            batch = uids[start : start + 1024]
            users[torch.as_tensor(batch)] = self.user_vectors(batch)
        return Representations(kind="dot", tensors={"users": users, "items": self.item_vectors().contiguous()})


class GeneralAccess(ModelAccess):
    """Every other general model, scored by ``full_sort_predict``."""

    name = "general"

    @classmethod
    def accepts(cls, model: Any) -> bool:
        return True

    @torch.no_grad()
    def _tables(self) -> tuple[Tensor, Tensor] | None:
        n_users, n_items = self.catalog.n_users, self.catalog.n_items
        try:
            out = self.model.forward()
        except (TypeError, NotImplementedError):
            out = None
        if isinstance(out, tuple) and len(out) == 2 and all(isinstance(t, Tensor) for t in out):
            users, items = out
            if users.dim() == 2 and items.dim() == 2 and users.shape[0] == n_users and items.shape[0] == n_items:
                return users.detach().float().cpu(), items.detach().float().cpu()
        user_table, item_table = getattr(self.model, "user_embedding", None), getattr(self.model, "item_embedding", None)
        if isinstance(user_table, torch.nn.Embedding) and isinstance(item_table, torch.nn.Embedding):
            return user_table.weight.detach().float().cpu(), item_table.weight.detach().float().cpu()
        return None

    def item_vectors(self) -> Tensor | None:
        if self._items is None:
            tables = self._tables()
            self._items = None if tables is None else tables[1]
        return self._items

    def representations(self) -> Representations:
        tables = self._tables()
        if tables is None:
            raise ExportError(
                f"{type(self.model).__name__} has no user/item representations this export understands "
                "(forward() -> (users, items), or user_embedding/item_embedding)"
            )
        users, items = tables
        return Representations(kind="dot", tensors={"users": users.contiguous(), "items": items.contiguous()})


#: Adapters in the order they are tried.
ADAPTERS: tuple[type[ModelAccess], ...] = (ClosedFormAccess, SequentialAccess, GeneralAccess)


def model_access(model: Any, catalog: Catalog, sequences: Sequences | None = None) -> ModelAccess:
    """The first adapter of :data:`ADAPTERS` that accepts ``model``."""
    adapter = next(a for a in ADAPTERS if a.accepts(model))
    return adapter(model, catalog, sequences)


def is_sequential(model: Any) -> bool:
    """Whether ``model`` takes the users' training sequences as input."""
    return SequentialAccess.accepts(model)


__all__ = [
    "ADAPTERS", "ClosedFormAccess", "GeneralAccess", "ModelAccess", "Representations", "SequentialAccess",
    "Sequences", "is_sequential", "model_access",
]
