"""Built-in models: KGLLMRec and KGLLMSeqRec, with their YAML defaults (package data)."""
from __future__ import annotations

from pathlib import Path

from recbole_kgllm import hookimpl
from recbole_kgllm.hookspecs import Register

PROPERTIES = Path(__file__).resolve().parent.parent / "properties" / "model"


@hookimpl
def kgllm_register_models(register: Register) -> None:
    """Register the built-in models (imported here, when the registries are first built);
    KGLLMSeqRec starts from RecBole's own SASRec defaults."""
    from recbole_kgllm.model.kgllmrec import KGLLMRec
    from recbole_kgllm.model.kgllmseqrec import KGLLMSeqRec
    from recbole_kgllm.recbole_integration.config import recbole_model_defaults

    features = PROPERTIES / "features.yaml"
    register(KGLLMRec, defaults=[features, PROPERTIES / "KGLLMRec.yaml"])
    register(KGLLMSeqRec, defaults=[recbole_model_defaults("SASRec"), features, PROPERTIES / "KGLLMSeqRec.yaml"])
