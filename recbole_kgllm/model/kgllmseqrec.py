"""KGLLMSeqRec: SASRec (Kang & McAuley, ICDM 2018) whose item embeddings are fused ID, PyKEEN
KG and frozen text representations. Everything else is RecBole's SASRec, unchanged: its
transformer, losses (``loss_type``) and keys (``hidden_size`` is the model dimension)."""
from __future__ import annotations

from typing import Any

from recbole.model.sequential_recommender.sasrec import SASRec

from recbole_kgllm.model.feature_views import item_feature_views, log_coverage
from recbole_kgllm.model.fused_embedding import FusedEmbedding
from recbole_kgllm.model.params import KGLLMSeqRecParams
from recbole_kgllm.model.views import ModalityViews
from recbole_kgllm.registry import resolve


class KGLLMSeqRec(SASRec):
    """SASRec over fused item representations (see the module docstring)."""

    def __init__(self, config: Any, dataset: Any) -> None:
        super().__init__(config, dataset)
        self.params = p = KGLLMSeqRecParams.from_config(config)
        features = item_feature_views(config, dataset, use_kg=p.use_kg, use_text=p.use_text)
        log_coverage("item", self.n_items, features)
        views = ModalityViews(
            n=self.n_items, dim=self.hidden_size, features=features, projector=p.projector, id_dropout=p.id_dropout
        )
        views.embedding.weight.data.normal_(0.0, self.initializer_range)  # SASRec's initialisation
        fusion = resolve("fusion", p.fusion)(dim=self.hidden_size, modalities=views.names, **p.fusion_kwargs)
        self.item_embedding = FusedEmbedding(views=views, fusion=fusion)
