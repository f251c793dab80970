"""Text-feature settings, read once from the config. The field defaults below are THE defaults
(the model YAML must carry the same values; a test compares them)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from recbole_kgllm.config_fields import (
    as_bool,
    as_choice,
    as_int,
    as_kwargs,
    as_optional_str,
    as_str,
    config_defaults,
    config_value,
    read_settings,
    setting,
)
from recbole_kgllm.store.paths import resolve_cache_dir

#: ``auto``: the template is built from the ``.item`` file's own text fields
#: (:mod:`recbole_kgllm.features.text.auto_template`), so a new dataset needs no setting.
DEFAULT_ITEM_TEMPLATE = "auto"
#: A hand-written template for ml-100k and the converted ml-1m (``movie_title``, ``release_year``,
#: ``class``), the default before ``auto``. ``{field:sep}`` joins a token sequence with ``sep``; a
#: plain ``{field}`` joins with spaces.
MOVIELENS_TEMPLATE = "{movie_title} ({release_year}). Genres: {class:, }"


@dataclass(frozen=True)
class TextFeatureSettings:
    """How item (and optionally user) texts are built and encoded.

    Attributes:
        encoder_type: registered text encoder (``text_encoder_type``), ``hf`` by default.
        encoder: model folder or hub name (``None``: the packaged all-MiniLM-L6-v2).
        encoder_kwargs: extra keyword arguments of the encoder (``hf``: ``from_pretrained``'s).
        pooling: ``mean`` (over non-padding tokens) or ``cls`` (first token).
        normalize: L2-normalise the pooled vectors.
        max_length: token limit per text (longer texts are truncated).
        batch_size: texts per forward pass (not in the key: it does not change the output).
        template: item text template over ``.item`` fields, or ``auto`` (built from the file's fields).
        user_template: user text template over ``.user`` fields, ``auto``, or ``None`` (no user text).
        cache_dir: the feature store folder (``feature_cache_dir``).
        device: torch device name, from RecBole's ``device`` (half precision on CUDA).
    """

    encoder_type: str = setting("text_encoder_type", "hf", as_str)
    encoder: str | None = setting("text_encoder", None, as_optional_str)
    encoder_kwargs: dict[str, Any] = setting("text_encoder_kwargs", {}, as_kwargs)
    pooling: Literal["mean", "cls"] = setting("text_pooling", "mean", as_choice("mean", "cls"))
    normalize: bool = setting("text_normalize", True, as_bool)
    max_length: int = setting("text_max_length", 128, as_int(2))
    batch_size: int = setting("text_batch_size", 64, as_int(1))
    template: str = setting("text_template", DEFAULT_ITEM_TEMPLATE, as_str)
    user_template: str | None = setting("user_text_template", None, as_optional_str)
    cache_dir: str | None = setting("feature_cache_dir", None, as_optional_str)
    device: str = "cpu"

    @classmethod
    def from_config(cls, config: Any) -> TextFeatureSettings:
        """Read the settings from a RecBole ``Config`` (or mapping)."""
        return read_settings(cls, config, device=str(config_value(config, "device") or "cpu"))

    @staticmethod
    def config_defaults() -> dict[str, Any]:
        """``{config key: default}``, e.g. ``{"text_pooling": "mean", ...}``."""
        return config_defaults(TextFeatureSettings)

    @property
    def store_dir(self) -> Path:
        """The resolved feature-store folder."""
        return resolve_cache_dir(self.cache_dir)


__all__ = ["DEFAULT_ITEM_TEMPLATE", "MOVIELENS_TEMPLATE", "TextFeatureSettings"]
