"""The ablation variants of our model that ``--ablations`` adds to a benchmark.

For a base spec (usually plain ``KGLLMRec``): ID only, + KG, + text, + both (the base itself),
KG with shuffled triples, then one variant per registered fusion and per registered distiller
other than the base's own (``teacher`` is left out: it needs a trained teacher checkpoint).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from recbole_kgllm.bench.spec import RunSpec

#: The model ``--ablations`` expands.
ABLATED_MODEL = "KGLLMRec"
#: Distillers that cannot run without extra inputs (a teacher checkpoint).
NEEDS_CHECKPOINT = ("teacher",)

#: The ablation name of the unablated model (both modalities).
FULL_MODEL = "+KG+text"
#: (ablation name, settings) of the modality ablations, in table order.
MODALITY_ABLATIONS: tuple[tuple[str, dict[str, str]], ...] = (
    ("ID only", {"use_kg": "False", "use_text": "False"}),
    ("+KG", {"use_text": "False"}),
    ("+text", {"use_kg": "False"}),
    (FULL_MODEL, {}),
    ("+KG(shuffled)+text", {"kg_shuffle": "True"}),
)


def ablation_specs(
    base: RunSpec, *, fusions: Iterable[str], distillers: Iterable[str], current: Mapping[str, str]
) -> list[RunSpec]:
    """The ablation variants of ``base`` (``base`` itself included, named ``+KG+text``).

    Args:
        base: the spec to ablate.
        fusions: every registered fusion name.
        distillers: every registered distiller name.
        current: the base's effective ``fusion`` and ``distiller`` (its variant settings, else
            the global settings, else the model defaults), which get no variant of their own.
    """
    specs = [base.with_overrides(settings, ablation=name) for name, settings in MODALITY_ABLATIONS]
    specs += [
        base.with_overrides({"fusion": f}, ablation=f"fusion={f}")
        for f in sorted(fusions)
        if f != current.get("fusion")
    ]
    specs += [
        base.with_overrides({"distiller": d}, ablation=f"distiller={d}")
        for d in sorted(distillers)
        if d != current.get("distiller") and d not in NEEDS_CHECKPOINT
    ]
    return specs


def expand_ablations(
    specs: Sequence[RunSpec], *, fusions: Iterable[str], distillers: Iterable[str], current: Mapping[str, str]
) -> list[RunSpec]:
    """``specs`` with every :data:`ABLATED_MODEL` spec replaced by its ablations (a plain one
    is added first when the list has none); labels stay unique, first occurrence wins."""
    fusions, distillers = list(fusions), list(distillers)
    bases = [s for s in specs if s.model == ABLATED_MODEL] or [RunSpec(ABLATED_MODEL)]
    out: dict[str, RunSpec] = {}
    for spec in specs:
        if spec.model != ABLATED_MODEL:
            out.setdefault(spec.label, spec)
    for base in bases:
        base_current = dict(current, **{k: v for k, v in base.overrides if k in ("fusion", "distiller")})
        for spec in ablation_specs(base, fusions=fusions, distillers=distillers, current=base_current):
            out.setdefault(spec.label, spec)
    return list(out.values())


__all__ = ["ABLATED_MODEL", "FULL_MODEL", "MODALITY_ABLATIONS", "NEEDS_CHECKPOINT", "ablation_specs", "expand_ablations"]
