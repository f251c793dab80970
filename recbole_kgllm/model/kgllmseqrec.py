"""KGLLMSeqRec: SASRec (Kang & McAuley, ICDM 2018) whose item embeddings are fused ID, PyKEEN
KG and frozen text representations. Everything else is RecBole's SASRec, unchanged: its
transformer, losses (``loss_type``) and keys (``hidden_size`` is the model dimension).

Items that never occur in the training sequences (new at test time) are recommendable through
their KG and text views: with ``cold_start: content_head`` a small head, trained by regression
onto warm items' fused rows, gives them their row of the output table in evaluation
(:class:`~recbole_kgllm.model.fused_embedding.FusedEmbedding`).
"""
from __future__ import annotations

import logging
from typing import Any

import torch
from recbole.model.sequential_recommender.sasrec import SASRec
from torch import Tensor

from recbole_kgllm.model.cold_start import ContentHead
from recbole_kgllm.model.fused_embedding import FusedEmbedding
from recbole_kgllm.model.inputs import FeatureNeeds, ModelFeatures, require_features
from recbole_kgllm.model.kgllmrec import log_coverage
from recbole_kgllm.model.modality_views import ModalityViews
from recbole_kgllm.model.params import KGLLMSeqRecParams
from recbole_kgllm.recbole_integration.sequence_facts import sequence_item_counts
from recbole_kgllm.registry import resolve

logger = logging.getLogger(__name__)


class KGLLMSeqRec(SASRec):
    """SASRec over fused item representations (see the module docstring).

    Args:
        config: RecBole config; dataset: the training split.
        features: the item views :meth:`feature_needs` declared, from the run pipeline.
    """

    @classmethod
    def feature_needs(cls, config: Any) -> FeatureNeeds:
        """The item views enabled by ``use_kg`` and ``use_text``."""
        p = KGLLMSeqRecParams.from_config(config)
        return FeatureNeeds(items=frozenset(v for v, on in (("kg", p.use_kg), ("text", p.use_text)) if on))

    def __init__(self, config: Any, dataset: Any, features: ModelFeatures | None = None) -> None:
        super().__init__(config, dataset)
        features = require_features("KGLLMSeqRec", features)
        self.params = p = KGLLMSeqRecParams.from_config(config)
        log_coverage("item", self.n_items, dict(features.items))
        item_features = {name: (view.values, view.mask) for name, view in features.items.items()}
        views = ModalityViews(
            n=self.n_items, dim=self.hidden_size, features=item_features, projector=p.projector,
            id_dropout=p.id_dropout, init=p.item_init, init_std=self.initializer_range,  # SASRec's initialisation
        )
        fusion = resolve("fusion", p.fusion)(dim=self.hidden_size, modalities=views.names, **p.fusion_kwargs)
        head = ContentHead(dim=self.hidden_size) if p.cold_start == "content_head" and item_features else None
        cold = torch.from_numpy(sequence_item_counts(dataset) == 0)
        cold[0] = False
        self.item_embedding = FusedEmbedding(views=views, fusion=fusion, content_head=head, cold=cold)
        if head is not None:
            logger.info(
                "cold start: %d of %d items never occur in the training sequences; %d of them have content "
                "and are scored through the content head", int(cold.sum()), self.n_items - 1,
                int(self.item_embedding.cold.sum()),
            )

    def calculate_loss(self, interaction: Any) -> Tensor:
        """SASRec's loss plus ``cold_start_weight`` x the content head's regression on the
        batch's target items."""
        loss = super().calculate_loss(interaction)
        if self.item_embedding.content_head is None or self.params.cold_start_weight == 0:
            return loss
        return loss + self.params.cold_start_weight * self.item_embedding.content_loss(interaction[self.POS_ITEM_ID])
