"""Example fusion plugin for recbole-kgllm: bounded FiLM (``fusion: film_tanh``)."""
from kgllm_film.film import TanhFiLMFusion

__all__ = ["TanhFiLMFusion"]
__version__ = "0.2.0"
