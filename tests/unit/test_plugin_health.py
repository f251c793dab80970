"""Broken third-party plugins: an import error, a hook that raises, a name clash, a misspelt hook.
Each is named in one line with its distribution, and the rest of the package keeps working."""
from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from recbole_kgllm import cli
from recbole_kgllm.errors import BrokenPluginError, PluginConflictError, UnknownComponentError
from recbole_kgllm.plugins import load_plugins
from recbole_kgllm.registry import get_registry

GOOD = '''
from recbole_kgllm import hookimpl

class EchoDistiller:
    name = "echo"

@hookimpl
def kgllm_register_distillers(register):
    register(EchoDistiller)
'''
IMPORT_ERROR = "import no_such_dependency_xyz\n"
RAISING_HOOK = '''
from recbole_kgllm import hookimpl

class Half:
    name = "half"

@hookimpl
def kgllm_register_fusions(register):
    register(Half)
    raise RuntimeError("hook exploded")
'''
CLASH = '''
from recbole_kgllm import hookimpl

class Gated:
    name = "gated"

@hookimpl
def kgllm_register_fusions(register):
    register(Gated)
'''
MISSPELT = '''
from recbole_kgllm import hookimpl

@hookimpl
def kgllm_register_fusion(register):
    pass
'''


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_plugins: None) -> Iterator[object]:
    """``install(ep_name, code)``: a real dist-info + module with a ``recbole_kgllm`` entry point."""
    modules: list[str] = []
    monkeypatch.syspath_prepend(str(tmp_path))

    def make(name: str, code: str) -> None:
        module = f"{name}_module"
        (tmp_path / f"{module}.py").write_text(code)
        dist = tmp_path / f"{name}_dist-0.4.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}-dist\nVersion: 0.4\n")
        (dist / "entry_points.txt").write_text(f"[recbole_kgllm]\n{name} = {module}\n")
        modules.append(module)

    yield make
    for module in modules:
        sys.modules.pop(module, None)


def test_import_error_is_named_and_skipped(install: object, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    install("echo", GOOD)  # type: ignore[operator]
    install("broken", IMPORT_ERROR)  # type: ignore[operator]
    with caplog.at_level(logging.WARNING):
        assert get_registry("distiller").entry("echo").plugin == "echo"  # the good plugin still loads
    (line,) = [r.getMessage() for r in caplog.records if "broken" in r.getMessage()]
    assert "plugin 'broken' (distribution broken-dist 0.4)" in line and "ModuleNotFoundError" in line and "\n" not in line
    assert get_registry("fusion").get("gated") is not None  # built-ins too
    from recbole_kgllm.recbole_integration.model_lookup import resolve_model

    assert resolve_model("BPR").__name__ == "BPR" and resolve_model("KGLLMRec").__name__ == "KGLLMRec"
    with pytest.raises(UnknownComponentError, match="failed to load.*broken-dist"):
        get_registry("fusion").entry("whatever_broken_provides")

    assert cli.main(["plugins", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [b["name"] for b in report["broken"]] == ["broken"] and report["broken"][0]["distribution"] == "broken-dist 0.4"
    assert cli.main(["plugins"]) == 0
    assert "Broken plugins (skipped):" in capsys.readouterr().out


def test_run_recbole_with_a_broken_plugin_names_it_for_an_unknown_model(install: object, capsys: pytest.CaptureFixture[str]) -> None:
    install("broken", IMPORT_ERROR)  # type: ignore[operator]
    assert cli.run_recbole_main(["--model=NoSuchModel"]) == 2
    err = capsys.readouterr().err
    assert "unknown model 'NoSuchModel'" in err and "broken-dist 0.4" in err and "Traceback" not in err


def test_raising_hook_is_named_and_its_registrations_dropped(install: object, caplog: pytest.LogCaptureFixture) -> None:
    install("raiser", RAISING_HOOK)  # type: ignore[operator]
    with caplog.at_level(logging.WARNING):
        fusions = get_registry("fusion")
    assert "half" not in fusions and "gated" in fusions
    (line,) = [r.getMessage() for r in caplog.records if "raiser" in r.getMessage()]
    assert "hook kgllm_register_fusions" in line and "raiser-dist 0.4" in line and "hook exploded" in line


def test_name_clash_names_both_plugins_and_only_that_name_fails(install: object) -> None:
    install("clasher", CLASH)  # type: ignore[operator]
    fusions = get_registry("fusion")
    with pytest.raises(PluginConflictError) as info:
        fusions.entry("gated")
    assert "'kgllm.fusions' (built-in)" in str(info.value) and "'clasher' (distribution clasher-dist 0.4)" in str(info.value)
    assert fusions.get("concat") is not None


def test_misspelt_hook_is_an_error_naming_the_plugin(install: object, capsys: pytest.CaptureFixture[str]) -> None:
    install("typo", MISSPELT)  # type: ignore[operator]
    with pytest.raises(BrokenPluginError, match="'typo'.*typo-dist 0.4.*kgllm_register_fusion'.*did you mean 'kgllm_register_fusions'"):
        load_plugins()
    assert cli.main(["plugins"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "RECBOLE_KGLLM_BLOCK_PLUGINS=typo" in err


def test_blocking_the_broken_plugin_silences_it(install: object, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    install("typo", MISSPELT)  # type: ignore[operator]
    monkeypatch.setenv("RECBOLE_KGLLM_BLOCK_PLUGINS", "typo")
    with caplog.at_level(logging.WARNING):
        assert "gated" in get_registry("fusion")
    assert not caplog.records
