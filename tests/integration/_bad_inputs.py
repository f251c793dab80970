"""The bad-input corpus: a tiny synthetic dataset (no MovieLens data) and one mutation per case.

Each :class:`Case` writes a faulty copy of the ``tiny`` dataset and says what every entry point
must do with it: fail with exit code 2 and one line naming ``culprit`` (a file suffix), or go
on, printing a warning line that mentions ``warns`` (if set).
"""
from __future__ import annotations

import bz2
import gzip
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

NAME = "tiny"
N_USERS, N_ITEMS, PER_USER = 24, 30, 8
INTER_HEADER = "user_id:token\titem_id:token\trating:float\ttimestamp:float"
ITEM_HEADER = "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq"
KG_HEADER = "head_id:token\trelation_id:token\ttail_id:token"
LINK_HEADER = "item_id:token\tentity_id:token"


def base_files() -> dict[str, list[str]]:
    """The clean dataset: ``{suffix: lines}`` (header first), deterministic."""
    rng = random.Random(7)
    inter = [INTER_HEADER]
    for user in range(1, N_USERS + 1):
        for k, item in enumerate(rng.sample(range(1, N_ITEMS + 1), PER_USER)):
            inter.append(f"{user}\t{item}\t{rng.randint(1, 5)}.0\t{880000000 + 1000 * user + k}.0")
    genres = ["Drama", "Comedy", "Action", "Horror"]
    item = [ITEM_HEADER] + [
        f"{i}\tFilm number {i}\t{1980 + i % 20}\t{genres[i % 4]} {genres[(i + 1) % 4]}" for i in range(1, N_ITEMS + 1)
    ]
    link = [LINK_HEADER] + [f"{i}\tm.{i}" for i in range(1, N_ITEMS + 1)]
    kg = [KG_HEADER]
    for i in range(1, N_ITEMS + 1):
        kg.append(f"m.{i}\tfilm.genre\tg.{genres[i % 4]}")
        kg.append(f"m.{i}\tfilm.decade\td.{(1980 + i % 20) // 10}")
        kg.append(f"m.{i}\tfilm.similar\tm.{i % N_ITEMS + 1}")
    return {"inter": inter, "item": item, "kg": kg, "link": link}


def write_dataset(root: Path, files: dict[str, list[str] | bytes]) -> Path:
    """Write ``root/tiny/tiny.<suffix>`` for each entry; returns ``root`` (RecBole's ``data_path``)."""
    folder = root / NAME
    folder.mkdir(parents=True, exist_ok=True)
    for suffix, content in files.items():
        path = folder / f"{NAME}.{suffix}"
        path.write_bytes(content if isinstance(content, bytes) else ("\n".join(content) + "\n").encode("utf-8"))
    return root


Mutation = Callable[[dict[str, list[str] | bytes]], None]


@dataclass(frozen=True)
class Case:
    """One faulty dataset.

    Attributes:
        name: test id.
        mutate: edits the clean files in place.
        culprit: suffix of the file the error must name (None: the run goes on).
        warns: a fragment the warning line must contain (recoverable cases).
        reads: which entry points must act on the fault (``run`` = run_recbole with KGLLMRec,
            ``kg`` / ``text`` = ``recbole-kgllm features``, which reads without splitting,
            ``bench`` = the bench's data preparation).
        settings: extra ``--key=value`` settings for every entry point.
    """

    name: str
    mutate: Mutation
    culprit: str | None = None
    warns: str | None = None
    reads: tuple[str, ...] = ("run", "kg", "text", "bench")
    settings: tuple[str, ...] = field(default=())


def _lines(files: dict, suffix: str) -> list[str]:
    return files[suffix]  # type: ignore[no-any-return]


def _encode(files: dict, suffix: str, encoding: str = "utf-8", prefix: bytes = b"") -> None:
    files[suffix] = prefix + ("\n".join(_lines(files, suffix)) + "\n").encode(encoding)


def _set(suffix: str, index: int, line: str) -> Mutation:
    def mutate(files: dict) -> None:
        _lines(files, suffix)[index] = line
    return mutate


def _append(suffix: str, *lines: str) -> Mutation:
    def mutate(files: dict) -> None:
        _lines(files, suffix).extend(lines)
    return mutate


