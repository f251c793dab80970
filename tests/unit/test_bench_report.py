"""results.md and the PNG plots, from synthetic rows."""
from __future__ import annotations

from pathlib import Path

from recbole_kgllm.bench.plots import short_label, write_plots
from recbole_kgllm.bench.report import ReportOptions, build_report
from recbole_kgllm.bench.summary import group_tables

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _row(label: str, seed: int, ndcg: float, gini: float, *, group: str = "baseline", ablation: str = "",
         table: str = "main", status: str = "ok", split: str = "s") -> dict[str, str]:
    return {
        "dataset": "toy", "table": table, "label": label, "seed": str(seed), "data": "linked", "settings_hash": "h",
        "group": group, "ablation": ablation, "status": status, "error": "" if status == "ok" else "ValueError: boom",
        "ndcg@10": str(ndcg), "giniindex@10": str(gini), "fit_seconds": "10", "seconds_per_epoch": "2.5",
        "eval_seconds": "0.5", "best_epoch": "3", "peak_rss_mb": "500", "split_sha": f"{split}{seed}",
        "cold_ndcg@20": str(ndcg / 2), "warm_ndcg@20": str(ndcg),
    }


def _rows() -> list[dict[str, str]]:
    rows = []
    for seed, (ours, base, id_only) in zip((1, 2, 3), ((0.3, 0.1, 0.2), (0.5, 0.2, 0.3), (0.4, 0.3, 0.1))):
        rows.append(_row("BPR", seed, base, 0.6))
        rows.append(_row("KGLLMRec", seed, ours, 0.7, group="ours", ablation="+KG+text"))
        rows.append(_row("KGLLMRec[use_kg=False,use_text=False]", seed, id_only, 0.8, group="ours", ablation="ID only"))
    rows.append(_row("KGAT", 1, 0.0, 0.0, status="failed"))
    return rows


def _options(**extra: object) -> ReportOptions:
    return ReportOptions(dataset="toy", command="recbole-kgllm bench ...", seeds=[1, 2, 3], data_mode="filtered",
                         metrics=["ndcg@10"], beyond=["giniindex@10"], cold_metrics=["cold_ndcg@20", "warm_ndcg@20"],
                         data_notes={"linked": "linked items only"}, **extra)  # type: ignore[arg-type]


def test_table_has_mean_sd_and_bold_best() -> None:
    text = build_report(_rows(), _options())
    line = next(l for l in text.splitlines() if l.startswith("| `KGLLMRec` (+KG+text)"))
    assert "**0.4000 ± 0.1000**" in line  # best ndcg@10
    assert "| 0.7000 ± 0.0000 |" in line  # Gini 0.7 is not the best: lower is better
    bpr = next(l for l in text.splitlines() if l.startswith("| `BPR`"))
    assert "**0.6000 ± 0.0000**" in bpr and "0.2000 ± 0.1000" in bpr
    assert "linked items only" in text and "same train/valid/test" in text


def test_paired_differences_against_baselines_and_ablations() -> None:
    text = build_report(_rows(), _options())
    # KGLLMRec − BPR per seed: 0.2, 0.3, 0.1 -> mean 0.2, sd 0.1, t = 2 sqrt 3 = 3.46, p = 0.0742
    assert "+0.2000 ± 0.1000 (t=3.46, p=0.0742)" in text
    assert "| `BPR` | +0.2000 | +0.3000 | +0.1000 |" in text  # per-seed differences
    # ablation ID only − full: -0.1, -0.2, -0.3
    assert "Ablations of `KGLLMRec`" in text and "-0.2000 ± 0.1000" in text
    assert "## Failed runs" in text and "ValueError: boom" in text and "`KGAT`" in text


def test_strategy_ablations_of_a_closed_form_base_pair_against_their_backbone_reference() -> None:
    rows = _rows()
    for seed, (ref, gated) in zip((1, 2, 3), ((0.10, 0.15), (0.20, 0.20), (0.30, 0.40))):
        rows.append(_row("KGLLMRec[backbone=lightgcn]", seed, ref, 0.8, group="ours", ablation="backbone=lightgcn"))
        rows.append(_row("KGLLMRec[backbone=lightgcn,fusion=gated]", seed, gated, 0.8, group="ours",
                         ablation="fusion=gated"))
    text = build_report(rows, _options())
    direct, _, strategies = text.partition("### Fusion and distiller ablations")
    assert "variant − `KGLLMRec[backbone=lightgcn]`" in strategies
    # gated − reference per seed: 0.05, 0.0, 0.1 -> mean 0.05 (against the full model it would be -0.1500)
    gated = next(l for l in strategies.splitlines() if l.startswith("| `KGLLMRec[backbone=lightgcn,fusion=gated]`"))
    assert "+0.0500 ± 0.0500" in gated
    # the reference itself (and the modality rows) stay paired against the full model
    reference = next(l for l in direct.splitlines() if l.startswith("| `KGLLMRec[backbone=lightgcn]`") and "Δ" not in l
                     and "(t=" in l)
    assert "-0.2000 ± 0.1000" in reference
    assert "fusion=gated" not in direct.split("### Ablations of")[1]


