"""What serving needs to know about a dataset: user/item tokens, item titles and the users'
training histories, independent of RecBole's dataset objects once built."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from recbole_kgllm.errors import UnknownUserError

PAD = "[PAD]"
#: ``.item`` fields tried, in order, for an item's display title.
TITLE_FIELDS = ("movie_title", "title", "name", "item_name", "movie_name")


@dataclass(frozen=True, eq=False)
class Catalog:
    """Tokens, titles and training histories in RecBole's internal order (index 0 is ``[PAD]``).

    Attributes:
        user_tokens: ``[U]`` str; item_tokens: ``[I]`` str; titles: ``[I]`` str (token when untitled).
        history: ``[U, I]`` CSR of the training interactions (the split the model was trained on).
    """

    user_tokens: np.ndarray
    item_tokens: np.ndarray
    titles: np.ndarray
    history: sp.csr_matrix
    _user_index: dict[str, int] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        index = {str(t): i for i, t in enumerate(self.user_tokens.tolist()) if i > 0}
        object.__setattr__(self, "_user_index", index)

    @property
    def n_users(self) -> int:
        return len(self.user_tokens)

    @property
    def n_items(self) -> int:
        return len(self.item_tokens)

    def user_ids(self, users: Iterable[str]) -> np.ndarray:
        """Internal ids ``[n]`` of user tokens; raises :class:`UnknownUserError` for the first unknown."""
        ids = []
        for user in users:
            uid = self._user_index.get(str(user))
            if uid is None:
                raise UnknownUserError(str(user))
            ids.append(uid)
        return np.asarray(ids, dtype=np.int64)

    def all_user_ids(self) -> np.ndarray:
        """Every real user's internal id (``[PAD]`` excluded), ``[U - 1]``."""
        return np.arange(1, self.n_users, dtype=np.int64)

    def history_of(self, uid: int) -> np.ndarray:
        """Training item ids of one user, ``[h]``."""
        return self.history.indices[self.history.indptr[uid] : self.history.indptr[uid + 1]]


def titles_from_frame(item_tokens: Sequence[str], frame: object | None, field_name: str | None = None) -> np.ndarray:
    """Display title per item token: the first of :data:`TITLE_FIELDS` in the ``.item`` frame
    (token sequences joined by spaces), else the token itself.

    Args:
        item_tokens: ``[I]`` tokens; frame: a pandas frame of the ``.item`` file (or None);
        field_name: force this column (``None``: the first known one present).
    """
    titles = np.asarray([str(t) for t in item_tokens], dtype=object)
    if frame is None:
        return titles
    columns = list(frame.columns)  # type: ignore[attr-defined]
    column = field_name if field_name in columns else next((c for c in TITLE_FIELDS if c in columns), None)
    if column is None:
        return titles
    id_column = columns[0]
    by_token = {}
    for token, value in zip(frame[id_column].tolist(), frame[column].tolist()):  # type: ignore[index]
        text = " ".join(str(v) for v in value) if isinstance(value, (list, tuple, np.ndarray)) else str(value)
        if text.strip():
            by_token[str(token)] = text.strip()
    return np.asarray([by_token.get(str(t), str(t)) for t in item_tokens], dtype=object)


@dataclass(frozen=True)
class Sequences:
    """Each user's training items in time order, RecBole-style right padding.

    Attributes:
        items: ``[U, L]`` int64 item ids (0 padding); lengths: ``[U]`` int64.
    """

    items: np.ndarray
    lengths: np.ndarray


__all__ = ["PAD", "TITLE_FIELDS", "Catalog", "Sequences", "titles_from_frame"]
