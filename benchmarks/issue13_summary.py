"""Per-seed ratios of each ``KGLLMRec`` row to the EASE row best on validation, from a bench ``results.csv``.

For every table (``main``, ``cold``) and every ``KGLLMRec`` label: per seed, test NDCG@10 and
Recall@10 divided by those of the ``EASE[...]`` candidate with the best ``valid_ndcg@10`` on that
seed (the bench's tuned row), the paired mean NDCG@10 difference and its one-sample t-test p-value;
on the cold-start table also overall Recall@20 against tuned EASE's and the cold/warm Recall@20
ratio. The numbers of ``docs/benchmarks.md`` ("Results of the self-tuning default") come from it.

Usage: python benchmarks/issue13_summary.py OUT/results.csv
"""
from __future__ import annotations

import sys

import pandas as pd
from scipy import stats


def summary(results: pd.DataFrame) -> list[str]:
    """One line per table and ``KGLLMRec`` label."""
    lines = []
    for table in ("main", "cold"):
        part = results[results.table == table]
        for label in sorted({lab for lab in part.label if lab.startswith("KGLLMRec")}):
            rows = []
            for seed in sorted(part.seed.unique()):
                by_label = part[part.seed == seed].set_index("label")
                ease = by_label[by_label.index.str.startswith("EASE")]
                if label not in by_label.index or ease.empty:
                    continue
                best, ours = ease["valid_ndcg@10"].idxmax(), by_label.loc[label]
                cell = f"{seed}: {ours['ndcg@10'] / ease.loc[best, 'ndcg@10']:.3f}/{ours['recall@10'] / ease.loc[best, 'recall@10']:.3f}"
                if table == "cold":
                    ratio = ours["cold_recall@20"] / ours["warm_recall@20"]
                    cell += f" R@20 {ours['recall@20']:.4f} vs {ease.loc[best, 'recall@20']:.4f}, cold/warm {ratio:.2f}"
                rows.append((cell, ours["ndcg@10"] - ease.loc[best, "ndcg@10"]))
            diffs = [d for _, d in rows]
            p = stats.ttest_1samp(diffs, 0.0).pvalue if len(diffs) > 1 else float("nan")
            mean = sum(diffs) / len(diffs) if diffs else float("nan")
            lines.append(f"{table} {label}: " + "; ".join(c for c, _ in rows) + f" | mean dNDCG@10 {mean:+.4f}, p={p:.3g}")
    return lines


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    print("\n".join(summary(pd.read_csv(argv[0]))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
