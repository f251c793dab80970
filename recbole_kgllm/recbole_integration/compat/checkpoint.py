"""Let RecBole reload its own checkpoints under torch >= 2.6.

torch 2.6 changed ``torch.load``'s default to ``weights_only=True``. RecBole 1.2.1 calls
``torch.load(path)`` without that argument when it reloads the best model
(``Trainer.evaluate(load_best_model=True)``), resumes training (``resume_checkpoint``), in
``recbole.quick_start.load_data_and_model`` and when models read pre-trained files (NeuMF,
ConvNCF, NAIS, RaCT, S3Rec, KD_DAGFM). Every such file is a pickle RecBole itself wrote holding
its ``Config`` (and through it arbitrary user values), so the weights-only unpickler refuses it.

Options weighed, and the choice:

* ``torch.serialization.add_safe_globals([...RecBole types...])`` cannot work: RecBole saves
  with ``pickle_protocol=4`` and the weights-only unpickler rejects protocol 4's FRAME opcode
  outright ("Unsupported operand 149", checked on torch 2.13), before any global is looked at;
  the Config can also hold any user type.
* ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` works (torch honours it wherever the caller did not pass
  ``weights_only``), but it is process-wide, reaches every library's ``torch.load`` and is
  inherited by child processes.
* **Chosen:** wrap ``torch.load`` so that it passes ``weights_only=False`` only when the direct
  caller is a module of the ``recbole`` package (``recbole`` or ``recbole.*``; not
  ``recbole_kgllm``) and the caller did not choose ``weights_only`` itself. Every other caller,
  in this package or any library, keeps torch's safe default. The wrapper is installed only by
  :func:`recbole_kgllm.recbole_integration.compat.apply_compat`, only on torch >= 2.6, keeps
  ``torch.load``'s signature, and steps aside when the user sets
  ``TORCH_FORCE_WEIGHTS_ONLY_LOAD=1`` (then RecBole's reloads fail, as the user asked).

Safety trade-off: unpickling with ``weights_only=False`` can execute code embedded in the file.
The files RecBole loads are the user's own: checkpoints its trainer just wrote under the
configured ``checkpoint_dir``, or paths the user named (``load_data_and_model(path)``,
pre-training paths in the config). That is the trust torch < 2.6 gave every file; loading a
checkpoint from an untrusted source through RecBole remains as unsafe as it always was, and
this module does not widen it to any other caller.
"""
from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

__all__ = [
    "install_checkpoint_loading",
    "is_checkpoint_loading_installed",
    "load_recbole_checkpoint",
    "needs_checkpoint_fix",
    "uninstall_checkpoint_loading",
]

_ORIGINAL = "__recbole_kgllm_original_load__"
_TRUE = {"1", "y", "yes", "true"}


def needs_checkpoint_fix() -> bool:
    """True when this torch defaults ``torch.load`` to ``weights_only=True`` (torch >= 2.6)."""
    return torch.__version__ >= "2.6.0a0"  # TorchVersion compares as versions; 2.6 pre-releases count


def _caller_is_recbole(module_name: object) -> bool:
    return isinstance(module_name, str) and (module_name == "recbole" or module_name.startswith("recbole."))


def _user_forces_weights_only() -> bool:
    return os.getenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "0").strip().lower() in _TRUE


def _wrap(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def load(f: Any, *args: Any, **kwargs: Any) -> Any:
        if (
            "weights_only" not in kwargs
            and not _user_forces_weights_only()
            and _caller_is_recbole(sys._getframe(1).f_globals.get("__name__"))
        ):
            kwargs["weights_only"] = False  # RecBole reading a checkpoint RecBole wrote
        return original(f, *args, **kwargs)

    setattr(load, _ORIGINAL, original)
    return load


def is_checkpoint_loading_installed() -> bool:
    """Whether ``torch.load`` is currently this module's wrapper."""
    return hasattr(torch.load, _ORIGINAL)


def install_checkpoint_loading() -> bool:
    """Install the RecBole-only ``weights_only=False`` wrapper on ``torch.load``.

    Returns:
        True if it was installed by this call; False if already installed or not needed
        (torch < 2.6).
    """
    if is_checkpoint_loading_installed() or not needs_checkpoint_fix():
        return False
    torch.load = _wrap(torch.load)
    return True


def uninstall_checkpoint_loading() -> bool:
    """Restore the ``torch.load`` the wrapper replaced (for tests). True if it was installed."""
    if not is_checkpoint_loading_installed():
        return False
    torch.load = getattr(torch.load, _ORIGINAL)
    return True


def load_recbole_checkpoint(path: str | Path, *, map_location: Any = None) -> dict[str, Any]:
    """Read a checkpoint written by RecBole's trainer (``config``, ``state_dict``, ...).

    For this package's own code; it needs no wrapper. Same trust model as the module doc: only
    pass files the user produced or chose.

    Args:
        path: the ``.pth`` file.
        map_location: as for :func:`torch.load`.

    Returns:
        The checkpoint dict.
    """
    original = getattr(torch.load, _ORIGINAL, torch.load)
    return original(str(path), map_location=map_location, weights_only=False)
