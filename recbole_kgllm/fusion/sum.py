"""Masked sum of the modality views, optionally with learned per-modality scalar weights."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from recbole_kgllm.fusion.base import Fusion


class SumFusion(Fusion):
    """``e = sum_m [m present] * w_m * v_m`` with ``w_m = 1`` unless ``learn_weights``.

    The plain sum of ID, projected text and KG embeddings is the cheapest fusion and the
    transductive combination of UniSRec (Hou et al., "Towards Universal Sequence Representation
    Learning for Recommender Systems", KDD 2022: the text-based item representation plus the
    item ID embedding).

    Masks: an absent view is replaced by an exact zero (``torch.where``), so it adds nothing
    and its stored values never leak, not even NaN. An all-missing row is the zero vector.

    Args:
        dim: Model dimension ``d``.
        modalities: View names, e.g. ``("id", "kg", "text")``.
        learn_weights: Learn one scalar per modality (initialised to 1). When set,
            :meth:`modality_weights` reports each present modality's share of ``|w|``;
            otherwise it returns None (every present view weighs 1).
    """

    name = "sum"

    def __init__(self, *, dim: int, modalities: Sequence[str], learn_weights: bool = False, **kwargs: Any) -> None:
        super().__init__(dim=dim, modalities=modalities, **kwargs)
        self.learn_weights = bool(learn_weights)
        self.weight = nn.Parameter(torch.ones(len(self.modalities))) if self.learn_weights else None

    def forward(self, views: Mapping[str, Tensor], masks: Mapping[str, Tensor] | None = None) -> Tensor:
        """Masked (weighted) sum.

        Args:
            views: Modality -> ``[N, d]``.
            masks: Modality -> ``[N]`` bool (``True`` = present); missing key = all present.

        Returns:
            ``[N, d]``.
        """
        masks = self.check_inputs(views, masks)
        out: Tensor | None = None
        for i, key in enumerate(self.modalities):
            view = views[key]
            if key in masks:
                view = torch.where(masks[key].unsqueeze(-1), view, view.new_zeros(()))
            if self.weight is not None:
                view = view * self.weight[i].to(view.dtype)
            out = view if out is None else out + view
        assert out is not None  # modalities is never empty
        if self.weight is not None:
            share = self.weight.detach().abs() * self.presence(masks, out.shape[0], out.device)
            self.record_weights(share / share.sum(dim=-1, keepdim=True).clamp(min=torch.finfo(share.dtype).tiny))
        return out
