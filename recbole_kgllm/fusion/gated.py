"""Feature-wise gates over the modality views, computed from all present views jointly."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import torch
from torch import Tensor, nn

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.fusion.base import Fusion, masked_softmax

GateKind = Literal["softmax", "sigmoid"]


class GatedFusion(Fusion):
    """``e = sum_m g_m * v_m`` with feature-wise gates ``g_m`` in ``R^d`` learned from the views.

    A multi-modality Gated Multimodal Unit (Arevalo et al., "Gated Multimodal Units for
    Information Fusion", ICLR 2017 workshop): gate logits ``z = W [v_1; ...; v_M; p] + b``
    (``p`` = the row's presence indicators), reshaped to ``[M, d]``. With ``gate="softmax"``
    (default) the gates of each dimension are a softmax over the *present* modalities (for two
    modalities this is exactly the GMU's ``z`` / ``1 - z``); with ``gate="sigmoid"`` each
    present modality gets an independent ``sigmoid(z_m)`` gate (no competition).

    Masks: absent views enter the gate network as zeros (their values never leak), their
    gate is exactly 0, and the softmax is renormalised over the present ones. An all-missing
    row is the zero vector. :meth:`modality_weights` reports the mean gate per modality,
    renormalised over present modalities (rows sum to 1 in both gate kinds).

    Args:
        dim: Model dimension ``d``.
        modalities: View names, e.g. ``("id", "kg", "text")``.
        gate: ``"softmax"`` or ``"sigmoid"``.
    """

    name = "gated"

    def __init__(self, *, dim: int, modalities: Sequence[str], gate: GateKind = "softmax", **kwargs: Any) -> None:
        super().__init__(dim=dim, modalities=modalities, **kwargs)
        if gate not in ("softmax", "sigmoid"):
            raise ConfigError(f"fusion 'gated' needs gate in softmax, sigmoid; got '{gate}'")
        self.gate = gate
        n = len(self.modalities)
        self.gate_net = nn.Linear(n * self.dim + n, n * self.dim)

    def forward(self, views: Mapping[str, Tensor], masks: Mapping[str, Tensor] | None = None) -> Tensor:
        """Gate and sum the present views.

        Args:
            views: Modality -> ``[N, d]``.
            masks: Modality -> ``[N]`` bool (``True`` = present); missing key = all present.

        Returns:
            ``[N, d]``.
        """
        x, present = self.stack(views, masks)  # [N, M, d], [N, M]
        n, m, d = x.shape
        logits = self.gate_net(torch.cat([x.flatten(start_dim=1), present.to(x.dtype)], dim=1)).view(n, m, d)
        mask = present.unsqueeze(-1)
        if self.gate == "softmax":
            gates = masked_softmax(logits, mask, dim=1)
            share = gates
        else:
            gates = torch.sigmoid(logits) * mask.to(x.dtype)
            share = gates / gates.sum(dim=1, keepdim=True).clamp(min=torch.finfo(x.dtype).tiny)
        self.record_weights(share.mean(dim=-1))
        return (gates * x).sum(dim=1)
