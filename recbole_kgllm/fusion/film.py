"""FiLM fusion: the content views modulate the first view feature-wise.

Reference: Perez et al., "FiLM: Visual Reasoning with a General Conditioning Layer", AAAI 2018.
``c`` is the mean of the present content views (every modality after the first); the first
modality (the ID view of the gradient backbones, the first content view of the EASE backbone's
content path) is scaled and shifted: ``e = (1 + W_g c) * v_1 + W_b c``. A row without content
keeps its first view unchanged; a row without the first view is ``W_b c``. It started as the
example plugin ``plugins/kgllm-film`` and moved into the core after winning every measurement
(``docs/benchmarks.md``).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from recbole_kgllm.fusion.base import Fusion


class FiLMFusion(Fusion):
    """Feature-wise linear modulation of the first modality by the others (``fusion: film``)."""

    name = "film"

    def __init__(self, *, dim: int, modalities: Sequence[str], **kwargs: Any) -> None:
        super().__init__(dim=dim, modalities=modalities, **kwargs)
        self.gamma = nn.Linear(dim, dim)
        self.beta = nn.Linear(dim, dim)
        for layer in (self.gamma, self.beta):  # start near the identity on the first view
            nn.init.normal_(layer.weight, std=1e-2)
            nn.init.zeros_(layer.bias)

    def forward(self, views: Mapping[str, Tensor], masks: Mapping[str, Tensor] | None = None) -> Tensor:
        """Args: views ``{m: [N, d]}``, masks ``{m: [N]}``. Returns ``[N, d]``."""
        x, present = self.stack(views, masks)  # [N, M, d], [N, M]
        base = x[:, 0]
        content, has = x[:, 1:], present[:, 1:]
        if content.shape[1] == 0:
            return base
        count = has.sum(dim=1, keepdim=True)
        c = content.sum(dim=1) / count.clamp(min=1).to(x.dtype)
        modulated = self.scale(self.gamma(c)) * base + self.beta(c)
        return torch.where(count > 0, modulated, base)

    def scale(self, gamma: Tensor) -> Tensor:
        """The feature-wise scale of the first view from ``W_g c`` (``1 + W_g c``); subclasses
        may bound it."""
        return 1.0 + gamma
