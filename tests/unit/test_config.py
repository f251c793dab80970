"""Config building: overrides parsing, unknown models, missing datasets, plugin YAML defaults."""
from __future__ import annotations

from pathlib import Path

import pytest

from recbole_kgllm.errors import ConfigError, DatasetNotFoundError, UnknownModelError
from recbole_kgllm.recbole_integration.config import build_config, parse_overrides


def test_parse_overrides_keeps_key_value_pairs() -> None:
    assert parse_overrides(["--epochs=1", "--fusion=gated", "--a=b=c"]) == {"epochs": "1", "fusion": "gated", "a": "b=c"}


@pytest.mark.parametrize("bad", [["epochs=1"], ["--epochs"], ["--=3"]])
def test_parse_overrides_rejects_other_forms(bad: list[str]) -> None:
    with pytest.raises(ConfigError, match="--key=value"):
        parse_overrides(bad)


def test_parse_overrides_rejects_contradicting_duplicates() -> None:
    with pytest.raises(ConfigError, match="twice"):
        parse_overrides(["--epochs=1", "--epochs=2"])


def test_unknown_model_lists_close_matches(fresh_plugins: None) -> None:
    with pytest.raises(UnknownModelError) as info:
        build_config("LightGCNN", "ml-100k")
    assert "LightGCN" in info.value.close


def test_missing_dataset_says_where_it_looked(in_tmp: Path, fresh_plugins: None) -> None:
    with pytest.raises(DatasetNotFoundError) as info:
        build_config("BPR", "no-such-data", config_dict={"data_path": str(in_tmp)})
    assert str(in_tmp / "no-such-data") in str(info.value)


def test_missing_config_file_is_reported(in_tmp: Path, fresh_plugins: None) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        build_config("BPR", "ml-100k", [str(in_tmp / "missing.yaml")])


def test_plugin_model_defaults_apply_and_user_settings_win(in_tmp: Path, test_plugin: object) -> None:
    config = build_config("PluginTestMF", "ml-100k")
    assert config["plugin_marker"] == 7 and config["embedding_size"] == 16
    user_file = in_tmp / "user.yaml"
    user_file.write_text("embedding_size: 8\n")
    config = build_config("PluginTestMF", "ml-100k", [str(user_file)], {"plugin_marker": "9"})
    assert config["embedding_size"] == 8 and config["plugin_marker"] == 9


def test_recbole_reads_our_config_not_the_real_command_line(in_tmp: Path, monkeypatch: pytest.MonkeyPatch, fresh_plugins: None) -> None:
    monkeypatch.setattr("sys.argv", ["run_recbole", "--epochs=77"])
    assert build_config("BPR", "ml-100k", config_dict={"epochs": "3"})["epochs"] == 3


def test_sasrec_with_cross_entropy_gets_no_negative_sampling(in_tmp: Path, fresh_plugins: None) -> None:
    assert build_config("SASRec", "ml-100k")["train_neg_sample_args"]["distribution"] == "none"
    bpr = build_config("SASRec", "ml-100k", config_dict={"loss_type": "BPR"})
    assert bpr["train_neg_sample_args"]["sample_num"] == 1


def test_preparing_recbole_leaves_anomaly_detection_as_it_was() -> None:
    import subprocess
    import sys

    code = (
        "import torch; from recbole_kgllm.recbole_integration.session import prepare_recbole; "
        "prepare_recbole(); import recbole.model.sequential_recommender.sine; print(torch.is_anomaly_enabled())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False"
