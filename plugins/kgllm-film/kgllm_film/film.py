"""FiLM fusion: the content views modulate the ID view feature-wise.

Reference: Perez et al., "FiLM: Visual Reasoning with a General Conditioning Layer", AAAI 2018.
``c`` is the mean of the present content views (every modality after the first); the first
modality (the ID view) is scaled and shifted: ``e = (1 + W_g c) * v_id + W_b c``. A row without
content keeps its ID view unchanged; a row without the ID view is ``W_b c``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from recbole_kgllm.fusion.base import Fusion


class FiLMFusion(Fusion):
    """Feature-wise linear modulation of the first modality by the others."""

    name = "film"

    def __init__(self, *, dim: int, modalities: Sequence[str], **kwargs: Any) -> None:
        super().__init__(dim=dim, modalities=modalities, **kwargs)
        self.gamma = nn.Linear(dim, dim)
        self.beta = nn.Linear(dim, dim)
        for layer in (self.gamma, self.beta):  # start as the identity on the ID view
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)
        nn.init.normal_(self.gamma.weight, std=1e-2)
        nn.init.normal_(self.beta.weight, std=1e-2)

    def forward(self, views: Mapping[str, Tensor], masks: Mapping[str, Tensor] | None = None) -> Tensor:
        """Args: views ``{m: [N, d]}``, masks ``{m: [N]}``. Returns ``[N, d]``."""
        x, present = self.stack(views, masks)  # [N, M, d], [N, M]
        base = x[:, 0]
        content, has = x[:, 1:], present[:, 1:]
        count = has.sum(dim=1, keepdim=True)
        if content.shape[1] == 0:
            return base
        c = content.sum(dim=1) / count.clamp(min=1).to(x.dtype)
        modulated = (1.0 + self.gamma(c)) * base + self.beta(c)
        return torch.where(count > 0, modulated, base)