def _keep(suffix: str, n: int) -> Mutation:
    def mutate(files: dict) -> None:
        del _lines(files, suffix)[n:]
    return mutate


def _map(suffix: str, function: Callable[[str], str], *, header: bool = False) -> Mutation:
    def mutate(files: dict) -> None:
        lines = _lines(files, suffix)
        files[suffix] = [function(line) if header or i else line for i, line in enumerate(lines)]
    return mutate


def _bytes(suffix: str, transform: Callable[[bytes], bytes]) -> Mutation:
    def mutate(files: dict) -> None:
        files[suffix] = transform(("\n".join(_lines(files, suffix)) + "\n").encode("utf-8"))
    return mutate


def _latin1_titles(files: dict) -> None:
    lines = _lines(files, "item")
    lines[5] = lines[5].replace("Film number", "Amélie, film number")
    _encode(files, "item", "latin-1")


def _latin1_inter(files: dict) -> None:
    _lines(files, "inter")[9] = "Jos\u00e9\t3\t4.0\t880000001.0"
    _encode(files, "inter", "latin-1")


def _single_user(n: int | None = None) -> Mutation:
    def mutate(files: dict) -> None:
        lines = _lines(files, "inter")
        files["inter"] = [lines[0]] + [line for line in lines[1:] if line.split("\t")[0] == "1"][:n]
    return mutate


def _no_rows(suffix: str) -> Mutation:
    return _keep(suffix, 1)


def _remove(suffix: str) -> Mutation:
    def mutate(files: dict) -> None:
        del files[suffix]
    return mutate


def _two_entities(files: dict) -> None:
    _lines(files, "link").append("3\tm.17")  # item 3 is m.3 already


def _entity_two_items(files: dict) -> None:
    _lines(files, "link").append("999\tm.5")  # m.5 is item 5's already


def _link_unknown_item(files: dict) -> None:
    _lines(files, "link").append("999\tg.Drama")  # an entity of the KG that no item is linked to


def _link_no_overlap(files: dict) -> None:
    files["link"] = [LINK_HEADER] + [f"x{i}\tm.{i}" for i in range(1, N_ITEMS + 1)]


