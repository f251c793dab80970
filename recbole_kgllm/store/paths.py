"""Where the feature store lives: ``feature_cache_dir``, else ``$RECBOLE_KGLLM_CACHE``, else
``~/.cache/recbole_kgllm`` (user-writable; the recbole wheel's dataset folder may be read-only)."""
from __future__ import annotations

import os
from pathlib import Path

#: Environment variable naming the default feature-store folder.
ENV_CACHE_DIR = "RECBOLE_KGLLM_CACHE"


def default_cache_dir() -> Path:
    """``$RECBOLE_KGLLM_CACHE`` if set, else ``$XDG_CACHE_HOME/recbole_kgllm`` or ``~/.cache/recbole_kgllm``."""
    env = os.environ.get(ENV_CACHE_DIR, "").strip()
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "recbole_kgllm"


def resolve_cache_dir(value: str | os.PathLike[str] | None) -> Path:
    """The store folder for a ``feature_cache_dir`` setting (``None`` or empty: the default)."""
    if value is None or str(value).strip() == "":
        return default_cache_dir().resolve()
    return Path(value).expanduser().resolve()


__all__ = ["ENV_CACHE_DIR", "default_cache_dir", "resolve_cache_dir"]
