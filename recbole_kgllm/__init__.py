"""recbole-kgllm: knowledge-graph and language-model enhanced recommenders for RecBole.

Importing this package is cheap and changes nothing in RecBole: the compatibility layer and
model aliases are applied only by the package's entry points (``run_recbole``,
``recbole-kgllm``, :func:`recbole_kgllm.quick_start.run`, :func:`load_data_and_model`).
"""
from __future__ import annotations

import pluggy

__version__ = "0.1.0"

#: Marker for plugin hook implementations: ``@hookimpl def kgllm_register_fusions(register): ...``
hookimpl = pluggy.HookimplMarker("recbole_kgllm")


def load_data_and_model(model_file: str, *, trust_checkpoint: bool = False):  # noqa: ANN201 - lazy import keeps import cheap
    """Load a checkpoint saved by RecBole for any model, ours, a plugin's or RecBole's;
    ``trust_checkpoint`` unpickles it without the allow-list (``docs/reliability.md``).

    See :func:`recbole_kgllm.recbole_integration.checkpoint.load_data_and_model`.
    """
    from recbole_kgllm.recbole_integration.checkpoint import load_data_and_model as _load

    return _load(model_file, trust_checkpoint=trust_checkpoint)


def recommend(checkpoint_or_model, users, k: int = 10, explain: bool = False, **kwargs):  # noqa: ANN001, ANN201
    """Top-``k`` items, with reasons if ``explain``, for user tokens of a checkpoint or export.

    See :func:`recbole_kgllm.serving.recommend`.
    """
    from recbole_kgllm.serving import recommend as _recommend

    return _recommend(checkpoint_or_model, users, k, explain, **kwargs)


__all__ = ["__version__", "hookimpl", "load_data_and_model", "recommend"]
