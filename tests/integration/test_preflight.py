"""Settings that cannot work are one line each, before any work: unknown component names (the
KG model too, whether or not the KG view is used), impossible values, an unwritable cache folder,
a device request that cannot be met. Uses the synthetic ``tiny`` dataset."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from _bad_inputs import NAME, base_files, write_dataset

from recbole_kgllm import cli


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write_dataset(tmp_path / "data", base_files())  # type: ignore[arg-type]


def _fails_in_one_line(argv: list[str], capfd: pytest.CaptureFixture[str], *fragments: str) -> str:
    code = cli.run_recbole_main(argv)
    out, err = capfd.readouterr()
    assert code == 2, (out[-1000:], err[-1000:])
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("run_recbole: error: "), err[-2000:]
    assert "Traceback" not in out + err and "General Hyper Parameters" not in out + err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(("settings", "fragments"), [
    (["--model=KGLLMRec", "--kg_model=NoSuchKGModel"], ["unknown KG model", "NoSuchKGModel", "TransE"]),
    (["--model=KGLLMRec", "--kg_model=NoSuchKGModel", "--use_kg=False"], ["unknown KG model", "NoSuchKGModel"]),
    (["--model=KGLLMRec", "--text_encoder_type=nosuch"], ["unknown text_encoder 'nosuch'", "hf"]),
    (["--model=KGLLMRec", "--text_encoder=/no/such/folder"], ["--text_encoder=/no/such/folder"]),
    (["--model=BPR", "--epochs=-1"], ["--epochs=-1", ">= 1"]),
    (["--model=BPR", "--epochs=0"], ["--epochs=0"]),
    (["--model=BPR", "--train_batch_size=0"], ["train_batch_size"]),
    (["--model=BPR", "--learning_rate=-0.1"], ["learning_rate", "> 0"]),
    (["--model=KGLLMRec", "--fusion=nosuch", "--backbone=mf"], ["unknown fusion 'nosuch'"]),
    (["--model=KGLLMRec", "--kg_epochs=0"], ["kg_epochs"]),
    (["--model=KGLLMRec", "--backbone=ease", "--id_dropout=0.5"], ["backbone 'ease'"]),
    (["--model=KGLLMRec", "--distiller=teacher", "--backbone=mf"], ["teacher_checkpoint"]),
    (["--model=KGLLMRec", "--backbone=mf", "--teacher_checkpoint=/no/such.pth"], ["/no/such.pth"]),
])
def test_bad_settings_are_one_line_before_work(
    settings: list[str], fragments: list[str], tiny: Path, in_tmp: Path, fresh_plugins: None, capfd: pytest.CaptureFixture[str]
) -> None:
    store = in_tmp / "store"
    _fails_in_one_line(
        [f"--dataset={NAME}", f"--data_path={tiny}", f"--feature_cache_dir={store}", *settings], capfd, *fragments
    )
    assert not store.exists() and not (in_tmp / "saved").exists() and not (in_tmp / "log").exists()


@pytest.mark.parametrize(("model", "key", "leaf"), [("KGLLMRec", "feature_cache_dir", "cache"), ("BPR", "checkpoint_dir", "saved")])
def test_unwritable_folder(
    tiny: Path, in_tmp: Path, fresh_plugins: None, capfd: pytest.CaptureFixture[str], model: str, key: str, leaf: str,
) -> None:
    blocker = in_tmp / "a_file"
    blocker.write_text("not a folder")
    _fails_in_one_line(
        [f"--model={model}", f"--dataset={NAME}", f"--data_path={tiny}", f"--{key}={blocker / leaf}"],
        capfd, f"--{key}=", "not a writable folder",
    )


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only answer")
def test_gpu_id_without_cuda(tiny: Path, in_tmp: Path, fresh_plugins: None, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")  # RecBole's Config overwrites it from gpu_id
    _fails_in_one_line(["--model=BPR", f"--dataset={NAME}", f"--data_path={tiny}", "--gpu_id=3"], capfd, "--gpu_id=3", "--gpu_id= (empty)")


def test_gpu_id_with_use_gpu_false_runs_on_cpu(tiny: Path, in_tmp: Path, fresh_plugins: None) -> None:
    from recbole_kgllm.recbole_integration.config import build_config
    from recbole_kgllm.recbole_integration.preflight import check_device

    config = build_config("BPR", NAME, None, {"data_path": str(tiny), "gpu_id": "3", "use_gpu": False})
    check_device(config)  # no error: the user asked for the CPU


@pytest.mark.skipif(torch.cuda.device_count() >= 2, reason="checks the answer without two GPUs")
def test_more_nccl_processes_than_gpus(in_tmp: Path, fresh_plugins: None, capfd: pytest.CaptureFixture[str]) -> None:
    _fails_in_one_line(["--model=BPR", "--nproc=2", "--ddp_backend=nccl"], capfd, "--nproc=2", "GPU")


def test_process_count_must_match_the_listed_gpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a 2-GPU machine answers (CUDA faked): RecBole would assert inside each spawned process."""
    from recbole.model.general_recommender import BPR
    from recbole.trainer import Trainer

    from recbole_kgllm.errors import ConfigError
    from recbole_kgllm.recbole_integration.distributed import check_processes

    def config(gpu_id: str) -> _Config:
        return _Config({"gpu_id": gpu_id, "model": "BPR", "ddp_backend": "nccl"})

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert check_processes(2, -1, config("0,1"), BPR, Trainer) == 2
    with pytest.raises(ConfigError, match="gpu_id='0' lists 1: pass --gpu_id=0,1"):
        check_processes(2, -1, config("0"), BPR, Trainer)
    with pytest.raises(ConfigError, match="asks for 3 GPUs"):
        check_processes(3, -1, config("0,1,2"), BPR, Trainer)
    with pytest.raises(ConfigError, match="at least 1"):
        check_processes(0, -1, config("0"), BPR, Trainer)


class _Config(dict):
    """The two faces of a RecBole ``Config`` that ``check_processes`` reads."""

    @property
    def final_config_dict(self) -> dict:
        return self


def test_knowledge_model_with_a_load_col_without_kg(tiny: Path, in_tmp: Path, fresh_plugins: None, capfd: pytest.CaptureFixture[str]) -> None:
    _fails_in_one_line(
        ["--model=KGIN", f"--dataset={NAME}", f"--data_path={tiny}", "--load_col={'inter': ['user_id', 'item_id']}"],
        capfd, "--load_col has no 'kg' or 'link' entry", "'kg': ['head_id', 'relation_id', 'tail_id']",
    )
