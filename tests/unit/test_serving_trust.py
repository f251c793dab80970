"""``recommend``, ``serve`` and ``export`` pass ``--trust_checkpoint`` through the package's
``load_data_and_model`` to the checkpoint loader (and leave the allow-list on without it)."""
from __future__ import annotations

import pytest

import recbole_kgllm
import recbole_kgllm.recbole_integration.checkpoint as checkpoint
from recbole_kgllm.serving import cli


class _Loaded(Exception):
    def __init__(self, trust: bool) -> None:
        super().__init__("loaded")
        self.trust = trust


def _fake_loader(path: str, *, trust_checkpoint: bool = False) -> None:
    raise _Loaded(trust_checkpoint)


@pytest.mark.parametrize(
    ("argv", "main"),
    [
        (["--checkpoint", "m.pth", "--user", "1"], cli.recommend_main),
        (["--checkpoint", "m.pth"], cli.serve_main),
        (["--checkpoint", "m.pth", "--out", "x"], cli.export_main),
    ],
)
@pytest.mark.parametrize("trust", [False, True])
def test_the_trust_flag_reaches_the_loader(monkeypatch: pytest.MonkeyPatch, argv: list[str], main, trust: bool) -> None:  # noqa: ANN001
    monkeypatch.setattr(checkpoint, "load_data_and_model", _fake_loader)
    with pytest.raises(_Loaded) as loaded:
        main(argv + (["--trust_checkpoint"] if trust else []))
    assert loaded.value.trust is trust


@pytest.mark.parametrize("trust", [False, True])
def test_the_package_function_forwards_trust(monkeypatch: pytest.MonkeyPatch, trust: bool) -> None:
    monkeypatch.setattr(checkpoint, "load_data_and_model", _fake_loader)
    with pytest.raises(_Loaded) as loaded:
        recbole_kgllm.load_data_and_model("m.pth", trust_checkpoint=trust)
    assert loaded.value.trust is trust
