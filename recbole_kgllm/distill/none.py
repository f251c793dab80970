"""The no-op distiller: no auxiliary loss."""
from __future__ import annotations

from torch import Tensor

from recbole_kgllm.distill.base import DistillInputs, Distiller


class NoDistiller(Distiller):
    """Adds nothing: a scalar zero on the batch's device and dtype (the ``distiller: none`` default).

    Reference: none; this is the baseline every distiller is compared against. Masks are
    irrelevant.

    Args:
        dim: Model dimension ``d`` (unused).
        weight: Multiplier (the result is zero anyway).
    """

    name = "none"

    def compute_loss(self, inputs: DistillInputs) -> Tensor:
        """Scalar zero, ``[]``, with the dtype/device of ``inputs.collab`` (no gradient)."""
        return inputs.zero()
