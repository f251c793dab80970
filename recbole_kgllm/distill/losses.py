"""Loss functions shared by distillers (pure tensor code)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def info_nce(
    query: Tensor,
    key: Tensor,
    *,
    temperature: float,
    valid: Tensor | None = None,
    ids: Tensor | None = None,
) -> Tensor:
    """InfoNCE with in-batch negatives on cosine similarity (van den Oord et al., 2018).

    Row ``i`` of ``query`` must pick row ``i`` of ``key`` among the valid rows of ``key``.
    Invalid rows take no part at all (neither as anchors nor as negatives), and with ``ids``
    rows sharing an id are not each other's negatives. Shapes stay static (no boolean
    indexing), so no device sync happens.

    Args:
        query: ``[B, d]`` anchors.
        key: ``[B, d]`` positives (row-aligned with ``query``); other rows are negatives.
        temperature: Softmax temperature (> 0).
        valid: ``[B]`` bool, rows that take part; all when None.
        ids: ``[B]`` entity ids, or None.

    Returns:
        Scalar mean loss over valid rows (0 when no row is valid; ``log 1 = 0`` for one row).
    """
    b = query.shape[0]
    logits = F.normalize(query, dim=-1) @ F.normalize(key, dim=-1).T / temperature  # [B, B]
    eye = torch.eye(b, dtype=torch.bool, device=query.device)
    allowed = torch.ones_like(eye)
    if valid is not None:
        allowed = allowed & valid.unsqueeze(0)
    if ids is not None:
        allowed = allowed & ((ids.unsqueeze(0) != ids.unsqueeze(1)) | eye)
    logits = logits.masked_fill(~allowed, torch.finfo(logits.dtype).min)
    per_row = -torch.log_softmax(logits, dim=-1).diagonal()
    if valid is None:
        return per_row.mean()
    per_row = torch.where(valid, per_row, per_row.new_zeros(()))
    return per_row.sum() / valid.sum().clamp(min=1).to(per_row.dtype)
