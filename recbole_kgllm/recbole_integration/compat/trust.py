"""Whether the user trusts the pickled files (checkpoints, saved datasets) this process loads.

Default: not trusted. Checkpoints then load through the restricted unpickler
(:mod:`.safe_unpickle`) and RecBole's saved datasets/dataloaders (full pickles) are refused.
Three equivalent opt-ins, for files the user made or otherwise trusts:

* ``run_recbole --trust_checkpoint`` (or ``--trust_checkpoint=True``), i.e. the config key
  ``trust_checkpoint: True`` in any config file;
* ``recbole_kgllm.load_data_and_model(path, trust_checkpoint=True)``;
* the environment variable ``RECBOLE_KGLLM_TRUST_CHECKPOINT=1`` (inherited by child processes).
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

__all__ = [
    "CONFIG_KEY",
    "ENV_TRUST",
    "checkpoints_trusted",
    "config_trusts_checkpoints",
    "trusted_checkpoints",
]

#: Environment variable that trusts every pickled file this process loads.
ENV_TRUST = "RECBOLE_KGLLM_TRUST_CHECKPOINT"
#: Config key (and command-line flag) of the same opt-in.
CONFIG_KEY = "trust_checkpoint"

_TRUE = {"1", "true", "yes", "on", "y"}
_trusted_depth = 0


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() in _TRUE


def checkpoints_trusted() -> bool:
    """True inside :func:`trusted_checkpoints` (enabled) or when ``RECBOLE_KGLLM_TRUST_CHECKPOINT`` is set."""
    return _trusted_depth > 0 or _truthy(os.environ.get(ENV_TRUST, ""))


def config_trusts_checkpoints(config: Any) -> bool:
    """Whether a RecBole ``Config`` (or mapping) sets ``trust_checkpoint`` to a true value."""
    try:
        value = config[CONFIG_KEY]
    except (KeyError, TypeError):
        return False
    return _truthy(value) if value is not None else False


@contextlib.contextmanager
def trusted_checkpoints(enabled: bool = True) -> Iterator[None]:
    """Trust pickled files while inside (only when ``enabled``; nesting is fine)."""
    global _trusted_depth
    if not enabled:
        yield
        return
    _trusted_depth += 1
    try:
        yield
    finally:
        _trusted_depth -= 1
