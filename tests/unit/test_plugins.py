"""Plugin manager: built-ins, entry-point discovery, env switches, the plugins command."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from recbole_kgllm import cli
from recbole_kgllm.plugins import DEFAULT_PLUGINS, load_plugins
from recbole_kgllm.registry import get_registry

PLUGIN_CODE = '''
from recbole_kgllm import hookimpl

class EchoDistiller:
    name = "echo"

@hookimpl
def kgllm_register_distillers(register):
    register(EchoDistiller)
'''


@pytest.fixture
def installed_entry_point_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_plugins: None) -> str:
    """A real distribution (dist-info + module) on sys.path with a ``recbole_kgllm`` entry point."""
    (tmp_path / "echo_plugin.py").write_text(PLUGIN_CODE)
    dist = tmp_path / "echo_plugin-1.2.3.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: echo-plugin\nVersion: 1.2.3\n")
    (dist / "entry_points.txt").write_text("[recbole_kgllm]\necho = echo_plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "echo"
    sys.modules.pop("echo_plugin", None)


def test_builtins_are_registered_through_hooks(fresh_plugins: None) -> None:
    pm = load_plugins()
    assert set(DEFAULT_PLUGINS) <= {name for name, _ in pm.list_name_plugin()}


def test_entry_point_plugin_is_discovered(installed_entry_point_plugin: str) -> None:
    assert get_registry("distiller").entry("echo").plugin == "echo"


def test_autoload_can_be_disabled(installed_entry_point_plugin: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECBOLE_KGLLM_DISABLE_AUTOLOAD", "1")
    assert "echo" not in get_registry("distiller")


def test_named_plugins_can_be_blocked(installed_entry_point_plugin: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECBOLE_KGLLM_BLOCK_PLUGINS", "other, echo")
    assert "echo" not in get_registry("distiller")


def test_plugins_command_json_lists_versions_and_components(
    installed_entry_point_plugin: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["plugins", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    versions = {p["name"]: p["version"] for p in report["plugins"]}
    assert versions["echo"] == "echo-plugin 1.2.3"
    assert set(report["components"]) == {"model", "fusion", "distiller", "text_encoder", "backbone"}
    assert {e["name"] for e in report["components"]["backbone"]} >= {"ease", "lightgcn", "mf"}
    echo = [e for e in report["components"]["distiller"] if e["name"] == "echo"]
    assert echo == [{"name": "echo", "class": "echo_plugin.EchoDistiller", "plugin": "echo"}]


def test_plugins_command_text_groups_by_family(test_plugin: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "Plugins:" in out and "kgllm-test-plugin" in out
    model_section = out.split("model (")[1].split("\n", 1)[1]
    assert "PluginTestMF" in model_section.split("fusion (")[0]


def test_importing_the_package_loads_nothing_heavy() -> None:
    import subprocess

    code = "import sys, recbole_kgllm; print(any(m.startswith(('recbole.', 'torch', 'pykeen', 'transformers')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
