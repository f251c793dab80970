"""Built-in models: KGLLMRec and KGLLMSeqRec, with their YAML defaults (package data)."""
from __future__ import annotations

from pathlib import Path

from recbole_kgllm import hookimpl
from recbole_kgllm.hookspecs import Register

PROPERTIES = Path(__file__).resolve().parent.parent / "properties" / "model"


def _recbole_properties() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("recbole")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent / "properties" / "model"


#: RecBole's own model YAML folder (KGLLMSeqRec starts from SASRec's defaults).
RECBOLE_PROPERTIES = _recbole_properties()


@hookimpl
def kgllm_register_models(register: Register) -> None:
    """Register the built-in models (imported here, when the registries are first built)."""
    from recbole_kgllm.model.kgllmrec import KGLLMRec
    from recbole_kgllm.model.kgllmseqrec import KGLLMSeqRec

    features = PROPERTIES / "features.yaml"
    register(KGLLMRec, defaults=[features, PROPERTIES / "KGLLMRec.yaml"])
    register(KGLLMSeqRec, defaults=[RECBOLE_PROPERTIES / "SASRec.yaml", features, PROPERTIES / "KGLLMSeqRec.yaml"])
