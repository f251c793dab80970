"""What the rest of the package needs to know about a RecBole dataset and its split, read here
so that no other module touches RecBole's dataset internals (``field2id_token``,
``inter_matrix``, ``inter_feat``, ``eval_args``)."""
from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from recbole_kgllm.model.inputs import TrainingData


def split_train_share(config: Any) -> float | None:
    """The share of each user's interactions that RecBole's split puts into training.

    It is the first ratio of a ratio split (``eval_args: {split: {RS: [0.8, 0.1, 0.1]}}`` gives
    0.8); ``None`` for leave-one-out or other splits, and for a missing config. With pre-split
    files (``benchmark_filename``) RecBole ignores ``eval_args.split``; the ratio is then read
    as the description of those files (the benchmark's cold-start slice writes its files with
    exactly that ratio), so a user with other files should set it to match them.
    """
    eval_args = config["eval_args"] if config is not None else None
    split = eval_args.get("split") if isinstance(eval_args, Mapping) else None
    ratios = split.get("RS") if isinstance(split, Mapping) else None
    if not ratios or float(sum(ratios)) <= 0:
        return None
    return float(ratios[0]) / float(sum(ratios))


def training_data(config: Any, dataset: Any) -> TrainingData:
    """The training split ``dataset`` as a :class:`TrainingData` (CSR interactions, split share)."""
    interactions = dataset.inter_matrix(form="csr").astype(np.float32)
    return TrainingData(interactions=interactions, train_share=split_train_share(config))


def item_tokens(dataset: Any) -> list[str]:
    """External item tokens in internal-id order (index 0 is ``[PAD]``)."""
    return [str(t) for t in dataset.field2id_token[dataset.iid_field]]


def user_tokens(dataset: Any) -> list[str]:
    """External user tokens in internal-id order (index 0 is ``[PAD]``)."""
    return [str(t) for t in dataset.field2id_token[dataset.uid_field]]


def item_ids(dataset: Any, tokens: Sequence[str]) -> list[int]:
    """Internal ids of the item ``tokens`` the dataset knows (unknown tokens are skipped)."""
    index = dataset.field2token_id[dataset.iid_field]
    return [int(index[t]) for t in tokens if t in index]


def dataset_sizes(dataset: Any, parts: Sequence[Any]) -> dict[str, int]:
    """Users and items (padding excluded) and the interactions of each split part."""
    sizes = {"n_users": int(dataset.user_num) - 1, "n_items": int(dataset.item_num) - 1}
    for name, part in zip(("n_train", "n_valid", "n_test"), parts):
        sizes[name] = len(part.inter_feat)
    return sizes


def split_fingerprint(parts: Sequence[Any]) -> str:
    """sha256 over the sorted (user token, item token) pairs of each split part: equal for two
    runs exactly when they trained, validated and tested on the same interactions."""
    digest = hashlib.sha256()
    for part in parts:
        uid, iid = part.uid_field, part.iid_field
        users = part.id2token(uid, part.inter_feat[uid].numpy())
        items = part.id2token(iid, part.inter_feat[iid].numpy())
        digest.update("\n".join(sorted(f"{u}\t{i}" for u, i in zip(users, items))).encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:16]


__all__ = [
    "dataset_sizes",
    "item_ids",
    "item_tokens",
    "split_fingerprint",
    "split_train_share",
    "training_data",
    "user_tokens",
]
