"""Streaming writers of recommendations: ``table``, ``json`` (one JSON array, written user by
user) and ``csv`` (one row per recommended item). Writers are chosen through :data:`WRITERS`."""
from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from typing import TextIO

from recbole_kgllm.serving.records import UserRecommendations


def write_json(rows: Iterable[UserRecommendations], out: TextIO) -> int:
    """A JSON array of user objects, streamed. Returns the number of users written."""
    n = 0
    out.write("[")
    for user in rows:
        out.write(("," if n else "") + "\n" + json.dumps(user.to_dict(), ensure_ascii=False))
        n += 1
    out.write("\n]\n")
    return n


CSV_COLUMNS = ("user", "rank", "item", "title", "score", "reason_kinds", "reasons")


def write_csv(rows: Iterable[UserRecommendations], out: TextIO) -> int:
    """One row per (user, item); reasons as ``kind`` list and sentences joined by `` | ``."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    n = 0
    for user in rows:
        for item in user.items:
            writer.writerow([user.user, item.rank, item.item, item.title, f"{item.score:.6g}",
                             ";".join(r.kind for r in item.reasons), " | ".join(r.text for r in item.reasons)])
        n += 1
    return n


def write_table(rows: Iterable[UserRecommendations], out: TextIO) -> int:
    """A readable block per user; reasons indented under their item."""
    n = 0
    for user in rows:
        out.write(f"user {user.user}\n")
        width = max((len(i.item) for i in user.items), default=4)
        out.write(f"  {'rank':>4}  {'item':<{width}}  {'score':>10}  title\n")
        for item in user.items:
            out.write(f"  {item.rank:>4}  {item.item:<{width}}  {item.score:>10.4g}  {item.title}\n")
            for reason in item.reasons:
                out.write(f"        [{reason.kind} {reason.score:.3g}] {reason.text}\n")
        out.write("\n")
        n += 1
    return n


#: Format name -> writer ``(rows, out) -> users written``.
WRITERS: dict[str, Callable[[Iterable[UserRecommendations], TextIO], int]] = {
    "table": write_table,
    "json": write_json,
    "csv": write_csv,
}

__all__ = ["CSV_COLUMNS", "WRITERS", "write_csv", "write_json", "write_table"]
