"""The fusion contract: several modality views of the same rows in, one representation out.

A *view* is one modality of a batch of items (or users), already projected by the model to the
model dimension ``d``: the ID embedding (``"id"``), the KG entity embedding (``"kg"``), the
frozen language-model text embedding (``"text"``). A boolean *mask* per view says which rows have
that modality (``True`` = present). A missing modality contributes nothing to its rows: every
fusion sums, gates or attends over the present views only, and never reads the values stored
in a masked-out row (the model may leave anything there).

Assumption: every row has at least the ``"id"`` view, so it is never all-missing in practice.
Fusions still return finite values for an all-missing row (zeros, or a learned fallback).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from recbole_kgllm.errors import ConfigError

#: Conventional modality names; the model may use any names, consistently.
ID_MODALITY = "id"
KG_MODALITY = "kg"
TEXT_MODALITY = "text"


def masked_softmax(logits: Tensor, present: Tensor, dim: int) -> Tensor:
    """Softmax over the present entries only; all-absent slices give all zeros (never NaN).

    Args:
        logits: Scores, any shape.
        present: Bool tensor broadcastable to ``logits`` (``True`` = take part).
        dim: The dimension to normalise over.

    Returns:
        Weights of ``logits``' shape: absent entries are exactly 0, present ones sum to 1.
    """
    filled = logits.masked_fill(~present, torch.finfo(logits.dtype).min)
    return torch.softmax(filled, dim=dim) * present.to(logits.dtype)


class Fusion(nn.Module, ABC):
    """Abstract fusion strategy, selected in the config as ``fusion: <name>``.

    Subclasses set :attr:`name`, take their own options as keyword arguments (the config's
    ``fusion_kwargs``), pass the rest to ``super().__init__`` (which rejects unknown ones), and
    implement :meth:`forward`. Outputs must depend on each row's own views only (no batch
    statistics), so a representation does not change with the batch it is computed in.

    Args:
        dim: The model dimension ``d`` of every view and of the output.
        modalities: The view names this fusion combines, in a fixed order (e.g.
            ``("id", "kg", "text")`` for items, ``("id", "text")`` for users).
        **kwargs: Unknown options: rejected with :class:`ConfigError`.
    """

    name: ClassVar[str]

    def __init__(self, *, dim: int, modalities: Sequence[str], **kwargs: Any) -> None:
        super().__init__()
        label = getattr(self, "name", type(self).__name__)
        if kwargs:
            raise ConfigError(f"fusion '{label}' got unknown fusion_kwargs: {', '.join(sorted(kwargs))}")
        if int(dim) <= 0:
            raise ConfigError(f"fusion '{label}' needs dim > 0, got {dim}")
        mods = tuple(modalities)
        if not mods or len(set(mods)) != len(mods):
            raise ConfigError(f"fusion '{label}' needs distinct, non-empty modalities, got {list(mods)}")
        self.dim = int(dim)
        self.modalities: tuple[str, ...] = mods
        self._last_weights: Tensor | None = None

    @abstractmethod
    def forward(self, views: Mapping[str, Tensor], masks: Mapping[str, Tensor] | None = None) -> Tensor:
        """Fuse the views of ``N`` rows.

        Args:
            views: Modality name -> ``[N, d]`` float tensor, one per name in :attr:`modalities`.
            masks: Modality name -> ``[N]`` bool tensor (``True`` = present). A modality
                without a mask is present in every row.

        Returns:
            ``[N, d]`` fused representation, same dtype and device as the views.
        """

    def modality_weights(self) -> dict[str, float] | None:
        """Average weight of each modality in the last forward (rows with no view excluded).

        Returns:
            Modality -> weight, summing to 1, for logging; None where not meaningful.
        """
        if self._last_weights is None:
            return None
        return dict(zip(self.modalities, self._last_weights.tolist()))

    def extra_repr(self) -> str:
        return f"name={getattr(self, 'name', '?')!r}, dim={self.dim}, modalities={self.modalities}"

    # ----- helpers for subclasses -------------------------------------------------------

    def check_inputs(self, views: Mapping[str, Tensor], masks: Mapping[str, Tensor] | None) -> Mapping[str, Tensor]:
        """Validate ``views``/``masks`` against :attr:`modalities`; returns the masks mapping."""
        masks = masks or {}
        label = getattr(self, "name", type(self).__name__)
        if set(views) != set(self.modalities):
            raise ValueError(f"fusion '{label}' expects views {list(self.modalities)}, got {sorted(views)}")
        unknown = set(masks) - set(self.modalities)
        if unknown:
            raise ValueError(f"fusion '{label}' got masks for unknown modalities {sorted(unknown)}")
        n = views[self.modalities[0]].shape[0]
        for key in self.modalities:
            if views[key].shape != (n, self.dim):
                raise ValueError(f"view '{key}' has shape {tuple(views[key].shape)}, expected ({n}, {self.dim})")
            mask = masks.get(key)
            if mask is not None and (mask.dtype != torch.bool or mask.shape != (n,)):
                raise ValueError(f"mask '{key}' must be a bool tensor of shape ({n},)")
        return masks

    def stack(
        self, views: Mapping[str, Tensor], masks: Mapping[str, Tensor] | None, fill: Tensor | None = None
    ) -> tuple[Tensor, Tensor]:
        """Stack the views in :attr:`modalities` order, replacing absent rows.

        Args:
            views: See :meth:`forward`.
            masks: See :meth:`forward`.
            fill: ``[M, d]`` per-modality replacement for absent rows; zeros when None.

        Returns:
            ``x``: ``[N, M, d]`` views with absent entries replaced (their values never leak);
            ``present``: ``[N, M]`` bool.
        """
        masks = self.check_inputs(views, masks)
        x = torch.stack([views[key] for key in self.modalities], dim=1)
        present = self.presence(masks, x.shape[0], x.device)
        replacement = x.new_zeros(()) if fill is None else fill.to(x.dtype)
        return torch.where(present.unsqueeze(-1), x, replacement), present

    def presence(self, masks: Mapping[str, Tensor], n: int, device: torch.device) -> Tensor:
        """``[N, M]`` bool presence matrix in :attr:`modalities` order (no mask = present)."""
        ones = torch.ones(n, dtype=torch.bool, device=device)
        return torch.stack([masks.get(key, ones) for key in self.modalities], dim=1)

    def record_weights(self, weights: Tensor) -> None:
        """Remember ``[N, M]`` per-row modality weights (rows summing to 1, or 0 if no view).

        Stored detached and averaged over rows that have a view; no device sync happens here.
        """
        w = weights.detach()
        rows = (w.sum(dim=-1) > 0).sum().clamp(min=1)
        self._last_weights = w.sum(dim=0) / rows
