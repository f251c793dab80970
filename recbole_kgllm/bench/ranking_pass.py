"""One extra ranking pass over the test users, after RecBole's own test evaluation.

It serves two things RecBole 1.2.1 cannot do in its evaluation loop:

* **Beyond-accuracy metrics** (``ItemCoverage``, ``GiniIndex``, ``AveragePopularity``,
  ``TailPercentage``...). RecBole's collector crashes on them in 1.2.1: ``get_data_struct``
  calls ``.cpu()`` on every collected value, and these metrics collect plain ints/Counters
  (``data.num_items``, ``data.count_items``; RecBole issue #2194; ``compat/collector.py`` fixes
  that for ``run_recbole``, and a worker does not rely on it). The harness keeps
  them out of RecBole's ``metrics`` and computes them here **with RecBole's own metric classes**,
  fed with what the collector would have held: the top-k item ids of every test user (history
  masked as RecBole masks it) and the training set's item count / item counter.
* **Item-subset metrics** for the cold-start slice (:mod:`recbole_kgllm.bench.slice_metrics`).

Scores come from ``full_sort_predict`` (``predict`` over all items when a model lacks it, as
RecBole's trainer does); padding and each user's history items get ``-inf``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from recbole_kgllm.bench.slice_metrics import SliceAccumulator

#: The collected values that are not tensors in RecBole 1.2.1 (they break its collector).
NON_TENSOR_NEEDS = ("data.num_items", "data.num_users", "data.count_items", "data.count_users")


def split_posthoc(metrics: Sequence[str]) -> tuple[list[str], list[str]]:
    """``metrics`` -> (metrics RecBole evaluates itself, metrics computed by this pass)."""
    from recbole.evaluator.register import metric_information

    posthoc = [m for m in metrics if set(metric_information.get(m.lower(), ())) & set(NON_TENSOR_NEEDS)]
    return [m for m in metrics if m not in posthoc], posthoc


def all_item_scores(model: Any, users: Tensor, n_items: int, uid_field: str, iid_field: str, device: Any) -> Tensor:
    """``[B, n_items]`` scores of every item for ``users``."""
    from recbole.data.interaction import Interaction

    try:
        scores = model.full_sort_predict(Interaction({uid_field: users}).to(device))
    except NotImplementedError:
        pairs = Interaction(
            {uid_field: users.repeat_interleave(n_items), iid_field: torch.arange(n_items).repeat(len(users))}
        ).to(device)
        scores = model.predict(pairs)
    return scores.view(len(users), n_items).float()


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
        config: the run's RecBole config (``topk``, ``device``, ``metric_decimal_place``).
        posthoc: RecBole metric names to compute.
        cold_items: held-out item tokens, or ``None`` for no slices.
        slice_ks: cut-offs of the slice metrics.
    """
    if not posthoc and cold_items is None:
        return {}
    device = config["device"]
    dataset = test_data._dataset
    uid_field, iid_field, n_items = dataset.uid_field, dataset.iid_field, dataset.item_num
    max_k = max([*config["topk"], *slice_ks])
    cold = torch.zeros(n_items, dtype=torch.bool, device=device)
    if cold_items is not None:
        token_ids = dataset.field2token_id[iid_field]
        ids = [token_ids[t] for t in cold_items if t in token_ids]
        cold[torch.tensor(ids, dtype=torch.long, device=device)] = True
    slices = SliceAccumulator(ks=tuple(slice_ks))
    top_items = []
    model.eval()
    with torch.no_grad():
        for interaction, history_index, positive_u, positive_i in test_data:
            scores = all_item_scores(model, interaction[uid_field], n_items, uid_field, iid_field, device).clone()
            scores[:, 0] = -torch.inf
            if history_index is not None:
                scores[history_index[0].to(device), history_index[1].to(device)] = -torch.inf
            top_items.append(scores.topk(min(max_k, n_items), dim=1).indices.cpu())
            if cold_items is not None:
                positives = torch.zeros_like(scores, dtype=torch.bool)
                positives[positive_u.to(device), positive_i.to(device)] = True
                slices.add("cold", scores, positives & cold)
                slices.add("warm", scores, positives & ~cold)
    out: dict[str, float] = {}
    if posthoc:
        out.update(_recbole_metrics(posthoc, torch.cat(top_items), train_dataset, config))
    if cold_items is not None:
        out.update(slices.result())
        out["cold_items"] = float(int(cold.sum()))
    return out


def _recbole_metrics(names: Sequence[str], top_items: Tensor, train_dataset: Any, config: Any) -> dict[str, float]:
    """RecBole's metric classes on a data struct holding what its collector would hold."""
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


__all__ = ["NON_TENSOR_NEEDS", "all_item_scores", "ranking_pass", "split_posthoc"]
