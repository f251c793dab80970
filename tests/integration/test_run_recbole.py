"""Real one-epoch RecBole runs through our entry points (in-process and installed script)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from recbole_kgllm import cli, load_data_and_model

BIN = Path(sys.executable).parent


def _results(out: str) -> dict[str, float]:
    line = next(l for l in out.splitlines() if l.startswith("test result: "))
    return eval(line.removeprefix("test result: "))  # noqa: S307 - our own printed dict


@pytest.mark.parametrize("model", ["BPR", "KGIN", "SASRec"])
def test_run_recbole_in_process(
    model: str, in_tmp: Path, fresh_plugins: None, on_slice: list[str], one_epoch: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.run_recbole_main([f"--model={model}", *on_slice, *one_epoch])
    assert code == 0
    result = _results(capsys.readouterr().out)
    assert 0.0 < result["ndcg@10"] <= 1.0
    assert list((in_tmp / "saved").glob(f"{model}-*.pth")), "best checkpoint was not saved"


def test_plugin_model_runs_by_name_and_reloads(in_tmp: Path, test_plugin: object, one_epoch: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.run_recbole_main(["--model=PluginTestMF", "--dataset=ml-100k", *one_epoch])
    assert code == 0
    tested = _results(capsys.readouterr().out)
    (checkpoint,) = (in_tmp / "saved").glob("PluginTestMF-*.pth")
    config, model, _dataset, _train, _valid, test_data = load_data_and_model(str(checkpoint))
    assert type(model).__name__ == "PluginTestMF"
    assert config["plugin_marker"] == 7 and model.marker == 7
    from recbole.trainer import Trainer

    reloaded = Trainer(config, model).evaluate(test_data, load_best_model=False, show_progress=False)
    assert reloaded["ndcg@10"] == pytest.approx(tested["ndcg@10"], abs=1e-4)


def test_recbole_checkpoint_reloads(in_tmp: Path, fresh_plugins: None, one_epoch: list[str]) -> None:
    assert cli.run_recbole_main(["--model=BPR", "--dataset=ml-100k", *one_epoch]) == 0
    (checkpoint,) = (in_tmp / "saved").glob("BPR-*.pth")
    _config, model, *_ = load_data_and_model(str(checkpoint))
    assert type(model).__name__ == "BPR"


def test_installed_script_runs_and_reports(tmp_path: Path, one_epoch: list[str]) -> None:
    script = BIN / "run_recbole"
    assert script.exists(), "the run_recbole console script is not installed"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    done = subprocess.run(
        [str(script), "--model=BPR", "--dataset=ml-100k", *one_epoch],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert 0.0 < _results(done.stdout)["ndcg@10"] <= 1.0


def test_installed_script_unknown_model_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(BIN / "run_recbole"), "--model=NoSuchModel", "--dataset=ml-100k"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "unknown model 'NoSuchModel'" in done.stderr


def test_missing_dataset_is_one_line(in_tmp: Path, fresh_plugins: None, one_epoch: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run_recbole_main(["--model=BPR", "--dataset=nowhere", f"--data_path={in_tmp}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(in_tmp / "nowhere") in err


def test_unknown_component_is_one_line(in_tmp: Path, fresh_plugins: None, one_epoch: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.run_recbole_main(["--model=KGLLMRec", "--dataset=ml-100k", "--fusion=nosuch", *one_epoch])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unknown fusion 'nosuch'" in err and "sum" in err


def test_a_setting_the_closed_form_default_ignores_is_one_line(
    in_tmp: Path, fresh_plugins: None, one_epoch: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # the default ease backbone reads fusion and distiller (its content path) but not id_dropout
    code = cli.run_recbole_main(["--model=KGLLMRec", "--dataset=ml-100k", "--id_dropout=0.5", *one_epoch])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "id_dropout=0.5" in err and "backbones that use it: lightgcn, mf" in err


def test_beyond_accuracy_metrics_evaluate(in_tmp: Path, fresh_plugins: None, one_epoch: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """RecBole 1.2.1 alone crashes on these (issue #2194); the compat layer's collector fix runs them."""
    metrics = "--metrics=['NDCG','ItemCoverage','GiniIndex','AveragePopularity','TailPercentage']"
    code = cli.run_recbole_main(["--model=BPR", "--dataset=ml-100k", metrics, "--valid_metric=NDCG@10", *one_epoch])
    assert code == 0
    result = _results(capsys.readouterr().out)
    assert 0.0 < result["itemcoverage@10"] <= 1.0 and 0.0 <= result["giniindex@10"] <= 1.0
    assert result["averagepopularity@10"] > 0.0


def test_valid_metric_outside_metrics_is_one_line(in_tmp: Path, fresh_plugins: None, one_epoch: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.run_recbole_main(["--model=BPR", "--dataset=ml-100k", "--metrics=['NDCG']", *one_epoch])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "valid_metric 'MRR@10'" in err and "NDCG@10" in err
