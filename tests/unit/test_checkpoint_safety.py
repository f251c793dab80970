"""Malicious pickles never run: the restricted unpickler, RecBole's own ``torch.load`` calls (through
the compat wrapper), ``recbole.quick_start.load_data_and_model`` and RecBole's saved
dataset/dataloader files. Each malicious file carries a ``__reduce__`` payload that would create
a marker file."""
from __future__ import annotations

import builtins
import pickle
from pathlib import Path
from typing import Any

import pytest
import torch

from recbole_kgllm.errors import UntrustedCheckpointError
from recbole_kgllm.recbole_integration.compat import apply_compat, checkpoint, saved_data
from recbole_kgllm.recbole_integration.compat.safe_unpickle import RefusedGlobal, restricted_loads
from recbole_kgllm.recbole_integration.compat.trust import ENV_TRUST, checkpoints_trusted, trusted_checkpoints


class Payload:
    """Unpickling this runs ``exec`` (here: creates ``marker``)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return builtins.exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",)


class SneakyCall:
    """A payload built only from allowed *names*: calls the model class (values only)."""

    def __reduce__(self) -> tuple[Any, ...]:
        from recbole.model.general_recommender.bpr import BPR

        return BPR, ({}, None)


def _malicious_checkpoint(tmp_path: Path, where: str = "config") -> tuple[Path, Path]:
    marker = tmp_path / "pwned.txt"
    state: dict[str, Any] = {"config": {"model": "BPR"}, "state_dict": {"w": torch.ones(2)}, "other_parameter": None}
    if where == "config":
        state["config"]["evil"] = Payload(marker)
    else:
        state["other_parameter"] = Payload(marker)
    path = tmp_path / "BPR-evil.pth"
    torch.save(state, path, pickle_protocol=4)  # exactly as RecBole's trainer saves
    return path, marker


def _load_as(module_name: str, path: Path) -> Any:
    namespace = {"__name__": module_name, "torch": torch, "path": str(path)}
    exec("result = torch.load(path)", namespace)
    return namespace["result"]


@pytest.fixture
def compat_on() -> None:
    apply_compat()


@pytest.mark.parametrize("where", ["config", "other_parameter"])
def test_our_loader_refuses_and_the_payload_never_runs(tmp_path: Path, where: str) -> None:
    path, marker = _malicious_checkpoint(tmp_path, where)
    with pytest.raises(UntrustedCheckpointError) as caught:
        checkpoint.load_recbole_checkpoint(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and "builtins.exec" in message and "--trust_checkpoint" in message
    assert not marker.exists()


@pytest.mark.parametrize("caller", ["recbole.trainer.trainer", "recbole.quick_start.quick_start", "recbole.model.general_recommender.neumf"])
def test_recbole_internal_reloads_refuse(tmp_path: Path, compat_on: None, caller: str) -> None:
    path, marker = _malicious_checkpoint(tmp_path)
    with pytest.raises(UntrustedCheckpointError, match="builtins.exec"):
        _load_as(caller, path)
    assert not marker.exists()


def test_recbole_load_data_and_model_refuses(tmp_path: Path, compat_on: None) -> None:
    from recbole.quick_start import load_data_and_model

    path, marker = _malicious_checkpoint(tmp_path)
    with pytest.raises(UntrustedCheckpointError):
        load_data_and_model(str(path))
    assert not marker.exists()


def test_calling_an_allowed_value_only_class_is_refused() -> None:
    with pytest.raises(RefusedGlobal, match="BPR.*call|call.*BPR"):
        restricted_loads(pickle.dumps(SneakyCall(), protocol=4))


@pytest.mark.parametrize("value", [
    {"a": [1, 2.5, "x", None, True], "b": (1, 2), "c": {1, 2}},
    torch.device("cpu"),
])
def test_plain_values_round_trip(value: Any) -> None:
    assert restricted_loads(pickle.dumps(value, protocol=4)) == value


def test_recbole_config_round_trips_but_calling_config_is_refused() -> None:
    from recbole.config import Config

    config = Config.__new__(Config)
    config.final_config_dict = {"model": "BPR", "device": torch.device("cpu")}
    loaded = restricted_loads(pickle.dumps(config, protocol=4))
    assert type(loaded) is Config and loaded.final_config_dict == config.final_config_dict

    class CallsConfig:
        def __reduce__(self) -> tuple[Any, ...]:
            return Config, ("BPR", "ml-100k", None, {"x": "__import__('os')"})

    with pytest.raises(RefusedGlobal, match="call"):
        restricted_loads(pickle.dumps(CallsConfig(), protocol=4))


def test_build_on_a_class_is_refused() -> None:
    from recbole.model.general_recommender.bpr import BPR

    class Patches:
        def __reduce__(self) -> tuple[Any, ...]:
            return (getattr, (BPR, "__class__"))  # any REDUCE of getattr is refused too

    with pytest.raises(RefusedGlobal):
        restricted_loads(pickle.dumps(Patches(), protocol=4))
    data = pickle.dumps(BPR, protocol=4)[:-1] + pickle.EMPTY_DICT + pickle.BUILD + pickle.STOP  # BPR.__dict__ update
    with pytest.raises(RefusedGlobal, match="state update"):
        restricted_loads(data)


def test_trust_opt_ins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_TRUST, raising=False)
    assert not checkpoints_trusted()
    with trusted_checkpoints():
        assert checkpoints_trusted()
    with trusted_checkpoints(False):
        assert not checkpoints_trusted()
    monkeypatch.setenv(ENV_TRUST, "1")
    assert checkpoints_trusted()


def test_trusted_file_loads_in_full(tmp_path: Path) -> None:
    path = tmp_path / "ns.pth"
    import argparse

    torch.save({"config": argparse.Namespace(model="BPR"), "state_dict": {}}, path, pickle_protocol=4)
    with pytest.raises(UntrustedCheckpointError, match="argparse.Namespace"):
        checkpoint.load_recbole_checkpoint(path)
    assert checkpoint.load_recbole_checkpoint(path, trust=True)["config"].model == "BPR"


@pytest.mark.parametrize("kind", ["dataset", "dataloaders"])
def test_saved_dataset_pickles_are_refused(tmp_path: Path, compat_on: None, kind: str) -> None:
    from recbole.data.utils import create_dataset, load_split_dataloaders
    from recbole.utils import ModelType

    assert saved_data.is_saved_data_guard_installed()
    marker = tmp_path / "pwned.txt"
    evil = tmp_path / f"evil-{kind}.pth"
    evil.write_bytes(pickle.dumps(Payload(marker)))
    config = {
        "model": "BPR", "MODEL_TYPE": ModelType.GENERAL, "checkpoint_dir": str(tmp_path), "dataset": "x",
        "dataset_save_path": str(evil), "dataloaders_save_path": str(evil),
    }
    with pytest.raises(UntrustedCheckpointError) as caught:
        (create_dataset if kind == "dataset" else load_split_dataloaders)(config)
    assert str(evil) in str(caught.value) and "--trust_checkpoint" in str(caught.value)
    assert not marker.exists()


def test_garbage_file_is_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "garbage.pth"
    path.write_bytes(b"not a checkpoint at all")
    from recbole_kgllm.errors import KGLLMError

    with pytest.raises(KGLLMError, match="not a readable RecBole checkpoint"):
        checkpoint.load_recbole_checkpoint(path)


def test_run_wide_keys_are_documented_with_their_defaults() -> None:
    from recbole_kgllm.recbole_integration.compat.trust import CONFIG_KEY as TRUST
    from recbole_kgllm.recbole_integration.validation import CONFIG_KEY as VALIDATE

    doc = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
    section = doc.split("## Run-wide settings (any model)")[1]
    assert f"| `{TRUST}` | `False` | bool |" in section and f"| `{VALIDATE}` | `True` | bool |" in section


@pytest.mark.parametrize("smuggled", ["config", "model", "yaml"])
def test_values_only_classes_cannot_be_called_through_an_allowed_function(smuggled: str) -> None:
    """torch's ``_rebuild_from_type_v2(func, new_type, args, state)`` calls ``func``: a class the
    pickle may only hold as a value (or create empty) must not reach it, nor a tensor's hooks."""
    import yaml
    from recbole.config import Config
    from recbole.model.general_recommender.bpr import BPR

    target = {"config": Config, "model": BPR, "yaml": yaml.FullLoader}[smuggled]

    class ThroughTorch:
        def __reduce__(self) -> tuple[Any, ...]:
            return torch._tensor._rebuild_from_type_v2, (target, torch.Tensor, ("x",), {})

    class AsHook:
        def __reduce__(self) -> tuple[Any, ...]:
            from collections import OrderedDict

            return torch._utils._rebuild_parameter, (torch.zeros(1), True, OrderedDict([(0, target)]))

    import io

    from recbole_kgllm.recbole_integration.compat.safe_unpickle import RESTRICTED_PICKLE

    for payload in (ThroughTorch(), AsHook()):
        buffer = io.BytesIO()
        torch.save({"x": payload}, buffer, pickle_protocol=4)
        buffer.seek(0)
        with pytest.raises(RefusedGlobal, match="argument"):
            torch.load(buffer, weights_only=False, pickle_module=RESTRICTED_PICKLE)
