"""Real checkpoints of every model family still reload through the restricted unpickler, and
malicious ones never run through any loading path: ``recbole_kgllm.load_data_and_model``, the
teacher distiller's ``teacher_checkpoint``, RecBole's own best-model reload and its saved
datasets. Uses the synthetic ``tiny`` dataset of the bad-input corpus (no MovieLens data)."""
from __future__ import annotations

import builtins
import pickle
from pathlib import Path
from typing import Any

import pytest
import torch
from _bad_inputs import NAME, base_files, write_dataset

from recbole_kgllm import cli, load_data_and_model
from recbole_kgllm.errors import UntrustedCheckpointError
from recbole_kgllm.recbole_integration.compat.checkpoint import load_recbole_checkpoint

SEQ = ["--load_col={'inter': ['user_id', 'item_id', 'timestamp']}"]
MODELS = {
    "BPR": [], "LightGCN": [], "EASE": [], "SASRec": SEQ, "KGAT": [], "KGIN": [],
    "KGLLMRec-ease": ["--backbone=ease"], "KGLLMRec-mf": ["--backbone=mf"], "KGLLMRec-lightgcn": ["--backbone=lightgcn"],
    "KGLLMSeqRec": SEQ,
}


class Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return builtins.exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",)


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write_dataset(tmp_path / "data", base_files())  # type: ignore[arg-type]


def _common(tiny: Path, tmp_path: Path, feature_cache: Path) -> list[str]:
    return [f"--dataset={NAME}", f"--data_path={tiny}", "--epochs=1", "--show_progress=False", f"--checkpoint_dir={tmp_path / 'saved'}",
            f"--feature_cache_dir={feature_cache}", "--kg_epochs=1", "--kg_embedding_dim=8", "--kg_eval_max_triples=20"]


def _results(out: str) -> dict[str, float]:
    line = next(l for l in out.splitlines() if l.startswith("test result: "))
    return eval(line.removeprefix("test result: "))  # noqa: S307 - our own printed dict


