"""Built-in fusions, registered through the same hook as third-party plugins."""
from __future__ import annotations

from recbole_kgllm import hookimpl
from recbole_kgllm.hookspecs import Register


@hookimpl
def kgllm_register_fusions(register: Register) -> None:
    """Register the built-in fusions: sum, concat, gated, attention, moe, film."""
    from recbole_kgllm.fusion.attention import AttentionFusion
    from recbole_kgllm.fusion.concat import ConcatFusion
    from recbole_kgllm.fusion.film import FiLMFusion
    from recbole_kgllm.fusion.gated import GatedFusion
    from recbole_kgllm.fusion.moe import MoEFusion
    from recbole_kgllm.fusion.sum import SumFusion

    for cls in (SumFusion, ConcatFusion, GatedFusion, AttentionFusion, MoEFusion, FiLMFusion):
        register(cls)
