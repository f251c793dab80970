"""Built-in backbones, registered through the same hook as third-party plugins."""
from __future__ import annotations

from recbole_kgllm import hookimpl
from recbole_kgllm.hookspecs import Register


@hookimpl
def kgllm_register_backbones(register: Register) -> None:
    """Register the built-in backbones: ease (closed form), mf and lightgcn (gradient)."""
    from recbole_kgllm.model.backbones.ease import EaseBackbone
    from recbole_kgllm.model.backbones.lightgcn import LightGCNBackbone
    from recbole_kgllm.model.backbones.mf import MFBackbone

    for cls in (MFBackbone, LightGCNBackbone, EaseBackbone):
        register(cls)
