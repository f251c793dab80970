"""Loading RecBole checkpoints under torch >= 2.6 without ever running code from the file.

torch 2.6 changed ``torch.load``'s default to ``weights_only=True``. RecBole 1.2.1 calls
``torch.load(path)`` without that argument when it reloads the best model
(``Trainer.evaluate(load_best_model=True)``), resumes training (``resume_checkpoint``), in
``recbole.quick_start.load_data_and_model`` and when models read pre-trained files (NeuMF,
ConvNCF, NAIS, RaCT, S3Rec, KD_DAGFM). Each such file is a pickle holding RecBole's ``Config``,
which torch's weights-only unpickler cannot read: RecBole saves with ``pickle_protocol=4`` and
torch 2.13's weights-only unpickler rejects protocol 4's FRAME opcode ("Unsupported operand
149"), so ``torch.serialization.add_safe_globals`` cannot help.

Choice: a restricted unpickler with an explicit allow-list (:mod:`.safe_unpickle`), given to
``torch.load`` as its ``pickle_module``. Every checkpoint path goes through it:

* RecBole's own ``torch.load`` calls: ``torch.load`` is wrapped (by
  :func:`install_checkpoint_loading`, called from
  :func:`recbole_kgllm.recbole_integration.compat.apply_compat`) so that a call whose direct
  caller is a ``recbole.*`` module and that did not choose ``weights_only`` itself loads through
  the restricted unpickler. Every other caller keeps torch's safe default.
* This package's code: :func:`load_recbole_checkpoint` (the teacher distiller, our
  ``load_data_and_model``).

A file that needs anything outside the allow-list is refused with
:class:`~recbole_kgllm.errors.UntrustedCheckpointError`, one line naming the type and the file.
For files the user trusts, :mod:`.trust` switches the restriction off (``--trust_checkpoint``,
``RECBOLE_KGLLM_TRUST_CHECKPOINT=1``); then the file is unpickled in full, as torch < 2.6 did.
The user's ``TORCH_FORCE_WEIGHTS_ONLY_LOAD=1`` still wins (the wrapper steps aside).
"""
from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from recbole_kgllm.errors import KGLLMError, UntrustedCheckpointError
from recbole_kgllm.recbole_integration.compat.safe_unpickle import RESTRICTED_PICKLE, RefusedGlobal
from recbole_kgllm.recbole_integration.compat.trust import ENV_TRUST, checkpoints_trusted

__all__ = [
    "install_checkpoint_loading",
    "is_checkpoint_loading_installed",
    "load_checkpoint_file",
    "load_recbole_checkpoint",
    "needs_checkpoint_fix",
    "refusal_message",
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


def _name(f: Any) -> str:
    return str(f) if isinstance(f, (str, os.PathLike)) else str(getattr(f, "name", "<file object>"))


def refusal_message(path: str, refused: RefusedGlobal) -> str:
    """The one line for a refused checkpoint."""
    return (
        f"refusing to load {path}: it needs '{refused.name}' ({refused.action}), which is not among the types a "
        f"RecBole checkpoint holds, so loading it could run code from the file; if you trust this file, add "
        f"--trust_checkpoint (or set {ENV_TRUST}=1)"
    )


def load_checkpoint_file(original: Callable[..., Any], f: Any, *args: Any, **kwargs: Any) -> Any:
    """``original(f, ...)`` (torch's ``load``) with the restricted unpickler unless trusted.

    Raises:
        UntrustedCheckpointError: the file needs a global outside the allow-list.
    """
    if checkpoints_trusted():
        return original(f, *args, **{**kwargs, "weights_only": False})
    try:
        return original(f, *args, **{**kwargs, "weights_only": False, "pickle_module": RESTRICTED_PICKLE})
    except RefusedGlobal as refused:
        raise UntrustedCheckpointError(refusal_message(_name(f), refused)) from None


def _wrap(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def load(f: Any, *args: Any, **kwargs: Any) -> Any:
        if (
            "weights_only" not in kwargs
            and "pickle_module" not in kwargs
            and not _user_forces_weights_only()
            and _caller_is_recbole(sys._getframe(1).f_globals.get("__name__"))
        ):
            return load_checkpoint_file(original, f, *args, **kwargs)  # RecBole reading a checkpoint
        return original(f, *args, **kwargs)

    setattr(load, _ORIGINAL, original)
    return load


def is_checkpoint_loading_installed() -> bool:
    """Whether ``torch.load`` is currently this module's wrapper."""
    return hasattr(torch.load, _ORIGINAL)


def install_checkpoint_loading() -> bool:
    """Install the wrapper that routes RecBole's ``torch.load`` calls through the restricted unpickler.

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


def load_recbole_checkpoint(
    path: str | Path, *, map_location: Any = None, trust: bool = False
) -> dict[str, Any]:
    """Read a checkpoint written by RecBole's trainer (``config``, ``state_dict``, ...).

    Loaded through the restricted unpickler unless the file is trusted (``trust=True``, or the
    process trusts checkpoints: ``--trust_checkpoint``, see :mod:`.trust`).

    Args:
        path: the ``.pth`` file.
        map_location: as for :func:`torch.load`.
        trust: unpickle in full (only for files the user trusts); False: the process setting decides.

    Returns:
        The checkpoint dict.

    Raises:
        UntrustedCheckpointError: the file needs a type outside the allow-list.
        KGLLMError: the file is missing or is not a readable checkpoint.
    """
    from recbole_kgllm.recbole_integration.compat.trust import trusted_checkpoints

    path = Path(path)
    if not path.is_file():
        raise KGLLMError(f"checkpoint not found: {path}")
    original = getattr(torch.load, _ORIGINAL, torch.load)
    try:
        with trusted_checkpoints(trust):
            checkpoint = load_checkpoint_file(original, str(path), map_location=map_location)
    except UntrustedCheckpointError:
        raise
    except Exception as error:  # noqa: BLE001 - any failure to parse the user's file is one line
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise KGLLMError(f"{path} is not a readable RecBole checkpoint ({type(error).__name__}: {first[:200]})") from None
    if not isinstance(checkpoint, dict) or "config" not in checkpoint or "state_dict" not in checkpoint:
        raise KGLLMError(f"{path} is not a RecBole checkpoint (no 'config' and 'state_dict')")
    return checkpoint
