"""Run specs: which model, with which settings, under which name.

A model in ``--models`` is a RecBole or plugin model name, optionally followed by a variant in
brackets: ``KGLLMRec[fusion=gated,distiller=contrastive]``. Values stay strings; RecBole's
``Config`` converts them exactly as it converts its own command line. Two keys belong to the
harness and never reach RecBole:

* ``kg_shuffle=True``: the run reads a copy of the dataset whose ``.kg`` tails are permuted
  within each relation (seeded), to test whether the graph's facts matter;
* ``config_file=a.yaml b.yaml``: config files (space separated) added for this variant only,
  after the global ``--config_files``.

A value with alternatives separated by ``|`` (outside brackets and quotes) makes a **tuned
row**: ``EASE[reg_weight=100|250|500|1000]`` runs one variant per alternative (every combination
when several keys have alternatives), and the report adds, per seed, the variant that is best on
validation under the name ``EASE[reg_weight=100|250|500|1000]`` (see :mod:`recbole_kgllm.bench.tuned`).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from recbole_kgllm.errors import ConfigError

#: Variant keys read by the harness itself (not passed to RecBole).
HARNESS_KEYS = ("kg_shuffle", "config_file")
#: ``--seeds N`` means ``first_seed .. first_seed + N - 1``; RecBole's default seed is 2020.
DEFAULT_FIRST_SEED = 2020
_MAX_SEED_COUNT = 1000

_NAME = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[(.*)\])?$", re.DOTALL)
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_OPEN, _CLOSE = "[{(", "]})"
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


@dataclass(frozen=True)
class RunSpec:
    """One model or model variant of the benchmark.

    Attributes:
        model: the model name, e.g. ``"KGLLMRec"``.
        overrides: ``(key, value)`` pairs sorted by key; values are strings.
        ablation: what the variant ablates (``"ID only"``, ``"+KG"``...), empty otherwise.
        tuned: the tuned row this variant is a candidate of (``EASE[reg_weight=100|250]``), or empty.
    """

    model: str
    overrides: tuple[tuple[str, str], ...] = ()
    ablation: str = ""
    tuned: str = ""

    @property
    def label(self) -> str:
        """The canonical name, ``Model`` or ``Model[k1=v1,k2=v2]`` (keys sorted): the resume key."""
        if not self.overrides:
            return self.model
        return f"{self.model}[{','.join(f'{k}={v}' for k, v in self.overrides)}]"

    @property
    def settings(self) -> dict[str, str]:
        """The overrides RecBole sees (harness keys removed)."""
        return {k: v for k, v in self.overrides if k not in HARNESS_KEYS}

    @property
    def kg_shuffle(self) -> bool:
        """Whether this run reads the dataset copy with shuffled KG tails."""
        return dict(self.overrides).get("kg_shuffle") == "True"

    @property
    def config_files(self) -> list[str]:
        """The variant's own config files (empty when none)."""
        return dict(self.overrides).get("config_file", "").split()

    def with_overrides(self, extra: Mapping[str, str], *, ablation: str = "") -> RunSpec:
        """A copy with ``extra`` settings added (winning over this spec's own)."""
        merged = dict(self.overrides)
        merged.update(_normalise(k, str(v)) for k, v in extra.items())
        return RunSpec(self.model, _sorted(merged), ablation or self.ablation)


def _normalise(key: str, value: str) -> tuple[str, str]:
    if not _KEY.match(key):
        raise ConfigError(f"invalid variant key '{key}': keys are identifiers like fusion or use_kg")
    value = value.strip()
    if key == "kg_shuffle":
        if value.lower() in _TRUE:
            value = "True"
        elif value.lower() in _FALSE:
            value = "False"
        else:
            raise ConfigError(f"kg_shuffle must be True or False, got '{value}'")
    if not value:
        raise ConfigError(f"variant key '{key}' has an empty value")
    return key, value


