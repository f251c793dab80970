"""The learned content path of the closed-form default: fusion and distillation on the strongest path.

An item's frozen content views (text, PyKEEN KG embedding, KG entity incidence) are projected to
``d`` and fused by the registered ``fusion`` strategy into one vector ``z_i``. The path is
trained to reproduce the collaborative teacher on warm items: the teacher vector ``t_i`` is the
item's row of a rank-``d`` factorisation of the cosine co-occurrence matrix
``D^-1/2 X^T X D^-1/2`` of the (inner) training interactions, and the loss is
``1 - cos(z_i, t_i)`` plus the registered ``distiller`` on the same batch (``contrastive``:
InfoNCE between ``t`` and each projected view and ``z``; ``kg_text_align``: KG against text;
``teacher``: the teacher's item-item scores ``t_i . t_k`` distilled into ``z_i . z_k``; ``none``:
nothing more). Only content enters ``z``, so every item with a view gets one, warm or cold.

The similarities of ``z`` are a content prior like the frozen views' (``prior_weights.content``)
and a source of cold items' columns: ``--fusion=X --distiller=Y`` change the default model.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Mapping

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from recbole_kgllm.distill.base import DistillInputs, Distiller
from recbole_kgllm.model.projector import make_projector
from recbole_kgllm.registry import resolve

logger = logging.getLogger(__name__)

#: The name of the fused vector among the distiller's semantic views.
FUSED_VIEW = "content"


class ContentPath(nn.Module):
    """Projected frozen views fused into one content vector per item.

    Args:
        features: view name -> ``(values [I, f], mask [I])`` (frozen buffers).
        dim: the model dimension ``d``.
        fusion: registered fusion name; fusion_kwargs: its options; projector: ``linear``/``mlp``.
    """

    def __init__(
        self, *, features: Mapping[str, tuple[Tensor, Tensor]], dim: int, fusion: str,
        fusion_kwargs: Mapping[str, object] | None = None, projector: str = "linear",
    ) -> None:
        super().__init__()
        self.names = sorted(features)
        self.projectors = nn.ModuleDict()
        for name in self.names:
            values, mask = features[name]
            self.register_buffer(f"{name}_values", values.float(), persistent=False)
            self.register_buffer(f"{name}_mask", mask.bool(), persistent=False)
            self.projectors[name] = make_projector(values.shape[1], dim, projector)
        self.fusion = resolve("fusion", fusion)(dim=dim, modalities=self.names, **dict(fusion_kwargs or {}))

    @property
    def has_content(self) -> Tensor:
        """``[I]`` bool: items with at least one view."""
        return torch.stack([getattr(self, f"{n}_mask") for n in self.names]).any(0)

    def views(self, index: Tensor | None = None) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        """Projected views ``{name: [N, d]}`` and masks ``{name: [N]}`` of ``index`` (all items when None)."""
        views, masks = {}, {}
        for name in self.names:
            values, mask = getattr(self, f"{name}_values"), getattr(self, f"{name}_mask")
            if index is not None:
                values, mask = values[index], mask[index]
            views[name], masks[name] = self.projectors[name](values), mask
        return views, masks

    def forward(self, index: Tensor | None = None) -> Tensor:
        """Fused content vectors ``[N, d]``."""
        views, masks = self.views(index)
        return self.fusion(views, masks)


def teacher_vectors(gram: np.ndarray, dim: int, *, seed: int) -> Tensor:
    """``[I, d]`` rows of a rank-``d`` factorisation ``U sqrt(S)`` of the cosine co-occurrence
    ``D^-1/2 G D^-1/2`` (zero rows for items without interactions), by randomised SVD."""
    degree = np.diag(gram).copy()
    scale = np.where(degree > 0, 1.0 / np.sqrt(np.where(degree > 0, degree, 1.0)), 0.0)
    cosine = torch.from_numpy((gram * scale[:, None] * scale[None, :]).astype(np.float32))
    rank = max(1, min(dim, cosine.shape[0] - 1))
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        u, s, _ = torch.svd_lowrank(cosine, q=min(rank + 8, cosine.shape[0]), niter=3)
    out = torch.zeros(cosine.shape[0], dim)
    out[:, :rank] = u[:, :rank] * s[:rank].clamp(min=0).sqrt()
    return out


def _distill_inputs(
    path: ContentPath, batch: Tensor, views: dict[str, Tensor], masks: dict[str, Tensor], z: Tensor,
    teacher: Tensor, negatives: Tensor,
) -> DistillInputs:
    other = path(negatives)
    t = teacher[batch]
    return DistillInputs(
        collab=t, semantic={**views, FUSED_VIEW: z}, masks={**masks, FUSED_VIEW: torch.ones_like(batch, dtype=torch.bool)},
        student_scores=F.normalize(z, dim=-1) @ F.normalize(other, dim=-1).T,
        teacher_scores=F.normalize(t, dim=-1) @ F.normalize(teacher[negatives], dim=-1).T, ids=batch,
    )


def train_content_path(
    path: ContentPath, teacher: Tensor, warm: Tensor, distiller: Distiller, *, epochs: int, lr: float,
    batch_size: int = 4096, n_negatives: int = 64, seed: int = 0,
) -> list[float]:
    """Fit ``path`` to ``teacher`` ``[I, d]`` on the ``warm`` ``[I]`` items that have content
    (``epochs`` passes in batches of ``batch_size`` items; small catalogues: one batch per epoch).

    Returns:
        The mean loss of each epoch (the path is left in eval mode).
    """
    items = torch.nonzero(warm & path.has_content).flatten()
    if items.numel() < 2:
        path.eval()
        return []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small operations: threads only contend (20x slower on a busy 2-core machine)
    try:
        with torch.enable_grad():  # the model may be built inside a no_grad block
            return _train(path, teacher, items, distiller, epochs=epochs, lr=lr, batch_size=batch_size,
                          n_negatives=n_negatives, seed=seed)
    finally:
        torch.set_num_threads(threads)


def _train(
    path: ContentPath, teacher: Tensor, items: Tensor, distiller: Distiller, *, epochs: int, lr: float,
    batch_size: int, n_negatives: int, seed: int,
) -> list[float]:
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam([p for p in path.parameters() if p.requires_grad] + list(distiller.parameters()), lr=lr)
    path.train()
    history = []
    for _ in range(epochs):
        order = items[torch.randperm(items.numel(), generator=generator)]
        total, batches = 0.0, 0
        for start in range(0, order.numel(), batch_size):
            batch = order[start:start + batch_size]
            if batch.numel() < 2:
                continue
            negatives = items[torch.randint(items.numel(), (min(n_negatives, items.numel()),), generator=generator)]
            views, masks = path.views(batch)
            z = path.fusion(views, masks)
            loss = (1.0 - F.cosine_similarity(z, teacher[batch], dim=-1)).mean()
            loss = loss + distiller(_distill_inputs(path, batch, views, masks, z, teacher, negatives))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, batches = total + float(loss.detach()), batches + 1
        history.append(total / max(1, batches))
        if not math.isfinite(history[-1]):
            logger.warning("content path: the loss is not finite; its prior is disabled")
            break
    path.eval()
    return history


__all__ = ["FUSED_VIEW", "ContentPath", "teacher_vectors", "train_content_path"]
