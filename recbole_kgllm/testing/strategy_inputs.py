"""Random inputs for the strategy contracts: views and masks for fusions, batches for distillers."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from recbole_kgllm.distill.base import DistillInputs
from recbole_kgllm.fusion.base import ID_MODALITY, KG_MODALITY, TEXT_MODALITY

DEFAULT_MODALITIES: tuple[str, ...] = (ID_MODALITY, KG_MODALITY, TEXT_MODALITY)
DEFAULT_SEMANTIC: tuple[str, ...] = (KG_MODALITY, TEXT_MODALITY)


def _presence(keys: Sequence[str], batch_size: int, g: torch.Generator) -> dict[str, Tensor]:
    """Random masks: row 0 has every view, row 1 only the always-present ones, others random."""
    masks = {}
    for key in keys:
        mask = torch.rand(batch_size, generator=g) < 0.6
        mask[0] = True
        if batch_size > 1:
            mask[1] = False
        masks[key] = mask
    return masks


def make_fusion_inputs(
    modalities: Sequence[str] = DEFAULT_MODALITIES,
    *,
    batch_size: int = 7,
    dim: int = 8,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
    seed: int = 0,
) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """Random ``views`` (``[N, d]`` each) and ``masks`` (``[N]`` bool, none for ``"id"``).

    Row 0 has every view; row 1 (if any) misses every view but ``"id"``; other rows are random.
    """
    g = torch.Generator().manual_seed(seed)
    views = {k: torch.randn(batch_size, dim, generator=g, dtype=dtype).to(device) for k in modalities}
    masked = [k for k in modalities if k != ID_MODALITY] if ID_MODALITY in modalities else list(modalities)[1:]
    masks = {k: m.to(device) for k, m in _presence(masked, batch_size, g).items()}
    return views, masks


def make_distill_inputs(
    *,
    batch_size: int = 7,
    dim: int = 8,
    num_candidates: int = 5,
    semantic_keys: Sequence[str] = DEFAULT_SEMANTIC,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
    seed: int = 0,
) -> DistillInputs:
    """Random :class:`DistillInputs` with every optional field; rows 0 and ``B-1`` share an id.

    Row 0 has every semantic view, row 1 (if any) none; ``semantic[last key]`` is frozen
    (``requires_grad=False``), every other float tensor is a leaf that requires grad.
    """
    g = torch.Generator().manual_seed(seed)

    def leaf(*shape: int, grad: bool = True) -> Tensor:
        return torch.randn(*shape, generator=g, dtype=dtype).to(device).requires_grad_(grad)

    keys = list(semantic_keys)
    ids = torch.arange(batch_size)
    if batch_size > 2:
        ids[-1] = ids[0]
    return DistillInputs(
        collab=leaf(batch_size, dim),
        semantic={k: leaf(batch_size, dim, grad=k != keys[-1]) for k in keys},
        masks={k: m.to(device) for k, m in _presence(keys, batch_size, g).items()},
        user=leaf(batch_size, dim),
        student_scores=leaf(batch_size, num_candidates),
        teacher_scores=leaf(batch_size, num_candidates),
        ids=ids.to(device),
    )


def replace_inputs(inputs: DistillInputs, rows: slice | None = None, **changes: Any) -> DistillInputs:
    """A copy of ``inputs`` with fields replaced, optionally restricted to ``rows``."""
    fields = {
        "collab": inputs.collab, "semantic": dict(inputs.semantic), "masks": dict(inputs.masks), "user": inputs.user,
        "student_scores": inputs.student_scores, "teacher_scores": inputs.teacher_scores, "ids": inputs.ids,
    }
    fields.update(changes)
    if rows is not None:
        fields = {
            k: ({kk: vv[rows] for kk, vv in v.items()} if isinstance(v, dict) else (v[rows] if v is not None else None))
            for k, v in fields.items()
        }
    return DistillInputs(**fields)
