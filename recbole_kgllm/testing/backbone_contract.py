"""The backbone contract, reusable by plugin authors::

    from recbole_kgllm.testing.backbone_contract import check_backbone_contract

    def test_contract():
        check_backbone_contract(MyBackbone)

A backbone is built on synthetic interactions and views (:mod:`recbole_kgllm.testing.backbone_inputs`),
so the check needs no dataset, and it asserts what KGLLMRec relies on: declared views are a valid
:class:`~recbole_kgllm.model.inputs.FeatureNeeds`; scores have the right shape, are finite and
deterministic; pair scores agree with full scores; the declared views change the scores; a
gradient backbone's loss terms are finite one-element tensors whose gradients reach trainable parameters
and never the frozen views; a closed-form backbone has nothing to train.
"""
from __future__ import annotations

from typing import Any

import torch

from recbole_kgllm.model.backbones.base import Backbone
from recbole_kgllm.model.inputs import FeatureNeeds, ModelFeatures
from recbole_kgllm.model.params import KGLLMRecParams
from recbole_kgllm.testing.backbone_inputs import make_features, make_training_data

N_USERS, N_ITEMS, COLD = 30, 20, (17, 18)


def _build(backbone_cls: type[Backbone], params: KGLLMRecParams, features: ModelFeatures, seed: int = 0) -> Backbone:
    torch.manual_seed(seed)
    data = make_training_data(n_users=N_USERS, n_items=N_ITEMS, cold_items=COLD)
    backbone = backbone_cls(params=params, data=data, features=features)
    backbone.eval()
    return backbone


def _dense(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.to_dense() if tensor.is_sparse else tensor


def _features(needs: FeatureNeeds, seed: int) -> ModelFeatures:
    return make_features(N_ITEMS, views=sorted(needs.items), missing=(3,), seed=seed)


def check_backbone_contract(backbone_cls: type[Backbone], **params: Any) -> None:
    """Assert the contract of the module docstring for ``backbone_cls`` (``params``: extra
    :class:`KGLLMRecParams` fields, e.g. ``backbone_kwargs``)."""
    label = backbone_cls.__name__
    assert issubclass(backbone_cls, Backbone), f"{label} must subclass Backbone"
    assert isinstance(getattr(backbone_cls, "name", None), str) and backbone_cls.name, f"{label} needs a name"
    assert backbone_cls.fit_kind in ("gradient", "closed_form"), f"{label}.fit_kind is {backbone_cls.fit_kind!r}"
    config = KGLLMRecParams(backbone=backbone_cls.name, embedding_size=8, **params)
    needs = backbone_cls.feature_needs(config)
    assert isinstance(needs, FeatureNeeds), f"{label}.feature_needs must return FeatureNeeds"

    backbone = _build(backbone_cls, config, _features(needs, seed=0))
    users = torch.tensor([1, 2, 5, 29])
    with torch.no_grad():
        scores = backbone.full_scores(users)
        assert scores.shape == (4, N_ITEMS), f"{label}.full_scores gives {tuple(scores.shape)}"
        assert bool(torch.isfinite(scores).all()), f"{label}.full_scores is not finite"
        items = torch.tensor([1, 4, 17, 19])
        pairs = backbone.pair_scores(users, items)
        assert torch.allclose(pairs, scores[torch.arange(4), items], atol=1e-5), f"{label}: pair and full scores disagree"
        again = _build(backbone_cls, config, _features(needs, seed=0)).full_scores(users)
        assert torch.allclose(again, scores), f"{label} is not deterministic for a seed"
        if needs.items:
            other = _build(backbone_cls, config, _features(needs, seed=7)).full_scores(users)
            assert not torch.allclose(other, scores), f"{label} declares views {sorted(needs.items)} but ignores them"

    trainable = [p for p in backbone.parameters() if p.requires_grad]
    if backbone_cls.fit_kind == "closed_form":
        assert not trainable, f"closed-form {label} has trainable parameters"
        return
    assert trainable, f"gradient-trained {label} has no trainable parameters"
    frozen = {name: _dense(buf).clone() for name, buf in backbone.named_buffers()}
    backbone.train()
    terms = backbone.loss_terms(users, torch.tensor([1, 2, 3, 4]), torch.tensor([5, 6, 7, 8]))
    assert terms and all(t.numel() == 1 and bool(torch.isfinite(t).all()) for t in terms.values()), f"{label} loss terms: {terms}"
    torch.stack([t.reshape(()) for t in terms.values()]).sum().backward()
    assert any(p.grad is not None and bool(p.grad.abs().sum() > 0) for p in trainable), f"no gradient reaches {label}"
    torch.optim.SGD(trainable, lr=0.1).step()
    for name, buf in backbone.named_buffers():
        assert torch.equal(_dense(buf), frozen[name]), f"{label} changed its frozen buffer {name} in a training step"
    backbone.eval()
    with torch.no_grad():
        assert not torch.allclose(backbone.full_scores(users), scores), f"{label}: a training step left the scores unchanged"


__all__ = ["check_backbone_contract"]
