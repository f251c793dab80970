"""Feature pipelines' public entry points: see :mod:`recbole_kgllm.features.api`.

Importing this package loads nothing heavy; import ``recbole_kgllm.features.api`` for the API.
"""
