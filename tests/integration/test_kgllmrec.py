"""KGLLMRec / KGLLMSeqRec on a slice of ml-100k with the real feature pipelines (PyKEEN,
MiniLM): every component runs, and each one changes what the model scores (a fusion, a
distiller, a view or a backbone that were silently ignored would leave the scores unchanged)."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import Tensor

from recbole_kgllm import cli, load_data_and_model
from recbole_kgllm.recbole_integration.pipeline import run_pipeline
from recbole_kgllm.recbole_integration.ranking import scored_batches
from recbole_kgllm.testing.contracts import registered_classes

#: Settings under which an ignored component cannot change the scores: no cold-start head and no
#: distiller, so every random draw after the component's construction is the same in both runs.
PLAIN = {"cold_start": "none", "distiller": "none"}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, float]:
    assert cli.run_recbole_main(list(args)) == 0, capsys.readouterr().err[-3000:]
    line = next(l for l in capsys.readouterr().out.splitlines() if l.startswith("test result: "))
    result = eval(line.removeprefix("test result: "))  # noqa: S307 - our own printed dict
    assert 0.0 < result["ndcg@10"] <= 1.0
    return result


def _settings(args: list[str]) -> dict[str, str]:
    return dict(arg[2:].split("=", 1) for arg in args)


@pytest.fixture
def scores_of(in_tmp: Path, fresh_plugins: None, on_slice: list[str], one_epoch: list[str], small_features: list[str]):  # noqa: ANN201
    """``scores_of(model, **settings)``: the scores of the first test batch (history at ``-inf``)
    after one epoch (or the closed-form fit) on the slice."""
    base = _settings([*on_slice, *one_epoch, *small_features])
    dataset = base.pop("dataset")

    def scores(model: str = "KGLLMRec", **settings: object) -> Tensor:
        result = run_pipeline(model, dataset, config_dict={**base, **settings}, saved=False)
        scores, _positives = next(scored_batches(result.model, result.data.test, "cpu"))  # type: ignore[union-attr]
        return scores

    return scores


@pytest.mark.parametrize("backbone", ["mf", "lightgcn", "ease"])
def test_every_backbone_runs_saves_and_reloads(
    backbone: str, in_tmp: Path, fresh_plugins: None, on_slice: list[str], one_epoch: list[str],
    small_features: list[str], capsys: pytest.CaptureFixture[str],
) -> None:
    tested = _run(capsys, "--model=KGLLMRec", f"--backbone={backbone}", *on_slice, *one_epoch, *small_features)
    (checkpoint,) = (in_tmp / "saved").glob("KGLLMRec-*.pth")
    config, model, _dataset, _train, _valid, test_data = load_data_and_model(str(checkpoint))
    assert model.backbone.name == backbone
    from recbole_kgllm.recbole_integration.pipeline import build_trainer, evaluate

    reloaded = evaluate(build_trainer(config, model), test_data, load_best=False)
    assert reloaded["ndcg@10"] == pytest.approx(tested["ndcg@10"], abs=1e-4)


def test_a_plugin_backbone_runs_by_name(
    in_tmp: Path, test_plugin: object, on_slice: list[str], one_epoch: list[str], small_features: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _run(capsys, "--model=KGLLMRec", "--backbone=onehop", *on_slice, *one_epoch, *small_features)
    (checkpoint,) = (in_tmp / "saved").glob("KGLLMRec-*.pth")
    _config, model, *_ = load_data_and_model(str(checkpoint))
    assert type(model.backbone).__name__ == "OneHopBackbone"


@pytest.mark.parametrize("fusion", [name for name, _ in registered_classes("fusion") if name != "sum"])
def test_every_registered_fusion_changes_the_scores(fusion: str, scores_of) -> None:  # noqa: ANN001
    reference = scores_of(backbone="lightgcn", fusion="sum", **PLAIN)
    fused = scores_of(backbone="lightgcn", fusion=fusion, **PLAIN)
    assert not fused.isnan().any() and not torch.allclose(fused, reference)


@pytest.mark.parametrize("view", ["use_kg", "use_text"])
def test_each_view_changes_the_scores_of_the_gradient_path(view: str, scores_of) -> None:  # noqa: ANN001
    assert not torch.allclose(scores_of(backbone="mf", **PLAIN), scores_of(backbone="mf", **{view: False}, **PLAIN))


def test_the_text_prior_changes_the_default_closed_form(scores_of) -> None:  # noqa: ANN001
    with_text = scores_of()
    without = scores_of(backbone_kwargs={"prior_weights": {"text": 0.0, "kg": 0.0}})
    assert not torch.allclose(with_text, without)


@pytest.mark.parametrize("distiller", ["contrastive", "kg_text_align"])
def test_alignment_distillers_change_the_scores(distiller: str, scores_of) -> None:  # noqa: ANN001
    reference = scores_of(backbone="mf", cold_start="none")
    assert not torch.allclose(scores_of(backbone="mf", cold_start="none", distiller=distiller), reference)


def test_teacher_distillation_into_id_only_student(
    in_tmp: Path, fresh_plugins: None, on_slice: list[str], one_epoch: list[str], small_features: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _run(capsys, "--model=KGLLMRec", "--backbone=lightgcn", *on_slice, *one_epoch, *small_features)
    (teacher,) = (in_tmp / "saved").glob("KGLLMRec-*.pth")
    student_dir = in_tmp / "student"
    _run(
        capsys, "--model=KGLLMRec", "--backbone=mf", "--use_kg=False", "--use_text=False", "--distiller=teacher",
        f"--teacher_checkpoint={teacher}", f"--checkpoint_dir={student_dir}", *on_slice,
        *[arg for arg in one_epoch if not arg.startswith("--checkpoint_dir=")], *small_features,
    )
    (student,) = student_dir.glob("KGLLMRec-*.pth")
    _config, model, *_ = load_data_and_model(str(student))
    assert model.backbone.teacher is not None
    assert not any(name.startswith("backbone.teacher") for name in model.state_dict())  # the teacher is not saved


def test_kg_multitask_loss_runs_and_is_logged(
    in_tmp: Path, fresh_plugins: None, on_slice: list[str], one_epoch: list[str], small_features: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    _run(capsys, "--model=KGLLMRec", "--backbone=mf", "--fusion=gated", "--kg_loss_weight=0.1",
         *on_slice, *one_epoch, *small_features)
    (run_dir,) = (in_tmp / "log_tensorboard").iterdir()
    events = EventAccumulator(str(run_dir))
    events.Reload()
    tags = set(events.Tags()["scalars"])
    assert {"Loss/softmax", "Loss/reg", "Loss/kg", "Loss/cold_start"} <= tags  # the default loss
    assert {"Fusion/item/id", "Fusion/item/kg", "Fusion/item/text"} <= tags
    weights = [events.Scalars(f"Fusion/item/{m}")[0].value for m in ("id", "kg", "text")]
    assert sum(weights) == pytest.approx(1.0, abs=1e-3)


def test_sequential_sibling_runs_and_reads_its_views(scores_of) -> None:  # noqa: ANN001
    settings = {"MAX_ITEM_LIST_LENGTH": 20, "n_layers": 1}
    fused = scores_of("KGLLMSeqRec", **settings)
    assert not fused.isnan().any() and bool((fused > -torch.inf).any())
    assert not torch.allclose(fused, scores_of("KGLLMSeqRec", use_kg=False, use_text=False, **settings))


def test_example_plugin_fusion_is_usable_by_name(
    in_tmp: Path, fresh_plugins: None, on_slice: list[str], one_epoch: list[str], small_features: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("kgllm_film", reason="the example plugin plugins/kgllm-film is not installed")
    _run(capsys, "--model=KGLLMRec", "--backbone=mf", "--fusion=film", *on_slice, *one_epoch, *small_features)
