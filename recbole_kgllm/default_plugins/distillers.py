"""Built-in distillers, registered through the same hook as third-party plugins."""
from __future__ import annotations

from recbole_kgllm import hookimpl
from recbole_kgllm.hookspecs import Register


@hookimpl
def kgllm_register_distillers(register: Register) -> None:
    """Register the built-in distillers: none, contrastive, kg_text_align, teacher."""
    from recbole_kgllm.distill.contrastive import ContrastiveDistiller
    from recbole_kgllm.distill.kg_text_align import KGTextAlignDistiller
    from recbole_kgllm.distill.none import NoDistiller
    from recbole_kgllm.distill.teacher import TeacherDistiller

    for cls in (NoDistiller, ContrastiveDistiller, KGTextAlignDistiller, TeacherDistiller):
        register(cls)
