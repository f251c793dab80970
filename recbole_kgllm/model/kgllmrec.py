"""KGLLMRec: a RecBole general recommender whose items fuse an ID embedding, a PyKEEN KG
embedding and a frozen language-model text embedding, over a configurable backbone.

Data: KGLLMRec is a *general* model, so RecBole gives it the same ``Dataset`` and, for the same
seed, the same split as LightGCN or BPR: no interaction is dropped. The KG view is read from the
dataset's ``.kg``/``.link`` through the feature store; items without an entity are masked in that
view, never removed.

Backbones (``backbone``): ``mf`` (BPR-MF), ``lightgcn`` (LightGCN propagation of the fused
layer-0 item representations) and ``ease`` (EASE closed form with a KG/text item-item prior).
Fusion (``fusion``) and auxiliary distillation/alignment (``distiller``) come from the
registries. Items without training interactions are represented by a content head (see
:mod:`recbole_kgllm.model.cold_start`).
"""
from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import torch
from recbole.data.interaction import Interaction
from recbole.model.abstract_recommender import GeneralRecommender
from recbole.model.loss import BPRLoss, EmbLoss
from recbole.trainer import TraditionalTrainer
from recbole.utils import InputType, ModelType
from torch import Tensor

from recbole_kgllm.distill.base import DistillInputs
from recbole_kgllm.errors import ConfigError
from recbole_kgllm.features import api
from recbole_kgllm.model.backbones import BACKBONES
from recbole_kgllm.model.cold_start import ContentHead, interaction_counts
from recbole_kgllm.model.kg_loss import ItemKGTriples
from recbole_kgllm.model.feature_views import item_feature_views, log_coverage, rng_preserved, user_feature_views
from recbole_kgllm.model.params import KGLLMRecParams
from recbole_kgllm.model.teacher import load_teacher
from recbole_kgllm.model.trainer import KGLLMTrainer
from recbole_kgllm.model.views import ID_VIEW, ModalityViews
from recbole_kgllm.registry import resolve

logger = logging.getLogger(__name__)


