"""Full rankings of a trained model over RecBole's test users, outside RecBole's evaluation
loop, and RecBole's metric classes applied to them.

RecBole 1.2.1 cannot compute its beyond-accuracy metrics (``ItemCoverage``, ``GiniIndex``,
``AveragePopularity``, ``TailPercentage``...) in its own loop: its collector calls ``.cpu()`` on
every collected value and these metrics collect plain ints/Counters (issue #2194). A caller
keeps them out of RecBole's ``metrics`` (:func:`split_posthoc`), ranks the test users itself
(:func:`scored_batches`) and applies RecBole's metric classes to the top-k lists
(:func:`recbole_metrics`), fed with what the collector would have held.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import Tensor

#: The collected values that are not tensors in RecBole 1.2.1 (they break its collector).
NON_TENSOR_NEEDS = ("data.num_items", "data.num_users", "data.count_items", "data.count_users")


def split_posthoc(metrics: Sequence[str]) -> tuple[list[str], list[str]]:
    """``metrics`` -> (metrics RecBole evaluates itself, metrics to compute on top-k lists)."""
    from recbole.evaluator.register import metric_information

    posthoc = [m for m in metrics if set(metric_information.get(m.lower(), ())) & set(NON_TENSOR_NEEDS)]
    return [m for m in metrics if m not in posthoc], posthoc


def all_item_scores(model: Any, interaction: Any, n_items: int, iid_field: str, device: Any) -> Tensor:
    """``[B, n_items]`` scores of every item for the ``B`` rows of a test batch ``interaction``
    (the whole batch: sequential models read the history in it), through ``full_sort_predict``,
    or ``predict`` over all pairs for a model without it, as RecBole's trainer does."""
    from recbole.data.interaction import Interaction

    interaction = interaction.to(device)
    rows = len(interaction)
    try:
        scores = model.full_sort_predict(interaction)
    except NotImplementedError:
        pairs = interaction.repeat_interleave(n_items)
        pairs.update(Interaction({iid_field: torch.arange(n_items, device=device).repeat(rows)}))
        scores = model.predict(pairs)
    return scores.view(rows, n_items).float()


def scored_batches(model: Any, test_data: Any, device: Any) -> Iterator[tuple[Tensor, Tensor]]:
    """For each batch of RecBole's full-sort test dataloader: ``scores [B, n_items]`` with padding
    and each user's history at ``-inf`` (as RecBole masks them), and ``positives [B, n_items]``
    (bool) the user's test items. The model is put in eval mode; no gradients."""
    dataset = test_data._dataset
    iid_field, n_items = dataset.iid_field, dataset.item_num
    model.eval()
    with torch.no_grad():
        for interaction, history_index, positive_u, positive_i in test_data:
            scores = all_item_scores(model, interaction, n_items, iid_field, device).clone()
            scores[:, 0] = -torch.inf
            if history_index is not None:
                scores[history_index[0].to(device), history_index[1].to(device)] = -torch.inf
            positives = torch.zeros_like(scores, dtype=torch.bool)
            positives[positive_u.to(device), positive_i.to(device)] = True
            yield scores, positives


def recbole_metrics(names: Sequence[str], top_items: Tensor, train_dataset: Any, config: Any) -> dict[str, float]:
    """RecBole's metric classes ``names`` on the ``[n_users, k]`` top-k lists ``top_items``, with
    the training set's item and user counts (what RecBole's collector would hold)."""
    from recbole.evaluator.collector import DataStruct
    from recbole.evaluator.register import metrics_dict

    struct = DataStruct()
    struct.set("rec.items", top_items)
    iid, uid = config["ITEM_ID_FIELD"], config["USER_ID_FIELD"]
    struct.set("data.num_items", train_dataset.num(iid))
    struct.set("data.num_users", train_dataset.num(uid))
    struct.set("data.count_items", train_dataset.item_counter)
    struct.set("data.count_users", train_dataset.user_counter)
    out: dict[str, float] = {}
    for name in names:
        out.update({k: float(v) for k, v in metrics_dict[name.lower()](config).calculate_metric(struct).items()})
    return out


__all__ = ["NON_TENSOR_NEEDS", "all_item_scores", "recbole_metrics", "scored_batches", "split_posthoc"]
