"""Cold-start calibration: a content-only path trained to reproduce warm items' full
representations, used for items that have no training interactions.

Why: an item never seen in training has an untrained ID embedding and, in a graph backbone, no
edges, so its final representation is a much shorter vector than a warm item's (LightGCN keeps
only layer 0 divided by ``K + 1``) and never reaches a top-k list. Scaling by hand does not fix
direction or scale per item. Instead :class:`ContentHead` maps the fused *content* views (KG and
text, ID masked out) to the final representation space and is trained by regression onto the
warm items' final representations (targets detached, so the collaborative model is untouched).
At inference, cold items with any content view take the head's output.

Not every item without training interactions is new: a random split also leaves out the rare
items whose few interactions all fell into validation/test. :func:`new_item_share` estimates
how many cold items sampling alone explains, so a closed-form backbone can promote cold items
only as far as they are likely new (see ``EaseBackbone``'s ``cold_new_share``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
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


@dataclass(frozen=True)
class NewItemShare:
    """Estimate of how many items without training interactions are new.

    Attributes:
        cold: items without training interactions; singletons: items with exactly one.
        expected: cold items that sampling alone explains (an upper bound, see below).
        share: ``1 - expected / cold`` clipped to ``[0, 1]`` (1 when there is no cold item).
    """

    cold: int
    singletons: int
    expected: float
    share: float


def new_item_share(counts: np.ndarray, *, train_share: float) -> NewItemShare:
    """Share of the cold items (``counts == 0``) that are new rather than rare.

    When each interaction reaches training with probability ``p`` (a random ratio split), an
    item with ``n`` interactions is missing from training with probability ``(1-p)^n`` and seen
    exactly once with probability ``n p (1-p)^(n-1)``: for every item the first is at most
    ``(1-p)/p`` times the second. So at most ``singletons * (1-p)/p`` cold items are rare items
    the split left out (a Good-Turing-style bound); the excess is items the training data cannot
    know, new ones. The share is a conservative (low) estimate of the new items' share.

    Args:
        counts: training interactions per item (only the items that can be calibrated).
        train_share: ``p`` in ``(0, 1]``, see :attr:`recbole_kgllm.model.inputs.TrainingData.train_share`.
    """
    if not 0.0 < train_share <= 1.0:
        raise ValueError(f"train_share must be in (0, 1], got {train_share}")
    counts = np.asarray(counts)
    cold, singletons = int((counts == 0).sum()), int((counts == 1).sum())
    expected = singletons * (1.0 - train_share) / train_share
    share = 1.0 if cold == 0 else float(np.clip(1.0 - expected / cold, 0.0, 1.0))
    return NewItemShare(cold=cold, singletons=singletons, expected=expected, share=share)