def _sorted(items: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    # kg_shuffle=False is the default: drop it so that it does not make a second name.
    return tuple(sorted((k, v) for k, v in items.items() if (k, v) != ("kg_shuffle", "False")))


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split ``text`` at ``sep`` outside brackets, braces, parentheses and quotes.

    ``"A,B[x=1,y={'a':1,'b':2}]"`` -> ``["A", "B[x=1,y={'a':1,'b':2}]"]``.

    Raises:
        ConfigError: unbalanced brackets or quotes.
    """
    parts, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
            if depth < 0:
                raise ConfigError(f"unbalanced '{char}' in '{text}'")
        elif char == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth or quote:
        raise ConfigError(f"unbalanced brackets or quotes in '{text}'")
    parts.append(text[start:])
    return [p.strip() for p in parts]


def parse_variant(text: str) -> RunSpec:
    """``"KGLLMRec[fusion=gated,distiller=contrastive]"`` -> a :class:`RunSpec` (values with
    ``|`` alternatives are kept as written; :func:`expand_tuned` expands them).

    Raises:
        ConfigError: not of the form ``Model`` or ``Model[key=value,...]``, or a key twice.
    """
    match = _NAME.match(text.strip())
    if not match:
        raise ConfigError(f"invalid model '{text}': write Model or Model[key=value,...]")
    model, inner = match.group(1), match.group(2)
    overrides: dict[str, str] = {}
    for item in split_top_level(inner) if inner and inner.strip() else []:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"invalid variant setting '{item}' in '{text}': write key=value")
        key, value = _normalise(key.strip(), value)
        if key in overrides:
            raise ConfigError(f"variant setting '{key}' is given twice in '{text}'")
        overrides[key] = value
    return RunSpec(model, _sorted(overrides))


def expand_tuned(spec: RunSpec) -> list[RunSpec]:
    """The candidates of a spec whose values have ``|`` alternatives (each marked with the tuned
    row's label), or ``[spec]`` when it has none.

    Raises:
        ConfigError: an empty alternative, or alternatives on a harness key.
    """
    choices = [(key, split_top_level(value, "|")) for key, value in spec.overrides]
    if all(len(values) == 1 for _, values in choices):
        return [spec]
    for key, values in choices:
        if len(values) > 1 and (key in HARNESS_KEYS or not all(values)):
            raise ConfigError(f"invalid alternatives '{key}={'|'.join(values)}' in '{spec.label}'")
    combos: list[dict[str, str]] = [{}]
    for key, values in choices:
        combos = [{**combo, key: _normalise(key, value)[1]} for combo in combos for value in values]
    return [RunSpec(spec.model, _sorted(combo), spec.ablation, tuned=spec.label) for combo in combos]


def parse_models(text: str) -> list[RunSpec]:
    """``"BPR,KGLLMRec[fusion=gated]"`` -> specs, duplicates (same label) removed, order kept;
    a tuned row (``EASE[reg_weight=100|250]``) gives its candidates. A candidate also listed on
    its own runs once and still counts for its tuned row.

    Raises:
        ConfigError: an empty list or a malformed name.
    """
    specs: dict[str, RunSpec] = {}
    for part in split_top_level(text):
        if not part:
            continue
        for spec in expand_tuned(parse_variant(part)):
            known = specs.setdefault(spec.label, spec)
            if spec.tuned and not known.tuned:
                specs[spec.label] = replace(known, tuned=spec.tuned)
    if not specs:
        raise ConfigError("--models is empty: name at least one model, e.g. --models BPR,KGLLMRec")
    return list(specs.values())


def parse_seeds(text: str, first: int = DEFAULT_FIRST_SEED) -> list[int]:
    """``"5"`` -> ``[first, ..., first + 4]``; ``"2020,2023"`` (any comma) -> that list.

    A single seed is written with a comma: ``"2023,"``.

    Raises:
        ConfigError: not integers, a count out of 1..1000, or a repeated seed.
    """
    text = text.strip()
    try:
        numbers = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise ConfigError(f"--seeds '{text}': write a count (5) or a list (2020,2021)") from None
    if "," not in text and numbers:
        count = numbers[0]
        if not 1 <= count <= _MAX_SEED_COUNT:
            raise ConfigError(
                f"--seeds {count}: a count must be 1..{_MAX_SEED_COUNT} (for the single seed {count} write '{count},')"
            )
        return list(range(first, first + count))
    seeds = numbers
    if not seeds or len(set(seeds)) != len(seeds):
        raise ConfigError(f"--seeds '{text}': the list is empty or repeats a seed")
    return seeds


__all__ = ["HARNESS_KEYS", "RunSpec", "expand_tuned", "parse_models", "parse_seeds", "parse_variant", "split_top_level"]
