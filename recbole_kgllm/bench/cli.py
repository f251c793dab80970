"""``recbole-kgllm bench``: run several models over several seeds on identical data, then
write ``results.csv``, ``results.md`` and PNG plots (see ``docs/benchmarks.md``).

Example::

    recbole-kgllm bench --dataset ml-100k --models BPR,KGLLMRec --seeds 1 --out /tmp/bench --epochs=1
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from recbole_kgllm.bench.ablations import ABLATED_MODEL, ABLATION_KINDS
from recbole_kgllm.bench.invocation import SLICE_KS, Bench, plan
from recbole_kgllm.bench.plan import CATALOGUES, DATA_MODES, DataVariant, Run
from recbole_kgllm.bench.results import STATUS_OK, row_key
from recbole_kgllm.bench.runner import execute_run
from recbole_kgllm.bench.spec import DEFAULT_FIRST_SEED
from recbole_kgllm.errors import ConfigError, KGLLMError

PROG = "recbole-kgllm bench"
DEFAULT_METRICS = "recall@10,ndcg@10,recall@20,ndcg@20"
DEFAULT_BEYOND = "itemcoverage@10,giniindex@10"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        allow_abbrev=False,
        description="Benchmark models on the same data, split and seeds. Any other setting: --key=value "
        "(given to every run, e.g. --epochs=50 --kg_epochs=5).",
    )
    add = parser.add_argument
    add("--dataset", "-d", required=True, help="RecBole dataset name (set --data_path=... for converted data)")
    add("--models", "-m", required=True, help="comma-separated models, variants as Model[key=value,...]")
    add("--seeds", default="5", help=f"a count N (seeds {DEFAULT_FIRST_SEED}..) or a list 2020,2021 (default 5)")
    add("--first_seed", type=int, default=DEFAULT_FIRST_SEED, help="first seed of a count (default 2020)")
    add("--out", required=True, help="output folder (results.csv, results.md, PNGs, runs/, data/)")
    add("--config_files", default=None, help='config files for every run, space separated: "a.yaml b.yaml"')
    add("--data_mode", choices=DATA_MODES, default="filtered",
        help="filtered: everyone on the interactions of KG-linked items (default); split: knowledge models "
        "on those, the others on the full data")
    add("--cold_share", type=float, default=0.0, help="share of items held out for the cold-start table (default 0: off)")
    add(
        "--ablations", nargs="?", const="all", default=None, choices=ABLATION_KINDS,
        help=f"add the ablation variants of {ABLATED_MODEL}: all (the default), modalities or strategies",
    )
    add("--time_cap", type=float, default=None, help="stop training after this many seconds (checked after each validation)")
    add("--hard_timeout", type=float, default=None, help="kill a run after this many seconds (recorded as timeout)")
    add("--jobs", type=int, default=1, help="runs at a time (default 1)")
    add("--metrics", default=DEFAULT_METRICS, help=f"accuracy metrics of the tables (default {DEFAULT_METRICS})")
    add("--beyond", default=DEFAULT_BEYOND, help=f"beyond-accuracy metrics (default {DEFAULT_BEYOND})")
    add("--catalogue", choices=CATALOGUES, default="full",
        help="full: every item of .item and .link is a candidate, items without interactions included (default); "
        "interacted: only items with interactions")
    add("--select_metric", default="ndcg@10",
        help="validation metric that picks a tuned row's candidate per seed, e.g. EASE[reg_weight=100|250] (default ndcg@10)")
    add("--skip_failed", action="store_true", help="do not retry runs that failed before")
    add("--report_only", action="store_true", help="only rewrite results.md and the plots")
    add("--dry_run", action="store_true", help="print the runs and exit")
    return parser


def _describe(run: Run) -> str:
    return f"{run.table} {run.spec.label} seed={run.seed} data={run.data.base}"


def _outcome(row: dict[str, Any], seconds: float, metric: str) -> str:
    if row.get("status") != STATUS_OK:
        return f"{str(row.get('status')).upper()} after {seconds:.1f}s: {row.get('error')}"
    value = row.get(metric)
    score = f"{metric}={value:.4f}, " if isinstance(value, float) else ""
    capped = ", stopped by the time cap" if row.get("time_capped") else ""
    return f"ok in {seconds:.1f}s ({score}{row.get('epochs')} epochs, best epoch {row.get('best_epoch')}{capped})"


def execute(bench: Bench) -> None:
    """Run every run not done yet, printing a progress line when each starts and ends."""
    done = bench.results.done_keys(failed_count_as_done=bench.args.skip_failed)
    total, lock = len(bench.runs), threading.Lock()
    metric = bench.options["metrics"][0]

    def say(text: str) -> None:
        with lock:
            print(text, flush=True)

    def one(index: int, run: Run) -> None:
        prefix = f"[{index + 1:>{len(str(total))}}/{total}] {_describe(run)}"
        if run.key(bench.ctx.dataset) in done:
            say(f"{prefix}: done before, skipped")
            return
        say(f"{prefix}: running (folder runs/{run.run_id})")
        start = time.perf_counter()
        row = execute_run(run, bench.ctx, bench.builder)
        bench.results.append(row)
        say(f"{prefix}: {_outcome(row, time.perf_counter() - start, metric)}")

    if bench.args.jobs == 1:
        for i, run in enumerate(bench.runs):
            one(i, run)
        return
    with ThreadPoolExecutor(max_workers=bench.args.jobs) as pool:
        for future in [pool.submit(one, i, run) for i, run in enumerate(bench.runs)]:
            future.result()


def _data_notes(bench: Bench, bases: set[str]) -> dict[str, str]:
    notes = {}
    dataset = bench.ctx.dataset
    if "linked" in bases:
        folder = bench.builder.dataset_dir(DataVariant("linked"))
        report = folder / f"{bench.builder.derived_name}.linked.json"
        facts = json.loads(report.read_text(encoding="utf-8")) if report.is_file() else None
        counts = (
            f": {facts['interactions_kept']:,} of {facts['interactions']:,} interactions ({100 * facts['share']:.1f}%), "
            f"{facts['items_kept']:,} of {facts['items']:,} items" if facts else ""
        )
        notes["linked"] = f"only interactions on items whose `.link` entity occurs in the `.kg`{counts} (`data/linked/`)"
    if "full" in bases:
        notes["full"] = f"every interaction of `{bench.options['source']}`"
    if bench.args.data_mode == "split":
        models = ", ".join(bench.options["knowledge_models"]) or "none"
        notes["mode"] = (
            f"`split`: knowledge models ({models}) run on `linked` (RecBole's `KnowledgeBasedDataset` would drop the "
            "other interactions anyway), every other model on `full`; models are compared only within one data"
        )
    else:
        notes["mode"] = "`filtered`: every model runs on the same data, so every row of a table is comparable"
    return notes


def write_outputs(bench: Bench, command: str) -> tuple[list[Path], tuple[int, int]]:
    """Write ``results.md`` and the plots from this invocation's rows; returns the files and,
    of this invocation's runs, how many failed and how many have no row yet."""
    from recbole_kgllm.bench.data_summary import data_summary
    from recbole_kgllm.bench.plots import write_plots
    from recbole_kgllm.bench.report import ReportOptions, build_report, report_tables, write_report

    all_rows = bench.results.rows()
    # A row may come from another invocation (resumed); its ablation and tuned names are this invocation's.
    planned = {run.key(bench.ctx.dataset): run.spec for run in bench.runs}
    rows = [
        {**r, "ablation": planned[row_key(r)].ablation, "tuned": planned[row_key(r)].tuned}
        for r in all_rows if row_key(r) in planned
    ]
    cold_metrics = [f"{s}_{m}@{k}" for k in SLICE_KS for s in ("cold", "warm") for m in ("recall", "ndcg")]
    options = ReportOptions(
        dataset=bench.ctx.dataset, command=command, seeds=bench.options["seeds"], data_mode=bench.args.data_mode,
        metrics=bench.options["metrics"], beyond=bench.options["beyond"], cold_metrics=cold_metrics,
        data_notes=_data_notes(bench, {run.data.base for run in bench.runs}), time_cap=bench.args.time_cap,
        cold_share=bench.args.cold_share or None, label_order=bench.options["label_order"],
        other_rows=len(all_rows) - len(rows), select_metric=bench.args.select_metric,
        data_summary=data_summary(bench, {run.data.base for run in bench.runs}),
    )
    out = bench.options["out"]
    out.mkdir(parents=True, exist_ok=True)
    write_report(out / "results.md", build_report(rows, options))
    plots = write_plots(
        report_tables(rows, options), out, metrics=options.metrics, cold_metrics=cold_metrics, beyond=options.beyond,
    )
    ok = {row_key(r) for r in rows if r.get("status") == STATUS_OK}
    failed = len({row_key(r) for r in rows} - ok)
    return [out / "results.csv", out / "results.md", *plots], (failed, len(planned) - len(ok) - failed)


