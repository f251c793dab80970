"""Dataset converters: raw sources -> RecBole atomic files (``.inter .item .user .kg .link``).

Generic path: build a :class:`DatasetSpec` and call :func:`convert`. Recipe for the ml-1m
bundle: :func:`convert_ml1m`. CLI: :func:`recbole_kgllm.datasets.cli.convert_main`.
"""
from __future__ import annotations

from recbole_kgllm.datasets.convert import convert, convert_ml1m
from recbole_kgllm.datasets.report import ConversionReport
from recbole_kgllm.datasets.spec import DatasetSpec, InteractionTable, ItemRecord, KGSource, UserTable

__all__ = [
    "ConversionReport",
    "DatasetSpec",
    "InteractionTable",
    "ItemRecord",
    "KGSource",
    "UserTable",
    "convert",
    "convert_ml1m",
]
