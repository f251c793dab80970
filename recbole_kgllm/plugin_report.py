"""What ``recbole-kgllm plugins`` shows: loaded plugins with versions and every component."""
from __future__ import annotations

import json
from typing import Any

from recbole_kgllm.plugin_health import broken_plugins
from recbole_kgllm.plugins import load_plugins, plugin_versions
from recbole_kgllm.registry import get_registries


def _qualname(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


def plugin_report() -> dict[str, Any]:
    """``{"plugins": [{name, version}], "broken": [{name, distribution, stage, error}],
    "components": {family: [{name, class, plugin}]}}``."""
    pm = load_plugins()
    registries = get_registries()
    versions = plugin_versions(pm)
    return {
        "plugins": [{"name": n, "version": v} for n, v in sorted(versions.items())],
        "broken": [vars(b) for b in broken_plugins(pm)],
        "conflicts": {f: {k: list(v) for k, v in r.conflicts.items()} for f, r in registries.items() if r.conflicts},
        "components": {
            family: [{"name": e.name, "class": _qualname(e.obj), "plugin": e.plugin} for e in registry]
            for family, registry in registries.items()
        },
    }


def format_report(report: dict[str, Any], *, as_json: bool = False) -> str:
    """Human-readable (or JSON) text of :func:`plugin_report`."""
    if as_json:
        return json.dumps(report, indent=2)
    lines = ["Plugins:"]
    lines += [f"  {p['name']:<28} {p['version']}" for p in report["plugins"]]
    if report.get("broken"):
        lines.append("Broken plugins (skipped):")
        lines += [f"  {b['name']:<28} {b['distribution']}: {b['stage']}: {b['error']}" for b in report["broken"]]
    for family, names in (report.get("conflicts") or {}).items():
        lines += [f"Conflict: {family} '{name}' registered by {' and by '.join(plugins)} (neither used)" for name, plugins in names.items()]
    for family, entries in report["components"].items():
        lines.append(f"{family} ({len(entries)}):")
        lines += [f"  {e['name']:<20} {e['class']}  [{e['plugin']}]" for e in entries] or ["  (none)"]
    return "\n".join(lines)
