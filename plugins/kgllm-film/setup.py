"""kgllm-film: an example third-party fusion plugin for recbole-kgllm (bounded FiLM, `film_tanh`)."""
from setuptools import setup

setup(
    name="kgllm-film",
    version="0.2.0",
    description="Example fusion plugin for recbole-kgllm: bounded FiLM (fusion: film_tanh)",
    packages=["kgllm_film"],
    python_requires=">=3.10",
    install_requires=["recbole-kgllm>=0.1.0"],
    entry_points={"recbole_kgllm": ["film = kgllm_film.plugin"]},
)
