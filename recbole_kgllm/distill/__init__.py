"""Distillation/alignment strategies: auxiliary losses from a batch's embeddings and scores.

Built-ins are registered in :mod:`recbole_kgllm.default_plugins.distillers`; select one by
name with ``recbole_kgllm.registry.resolve("distiller", name)``.
"""
from __future__ import annotations

from recbole_kgllm.distill.base import DistillInputs, Distiller
from recbole_kgllm.distill.losses import info_nce

__all__ = ["DistillInputs", "Distiller", "info_nce"]
