"""Ranking losses: each against a value computed by hand on a two-row batch, and the rules every
registered loss follows (registered by name, unknown options rejected, finite, differentiable)."""
from __future__ import annotations

import math

import pytest
import torch

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.losses.base import LossBatch, RankingLoss
from recbole_kgllm.losses.bpr import BPRLoss
from recbole_kgllm.losses.cosine import CosineContrastiveLoss
from recbole_kgllm.losses.softmax import SoftmaxLoss
from recbole_kgllm.registry import get_registry, resolve

# Two users, d = 2:   u0 = (1, 0), u1 = (0, 1)
# positives           p0 = (1, 0), p1 = (1, 1)     (ids 1, 2)
# RecBole negatives   n0 = (0, 1), n1 = (1, 0)
USER = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
POS = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
NEG = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
IDS = torch.tensor([1, 2])


def batch(shared: list[list[float]] | None = None, ids: torch.Tensor = IDS) -> LossBatch:
    extra = torch.tensor(shared) if shared is not None else None
    extra_ids = torch.arange(10, 10 + len(shared)) if shared is not None else None
    return LossBatch(user=USER, pos=POS, neg=NEG, pos_ids=ids, shared=extra, shared_ids=extra_ids)


def softplus(x: float) -> float:
    return math.log1p(math.exp(x))


def test_bpr_by_hand() -> None:
    # dot scores: pos (1, 1), own neg (0, 0): both rows -log sigmoid(1 - 0)
    assert BPRLoss()(batch()).item() == pytest.approx(softplus(-1.0), rel=1e-6)
    # a shared negative s = (2, 0) scores 2 for u0 and 0 for u1: mean of four pairs
    expected = (softplus(0 - 1) + softplus(2 - 1) + softplus(0 - 1) + softplus(0 - 1)) / 4
    assert BPRLoss(n_negatives=1)(batch([[2.0, 0.0]])).item() == pytest.approx(expected, rel=1e-6)


def test_bpr_equals_recboles_bpr_loss() -> None:
    from recbole.model.loss import BPRLoss as RecBoleBPR

    torch.manual_seed(0)
    b = LossBatch(user=torch.randn(6, 4), pos=torch.randn(6, 4), neg=torch.randn(6, 4), pos_ids=torch.arange(6))
    ours = BPRLoss()(b)
    theirs = RecBoleBPR()((b.user * b.pos).sum(-1), (b.user * b.neg).sum(-1))
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-5)


def test_softmax_dot_by_hand() -> None:
    loss = SoftmaxLoss(similarity="dot", temperature=1.0, n_negatives=0, in_batch=True)
    # row 0: positive 1, own negative 0, in-batch p1 scores u0.p1 = 1 -> logits (1, 0, 1)
    row0 = -math.log(math.e / (math.e + 1 + math.e))
    # row 1: positive u1.p1 = 1, own negative 0, in-batch p0 scores 0 -> logits (1, 0, 0)
    row1 = -math.log(math.e / (math.e + 1 + 1))
    assert loss(batch()).item() == pytest.approx((row0 + row1) / 2, rel=1e-6)


def test_softmax_cosine_temperature_and_shared_negatives_by_hand() -> None:
    tau, c = 0.5, 1 / math.sqrt(2)
    loss = SoftmaxLoss(similarity="cosine", temperature=tau, n_negatives=1, in_batch=False)
    # shared negative (1, 1): cosine c with both users
    row0 = -math.log(math.exp(1 / tau) / (math.exp(1 / tau) + math.exp(0) + math.exp(c / tau)))
    row1 = -math.log(math.exp(c / tau) / (math.exp(c / tau) + math.exp(0) + math.exp(c / tau)))
    assert loss(batch([[1.0, 1.0]])).item() == pytest.approx((row0 + row1) / 2, rel=1e-6)


def test_softmax_does_not_use_a_rows_own_item_as_its_in_batch_negative() -> None:
    loss = SoftmaxLoss(similarity="dot", temperature=1.0, n_negatives=0, in_batch=True)
    same = loss(batch(ids=torch.tensor([3, 3])))  # both rows hold item 3: no in-batch negative
    without = SoftmaxLoss(similarity="dot", temperature=1.0, n_negatives=0, in_batch=False)(batch())
    assert same.item() == pytest.approx(without.item(), rel=1e-6)
    assert same.item() == pytest.approx(softplus(-1.0), rel=1e-6)  # softmax of (1, 0) = BPR's term


