"""RecBole's hyper-parameter file syntax, read into a Ray Tune search space.

One parameter per line, ``name type values`` (RecBole's ``run_hyper`` format)::

    learning_rate loguniform -8,0      # exp(U(-8, 0)), as hyperopt reads it
    embedding_size choice [32,64,128]
    reg_weight uniform 0.0,0.1
    n_layers randint 1,4               # integers 1..3 (high excluded)
    dropout quniform 0.0,0.5,0.1

Values are parsed with :func:`ast.literal_eval` (never ``eval``): a bad line is one error
naming the file, the line and the fix.
"""
from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recbole_kgllm.errors import ConfigError

TYPES = ("choice", "uniform", "quniform", "loguniform", "randint")


@dataclass(frozen=True)
class Dimension:
    """One searched parameter."""

    name: str
    kind: str
    values: tuple[Any, ...]

    def ray(self) -> Any:
        """The Ray Tune sampler of this dimension."""
        from ray import tune

        if self.kind == "choice":
            return tune.choice(list(self.values))
        if self.kind == "uniform":
            return tune.uniform(*self.values)
        if self.kind == "quniform":
            return tune.quniform(*self.values)
        if self.kind == "loguniform":  # RecBole/hyperopt: bounds are natural logs
            return tune.loguniform(math.exp(self.values[0]), math.exp(self.values[1]))
        return tune.randint(int(self.values[0]), int(self.values[1]))


def _numbers(text: str, count: int, where: str, kind: str) -> tuple[float, ...]:
    parts = [p.strip() for p in text.split(",")]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != count:
        example = {"uniform": "0.0,1.0", "loguniform": "-8,0", "randint": "1,4", "quniform": "0,1,0.1"}[kind]
        raise ConfigError(f"{where}: {kind} needs {count} comma-separated numbers (e.g. '{kind} {example}'), got '{text}'")
    return values


def parse_line(line: str, where: str) -> Dimension | None:
    """The dimension of one line (``None`` for blank and ``#`` comment lines)."""
    text = line.split("#", 1)[0].strip()
    if not text:
        return None
    parts = text.split()
    if len(parts) < 3:
        raise ConfigError(f"{where}: expected 'name type values' (e.g. 'learning_rate loguniform -8,0'), got '{text}'")
    name, kind, raw = parts[0], parts[1], "".join(parts[2:])
    if kind not in TYPES:
        raise ConfigError(f"{where}: unknown type '{kind}' (valid: {', '.join(TYPES)})")
    if kind == "choice":
        try:
            values = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            raise ConfigError(f"{where}: choice needs a Python list of literals (e.g. choice [32,64]), got '{raw}'") from None
        if not isinstance(values, (list, tuple)) or not values:
            raise ConfigError(f"{where}: choice needs a non-empty list, got '{raw}'")
        return Dimension(name, kind, tuple(values))
    count = 3 if kind == "quniform" else 2
    values = _numbers(raw, count, where, kind)
    if values[0] >= values[1]:
        raise ConfigError(f"{where}: the low bound must be below the high bound, got '{raw}'")
    return Dimension(name, kind, values)


def read_space(path: str | Path) -> list[Dimension]:
    """The dimensions of a hyper-parameter file (a missing or empty file is one error line)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"hyper-parameter file not found: {path}")
    dims = [d for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if (d := parse_line(line, f"{path}, line {n}")) is not None]
    if not dims:
        raise ConfigError(f"{path}: no parameter to search (lines are 'name type values')")
    names = [d.name for d in dims]
    duplicate = sorted({n for n in names if names.count(n) > 1})
    if duplicate:
        raise ConfigError(f"{path}: parameter(s) {', '.join(duplicate)} listed twice")
    return dims


def ray_space(dims: list[Dimension]) -> dict[str, Any]:
    """``{name: Ray Tune sampler}``."""
    return {d.name: d.ray() for d in dims}


__all__ = ["Dimension", "TYPES", "parse_line", "ray_space", "read_space"]
