"""Reloading RecBole checkpoints of any model, plugin models included."""
from __future__ import annotations

from typing import Any

from recbole_kgllm.recbole_integration.session import prepare_recbole


def load_data_and_model(model_file: str) -> tuple[Any, Any, Any, Any, Any, Any]:
    """RecBole's ``load_data_and_model`` for every model.

    RecBole's own fails for models outside its package (its lookup cannot see them) and, on
    torch >= 2.6, for every model (its checkpoints are not weights-only). After
    :func:`prepare_recbole` both work, so this delegates to RecBole.

    Returns:
        ``(config, model, dataset, train_data, valid_data, test_data)`` as RecBole does.
    """
    from pathlib import Path

    from recbole.quick_start import load_data_and_model as recbole_load

    from recbole_kgllm.errors import KGLLMError

    if not Path(model_file).is_file():
        raise KGLLMError(f"checkpoint not found: {model_file}")
    prepare_recbole()
    return recbole_load(model_file)
