"""The synthetic dataset generator (no RecBole loading: see tests/integration/test_synthetic_loads.py)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from recbole_kgllm.datasets.synthetic import SyntheticSpec, generate


def _column(path: Path, index: int) -> list[str]:
    return [line.split("\t")[index] for line in path.read_text(encoding="utf-8").splitlines()[1:]]


def test_files_sizes_power_law_and_determinism(tmp_path: Path) -> None:
    spec = SyntheticSpec(n_items=2000, n_users=800, n_interactions=30_000, seed=7)
    facts = generate(spec, tmp_path / "a", "syn")
    folder = tmp_path / "a" / "syn"
    assert {p.name for p in folder.iterdir()} == {"syn.inter", "syn.item", "syn.kg", "syn.link", "synthetic.json"}
    assert json.loads((folder / "synthetic.json").read_text())["n_interactions"] == facts["n_interactions"]
    assert 0.9 * 30_000 <= facts["n_interactions"] <= 30_000
    pairs = list(zip(_column(folder / "syn.inter", 0), _column(folder / "syn.inter", 1)))
    assert len(set(pairs)) == len(pairs)  # no duplicate interaction
    counts = np.sort(np.unique([i for _, i in pairs], return_counts=True)[1])[::-1]
    assert counts[: len(counts) // 100].sum() > 0.05 * counts.sum()  # the top 1% of items: > 5% of interactions
    header = (folder / "syn.item").read_text().splitlines()[0]
    assert header == "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq"  # ml-100k's text template works
    relations = set(_column(folder / "syn.kg", 1))
    assert relations == {"film.genre", "film.director", "film.actor", "film.decade"}
    generate(spec, tmp_path / "b", "syn")
    assert (folder / "syn.inter").read_bytes() == (tmp_path / "b" / "syn" / "syn.inter").read_bytes()


def test_users_draw_mostly_from_their_genre(tmp_path: Path) -> None:
    generate(SyntheticSpec(n_items=1000, n_users=300, n_interactions=9000, n_clusters=10, seed=1), tmp_path, "syn")
    folder = tmp_path / "syn"
    genre = dict(zip(_column(folder / "syn.item", 0), (c.split()[0] for c in _column(folder / "syn.item", 3))))
    by_user: dict[str, list[str]] = {}
    for user, item in zip(_column(folder / "syn.inter", 0), _column(folder / "syn.inter", 1)):
        by_user.setdefault(user, []).append(genre[item])
    share = np.mean([max(g.count(x) for x in set(g)) / len(g) for g in by_user.values()])
    assert share > 0.5  # 70% in-genre draws; 10% would be chance
