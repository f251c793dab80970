"""An ``nn.Embedding`` stand-in whose rows are fused ID/KG/text item representations, so an
unmodified RecBole sequential model (SASRec) can use them wherever it reads item embeddings."""
from __future__ import annotations

from torch import Tensor, nn

from recbole_kgllm.model.modality_views import ModalityViews


class FusedEmbedding(nn.Module):
    """``module(index)`` -> ``[..., d]`` fused rows; ``module.weight`` -> ``[n, d]`` full table.

    Args:
        views: the item :class:`ModalityViews`.
        fusion: a fusion strategy over ``views.names``.
    """

    def __init__(self, *, views: ModalityViews, fusion: nn.Module) -> None:
        super().__init__()
        self.views = views
        self.fusion = fusion

    @property
    def weight(self) -> Tensor:  # type: ignore[override]
        views, masks = self.views()
        return self.fusion(views, masks)

    @property
    def embedding_dim(self) -> int:
        return self.views.embedding.embedding_dim

    def forward(self, index: Tensor) -> Tensor:
        flat = index.reshape(-1)
        views, masks = self.views(flat)
        return self.fusion(views, masks).reshape(*index.shape, -1)
