"""The first lines of a report: what the data mode dropped and which items are candidates."""
from __future__ import annotations

import json
from typing import Any

from recbole_kgllm.bench.plan import DataVariant


def data_summary(bench: Any, bases: set[str]) -> list[str]:
    """Lines such as "Data mode `filtered` dropped 2,446 of 100,000 interactions (2.4%) and every
    interaction of 84 of 1,682 items; full catalogue: those items stay candidates"."""
    lines = []
    catalogue = bench.args.catalogue
    if "linked" in bases:
        folder = bench.builder.dataset_dir(DataVariant("linked"))
        report = folder / f"{bench.builder.derived_name}.linked.json"
        if report.is_file():
            facts = json.loads(report.read_text(encoding="utf-8"))
            dropped = facts["interactions"] - facts["interactions_kept"]
            share = dropped / facts["interactions"] if facts["interactions"] else 0.0
            items = facts["items"] - facts["items_kept"]
            fate = (
                "they stay candidates (full catalogue: every item of `.item` and `.link` is ranked)"
                if catalogue == "full" else "they are not candidates (`--catalogue interacted`)"
            )
            who = "every model" if bench.args.data_mode == "filtered" else "the knowledge models"
            lines.append(
                f"Data mode `{bench.args.data_mode}` dropped {dropped:,} of {facts['interactions']:,} interactions "
                f"({100 * share:.1f}%) for {who}: every interaction of the {items:,} of {facts['items']:,} items "
                f"without a KG link; {fate}."
            )
    if not lines:
        lines.append(f"Data mode `{bench.args.data_mode}`: no interaction was dropped.")
    if catalogue == "full":
        lines.append("Candidates: the full catalogue (every item of `.item` and `.link`, with or without interactions).")
    else:
        lines.append("Candidates: only items with interactions (`--catalogue interacted`, the former protocol).")
    return lines


__all__ = ["data_summary"]
