"""An ``nn.Embedding`` stand-in whose rows are fused ID/KG/text item representations, so an
unmodified RecBole sequential model (SASRec) can use them wherever it reads item embeddings.

Cold items (no occurrence in the training sequences) have an ID vector that training only
ever pushed down (with a softmax loss every item is a negative of every step) and never
shaped. With a :class:`~recbole_kgllm.model.cold_start.ContentHead`, their rows are replaced in
eval mode by the head's map of their *content-only* fusion (ID view masked out), trained by
regression onto the warm items' fused rows (:meth:`FusedEmbedding.content_loss`).
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from recbole_kgllm.model.cold_start import ContentHead
from recbole_kgllm.model.modality_views import ID_VIEW, ModalityViews


class FusedEmbedding(nn.Module):
    """``module(index)`` -> ``[..., d]`` fused rows; ``module.weight`` -> ``[n, d]`` full table.

    Args:
        views: the item :class:`ModalityViews`.
        fusion: a fusion strategy over ``views.names``.
        content_head: maps content-only fusions to item rows for cold items, or None.
        cold: bool ``[n]``, the items whose rows the head replaces in eval mode (only rows
            with a content view are used); None: none.
    """

    def __init__(
        self, *, views: ModalityViews, fusion: nn.Module, content_head: ContentHead | None = None,
        cold: Tensor | None = None,
    ) -> None:
        super().__init__()
        self.views = views
        self.fusion = fusion
        self.content_head = content_head
        n = views.embedding.num_embeddings
        cold = torch.zeros(n, dtype=torch.bool) if cold is None else cold.bool()
        if cold.shape != (n,):
            raise ValueError(f"cold must be a bool mask [{n}], got {tuple(cold.shape)}")
        self.register_buffer("cold", cold & self._has_content(), persistent=False)

    def _has_content(self) -> Tensor:
        present = torch.zeros(self.views.embedding.num_embeddings, dtype=torch.bool)
        for name in self.views.feature_names:
            present |= self.views.mask(name).cpu()
        return present

    @property
    def embedding_dim(self) -> int:
        return self.views.embedding.embedding_dim

    def _rows(self, index: Tensor | None) -> Tensor:
        """Fused rows of ``index`` (all when None), cold ones from the head in eval mode."""
        views, masks = self.views(index)
        rows = self.fusion(views, masks)
        cold = self.cold if index is None else self.cold[index]
        if not self.training and self.content_head is not None and bool(cold.any()):
            content = dict(masks, **{ID_VIEW: torch.zeros_like(masks[ID_VIEW])})
            rows = torch.where(cold.unsqueeze(1), self.content_head(self.fusion(views, content)), rows)
        return rows

    @property
    def weight(self) -> Tensor:  # type: ignore[override]
        return self._rows(None)

    def forward(self, index: Tensor) -> Tensor:
        flat = index.reshape(-1)
        return self._rows(flat).reshape(*index.shape, -1)

    def content_loss(self, index: Tensor) -> Tensor:
        """Regression of the head's content-only rows onto the fused rows (detached) of the items
        in ``index`` ``[B]`` that have content (scalar; 0 without a head)."""
        if self.content_head is None:
            return self.views.embedding.weight.new_zeros(())
        views, masks = self.views(index)
        target = self.fusion(views, masks)
        content = self.fusion(views, dict(masks, **{ID_VIEW: torch.zeros_like(masks[ID_VIEW])}))
        has_content = torch.stack([masks[n] for n in self.views.feature_names]).any(0)
        return self.content_head.loss(content, target, has_content)
