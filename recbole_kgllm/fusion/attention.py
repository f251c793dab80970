"""Per-row additive attention over the modality views (masked softmax)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.fusion.base import Fusion, masked_softmax


class AttentionFusion(Fusion):
    """``e = sum_m a_m v_m``, ``a = softmax_present(q^T tanh(W v_m + p_m) / tau)``.

    Additive attention with a learned context vector ``q`` (Bahdanau et al., ICLR 2015; Yang et
    al., "Hierarchical Attention Networks", NAACL 2016), as the component-level attention over
    item content of Attentive Collaborative Filtering (Chen et al., SIGIR 2017). ``W`` is shared
    by all modalities and ``p_m`` is a learned modality embedding, so each row gets its own
    scalar weight per modality from its own views.

    Masks: the softmax runs over the row's *present* modalities only (absent ones get weight
    exactly 0 and their values are never read), so the weights are renormalised over what the
    row has. An all-missing row is the zero vector. :meth:`modality_weights` reports the mean
    attention weight per modality.

    Args:
        dim: Model dimension ``d``.
        modalities: View names, e.g. ``("id", "kg", "text")``.
        hidden_dim: Width of the attention projection (default ``d``).
        temperature: Softmax temperature ``tau`` (> 0).
    """

    name = "attention"

    def __init__(
        self,
        *,
        dim: int,
        modalities: Sequence[str],
        hidden_dim: int | None = None,
        temperature: float = 1.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(dim=dim, modalities=modalities, **kwargs)
        hidden = int(hidden_dim or dim)
        if hidden <= 0 or temperature <= 0:
            raise ConfigError(
                f"fusion 'attention' needs hidden_dim > 0 and temperature > 0, got {hidden_dim}, {temperature}"
            )
        self.temperature = float(temperature)
        self.proj = nn.Linear(self.dim, hidden)
        self.modality_emb = nn.Parameter(torch.zeros(len(self.modalities), hidden))
        self.query = nn.Parameter(torch.randn(hidden) / hidden**0.5)

    def forward(self, views: Mapping[str, Tensor], masks: Mapping[str, Tensor] | None = None) -> Tensor:
        """Attend over the present views of each row.

        Args:
            views: Modality -> ``[N, d]``.
            masks: Modality -> ``[N]`` bool (``True`` = present); missing key = all present.

        Returns:
            ``[N, d]``.
        """
        x, present = self.stack(views, masks)  # [N, M, d], [N, M]
        keys = torch.tanh(self.proj(x) + self.modality_emb.to(x.dtype))  # [N, M, h]
        scores = keys @ self.query.to(x.dtype) / self.temperature  # [N, M]
        weights = masked_softmax(scores, present, dim=1)
        self.record_weights(weights)
        return (weights.unsqueeze(-1) * x).sum(dim=1)