def missing_runs_message(failed: int, not_run: int, total: int) -> str:
    """The closing line when some of an invocation's ``total`` runs have no ``ok`` result
    (empty when all have one)."""
    parts = []
    if failed:
        parts.append(f"{failed} of {total} runs failed (see results.md, 'Failed runs')")
    if not_run:
        parts.append(f"{not_run} of {total} runs have not run yet (run the command without --report_only)")
    return "; ".join(parts)


def bench_main(argv: Sequence[str]) -> int:
    """``recbole-kgllm bench ...``: 0 when every run succeeded, 1 when some failed, 2 on a usage error."""
    from recbole_kgllm.recbole_integration.config import parse_overrides

    argv = list(argv)
    args, rest = _parser().parse_known_args(argv)
    try:
        bench = plan(args, parse_overrides(rest))
        if args.dry_run:
            done = bench.results.done_keys(failed_count_as_done=args.skip_failed)
            for i, run in enumerate(bench.runs):
                state = "done" if run.key(bench.ctx.dataset) in done else "to run"
                print(f"[{i + 1}/{len(bench.runs)}] {_describe(run)}: {state} (runs/{run.run_id})")
            return 0
        datasets = {r.get("dataset") for r in bench.results.rows()}
        if datasets - {args.dataset}:
            raise ConfigError(f"{bench.results.path} holds results of {sorted(datasets)}: use another --out for '{args.dataset}'")
        if not args.report_only:
            execute(bench)
        files, (failed, not_run) = write_outputs(bench, shlex.join(["recbole-kgllm", "bench", *argv]))
    except KGLLMError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    print("wrote: " + ", ".join(str(f) for f in files), flush=True)
    if failed or not_run:
        print(missing_runs_message(failed, not_run, len(bench.runs)), flush=True)
    return 1 if failed or not_run else 0


__all__ = ["bench_main", "missing_runs_message"]