def test_softmax_in_batch_negatives_are_off_by_default() -> None:
    default = SoftmaxLoss(similarity="dot", temperature=1.0, n_negatives=0)(batch())
    assert default.item() == pytest.approx(softplus(-1.0), rel=1e-6)  # logits (1, 0) on both rows


def test_softmax_leaves_out_a_shared_negative_that_is_the_rows_positive() -> None:
    loss = SoftmaxLoss(similarity="dot", temperature=1.0, n_negatives=2)
    shared = LossBatch(user=USER, pos=POS, neg=NEG, pos_ids=IDS, shared=torch.tensor([[5.0, 5.0], [0.0, 0.0]]),
                       shared_ids=torch.tensor([2, 9]))  # item 2 is row 1's positive, not row 0's
    # row 0: logits (1, own 0, item 2: 5, item 9: 0); row 1: (1, own 0, [hit left out], 0)
    row0 = -math.log(math.e / (math.e + 1 + math.exp(5) + 1))
    row1 = -math.log(math.e / (math.e + 1 + 1))
    assert loss(shared).item() == pytest.approx((row0 + row1) / 2, rel=1e-6)


def test_ccl_by_hand() -> None:
    c = 1 / math.sqrt(2)
    loss = CosineContrastiveLoss(margin=0.5, negative_weight=2.0, n_negatives=1)
    # row 0: cos(u0, p0) = 1; negatives: own cos 0 (free), shared (1, 1) cos c > margin
    row0 = (1 - 1) + 2.0 * (0 + (c - 0.5)) / 2
    # row 1: cos(u1, p1) = c; own negative (1, 0) cos 0, shared cos c
    row1 = (1 - c) + 2.0 * (0 + (c - 0.5)) / 2
    assert loss(batch([[1.0, 1.0]])).item() == pytest.approx((row0 + row1) / 2, rel=1e-6)
    assert CosineContrastiveLoss(margin=0.5, n_negatives=0)(batch()).item() == pytest.approx((1 - c) / 2, rel=1e-6)


def test_builtins_are_registered_by_name() -> None:
    assert {"bpr", "softmax", "ccl"} <= set(get_registry("loss").names())
    assert resolve("loss", "softmax") is SoftmaxLoss


@pytest.mark.parametrize("name", ["bpr", "softmax", "ccl"])
def test_every_loss_is_finite_differentiable_and_rejects_unknown_options(name: str) -> None:
    cls = resolve("loss", name)
    assert issubclass(cls, RankingLoss)
    with pytest.raises(ConfigError, match="unknown loss_kwargs"):
        cls(bogus=1)
    with pytest.raises(ConfigError):
        cls(n_negatives=-1)
    loss = cls(n_negatives=3)
    torch.manual_seed(1)
    user, pos, neg = (torch.randn(5, 4, requires_grad=True) for _ in range(3))
    shared = torch.randn(3, 4, requires_grad=True)
    value = loss(LossBatch(user=user, pos=pos, neg=neg, pos_ids=torch.arange(5), shared=shared, shared_ids=torch.arange(3)))
    assert value.dim() == 0 and bool(torch.isfinite(value))
    value.backward()
    assert all(t.grad is not None and bool(torch.isfinite(t.grad).all()) for t in (user, pos, neg))


@pytest.mark.parametrize("name", ["bpr", "softmax", "ccl"])
def test_a_better_ranked_positive_lowers_every_loss(name: str) -> None:
    loss = resolve("loss", name)(n_negatives=0)
    good = loss(batch()).item()
    swapped = loss(LossBatch(user=USER, pos=NEG, neg=POS, pos_ids=IDS)).item()
    assert good < swapped


def test_loss_batch_checks_shapes() -> None:
    with pytest.raises(ValueError, match="one shape"):
        LossBatch(user=USER, pos=POS[:1], neg=NEG, pos_ids=IDS)
    with pytest.raises(ValueError, match="shared"):
        LossBatch(user=USER, pos=POS, neg=NEG, pos_ids=IDS, shared=torch.zeros(2, 3))
