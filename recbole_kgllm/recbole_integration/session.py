"""One idempotent step that readies RecBole for our entry points.

Importing ``recbole_kgllm`` changes nothing; every entry point (CLI, :mod:`quick_start`,
:func:`recbole_kgllm.load_data_and_model`) calls :func:`prepare_recbole` first, which applies
the compatibility layer and makes plugin models findable by RecBole's own lookups.
"""
from __future__ import annotations

from recbole_kgllm.recbole_integration.compat import apply_compat
from recbole_kgllm.recbole_integration.model_lookup import install_model_aliases


def prepare_recbole() -> None:
    """Apply the compatibility layer and install plugin-model aliases (safe to call twice)."""
    apply_compat()
    install_model_aliases()
