"""Running a worker process while watching its memory, so that running out of memory is
reported as such, with the peak, instead of "worker died".

:func:`run_watched` polls the child's peak resident set size (``VmHWM`` in
``/proc/<pid>/status``, Linux) while it runs. The child's death by ``SIGKILL`` that we did not
send (the kernel's out-of-memory killer), a ``MemoryError`` in its log, or its passing an
optional ``memory_cap_mb`` (we then stop it ourselves: on a shared machine that is kinder than
waiting for the kernel) are all reported as out-of-memory with the last peak seen.
"""
from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

#: Seconds between two looks at the child's memory.
POLL_SECONDS = 0.5
#: Text in a worker's error or log that means it ran out of memory.
OOM_MARKERS = ("MemoryError", "Unable to allocate", "out of memory", "DefaultCPUAllocator: can't allocate")


def peak_rss_of(pid: int) -> float | None:
    """The peak resident set size of process ``pid`` in MiB (``None`` where unreadable)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


@dataclass(frozen=True)
class WatchedRun:
    """How a watched process ended.

    Attributes:
        returncode: the exit status (negative: killed by that signal); peak_rss_mb: the largest
        peak seen (``None`` if never readable); timed_out: stopped by the timeout; over_cap:
        stopped by us for passing ``memory_cap_mb``; killed: ended by a ``SIGKILL`` we did not send.
    """

    returncode: int
    peak_rss_mb: float | None
    timed_out: bool = False
    over_cap: bool = False
    killed: bool = False

    @property
    def out_of_memory(self) -> bool:
        """Stopped for its memory (by us or, most likely, the kernel)."""
        return self.over_cap or self.killed

    def oom_error(self, memory_cap_mb: float | None = None) -> str:
        """The one-line error of an out-of-memory end."""
        peak = f"{self.peak_rss_mb:.0f} MB" if self.peak_rss_mb is not None else "unknown"
        if self.over_cap:
            return f"out-of-memory: stopped at peak RSS {peak}, above the memory cap of {memory_cap_mb:.0f} MB"
        return f"out-of-memory: killed by SIGKILL (the kernel's out-of-memory killer) at peak RSS {peak}"


def run_watched(
    command: Sequence[str], *, cwd: str | Path | None = None, env: Mapping[str, str] | None = None,
    stdout: IO[str] | int | None = None, timeout: float | None = None, memory_cap_mb: float | None = None,
) -> WatchedRun:
    """Run ``command`` to its end, polling its peak memory (see the module docstring)."""
    process = subprocess.Popen(list(command), cwd=cwd, env=dict(env) if env is not None else None,
                               stdout=stdout, stderr=subprocess.STDOUT if stdout is not None else None)
    start, peak, timed_out, over_cap = time.monotonic(), None, False, False
    while process.poll() is None:
        seen = peak_rss_of(process.pid)
        if seen is not None:
            peak = max(peak or 0.0, seen)
        if memory_cap_mb is not None and peak is not None and peak > memory_cap_mb:
            over_cap = True
            process.kill()
        elif timeout is not None and time.monotonic() - start > timeout:
            timed_out = True
            process.kill()
        try:
            process.wait(timeout=POLL_SECONDS)
        except subprocess.TimeoutExpired:
            pass
    code = process.returncode
    killed = code == -signal.SIGKILL and not (timed_out or over_cap)
    return WatchedRun(returncode=code, peak_rss_mb=peak, timed_out=timed_out, over_cap=over_cap, killed=killed)


def is_oom_message(text: str) -> bool:
    """Whether ``text`` (an error line) says the process ran out of memory."""
    return any(marker in text for marker in OOM_MARKERS)


__all__ = ["OOM_MARKERS", "POLL_SECONDS", "WatchedRun", "is_oom_message", "peak_rss_of", "run_watched"]
