"""KGLLMRec: a RecBole general recommender whose items carry a PyKEEN KG view and a frozen
language-model text view next to their ID, over a backbone chosen by name (``backbone``).

Data: KGLLMRec is a *general* model, so RecBole gives it the same ``Dataset`` and, for the same
seed, the same split as LightGCN or BPR: no interaction is dropped. Items without a KG entity
are masked in the KG view, never removed.

This class is RecBole's model contract and nothing else: it builds the registered backbone
(``ease``, ``mf``, ``lightgcn`` or a plugin's) from the training interactions and the frozen
views the run pipeline computed for it, and delegates training and scoring to it.
"""
from __future__ import annotations

import logging
from typing import Any

from recbole.model.abstract_recommender import GeneralRecommender
from recbole.utils import InputType, ModelType
from torch import Tensor

from recbole_kgllm.model.inputs import FeatureNeeds, ModelFeatures, require_features
from recbole_kgllm.model.params import KGLLMRecParams
from recbole_kgllm.recbole_integration.dataset_facts import training_data
from recbole_kgllm.recbole_integration.trainers import ClosedFormTrainer, KGLLMTrainer

logger = logging.getLogger(__name__)

#: The trainer of each way of training a backbone (:attr:`Backbone.fit_kind`).
TRAINERS = {"gradient": KGLLMTrainer, "closed_form": ClosedFormTrainer}


def log_coverage(entity: str, n: int, views: dict[str, Any]) -> None:
    """Log how many entities (padding excluded) have each view."""
    parts = [f"id {n - 1}"] + [f"{name} {view.coverage}" for name, view in views.items()]
    logger.info("%s views: %s (of %d)", entity, ", ".join(parts), n - 1)


class KGLLMRec(GeneralRecommender):
    """Knowledge- and language-enhanced general recommender (see the module docstring).

    Args:
        config: RecBole config; dataset: the training split.
        features: the frozen views :meth:`feature_needs` declared, computed by the run pipeline
            (:func:`recbole_kgllm.recbole_integration.pipeline.build_model`).
    """

    input_type = InputType.PAIRWISE
    type = ModelType.GENERAL

    @classmethod
    def feature_needs(cls, config: Any) -> FeatureNeeds:
        """The frozen inputs this model reads with ``config`` (its backbone decides)."""
        params = KGLLMRecParams.from_config(config)
        return params.backbone_class().feature_needs(params)

    @staticmethod
    def trainer_for(config: Any) -> type:
        """The trainer of the configured backbone's way of training."""
        return TRAINERS[KGLLMRecParams.from_config(config).backbone_class().fit_kind]

    def __init__(self, config: Any, dataset: Any, features: ModelFeatures | None = None) -> None:
        super().__init__(config, dataset)
        features = require_features("KGLLMRec", features)
        self.params = params = KGLLMRecParams.from_config(config)
        log_coverage("item", self.n_items, dict(features.items))
        log_coverage("user", self.n_users, dict(features.users))
        self.backbone = params.backbone_class()(params=params, data=training_data(config, dataset), features=features)
        self.loss_names: list[str] = []

    def forward(self) -> tuple[Tensor, Tensor]:
        """Final user ``[U, d]`` and item ``[I, d]`` representations, for backbones that have them
        (the gradient ones; a closed form raises ``NotImplementedError``)."""
        return self.backbone()

    def calculate_loss(self, interaction: Any) -> tuple[Tensor, ...]:
        """The backbone's loss terms for a batch (named in :attr:`loss_names`)."""
        terms = self.backbone.loss_terms(
            interaction[self.USER_ID], interaction[self.ITEM_ID], interaction[self.NEG_ITEM_ID]
        )
        self.loss_names = list(terms)
        return tuple(terms.values())

    def predict(self, interaction: Any) -> Tensor:
        """Scores ``[B]`` of the (user, item) pairs in ``interaction``."""
        return self.backbone.pair_scores(interaction[self.USER_ID], interaction[self.ITEM_ID])

    def full_sort_predict(self, interaction: Any) -> Tensor:
        """Scores of every item for each user, flattened ``[B * n_items]``."""
        return self.backbone.full_scores(interaction[self.USER_ID]).reshape(-1)

    def pop_fusion_weights(self) -> dict[str, dict[str, float]]:
        """Average fusion weight per modality since the last call (for TensorBoard)."""
        return self.backbone.pop_fusion_weights()
