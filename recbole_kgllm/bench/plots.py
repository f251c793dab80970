"""PNG plots of a benchmark (matplotlib, Agg backend: no display needed).

Per table (``main``/``cold`` × data):

* ``<table>-<data>-metrics.png``: grouped bars, one group per metric, one bar per model, error
  bars = sample standard deviation over seeds;
* ``<table>-<data>-vs-time.png``: the headline metric against mean training time per run
  (``fit_seconds``, log scale), error bars in both directions.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from recbole_kgllm.bench.summary import LabelRuns, TableKey


def _pyplot():  # noqa: ANN202 - matplotlib is imported lazily, with the Agg backend
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def short_label(label: str, width: int = 44) -> str:
    """``label`` cut to ``width`` characters in the middle, so that variants of one model
    (``KGLLMRec[backbone=lightgcn,fusion=film]``), which differ at the end, stay apart."""
    if len(label) <= width:
        return label
    head = (width - 1) // 3
    return label[:head] + "…" + label[len(label) - (width - 1 - head):]


def plot_metric_bars(labels: Mapping[str, LabelRuns], metrics: Sequence[str], path: Path, title: str) -> Path | None:
    """Grouped bars with error bars; ``None`` (no file) when no model has any of ``metrics``."""
    metrics = [m for m in metrics if any(r.mean_std(m) for r in labels.values())]
    if not metrics or not labels:
        return None
    plt = _pyplot()
    n = len(labels)
    width = 0.8 / n
    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(metrics) * max(1, n) * 0.35 + 3), 4.5))
    for i, runs in enumerate(labels.values()):
        stats = [runs.mean_std(m) for m in metrics]
        means = [s[0] if s else 0.0 for s in stats]
        errors = [s[1] if s and s[1] is not None else 0.0 for s in stats]
        xs = [j + (i - (n - 1) / 2) * width for j in range(len(metrics))]
        ax.bar(xs, means, width=width, yerr=errors, capsize=3, label=short_label(runs.label))
    ax.set_xticks(range(len(metrics)))
    ax.set_xticklabels(metrics)
    ax.set_ylabel("mean over seeds (± sd)")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_metric_vs_time(labels: Mapping[str, LabelRuns], metric: str, path: Path, title: str) -> Path | None:
    """``metric`` against mean ``fit_seconds``; ``None`` when no model has both."""
    points = []
    for runs in labels.values():
        m, t = runs.mean_std(metric), runs.mean_std("fit_seconds")
        if m is not None and t is not None:
            points.append((runs.label, t, m))
    if not points:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, (t_mean, t_sd), (m_mean, m_sd) in points:
        ax.errorbar([max(t_mean, 1e-3)], [m_mean], xerr=[t_sd or 0.0], yerr=[m_sd or 0.0], fmt="o", capsize=3)
        ax.annotate(short_label(label), (max(t_mean, 1e-3), m_mean), fontsize=7, xytext=(4, 4), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel("training time per run, s (fit: training + validation; log scale)")
    ax.set_ylabel(f"{metric} (mean ± sd)")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_plots(
    tables: Mapping[TableKey, Mapping[str, LabelRuns]], out_dir: Path, *, metrics: Sequence[str],
    cold_metrics: Sequence[str] = (), beyond: Sequence[str] = (),
) -> list[Path]:
    """Every plot of every table into ``out_dir``; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for (table, data), labels in tables.items():
        shown = list(cold_metrics) if table == "cold" and cold_metrics else list(metrics)
        stem = f"{table}-{data}"
        bars = plot_metric_bars(labels, shown + (list(beyond) if table == "main" else []), out_dir / f"{stem}-metrics.png", f"{table} table, {data} data")
        timing = plot_metric_vs_time(labels, shown[0], out_dir / f"{stem}-vs-time.png", f"{shown[0]} against training time ({table}, {data})") if shown else None
        written += [p for p in (bars, timing) if p is not None]
    return written


__all__ = ["plot_metric_bars", "plot_metric_vs_time", "short_label", "write_plots"]
