"""Shared fixtures: isolated plugin state, working directory and command line."""
from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

FIXTURES = Path(__file__).parent / "fixtures"
INTEGRATION = Path(__file__).parent / "integration"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under ``tests/integration/`` (real RecBole, PyKEEN and MiniLM runs) with
    ``integration``, so ``pytest -m "not integration"`` is the fast tier."""
    for item in items:
        if INTEGRATION in item.path.parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def fresh_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Process-wide plugin manager and registries rebuilt from scratch, before and after."""
    from recbole_kgllm.plugins import reset_plugins

    monkeypatch.delenv("RECBOLE_KGLLM_BLOCK_PLUGINS", raising=False)
    reset_plugins()
    yield
    reset_plugins()


@pytest.fixture
def test_plugin(fresh_plugins: None, monkeypatch: pytest.MonkeyPatch) -> object:
    """The fixture plugin ``kgllm_test_plugin`` registered on the process-wide manager."""
    monkeypatch.syspath_prepend(str(FIXTURES))
    import kgllm_test_plugin

    from recbole_kgllm.plugins import load_plugins

    load_plugins().register(kgllm_test_plugin, name="kgllm-test-plugin")
    return kgllm_test_plugin


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in ``tmp_path`` (RecBole writes log/, log_tensorboard/, saved/ in the cwd) with a bare argv."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["pytest"])
    return tmp_path


@pytest.fixture
def one_epoch(tmp_path: Path) -> list[str]:
    """Settings that keep a real RecBole run to one epoch, writing only under ``tmp_path``."""
    return [
        "--epochs=1",
        f"--checkpoint_dir={tmp_path / 'saved'}",
        "--show_progress=False",
        "--eval_batch_size=100000",
    ]


@pytest.fixture(scope="session")
def feature_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One feature store for the whole session: KG and text features are computed once."""
    return tmp_path_factory.mktemp("feature_cache")


@pytest.fixture
def small_features(feature_cache: Path) -> list[str]:
    """Settings that keep the real PyKEEN and MiniLM feature pipelines small (one KG epoch)."""
    return [
        f"--feature_cache_dir={feature_cache}",
        "--kg_epochs=1",
        "--kg_embedding_dim=16",
        "--kg_eval_max_triples=100",
    ]
