"""Hook specifications: every hook only *registers* classes into name-keyed registries.

A plugin implements any of these with :data:`recbole_kgllm.hookimpl` and is found through the
``recbole_kgllm`` entry-point group (or registered directly on the plugin manager). The YAML
config then selects a component by name (``fusion: gated``). Hook call order never matters:
registering the same name twice in one family is an error naming both plugins.

Each hook receives ``register(obj, name=None, **meta)``; ``name`` defaults to the class's
``name`` attribute (strategies) or ``__name__`` (models).
"""
from __future__ import annotations

from typing import Any, Protocol

import pluggy

hookspec = pluggy.HookspecMarker("recbole_kgllm")


class Register(Protocol):
    """The callable handed to every registration hook."""

    def __call__(self, obj: Any, name: str | None = None, **meta: Any) -> None:
        """Register ``obj`` under ``name`` with optional metadata (e.g. ``defaults=<yaml path>``)."""


@hookspec
def kgllm_register_models(register: Register) -> None:
    """Register RecBole model classes (subclasses of ``recbole.model.abstract_recommender``).

    Call ``register(ModelClass, defaults=Path("ModelClass.yaml"))``: the model becomes runnable
    as ``run_recbole --model=ModelClass``; ``defaults`` is an optional YAML file of model
    defaults, applied under the user's configs.
    """


@hookspec
def kgllm_register_fusions(register: Register) -> None:
    """Register fusion strategies (subclasses of :class:`recbole_kgllm.fusion.base.Fusion`).

    Call ``register(GatedFusion)``: selectable as ``fusion: gated`` (the class's ``name``).
    """


@hookspec
def kgllm_register_distillers(register: Register) -> None:
    """Register distillation/alignment strategies (subclasses of
    :class:`recbole_kgllm.distill.base.Distiller`), selectable as ``distiller: <name>``."""


@hookspec
def kgllm_register_text_encoders(register: Register) -> None:
    """Register text encoders (subclasses of :class:`recbole_kgllm.features.text.encoder.TextEncoder`),
    selectable as ``text_encoder_type: <name>``."""


@hookspec
def kgllm_register_backbones(register: Register) -> None:
    """Register KGLLMRec backbones (subclasses of
    :class:`recbole_kgllm.model.backbones.base.Backbone`; for a gradient-trained one, subclass
    :class:`recbole_kgllm.model.backbones.fused.FusedBackbone` and implement ``propagate``),
    selectable as ``backbone: <name>``."""


#: Hook name -> registry family, the single source of truth for families.
FAMILIES: dict[str, str] = {
    "kgllm_register_models": "model",
    "kgllm_register_fusions": "fusion",
    "kgllm_register_distillers": "distiller",
    "kgllm_register_text_encoders": "text_encoder",
    "kgllm_register_backbones": "backbone",
}

__all__ = ["FAMILIES", "Register", "hookspec"]
