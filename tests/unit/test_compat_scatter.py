"""The torch_scatter stand-in against references computed independently (loops, dense one-hot)."""
from __future__ import annotations

import pytest
import torch

from recbole_kgllm.recbole_integration.compat import torch_scatter_ops as ts


def _one_hot(index: torch.Tensor, groups: int) -> torch.Tensor:
    """Dense ``(groups, n)`` membership matrix: row g has a 1 where index == g."""
    return (index.unsqueeze(0) == torch.arange(groups).unsqueeze(1)).to(torch.float64)


def _loop_reduce(src: torch.Tensor, index: torch.Tensor, groups: int, reduce: str) -> torch.Tensor:
    """Reference along dim 0 with a 1-D index, one Python loop per group."""
    out = torch.zeros(groups, *src.shape[1:], dtype=src.dtype)
    for g in range(groups):
        members = src[index == g]
        if members.shape[0] == 0:
            continue
        if reduce == "sum":
            out[g] = members.sum(0)
        elif reduce == "mean":
            out[g] = members.sum(0) / members.shape[0]
        elif reduce == "max":
            out[g] = members.max(0).values
        elif reduce == "min":
            out[g] = members.min(0).values
        elif reduce == "softmax_denominator":
            out[g] = members.exp().sum(0)
    return out


@pytest.fixture(params=[0, 1, 2])
def case(request: pytest.FixtureRequest) -> tuple[torch.Tensor, torch.Tensor, int]:
    gen = torch.Generator().manual_seed(request.param)
    n, d = 37, 5
    groups = 11 + request.param  # larger than any index used below: some groups stay empty
    index = torch.randint(0, 8, (n,), generator=gen)
    src = torch.randn(n, d, generator=gen, dtype=torch.float64)
    return src, index, groups


def test_sum_and_mean_match_dense_one_hot(case: tuple[torch.Tensor, torch.Tensor, int]) -> None:
    src, index, groups = case
    membership = _one_hot(index, groups)
    expected_sum = membership @ src
    expected_mean = expected_sum / membership.sum(1, keepdim=True).clamp_min(1)
    torch.testing.assert_close(ts.scatter_sum(src, index, dim=0, dim_size=groups), expected_sum)
    torch.testing.assert_close(ts.scatter_add(src, index, dim=0, dim_size=groups), expected_sum)
    torch.testing.assert_close(ts.scatter_mean(src=src, index=index, dim_size=groups, dim=0), expected_mean)


def test_empty_groups_are_zero_and_dim_size_is_honoured(case: tuple[torch.Tensor, torch.Tensor, int]) -> None:
    src, index, groups = case
    mean = ts.scatter_mean(src, index, dim=0, dim_size=groups)
    assert mean.shape == (groups, src.shape[1])
    empty = torch.ones(groups, dtype=torch.bool)
    empty[index.unique()] = False
    assert empty.any()
    assert torch.all(mean[empty] == 0)
    for fn in (ts.scatter_max, ts.scatter_min):
        values, arg = fn(src, index, dim=0, dim_size=groups)
        assert torch.all(values[empty] == 0)
        assert torch.all(arg[empty] == src.shape[0])  # torch_scatter's "no element" marker


def test_default_dim_size_is_max_index_plus_one(case: tuple[torch.Tensor, torch.Tensor, int]) -> None:
    src, index, _ = case
    assert ts.scatter_sum(src, index, dim=0).shape[0] == int(index.max()) + 1
    assert ts.scatter_sum(src[:0], index[:0], dim=0).shape == (0, src.shape[1])
    assert torch.all(ts.scatter_mean(src[:0], index[:0], dim=0, dim_size=4) == 0)


def test_max_min_match_loop_and_point_at_their_values(case: tuple[torch.Tensor, torch.Tensor, int]) -> None:
    src, index, groups = case
    for fn, reduce in ((ts.scatter_max, "max"), (ts.scatter_min, "min")):
        values, arg = fn(src, index, dim=0, dim_size=groups)
        torch.testing.assert_close(values, _loop_reduce(src, index, groups, reduce))
        filled = arg < src.shape[0]
        columns = torch.arange(src.shape[1]).expand_as(arg)
        torch.testing.assert_close(src[arg[filled], columns[filled]], values[filled])
        assert torch.all(index[arg[filled]] == torch.arange(groups).unsqueeze(1).expand_as(arg)[filled])


def test_softmax_matches_per_group_loop(case: tuple[torch.Tensor, torch.Tensor, int]) -> None:
    src, index, _ = case
    expected = torch.empty_like(src)
    for g in index.unique():
        expected[index == g] = torch.softmax(src[index == g], dim=0)
    torch.testing.assert_close(ts.scatter_softmax(src, index=index, dim=0), expected)
    torch.testing.assert_close(ts.scatter_log_softmax(src, index, dim=0, eps=0.0), expected.log())


def test_softmax_on_expanded_scores_like_mcclk() -> None:
    gen = torch.Generator().manual_seed(3)
    head = torch.randint(0, 6, (20,), generator=gen)
    scores = torch.randn(20, 1, generator=gen).expand(20, 4)  # non-contiguous, as MCCLK passes it
    out = ts.scatter_softmax(scores, index=head, dim=0)
    sums = _one_hot(head, 6).to(out.dtype) @ out
    present = torch.bincount(head, minlength=6) > 0
    torch.testing.assert_close(sums[present], torch.ones(int(present.sum()), 4))


