"""One-epoch KGLLMRec / KGLLMSeqRec runs on ml-100k through the CLI, with real features."""
from __future__ import annotations

from pathlib import Path

import pytest

from recbole_kgllm import cli
from recbole_kgllm.testing.contracts import registered_classes


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, float]:
    assert cli.run_recbole_main(["--dataset=ml-100k", *args]) == 0, capsys.readouterr().err[-3000:]
    line = next(l for l in capsys.readouterr().out.splitlines() if l.startswith("test result: "))
    result = eval(line.removeprefix("test result: "))  # noqa: S307 - our own printed dict
    assert 0.0 < result["ndcg@10"] <= 1.0
    return result


@pytest.mark.parametrize("backbone", ["mf", "lightgcn", "ease"])
def test_every_backbone_runs(backbone: str, in_tmp: Path, fresh_plugins: None, one_epoch: list[str],
                             small_features: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "--model=KGLLMRec", f"--backbone={backbone}", *one_epoch, *small_features)
    assert list((in_tmp / "saved").glob("KGLLMRec-*.pth"))


@pytest.mark.parametrize("fusion", [name for name, _ in registered_classes("fusion")])
def test_every_registered_fusion_runs(fusion: str, in_tmp: Path, fresh_plugins: None, one_epoch: list[str],
                                      small_features: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "--model=KGLLMRec", "--backbone=lightgcn", f"--fusion={fusion}", *one_epoch, *small_features)


@pytest.mark.parametrize("distiller", ["contrastive", "kg_text_align"])
def test_alignment_distillers_run(distiller: str, in_tmp: Path, fresh_plugins: None, one_epoch: list[str],
                                  small_features: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "--model=KGLLMRec", "--backbone=mf", f"--distiller={distiller}", *one_epoch, *small_features)


def test_teacher_distillation_into_id_only_student(in_tmp: Path, fresh_plugins: None, one_epoch: list[str],
                                                   small_features: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "--model=KGLLMRec", "--backbone=lightgcn", *one_epoch, *small_features)
    (teacher,) = (in_tmp / "saved").glob("KGLLMRec-*.pth")
    student_dir = in_tmp / "student"
    _run(
        capsys, "--model=KGLLMRec", "--backbone=mf", "--use_kg=False", "--use_text=False", "--distiller=teacher",
        f"--teacher_checkpoint={teacher}", f"--checkpoint_dir={student_dir}",
        *[arg for arg in one_epoch if not arg.startswith("--checkpoint_dir=")], *small_features,
    )
    assert list(student_dir.glob("KGLLMRec-*.pth"))


def test_kg_multitask_loss_runs_and_is_logged(in_tmp: Path, fresh_plugins: None, one_epoch: list[str],
                                              small_features: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    _run(capsys, "--model=KGLLMRec", "--backbone=mf", "--fusion=gated", "--kg_loss_weight=0.1", *one_epoch, *small_features)
    (run_dir,) = (in_tmp / "log_tensorboard").iterdir()
    events = EventAccumulator(str(run_dir))
    events.Reload()
    tags = set(events.Tags()["scalars"])
    assert {"Loss/bpr", "Loss/reg", "Loss/kg", "Loss/cold_start"} <= tags
    assert {"Fusion/item/id", "Fusion/item/kg", "Fusion/item/text"} <= tags
    weights = [events.Scalars(f"Fusion/item/{m}")[0].value for m in ("id", "kg", "text")]
    assert sum(weights) == pytest.approx(1.0, abs=1e-3)


def test_sequential_sibling_runs(in_tmp: Path, fresh_plugins: None, one_epoch: list[str],
                                 small_features: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "--model=KGLLMSeqRec", *one_epoch, *small_features)


def test_example_plugin_fusion_is_usable_by_name(in_tmp: Path, fresh_plugins: None, one_epoch: list[str],
                                                 small_features: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("kgllm_film", reason="the example plugin plugins/kgllm-film is not installed")
    _run(capsys, "--model=KGLLMRec", "--backbone=mf", "--fusion=film", *one_epoch, *small_features)
