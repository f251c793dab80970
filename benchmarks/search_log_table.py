"""The EASE backbone's weight search, from a run's log, as a markdown table (for docs/tuning.md).

Every candidate the search scored on its inner validation is one row, in the order scored, with
its inner NDCG@10 and Recall@20 (for the cold-start step also cold and warm Recall@20 on the
held-out items, and the warm targets' NDCG@10 if the real cold items are not new), then the choice.

Usage: python benchmarks/search_log_table.py RUN_DIR/worker.log [more logs...]
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

_CANDIDATE = re.compile(r"weight search: (?P<label>.+?)\s+-> (?P<score>.+?)(?: \((?P<s>[0-9.]+) s\))?$")
_CHOSEN = re.compile(r"weight search: (?P<n>\d+) candidates, (?P<solves>\d+) solves, (?P<s>[0-9.]+) s; chosen (?P<rest>.+)$")
_FITTED = re.compile(r"EASE backbone fitted in (?P<s>[0-9.]+) s: (?P<w>.+)$")
_NUMBER = re.compile(r"(NDCG@10|Recall@20|cold/warm Recall@20) ([0-9.]+)(?:/([0-9.]+))?")
_IF_NOT_NEW = re.compile(r"warm ndcg@10 if the cold items are not new ([0-9.]+)")


def table(log: str) -> list[str]:
    """The markdown lines of one log."""
    lines = [
        "| # | candidate | inner NDCG@10 | inner Recall@20 | cold / warm Recall@20 | warm NDCG@10 if the cold items are not new |",
        "|---:|---|---:|---:|---|---:|",
    ]
    footer = []
    for i, line in enumerate(l for l in log.splitlines() if "weight search:" in l or "EASE backbone fitted" in l):
        if m := _CHOSEN.search(line):
            footer.append(f"{m['n']} candidates, {m['solves']} solves, {m['s']} s; chosen {m['rest']}")
        elif m := _FITTED.search(line):
            footer.append(f"fit (search included) {m['s']} s: {m['w']}")
        elif m := _CANDIDATE.search(line):
            values = {k: (a, b) for k, a, b in _NUMBER.findall(m["score"])}
            if not values:
                cells = ["–", "–", m["score"], ""]
            else:
                cw = values.get("cold/warm Recall@20")
                price = _IF_NOT_NEW.search(m["score"])
                cells = [values["NDCG@10"][0], values["Recall@20"][0], f"{cw[0]} / {cw[1]}" if cw else "", price[1] if price else ""]
            lines.append(f"| {len(lines) - 1} | `{m['label'].strip()}` | " + " | ".join(cells) + " |")
    return lines + [""] + footer


def main(argv: list[str]) -> int:
    for path in argv:
        print(f"### `{path}`\n")
        print("\n".join(table(Path(path).read_text(encoding="utf-8", errors="replace"))))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
