"""Projection of a frozen feature view (KG or text) into the model dimension."""
from __future__ import annotations

from torch import nn


def make_projector(in_dim: int, out_dim: int, kind: str) -> nn.Module:
    """``linear``: one linear map; ``mlp``: linear, GELU, linear (hidden size ``out_dim``)."""
    if kind == "mlp":
        return nn.Sequential(nn.Linear(in_dim, out_dim), nn.GELU(), nn.Linear(out_dim, out_dim))
    return nn.Linear(in_dim, out_dim)