class KGLLMRec(GeneralRecommender):
    """Knowledge- and language-enhanced general recommender (see the module docstring)."""

    input_type = InputType.PAIRWISE
    type = ModelType.GENERAL

    @staticmethod
    def trainer_for(config: Any) -> type:
        """RecBole's trainer for closed-form backbones (one pass), ours otherwise."""
        closed = BACKBONES.get(KGLLMRecParams.from_config(config).backbone).closed_form
        return TraditionalTrainer if closed else KGLLMTrainer

    def __init__(self, config: Any, dataset: Any) -> None:
        super().__init__(config, dataset)
        self.params = p = KGLLMRecParams.from_config(config)
        use_kg, use_text = p.use_kg, p.use_text
        used = BACKBONES.get(p.backbone).used_views(p.backbone_kwargs)
        if used is not None:
            for view, wanted in (("kg", use_kg), ("text", use_text)):
                if wanted and view not in used:
                    logger.info("item %s view not loaded: backbone '%s' gives it weight 0", view, p.backbone)
            use_kg, use_text = use_kg and "kg" in used, use_text and "text" in used
        item_features = item_feature_views(config, dataset, use_kg=use_kg, use_text=use_text)
        user_features = user_feature_views(config, dataset, use_user_text=p.use_user_text)
        log_coverage("item", self.n_items, item_features)
        log_coverage("user", self.n_users, user_features)
        self.backbone = BACKBONES.get(p.backbone)(dataset=dataset, dim=p.embedding_size, **p.backbone_kwargs)
        self.loss_names: list[str] = []
        self._fusion_weights: dict[str, list[dict[str, float]]] = defaultdict(list)
        self.restore_user_e: Tensor | None = None
        self.restore_item_e: Tensor | None = None
        if self.backbone.closed_form:
            self.dummy_param = torch.nn.Parameter(torch.zeros(1))
            self.backbone.fit(item_features, calibrate_cold=p.cold_start == "content_head")
            return
        d = p.embedding_size
        self.item_views = ModalityViews(
            n=self.n_items, dim=d, features=item_features, projector=p.projector, id_dropout=p.id_dropout
        )
        self.user_views = ModalityViews(n=self.n_users, dim=d, features=user_features, projector=p.projector)
        fusion_class = resolve("fusion", p.fusion)
        self.item_fusion = fusion_class(dim=d, modalities=self.item_views.names, **p.fusion_kwargs)
        self.user_fusion = (
            fusion_class(dim=d, modalities=self.user_views.names, **p.fusion_kwargs) if user_features else None
        )
        self.distiller = resolve("distiller", p.distiller)(dim=d, **p.distiller_kwargs)
        self.teacher = load_teacher(p.teacher_checkpoint, dataset, self.device) if p.teacher_checkpoint else None
        use_head = p.cold_start == "content_head" and bool(item_features)
        self.content_head = ContentHead(dim=d) if use_head else None
        counts = interaction_counts(dataset, self.n_items)
        has_content = torch.zeros(self.n_items, dtype=torch.bool)
        for _, mask in item_features.values():
            has_content |= mask
        self.register_buffer("cold_items", (counts == 0) & has_content, persistent=False)
        self.kg_triples = self._kg_triples(config, dataset) if p.kg_loss_weight > 0 else None
        self.bpr_loss, self.emb_loss = BPRLoss(), EmbLoss()
        self.require_pow = bool(config["require_pow"])

    def _kg_triples(self, config: Any, dataset: Any) -> ItemKGTriples:
        if "kg" not in self.item_views.projectors:
            raise ConfigError("kg_loss_weight > 0 needs the KG view (use_kg: True)")
        with rng_preserved():
            table, triples = api.entity_kg_table(config), api.kg_triples(config)
        tokens = [str(t) for t in table.tokens]
        return ItemKGTriples(
            item_tokens=[str(t) for t in dataset.field2id_token[dataset.iid_field]], triples=triples,
            entity_values=table.values, entity_row={t: i for i, t in enumerate(tokens)}, dim=self.params.embedding_size,
        )

    # ----- representations ------------------------------------------------------------

    def _layer0(self) -> tuple[Tensor, Tensor, dict[str, Tensor], dict[str, Tensor]]:
        """Fused layer-0 users ``[U, d]`` and items ``[I, d]``, plus the item views and masks."""
        views, masks = self.item_views()
        items = self.item_fusion(views, masks)
        self._record("item", self.item_fusion)
        if self.user_fusion is not None:
            user_views, user_masks = self.user_views()
            users = self.user_fusion(user_views, user_masks)
            self._record("user", self.user_fusion)
        else:
            users = self.user_views.embedding.weight
        return users, items, views, masks

    def _content(self, views: dict[str, Tensor], masks: dict[str, Tensor]) -> Tensor:
        """Fused content-only item representations ``[I, d]`` (ID view masked out)."""
        content_masks = dict(masks, **{ID_VIEW: torch.zeros_like(masks[ID_VIEW])})
        return self.item_fusion(views, content_masks)

    def forward(self) -> tuple[Tensor, Tensor]:
        """Final user ``[U, d]`` and item ``[I, d]`` representations; in eval mode, cold items
        take the content head's representation."""
        users, items, views, masks = self._layer0()
        users, items = self.backbone.propagate(users, items)
        if not self.training and self.content_head is not None and bool(self.cold_items.any()):
            cold = self.content_head(self._content(views, masks))
            items = torch.where(self.cold_items.unsqueeze(1), cold, items)
        return users, items

    def _record(self, entity: str, fusion: Any) -> None:
        if self.training:
            weights = fusion.modality_weights()
            if weights:
                self._fusion_weights[entity].append(weights)

    def pop_fusion_weights(self) -> dict[str, dict[str, float]]:
        """Average fusion weight per modality since the last call (for TensorBoard)."""
        out = {
            entity: {m: sum(w[m] for w in rows) / len(rows) for m in rows[0]}
            for entity, rows in self._fusion_weights.items()
            if rows
        }
        self._fusion_weights.clear()
        return out

    # ----- training -------------------------------------------------------------------

    def calculate_loss(self, interaction: Any) -> Any:
        """BPR + L2 on layer-0 embeddings + cold-start regression + distillation (a tuple of
        terms, named in :attr:`loss_names`)."""
        if self.backbone.closed_form:
            return torch.nn.Parameter(torch.zeros(1))
        self.restore_user_e = self.restore_item_e = None
        user, pos, neg = interaction[self.USER_ID], interaction[self.ITEM_ID], interaction[self.NEG_ITEM_ID]
        users0, items0, views, masks = self._layer0()
        users, items = self.backbone.propagate(users0, items0)
        u, i, j = users[user], items[pos], items[neg]
        pos_scores, neg_scores = (u * i).sum(-1), (u * j).sum(-1)
        terms = {
            "bpr": self.bpr_loss(pos_scores, neg_scores),
            "reg": self.params.reg_weight
            * self.emb_loss(users0[user], items0[pos], items0[neg], require_pow=self.require_pow),
        }
        if self.content_head is not None:
            has_content = torch.stack([masks[n][pos] for n in self.item_views.feature_names]).any(0)
            content = self._content({k: v[pos] for k, v in views.items()}, {k: m[pos] for k, m in masks.items()})
            terms["cold_start"] = self.params.cold_start_weight * self.content_head.loss(content, i, has_content)
        if self.kg_triples is not None:
            kg = self.kg_triples(items0, self.item_views.projectors["kg"], user.shape[0])
            terms["kg"] = self.params.kg_loss_weight * kg
        if self.params.distiller != "none":
            terms["distill"] = self.distiller(self._distill_inputs(interaction, u, i, views, masks, pos_scores, neg_scores))
        self.loss_names = list(terms)
        return tuple(terms.values())

    def _distill_inputs(
        self, interaction: Any, u: Tensor, i: Tensor, views: dict[str, Tensor], masks: dict[str, Tensor],
        pos_scores: Tensor, neg_scores: Tensor,
    ) -> DistillInputs:
        pos = interaction[self.ITEM_ID]
        semantic = {name: views[name][pos] for name in self.item_views.feature_names}
        student = teacher = None
        if self.teacher is not None:
            student = torch.stack([pos_scores, neg_scores], dim=1)
            with torch.no_grad():
                teacher = torch.stack([self.teacher.predict(interaction), self._teacher_neg(interaction)], dim=1)
        return DistillInputs(
            collab=views[ID_VIEW][pos], semantic=semantic,
            masks={name: masks[name][pos] for name in semantic}, user=u,
            student_scores=student, teacher_scores=teacher, ids=pos,
        )

    def _teacher_neg(self, interaction: Any) -> Tensor:
        negatives = Interaction({self.USER_ID: interaction[self.USER_ID], self.ITEM_ID: interaction[self.NEG_ITEM_ID]})
        return self.teacher.predict(negatives.to(self.device))

    # ----- prediction -----------------------------------------------------------------

    def _restored(self) -> tuple[Tensor, Tensor]:
        if self.restore_user_e is None or self.restore_item_e is None:
            with torch.no_grad():
                users, items = self.forward()
            # detached: the mf backbone returns its embedding Parameters themselves, and a Parameter
            # assigned to a module attribute is registered, entering the checkpoint's state_dict
            self.restore_user_e, self.restore_item_e = users.detach(), items.detach()
        return self.restore_user_e, self.restore_item_e

    def predict(self, interaction: Any) -> Tensor:
        """Scores ``[B]`` of the (user, item) pairs in ``interaction``."""
        user, item = interaction[self.USER_ID], interaction[self.ITEM_ID]
        if self.backbone.closed_form:
            return self.backbone.scores(user).gather(1, item.unsqueeze(1)).squeeze(1)
        users, items = self._restored()
        return (users[user] * items[item]).sum(-1)

    def full_sort_predict(self, interaction: Any) -> Tensor:
        """Scores of every item for each user, flattened ``[B * n_items]``: one matrix product."""
        user = interaction[self.USER_ID]
        if self.backbone.closed_form:
            return self.backbone.scores(user).reshape(-1)
        users, items = self._restored()
        return (users[user] @ items.T).reshape(-1)
