"""kgllm-film: an example third-party fusion plugin for recbole-kgllm (FiLM conditioning)."""
from setuptools import setup

setup(
    name="kgllm-film",
    version="0.1.0",
    description="FiLM fusion for recbole-kgllm: content views modulate the ID embedding",
    packages=["kgllm_film"],
    python_requires=">=3.10",
    install_requires=["recbole-kgllm>=0.1.0"],
    entry_points={"recbole_kgllm": ["film = kgllm_film.plugin"]},
)
