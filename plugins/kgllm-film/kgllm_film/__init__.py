"""FiLM fusion plugin for recbole-kgllm (``fusion: film``)."""
from kgllm_film.film import FiLMFusion

__all__ = ["FiLMFusion"]
__version__ = "0.1.0"
