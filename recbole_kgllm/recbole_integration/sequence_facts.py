"""What the sequential models need to know about a RecBole sequential training split, read
here so that no model touches RecBole's dataset internals."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch


def sequence_item_counts(dataset: Any) -> np.ndarray:
    """Occurrences ``[n_items]`` of each internal item id in the training split of a sequential
    dataset: as a target (``item_id``) or inside a history (``item_id_list``; padding ignored).
    An item with 0 never appeared in training at all."""
    n_items = int(dataset.item_num)
    counts = torch.zeros(n_items, dtype=torch.long)
    feat = dataset.inter_feat
    targets = feat[dataset.iid_field].long()
    counts += torch.bincount(targets, minlength=n_items)[:n_items]
    list_field = dataset.iid_field + dataset.config["LIST_SUFFIX"]
    if list_field in feat:
        histories = feat[list_field].long().reshape(-1)
        counts += torch.bincount(histories[histories > 0], minlength=n_items)[:n_items]
    counts[0] = 0
    return counts.numpy()


__all__ = ["sequence_item_counts"]
