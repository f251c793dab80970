"""The collector fix: RecBole's own get_data_struct, with non-tensor values let through."""
from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import pytest
import torch
from recbole.evaluator.collector import Collector, DataStruct

from recbole_kgllm.recbole_integration.compat import collector


def _struct() -> SimpleNamespace:
    data = DataStruct()
    data.set("data.num_items", 7)
    data.set("data.count_items", Counter({1: 2}))
    data.set("rec.topk", torch.ones(2, 3))
    return SimpleNamespace(data_struct=data)


@pytest.fixture
def uninstalled() -> None:
    was = collector.is_collector_fix_installed()
    collector.uninstall_collector_fix()
    yield
    if was:
        collector.install_collector_fix()


def test_recbole_alone_fails_on_non_tensor_values(uninstalled: None) -> None:
    with pytest.raises(AttributeError, match="cpu"):
        Collector.get_data_struct(_struct())


def test_fix_passes_values_through_and_is_reversible(uninstalled: None) -> None:
    assert collector.install_collector_fix() and not collector.install_collector_fix()
    holder = _struct()
    got = Collector.get_data_struct(holder)
    assert got.get("data.num_items") == 7 and got.get("data.count_items") == Counter({1: 2})
    assert torch.equal(got.get("rec.topk"), torch.ones(2, 3))
    assert "rec.topk" not in holder.data_struct  # RecBole's own reset still happens
    assert collector.uninstall_collector_fix() and not collector.is_collector_fix_installed()
