"""Contract checks every fusion and distiller must pass; reusable by plugin authors.

A plugin's test can be one line::

    from recbole_kgllm.testing.contracts import fusion_contract_test
    test_my_fusion_contract = fusion_contract_test(MyFusion, hidden=16)

or cover every registered strategy::

    @parametrize_registered("fusion")
    def test_contract(strategy_cls): check_fusion_contract(strategy_cls)

The checks build random tensors (no RecBole, no data) and raise ``AssertionError`` naming the
strategy and the broken rule. Keyword arguments the checks do not know go to the strategy's
constructor (so a strategy option may not be called ``dim``, ``modalities``, ``batch_size``,
``num_candidates``, ``semantic_keys``, ``device``, ``dtype`` or ``seed`` here).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from recbole_kgllm.distill.base import Distiller
from recbole_kgllm.errors import KGLLMError
from recbole_kgllm.fusion.base import Fusion
from recbole_kgllm.testing.strategy_inputs import (
    DEFAULT_MODALITIES,
    DEFAULT_SEMANTIC,
    make_distill_inputs,
    make_fusion_inputs,
    replace_inputs,
)
_OPTIONAL_FIELDS = frozenset({"user", "student_scores", "teacher_scores", "ids"})
_TOL = {"rtol": 1e-4, "atol": 1e-5}


def _close(a: Tensor, b: Tensor) -> bool:
    return bool(torch.allclose(a, b, **_TOL))


def _check_class(cls: type, base: type, label: str) -> None:
    assert isinstance(cls, type) and issubclass(cls, base), f"{cls!r} is not a subclass of {base.__name__}"
    name = getattr(cls, "name", None)
    assert isinstance(name, str) and name, f"{label}: class attribute 'name' must be a non-empty str"


def _check_constructor(cls: type, required: Mapping[str, Any], kwargs: Mapping[str, Any], label: str) -> None:
    try:
        cls(*required.values())
    except TypeError:
        pass
    else:
        raise AssertionError(f"{label}: constructor must be keyword-only")
    try:
        cls(**required, **kwargs, _contract_unknown_option_=1)
    except (TypeError, KGLLMError):
        pass
    else:
        raise AssertionError(f"{label}: unknown keyword arguments must be rejected")


def _check_params(module: nn.Module, label: str, *, expect_grad: bool = True) -> None:
    trainable = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
    for n, p in module.named_parameters():
        if not p.requires_grad:
            assert p.grad is None, f"{label}: frozen parameter '{n}' received a gradient"
        elif p.grad is not None:
            assert torch.isfinite(p.grad).all(), f"{label}: non-finite gradient in parameter '{n}'"
    if trainable and expect_grad:
        got = any(p.grad is not None and p.grad.abs().sum() > 0 for _, p in trainable)
        assert got, f"{label}: no parameter got a gradient"


def _check_output(out: Tensor, shape: tuple[int, ...], like: Tensor, label: str) -> None:
    assert isinstance(out, Tensor), f"{label}: must return a Tensor, got {type(out).__name__}"
    assert tuple(out.shape) == shape, f"{label}: output shape {tuple(out.shape)}, expected {shape}"
    assert out.dtype == like.dtype, f"{label}: output dtype {out.dtype}, expected {like.dtype}"
    assert out.device == like.device, f"{label}: output device {out.device}, expected {like.device}"
    assert torch.isfinite(out).all(), f"{label}: output is not finite"


def _check_weights(fusion: Fusion, label: str) -> None:
    weights = fusion.modality_weights()
    if weights is None:
        return
    assert isinstance(weights, dict) and set(weights) <= set(fusion.modalities), f"{label}: bad modality_weights keys"
    values = [float(v) for v in weights.values()]
    assert all(0.0 <= v <= 1.0 + 1e-6 for v in values), f"{label}: modality_weights outside [0, 1]: {weights}"
    assert abs(sum(values) - 1.0) < 1e-4, f"{label}: modality_weights sum to {sum(values)}, not 1"


def _perturb_absent(view: Tensor, mask: Tensor, seed: int) -> Tensor:
    """``view`` with large random values written into its absent (mask False) rows."""
    noise = torch.randn(view.shape, generator=torch.Generator().manual_seed(seed + 1)).to(view) * 1e4
    return torch.where(mask.unsqueeze(-1), view, view + noise)


def _subset(mapping: Mapping[str, Tensor], rows: slice) -> dict[str, Tensor]:
    return {k: v[rows] for k, v in mapping.items()}


def check_fusion_contract(
    fusion_cls: type[Fusion],
    *,
    dim: int = 8,
    modalities: Sequence[str] = DEFAULT_MODALITIES,
    batch_size: int = 7,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
    seed: int = 0,
    **kwargs: Any,
) -> None:
    """Assert the fusion contract for ``fusion_cls`` built with ``**kwargs``.

    Checks: keyword-only constructor rejecting unknown options; output ``[N, d]`` with the
    views' dtype and device, finite (also for an all-missing row); gradients are finite, reach
    every trainable view on its present rows only, never a frozen view or a frozen parameter;
    inputs are unchanged by forward/backward; a masked-out view has no influence on any output;
    eval mode is deterministic, row-independent and works with batch size 1; a state dict
    round-trip reproduces the outputs; ``modality_weights()`` is None or sums to 1.
    """
    _check_class(fusion_cls, Fusion, f"fusion {fusion_cls!r}")
    label = f"fusion '{fusion_cls.name}'"
    device = torch.device(device or "cpu")

    def build() -> Fusion:
        return fusion_cls(dim=dim, modalities=modalities, **kwargs).to(device=device, dtype=dtype)

    _check_constructor(fusion_cls, {"dim": dim, "modalities": modalities}, kwargs, label)
    torch.manual_seed(seed)
    fusion = build()
    views, masks = make_fusion_inputs(modalities, batch_size=batch_size, dim=dim, device=device, dtype=dtype, seed=seed)
    frozen = next((k for k in reversed(modalities) if k in masks), None)
    leaves = {k: v.clone().requires_grad_(k != frozen) for k, v in views.items()}
    mask_copies = {k: m.clone() for k, m in masks.items()}

    fusion.train()
    out = fusion(leaves, masks)
    _check_output(out, (batch_size, dim), views[modalities[0]], label)
    _check_weights(fusion, label)
    assert out.requires_grad, f"{label}: output does not depend on its trainable inputs"
    out.backward(torch.randn(out.shape, generator=torch.Generator().manual_seed(seed)).to(out))
    for key, leaf in leaves.items():
        assert torch.equal(leaf.detach(), views[key]), f"{label}: view '{key}' was modified in place"
        if key == frozen:
            assert leaf.grad is None, f"{label}: frozen view '{key}' received a gradient"
            continue
        present = masks.get(key, torch.ones(batch_size, dtype=torch.bool, device=device))
        grad = leaf.grad if leaf.grad is not None else torch.zeros_like(leaf)
        assert torch.isfinite(grad).all(), f"{label}: non-finite gradient for view '{key}'"
        assert (grad[~present] == 0).all(), f"{label}: absent rows of view '{key}' received a gradient"
        assert grad[present].abs().sum() > 0, f"{label}: view '{key}' gets no gradient on its present rows"
    assert all(torch.equal(masks[k], m) for k, m in mask_copies.items()), f"{label}: a mask was modified in place"
    # With a single modality a softmax/gate is constant, so parameters may get no gradient.
    _check_params(fusion, label, expect_grad=len(modalities) > 1)

    fusion.eval()
    with torch.no_grad():
        ref = fusion(views, masks)
        assert torch.equal(ref, fusion(views, masks)), f"{label}: eval mode is not deterministic"
        _check_weights(fusion, label)
        for key, mask in masks.items():
            perturbed = {**views, key: _perturb_absent(views[key], mask, seed)}
            assert _close(fusion(perturbed, masks), ref), f"{label}: masked-out rows of view '{key}' change the output"
        for row in {0, batch_size - 1}:
            one = fusion(_subset(views, slice(row, row + 1)), _subset(masks, slice(row, row + 1)))
            _check_output(one, (1, dim), ref, f"{label} (batch size 1)")
            assert _close(one, ref[row : row + 1]), f"{label}: row {row} depends on the other rows of the batch"
        nothing = {k: torch.zeros(batch_size, dtype=torch.bool, device=device) for k in modalities}
        _check_output(fusion(views, nothing), (batch_size, dim), ref, f"{label} (all views missing)")
        torch.manual_seed(seed + 1)
        twin = build().eval()
        twin.load_state_dict(fusion.state_dict())
        assert _close(twin(views, masks), ref), f"{label}: a state-dict round trip changes the output"


def check_distiller_contract(
    distiller_cls: type[Distiller],
    *,
    dim: int = 8,
    batch_size: int = 7,
    num_candidates: int = 5,
    semantic_keys: Sequence[str] = DEFAULT_SEMANTIC,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
    seed: int = 0,
    **kwargs: Any,
) -> None:
    """Assert the distiller contract for ``distiller_cls`` built with ``**kwargs``.

    Checks: keyword-only constructor rejecting unknown options and a negative ``weight``;
    ``requires`` names optional :class:`DistillInputs` fields, whose absence raises a
    :class:`KGLLMError`, while absent non-required fields are fine; the loss is a finite
    scalar with the inputs' dtype and device (also for batch size 1); gradients are finite,
    never reach teacher scores, frozen inputs or absent rows of a semantic view; inputs are
    unchanged; masked-out rows have no influence; eval mode is deterministic; ``weight``
    scales the loss linearly and ``weight=0`` gives 0.
    """
    _check_class(distiller_cls, Distiller, f"distiller {distiller_cls!r}")
    label = f"distiller '{distiller_cls.name}'"
    device = torch.device(device or "cpu")
    requires = frozenset(getattr(distiller_cls, "requires", frozenset()))
    assert requires <= _OPTIONAL_FIELDS, f"{label}: requires names unknown fields {sorted(requires - _OPTIONAL_FIELDS)}"

    def build(**extra: Any) -> Distiller:
        return distiller_cls(**{"dim": dim, **kwargs, **extra}).to(device=device, dtype=dtype)

    _check_constructor(distiller_cls, {"dim": dim}, kwargs, label)
    try:
        build(weight=-1.0)
    except KGLLMError:
        pass
    else:
        raise AssertionError(f"{label}: a negative weight must raise a KGLLMError")

    torch.manual_seed(seed)
    distiller = build()
    inputs = make_distill_inputs(
        batch_size=batch_size, dim=dim, num_candidates=num_candidates, semantic_keys=semantic_keys,
        device=device, dtype=dtype, seed=seed,
    )
    tensors = {"collab": inputs.collab, "user": inputs.user, "student_scores": inputs.student_scores,
               "teacher_scores": inputs.teacher_scores, **{f"semantic[{k}]": v for k, v in inputs.semantic.items()}}
    before = {k: v.detach().clone() for k, v in tensors.items() if v is not None}

    distiller.train()
    loss = distiller(inputs)
    _check_output(loss, (), inputs.collab, label)
    if loss.requires_grad:
        loss.backward()
    for key, value in tensors.items():
        unchanged = value is not None and torch.equal(value.detach(), before[key])
        assert unchanged, f"{label}: input {key} was modified in place"
    teacher_grad = inputs.teacher_scores.grad  # type: ignore[union-attr]
    assert teacher_grad is None or not teacher_grad.any(), f"{label}: gradient flowed into the teacher scores"
    for key, view in inputs.semantic.items():
        if not view.requires_grad:
            assert view.grad is None, f"{label}: frozen view '{key}' received a gradient"
        elif view.grad is not None:
            assert torch.isfinite(view.grad).all(), f"{label}: non-finite gradient for view '{key}'"
            assert (view.grad[~inputs.masks[key]] == 0).all(), f"{label}: absent rows of view '{key}' got a gradient"
    if loss.requires_grad and any(p.requires_grad for p in distiller.parameters()):
        _check_params(distiller, label)

    distiller.eval()
    with torch.no_grad():
        ref = distiller(inputs)
        assert torch.equal(ref, distiller(inputs)), f"{label}: eval mode is not deterministic"
        for key, mask in inputs.masks.items():
            semantic = {**inputs.semantic, key: _perturb_absent(inputs.semantic[key].detach(), mask, seed)}
            changed = distiller(replace_inputs(inputs, semantic=semantic))
            assert _close(changed, ref), f"{label}: masked-out rows of view '{key}' change the loss"
        one = distiller(replace_inputs(inputs, rows=slice(0, 1)))
        _check_output(one, (), ref, f"{label} (batch size 1)")
        minimal = replace_inputs(inputs, **{f: None for f in _OPTIONAL_FIELDS - requires})
        _check_output(distiller(minimal), (), ref, f"{label} (only required fields)")
        for name in sorted(requires):
            try:
                distiller(replace_inputs(inputs, **{name: None}))
            except KGLLMError:
                pass
            else:
                raise AssertionError(f"{label}: missing required input '{name}' must raise a KGLLMError")
        for weight in (2.5, 0.0):
            torch.manual_seed(seed + 1)
            twin = build(weight=weight).eval()
            twin.load_state_dict(distiller.state_dict())
            scaled = twin(inputs)
            _check_output(scaled, (), ref, f"{label} (weight={weight})")
            expected = ref * weight / distiller.weight if distiller.weight else ref * 0
            assert _close(scaled, expected), f"{label}: weight={weight} does not scale the loss linearly"


def registered_classes(family: str) -> list[tuple[str, type]]:
    """``(name, class)`` of every component registered in ``family`` (``fusion``, ``distiller``)."""
    from recbole_kgllm.registry import get_registry

    return [(entry.name, entry.obj) for entry in get_registry(family)]


def parametrize_registered(family: str, argname: str = "strategy_cls") -> Any:
    """``pytest.mark.parametrize`` over every registered class of ``family``, ids = names."""
    import pytest

    return pytest.mark.parametrize(argname, [pytest.param(cls, id=name) for name, cls in registered_classes(family)])


def fusion_contract_test(fusion_cls: type[Fusion], **kwargs: Any) -> Callable[[], None]:
    """A pytest test function running :func:`check_fusion_contract` (assign it to ``test_*``)."""

    def test() -> None:
        check_fusion_contract(fusion_cls, **kwargs)

    test.__name__ = f"test_{fusion_cls.name}_fusion_contract"
    return test


def distiller_contract_test(distiller_cls: type[Distiller], **kwargs: Any) -> Callable[[], None]:
    """A pytest test function running :func:`check_distiller_contract` (assign it to ``test_*``)."""

    def test() -> None:
        check_distiller_contract(distiller_cls, **kwargs)

    test.__name__ = f"test_{distiller_cls.name}_distiller_contract"
    return test


__all__ = [
    "DEFAULT_MODALITIES", "DEFAULT_SEMANTIC", "check_distiller_contract", "check_fusion_contract",
    "distiller_contract_test", "fusion_contract_test", "make_distill_inputs", "make_fusion_inputs",
    "parametrize_registered", "registered_classes",
]
