"""The test suite collects as one run: pytest (rootdir imports, no packages) refuses two test
files with the same name in different folders, and then ``make test`` collects nothing."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_two_test_files_share_a_name() -> None:
    files = [p for folder in ("tests", "plugins") for p in (ROOT / folder).rglob("test_*.py") if ".venv" not in p.parts]
    twice = sorted(name for name, n in Counter(p.name for p in files).items() if n > 1)
    assert files and not twice, f"test files with the same name: {twice}"
