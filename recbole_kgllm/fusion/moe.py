"""UniSRec-style MoE adaptor (parametric whitening experts) on the semantic views, plus the ID view."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.fusion.base import ID_MODALITY, Fusion


class MoEAdaptor(nn.Module):
    """Mixture of parametric-whitening experts: ``sum_k g_k(x) (dropout(x) - b_k) W_k``.

    Gate ``g = softmax(x W_g + eps * softplus(x W_n))`` with ``eps ~ N(0, 1)`` only in training
    when ``noisy_gating`` (Hou et al., KDD 2022, Sec. 3.1). Shapes: ``[N, d] -> [N, d]``.
    """

    def __init__(self, *, dim: int, n_experts: int, dropout: float, noisy_gating: bool) -> None:
        super().__init__()
        self.n_experts, self.dim, self.noisy_gating = n_experts, dim, noisy_gating
        self.bias = nn.Parameter(torch.zeros(n_experts, dim))
        self.weight = nn.Parameter(torch.randn(n_experts, dim, dim) * 0.02)
        self.gate = nn.Parameter(torch.zeros(dim, n_experts))
        self.noise = nn.Parameter(torch.zeros(dim, n_experts)) if noisy_gating else None
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        logits = x @ self.gate.to(x.dtype)  # [N, K]
        if self.noise is not None and self.training:
            std = F.softplus(x @ self.noise.to(x.dtype)) + 1e-2
            logits = logits + torch.randn_like(logits) * std
        gates = torch.softmax(logits, dim=-1)
        w = self.weight.to(x.dtype)
        experts = (self.dropout(x) @ w.permute(1, 0, 2).reshape(self.dim, -1)).view(-1, self.n_experts, self.dim)
        experts = experts - torch.einsum("kd,kde->ke", self.bias.to(x.dtype), w)  # (x - b_k) W_k
        return torch.einsum("nk,nke->ne", gates, experts)


class MoEFusion(Fusion):
    """``e = [id present] v_id + sum_{m semantic, present} MoE_m(v_m)``.

    UniSRec (Hou et al., "Towards Universal Sequence Representation Learning for Recommender
    Systems", KDD 2022): each semantic view (every modality except ``"id"``) goes through its
    own mixture-of-experts adaptor whose experts are parametric whitening layers
    ``(x - b_k) W_k`` with a softmax gate (noisy in training); the results are added to the ID
    embedding, as in UniSRec's transductive setting. Without an ``"id"`` modality the output
    is the sum of the adapted semantic views.

    Masks: absent rows of a view are zeroed before its adaptor and its output is replaced by
    an exact zero, so the view contributes nothing and its values never leak. An all-missing
    row is the zero vector. :meth:`modality_weights` returns None.

    Args:
        dim: Model dimension ``d``.
        modalities: View names, e.g. ``("id", "kg", "text")``.
        n_experts: Experts per adaptor (UniSRec: 8).
        dropout: Dropout on the adaptor input (UniSRec: 0.2).
        noisy_gating: Add learned Gaussian noise to the gate logits during training.
    """

    name = "moe"

    def __init__(
        self,
        *,
        dim: int,
        modalities: Sequence[str],
        n_experts: int = 8,
        dropout: float = 0.2,
        noisy_gating: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(dim=dim, modalities=modalities, **kwargs)
        if int(n_experts) <= 0 or not 0.0 <= dropout < 1.0:
            raise ConfigError(f"fusion 'moe' needs n_experts > 0 and 0 <= dropout < 1, got {n_experts}, {dropout}")
        options = {"dim": self.dim, "n_experts": int(n_experts), "dropout": dropout, "noisy_gating": bool(noisy_gating)}
        self.adaptors = nn.ModuleDict({k: MoEAdaptor(**options) for k in self.modalities if k != ID_MODALITY})

    def forward(self, views: Mapping[str, Tensor], masks: Mapping[str, Tensor] | None = None) -> Tensor:
        """Adapt the semantic views and add them to the ID view.

        Args:
            views: Modality -> ``[N, d]``.
            masks: Modality -> ``[N]`` bool (``True`` = present); missing key = all present.

        Returns:
            ``[N, d]``.
        """
        x, present = self.stack(views, masks)  # absent rows are zeros
        out = x.new_zeros(x.shape[0], self.dim)
        for i, key in enumerate(self.modalities):
            view = x[:, i]
            if key != ID_MODALITY:
                view = torch.where(present[:, i : i + 1], self.adaptors[key](view), view.new_zeros(()))
            out = out + view
        return out
