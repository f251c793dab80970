"""What serving needs from the RecBole objects ``load_data_and_model`` returns: the
:class:`~recbole_kgllm.serving.catalog.Catalog` (tokens, titles, training history), sequential
models' input sequences, and model inputs as RecBole ``Interaction`` batches. Serving reaches
RecBole's dataset internals (``field2id_token``, ``inter_matrix``, the sequential datasets'
augmented rows) only through this module."""
from __future__ import annotations

import logging
from typing import Any

import numpy as np
import scipy.sparse as sp

from recbole_kgllm.errors import KGLLMError
from recbole_kgllm.serving.catalog import Catalog, Sequences, titles_from_frame

logger = logging.getLogger(__name__)


def _item_frame(config: Any) -> Any:
    from recbole_kgllm.recbole_integration.feature_file import read_feature_file

    try:
        return read_feature_file(config, "item")
    except (KGLLMError, OSError, ValueError, KeyError) as error:  # titles are a nicety, never fatal
        logger.warning("item titles unavailable: %s", error)
        return None


def catalog_from_recbole(config: Any, dataset: Any, train_data: Any, *, sequential: bool) -> Catalog:
    """The catalog of a loaded checkpoint: tokens, titles, and the training split as history.

    Args:
        config, dataset, train_data: as returned by ``load_data_and_model``.
        sequential: read the history from a sequential dataset's augmented rows.
    """
    train = train_data._dataset
    user_tokens = np.asarray(dataset.field2id_token[dataset.uid_field], dtype=object).astype(str)
    item_tokens = np.asarray(dataset.field2id_token[dataset.iid_field], dtype=object).astype(str)
    shape = (len(user_tokens), len(item_tokens))
    if sequential:
        users, items = _sequential_pairs(train)
        history = sp.csr_matrix((np.ones(len(users), dtype=np.float32), (users, items)), shape=shape)
        history.sum_duplicates()
        history.data[:] = 1.0
    else:
        history = train.inter_matrix(form="csr").astype(np.float32)
    history.sort_indices()
    titles = titles_from_frame(item_tokens, _item_frame(config))
    return Catalog(user_tokens=user_tokens, item_tokens=item_tokens, titles=titles, history=history.tocsr())


def _sequential_pairs(train: Any) -> tuple[np.ndarray, np.ndarray]:
    """(user, item) pairs of a sequential training split: every target and every sequence item."""
    uid = train.inter_feat[train.uid_field].numpy()
    target = train.inter_feat[train.iid_field].numpy()
    seq = train.inter_feat[train.item_id_list_field].numpy()
    rows, cols = np.nonzero(seq)
    users = np.concatenate([uid, uid[rows]])
    items = np.concatenate([target, seq[rows, cols]])
    return users.astype(np.int64), items.astype(np.int64)


def sequences_from_recbole(config: Any, train_data: Any, n_users: int) -> Sequences:
    """Each user's training items in time order, truncated to ``MAX_ITEM_LIST_LENGTH`` (the last
    ones kept), as RecBole builds the validation input: the last training row's sequence plus
    its target."""
    train = train_data._dataset
    max_len = int(config["MAX_ITEM_LIST_LENGTH"])
    uid = train.inter_feat[train.uid_field].numpy()
    target = train.inter_feat[train.iid_field].numpy()
    seq = train.inter_feat[train.item_id_list_field].numpy()
    length = train.inter_feat[train.item_list_length_field].numpy()
    items = np.zeros((n_users, max_len), dtype=np.int64)
    lengths = np.zeros(n_users, dtype=np.int64)
    last = {}
    for row, user in enumerate(uid.tolist()):  # rows are sorted by user, then time
        last[user] = row
    for user, row in last.items():
        full = np.concatenate([seq[row, : length[row]], target[row : row + 1]])[-max_len:]
        items[user, : len(full)] = full
        lengths[user] = len(full)
    return Sequences(items=items, lengths=lengths)


def make_interaction(fields: dict[str, Any], device: Any) -> Any:
    """A RecBole ``Interaction`` batch of ``fields`` (name -> tensor) on ``device``."""
    from recbole.data.interaction import Interaction

    return Interaction(fields).to(device)


def is_sequential_model(model: Any) -> bool:
    """Whether ``model`` is a RecBole sequential recommender (it reads the users' sequences)."""
    from recbole.utils import ModelType

    return getattr(model, "type", None) == ModelType.SEQUENTIAL


__all__ = ["catalog_from_recbole", "is_sequential_model", "make_interaction", "sequences_from_recbole"]
