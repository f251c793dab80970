"""Cold-start calibration: a content-only path trained to reproduce warm items' full
representations, used for items that have no training interactions.

Why: an item never seen in training has an untrained ID embedding and, in a graph backbone, no
edges, so its final representation is a much shorter vector than a warm item's (LightGCN keeps
only layer 0 divided by ``K + 1``) and never reaches a top-k list. Scaling by hand does not fix
direction or scale per item. Instead :class:`ContentHead` maps the fused *content* views (KG and
text, ID masked out) to the final representation space and is trained by regression onto the
warm items' final representations (targets detached, so the collaborative model is untouched).
At inference, cold items with any content view take the head's output.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn


class ContentHead(nn.Module):
    """Linear-GELU-linear map ``[N, d] -> [N, d]`` from fused content to final representations."""

    def __init__(self, *, dim: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, dim), nn.GELU(), nn.Linear(dim, dim))

    def forward(self, content: Tensor) -> Tensor:
        return self.net(content)

    def loss(self, content: Tensor, target: Tensor, has_content: Tensor) -> Tensor:
        """Mean squared error to ``target`` (detached) over rows with content; 0 if none."""
        if not bool(has_content.any()):
            return content.new_zeros(())
        pred = self.forward(content[has_content])
        return torch.nn.functional.mse_loss(pred, target[has_content].detach(), reduction="sum") / max(1, pred.shape[0])


def interaction_counts(dataset: object, n_items: int) -> Tensor:
    """Training interactions per item, ``[n_items]`` (long)."""
    matrix = dataset.inter_matrix(form="csr")  # type: ignore[attr-defined]
    counts = torch.from_numpy(matrix.getnnz(axis=0).astype("int64"))
    return counts if counts.shape[0] == n_items else torch.nn.functional.pad(counts, (0, n_items - counts.shape[0]))