#: The corpus. Errors name the file (``culprit``); recoverable cases go on.
CASES: tuple[Case, ...] = (
    # --- .inter: bytes and encodings
    Case("inter_zero_bytes", _bytes("inter", lambda b: b""), "inter"),
    Case("inter_gzip", _bytes("inter", gzip.compress), "inter"),
    Case("inter_bzip2", _bytes("inter", bz2.compress), "inter"),
    Case("inter_utf16", lambda f: _encode(f, "inter", "utf-16"), "inter"),
    Case("inter_latin1_bytes", _latin1_inter, "inter"),
    Case("inter_nul_bytes", _bytes("inter", lambda b: b.replace(b"\n5\t", b"\n5\x00\t", 1)), "inter"),
    Case("inter_bom", lambda f: _encode(f, "inter", prefix=b"\xef\xbb\xbf"), None, warns="byte-order mark"),
    Case("inter_crlf", _bytes("inter", lambda b: b.replace(b"\n", b"\r\n")), None),
    Case("inter_blank_lines", _bytes("inter", lambda b: b.replace(b"\n3\t", b"\n\n3\t", 1) + b"\n\n"), None),
    # --- .inter: header
    Case("inter_header_only", _no_rows("inter"), "inter"),
    Case("inter_untyped_header", _set("inter", 0, "user_id\titem_id\trating\ttimestamp"), "inter"),
    Case("inter_unknown_type", _set("inter", 0, "user_id:int\titem_id:token\trating:float\ttimestamp:float"), "inter"),
    Case("inter_comma_separated", _map("inter", lambda l: l.replace("\t", ","), header=True), "inter"),
    Case("inter_wrong_id_field", _set("inter", 0, "uid:token\titem_id:token\trating:float\ttimestamp:float"), "inter"),
    Case("inter_repeated_column", _set("inter", 0, "user_id:token\titem_id:token\trating:float\titem_id:token"), "inter"),
    Case("inter_duplicated_header", _set("inter", 40, INTER_HEADER), "inter"),
    # --- .inter: rows
    Case("inter_tab_in_id", _set("inter", 7, "1\t2\t7\t4.0\t880000001.0"), "inter"),
    Case("inter_missing_field", _set("inter", 7, "1\t4.0\t880000001.0"), "inter"),
    Case("inter_empty_item", _set("inter", 7, "1\t\t4.0\t880000001.0"), "inter"),
    Case("inter_unclosed_quote", _set("inter", 7, '1\t"7\t4.0\t880000001.0'), "inter"),
    Case("inter_rating_not_number", _set("inter", 7, "1\t7\tfive\t880000001.0"), "inter",
         settings=("--load_col={'inter': ['user_id', 'item_id', 'rating']}",)),
    Case("inter_single_user", _single_user(), "inter", reads=("run", "bench")),
    Case("inter_too_small_to_split", _single_user(2), "inter", reads=("run", "bench")),
    Case("inter_time_order_without_timestamp", _map("inter", lambda l: l.rsplit("\t", 1)[0], header=True), "inter",
         settings=("--eval_args={'split': {'RS': [0.8, 0.1, 0.1]}, 'order': 'TO', 'group_by': 'user', 'mode': 'full'}",),
         reads=("run", "bench")),
    Case("inter_id_with_space", _set("inter", 7, "1 \t7\t4.0\t880000001.0"), None, warns="leading/trailing spaces"),
    # --- .item
    Case("item_latin1_titles", _latin1_titles, "item", reads=("run", "text", "bench")),
    Case("item_200k_title", _set("item", 4, "4\t" + "Long title " * 18182 + "\t1990\tDrama"), None,
         warns="131,072", reads=("run", "text", "bench")),
    Case("item_missing_with_text_view", _remove("item"), "item", reads=("run", "text")),
    Case("item_tab_in_title", _set("item", 4, "4\tA\ttitle with a tab\t1990\tDrama"), "item", reads=("run", "text", "bench")),
    Case("item_repeated_rows", _append("item", "4\tFilm again\t1990\tDrama"), None, warns="repeated item_id",
         reads=("run", "text", "bench")),
    # --- .kg
    Case("kg_zero_bytes", _bytes("kg", lambda b: b""), "kg", reads=("run", "kg", "bench")),
    Case("kg_header_only", _no_rows("kg"), "kg", reads=("run", "kg", "bench")),
    Case("kg_trailing_tab", _map("kg", lambda l: l + "\t"), "kg", reads=("run", "kg", "bench")),
    Case("kg_two_column_row", _append("kg", "m.3\tfilm.genre"), "kg", reads=("run", "kg", "bench")),
    Case("kg_wrong_fields", _set("kg", 0, "head:token\trelation:token\ttail:token"), "kg", reads=("run", "kg", "bench")),
    Case("kg_missing_with_kg_view", _remove("kg"), "kg", reads=("run", "kg")),
    Case("kg_duplicate_triples", _append("kg", "m.1\tfilm.genre\tg.Comedy", "m.1\tfilm.genre\tg.Comedy"), None,
         warns="duplicate triple", reads=("run", "kg", "bench")),
    Case("kg_self_loops", _append("kg", "m.2\tfilm.similar\tm.2"), None, warns="self-loop", reads=("run", "kg", "bench")),
    # --- .link
    Case("link_wrong_fields", _set("link", 0, "item:token\tentity:token"), "link", reads=("run", "kg", "bench")),
    Case("link_no_known_item", _link_no_overlap, "link", reads=("run", "kg")),
    Case("link_item_absent_from_inter", _link_unknown_item, None, warns="absent from the .inter", reads=("run", "kg", "bench")),
    Case("link_item_two_entities", _two_entities, "link", reads=("run", "kg", "bench")),
    Case("link_entity_two_items", _entity_two_items, "link", reads=("run", "kg", "bench")),
    Case("link_repeated_row", _append("link", "4\tm.4"), None, warns="repeated row", reads=("run", "kg", "bench")),
    Case("link_entity_absent_from_kg", _set("link", 5, "5\tm.unknown"), None, warns="absent from the .kg",
         reads=("run", "kg", "bench")),
)


def build(case: Case, root: Path) -> Path:
    """Write ``case``'s dataset under ``root``; returns the ``data_path``."""
    files: dict[str, list[str] | bytes] = dict(base_files())  # type: ignore[arg-type]
    case.mutate(files)
    return write_dataset(root, files)


__all__ = ["CASES", "Case", "NAME", "base_files", "build", "write_dataset"]
