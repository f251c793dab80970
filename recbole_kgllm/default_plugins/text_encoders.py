"""Built-in text encoders: ``hf`` (Hugging Face ``AutoModel``, default the packaged MiniLM)."""
from __future__ import annotations

from recbole_kgllm import hookimpl
from recbole_kgllm.hookspecs import Register


@hookimpl
def kgllm_register_text_encoders(register: Register) -> None:
    """Register the built-in text encoders."""
    from recbole_kgllm.features.text.hf import HFTextEncoder

    register(HFTextEncoder)
