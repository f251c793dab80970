"""Loading the frozen feature views of a dataset's items and users, aligned to RecBole's
internal ids (features are computed on first use by :mod:`recbole_kgllm.features`)."""
from __future__ import annotations

import contextlib
import logging
import random
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch import Tensor

from recbole_kgllm.features import api

FeatureViews = dict[str, tuple[Tensor, Tensor]]
logger = logging.getLogger(__name__)


@contextlib.contextmanager
def rng_preserved() -> Iterator[None]:
    """Run a block without consuming the global random streams (Python, NumPy, torch CPU/CUDA).

    Computing features on first use (PyKEEN training, random splits) would otherwise draw random
    numbers before the model initialises its weights, so a first run (features computed) and a
    later run (features cached) with the same seed would train different models.
    """
    py_state, np_state = random.getstate(), np.random.get_state()
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        try:
            yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)


def _aligned(table: Any, tokens: Any) -> tuple[Tensor, Tensor]:
    aligned = table.align([str(t) for t in tokens])
    mask = aligned.mask.clone()
    mask[0] = False  # RecBole's [PAD] row
    return aligned.values, mask


def item_feature_views(config: Any, dataset: Any, *, use_kg: bool, use_text: bool) -> FeatureViews:
    """``{"kg": (values [n_items, f], mask [n_items]), "text": ...}`` for the enabled views."""
    tokens = dataset.field2id_token[dataset.iid_field]
    views: FeatureViews = {}
    with rng_preserved():
        if use_kg:
            views["kg"] = _aligned(api.item_kg_table(config), tokens)
        if use_text:
            views["text"] = _aligned(api.item_text_table(config), tokens)
    return views


def user_feature_views(config: Any, dataset: Any, *, use_user_text: bool) -> FeatureViews:
    """``{"text": ...}`` for users when ``use_user_text`` and a ``user_text_template`` is set."""
    if not use_user_text:
        return {}
    with rng_preserved():
        table = api.user_text_table(config)
    if table is None:
        return {}
    return {"text": _aligned(table, dataset.field2id_token[dataset.uid_field])}


def log_coverage(name: str, n: int, views: FeatureViews) -> None:
    """Log how many entities (padding excluded) have each view."""
    parts = [f"id {n - 1}"] + [f"{view} {int(mask[1:].sum())}" for view, (_, mask) in views.items()]
    logger.info("%s views: %s (of %d)", name, ", ".join(parts), n - 1)
