"""How the console scripts report failures: one line on stderr, exit code 2, never a traceback.

* Our own errors (:class:`~recbole_kgllm.errors.KGLLMError`) are user mistakes whose message
  already says what to fix: printed as they are.
* Anything else is unexpected (a bug, or a problem deep inside RecBole, pandas or PyKEEN): one
  line with the exception's type and first message line, and where the full traceback was
  written (the run's RecBole log when there is one, else a file in the temporary folder).
  ``RECBOLE_KGLLM_TRACEBACK=1`` prints the traceback as well.
"""
from __future__ import annotations

import logging
import os
import sys
import tempfile
import traceback
from pathlib import Path

__all__ = ["ENV_TRACEBACK", "EXIT_USAGE", "report_error", "report_unexpected"]

EXIT_USAGE = 2
#: Set to 1 to print the traceback of unexpected errors too.
ENV_TRACEBACK = "RECBOLE_KGLLM_TRACEBACK"


def report_error(prog: str, error: BaseException) -> int:
    """Print ``prog: error: <message>`` (first line only) on stderr; returns the exit code 2."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    print(f"{prog}: error: {text}", file=sys.stderr)
    return EXIT_USAGE


def _log_file() -> Path | None:
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler) and os.path.isfile(handler.baseFilename):
            return Path(handler.baseFilename)
    return None


def write_traceback(error: BaseException) -> Path:
    """Append ``error``'s traceback to the run's log file (or a new temporary file); returns the file."""
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    target = _log_file()
    if target is None:
        handle, name = tempfile.mkstemp(prefix="recbole-kgllm-error-", suffix=".log")
        os.close(handle)
        target = Path(name)
    with open(target, "a", encoding="utf-8") as out:
        out.write(text)
    return target


def report_unexpected(prog: str, error: BaseException) -> int:
    """One line for an unexpected exception, pointing to the file holding its traceback; returns 2."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    first = lines[0] if lines else ""
    if len(lines) > 1 and lines[-1] != first and "Traceback" in str(error):
        # a child process's error (torch's ``ProcessRaisedException``): its header and its cause
        first = f"{first} {lines[-1]}"
    where = write_traceback(error)
    if os.environ.get(ENV_TRACEBACK, "").strip().lower() in {"1", "true", "yes"}:
        traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)
    print(
        f"{prog}: error: unexpected {type(error).__name__}: {first[:300]} (full traceback in {where}; "
        f"set {ENV_TRACEBACK}=1 to print it)",
        file=sys.stderr,
    )
    return EXIT_USAGE
