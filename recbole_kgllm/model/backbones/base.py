"""The backbone contract: what :class:`~recbole_kgllm.model.kgllmrec.KGLLMRec` delegates to.

A backbone owns how users and items are represented, trained and scored. It receives the
training interactions and the frozen feature views it declared (:class:`FeatureNeeds`), never a
RecBole object, so it can be built and tested on synthetic inputs
(:func:`recbole_kgllm.testing.backbone_contract.check_backbone_contract`).

Backbones register through the ``kgllm_register_backbones`` hook and are selected with
``backbone: <name>``. Two ways of training exist, declared by :attr:`Backbone.fit_kind`:

* ``"gradient"``: RecBole's training loop calls :meth:`Backbone.loss_terms` on each batch
  (subclass :class:`~recbole_kgllm.model.backbones.fused.FusedBackbone` and implement
  ``propagate`` to get fusion, distillation and cold start for free);
* ``"closed_form"``: the backbone fits itself when built; the trainer only validates and saves.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from torch import Tensor, nn

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.model.inputs import FeatureNeeds, ModelFeatures, TrainingData
from recbole_kgllm.registry import get_registry

if TYPE_CHECKING:
    from recbole_kgllm.model.params import KGLLMRecParams

FitKind = Literal["gradient", "closed_form"]


class Backbone(nn.Module, ABC):
    """Base class of every backbone (see the module docstring).

    Args:
        params: the model's settings (``backbone_kwargs`` holds this backbone's own options).
        data: the training interactions.
        features: the frozen views this backbone asked for in :meth:`feature_needs`.
    """

    name: ClassVar[str]
    #: How it is trained (not ``training``: that is ``nn.Module``'s train/eval flag).
    fit_kind: ClassVar[FitKind] = "gradient"
    #: The KGLLMRec settings this backbone reads besides ``backbone``/``backbone_kwargs``; a
    #: setting outside it, changed from its default, is an error (it would be silently ignored).
    reads: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    @abstractmethod
    def feature_needs(cls, params: KGLLMRecParams) -> FeatureNeeds:
        """The frozen inputs this backbone reads with ``params`` (nothing else is computed)."""

    @classmethod
    def check_params(cls, params: KGLLMRecParams) -> None:
        """Raise :class:`ConfigError` naming every changed setting this backbone does not read."""
        defaults = type(params)()
        ignored = sorted(
            name for name in params.model_settings()
            if name not in cls.reads and getattr(params, name) != getattr(defaults, name)
        )
        if ignored:
            changed = ", ".join(f"{name}={getattr(params, name)!r}" for name in ignored)
            readers = ", ".join(e.name for e in get_registry("backbone") if set(ignored) <= e.obj.reads) or "none"
            raise ConfigError(
                f"backbone '{cls.name}' does not use {changed}: it would be ignored "
                f"(backbones that use {'it' if len(ignored) == 1 else 'them'}: {readers})"
            )

    def __init__(self, *, params: KGLLMRecParams, data: TrainingData, features: ModelFeatures) -> None:
        super().__init__()
        self.n_users, self.n_items = data.n_users, data.n_items

    @staticmethod
    def reject_unknown(name: str, kwargs: dict[str, Any]) -> None:
        """Raise :class:`ConfigError` for ``backbone_kwargs`` this backbone does not know."""
        if kwargs:
            raise ConfigError(f"backbone '{name}' got unknown backbone_kwargs: {sorted(kwargs)}")

    @abstractmethod
    def loss_terms(self, users: Tensor, pos: Tensor, neg: Tensor) -> dict[str, Tensor]:
        """Named loss terms of one batch of ``[B]`` users, positive and negative items."""

    @abstractmethod
    def full_scores(self, users: Tensor) -> Tensor:
        """``[B, n_items]`` scores of every item for the ``[B]`` users."""

    def pair_scores(self, users: Tensor, items: Tensor) -> Tensor:
        """``[B]`` scores of ``(users[b], items[b])``."""
        return self.full_scores(users).gather(1, items.unsqueeze(1)).squeeze(1)

    def pop_fusion_weights(self) -> dict[str, dict[str, float]]:
        """Average fusion weight per entity and modality since the last call (TensorBoard)."""
        return {}


__all__ = ["Backbone", "FitKind"]
