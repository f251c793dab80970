"""Fixtures of the integration tests."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def ml100k_source() -> Path:
    """The ml-100k atomic files inside the recbole wheel (``.inter``, ``.item``, ``.kg``, ``.link``)."""
    import recbole

    return Path(recbole.__file__).parent / "dataset_example" / "ml-100k"
