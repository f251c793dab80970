"""The gradient-trained path: fused ID/KG/text representations, propagated by a subclass.

Each item has up to three views in the model dimension ``d``: a trainable ID embedding and the
frozen KG and text features, each projected (:class:`ModalityViews`). The ``fusion`` strategy
combines the present views into layer-0 representations; a subclass's :meth:`propagate` turns
them into final ones (MF: identity; LightGCN: graph propagation). Training is the ``loss``
strategy (BPR, sampled softmax / InfoNCE, SimpleX's cosine contrastive loss:
:mod:`recbole_kgllm.losses`) with an L2 term, plus optional terms: the cold-start content head,
the multi-task KG loss and the ``distiller`` strategy. ``item_init: content`` starts the item ID
table at the principal components of the frozen views (:mod:`recbole_kgllm.model.item_init`).
"""
from __future__ import annotations

import logging
from abc import abstractmethod
from collections import defaultdict
from typing import Any

import torch
from recbole.model.loss import EmbLoss
from torch import Tensor

from recbole_kgllm.distill.base import DistillInputs
from recbole_kgllm.errors import ConfigError
from recbole_kgllm.losses.base import LossBatch
from recbole_kgllm.model.backbones.base import Backbone
from recbole_kgllm.model.backbones.ease_cold import content_groups, new_item_shares
from recbole_kgllm.model.cold_start import ContentHead
from recbole_kgllm.model.inputs import FeatureNeeds, ModelFeatures, TrainingData
from recbole_kgllm.model.kg_loss import ItemKGTriples
from recbole_kgllm.model.modality_views import ID_VIEW, ModalityViews
from recbole_kgllm.model.params import KGLLMRecParams
from recbole_kgllm.registry import resolve

logger = logging.getLogger(__name__)


