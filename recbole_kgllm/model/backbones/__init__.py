"""Backbones of KGLLMRec, selected by the ``backbone`` config key through a registry."""
from __future__ import annotations

from recbole_kgllm.model.backbones.base import Backbone
from recbole_kgllm.model.backbones.ease import EaseBackbone
from recbole_kgllm.model.backbones.lightgcn import LightGCNBackbone
from recbole_kgllm.model.backbones.mf import MFBackbone
from recbole_kgllm.registry import Registry

BACKBONES = Registry("backbone")
for _backbone in (MFBackbone, LightGCNBackbone, EaseBackbone):
    BACKBONES.add(_backbone, plugin="recbole_kgllm")

__all__ = ["BACKBONES", "Backbone", "EaseBackbone", "LightGCNBackbone", "MFBackbone"]