def test_strategy_ablations_without_a_reference_row_pair_against_the_full_model() -> None:
    rows = _rows() + [_row("KGLLMRec[fusion=gated]", s, 0.5, 0.8, group="ours", ablation="fusion=gated") for s in (1, 2, 3)]
    text = build_report(rows, _options())
    assert "### Fusion and distiller ablations" not in text
    gated = next(l for l in text.splitlines() if l.startswith("| `KGLLMRec[fusion=gated]` (fusion=gated) | 3 |"))
    assert "+0.1000 ± 0.1000" in gated


def test_split_mismatch_is_reported() -> None:
    rows = _rows()
    rows[0]["split_sha"] = "other"
    assert "did not all see the same split for seeds [1]" in build_report(rows, _options())


def test_cold_table_and_time_cap_marker() -> None:
    rows = [dict(r, table="cold") for r in _rows()[:6]]
    rows[0]["time_capped"] = "True"
    text = build_report(rows, _options(time_cap=60.0, cold_share=0.1))
    assert "Cold-start slice" in text and "cold_ndcg@20" in text and "`BPR` †" in text
    assert "60 s of training per run" in text


def test_plots_are_png_files(tmp_path: Path) -> None:
    tables = group_tables(_rows())
    files = write_plots(tables, tmp_path, metrics=["ndcg@10"], beyond=["giniindex@10"])
    assert {f.name for f in files} == {"main-linked-metrics.png", "main-linked-vs-time.png"}
    for file in files:
        assert file.read_bytes()[:8] == PNG_MAGIC and file.stat().st_size > 1000
    assert write_plots({}, tmp_path / "none", metrics=["ndcg@10"]) == []


def test_plot_labels_keep_the_variant_apart() -> None:
    variants = [f"KGLLMRec[backbone=lightgcn,{name}]" for name in ("fusion=film", "fusion=gated", "distiller=kg_text_align")]
    shown = [short_label(v) for v in variants]
    assert len(set(shown)) == len(variants)
    assert all(len(s) <= 44 for s in shown)
    assert shown[2].startswith("KGLLMRec[") and shown[2].endswith("distiller=kg_text_align]")
    assert short_label("BPR") == "BPR"
    assert len(short_label("x" * 100, width=20)) == 20


def test_a_tuned_row_is_the_candidate_best_on_validation_per_seed_and_ours_pair_with_it() -> None:
    rows = []
    # (valid, test) per seed: reg 100 wins validation on seed 1, reg 500 on seed 2 (test never chooses)
    for seed, scores in ((1, {"100": (0.30, 0.10), "500": (0.20, 0.40)}), (2, {"100": (0.10, 0.50), "500": (0.25, 0.20)})):
        for reg, (valid, test) in scores.items():
            row = _row(f"EASE[reg_weight={reg}]", seed, test, 0.5)
            rows.append({**row, "valid_ndcg@10": str(valid), "tuned": "EASE[reg_weight=100|500]"})
        rows.append(_row("KGLLMRec", seed, 0.3, 0.5, group="ours"))
    text = build_report(rows, _options(select_metric="ndcg@10"))
    tuned = next(l for l in text.splitlines() if l.startswith("| `EASE[reg_weight=100|500]`"))
    assert "0.1500 ± 0.0707" in tuned  # seed 1: 0.10 (reg 100), seed 2: 0.20 (reg 500)
    assert "1: `EASE[reg_weight=100]`, 2: `EASE[reg_weight=500]`" in text
    assert "| `EASE[reg_weight=100|500]` | +0.2000 | +0.1000 |" in text  # KGLLMRec paired with it per seed


def test_the_report_opens_with_what_the_data_mode_dropped() -> None:
    summary = ["Data mode `filtered` dropped 2,446 of 100,000 interactions (2.4%) ...", "Candidates: the full catalogue ..."]
    text = build_report(_rows(), _options(data_summary=summary))
    assert text.splitlines()[2] == f"**{summary[0]}**"
