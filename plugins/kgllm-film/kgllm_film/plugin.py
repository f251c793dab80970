"""The plugin module named by the ``recbole_kgllm`` entry point: it only registers."""
from __future__ import annotations

from recbole_kgllm import hookimpl


@hookimpl
def kgllm_register_fusions(register) -> None:  # noqa: ANN001 - recbole_kgllm.hookspecs.Register
    from kgllm_film.film import TanhFiLMFusion

    register(TanhFiLMFusion)