@pytest.mark.parametrize("label", sorted(MODELS))
def test_real_checkpoints_reload_through_the_allow_list(
    label: str, tiny: Path, in_tmp: Path, fresh_plugins: None, feature_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = label.split("-")[0]
    assert cli.run_recbole_main([f"--model={model}", *_common(tiny, in_tmp, feature_cache), *MODELS[label]]) == 0  # reloads the best model itself
    assert 0.0 <= _results(capsys.readouterr().out)["ndcg@10"] <= 1.0
    (path,) = (in_tmp / "saved").glob(f"{model}-*.pth")
    restricted = load_recbole_checkpoint(path)
    full = load_recbole_checkpoint(path, trust=True)  # plain unpickling: what torch < 2.6 did
    assert _same(restricted, full)
    config, reloaded, *_ = load_data_and_model(str(path))
    assert type(reloaded).__name__ == model and config["model"] == model
    assert _same(reloaded.state_dict(), full["state_dict"])


def _same(a: Any, b: Any) -> bool:
    """Deep equality of checkpoint contents (tensors by value, Config by its settings)."""
    if isinstance(a, torch.Tensor):  # NaN equals NaN here (EASE records unavailable views' weights as NaN)
        if not (isinstance(b, torch.Tensor) and a.dtype == b.dtype and a.shape == b.shape):
            return False
        a, b = a.cpu(), b.cpu()
        return bool(((a == b) | (a.isnan() & b.isnan()) if a.is_floating_point() else a == b).all())
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if hasattr(a, "final_config_dict"):
        return type(a) is type(b) and _same(a.final_config_dict, b.final_config_dict)
    if hasattr(a, "toarray"):  # scipy sparse
        return (a != b).nnz == 0
    if hasattr(a, "shape") and hasattr(a, "dtype"):  # numpy
        import numpy as np

        return bool(np.array_equal(a, b))
    return bool(a == b)


def _evil_checkpoint(tmp_path: Path) -> tuple[Path, Path]:
    marker = tmp_path / "pwned.txt"
    path = tmp_path / "evil.pth"
    torch.save({"config": {"model": "BPR", "x": Payload(marker)}, "state_dict": {}}, path, pickle_protocol=4)
    return path, marker


def test_load_data_and_model_never_runs_a_payload(tmp_path: Path, fresh_plugins: None) -> None:
    path, marker = _evil_checkpoint(tmp_path)
    with pytest.raises(UntrustedCheckpointError, match="builtins.exec"):
        load_data_and_model(str(path))
    assert not marker.exists()


def test_teacher_checkpoint_never_runs_a_payload(
    tiny: Path, in_tmp: Path, fresh_plugins: None, feature_cache: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path, marker = _evil_checkpoint(in_tmp)
    code = cli.run_recbole_main([
        "--model=KGLLMRec", "--backbone=mf", "--distiller=teacher", f"--teacher_checkpoint={path}", *_common(tiny, in_tmp, feature_cache),
    ])
    out, err = capfd.readouterr()
    assert code == 2 and not marker.exists()
    assert err.strip().splitlines() == [next(l for l in err.splitlines() if "error:" in l)]
    assert str(path) in err and "builtins.exec" in err and "Traceback" not in out + err
    assert "General Hyper Parameters" not in out + err  # refused before any work


def test_teacher_distiller_loads_a_real_checkpoint(
    tiny: Path, in_tmp: Path, fresh_plugins: None, feature_cache: Path
) -> None:
    common = _common(tiny, in_tmp, feature_cache)
    assert cli.run_recbole_main(["--model=BPR", *common]) == 0
    (teacher,) = (in_tmp / "saved").glob("BPR-*.pth")
    assert cli.run_recbole_main(["--model=KGLLMRec", "--backbone=mf", "--distiller=teacher", f"--teacher_checkpoint={teacher}", *common]) == 0


def test_best_model_reload_refuses_a_swapped_checkpoint(
    tiny: Path, in_tmp: Path, fresh_plugins: None, feature_cache: Path, monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """RecBole's trainer reloads its best checkpoint by path; a file swapped in between is refused."""
    from recbole.trainer import Trainer

    path, marker = _evil_checkpoint(in_tmp)
    original = Trainer._save_checkpoint

    def save_then_swap(self: Any, epoch: int, verbose: bool = True, **kwargs: Any) -> None:
        original(self, epoch, verbose=verbose, **kwargs)
        Path(self.saved_model_file).write_bytes(path.read_bytes())

    monkeypatch.setattr(Trainer, "_save_checkpoint", save_then_swap)
    code = cli.run_recbole_main(["--model=BPR", *_common(tiny, in_tmp, feature_cache)])
    _out, err = capfd.readouterr()
    assert code == 2 and not marker.exists() and "builtins.exec" in err and "Traceback" not in err


def test_saved_dataset_needs_trust(
    tiny: Path, in_tmp: Path, fresh_plugins: None, feature_cache: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    common = [*_common(tiny, in_tmp, feature_cache), "--save_dataset=True"]
    assert cli.run_recbole_main(["--model=BPR", *common]) == 0
    (saved,) = (in_tmp / "saved").glob(f"{NAME}-Dataset.pth")
    capfd.readouterr()
    assert cli.run_recbole_main(["--model=BPR", *common]) == 2
    err = capfd.readouterr().err
    assert str(saved) in err and "--trust_checkpoint" in err and "Traceback" not in err
    assert cli.run_recbole_main(["--model=BPR", *common, "--trust_checkpoint"]) == 0  # the user's own file, trusted

    marker = in_tmp / "pwned.txt"
    saved.write_bytes(pickle.dumps(Payload(marker)))
    assert cli.run_recbole_main(["--model=BPR", *common]) == 2
    assert not marker.exists()
