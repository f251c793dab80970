"""Concatenate the modality views, then an MLP back to the model dimension."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.fusion.base import Fusion


class ConcatFusion(Fusion):
    """``e = MLP([v_1; ...; v_M])`` with a learned "missing" embedding for absent views.

    Early fusion by concatenation (Ngiam et al., "Multimodal Deep Learning", ICML 2011; in
    recommendation, VBPR concatenates latent and visual item factors: He & McAuley, AAAI 2016).

    Masks: concatenation needs a vector in every slot, so an absent view is *replaced* by a
    learned per-modality "missing" embedding (like a learned ``[MASK]`` token), never by its
    stored values; the row's output does not depend on the absent view at all. An all-missing
    row is the MLP of the missing embeddings.

    Args:
        dim: Model dimension ``d``.
        modalities: View names, e.g. ``("id", "kg", "text")``.
        hidden_dim: Width of the MLP's hidden layer (default ``d``).
        dropout: Dropout after the hidden activation.
    """

    name = "concat"

    def __init__(
        self,
        *,
        dim: int,
        modalities: Sequence[str],
        hidden_dim: int | None = None,
        dropout: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(dim=dim, modalities=modalities, **kwargs)
        hidden = int(hidden_dim or dim)
        if hidden <= 0 or not 0.0 <= dropout < 1.0:
            raise ConfigError(f"fusion 'concat' needs hidden_dim > 0 and 0 <= dropout < 1, got {hidden_dim}, {dropout}")
        n = len(self.modalities)
        self.missing = nn.Parameter(torch.randn(n, self.dim) * 0.02)
        self.mlp = nn.Sequential(
            nn.Linear(n * self.dim, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, self.dim),
        )

    def forward(self, views: Mapping[str, Tensor], masks: Mapping[str, Tensor] | None = None) -> Tensor:
        """Concatenate (absent views -> learned missing embedding) and project.

        Args:
            views: Modality -> ``[N, d]``.
            masks: Modality -> ``[N]`` bool (``True`` = present); missing key = all present.

        Returns:
            ``[N, d]``.
        """
        x, _ = self.stack(views, masks, fill=self.missing)  # [N, M, d]
        return self.mlp(x.flatten(start_dim=1))
