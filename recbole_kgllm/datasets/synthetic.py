"""A synthetic recommendation dataset at any scale, written as RecBole atomic files.

What it imitates (so that every part of the model has something to learn from):

* **power-law popularity**: item weights follow a Zipf law (``popularity_exponent``) over a
  random permutation of the catalogue;
* **taste clusters**: every item belongs to one of ``n_clusters`` genres; every user has a
  favourite genre and draws ``in_cluster_share`` of their interactions from it (by popularity
  within the genre), the rest from the whole catalogue by popularity;
* **user activity**: interactions per user are log-normal around the mean the sizes ask for
  (at least ``min_user_items``);
* **titles**: ``movie_title`` words come mostly from the genre's vocabulary, so a text encoder
  sees the genres (the default ``text_template`` of ml-100k works unchanged, with
  ``release_year`` and ``class``);
* **a KG with relations**: items link to entities, which point to their genre, a director and
  two actors (drawn within the genre) and a decade.

Everything is drawn from one seed with vectorised NumPy and written in chunks, so 20M
interactions take a minute or two and little memory. The files are
``<out>/<name>/<name>.{inter,item,kg,link}`` (``--data_path=<out> --dataset=<name>``).
"""
from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

#: Named sizes: (items, users, interactions).
PRESETS: dict[str, tuple[int, int, int]] = {
    "tiny": (500, 300, 6_000),
    "10k": (10_000, 20_000, 400_000),
    "50k": (50_000, 50_000, 1_000_000),
    "200k": (200_000, 100_000, 4_000_000),
    "1m": (1_000_000, 500_000, 20_000_000),
}

_SYLLABLES = ("ka", "lo", "mi", "ra", "to", "ven", "dor", "sil", "mar", "qui", "zen", "fa", "bel", "cor", "nu",
              "pra", "tes", "hal", "vin", "oro", "lek", "sa", "tri", "mon")


@dataclass(frozen=True)
class SyntheticSpec:
    """How one dataset is drawn (see the module docstring)."""

    n_items: int
    n_users: int
    n_interactions: int
    n_clusters: int = 0
    popularity_exponent: float = 0.9
    in_cluster_share: float = 0.7
    min_user_items: int = 5
    seed: int = 2024

    def resolved(self) -> SyntheticSpec:
        """``n_clusters`` 0 becomes about the square root of the catalogue over 3 (at least 8)."""
        if self.n_clusters > 0:
            return self
        return replace(self, n_clusters=max(8, int(np.sqrt(self.n_items) / 3)))


def _words(rng: np.random.Generator, n: int, syllables: int) -> np.ndarray:
    parts = rng.integers(0, len(_SYLLABLES), size=(n, syllables))
    table = np.asarray(_SYLLABLES, dtype=object)
    return np.asarray(["".join(row) for row in table[parts]], dtype=object)


