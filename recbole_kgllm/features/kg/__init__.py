"""RecBole ``.kg``/``.link`` -> PyKEEN ``TriplesFactory`` -> trained embeddings in the store.

Import submodules directly (``recbole_kgllm.features.kg.pipeline``); importing this package loads nothing heavy.
"""
