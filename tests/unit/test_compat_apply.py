"""apply_compat: opt-in, idempotent, never shadows a real package, RecBole-only restricted checkpoint loads."""
from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from recbole_kgllm.recbole_integration import compat
from recbole_kgllm.errors import UntrustedCheckpointError
from recbole_kgllm.recbole_integration.compat import checkpoint, collector, distributed, saved_data, shims
from recbole_kgllm.recbole_integration.compat.trust import trusted_checkpoints

SHIM_NAMES = tuple(shims.SHIMS)
_real_find_spec = importlib.util.find_spec


@pytest.fixture
def clean_compat(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Start with neither stand-in nor wrapper; restore whatever was there afterwards."""
    saved_modules = {name: sys.modules.get(name) for name in SHIM_NAMES}
    saved_load = torch.load
    had_collector_fix = collector.uninstall_collector_fix()
    had_guard = saved_data.uninstall_saved_data_guard()
    had_cpu_ddp = distributed.uninstall_cpu_ddp()
    checkpoint.uninstall_checkpoint_loading()
    for name in SHIM_NAMES:
        shims.uninstall_shim(name)
    yield
    checkpoint.uninstall_checkpoint_loading()
    torch.load = saved_load
    collector.uninstall_collector_fix()
    if had_collector_fix:
        collector.install_collector_fix()
    saved_data.uninstall_saved_data_guard()
    if had_guard:
        saved_data.install_saved_data_guard()
    distributed.uninstall_cpu_ddp()
    if had_cpu_ddp:
        distributed.install_cpu_ddp()
    for name, module in saved_modules.items():
        if module is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = module


def _fake_find_spec(monkeypatch: pytest.MonkeyPatch, *, present: set[str]) -> None:
    """Make ``find_spec`` say the stand-in names are installed exactly when listed in ``present``."""

    def fake(name: str, package: str | None = None) -> importlib.machinery.ModuleSpec | None:
        if name in SHIM_NAMES and name not in sys.modules:
            return importlib.machinery.ModuleSpec(name, None) if name in present else None
        return _real_find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", fake)


def test_importing_the_package_changes_nothing() -> None:
    code = (
        "import sys, recbole_kgllm, recbole_kgllm.recbole_integration.compat as c\n"
        "import torch\n"
        "print(sorted(n for n in ('dgl', 'torch_scatter') if n in sys.modules),"
        " c.checkpoint.is_checkpoint_loading_installed())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[] False"


def test_apply_installs_missing_modules_with_specs(clean_compat: None, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_find_spec(monkeypatch, present=set())
    assert compat.compat_status().modules == {"dgl": "missing", "torch_scatter": "missing"}
    report = compat.apply_compat()
    assert dict(report.modules) == {"dgl": "shim", "torch_scatter": "shim"}
    assert len(report.changes) == 5 + int(checkpoint.needs_checkpoint_fix())  # + the collector fix, saved-data guard, CPU DDP
    assert report.beyond_accuracy_metrics
    for name in SHIM_NAMES:
        module = sys.modules[name]
        assert shims.is_shim(module)
        spec = _real_find_spec(name)
        assert spec is not None and spec.name == name and spec is module.__spec__
    import dgl
    from torch_scatter import scatter_mean, scatter_softmax

    g = dgl.graph((torch.tensor([0, 1]), torch.tensor([1, 2])))
    assert g.num_nodes() == 3
    assert scatter_mean(torch.ones(2), torch.tensor([0, 0]), dim=0).tolist() == [1.0]
    assert scatter_softmax(torch.zeros(2), torch.tensor([1, 1]), dim=0).tolist() == [0.5, 0.5]


def test_apply_is_idempotent(clean_compat: None, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_find_spec(monkeypatch, present=set())
    first = compat.apply_compat()
    modules = {name: sys.modules[name] for name in SHIM_NAMES}
    load = torch.load
    second = compat.apply_compat()
    assert first.changes and second.changes == ()
    assert second.modules == first.modules and second.checkpoint_loading == first.checkpoint_loading
    assert all(sys.modules[name] is modules[name] for name in SHIM_NAMES)
    assert torch.load is load


def test_real_packages_are_never_shadowed(clean_compat: None, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_find_spec(monkeypatch, present={"dgl"})  # "dgl" installed but not yet imported
    real_scatter = types.ModuleType("torch_scatter")  # "torch_scatter" already imported
    monkeypatch.setitem(sys.modules, "torch_scatter", real_scatter)
    report = compat.apply_compat()
    assert dict(report.modules) == {"dgl": "real", "torch_scatter": "real"}
    assert "dgl" not in sys.modules
    assert sys.modules["torch_scatter"] is real_scatter
    assert not any("stand-in" in change for change in report.changes)


def test_status_changes_nothing(clean_compat: None) -> None:
    before = {name: sys.modules.get(name) for name in SHIM_NAMES}
    status = compat.compat_status()
    assert status.changes == ()
    assert {name: sys.modules.get(name) for name in SHIM_NAMES} == before
    assert not checkpoint.is_checkpoint_loading_installed()
    assert "dgl:" in str(status) and "checkpoint loading" in str(status)


def test_checkpoint_wrapper_skipped_when_torch_does_not_need_it(
    clean_compat: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoint, "needs_checkpoint_fix", lambda: False)
    assert compat.apply_compat().checkpoint_loading == "not-needed"
    assert not checkpoint.is_checkpoint_loading_installed()


def _recbole_like_checkpoint(tmp_path: Path, config: object = None) -> Path:
    path = tmp_path / "model.pth"
    state = {"config": {"model": "BPR"} if config is None else config, "state_dict": {"w": torch.ones(2)}}
    torch.save(state, path, pickle_protocol=4)  # as recbole.trainer.Trainer._save_checkpoint does
    return path


def _load_from_module(module_name: str, path: Path, **kwargs: object) -> object:
    """Call ``torch.load`` from code whose module ``__name__`` is ``module_name``."""
    namespace = {"__name__": module_name, "torch": torch, "path": str(path), "kwargs": kwargs}
    exec("result = torch.load(path, **kwargs)", namespace)
    return namespace["result"]


@pytest.mark.skipif(not checkpoint.needs_checkpoint_fix(), reason="torch < 2.6 loads RecBole checkpoints")
def test_only_recbole_callers_get_weights_only_false(
    clean_compat: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _recbole_like_checkpoint(tmp_path)
    with pytest.raises(Exception, match="[Ww]eights only load failed"):
        _load_from_module("recbole.trainer.trainer", path)  # before apply: torch's default
    compat.apply_compat()
    loaded = _load_from_module("recbole.trainer.trainer", path)
    assert loaded["config"]["model"] == "BPR" and torch.equal(loaded["state_dict"]["w"], torch.ones(2))
    assert _load_from_module("recbole", path)["config"]["model"] == "BPR"
    for other in ("recbole_kgllm.anything", "some_library", "__main__"):
        with pytest.raises(Exception, match="[Ww]eights only load failed"):
            _load_from_module(other, path)
    with pytest.raises(Exception, match="[Ww]eights only load failed"):
        _load_from_module("recbole.trainer.trainer", path, weights_only=True)  # explicit choice wins
    monkeypatch.setenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "1")
    with pytest.raises(Exception, match="[Ww]eights only load failed"):
        _load_from_module("recbole.trainer.trainer", path)  # the user's strict setting wins
    monkeypatch.delenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD")
    assert checkpoint.uninstall_checkpoint_loading()
    assert not hasattr(torch.load, "__recbole_kgllm_original_load__")


def test_load_recbole_checkpoint_reads_protocol_4_files(clean_compat: None, tmp_path: Path) -> None:
    loaded = checkpoint.load_recbole_checkpoint(_recbole_like_checkpoint(tmp_path), map_location="cpu")
    assert loaded["config"]["model"] == "BPR"


@pytest.mark.skipif(not checkpoint.needs_checkpoint_fix(), reason="torch < 2.6 loads RecBole checkpoints")
def test_recbole_callers_refuse_types_outside_the_allow_list_unless_trusted(clean_compat: None, tmp_path: Path) -> None:
    path = _recbole_like_checkpoint(tmp_path, argparse.Namespace(model="BPR"))
    compat.apply_compat()
    with pytest.raises(UntrustedCheckpointError, match=r"model\.pth.*argparse\.Namespace.*--trust_checkpoint"):
        _load_from_module("recbole.trainer.trainer", path)
    with pytest.raises(UntrustedCheckpointError, match="argparse.Namespace"):
        checkpoint.load_recbole_checkpoint(path)
    with trusted_checkpoints():
        assert _load_from_module("recbole.trainer.trainer", path)["config"].model == "BPR"
    assert checkpoint.load_recbole_checkpoint(path, trust=True)["config"].model == "BPR"


def test_cpu_ddp_shim_wraps_and_unwraps_recbole(clean_compat: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from recbole.config.configurator import Config
    from recbole.trainer import trainer as trainer_module

    original_init, original_ddp = Config._init_device, trainer_module.DistributedDataParallel
    assert distributed.install_cpu_ddp() and not distributed.install_cpu_ddp()
    assert distributed.is_cpu_ddp_installed() and Config._init_device is not original_init
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert distributed.wants_gloo({}) and distributed.wants_gloo({"ddp_backend": "gloo"})
    assert not distributed.wants_gloo({"ddp_backend": "nccl"})
    assert distributed.uninstall_cpu_ddp()
    assert Config._init_device is original_init and trainer_module.DistributedDataParallel is original_ddp
