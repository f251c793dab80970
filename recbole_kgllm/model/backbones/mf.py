"""Matrix factorisation backbone: scores are dot products of the layer-0 representations
(BPR: Rendle et al., UAI 2009)."""
from __future__ import annotations

from torch import Tensor

from recbole_kgllm.model.backbones.base import Backbone


class MFBackbone(Backbone):
    """Identity propagation; with the BPR loss of the model this is BPR-MF."""

    name = "mf"

    def propagate(self, users: Tensor, items: Tensor) -> tuple[Tensor, Tensor]:
        return users, items
