"""RecBole's hyper-parameter file syntax (recbole-kgllm tune) and the tune outputs."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.tune.cli import write_outputs
from recbole_kgllm.tune.space import parse_line, ray_space, read_space


def test_recbole_syntax(tmp_path: Path) -> None:
    file = tmp_path / "hyper.test"
    file.write_text("# comment\nlearning_rate loguniform -8,0\nembedding_size choice [32, 64]\n\n"
                    "reg uniform 0.0,0.1\nn_layers randint 1,4\ndrop quniform 0,0.5,0.1\nfusion choice ['sum','gated']\n")
    dims = {d.name: d for d in read_space(file)}
    assert dims["learning_rate"].values == (-8.0, 0.0)
    assert dims["embedding_size"].values == (32, 64)
    assert dims["fusion"].values == ("sum", "gated")
    space = ray_space(list(dims.values()))
    lr = space["learning_rate"]
    assert math.isclose(lr.lower, math.exp(-8)) and math.isclose(lr.upper, 1.0)  # hyperopt's reading: natural logs
    assert space["n_layers"].lower == 1 and space["n_layers"].upper == 4


@pytest.mark.parametrize("line, message", [
    ("lr loguniform -8", "2 comma-separated numbers"),
    ("lr normal 0,1", "unknown type 'normal'"),
    ("size choice [__import__('os')]", "list of literals"),
    ("lr uniform 1,0", "low bound"),
    ("lr", "expected 'name type values'"),
])
def test_bad_lines_are_one_error_naming_the_line(line: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        parse_line(line, "hyper.test, line 3")
    assert str(error.value).startswith("hyper.test, line 3: ")


def test_missing_duplicate_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        read_space(tmp_path / "nope")
    (tmp_path / "dup").write_text("a choice [1]\na choice [2]\n")
    with pytest.raises(ConfigError, match="listed twice"):
        read_space(tmp_path / "dup")
    (tmp_path / "empty").write_text("# nothing\n")
    with pytest.raises(ConfigError, match="no parameter"):
        read_space(tmp_path / "empty")


def test_outputs_rank_by_the_validation_direction(tmp_path: Path) -> None:
    rows = [{"trial": "a", "lr": 0.1, "best_valid_score": 0.2, "epochs": 1, "status": "done"},
            {"trial": "b", "lr": 0.01, "best_valid_score": 0.3, "epochs": 1, "status": "done"},
            {"trial": "c", "lr": 0.5, "best_valid_score": None, "epochs": 0, "status": "error"}]
    best = write_outputs(tmp_path, rows, ["lr"], metric="mrr@10", bigger=True, fixed={"epochs": 1}, model="BPR", dataset="d")
    assert best is not None and best["trial"] == "b"
    assert yaml.safe_load((tmp_path / "best.yaml").read_text()) == {"epochs": 1, "lr": 0.01}
    assert (tmp_path / "results.csv").read_text().splitlines()[1].startswith("b,")
    low = write_outputs(tmp_path, rows, ["lr"], metric="loss", bigger=False, fixed={}, model="BPR", dataset="d")
    assert low is not None and low["trial"] == "a"
