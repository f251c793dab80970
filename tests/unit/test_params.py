"""KGLLMRec's typed parameters reject settings the chosen backbone would silently ignore."""
from __future__ import annotations

import pytest

from recbole_kgllm.errors import ConfigError, UnknownComponentError
from recbole_kgllm.model.params import KGLLMRecParams
from recbole_kgllm.registry import resolve


@pytest.mark.parametrize("setting", [{"kg_loss_weight": 0.1}, {"id_dropout": 0.2}])
def test_ease_backbone_rejects_gradient_only_settings(setting: dict) -> None:
    with pytest.raises(ConfigError) as err:
        KGLLMRecParams.from_config({"backbone": "ease", **setting})
    name = next(iter(setting))
    assert name in str(err.value) and "backbones that use it: lightgcn, mf" in str(err.value)


@pytest.mark.parametrize("backbone", ["mf", "lightgcn"])
def test_gradient_backbones_accept_them(backbone: str) -> None:
    params = KGLLMRecParams.from_config({"backbone": backbone, "fusion": "gated", "kg_loss_weight": 0.1})
    assert (params.fusion, params.kg_loss_weight) == ("gated", 0.1)


def test_ease_accepts_defaults_spelled_out() -> None:
    defaults = KGLLMRecParams()
    ignored = set(KGLLMRecParams.model_settings()) - resolve("backbone", "ease").reads
    assert {"kg_loss_weight", "teacher_checkpoint", "id_dropout"} <= ignored
    assert {"fusion", "distiller", "fusion_kwargs", "distiller_kwargs"}.isdisjoint(ignored)  # the content path reads them
    spelled = {name: getattr(defaults, name) for name in ignored}
    assert KGLLMRecParams.from_config({"backbone": "ease", **spelled}).backbone == "ease"


def test_ease_takes_the_strategies_of_its_content_path() -> None:
    params = KGLLMRecParams.from_config({"backbone": "ease", "fusion": "film", "distiller": "teacher"})
    assert (params.fusion, params.distiller) == ("film", "teacher")  # the teacher is EASE itself: no checkpoint


def test_unknown_fusion_is_reported_before_the_backbone_check() -> None:
    with pytest.raises(UnknownComponentError, match="nosuch"):
        KGLLMRecParams.from_config({"backbone": "ease", "fusion": "nosuch"})
