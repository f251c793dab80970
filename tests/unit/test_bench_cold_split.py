"""The cold-start split: held-out items never reach train or valid."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from _bench_data import NAME, read_rows, write_toy
from recbole_kgllm.bench.cold_split import (
    choose_cold_items,
    cold_split,
    read_cold_items,
    split_counts,
    split_ratios,
    write_cold_dataset,
)
from recbole_kgllm.bench.data_prep import AtomicFields
from recbole_kgllm.errors import ConfigError


def _interactions(n_users: int = 40, n_items: int = 50) -> tuple[list[str], list[str]]:
    users, items = [], []
    for u in range(n_users):
        for i in range(n_items):
            if (u * 7 + i * 3) % 5 < 2:
                users.append(f"u{u}")
                items.append(f"i{i}")
    return users, items


def test_split_is_a_partition_and_cold_items_are_only_in_test() -> None:
    users, items = _interactions()
    split = cold_split(users, items, share=0.1, seed=2020)
    assert len(split.cold_items) == 5
    parts = [set(split.train), set(split.valid), set(split.test)]
    assert sum(map(len, parts)) == len(users) and set.union(*parts) == set(range(len(users)))
    cold = set(split.cold_items)
    assert not {items[r] for r in split.train + split.valid} & cold
    assert {r for r, item in enumerate(items) if item in cold} <= set(split.test)


def test_warm_interactions_follow_the_ratios_per_user() -> None:
    users, items = _interactions()
    split = cold_split(users, items, share=0.1, seed=1, ratios=(0.8, 0.1, 0.1))
    cold = set(split.cold_items)
    for user in set(users):
        warm = [r for r, (u, i) in enumerate(zip(users, items)) if u == user and i not in cold]
        expected = split_counts(len(warm))
        got = (
            sum(r in set(split.train) for r in warm), sum(r in set(split.valid) for r in warm),
            sum(r in set(split.test) for r in warm),
        )
        assert got == expected


def test_split_counts() -> None:
    assert split_counts(10) == (8, 1, 1)
    assert split_counts(25) == (21, 2, 2)
    assert split_counts(3) == (1, 1, 1)  # small users still get one test and one valid
    assert split_counts(2) == (1, 0, 1)
    assert split_counts(1) == (1, 0, 0)
    assert split_counts(10, (0.9, 0.0, 0.1)) == (9, 0, 1)


def test_the_seed_draws_the_split() -> None:
    users, items = _interactions()
    assert cold_split(users, items, share=0.2, seed=5) == cold_split(users, items, share=0.2, seed=5)
    assert cold_split(users, items, share=0.2, seed=5).cold_items != cold_split(users, items, share=0.2, seed=6).cold_items


def test_share_bounds() -> None:
    assert len(choose_cold_items(["a", "b", "c"], 0.01, 0)) == 1
    for bad in (0.0, 1.0, -0.1):
        with pytest.raises(ConfigError):
            choose_cold_items(["a", "b"], bad, 0)


def test_split_ratios_from_recbole_eval_args() -> None:
    assert split_ratios({"RS": [0.7, 0.2, 0.1]}) == (0.7, 0.2, 0.1)
    assert split_ratios({"LS": "valid_and_test"}) == (0.8, 0.1, 0.1)


def test_written_files_hold_the_split_and_the_held_out_items(tmp_path: Path) -> None:
    src = write_toy(tmp_path / "src", n_users=30)
    dst = tmp_path / "out" / "toy-bench"
    split = write_cold_dataset(src, dst, NAME, AtomicFields(), share=0.34, seed=4, dst_name="toy-bench")
    cold = set(read_cold_items(dst))
    assert cold == set(split.cold_items) and len(cold) == 2
    train, valid, test = (read_rows(dst / f"toy-bench.{p}.inter") for p in ("train", "valid", "test"))
    assert not {r[1] for r in train + valid} & cold
    source = read_rows(src / f"{NAME}.inter")
    assert sorted(map(tuple, train + valid + test)) == sorted(map(tuple, source))  # verbatim lines, nothing lost
    assert [r for r in source if r[1] in cold] == [r for r in test if r[1] in cold]
    facts = json.loads((dst / "cold_items.json").read_text())
    assert facts["rows"] == {"train": len(train), "valid": len(valid), "test": len(test)}
    assert (dst / "toy-bench.inter").read_bytes() == (src / f"{NAME}.inter").read_bytes()
