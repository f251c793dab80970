"""The ml-1m recipe: read the raw bundle (see its ``SOURCE.md``) into a :class:`DatasetSpec`.

Bundle layout::

    movielens/movies.dat, users.dat            original ML-1M, Latin-1, ``::``-separated
    interactions-pos4/{train,test}.txt         remapped ``user item item ...`` lines, CRLF
    interactions-pos4/{user,item}_list.txt     ``orig_id remap_id [...]``
    interactions-all-10core/{train,test}.txt   same, LF, maps named ``{user,item}_map.txt``
    kg-mkr/kg.txt, item_index2entity_id.txt    MKR item KG (anonymised integer entities)
    kb4rec/ml2fb.txt                           MovieLens movie id -> Freebase MID

Every id written out is an original MovieLens id; the remapped ids never leave this module.
"""
from __future__ import annotations

import importlib.util
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Optional

from tqdm.auto import tqdm

from recbole_kgllm.datasets.movielens import read_movies_dat, read_users_dat
from recbole_kgllm.datasets.readers import SourceFormatError, read_text_lines, split_fields
from recbole_kgllm.datasets.spec import DatasetSpec, InteractionTable, KGSource, Triple
from recbole_kgllm.errors import ConfigError, DatasetNotFoundError

Variant = Literal["pos4", "all-10core"]
KGChoice = Literal["mkr", "mkr+freebase"]


@dataclass(frozen=True)
class _VariantFiles:
    folder: str
    user_map: str
    item_map: str
    description: str


VARIANTS: dict[str, _VariantFiles] = {
    "pos4": _VariantFiles(
        "interactions-pos4", "user_list.txt", "item_list.txt",
        "every ML-1M rating >= 4 (users with < 2 positives dropped by the bundle's author)",
    ),
    "all-10core": _VariantFiles(
        "interactions-all-10core", "user_map.txt", "item_map.txt",
        "every ML-1M rating (1-5) on items with >= 10 ratings",
    ),
}
KG_CHOICES: dict[str, tuple[str, ...]] = {"mkr": ("mkr",), "mkr+freebase": ("freebase", "mkr")}
MKR_PREFIX = "mkr:"


def _read_id_map(path: Path) -> dict[str, str]:
    """``orig_id remap_id [...]`` lines -> remap id -> original id."""
    mapping: dict[str, str] = {}
    for lineno, line in enumerate(read_text_lines(path), 1):
        orig, remap = split_fields(line, None, 2, path=path, lineno=lineno)[:2]
        if remap in mapping:
            raise SourceFormatError(f"{path.name}:{lineno}: remapped id {remap} appears twice")
        mapping[remap] = orig
    return mapping


def _read_split(
    path: Path, users: dict[str, str], items: dict[str, str], progress: bool
) -> list[tuple[str, str]]:
    """``user item item ...`` lines in remapped ids -> ``(orig_user, orig_item)`` pairs."""
    pairs: list[tuple[str, str]] = []
    lines = read_text_lines(path)
    for lineno, line in enumerate(tqdm(lines, desc=f"read {path.parent.name}/{path.name}",
                                       unit="user", disable=not progress), 1):
        user, *user_items = split_fields(line, None, 1, path=path, lineno=lineno)
        try:
            orig_user = users[user]
            pairs.extend((orig_user, items[i]) for i in user_items)
        except KeyError as missing:
            raise SourceFormatError(
                f"{path.name}:{lineno}: remapped id {missing} is not in the id map"
            ) from None
    return pairs


def _read_tab_pairs(path: Path) -> dict[str, str]:
    """``key \\t value`` lines (MKR item map, KB4Rec ml2fb) -> dict."""
    out: dict[str, str] = {}
    for lineno, line in enumerate(read_text_lines(path), 1):
        key, value = split_fields(line, "\t", 2, path=path, lineno=lineno)[:2]
        out[key.strip()] = value.strip()
    return out


def _read_plain_triples(path: Path, progress: bool) -> list[Triple]:
    lines = read_text_lines(path)
    triples = []
    for lineno, line in enumerate(tqdm(lines, desc=f"read {path.name}", unit="triple",
                                       disable=not progress), 1):
        h, r, t = split_fields(line, "\t", 3, path=path, lineno=lineno)[:3]
        triples.append((h.strip(), r.strip(), t.strip()))
    return triples


def _read_atomic_kg(path: Path, progress: bool) -> list[Triple]:
    """Triples of a RecBole ``.kg`` atomic file, columns located by header name."""
    header, *lines = read_text_lines(path)
    names = [col.split(":")[0] for col in header.split("\t")]
    try:
        idx = [names.index(c) for c in ("head_id", "relation_id", "tail_id")]
    except ValueError:
        raise SourceFormatError(f"{path}: header lacks head_id/relation_id/tail_id: {header!r}") from None
    triples = []
    for lineno, line in enumerate(tqdm(lines, desc=f"read {path.name}", unit="triple",
                                       disable=not progress), 2):
        cells = split_fields(line, "\t", len(names), path=path, lineno=lineno)
        triples.append((cells[idx[0]], cells[idx[1]], cells[idx[2]]))
    return triples


