"""What a model receives from the run pipeline, in RecBole's internal order: its training data
and the frozen feature views it declared (RecBole-free types, so backbones and strategies can
be built and tested on synthetic inputs).

The pipeline (:mod:`recbole_kgllm.recbole_integration.pipeline`) asks a model class for its
:class:`FeatureNeeds`, computes exactly those views through the feature store and hands them to
the constructor as :class:`ModelFeatures`. Models never fetch features themselves.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor

#: Item views a model may ask for, and user views.
ITEM_VIEWS = ("kg", "text")
USER_VIEWS = ("text",)

#: ``teacher(users [B], items [B]) -> scores [B]``: a frozen teacher's scores (no gradient).
TeacherScorer = Callable[[Tensor, Tensor], Tensor]


@dataclass(frozen=True)
class FeatureNeeds:
    """The inputs a model class reads for a given config (declared before it is built).

    Attributes:
        items: item views, a subset of :data:`ITEM_VIEWS`.
        users: user views, a subset of :data:`USER_VIEWS`.
        item_kg: the item-headed KG triples with frozen entity embeddings (multi-task KG loss).
        teacher_checkpoint: a trained model whose scores are distilled, or ``None``.
        item_entities: the item-entity incidence of the KG (:class:`ItemEntities`), no training.
    """

    items: frozenset[str] = frozenset()
    users: frozenset[str] = frozenset()
    item_kg: bool = False
    teacher_checkpoint: str | None = None
    item_entities: bool = False

    def __post_init__(self) -> None:
        for kind, views, valid in (("item", self.items, ITEM_VIEWS), ("user", self.users, USER_VIEWS)):
            unknown = sorted(set(views) - set(valid))
            if unknown:
                raise ValueError(f"unknown {kind} views {unknown}; valid: {', '.join(valid)}")

    @property
    def empty(self) -> bool:
        """True when the model needs nothing beyond RecBole's dataset."""
        return not (self.items or self.users or self.item_kg or self.teacher_checkpoint or self.item_entities)


@dataclass(frozen=True)
class FeatureView:
    """One frozen view of ``n`` entities in RecBole's internal order.

    Attributes:
        values: ``[n, f]`` float32; rows without the view are zero.
        mask: ``[n]`` bool, True where the entity has the view (row 0, RecBole's padding, is False).
    """

    values: Tensor
    mask: Tensor

    def __post_init__(self) -> None:
        if self.values.dim() != 2 or self.mask.shape != (self.values.shape[0],) or self.mask.dtype != torch.bool:
            raise ValueError(f"a feature view needs values [n, f] and a bool mask [n], got "
                             f"{tuple(self.values.shape)} and {tuple(self.mask.shape)} {self.mask.dtype}")

    @property
    def coverage(self) -> int:
        """Entities that have the view."""
        return int(self.mask.sum())


@dataclass(frozen=True)
class ItemKG:
    """Item-headed KG triples in model indices, for a translational KG loss.

    Attributes:
        heads: ``[T]`` internal item ids; relations: ``[T]`` relation indices;
        tails: ``[T]`` rows of ``entities``; entities: ``[E, f]`` frozen entity embeddings;
        n_relations: size of the relation vocabulary.
    """

    heads: Tensor
    relations: Tensor
    tails: Tensor
    entities: Tensor
    n_relations: int


@dataclass(frozen=True)
class ItemEntities:
    """The KG as item-entity incidence: which entities each item is tied to (no training).

    Attributes:
        incidence: ``[n_items, E]`` CSR, 1 where the item's ``.link`` entity and the entity share a
            triple (either direction, any relation); row 0 (padding) and unlinked items are empty.
        adjacency: ``[E, E]`` CSR, 1 where two entities share a triple (for two-hop neighbourhoods).
        entity_tokens: the external token of each column.
    """

    incidence: sp.csr_matrix
    adjacency: sp.csr_matrix
    entity_tokens: tuple[str, ...]

    def __post_init__(self) -> None:
        n_entities = len(self.entity_tokens)
        if self.incidence.shape[1] != n_entities or self.adjacency.shape != (n_entities, n_entities):
            raise ValueError(
                f"item-entity incidence {self.incidence.shape} and adjacency {self.adjacency.shape} do not match "
                f"{n_entities} entities"
            )

    @property
    def coverage(self) -> int:
        """Items tied to at least one entity."""
        return int((np.diff(self.incidence.indptr) > 0).sum())


@dataclass(frozen=True)
class ModelFeatures:
    """The frozen inputs a model declared (see :class:`FeatureNeeds`), aligned to internal ids."""

    items: Mapping[str, FeatureView] = field(default_factory=dict)
    users: Mapping[str, FeatureView] = field(default_factory=dict)
    item_kg: ItemKG | None = None
    teacher: TeacherScorer | None = None
    item_entities: ItemEntities | None = None


def require_features(model: str, features: ModelFeatures | None) -> ModelFeatures:
    """``features``, or a one-line error when a model that declares features was built without
    them (RecBole's own ``get_model(name)(config, dataset)`` path)."""
    if features is None:
        from recbole_kgllm.errors import ConfigError

        raise ConfigError(
            f"{model} receives its KG and text features from recbole_kgllm's run pipeline: build it with "
            "recbole_kgllm.recbole_integration.pipeline.build_model(config, dataset) (run_recbole does)"
        )
    return features


@dataclass(frozen=True)
class TrainingData:
    """The training split as a backbone sees it (no RecBole objects).

    Attributes:
        interactions: ``[n_users, n_items]`` CSR matrix of training interactions (float32, 1 per
            interaction), internal ids, row and column 0 are RecBole's padding.
        train_share: the share of each user's interactions a ratio split puts into training
            (``None`` for other splits), see :func:`recbole_kgllm.model.cold_start.new_item_share`.
    """

    interactions: sp.csr_matrix
    train_share: float | None = None

    @property
    def n_users(self) -> int:
        return int(self.interactions.shape[0])

    @property
    def n_items(self) -> int:
        return int(self.interactions.shape[1])

    def item_counts(self) -> np.ndarray:
        """Training interactions per item, ``[n_items]``."""
        return np.asarray(self.interactions.getnnz(axis=0)).astype(np.int64)


__all__ = [
    "FeatureNeeds",
    "FeatureView",
    "ITEM_VIEWS",
    "ItemEntities",
    "ItemKG",
    "ModelFeatures",
    "TeacherScorer",
    "TrainingData",
    "USER_VIEWS",
    "require_features",
]
