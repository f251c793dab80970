"""Bounded FiLM: an example third-party fusion (``fusion: film_tanh``).

The core ``film`` fusion (:mod:`recbole_kgllm.fusion.film`, which started in this plugin) scales
the first view by ``1 + W_g c``; this variant bounds the scale with ``tanh`` so that the content
views can at most double or cancel the first view: ``e = (1 + tanh(W_g c)) * v_1 + W_b c``. It is
kept as the worked example of ``docs/writing_plugins.md``: subclass a core fusion (or
:class:`~recbole_kgllm.fusion.base.Fusion`), give it a new ``name``, register it.
"""
from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from recbole_kgllm.fusion.film import FiLMFusion


class TanhFiLMFusion(FiLMFusion):
    """FiLM with a ``tanh``-bounded scale."""

    name = "film_tanh"

    def forward(self, views: Mapping[str, Tensor], masks: Mapping[str, Tensor] | None = None) -> Tensor:
        """Args: views ``{m: [N, d]}``, masks ``{m: [N]}``. Returns ``[N, d]``."""
        x, present = self.stack(views, masks)  # [N, M, d], [N, M]
        base = x[:, 0]
        content, has = x[:, 1:], present[:, 1:]
        if content.shape[1] == 0:
            return base
        count = has.sum(dim=1, keepdim=True)
        c = content.sum(dim=1) / count.clamp(min=1).to(x.dtype)
        modulated = (1.0 + torch.tanh(self.gamma(c))) * base + self.beta(c)
        return torch.where(count > 0, modulated, base)