def test_one_dimensional_index_along_last_dim_matches_loop() -> None:
    gen = torch.Generator().manual_seed(4)
    src = torch.randn(3, 9, generator=gen, dtype=torch.float64)
    index = torch.randint(0, 4, (9,), generator=gen)
    expected = _loop_reduce(src.t(), index, 5, "sum").t()
    torch.testing.assert_close(ts.scatter_sum(src, index, dim=-1, dim_size=5), expected)
    torch.testing.assert_close(ts.scatter(src, index, dim=1, dim_size=5, reduce="add"), expected)


def test_full_shape_index_reduces_each_column_separately() -> None:
    gen = torch.Generator().manual_seed(5)
    src = torch.randn(12, 3, generator=gen, dtype=torch.float64)
    index = torch.randint(0, 4, (12, 3), generator=gen)
    expected = torch.zeros(4, 3, dtype=torch.float64)
    counts = torch.zeros(4, 3, dtype=torch.float64)
    for i in range(12):
        for j in range(3):
            expected[index[i, j], j] += src[i, j]
            counts[index[i, j], j] += 1
    torch.testing.assert_close(ts.scatter_sum(src, index, dim=0, dim_size=4), expected)
    torch.testing.assert_close(ts.scatter_mean(src, index, dim=0, dim_size=4), expected / counts.clamp_min(1))


def test_integer_mean_uses_floor_division() -> None:
    src = torch.tensor([-3, 4, 7, 1, 2])
    index = torch.tensor([0, 0, 1, 1, 1])
    assert ts.scatter_mean(src, index, dim=0).tolist() == [(-3 + 4) // 2, (7 + 1 + 2) // 3]


def test_out_is_updated_in_place() -> None:
    out = torch.full((3,), 10.0)
    result = ts.scatter_sum(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0, 2, 2]), dim=0, out=out)
    assert result is out
    assert out.tolist() == [11.0, 10.0, 15.0]


def test_mul_and_generic_dispatch() -> None:
    src = torch.tensor([2.0, 3.0, 4.0, 5.0])
    index = torch.tensor([0, 0, 2, 2])
    assert ts.scatter_mul(src, index, dim=0).tolist() == [6.0, 1.0, 20.0]
    for reduce, fn in (("sum", ts.scatter_sum), ("mean", ts.scatter_mean)):
        torch.testing.assert_close(ts.scatter(src, index, 0, reduce=reduce), fn(src, index, 0))
    assert ts.scatter(src, index, 0, reduce="max").tolist() == [3.0, 0.0, 5.0]
    assert ts.scatter(src, index, 0, reduce="min").tolist() == [2.0, 0.0, 4.0]
    with pytest.raises(ValueError, match="unknown reduce"):
        ts.scatter(src, index, 0, reduce="median")


def test_out_of_range_index_raises() -> None:
    src, index = torch.ones(3), torch.tensor([0, 1, 5])
    with pytest.raises(RuntimeError):
        ts.scatter_sum(src, index, dim=0, dim_size=3)
    with pytest.raises(RuntimeError):
        ts.scatter_mean(src, index, dim=0, dim_size=3)
    with pytest.raises(RuntimeError):
        ts.scatter_sum(src, torch.tensor([0, -1, 1]), dim=0, dim_size=3)


def test_softmax_rejects_integer_input() -> None:
    with pytest.raises(ValueError, match="floating-point"):
        ts.scatter_softmax(torch.tensor([1, 2]), torch.tensor([0, 0]))


def test_gradients_match_dense_reference(case: tuple[torch.Tensor, torch.Tensor, int]) -> None:
    src, index, groups = case
    weights = torch.randn(groups, src.shape[1], dtype=torch.float64, generator=torch.Generator().manual_seed(9))
    membership = _one_hot(index, groups)

    def grad_of(fn: object) -> torch.Tensor:
        x = src.clone().requires_grad_(True)
        (fn(x) * weights).sum().backward()  # type: ignore[operator]
        return x.grad

    torch.testing.assert_close(
        grad_of(lambda x: ts.scatter_mean(x, index, dim=0, dim_size=groups)),
        grad_of(lambda x: (membership @ x) / membership.sum(1, keepdim=True).clamp_min(1)),
    )
    torch.testing.assert_close(
        grad_of(lambda x: ts.scatter_sum(x, index, dim=0, dim_size=groups)), grad_of(lambda x: membership @ x)
    )


def test_gradcheck_softmax_mean_and_max() -> None:
    gen = torch.Generator().manual_seed(11)
    src = torch.randn(10, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    index = torch.tensor([0, 0, 1, 1, 1, 3, 3, 3, 3, 0])
    assert torch.autograd.gradcheck(lambda x: ts.scatter_softmax(x, index, dim=0), (src,))
    assert torch.autograd.gradcheck(lambda x: ts.scatter_log_softmax(x, index, dim=0), (src,))
    assert torch.autograd.gradcheck(lambda x: ts.scatter_mean(x, index, dim=0, dim_size=5), (src,))
    assert torch.autograd.gradcheck(lambda x: ts.scatter_max(x, index, dim=0, dim_size=5)[0], (src,))
