"""Built-in ranking losses of the gradient backbones, registered through the same hook as
third-party plugins."""
from __future__ import annotations

from recbole_kgllm import hookimpl
from recbole_kgllm.hookspecs import Register


@hookimpl
def kgllm_register_losses(register: Register) -> None:
    """Register the built-in losses: bpr, softmax (sampled softmax / InfoNCE), ccl (SimpleX)."""
    from recbole_kgllm.losses.bpr import BPRLoss
    from recbole_kgllm.losses.cosine import CosineContrastiveLoss
    from recbole_kgllm.losses.softmax import SoftmaxLoss

    for cls in (BPRLoss, SoftmaxLoss, CosineContrastiveLoss):
        register(cls)
