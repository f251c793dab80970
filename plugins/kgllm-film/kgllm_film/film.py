"""Bounded FiLM: an example third-party fusion (``fusion: film_tanh``).

The core ``film`` fusion (:mod:`recbole_kgllm.fusion.film`, which started in this plugin) scales
the first view by ``1 + W_g c``; this variant bounds the scale with ``tanh`` so that the content
views can at most double or cancel the first view: ``e = (1 + tanh(W_g c)) * v_1 + W_b c``. It is
kept as the worked example of ``docs/writing_plugins.md``: subclass a core fusion (or
:class:`~recbole_kgllm.fusion.base.Fusion`), give it a new ``name``, register it.
"""
from __future__ import annotations

import torch
from torch import Tensor

from recbole_kgllm.fusion.film import FiLMFusion


class TanhFiLMFusion(FiLMFusion):
    """FiLM with a ``tanh``-bounded scale."""

    name = "film_tanh"

    def scale(self, gamma: Tensor) -> Tensor:
        """``1 + tanh(W_g c)``: between 0 and 2."""
        return 1.0 + torch.tanh(gamma)
