"""Matrix factorisation backbone: scores are dot products of the fused layer-0 representations
(with ``loss: bpr`` this is BPR-MF: Rendle et al., UAI 2009)."""
from __future__ import annotations

from torch import Tensor

from recbole_kgllm.model.backbones.fused import FusedBackbone


class MFBackbone(FusedBackbone):
    """Identity propagation; no ``backbone_kwargs``."""

    name = "mf"

    def propagate(self, users: Tensor, items: Tensor) -> tuple[Tensor, Tensor]:
        return users, items