class FusedBackbone(Backbone):
    """Fused views + :meth:`propagate` + the ranking loss and auxiliary losses (see the module docstring)."""

    reads = frozenset(KGLLMRecParams.model_settings())

    @classmethod
    def feature_needs(cls, params: KGLLMRecParams) -> FeatureNeeds:
        if params.kg_loss_weight > 0 and not params.use_kg:
            raise ConfigError("kg_loss_weight > 0 needs the KG view (use_kg: True)")
        items = frozenset(view for view, on in (("kg", params.use_kg), ("text", params.use_text)) if on)
        return FeatureNeeds(
            items=items, users=frozenset({"text"}) if params.use_user_text else frozenset(),
            item_kg=params.kg_loss_weight > 0, teacher_checkpoint=params.teacher_checkpoint,
        )

    def __init__(self, *, params: KGLLMRecParams, data: TrainingData, features: ModelFeatures) -> None:
        super().__init__(params=params, data=data, features=features)
        self.params = p = params
        self.prepare(p.backbone_kwargs, data)
        d = p.embedding_size
        self._fusion_weights: dict[str, list[dict[str, float]]] = defaultdict(list)
        self.restore_user_e: Tensor | None = None
        self.restore_item_e: Tensor | None = None
        item_features = {name: (view.values, view.mask) for name, view in features.items.items()}
        user_features = {name: (view.values, view.mask) for name, view in features.users.items()}
        self.item_views = ModalityViews(
            n=self.n_items, dim=d, features=item_features, projector=p.projector, id_dropout=p.id_dropout,
            init=p.item_init,
        )
        self.user_views = ModalityViews(n=self.n_users, dim=d, features=user_features, projector=p.projector)
        fusion_class = resolve("fusion", p.fusion)
        self.item_fusion = fusion_class(dim=d, modalities=self.item_views.names, **p.fusion_kwargs)
        self.user_fusion = fusion_class(dim=d, modalities=self.user_views.names, **p.fusion_kwargs) if user_features else None
        self.distiller = resolve("distiller", p.distiller)(dim=d, **p.distiller_kwargs)
        self.teacher = features.teacher
        use_head = p.cold_start == "content_head" and bool(item_features)
        self.content_head = ContentHead(dim=d) if use_head else None
        self.register_buffer("cold_items", _new_items(item_features, data), persistent=False)
        self.kg_triples = self._kg_triples(features) if p.kg_loss_weight > 0 else None
        self.ranking_loss = resolve("loss", p.loss)(**p.loss_kwargs)
        self.emb_loss = EmbLoss()

    def _kg_triples(self, features: ModelFeatures) -> ItemKGTriples:
        if features.item_kg is None or "kg" not in self.item_views.projectors:
            raise ConfigError("kg_loss_weight > 0 needs the KG view (use_kg: True)")
        return ItemKGTriples(kg=features.item_kg, dim=self.params.embedding_size)

    # ----- what a subclass provides ---------------------------------------------------

    def prepare(self, options: dict[str, Any], data: TrainingData) -> None:
        """Read this backbone's ``backbone_kwargs`` (``options``) and build what
        :meth:`propagate` needs from the training data; unknown options are an error."""
        self.reject_unknown(self.name, options)

    @abstractmethod
    def propagate(self, users: Tensor, items: Tensor) -> tuple[Tensor, Tensor]:
        """Final ``(users [n_users, d], items [n_items, d])`` from layer-0 ones."""

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
        """Final user ``[U, d]`` and item ``[I, d]`` representations, whose dot products are the
        scores (L2-normalised when the loss scores by cosine); in eval mode, cold items take
        the content head's representation."""
        users, items, views, masks = self._layer0()
        users, items = self.propagate(users, items)
        if not self.training and self.content_head is not None and bool(self.cold_items.any()):
            cold = self.content_head(self._content(views, masks))
            items = torch.where(self.cold_items.unsqueeze(1), cold, items)
        if self.ranking_loss.cosine:
            users, items = torch.nn.functional.normalize(users, dim=-1), torch.nn.functional.normalize(items, dim=-1)
        return users, items

    def _record(self, entity: str, fusion: Any) -> None:
        if self.training:
            weights = fusion.modality_weights()
            if weights:
                self._fusion_weights[entity].append(weights)

    def pop_fusion_weights(self) -> dict[str, dict[str, float]]:
        out = {
            entity: {m: sum(w[m] for w in rows) / len(rows) for m in rows[0]}
            for entity, rows in self._fusion_weights.items()
            if rows
        }
        self._fusion_weights.clear()
        return out

    # ----- training -------------------------------------------------------------------

    def _shared_negatives(self, device: torch.device) -> Tensor | None:
        """``[K]`` item ids drawn uniformly (padding excluded) for the loss's shared negatives."""
        k = self.ranking_loss.n_negatives
        return torch.randint(1, self.n_items, (k,), device=device) if k else None

    def loss_terms(self, users: Tensor, pos: Tensor, neg: Tensor) -> dict[str, Tensor]:
        """Ranking loss + L2 on layer-0 embeddings + cold-start regression + KG loss + distillation."""
        self.restore_user_e = self.restore_item_e = None
        users0, items0, views, masks = self._layer0()
        final_users, final_items = self.propagate(users0, items0)
        u, i, j = final_users[users], final_items[pos], final_items[neg]
        shared = self._shared_negatives(pos.device)
        batch = LossBatch(
            user=u, pos=i, neg=j, pos_ids=pos,
            shared=final_items[shared] if shared is not None else None, shared_ids=shared,
        )
        p = self.params
        terms = {
            p.loss: self.ranking_loss(batch),
            "reg": p.reg_weight * self.emb_loss(users0[users], items0[pos], items0[neg], require_pow=p.require_pow),
        }
        if self.content_head is not None:
            has_content = torch.stack([masks[n][pos] for n in self.item_views.feature_names]).any(0)
            content = self._content({k: v[pos] for k, v in views.items()}, {k: m[pos] for k, m in masks.items()})
            terms["cold_start"] = p.cold_start_weight * self.content_head.loss(content, i, has_content)
        if self.kg_triples is not None:
            terms["kg"] = p.kg_loss_weight * self.kg_triples(items0, self.item_views.projectors["kg"], users.shape[0])
        if p.distiller != "none":
            inputs = self._distill_inputs(users, pos, neg, u, views, masks, (u * i).sum(-1), (u * j).sum(-1))
            terms["distill"] = self.distiller(inputs)
        return terms

    def _distill_inputs(
        self, users: Tensor, pos: Tensor, neg: Tensor, u: Tensor, views: dict[str, Tensor],
        masks: dict[str, Tensor], pos_scores: Tensor, neg_scores: Tensor,
    ) -> DistillInputs:
        semantic = {name: views[name][pos] for name in self.item_views.feature_names}
        student = teacher = None
        if self.teacher is not None:
            student = torch.stack([pos_scores, neg_scores], dim=1)
            with torch.no_grad():
                teacher = torch.stack([self.teacher(users, pos), self.teacher(users, neg)], dim=1)
        return DistillInputs(
            collab=views[ID_VIEW][pos], semantic=semantic,
            masks={name: masks[name][pos] for name in semantic}, user=u,
            student_scores=student, teacher_scores=teacher, ids=pos,
        )

    # ----- prediction -----------------------------------------------------------------

    def _restored(self) -> tuple[Tensor, Tensor]:
        """The cached final representations (detached: with MF the user table is the embedding
        ``Parameter`` itself, which assigning to an attribute would register as a parameter)."""
        if self.restore_user_e is None or self.restore_item_e is None:
            with torch.no_grad():
                users, items = self.forward()
            self.restore_user_e, self.restore_item_e = users.detach(), items.detach()
        return self.restore_user_e, self.restore_item_e

    def pair_scores(self, users: Tensor, items: Tensor) -> Tensor:
        final_users, final_items = self._restored()
        return (final_users[users] * final_items[items]).sum(-1)

    def full_scores(self, users: Tensor) -> Tensor:
        """One matrix product over the cached final representations."""
        final_users, final_items = self._restored()
        return final_users[users] @ final_items.T


def _new_items(item_features: dict[str, tuple[Tensor, Tensor]], data: TrainingData) -> Tensor:
    """Bool ``[I]``: the cold items (no training interaction) that the content head scores in
    eval mode: those with a content view whose content group has a new-item share above 0
    (:func:`recbole_kgllm.model.backbones.ease_cold.new_item_shares`, the rule of the EASE
    backbone). A catalogue item nobody interacted with and that no warm item resembles (for
    instance an unlinked item when the warm ones are linked), or a rare item a random split left
    out, keeps its ID representation instead of being promoted."""
    counts = data.item_counts()
    masks = {name: mask.cpu().numpy().astype(bool) for name, (_, mask) in item_features.items()}
    if not masks:
        return torch.zeros(len(counts), dtype=torch.bool)
    groups, labels = content_groups(masks, len(counts))
    shares, report = new_item_shares(counts, groups, labels, train_share=data.train_share)
    new = torch.from_numpy((counts == 0) & (shares > 0))  # items without a view have share 0
    cold = int((counts[1:] == 0).sum())
    if cold:
        logger.info("cold start: %d of %d items without training interactions are scored through the content head "
                    "(new-item shares by content group: %s)", int(new.sum()), cold,
                    ", ".join(f"{'+'.join(g.views)} {g.share:.2f}" for g in report))
    return new


__all__ = ["FusedBackbone"]
