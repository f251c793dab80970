"""The ablation variants of our model that ``--ablations`` adds to a benchmark.

For a base spec (usually plain ``KGLLMRec``): ID only, + KG, + text, + both (the base itself),
KG with shuffled triples, then one variant per registered fusion and per registered distiller
other than the base's own (``teacher`` is left out: it needs a trained teacher checkpoint).

Fusion and distiller variants run on the base's own backbone when it reads ``fusion`` (the
default ``ease`` does since issue 13: its learned content path uses both). For a backbone that
does not read them, they run on ``backbone=lightgcn``, and one more row, ``backbone=lightgcn``
(the same model with the default fusion and distiller on that backbone), is their reference.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from recbole_kgllm.bench.spec import RunSpec

#: The model ``--ablations`` expands.
ABLATED_MODEL = "KGLLMRec"
#: Distillers that cannot run without extra inputs (a teacher checkpoint) on a gradient backbone;
#: a closed-form backbone is its own teacher (the default ``ease``'s content path).
NEEDS_CHECKPOINT = ("teacher",)

#: Which ablations ``--ablations KIND`` adds: every one, the modality rows only, or the fusion and
#: distiller rows only (the full model is in each).
ABLATION_KINDS = ("all", "modalities", "strategies")
#: The gradient backbone that fusion/distiller ablations of a closed-form base run on.
STRATEGY_BACKBONE = "lightgcn"
#: The ablation name of the unablated model (both modalities).
FULL_MODEL = "+KG+text"
#: The ablation name of the reference row of a closed-form base's fusion/distiller ablations.
STRATEGY_REFERENCE = f"backbone={STRATEGY_BACKBONE}"
#: (ablation name, settings) of the modality ablations, in table order.
MODALITY_ABLATIONS: tuple[tuple[str, dict[str, str]], ...] = (
    ("ID only", {"use_kg": "False", "use_text": "False"}),
    ("+KG", {"use_text": "False"}),
    ("+text", {"use_kg": "False"}),
    (FULL_MODEL, {}),
    ("+KG(shuffled)+text", {"kg_shuffle": "True"}),
)


def is_strategy_ablation(name: str) -> bool:
    """Whether an ablation name is a fusion or distiller variant (``fusion=gated``)."""
    return name.startswith(("fusion=", "distiller="))


def ablation_specs(
    base: RunSpec, *, fusions: Iterable[str], distillers: Iterable[str], current: Mapping[str, str],
    unfused_backbones: Iterable[str] = (), kind: str = "all", self_taught_backbones: Iterable[str] = (),
) -> list[RunSpec]:
    """The ablation variants of ``base`` (``base`` itself included, named ``+KG+text``).

    Args:
        base: the spec to ablate.
        fusions: every registered fusion name.
        distillers: every registered distiller name.
        current: the base's effective ``fusion``, ``distiller`` and ``backbone`` (its variant
            settings, else the global settings, else the model defaults); the current fusion and
            distiller get no variant of their own.
        unfused_backbones: backbone names that do not read ``fusion``/``distiller``.
        kind: one of :data:`ABLATION_KINDS`.
        self_taught_backbones: backbones whose ``teacher`` distiller needs no checkpoint (closed
            forms, which distil themselves): there ``teacher`` gets a variant too.
    """
    if kind not in ABLATION_KINDS:
        raise ValueError(f"ablation kind must be one of {', '.join(ABLATION_KINDS)}, got '{kind}'")
    specs = [
        base.with_overrides(settings, ablation=name)
        for name, settings in MODALITY_ABLATIONS
        if kind != "strategies" or name == FULL_MODEL
    ]
    if kind == "modalities":
        return specs
    on: dict[str, str] = {}
    skipped = () if current.get("backbone") in set(self_taught_backbones) else NEEDS_CHECKPOINT
    if current.get("backbone") in set(unfused_backbones):
        on = {"backbone": STRATEGY_BACKBONE}
        specs.append(base.with_overrides(on, ablation=STRATEGY_REFERENCE))
    specs += [
        base.with_overrides({**on, "fusion": f}, ablation=f"fusion={f}")
        for f in sorted(fusions)
        if f != current.get("fusion")
    ]
    specs += [
        base.with_overrides({**on, "distiller": d}, ablation=f"distiller={d}")
        for d in sorted(distillers)
        if d != current.get("distiller") and d not in skipped
    ]
    return specs


def expand_ablations(
    specs: Sequence[RunSpec], *, fusions: Iterable[str], distillers: Iterable[str], current: Mapping[str, str],
    unfused_backbones: Iterable[str] = (), kind: str = "all", self_taught_backbones: Iterable[str] = (),
) -> list[RunSpec]:
    """``specs`` with every :data:`ABLATED_MODEL` spec replaced by its ablations (a plain one
    is added first when the list has none); labels stay unique, first occurrence wins."""
    fusions, distillers, unfused = list(fusions), list(distillers), list(unfused_backbones)
    bases = [s for s in specs if s.model == ABLATED_MODEL] or [RunSpec(ABLATED_MODEL)]
    out: dict[str, RunSpec] = {}
    for spec in specs:
        if spec.model != ABLATED_MODEL:
            out.setdefault(spec.label, spec)
    for base in bases:
        base_current = dict(current, **{k: v for k, v in base.overrides if k in ("fusion", "distiller", "backbone")})
        for spec in ablation_specs(
            base, fusions=fusions, distillers=distillers, current=base_current, unfused_backbones=unfused, kind=kind,
            self_taught_backbones=self_taught_backbones,
        ):
            out.setdefault(spec.label, spec)
    return list(out.values())


__all__ = [
    "ABLATED_MODEL", "ABLATION_KINDS", "FULL_MODEL", "MODALITY_ABLATIONS", "NEEDS_CHECKPOINT", "STRATEGY_BACKBONE",
    "STRATEGY_REFERENCE", "ablation_specs", "expand_ablations", "is_strategy_ablation",
]
