"""The cold-start slice: a share of items is held out of training and validation entirely.

RecBole splits each user's interactions at random *after* loading, so it cannot keep a set of
items out of training. The harness therefore writes the split itself, as RecBole's documented
pre-split files (``name.train.inter``, ``name.valid.inter``, ``name.test.inter``, read with
``benchmark_filename: [train, valid, test]``):

1. the seed draws ``round(share * n_items)`` held-out ("cold") items, uniformly;
2. every interaction on a cold item goes to test;
3. every other ("warm") interaction is split per user at random with the ratios of
   ``eval_args.split.RS`` (default 0.8/0.1/0.1): each eval part gets ``floor(ratio * n)``
   interactions, and a user too small for that gets one test (then one validation) interaction
   while training keeps at least one.

Test therefore holds warm and cold interactions; full ranking is over all items; the harness
reports Recall@k / NDCG@k on cold targets and on warm targets separately
(:mod:`recbole_kgllm.bench.slice_metrics`).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recbole_kgllm.bench.data_prep import AtomicFields, copy_dataset_for_items
from recbole_kgllm.errors import ConfigError

#: RecBole's ``benchmark_filename`` for the pre-split files, in train/valid/test order.
SPLIT_NAMES = ("train", "valid", "test")
DEFAULT_RATIOS = (0.8, 0.1, 0.1)
COLD_ITEMS_FILE = "cold_items.json"


@dataclass(frozen=True)
class ColdSplit:
    """Row indices (into the source ``.inter``) of each part, and the held-out items.

    Attributes:
        cold_items: the held-out item tokens, sorted.
        train: row indices, ascending.
        valid: row indices, ascending.
        test: row indices, ascending (warm test rows and every cold row).
    """

    cold_items: list[str]
    train: list[int]
    valid: list[int]
    test: list[int]


def split_counts(n: int, ratios: Sequence[float] = DEFAULT_RATIOS) -> tuple[int, int, int]:
    """``(train, valid, test)`` sizes for a user with ``n`` interactions (see the module doc)."""
    total = float(sum(ratios))
    r_valid, r_test = ratios[1] / total, ratios[2] / total
    valid, test = int(n * r_valid), int(n * r_test)
    if test == 0 and r_test > 0 and n - valid - test > 1:
        test = 1
    if valid == 0 and r_valid > 0 and n - valid - test > 1:
        valid = 1
    return n - valid - test, valid, test


def choose_cold_items(items: Sequence[str], share: float, seed: int) -> list[str]:
    """``round(share * n)`` distinct items (at least one when ``share > 0``) drawn by ``seed``."""
    if not 0.0 < share < 1.0:
        raise ConfigError(f"cold_share must be in (0, 1), got {share}")
    universe = sorted(set(items))
    n_cold = min(len(universe) - 1, max(1, round(share * len(universe))))
    rng = np.random.default_rng(seed)
    return sorted(universe[int(i)] for i in rng.choice(len(universe), size=n_cold, replace=False))


def cold_split(
    users: Sequence[str], items: Sequence[str], *, share: float, seed: int, ratios: Sequence[float] = DEFAULT_RATIOS
) -> ColdSplit:
    """Split interactions ``(users[r], items[r])`` into train/valid/test with held-out items.

    Args:
        users: user token of each interaction row.
        items: item token of each interaction row.
        share: share of distinct items held out, in (0, 1).
        seed: draws the held-out items and each user's permutation.
        ratios: train/valid/test ratios of the warm interactions.
    """
    if len(users) != len(items):
        raise ValueError("users and items must have one entry per interaction")
    if len(ratios) != 3 or min(ratios) < 0 or ratios[0] <= 0:
        raise ConfigError(f"cold-start split ratios must be three non-negative numbers, got {list(ratios)}")
    cold = choose_cold_items(items, share, seed)
    cold_set = set(cold)
    rng = np.random.default_rng([seed, 1])  # another stream than the item draw
    rows_of: dict[str, list[int]] = {}
    test: list[int] = []
    for row, (user, item) in enumerate(zip(users, items)):
        if item in cold_set:
            test.append(row)
        else:
            rows_of.setdefault(user, []).append(row)
    train: list[int] = []
    valid: list[int] = []
    for user in rows_of:  # first-appearance order: deterministic
        rows = [rows_of[user][int(i)] for i in rng.permutation(len(rows_of[user]))]
        n_train, n_valid, _ = split_counts(len(rows), ratios)
        train += rows[:n_train]
        valid += rows[n_train : n_train + n_valid]
        test += rows[n_train + n_valid :]
    return ColdSplit(cold, sorted(train), sorted(valid), sorted(test))


def split_ratios(config_split: object) -> tuple[float, float, float]:
    """The RS ratios of a RecBole ``eval_args['split']`` value; the default for anything else."""
    if isinstance(config_split, dict) and isinstance(config_split.get("RS"), (list, tuple)) and len(config_split["RS"]) == 3:
        return tuple(float(r) for r in config_split["RS"])  # type: ignore[return-value]
    return DEFAULT_RATIOS


def write_cold_dataset(
    src: Path, dst: Path, name: str, fields: AtomicFields, *, share: float, seed: int,
    ratios: Sequence[float] = DEFAULT_RATIOS, dst_name: str | None = None, catalogue: str = "full",
) -> ColdSplit:
    """Write ``dst/<dst_name>.{train,valid,test}.inter`` (lines verbatim from
    ``src/name.inter``), copy the other files, and write ``dst/cold_items.json``.

    ``.inter`` is copied too (RecBole ignores it when ``benchmark_filename`` is set).
    """
    dst_name = dst_name or name
    inter = fields.read(src, name, "inter")
    split = cold_split(inter.column(fields.user), inter.column(fields.item), share=share, seed=seed, ratios=ratios)
    dst.mkdir(parents=True, exist_ok=True)
    for part, rows in zip(SPLIT_NAMES, (split.train, split.valid, split.test)):
        inter.with_rows(inter.rows[r] for r in rows).write(dst / f"{dst_name}.{part}.inter")
    copy_dataset_for_items(src, dst, name, fields, set(inter.column(fields.item)), dst_name=dst_name, catalogue=catalogue)
    facts = {
        "share": share, "seed": seed, "ratios": list(ratios), "cold_items": split.cold_items,
        "rows": {"train": len(split.train), "valid": len(split.valid), "test": len(split.test)},
    }
    (dst / COLD_ITEMS_FILE).write_text(json.dumps(facts, indent=1) + "\n", encoding="utf-8")
    return split


def read_cold_items(dataset_dir: Path) -> list[str]:
    """The held-out items written by :func:`write_cold_dataset`."""
    return list(json.loads((dataset_dir / COLD_ITEMS_FILE).read_text(encoding="utf-8"))["cold_items"])


__all__ = [
    "COLD_ITEMS_FILE",
    "ColdSplit",
    "SPLIT_NAMES",
    "choose_cold_items",
    "cold_split",
    "read_cold_items",
    "split_counts",
    "split_ratios",
    "write_cold_dataset",
]
