"""One extra ranking pass over the test users, after RecBole's own test evaluation.

It serves two things RecBole 1.2.1 cannot do in its evaluation loop:

* **Beyond-accuracy metrics** (``ItemCoverage``, ``GiniIndex``...), computed with RecBole's own
  metric classes on the top-k lists (see :mod:`recbole_kgllm.recbole_integration.ranking`);
* **Item-subset metrics** for the cold-start slice (:mod:`recbole_kgllm.bench.slice_metrics`).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from recbole_kgllm.bench.slice_metrics import SliceAccumulator
from recbole_kgllm.recbole_integration.dataset_facts import item_ids
from recbole_kgllm.recbole_integration.ranking import recbole_metrics, scored_batches


def ranking_pass(
    model: Any, test_data: Any, train_dataset: Any, config: Any, *, posthoc: Sequence[str] = (),
    cold_items: Sequence[str] | None = None, slice_ks: Sequence[int] = (20,),
) -> dict[str, float]:
    """Post-hoc metrics (``itemcoverage@10`` ...) and, with ``cold_items``, the ``cold_*`` and
    ``warm_*`` slice metrics (plus ``cold_users``, ``warm_users``, ``cold_items``).

    Args:
        model: the trained model (best checkpoint loaded), any RecBole recommender.
        test_data: RecBole's full-sort test dataloader.
        train_dataset: the training split (item counts, as RecBole's collector takes them).
        config: the run's RecBole config (``topk``, ``device``).
        posthoc: RecBole metric names to compute.
        cold_items: held-out item tokens, or ``None`` for no slices.
        slice_ks: cut-offs of the slice metrics.
    """
    if not posthoc and cold_items is None:
        return {}
    device = config["device"]
    n_items = test_data._dataset.item_num
    max_k = max([*config["topk"], *slice_ks])
    cold = torch.zeros(n_items, dtype=torch.bool, device=device)
    if cold_items is not None:
        cold[torch.tensor(item_ids(test_data._dataset, cold_items), dtype=torch.long, device=device)] = True
    slices = SliceAccumulator(ks=tuple(slice_ks))
    top_items = []
    for scores, positives in scored_batches(model, test_data, device):
        top_items.append(scores.topk(min(max_k, n_items), dim=1).indices.cpu())
        if cold_items is not None:
            slices.add("cold", scores, positives & cold)
            slices.add("warm", scores, positives & ~cold)
    out: dict[str, float] = {}
    if posthoc:
        out.update(recbole_metrics(posthoc, torch.cat(top_items), train_dataset, config))
    if cold_items is not None:
        out.update(slices.result())
        out["cold_items"] = float(int(cold.sum()))
    return out


__all__ = ["ranking_pass"]
