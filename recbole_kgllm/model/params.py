"""Typed parameters of the KGLLM models, read once from a RecBole config.

Field names mirror the keys of ``properties/model/KGLLMRec.yaml``; a test keeps the YAML, these
dataclasses and ``docs/configuration.md`` in agreement. Feature-pipeline keys (``kg_*``,
``text_*``, ``feature_cache_dir``) are read by :mod:`recbole_kgllm.features`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.config_fields import config_value

if TYPE_CHECKING:
    from recbole_kgllm.model.backbones.base import Backbone

T = TypeVar("T", bound="ModelParams")


@dataclass(frozen=True)
class ModelParams:
    """Common reader: every field is taken from the config when present."""

    @classmethod
    def from_config(cls: type[T], config: Any) -> T:
        """Build from a RecBole ``Config`` (or any mapping); absent keys keep the defaults."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = config_value(config, f.name)
            if value is not None:
                values[f.name] = value
        params = cls(**values)
        params.validate()
        return params

    def validate(self) -> None:
        """Raise :class:`ConfigError` for values out of range."""
        size = getattr(self, "embedding_size", 1)
        if size <= 0:
            raise ConfigError(f"embedding_size must be positive, got {size}")
        if not 0.0 <= self.id_dropout < 1.0:  # type: ignore[attr-defined]
            raise ConfigError(f"id_dropout must be in [0, 1), got {self.id_dropout}")  # type: ignore[attr-defined]


def check_item_init(kind: str) -> None:
    """Raise :class:`ConfigError` unless ``kind`` names an ID-table initialiser."""
    from recbole_kgllm.model.item_init import INITIALISERS

    if kind not in INITIALISERS:
        raise ConfigError(f"item_init must be one of {', '.join(INITIALISERS)}, got '{kind}'")


#: RecBole trainer keys whose ``KGLLMRec`` default differs from RecBole's (``KGLLMRec.yaml``): the
#: gradient backbones' recipe chosen on validation (``docs/tuning.md``, "Gradient backbones");
#: the closed form ignores both.
TRAINER_DEFAULTS: dict[str, Any] = {"learning_rate": 0.002, "stopping_step": 20}


@dataclass(frozen=True)
class KGLLMRecParams(ModelParams):
    """Parameters of :class:`recbole_kgllm.model.kgllmrec.KGLLMRec`."""

    embedding_size: int = 64
    backbone: str = "ease"
    backbone_kwargs: dict[str, Any] = field(default_factory=dict)
    fusion: str = "sum"
    fusion_kwargs: dict[str, Any] = field(default_factory=dict)
    distiller: str = "none"
    distiller_kwargs: dict[str, Any] = field(default_factory=dict)
    use_kg: bool = True
    use_text: bool = True
    use_user_text: bool = False
    projector: Literal["linear", "mlp"] = "linear"
    reg_weight: float = 1e-05
    loss: str = "softmax"
    loss_kwargs: dict[str, Any] = field(default_factory=dict)
    item_init: Literal["random", "content"] = "random"
    id_dropout: float = 0.0
    cold_start: Literal["content_head", "none"] = "content_head"
    cold_start_weight: float = 1.0
    kg_loss_weight: float = 0.0
    teacher_checkpoint: str | None = None
    require_pow: bool = False

    def validate(self) -> None:
        super().validate()
        from recbole_kgllm.registry import get_registry

        backbone = self.backbone_class()
        get_registry("fusion").entry(self.fusion)
        get_registry("distiller").entry(self.distiller)
        get_registry("loss").entry(self.loss)
        backbone.check_params(self)
        if self.projector not in ("linear", "mlp"):
            raise ConfigError(f"projector must be 'linear' or 'mlp', got '{self.projector}'")
        if self.cold_start not in ("content_head", "none"):
            raise ConfigError(f"cold_start must be 'content_head' or 'none', got '{self.cold_start}'")
        check_item_init(self.item_init)
        if self.distiller == "teacher" and not self.teacher_checkpoint and backbone.fit_kind == "gradient":
            raise ConfigError("distiller 'teacher' needs teacher_checkpoint=<path of a saved model>")

    def backbone_class(self) -> type[Backbone]:
        """The registered backbone class named by ``backbone``."""
        from recbole_kgllm.registry import resolve

        return resolve("backbone", self.backbone)

    @classmethod
    def model_settings(cls) -> list[str]:
        """The settings a backbone may or may not read: all but ``backbone``, its kwargs and
        ``require_pow`` (RecBole's own key, in every RecBole config)."""
        return [f.name for f in fields(cls) if f.name not in ("backbone", "backbone_kwargs", "require_pow")]


@dataclass(frozen=True)
class KGLLMSeqRecParams(ModelParams):
    """Parameters of :class:`recbole_kgllm.model.kgllmseqrec.KGLLMSeqRec` (SASRec's own keys are
    read by SASRec from the same config; ``hidden_size`` is the model dimension)."""

    fusion: str = "sum"
    fusion_kwargs: dict[str, Any] = field(default_factory=dict)
    use_kg: bool = True
    use_text: bool = True
    projector: Literal["linear", "mlp"] = "linear"
    id_dropout: float = 0.0
    item_init: Literal["random", "content"] = "random"
    cold_start: Literal["content_head", "none"] = "content_head"
    cold_start_weight: float = 1.0

    def validate(self) -> None:
        super().validate()
        from recbole_kgllm.registry import get_registry

        get_registry("fusion").entry(self.fusion)
        check_item_init(self.item_init)
        if self.cold_start not in ("content_head", "none"):
            raise ConfigError(f"cold_start must be 'content_head' or 'none', got '{self.cold_start}'")