def _user_lengths(rng: np.random.Generator, spec: SyntheticSpec) -> np.ndarray:
    mean = spec.n_interactions / spec.n_users
    raw = rng.lognormal(mean=0.0, sigma=0.8, size=spec.n_users)
    lengths = np.maximum(spec.min_user_items, np.round(raw / raw.mean() * mean)).astype(np.int64)
    return np.minimum(lengths, max(spec.min_user_items, spec.n_items // 4))


def draw_interactions(spec: SyntheticSpec, item_cluster: np.ndarray, popularity: np.ndarray,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(user ids ``[N]``, item ids ``[N]``), unique pairs, users sorted (see the module docstring)."""
    lengths = _user_lengths(rng, spec)
    favourite = rng.integers(0, spec.n_clusters, size=spec.n_users)
    # Items ordered by cluster, with the cumulative popularity inside that order.
    order = np.argsort(item_cluster, kind="stable")
    cum = np.cumsum(popularity[order])
    starts = np.searchsorted(item_cluster[order], np.arange(spec.n_clusters))
    ends = np.append(starts[1:], len(order))
    before = np.where(starts > 0, cum[np.maximum(starts - 1, 0)], 0.0)
    mass = cum[ends - 1] - before
    global_cum = np.cumsum(popularity)
    users, items = [], []
    for first in range(0, spec.n_users, 50_000):  # chunks bound the memory
        block = np.arange(first, min(first + 50_000, spec.n_users))
        u = np.repeat(block, np.ceil(lengths[block] * 1.6 + 2).astype(np.int64))
        inside = rng.random(len(u)) < spec.in_cluster_share
        r = rng.random(len(u))
        c = favourite[u]
        local = order[np.minimum(np.searchsorted(cum, before[c] + r * mass[c]), len(order) - 1)]
        anywhere = np.minimum(np.searchsorted(global_cum, r * global_cum[-1]), spec.n_items - 1)
        i = np.where(inside, local, anywhere)
        key = np.unique(u.astype(np.int64) * spec.n_items + i)
        u, i = key // spec.n_items, key % spec.n_items
        # keep at most the drawn length of each user (duplicates made the rest)
        rank = np.arange(len(u)) - np.searchsorted(u, u)
        keep = rank < lengths[u]
        users.append(u[keep])
        items.append(i[keep])
    return np.concatenate(users), np.concatenate(items)


def _write_table(path: Path, header: Sequence[str], columns: Sequence[np.ndarray], chunk: int = 1_000_000) -> None:
    """Tab-separated columns (already strings or numbers without tabs) under a RecBole header."""
    import pandas as pd

    n = len(columns[0])
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("\t".join(header) + "\n")
        for start in range(0, n, chunk):
            frame = pd.DataFrame({h: col[start : start + chunk] for h, col in zip(header, columns)})
            frame.to_csv(handle, sep="\t", header=False, index=False, lineterminator="\n")


def generate(spec: SyntheticSpec, out: Path, name: str) -> dict[str, object]:
    """Draw ``spec`` and write ``<out>/<name>/<name>.{inter,item,kg,link}`` plus ``synthetic.json``.

    Returns:
        The facts written to ``synthetic.json`` (sizes, seconds).
    """
    spec = spec.resolved()
    start = time.perf_counter()
    rng = np.random.default_rng(spec.seed)
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    n, k = spec.n_items, spec.n_clusters
    item_cluster = rng.integers(0, k, size=n)
    ranks = rng.permutation(n) + 1
    popularity = ranks.astype(np.float64) ** -spec.popularity_exponent

    users, items = draw_interactions(spec, item_cluster, popularity, rng)
    timestamps = 880_000_000 + rng.integers(0, 10_000_000, size=len(users))
    item_tok = np.char.add("i", np.arange(n).astype(str)).astype(object)
    user_tok = np.char.add("u", np.arange(spec.n_users).astype(str)).astype(object)
    _write_table(folder / f"{name}.inter", ["user_id:token", "item_id:token", "timestamp:float"],
                 [user_tok[users], item_tok[items], timestamps])

    # Titles: two genre words, one common word, one rare word; genres by name.
    vocab = _words(rng, k * 12, 2).reshape(k, 12)
    common = _words(rng, 400, 2)
    genre_names = np.char.add("genre", np.arange(k).astype(str)).astype(object)
    w1 = vocab[item_cluster, rng.integers(0, 12, n)]
    w2 = vocab[item_cluster, rng.integers(0, 12, n)]
    w3 = common[rng.integers(0, len(common), n)]
    w4 = _words(rng, n, 3)
    titles = np.asarray([f"{a.title()} {b} {c} {d}" for a, b, c, d in zip(w1, w2, w3, w4)], dtype=object)
    years = 1950 + rng.integers(0, 70, size=n)
    second = rng.integers(0, k, size=n)
    classes = np.where(rng.random(n) < 0.3, genre_names[item_cluster] + " " + genre_names[second], genre_names[item_cluster])
    _write_table(folder / f"{name}.item", ["item_id:token", "movie_title:token_seq", "release_year:token", "class:token_seq"],
                 [item_tok, titles, years, classes])

    # KG: item entity -> genre, director, 2 actors (within the genre), decade.
    entity = np.char.add("e", np.arange(n).astype(str)).astype(object)
    n_people = max(k * 4, n // 10)
    person_cluster = rng.integers(0, k, size=n_people)
    by_cluster = np.argsort(person_cluster, kind="stable")
    p_start = np.searchsorted(person_cluster[by_cluster], np.arange(k))
    p_count = np.bincount(person_cluster, minlength=k)
    p_count = np.maximum(p_count, 1)

    def person(size_draw: np.ndarray) -> np.ndarray:
        pick = p_start[item_cluster] + (size_draw * p_count[item_cluster]).astype(np.int64)
        return np.char.add("p", by_cluster[np.minimum(pick, n_people - 1)].astype(str)).astype(object)

    heads, rels, tails = [], [], []
    for relation, tail in (
        ("film.genre", np.char.add("g", item_cluster.astype(str)).astype(object)),
        ("film.director", person(rng.random(n))),
        ("film.actor", person(rng.random(n))),
        ("film.actor", person(rng.random(n))),
        ("film.decade", np.char.add("d", (years // 10 * 10).astype(str)).astype(object)),
    ):
        heads.append(entity)
        rels.append(np.full(n, relation, dtype=object))
        tails.append(tail)
    _write_table(folder / f"{name}.kg", ["head_id:token", "relation_id:token", "tail_id:token"],
                 [np.concatenate(heads), np.concatenate(rels), np.concatenate(tails)])
    linked = rng.random(n) < 0.95
    _write_table(folder / f"{name}.link", ["item_id:token", "entity_id:token"], [item_tok[linked], entity[linked]])
    facts = {
        "spec": asdict(spec), "n_interactions": int(len(users)), "n_items_with_interactions": int(len(np.unique(items))),
        "n_users_with_interactions": int(len(np.unique(users))), "n_kg_triples": int(5 * n),
        "n_linked_items": int(linked.sum()), "seconds": round(time.perf_counter() - start, 1),
    }
    (folder / "synthetic.json").write_text(json.dumps(facts, indent=1) + "\n", encoding="utf-8")
    return facts


def synth_main(argv: Sequence[str]) -> int:
    """``recbole-kgllm synth --size 50k --out DIR [--name NAME] [--seed S]``."""
    parser = argparse.ArgumentParser(prog="recbole-kgllm synth", description="Write a synthetic dataset (RecBole atomic files).")
    parser.add_argument("--size", choices=sorted(PRESETS), default="10k", help="named size (items, users, interactions)")
    parser.add_argument("--items", type=int, default=None, help="override the number of items")
    parser.add_argument("--users", type=int, default=None, help="override the number of users")
    parser.add_argument("--interactions", type=int, default=None, help="override the number of interactions")
    parser.add_argument("--out", required=True, help="folder that receives <name>/<name>.inter ...")
    parser.add_argument("--name", default=None, help="dataset name (default: synth-<size>)")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(list(argv))
    n_items, n_users, n_inter = PRESETS[args.size]
    spec = SyntheticSpec(n_items=args.items or n_items, n_users=args.users or n_users,
                         n_interactions=args.interactions or n_inter, seed=args.seed)
    name = args.name or f"synth-{args.size}"
    facts = generate(spec, Path(args.out), name)
    print(json.dumps({"dataset": name, "data_path": str(Path(args.out).resolve()), **facts}, indent=1))
    return 0


__all__ = ["PRESETS", "SyntheticSpec", "draw_interactions", "generate", "synth_main"]
