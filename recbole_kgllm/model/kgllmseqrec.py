"""KGLLMSeqRec: SASRec (Kang & McAuley, ICDM 2018) whose item embeddings are fused ID, PyKEEN
KG and frozen text representations. Everything else is RecBole's SASRec, unchanged: its
transformer, losses (``loss_type``) and keys (``hidden_size`` is the model dimension)."""
from __future__ import annotations

from typing import Any

from recbole.model.sequential_recommender.sasrec import SASRec

from recbole_kgllm.model.fused_embedding import FusedEmbedding
from recbole_kgllm.model.inputs import FeatureNeeds, ModelFeatures, require_features
from recbole_kgllm.model.kgllmrec import log_coverage
from recbole_kgllm.model.modality_views import ModalityViews
from recbole_kgllm.model.params import KGLLMSeqRecParams
from recbole_kgllm.registry import resolve


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
            n=self.n_items, dim=self.hidden_size, features=item_features, projector=p.projector, id_dropout=p.id_dropout
        )
        views.embedding.weight.data.normal_(0.0, self.initializer_range)  # SASRec's initialisation
        fusion = resolve("fusion", p.fusion)(dim=self.hidden_size, modalities=views.names, **p.fusion_kwargs)
        self.item_embedding = FusedEmbedding(views=views, fusion=fusion)
