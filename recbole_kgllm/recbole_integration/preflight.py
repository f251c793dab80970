"""Everything checked after the RecBole ``Config`` is built and before any work starts (before
RecBole's logger dumps the configuration, before a dataset is loaded, a feature computed or a
checkpoint written): settings, device requests, the data files, writable output folders.

Each problem is one typed error whose message is one line (``docs/reliability.md``). The run
pipeline calls :func:`preflight`; the multi-process launcher calls it once before spawning, with
:func:`recbole_kgllm.recbole_integration.distributed.check_processes`.
"""
from __future__ import annotations

import importlib
import os
import uuid
from pathlib import Path
from typing import Any

from recbole_kgllm.errors import ConfigError, UnknownComponentError
from recbole_kgllm.recbole_integration.validation import ValidationReport, validate_dataset
from recbole_kgllm.recbole_integration.validation.targets import feature_views

__all__ = ["MODEL_PARAMS", "check_device", "check_settings", "check_writable", "preflight"]

#: Plugin models whose typed parameters can be checked from the config alone: model -> "module:Class"
#: (the class's ``from_config`` validates). The one place that knows our models' parameter classes.
MODEL_PARAMS: dict[str, str] = {
    "KGLLMRec": "recbole_kgllm.model.params:KGLLMRecParams",
    "KGLLMSeqRec": "recbole_kgllm.model.params:KGLLMSeqRecParams",
}

#: RecBole keys that must be at least the given number (an int key) or above it (a float key).
_MINIMUM_INT = {"epochs": 1, "train_batch_size": 1, "eval_batch_size": 1, "stopping_step": 1}
_POSITIVE_FLOAT = ("learning_rate",)


def _get(config: Any, key: str) -> Any:
    try:
        return config[key] if key in config else None
    except (KeyError, TypeError):
        return None


