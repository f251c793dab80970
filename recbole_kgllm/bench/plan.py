"""The runs of one benchmark invocation and the data each one reads.

Every run is a (spec, seed, table) triple. Its data is a :class:`DataVariant`: the base
interactions (``full``: the dataset as given; ``linked``: interactions of linked items only),
optionally a KG with shuffled tails, optionally the cold-start split. Derived variants are
written once under ``<out>/data/<variant name>/<dataset>/`` by :class:`DataBuilder`.
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from recbole_kgllm.bench.cold_split import write_cold_dataset
from recbole_kgllm.bench.data_prep import (
    AtomicFields,
    build_once,
    write_kg_shuffled_dataset,
    write_linked_dataset,
)
from recbole_kgllm.bench.spec import RunSpec

Base = Literal["full", "linked"]
Table = Literal["main", "cold"]
#: ``--data_mode``: everyone on linked-items data, or KG baselines on it beside the rest on full data.
DATA_MODES = ("filtered", "split")
#: ``--catalogue``: every listed item is a candidate, or only items with interactions.
CATALOGUES = ("full", "interacted")


@dataclass(frozen=True)
class DataVariant:
    """Which interactions, KG and split a run reads.

    Attributes:
        base: ``full`` or ``linked``.
        kg_shuffle_seed: seed of the shuffled KG tails, or ``None``.
        cold_share: share of held-out items of the cold-start split, or ``None`` (RecBole splits).
        cold_seed: seed of the cold-start split.
    """

    base: Base
    kg_shuffle_seed: int | None = None
    cold_share: float | None = None
    cold_seed: int | None = None

    @property
    def name(self) -> str:
        """Folder name, e.g. ``linked``, ``linked-kgshuffle-s2020-cold10-s2020``."""
        parts = [self.base]
        if self.kg_shuffle_seed is not None:
            parts.append(f"kgshuffle-s{self.kg_shuffle_seed}")
        if self.cold_share is not None:
            parts.append(f"cold{round(100 * self.cold_share):g}-s{self.cold_seed}")
        return "-".join(parts)

    @property
    def derived(self) -> bool:
        """Whether the harness writes this variant (everything but the full source)."""
        return self.name != "full"


def data_base(knowledge: bool, data_mode: str) -> Base:
    """The base data of a run: ``linked`` for everyone in ``filtered`` mode, else only for
    knowledge models (RecBole would drop the unlinked items' interactions for them anyway)."""
    return "linked" if data_mode == "filtered" or knowledge else "full"


@dataclass(frozen=True)
class Run:
    """One training and evaluation of a spec on a seed.

    Attributes:
        spec: model and variant settings.
        seed: RecBole ``seed`` (draws the split and the initialisation).
        table: ``main`` (RecBole's split) or ``cold`` (cold-start split).
        data: the data variant read.
        knowledge: the model is a RecBole knowledge-type model.
        ours: the model is one of this package's (or a plugin's) registered models.
        settings_hash: hash of every setting that can change the result (see :func:`settings_hash`).
    """

    spec: RunSpec
    seed: int
    table: Table
    data: DataVariant
    knowledge: bool
    ours: bool
    settings_hash: str

    @property
    def run_id(self) -> str:
        """Folder-safe unique name, e.g. ``main-KGLLMRec_fusion-gated-linked-s2020-1a2b3c4d``."""
        label = re.sub(r"[^A-Za-z0-9.+-]+", "_", self.spec.label.replace("=", "-")).strip("_")
        return f"{self.table}-{label[:80]}-{self.data.base}-s{self.seed}-{self.settings_hash[:8]}"

    def key(self, dataset: str) -> tuple[str, ...]:
        """The resume key, as :func:`recbole_kgllm.bench.results.row_key` reads it from a row."""
        return (dataset, self.table, self.spec.label, str(self.seed), self.data.base, self.settings_hash)


def file_digest(path: str) -> str:
    """sha256 of a file's bytes (config files enter the settings hash by content)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


#: Settings that change where things are written or shown, never a result (not hashed).
NON_RESULT_SETTINGS = ("feature_cache_dir", "kg_log_dir", "show_progress", "log_wandb", "wandb_project")


def settings_hash(
    spec: RunSpec, *, dataset: str, table: Table, base: Base, global_settings: Mapping[str, Any],
    config_files: Sequence[str], cold_share: float | None, time_cap: float | None, catalogue: str = "interacted",
) -> str:
    """A hash of what can change a run's result apart from its seed: model, variant, global
    settings (except :data:`NON_RESULT_SETTINGS`), config file contents, dataset, data, cold share
    and time cap. Output paths, ``--jobs`` and the hard timeout are not part of it."""
    payload = {
        "dataset": dataset, "table": table, "base": base, "model": spec.model, "overrides": list(spec.overrides),
        "settings": {k: str(v) for k, v in sorted(global_settings.items()) if k not in NON_RESULT_SETTINGS},
        "config_files": [file_digest(f) for f in [*config_files, *spec.config_files]],
        "cold_share": cold_share if table == "cold" else None, "time_cap": time_cap,
    }
    if catalogue != "interacted":  # the former protocol keeps its hashes (and its resumable rows)
        payload["catalogue"] = catalogue
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


#: Datasets whose ``data_path`` RecBole ignores (its ``Config`` always reads ``ml-100k`` from the
#: copy inside the recbole wheel): their derived copies get the name ``<dataset>-bench``.
RECBOLE_PINNED_DATASETS = ("ml-100k",)


def derived_dataset_name(dataset: str) -> str:
    """The name of the derived copies of ``dataset`` (the same name unless RecBole pins it)."""
    return f"{dataset}-bench" if dataset in RECBOLE_PINNED_DATASETS else dataset


class DataBuilder:
    """Writes the derived datasets on first use (thread-safe) and answers where they are.

    Args:
        source: the source dataset folder (holding ``<dataset>.inter`` ...).
        dataset: the source dataset name.
        root: ``<out>/data``.
        fields: field names and format.
        ratios: train/valid/test ratios of the cold-start split.
        catalogue: ``full`` or ``interacted`` (see :mod:`recbole_kgllm.bench.catalogue`).
    """

    def __init__(
        self, *, source: Path, dataset: str, root: Path, fields: AtomicFields, ratios: Sequence[float], catalogue: str = "full"
    ) -> None:
        self.source, self.dataset, self.root, self.fields, self.ratios = source, dataset, root, fields, tuple(ratios)
        self.catalogue = catalogue
        self.derived_name = derived_dataset_name(dataset)
        self._lock = threading.Lock()

    def dataset_name(self, variant: DataVariant) -> str:
        """RecBole's ``dataset`` for ``variant``."""
        return self.derived_name if variant.derived else self.dataset

    def dataset_dir(self, variant: DataVariant) -> Path:
        """The folder holding ``variant``'s atomic files."""
        return self.root / variant.name / self.derived_name if variant.derived else self.source

    def data_path(self, variant: DataVariant) -> Path:
        """RecBole's ``data_path`` for ``variant`` (the parent of its dataset folder), built if needed."""
        with self._lock:
            return self._ensure(variant).parent

    def _ensure(self, variant: DataVariant) -> Path:
        if not variant.derived:
            return self.source
        target = self.dataset_dir(variant)
        if target.is_dir():
            return target
        fields, out_name = self.fields, self.derived_name
        if variant.cold_share is not None:
            parent = DataVariant(variant.base, variant.kg_shuffle_seed)
            src, src_name = self._ensure(parent), self.dataset_name(parent)
            share, seed = float(variant.cold_share), int(variant.cold_seed)  # type: ignore[arg-type]

            def build(tmp: Path) -> None:
                write_cold_dataset(
                    src, tmp / out_name, src_name, fields, share=share, seed=seed, ratios=self.ratios, dst_name=out_name,
                    catalogue=self.catalogue,
                )
        elif variant.kg_shuffle_seed is not None:
            parent = DataVariant(variant.base)
            src, src_name, seed = self._ensure(parent), self.dataset_name(parent), int(variant.kg_shuffle_seed)

            def build(tmp: Path) -> None:
                write_kg_shuffled_dataset(src, tmp / out_name, src_name, fields, seed, dst_name=out_name)
        else:  # linked

            def build(tmp: Path) -> None:
                write_linked_dataset(
                    self.source, tmp / out_name, self.dataset, fields, dst_name=out_name, catalogue=self.catalogue
                )

        build_once(target.parent, build)
        return target


__all__ = ["CATALOGUES", "DATA_MODES", "DataBuilder", "DataVariant", "RECBOLE_PINNED_DATASETS", "Run", "data_base", "derived_dataset_name", "settings_hash"]
