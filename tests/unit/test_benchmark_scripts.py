"""The scripts in benchmarks/: the cold-scale selection rule and its nested dataset, and the
cross-invocation paired table."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from _scripts import load_script

from recbole_kgllm.bench.cold_split import cold_split




tune = load_script("tune_cold_scale")
paired = load_script("paired_table")


def _row(scale: float, warm_ndcg: float, warm_recall: float, cold_recall: float) -> dict[str, float]:
    return {"scale": scale, "ndcg@10": 0.0, "warm_ndcg@20": warm_ndcg, "warm_recall@20": warm_recall,
            "cold_recall@20": cold_recall, "cold_ndcg@20": 0.0}


def test_rule_takes_the_best_warm_ndcg_among_scales_meeting_half_of_warm_recall() -> None:
    table = [_row(-1, 0.30, 0.40, 0.00), _row(0.5, 0.27, 0.37, 0.10), _row(0.7, 0.22, 0.32, 0.17), _row(1.0, 0.15, 0.25, 0.27)]
    assert tune.choose(table)["scale"] == 0.7
    nobody = [_row(-1, 0.30, 0.40, 0.00), _row(0.5, 0.27, 0.37, 0.10)]
    assert tune.choose(nobody)["scale"] == 0.5  # none qualifies: the most cold recall


def test_nested_dataset_holds_outer_train_and_valid_only(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    lines = ["user_id:token\titem_id:token"]
    users, items = [], []
    for u in range(30):
        for i in range(u % 7, u % 7 + 12):
            users.append(str(u))
            items.append(str(i))
            lines.append(f"{u}\t{i}")
    (src / "toy.inter").write_text("\n".join(lines) + "\n", encoding="utf-8")
    n = tune.write_inner_dataset(src, "toy", tmp_path / "inner", share=0.1, seed=3)
    outer = cold_split(users, items, share=0.1, seed=3)
    written = (tmp_path / "inner" / f"{tune.INNER_NAME}.inter").read_text(encoding="utf-8").splitlines()[1:]
    expected = [lines[1 + r] for r in sorted(outer.train + outer.valid)]
    assert n == len(expected) and written == expected
    assert not {line.split("\t")[1] for line in written} & set(outer.cold_items)


def _csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _result(label: str, seed: int, ndcg: float, sha: str = "s", capped: str = "False") -> dict[str, str]:
    return {"dataset": "d", "table": "main", "label": label, "seed": str(seed), "status": "ok", "ndcg@10": str(ndcg),
            "recall@10": str(ndcg), "seconds_per_epoch": "1.0", "split_sha": f"{sha}{seed}", "time_capped": capped}


def test_paired_table_pairs_by_seed_and_marks_capped_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [_result("Ours", 1, 0.30), _result("Ours", 2, 0.32), _result("Base", 1, 0.25, capped="True"), _result("Base", 2, 0.31, capped="True"),
            _result("Other", 1, 0.2, sha="x")]
    path = _csv(tmp_path / "results.csv", rows)
    assert paired.main(["--csv", str(path), "--ours", "Ours", "--labels", "Base,Other", "--metrics", "ndcg@10"]) == 0
    out = capsys.readouterr().out
    assert "| Base † | 1,2 |" in out
    base_line = next(line for line in out.splitlines() if line.startswith("| Base | 1,2 |"))
    assert "+0.0500, +0.0100" in base_line and "+0.0300 ± 0.0283" in base_line
    assert "split differs for seeds [1]" in out


def test_paired_table_keeps_commas_inside_a_variant_label(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    variant = "Ours[use_kg=False,use_text=False]"
    rows = [_result("Ours", 1, 0.30), _result("Ours", 2, 0.32), _result(variant, 1, 0.28), _result(variant, 2, 0.29)]
    path = _csv(tmp_path / "results.csv", rows)
    assert paired.main(["--csv", str(path), "--ours", "Ours", "--labels", f"{variant},Ours", "--metrics", "ndcg@10"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith(f"| {variant} | 1,2 |")]
    assert len(lines) == 2  # its mean row and its paired row
    assert "0.2850 ± 0.0071" in lines[0] and "+0.0200, +0.0300" in lines[1]


def test_paired_table_refuses_two_rows_of_one_seed(tmp_path: Path) -> None:
    path = _csv(tmp_path / "results.csv", [_result("Ours", 1, 0.3), _result("Ours", 1, 0.31)])
    with pytest.raises(SystemExit, match="two ok rows"):
        paired.main(["--csv", str(path), "--ours", "Ours", "--labels", "Ours"])


def test_transfer_variants_are_written_from_a_movielens_shaped_dataset(tmp_path: Path) -> None:
    from _bench_data import NAME, read_rows, write_toy

    transfer = load_script("transfer_datasets")
    src = write_toy(tmp_path / "src", n_users=40)
    assert transfer.main(["--source", str(src), "--name", NAME, "--out", str(tmp_path / "out")]) == 0
    titles = tmp_path / "out" / f"{NAME}-titles"
    assert (titles / f"{NAME}-titles.item").read_text().splitlines()[0] == "item_id:token\tname:token_seq"
    unlinked = read_rows(tmp_path / "out" / f"{NAME}-unlinked" / f"{NAME}-unlinked.link")
    assert len(unlinked) < len(read_rows(src / f"{NAME}.link"))
    hubs = read_rows(tmp_path / "out" / f"{NAME}-hubs" / f"{NAME}-hubs.kg")
    assert len({r[1] for r in hubs}) >= 25 and any(r[2] == "hub_all" for r in hubs)
    sparse = read_rows(tmp_path / "out" / f"{NAME}-sparse" / f"{NAME}-sparse.inter")
    assert len(sparse) < len(read_rows(src / f"{NAME}.inter"))


def test_issue13_summary_pairs_each_seed_with_the_ease_row_best_on_validation() -> None:
    import pandas as pd

    summary = load_script("issue13_summary").summary
    rows = []
    for seed, (v1, v2) in ((1, (0.2, 0.3)), (2, (0.3, 0.2))):  # seed 1 picks EASE[b], seed 2 EASE[a]
        rows += [
            {"table": "main", "seed": seed, "label": "EASE[a]", "valid_ndcg@10": v1, "ndcg@10": 0.40, "recall@10": 0.5},
            {"table": "main", "seed": seed, "label": "EASE[b]", "valid_ndcg@10": v2, "ndcg@10": 0.20, "recall@10": 0.25},
            {"table": "main", "seed": seed, "label": "KGLLMRec", "valid_ndcg@10": 0.1, "ndcg@10": 0.30, "recall@10": 0.5},
        ]
    (line,) = summary(pd.DataFrame(rows))
    assert line.startswith("main KGLLMRec: 1: 1.500/2.000; 2: 0.750/1.000")
    assert "dNDCG@10 +0.0000" in line.replace("-0.0000", "+0.0000")  # +0.10 and -0.10


def test_search_log_table_lists_candidates_their_scores_and_the_choice() -> None:
    log = "\n".join([
        "x INFO weight search: reg_weight=422.2                         -> NDCG@10 0.1776, Recall@20 0.2266 (0.2 s)",
        "x INFO weight search: cold_scale=1 from text                   -> NDCG@10 0.2094, Recall@20 0.2506, "
        "cold/warm Recall@20 0.1149/0.3216, warm ndcg@10 if the cold items are not new 0.1981",
        "x INFO weight search: 2 candidates, 2 solves, 0.4 s; chosen (inner NDCG@10 0.2094): reg_weight 422.2",
        "x INFO EASE backbone fitted in 7.0 s: reg_weight 500",
    ])
    lines = load_script("search_log_table").table(log)
    assert lines[2] == "| 1 | `reg_weight=422.2` | 0.1776 | 0.2266 |  |  |"
    assert lines[3] == "| 2 | `cold_scale=1 from text` | 0.2094 | 0.2506 | 0.1149 / 0.3216 | 0.1981 |"
    assert lines[-2].startswith("2 candidates, 2 solves") and lines[-1] == "fit (search included) 7.0 s: reg_weight 500"
