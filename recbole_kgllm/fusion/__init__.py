"""Fusion strategies: several modality views of the same rows in, one representation out.

Built-ins are registered in :mod:`recbole_kgllm.default_plugins.fusions`; select one by name
with ``recbole_kgllm.registry.resolve("fusion", name)``.
"""
from __future__ import annotations

from recbole_kgllm.fusion.base import ID_MODALITY, KG_MODALITY, TEXT_MODALITY, Fusion, masked_softmax

__all__ = ["ID_MODALITY", "KG_MODALITY", "TEXT_MODALITY", "Fusion", "masked_softmax"]
