"""Building RecBole ``Config`` objects that know plugin models and their YAML defaults.

RecBole reads model defaults only from ``recbole/properties/model/<Model>.yaml`` inside its own
package, and reads ``sys.argv`` itself. :class:`KGLLMConfig` adds the defaults a plugin
registered (``register(Model, defaults=path)``) with the same rank as RecBole's own model YAML
(above ``overall.yaml``, below the dataset YAML and every user config), and
:func:`build_config` isolates ``sys.argv`` so command lines are parsed once, by us.
"""
from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from recbole.config import Config
from recbole.utils import ModelType

from recbole_kgllm.errors import ConfigError, DatasetNotFoundError

#: The atomic-file suffixes RecBole can load for a dataset.
ATOMIC_SUFFIXES = ("inter", "user", "item", "kg", "link", "net")


def model_defaults_files(model: str) -> list[Path]:
    """The YAML files of defaults a plugin registered for ``model``, later ones winning (empty
    for RecBole models). ``register(Model, defaults=path)`` or ``defaults=[base, own]``."""
    from recbole_kgllm.registry import get_registry

    registry = get_registry("model")
    if model not in registry:
        return []
    defaults = registry.entry(model).meta.get("defaults") or []
    return [Path(p) for p in ([defaults] if isinstance(defaults, (str, Path)) else defaults)]


def recbole_properties() -> Path:
    """RecBole's own ``properties`` folder (model, dataset and overall YAML defaults)."""
    return Path(sys.modules[Config.__module__].__file__).resolve().parent.parent / "properties"


def recbole_model_defaults(model: str) -> Path:
    """The YAML file of RecBole's own defaults for one of its models (e.g. ``SASRec``)."""
    return recbole_properties() / "model" / f"{model}.yaml"


class KGLLMConfig(Config):
    """RecBole's ``Config`` plus the YAML defaults of plugin models.

    One more default: a sequential model trained with the cross-entropy loss (SASRec's default
    ``loss_type: CE``) gets ``train_neg_sample_args: None`` unless the user set it. RecBole 1.2.1
    requires exactly that and otherwise refuses to build the config, so its own runner fails for
    SASRec with default settings.
    """

    def _load_internal_config_dict(self, model: str, model_class: Any, dataset: str) -> None:
        super()._load_internal_config_dict(model, model_class, dataset)
        self._load_plugin_defaults(model, dataset)
        merged = {**self.internal_config_dict, **self.external_config_dict}
        if (
            merged.get("MODEL_TYPE") == ModelType.SEQUENTIAL
            and merged.get("loss_type") == "CE"
            and "train_neg_sample_args" not in self.external_config_dict
        ):
            self.internal_config_dict["train_neg_sample_args"] = None

    def _load_plugin_defaults(self, model: str, dataset: str) -> None:
        files = model_defaults_files(model)
        if not files:
            return
        for defaults in files:
            if not defaults.is_file():
                raise ConfigError(f"defaults file of model '{model}' is missing: {defaults}")
            self._update_internal_config_dict(str(defaults))
        # RecBole ranks a dataset's YAML above the model's: keep that order for ours too.
        dataset_yaml = recbole_properties() / "dataset" / f"{dataset}.yaml"
        if dataset_yaml.is_file():
            self._update_internal_config_dict(str(dataset_yaml))


@contextlib.contextmanager
def isolated_argv(program: str = "recbole-kgllm") -> Iterator[None]:
    """Hide the real command line from RecBole's ``Config`` (which parses ``sys.argv``)."""
    saved = sys.argv
    sys.argv = [program]
    try:
        yield
    finally:
        sys.argv = saved


def parse_overrides(args: Sequence[str]) -> dict[str, str]:
    """``["--epochs=1", "--fusion=gated"]`` -> ``{"epochs": "1", "fusion": "gated"}``.

    Values stay strings; RecBole's ``Config`` converts them exactly as it converts its own
    command line. Raises :class:`ConfigError` for anything not of the form ``--key=value``.
    """
    overrides: dict[str, str] = {}
    for arg in args:
        key, sep, value = arg[2:].partition("=") if arg.startswith("--") else ("", "", "")
        if not key or not sep:
            raise ConfigError(f"unrecognised argument '{arg}': settings are written --key=value")
        if key in overrides and overrides[key] != value:
            raise ConfigError(f"setting '{key}' is given twice with different values")
        overrides[key] = value
    return overrides


def build_config(
    model: str,
    dataset: str,
    config_file_list: Sequence[str] | None = None,
    config_dict: dict[str, Any] | None = None,
) -> Config:
    """A RecBole config for any model (plugin or RecBole), checked for a present dataset.

    Args:
        model: model name, e.g. ``"BPR"`` or ``"KGLLMRec"``.
        dataset: dataset name, e.g. ``"ml-100k"``.
        config_file_list: YAML files, later ones winning.
        config_dict: settings that win over the files (values may be strings, as on a command line).

    Raises:
        UnknownModelError: the model does not exist.
        DatasetNotFoundError: the dataset's atomic files are not where RecBole will look.
        ConfigError: a config file is missing, or ``valid_metric`` is not among the computed metrics.
    """
    from recbole_kgllm.recbole_integration.model_lookup import resolve_model

    model_class = resolve_model(model)
    for file in config_file_list or []:
        if not os.path.isfile(file):
            raise ConfigError(f"config file not found: {file}")
    with isolated_argv():
        config = KGLLMConfig(
            model=model_class,
            dataset=dataset,
            config_file_list=list(config_file_list or []) or None,
            config_dict=dict(config_dict or {}) or None,
        )
    check_dataset(config)
    check_valid_metric(config)
    return config


def check_valid_metric(config: Config) -> None:
    """Raise :class:`ConfigError` when RecBole would not compute ``valid_metric`` (it would only
    fail after the first epoch, with ``KeyError: 'mrr@10'``)."""
    valid, metrics = config["valid_metric"], config["metrics"]
    if not valid or not metrics:
        return
    family, _, cutoff = str(valid).lower().partition("@")
    names = [str(m).lower() for m in (metrics if isinstance(metrics, (list, tuple)) else [metrics])]
    topk = config["topk"]
    topk = [int(k) for k in (topk if isinstance(topk, (list, tuple)) else [topk])] if topk is not None else []
    if family not in names or (cutoff.isdigit() and topk and int(cutoff) not in topk):
        raise ConfigError(
            f"valid_metric '{valid}' is not computed with metrics={list(metrics)} and topk={topk}: "
            f"add it to metrics/topk or set --valid_metric to one of them (e.g. {names[0].upper()}@{topk[0] if topk else 10})"
        )


def check_dataset(config: Config) -> None:
    """Raise :class:`DatasetNotFoundError` unless ``config``'s dataset folder has atomic files."""
    dataset, folder = config["dataset"], Path(config["data_path"]).resolve()
    if not any((folder / f"{dataset}.{suffix}").is_file() for suffix in ATOMIC_SUFFIXES):
        raise DatasetNotFoundError(
            f"dataset '{dataset}' not found: looked for {folder}/{dataset}.inter "
            f"(set --data_path to the folder that holds the '{dataset}' folder)"
        )
