"""Reading config keys once into typed frozen dataclasses.

A settings dataclass declares each field with :func:`setting` (config key, default, parser).
:func:`read_settings` builds it from a RecBole ``Config`` (or any mapping), using the default
when a key is absent or ``None``; :func:`config_defaults` lists ``{config key: default}`` so a
test can compare the package YAML with the code.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from recbole_kgllm.errors import ConfigError

T = TypeVar("T")
Parser = Callable[[str, Any], Any]


def setting(key: str, default: Any, parse: Parser) -> Any:
    """A dataclass field read from config key ``key`` (``default`` when absent or None)."""
    if isinstance(default, (dict, list)):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata={"key": key, "parse": parse})
    return dataclasses.field(default=default, metadata={"key": key, "parse": parse})


def as_str(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"setting '{key}' must be a non-empty string, got {value!r}")
    return value


def as_optional_str(key: str, value: Any) -> str | None:
    return None if value is None else as_str(key, value)


def as_bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"setting '{key}' must be True or False, got {value!r}")
    return value


def as_int(minimum: int) -> Parser:
    def parse(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ConfigError(f"setting '{key}' must be an integer >= {minimum}, got {value!r}")
        return value

    return parse


def as_optional_int(key: str, value: Any) -> int | None:
    return None if value is None else as_int(-(2**63))(key, value)


def as_float(low: float, high: float) -> Parser:
    def parse(key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ConfigError(f"setting '{key}' must be a number in [{low}, {high}], got {value!r}")
        return float(value)

    return parse


def as_kwargs(key: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise ConfigError(f"setting '{key}' must be a mapping of keyword arguments, got {value!r}")
    return dict(value)


def as_choice(*choices: str) -> Parser:
    def parse(key: str, value: Any) -> str:
        if value not in choices:
            raise ConfigError(f"setting '{key}' must be one of {', '.join(choices)}, got {value!r}")
        return value

    return parse


def config_value(config: Any, key: str) -> Any:
    """``config[key]`` for a RecBole ``Config`` or any mapping; ``None`` when the key is absent."""
    try:
        return config[key] if key in config else None
    except (KeyError, TypeError):
        return None


def read_settings(cls: type[T], config: Any, **extra: Any) -> T:
    """An instance of settings dataclass ``cls`` from ``config``; ``extra`` sets fields directly."""
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if field.name in extra:
            values[field.name] = extra[field.name]
            continue
        key, parse = field.metadata.get("key"), field.metadata.get("parse")
        if key is None:
            continue
        raw = config_value(config, key)
        values[field.name] = parse(key, raw) if raw is not None else _default(field)
    return cls(**values)


def _default(field: dataclasses.Field) -> Any:  # type: ignore[type-arg]
    if field.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        return field.default_factory()  # type: ignore[misc]
    return field.default


def config_defaults(cls: type) -> dict[str, Any]:
    """``{config key: default}`` for every field of settings dataclass ``cls`` read from config."""
    return {f.metadata["key"]: _default(f) for f in dataclasses.fields(cls) if f.metadata.get("key")}


__all__ = [
    "as_bool",
    "as_choice",
    "as_float",
    "as_int",
    "as_kwargs",
    "as_optional_int",
    "as_optional_str",
    "as_str",
    "config_defaults",
    "read_settings",
    "setting",
]