def _check_numbers(config: Any) -> None:
    for key, minimum in _MINIMUM_INT.items():
        value = _get(config, key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < minimum):
            raise ConfigError(f"--{key}={value!r}: {key} must be an integer >= {minimum}")
    for key in _POSITIVE_FLOAT:
        value = _get(config, key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
            raise ConfigError(f"--{key}={value!r}: {key} must be a number > 0")


def _check_kg_model(config: Any) -> None:
    name = _get(config, "kg_model")
    if name is None:
        return
    from pykeen.models import model_resolver

    try:
        model_resolver.lookup(name)
    except (KeyError, ValueError, TypeError):
        valid = sorted(cls.__name__ for cls in model_resolver.lookup_dict.values())
        raise UnknownComponentError("KG model (kg_model, PyKEEN)", str(name), valid) from None


def _check_text_encoder(config: Any) -> None:
    kind = _get(config, "text_encoder_type")
    if kind is not None:
        from recbole_kgllm.registry import get_registry

        get_registry("text_encoder").entry(str(kind))
    name = _get(config, "text_encoder")
    if isinstance(name, str) and name.startswith(("/", "./", "../", "~")) and not Path(name).expanduser().is_dir():
        raise ConfigError(f"--text_encoder={name}: no such folder (give a model folder or a Hugging Face hub name)")


def _check_model_params(config: Any) -> None:
    target = MODEL_PARAMS.get(str(_get(config, "model")))
    if target is None:
        return
    module, _, name = target.partition(":")
    getattr(importlib.import_module(module), name).from_config(config)


def _check_feature_settings(config: Any) -> None:
    views = feature_views(config)
    if "kg" in views:
        from recbole_kgllm.features.kg.settings import KGFeatureSettings

        KGFeatureSettings.from_config(config)
    if views & {"text", "user_text"}:
        from recbole_kgllm.features.text.settings import TextFeatureSettings

        TextFeatureSettings.from_config(config)


def _check_teacher_checkpoint(config: Any) -> None:
    """Read a configured ``teacher_checkpoint`` now (restricted unless trusted), so a missing,
    unreadable or refused file is one line before any work rather than after the features."""
    path = _get(config, "teacher_checkpoint")
    if not path:
        return
    from recbole_kgllm.recbole_integration.compat.checkpoint import load_recbole_checkpoint
    from recbole_kgllm.recbole_integration.compat.trust import config_trusts_checkpoints

    if not Path(str(path)).is_file():
        raise ConfigError(f"--teacher_checkpoint={path}: no such file (give a checkpoint saved by run_recbole)")
    load_recbole_checkpoint(str(path), map_location="cpu", trust=config_trusts_checkpoints(config))


def _check_load_col(config: Any) -> None:
    """A knowledge model with a ``load_col`` that leaves out ``kg`` or ``link`` gets no KG from
    RecBole (``TypeError`` in ``KnowledgeBasedDataset._check_kg``)."""
    from recbole_kgllm.recbole_integration.validation.targets import is_knowledge_model

    load_col = _get(config, "load_col")
    if not isinstance(load_col, dict) or not is_knowledge_model(config):
        return
    needed = {
        "kg": [_get(config, k) for k in ("HEAD_ENTITY_ID_FIELD", "RELATION_ID_FIELD", "TAIL_ENTITY_ID_FIELD")],
        "link": [_get(config, k) for k in ("ITEM_ID_FIELD", "ENTITY_ID_FIELD")],
    }
    missing = {kind: fields for kind, fields in needed.items() if kind not in load_col}
    if missing:
        extra = ", ".join(f"'{kind}': {fields}" for kind, fields in missing.items())
        raise ConfigError(
            f"--load_col has no {' or '.join(repr(k) for k in missing)} entry, so RecBole loads no knowledge graph for "
            f"{_get(config, 'model')} (a knowledge model): add {extra} to load_col"
        )


#: Checks that need no data and no slow import, in order.
_CHEAP_CHECKS = (
    _check_numbers, _check_load_col, _check_text_encoder, _check_model_params, _check_feature_settings,
    _check_teacher_checkpoint,
)


def check_settings(config: Any) -> None:
    """Names and values, before any file is touched: RecBole's numeric keys, the KG model (PyKEEN
    resolves it, whether or not the KG view is used), the text encoder, our models' typed
    parameters and feature settings.

    Raises:
        ConfigError, UnknownComponentError: one line naming the setting and the fix.
    """
    for check in _CHEAP_CHECKS:
        check(config)
    _check_kg_model(config)


def check_writable(folder: Path, key: str) -> None:
    """Create ``folder`` if needed and prove a file can be written there (then remove it).

    Raises:
        ConfigError: one line naming the setting, the folder and the reason.
    """
    probe = folder / f".write-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ConfigError(f"--{key}={folder} is not a writable folder ({reason}): pass --{key}=<a folder you can write>") from None


def _explicit(config: Any, key: str) -> bool:
    return key in (getattr(config, "external_config_dict", None) or {})


def check_device(config: Any) -> None:
    """A ``gpu_id`` the user asked for must name a usable CUDA device (RecBole would silently
    fall back to the CPU).

    Raises:
        ConfigError: one line.
    """
    if not _explicit(config, "gpu_id") or _get(config, "use_gpu") is False or not str(_get(config, "gpu_id") or ""):
        return
    import torch

    if not torch.cuda.is_available():
        gpu_id = _get(config, "gpu_id")
        raise ConfigError(
            f"--gpu_id={gpu_id} names no usable CUDA device (torch {torch.__version__} sees "
            f"{torch.cuda.device_count()} with CUDA_VISIBLE_DEVICES={gpu_id}): pass the id of a GPU that exists, "
            "or --gpu_id= (empty) to run on the CPU"
        )


def preflight(
    config: Any, *, every_file: bool = False, checkpoints: bool = True, views: set[str] | None = None,
    training: bool = True,
) -> ValidationReport:
    """All checks before work, in order: settings, device, data files, the KG model name (PyKEEN's
    import takes seconds), writable folders.

    Args:
        config: the built RecBole ``Config`` (its ``encoding`` may become ``utf-8-sig``).
        every_file: validate every atomic file present (the benchmark).
        checkpoints: the run writes checkpoints (check that ``checkpoint_dir`` is writable).
        views: the feature views whose files to check (default: the model's).
        training: the data will be split and trained on (``recbole-kgllm features``: False).

    Returns:
        The data validation report (log its warnings once the logger is set up).
    """
    for check in _CHEAP_CHECKS:
        check(config)
    check_device(config)
    report = validate_dataset(config, every_file=every_file, views=views, training=training)
    _check_kg_model(config)  # imports PyKEEN (seconds): after the cheap checks
    if feature_views(config) if views is None else views:
        from recbole_kgllm.store.paths import resolve_cache_dir

        check_writable(resolve_cache_dir(_get(config, "feature_cache_dir")), "feature_cache_dir")
    if checkpoints and _get(config, "checkpoint_dir"):
        check_writable(Path(str(_get(config, "checkpoint_dir"))).expanduser(), "checkpoint_dir")
    return report
