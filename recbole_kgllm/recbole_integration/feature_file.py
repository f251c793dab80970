"""A dataset's ``.item`` / ``.user`` side-feature file as RecBole itself parses it (for the text
view), so ``field_separator``, ``seq_separator``, ``encoding`` and ``seq_len`` mean what they
mean to RecBole and token sequences become lists exactly as RecBole's models see them.

This is not a second atomic-file reader: it calls RecBole's own parser (the internal
``Dataset._load_feat``), which is why it lives here. Reading and writing atomic files line by
line is :mod:`recbole_kgllm.datasets.atomic`.
"""
from __future__ import annotations

import copy
from logging import getLogger
from pathlib import Path
from typing import Any, Literal

import pandas as pd

Kind = Literal["item", "user"]

#: RecBole settings that change how the atomic file is parsed (hashed into the key).
RECBOLE_TEXT_KEYS = ("field_separator", "seq_separator", "encoding", "seq_len")


def atomic_file(config: Any, kind: Kind) -> Path:
    """The path of ``config``'s ``.item`` or ``.user`` file (which may not exist)."""
    return Path(config["data_path"]) / f"{config['dataset']}.{kind}"


def id_field(config: Any, kind: Kind) -> str:
    """``ITEM_ID_FIELD`` or ``USER_ID_FIELD``."""
    return config["ITEM_ID_FIELD"] if kind == "item" else config["USER_ID_FIELD"]


def read_feature_file(config: Any, kind: Kind) -> pd.DataFrame | None:
    """Every column of the ``.item``/``.user`` file, parsed by RecBole (token sequences become
    arrays of str); ``None`` when the file does not exist."""
    from recbole.data.dataset import Dataset
    from recbole.utils import FeatureSource

    path = atomic_file(config, kind)
    if not path.is_file():
        return None

    class _AtomicReader(Dataset):
        """Only RecBole's file parser: no interactions are loaded."""

        def __init__(self, reader_config: Any) -> None:  # noqa: D107 - skips Dataset loading on purpose
            self.config = reader_config
            self.dataset_name = reader_config["dataset"]
            self.logger = getLogger()
            self._get_preset()

    reader_config = copy.copy(config)
    reader_config.final_config_dict = dict(config.final_config_dict)
    reader_config.final_config_dict["load_col"] = {kind: "*"}
    reader_config.final_config_dict["unload_col"] = None
    source = FeatureSource.ITEM if kind == "item" else FeatureSource.USER
    return _AtomicReader(reader_config)._load_feat(str(path), source)


__all__ = ["RECBOLE_TEXT_KEYS", "Kind", "atomic_file", "id_field", "read_feature_file"]
