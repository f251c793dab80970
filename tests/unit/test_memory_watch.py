"""Out-of-memory is reported as such, with the peak (bench runner, scale benchmark)."""
from __future__ import annotations

import sys
from types import SimpleNamespace

import pytest

from recbole_kgllm.bench.memory_watch import WatchedRun, is_oom_message, run_watched
from recbole_kgllm.bench.runner import _memory_error

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

GROW = "import time\nx = []\nwhile True:\n    x.append(bytearray(20 * 2**20)); time.sleep(0.05)\n"


def test_a_process_over_the_cap_is_stopped_and_reported_out_of_memory() -> None:
    watched = run_watched([sys.executable, "-c", GROW], memory_cap_mb=150, timeout=60)
    assert watched.over_cap and watched.out_of_memory and not watched.timed_out
    assert watched.peak_rss_mb is not None and watched.peak_rss_mb > 150
    assert watched.oom_error(150).startswith("out-of-memory: stopped at peak RSS")


def test_a_sigkill_we_did_not_send_reads_as_the_kernel_oom_killer() -> None:
    watched = run_watched([sys.executable, "-c", "import os, signal; b = bytearray(50 * 2**20); os.kill(os.getpid(), signal.SIGKILL)"])
    assert watched.killed and watched.out_of_memory
    assert "out-of-memory: killed by SIGKILL" in watched.oom_error()
    assert "peak RSS" in watched.oom_error()


def test_normal_exit_and_timeout() -> None:
    assert run_watched([sys.executable, "-c", "pass"]).returncode == 0
    slow = run_watched([sys.executable, "-c", "import time; time.sleep(30)"], timeout=1)
    assert slow.timed_out and not slow.out_of_memory


def test_runner_error_column() -> None:
    died = WatchedRun(returncode=-9, peak_rss_mb=19500.0, killed=True)
    assert _memory_error(died, "worker died: x", "failed", None) == (
        "out-of-memory: killed by SIGKILL (the kernel's out-of-memory killer) at peak RSS 19500 MB"
    )
    raised = WatchedRun(returncode=1, peak_rss_mb=900.0)
    line = _memory_error(raised, "MemoryError: Unable to allocate 7.45 GiB", "failed", None)
    assert line.startswith("out-of-memory (peak RSS 900 MB): MemoryError")
    assert _memory_error(raised, "ValueError: bad", "failed", None) == "ValueError: bad"
    assert is_oom_message("RuntimeError: DefaultCPUAllocator: can't allocate memory")
    assert not is_oom_message(SimpleNamespace().__class__.__name__)
