"""KG-embedding settings, read once from the config. The field defaults below are THE defaults
(the model YAML must carry the same values; a test compares them)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recbole_kgllm.config_fields import (
    as_float,
    as_int,
    as_kwargs,
    as_optional_int,
    as_optional_str,
    as_str,
    config_defaults,
    config_value,
    read_settings,
    setting,
)
from recbole_kgllm.store.paths import resolve_cache_dir


@dataclass(frozen=True)
class KGFeatureSettings:
    """How KG embeddings are trained with PyKEEN.

    Attributes:
        model: PyKEEN model name, resolved by PyKEEN (``TransE``, ``RotatE``, ``ComplEx``...).
        model_kwargs: extra keyword arguments of the PyKEEN model.
        embedding_dim: PyKEEN's ``embedding_dim`` (complex models store twice as many reals).
        epochs: training epochs.
        batch_size: training batch size.
        learning_rate: optimiser (Adam) learning rate.
        eval_share: share of triples held out for evaluation, in [0.001, 0.5] (quality stays visible).
        eval_max_triples: at most this many held-out triples are ranked (bounded cost).
        pipeline_kwargs: extra keyword arguments of ``pykeen.pipeline.pipeline`` (``loss``,
            ``negative_sampler``, ``training_loop``...).
        seed: random seed (``None`` in the config: RecBole's ``seed``).
        log_dir: TensorBoard folder (``None``: ``<feature_cache_dir>/tensorboard``); not in the key.
        cache_dir: the feature store folder (``feature_cache_dir``).
        device: torch device name, from RecBole's ``device``.
    """

    model: str = setting("kg_model", "TransE", as_str)
    model_kwargs: dict[str, Any] = setting("kg_model_kwargs", {}, as_kwargs)
    embedding_dim: int = setting("kg_embedding_dim", 64, as_int(1))
    epochs: int = setting("kg_epochs", 20, as_int(1))
    batch_size: int = setting("kg_batch_size", 1024, as_int(1))
    learning_rate: float = setting("kg_learning_rate", 0.01, as_float(0.0, 10.0))
    eval_share: float = setting("kg_eval_share", 0.1, as_float(0.001, 0.5))
    eval_max_triples: int = setting("kg_eval_max_triples", 1000, as_int(1))
    pipeline_kwargs: dict[str, Any] = setting("kg_pipeline_kwargs", {}, as_kwargs)
    seed: int | None = setting("kg_seed", None, as_optional_int)
    log_dir: str | None = setting("kg_log_dir", None, as_optional_str)
    cache_dir: str | None = setting("feature_cache_dir", None, as_optional_str)
    device: str = "cpu"

    @classmethod
    def from_config(cls, config: Any) -> KGFeatureSettings:
        """Read the settings from a RecBole ``Config`` (or mapping); ``kg_seed`` falls back to ``seed``."""
        settings = read_settings(cls, config, device=str(config_value(config, "device") or "cpu"))
        if settings.seed is None:
            seed = config_value(config, "seed")
            settings = read_settings(cls, config, device=settings.device, seed=int(seed) if seed is not None else 2020)
        return settings

    @staticmethod
    def config_defaults() -> dict[str, Any]:
        """``{config key: default}``, e.g. ``{"kg_model": "TransE", ...}``."""
        return config_defaults(KGFeatureSettings)

    @property
    def store_dir(self) -> Path:
        """The resolved feature-store folder."""
        return resolve_cache_dir(self.cache_dir)

    @property
    def tensorboard_dir(self) -> Path:
        """The resolved TensorBoard folder."""
        return Path(self.log_dir).expanduser() if self.log_dir else self.store_dir / "tensorboard"

    def key_settings(self) -> dict[str, Any]:
        """The settings that change the embeddings (hashed into the store key)."""
        return {
            "kg_model": self.model,
            "kg_model_kwargs": self.model_kwargs,
            "kg_embedding_dim": self.embedding_dim,
            "kg_epochs": self.epochs,
            "kg_batch_size": self.batch_size,
            "kg_learning_rate": self.learning_rate,
            "kg_eval_share": self.eval_share,
            "kg_eval_max_triples": self.eval_max_triples,
            "kg_pipeline_kwargs": self.pipeline_kwargs,
            "kg_seed": self.seed,
            "device_type": self.device.split(":")[0],
        }


__all__ = ["KGFeatureSettings"]