def find_freebase_kg(source_dir: Path, freebase_kg_dir: Optional[Path] = None) -> Path:
    """Locate ``ml-100k.kg``: the given folder, ``<source_dir>/../ml-100k``, or the recbole wheel."""
    candidates = [freebase_kg_dir] if freebase_kg_dir is not None else [source_dir.parent / "ml-100k"]
    if freebase_kg_dir is None:
        spec = importlib.util.find_spec("recbole")
        for location in (spec.submodule_search_locations or []) if spec else []:
            candidates.append(Path(location) / "dataset_example" / "ml-100k")
    for folder in candidates:
        if folder is not None and (folder / "ml-100k.kg").is_file():
            return folder / "ml-100k.kg"
    raise DatasetNotFoundError(
        f"ml-100k.kg (Freebase KG) not found in {', '.join(str(c) for c in candidates)}"
    )


def _mkr_source(root: Path, freebase_kg_dir: Optional[Path], progress: bool) -> tuple[KGSource, str]:
    source = KGSource(
        name="mkr",
        triples=_read_plain_triples(root / "kg-mkr" / "kg.txt", progress),
        item_links=_read_tab_pairs(root / "kg-mkr" / "item_index2entity_id.txt"),
        entity_prefix=MKR_PREFIX,
        relation_prefix=MKR_PREFIX,
    )
    return source, f"MKR entities and relations prefixed '{MKR_PREFIX}'"


def _freebase_source(
    root: Path, freebase_kg_dir: Optional[Path], progress: bool
) -> tuple[KGSource, str]:
    kg_path = find_freebase_kg(root, freebase_kg_dir)
    source = KGSource(
        name="freebase",
        triples=_read_atomic_kg(kg_path, progress),
        item_links=_read_tab_pairs(root / "kb4rec" / "ml2fb.txt"),
        one_hop_only=True,
    )
    return source, f"Freebase triples from {kg_path.resolve()} (ml-100k KG), joined through KB4Rec ml2fb.txt"


_SOURCE_READERS = {"mkr": _mkr_source, "freebase": _freebase_source}


def _kg_sources(
    root: Path, choice: str, freebase_kg_dir: Optional[Path], progress: bool
) -> tuple[list[KGSource], list[str]]:
    read = [_SOURCE_READERS[name](root, freebase_kg_dir, progress) for name in KG_CHOICES[choice]]
    return [source for source, _ in read], [note for _, note in read]


def build_ml1m_spec(
    source_dir: Path,
    *,
    variant: Variant = "pos4",
    kg: KGChoice = "mkr+freebase",
    name: str = "ml-1m",
    freebase_kg_dir: Optional[Path] = None,
    progress: bool = True,
) -> DatasetSpec:
    """Read the ml-1m bundle into a :class:`DatasetSpec` (train and test merged).

    Args: see :func:`recbole_kgllm.datasets.convert.convert_ml1m`.

    Raises:
        DatasetNotFoundError: the folder or one of its files is missing.
        ConfigError: unknown ``variant`` or ``kg``.
        SourceFormatError: a file does not have the documented layout.
    """
    root = Path(source_dir).expanduser()
    if not root.is_dir():
        raise DatasetNotFoundError(f"ml-1m source folder not found: {root}")
    if variant not in VARIANTS:
        raise ConfigError(f"unknown ml-1m variant '{variant}'. Valid: {', '.join(VARIANTS)}")
    if kg not in KG_CHOICES:
        raise ConfigError(f"unknown ml-1m kg '{kg}'. Valid: {', '.join(KG_CHOICES)}")
    files = VARIANTS[variant]
    folder = root / files.folder
    user_map = _read_id_map(folder / files.user_map)
    item_map = _read_id_map(folder / files.item_map)
    train = _read_split(folder / "train.txt", user_map, item_map, progress)
    test = _read_split(folder / "test.txt", user_map, item_map, progress)
    pairs = train + test

    per_user = Counter(u for u, _ in pairs)
    train_items = {i for _, i in train}
    only_test = {i for _, i in test} - train_items
    movies = read_movies_dat(root / "movielens" / "movies.dat")
    users = read_users_dat(root / "movielens" / "users.dat")
    kg_sources, kg_notes = _kg_sources(root, kg, freebase_kg_dir, progress)
    notes = [
        f"variant {variant}: {files.description}; implicit, written as rating 1.0",
        f"train ({len(train):,}) and test ({len(test):,}) merged; RecBole makes its own split",
        "the source has no timestamps: use a random-order split (eval_args.order: RO), not TO",
        f"{len(only_test)} items occur only in the source's test split (kept)",
        f"interactions per user: min {min(per_user.values(), default=0)}, "
        f"max {max(per_user.values(), default=0)}; none dropped (filter with user_inter_num_interval)",
        f"{len(set(user_map.values()) - set(per_user))} users of {files.user_map} have no interaction (not written)",
        f"{len({i for _, i in pairs} - movies.keys())} interacted items lack a movies.dat row",
        *kg_notes,
    ]
    return DatasetSpec(
        name=name,
        interactions=InteractionTable(
            user_ids=[u for u, _ in pairs], item_ids=[i for _, i in pairs]
        ),
        items=movies,
        users=users,
        kg_sources=kg_sources,
        notes=tuple(notes),
    )
