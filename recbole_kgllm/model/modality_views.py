"""Modality views of entities (items or users): a trainable ID embedding plus frozen feature
tables projected to the model dimension, each with a presence mask."""
from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor, nn

from recbole_kgllm.model.projector import make_projector

ID_VIEW = "id"


class ModalityViews(nn.Module):
    """ID embedding + projected frozen features for ``n`` entities.

    Args:
        n: number of entities (RecBole's internal ids, row 0 is padding).
        dim: model dimension ``d``.
        features: view name -> ``(values [n, f], mask [n])``; values are frozen buffers.
        projector: ``linear`` or ``mlp``.
        id_dropout: during training, the probability that a row's ID view is marked missing
            (only for rows that have another view), so the content views learn to stand alone.
    """

    def __init__(
        self, *, n: int, dim: int, features: Mapping[str, tuple[Tensor, Tensor]], projector: str = "linear", id_dropout: float = 0.0
    ) -> None:
        super().__init__()
        self.names = [ID_VIEW, *features]
        self.id_dropout = id_dropout
        self.embedding = nn.Embedding(n, dim)
        nn.init.xavier_uniform_(self.embedding.weight)
        self.projectors = nn.ModuleDict()
        for name, (values, mask) in features.items():
            if values.shape[0] != n or mask.shape != (n,):
                raise ValueError(f"view '{name}' has {values.shape[0]} rows, expected {n}")
            self.register_buffer(f"{name}_values", values.float(), persistent=False)
            self.register_buffer(f"{name}_mask", mask.bool(), persistent=False)
            self.projectors[name] = make_projector(values.shape[1], dim, projector)

    @property
    def feature_names(self) -> list[str]:
        return [name for name in self.names if name != ID_VIEW]

    def mask(self, name: str) -> Tensor:
        """Presence mask ``[n]`` of a feature view."""
        return getattr(self, f"{name}_mask")

    def coverage(self) -> dict[str, int]:
        """Number of entities (padding excluded) that have each view."""
        counts = {ID_VIEW: self.embedding.num_embeddings - 1}
        counts.update({name: int(self.mask(name)[1:].sum()) for name in self.feature_names})
        return counts

    def forward(self, index: Tensor | None = None) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        """Views and masks of the entities in ``index`` (all when None).

        Returns:
            ``views``: name -> ``[N, d]``; ``masks``: name -> bool ``[N]``.
        """
        weight = self.embedding.weight if index is None else self.embedding(index)
        views = {ID_VIEW: weight}
        masks = {ID_VIEW: torch.ones(weight.shape[0], dtype=torch.bool, device=weight.device)}
        for name in self.feature_names:
            values, mask = getattr(self, f"{name}_values"), self.mask(name)
            if index is not None:
                values, mask = values[index], mask[index]
            views[name] = self.projectors[name](values)
            masks[name] = mask
        if self.training and self.id_dropout > 0 and self.feature_names:
            has_content = torch.stack([masks[n] for n in self.feature_names]).any(0)
            drop = (torch.rand_like(weight[:, 0]) < self.id_dropout) & has_content
            masks[ID_VIEW] = ~drop
        return views, masks

    def content(self, index: Tensor | None = None) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        """Like :meth:`forward` without the ID view (content-only path)."""
        views, masks = self.forward(index)
        views.pop(ID_VIEW), masks.pop(ID_VIEW)
        return views, masks
