"""A tiny synthetic ml-1m bundle with every quirk of the real one, written at test time.

Quirks: CRLF files, Latin-1 ``movies.dat`` (``Café``, ``Misérables``), a tab and a double
quote inside titles, a ``The``-suffix title, a year glued to a parenthesis, remapped ids that
differ from original ids, an item only in test, a duplicate interaction across train/test, a
user with two interactions, a user in the id map without interactions, items without any KG
entity, an MKR entity without triples, a Freebase MID without facts, duplicate triples in both
KGs, and a borrowed Freebase triple that touches no dataset item.
"""
from __future__ import annotations

from pathlib import Path

# movie id -> (raw title as in movies.dat, genres)
MOVIES = {
    "1": ("Toy Story (1995)", "Animation|Children's|Comedy"),
    "2": ("Metisse (Café au Lait) (1993)", "Comedy"),
    "3": ("Usual Suspects, The (1995)", "Crime|Thriller"),
    "4": ("Associate, The (L'Associe)(1982)", "Comedy"),
    "5": ('"Great Performances" Cats (1998)', "Musical"),
    "6": ("Tab\tInside (1999)", "Drama"),
    "7": ("Only In Test (2000)", "Drama"),
    "8": ("Never Rated (2000)", "Drama"),
    "9": ("Misérables, Les (1995)", "Drama|Musical"),
}
USERS = {  # original user id -> (gender, age code, occupation code, zip)
    "101": ("F", "1", "10", "48067"),
    "102": ("M", "56", "16", "70072"),
    "103": ("M", "25", "15", "55117"),
    "104": ("M", "45", "7", "02460"),
    "105": ("F", "35", "1", "55455"),  # in the id map, never interacts
}
USER_REMAP = {"101": "0", "102": "1", "103": "2", "104": "3", "105": "4"}
ITEM_REMAP = {"3": "0", "1": "1", "2": "2", "9": "3", "4": "4", "5": "5", "6": "6", "7": "7", "8": "8"}
TRAIN = {"101": ["1", "2", "3"], "102": ["2", "4", "5"], "103": ["6"], "104": ["1", "9"]}
TEST = {"101": ["7", "3"], "102": ["9"], "103": ["2"], "104": ["7"]}  # 101/3 duplicates train

MKR_ITEMS = {"1": "0", "3": "1", "4": "2", "7": "5", "8": "3"}  # 4's entity 2 has no triple
MKR_TRIPLES = [
    ("0", "film.film.genre", "10"),
    ("1", "film.film.genre", "10"),
    ("5", "film.film.director", "11"),
    ("0", "film.film.genre", "10"),  # duplicate
    ("3", "film.film.genre", "10"),  # item 8, never rated: kept (MKR is ml-1m's own KG)
]
ML2FB = {"1": "m.0dyb1", "2": "m.0cafe", "5": "m.0cats", "8": "m.0never", "9": "m.0mis"}
FREEBASE_TRIPLES = [
    ("m.0dyb1", "film.film.genre", "m.0hcr"),
    ("m.0hcr", "film.film_genre.films_in_this_genre", "m.0dyb1"),
    ("m.0cafe", "film.film.genre", "m.0hcr"),
    ("m.0dyb1", "film.film.sequel", "m.0mis"),  # item 9 only appears as a tail
    ("m.0other", "film.film.genre", "m.0hcr"),  # touches no dataset item: dropped
    ("m.0cafe", "film.film.genre", "m.0hcr"),  # duplicate
]

# What the conversion must produce, derived by hand from the data above.
EXPECTED_LINKS = {"1": "m.0dyb1", "2": "m.0cafe", "3": "mkr:1", "7": "mkr:5", "9": "m.0mis"}
EXPECTED_SAME_AS = [("m.0dyb1", "same_as", "mkr:0")]


def _crlf(lines: list[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def write_bundle(root: Path) -> Path:
    """Write the bundle as ``root/ml-1m`` plus a sibling ``root/ml-100k/ml-100k.kg``; return ``root/ml-1m``."""
    bundle = root / "ml-1m"
    for sub in ("movielens", "interactions-pos4", "kg-mkr", "kb4rec"):
        (bundle / sub).mkdir(parents=True)
    movies = "".join(f"{m}::{t}::{g}\n" for m, (t, g) in MOVIES.items())
    (bundle / "movielens" / "movies.dat").write_bytes(movies.encode("latin-1"))
    users = "".join(f"{u}::{g}::{a}::{o}::{z}\n" for u, (g, a, o, z) in USERS.items())
    (bundle / "movielens" / "users.dat").write_bytes(users.encode("latin-1"))

    pos4 = bundle / "interactions-pos4"
    for split, data in (("train", TRAIN), ("test", TEST)):
        lines = [" ".join([USER_REMAP[u]] + [ITEM_REMAP[i] for i in items]) for u, items in data.items()]
        (pos4 / f"{split}.txt").write_bytes(_crlf(lines))
    (pos4 / "user_list.txt").write_bytes(_crlf([f"{o} {r}" for o, r in USER_REMAP.items()]))
    (pos4 / "item_list.txt").write_bytes(_crlf([f"{o} {r} {o}" for o, r in ITEM_REMAP.items()]))

    mkr = bundle / "kg-mkr"
    (mkr / "kg.txt").write_bytes(_crlf(["\t".join(t) for t in MKR_TRIPLES]))
    (mkr / "item_index2entity_id.txt").write_bytes(_crlf([f"{m}\t{e}" for m, e in MKR_ITEMS.items()]))
    (bundle / "kb4rec" / "ml2fb.txt").write_bytes(_crlf([f"{m}\t{f}" for m, f in ML2FB.items()]))

    ml100k = root / "ml-100k"
    ml100k.mkdir()
    kg_lines = ["head_id:token\trelation_id:token\ttail_id:token"] + ["\t".join(t) for t in FREEBASE_TRIPLES]
    (ml100k / "ml-100k.kg").write_text("\n".join(kg_lines) + "\n", encoding="utf-8")
    return bundle


def unique_interactions() -> list[tuple[str, str]]:
    """Original-id pairs after merging train and test and dropping duplicates, in order."""
    pairs = [(u, i) for data in (TRAIN, TEST) for u, items in data.items() for i in items]
    return list(dict.fromkeys(pairs))
