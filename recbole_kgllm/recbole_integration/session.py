"""One idempotent step that readies RecBole for our entry points.

Importing ``recbole_kgllm`` changes nothing; every entry point (CLI, :mod:`quick_start`,
:func:`recbole_kgllm.load_data_and_model`) calls :func:`prepare_recbole` first, which applies
the compatibility layer and makes plugin models findable by RecBole's own lookups.
"""
from __future__ import annotations

import importlib

import torch

from recbole_kgllm.recbole_integration.compat import apply_compat
from recbole_kgllm.recbole_integration.model_lookup import install_model_aliases


def import_recbole_models() -> None:
    """Import RecBole's model packages, undoing their import-time global side effect.

    ``recbole/model/sequential_recommender/sine.py`` calls
    ``torch.autograd.set_detect_anomaly(True)`` when imported, so in RecBole's own runner every
    sequential and knowledge model (whose lookup imports that package) trains with NaN checks
    on every backward pass (30-55% slower) while general models do not. We import the packages
    once and restore the anomaly-detection state the process had before.
    """
    enabled = torch.is_anomaly_enabled()
    for package in ("general_recommender", "sequential_recommender", "knowledge_aware_recommender"):
        importlib.import_module(f"recbole.model.{package}")
    torch.autograd.set_detect_anomaly(enabled)


def prepare_recbole() -> None:
    """Apply the compatibility layer, import RecBole's models without their side effect and
    install plugin-model aliases (safe to call twice)."""
    apply_compat()
    import_recbole_models()
    install_model_aliases()
