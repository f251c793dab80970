"""Pure-torch stand-ins for the ``torch_scatter`` functions RecBole and PyKEEN call.

``torch_scatter`` ships source only on PyPI and does not build against current torch. RecBole's
KGIN and MCCLK import ``scatter_mean`` and ``scatter_softmax`` from it inside ``forward``;
PyKEEN's attention edge weighting (``pykeen.nn.weighting``) imports it at module import and
calls ``scatter_max`` and ``scatter_add``. These functions reproduce torch_scatter 2.x's
documented signatures and semantics on top of :meth:`torch.Tensor.scatter_add_` and
:meth:`torch.Tensor.scatter_reduce_`:

* ``index`` is broadcast against ``src``: a 1-D index runs along ``dim`` and is repeated over
  every other dimension; an index with fewer dimensions than ``src`` gets trailing dimensions.
* The output has ``src``'s shape except along ``dim``, whose size is ``dim_size`` when given,
  else ``index.max() + 1`` (0 for an empty index). Rows no index points at ("empty groups")
  are 0 for sum, mean, max and min, and 1 for mul.
* ``index`` must lie in ``[0, dim_size)``. Like torch_scatter, which also delegates to torch's
  scatter kernels, an out-of-range index raises ``RuntimeError`` on CPU (torch's own bounds
  check) and is undefined behaviour on CUDA.
* ``out``, when given, is updated in place and returned (its values take part in the reduction,
  as in torch_scatter).
* Everything is differentiable with respect to ``src`` through torch's autograd.
"""
from __future__ import annotations

import torch
from torch import Tensor

__all__ = [
    "scatter",
    "scatter_add",
    "scatter_log_softmax",
    "scatter_max",
    "scatter_mean",
    "scatter_min",
    "scatter_mul",
    "scatter_softmax",
    "scatter_sum",
]


def _normalise_dim(dim: int, ndim: int) -> int:
    if not -ndim <= dim < max(ndim, 1):
        raise IndexError(f"dim {dim} is out of range for a tensor with {ndim} dimensions")
    return dim + ndim if dim < 0 else dim


def _broadcast_index(index: Tensor, src: Tensor, dim: int) -> Tensor:
    """View ``index`` with ``src``'s shape, torch_scatter's broadcasting rule.

    Args:
        index: ``(n,)`` when 1-D (runs along ``dim``), else shape ``src.shape[:index.dim()]``.
        src: the values, any shape.
        dim: the (non-negative) scatter dimension.

    Returns:
        An int64 view of ``index`` expanded to ``src.shape``.
    """
    if index.dim() == 1 and src.dim() > 1:
        shape = [1] * src.dim()
        shape[dim] = index.numel()
        index = index.view(shape)
    else:
        index = index.view(*index.shape, *([1] * (src.dim() - index.dim())))
    return index.long().expand_as(src)


def _out_shape(src: Tensor, index: Tensor, dim: int, dim_size: int | None) -> list[int]:
    size = list(src.shape)
    if dim_size is None:
        dim_size = int(index.max()) + 1 if index.numel() > 0 else 0
    size[dim] = dim_size
    return size


def _prepare(
    src: Tensor, index: Tensor, dim: int, out: Tensor | None, dim_size: int | None
) -> tuple[Tensor, int, list[int]]:
    dim = _normalise_dim(dim, src.dim())
    idx = _broadcast_index(index, src, dim)
    size = list(out.shape) if out is not None else _out_shape(src, idx, dim, dim_size)
    return idx, dim, size


def scatter_sum(
    src: Tensor,
    index: Tensor,
    dim: int = -1,
    out: Tensor | None = None,
    dim_size: int | None = None,
) -> Tensor:
    """Sum the entries of ``src`` that share an index along ``dim``.

    Args:
        src: values, shape ``(..., n, ...)`` with ``n`` at ``dim``.
        index: group of each entry, shape ``(n,)`` or broadcastable to ``src`` (see module doc).
        dim: the dimension to reduce.
        out: optional output, updated in place.
        dim_size: size of the output along ``dim``; default ``index.max() + 1``.

    Returns:
        Shape ``src.shape`` with ``dim`` replaced by ``dim_size``; empty groups are 0.
    """
    idx, dim, size = _prepare(src, index, dim, out, dim_size)
    if out is None:
        return src.new_zeros(size).scatter_add_(dim, idx, src)
    return out.scatter_add_(dim, idx, src)


def scatter_add(
    src: Tensor,
    index: Tensor,
    dim: int = -1,
    out: Tensor | None = None,
    dim_size: int | None = None,
) -> Tensor:
    """Alias of :func:`scatter_sum`, as in torch_scatter."""
    return scatter_sum(src, index, dim, out, dim_size)


def scatter_mul(
    src: Tensor,
    index: Tensor,
    dim: int = -1,
    out: Tensor | None = None,
    dim_size: int | None = None,
) -> Tensor:
    """Multiply the entries of ``src`` that share an index; empty groups are 1.

    Args and shapes as :func:`scatter_sum`.
    """
    idx, dim, size = _prepare(src, index, dim, out, dim_size)
    target = src.new_ones(size) if out is None else out
    return target.scatter_reduce_(dim, idx, src, reduce="prod", include_self=True)


def scatter_mean(
    src: Tensor,
    index: Tensor,
    dim: int = -1,
    out: Tensor | None = None,
    dim_size: int | None = None,
) -> Tensor:
    """Average the entries of ``src`` that share an index along ``dim``.

    The sum is divided by the group size clamped to at least 1, so empty groups give 0;
    integer inputs use floor division, as torch_scatter does.

    Args and shapes as :func:`scatter_sum`.
    """
    dim = _normalise_dim(dim, src.dim())
    summed = scatter_sum(src, index, dim, out, dim_size)
    if index.dim() == 1:  # count once per group, then broadcast over the other dimensions
        ones = torch.ones(index.numel(), dtype=src.dtype, device=src.device)
        count = ones.new_zeros(summed.size(dim)).index_add_(0, index.long(), ones)
        shape = [1] * summed.dim()
        shape[dim] = -1
        count = count.view(shape)
    else:
        count = scatter_sum(torch.ones_like(src), index, dim, None, summed.size(dim))
    count = count.clamp_min(1)
    if summed.is_floating_point() or summed.is_complex():
        return summed.div_(count) if out is not None else summed / count
    if out is not None:
        return summed.div_(count, rounding_mode="floor")
    return torch.div(summed, count, rounding_mode="floor")


def _scatter_extreme(
    src: Tensor,
    index: Tensor,
    dim: int,
    out: Tensor | None,
    dim_size: int | None,
    reduce: str,
) -> tuple[Tensor, Tensor]:
    idx, dim, size = _prepare(src, index, dim, out, dim_size)
    if out is None:
        values = src.new_zeros(size).scatter_reduce_(dim, idx, src, reduce=reduce, include_self=False)
    else:
        values = out.scatter_reduce_(dim, idx, src, reduce=reduce, include_self=True)
    # arg: the first position along ``dim`` that attains the extreme; src.size(dim) if none does.
    n = src.size(dim)
    position_shape = [1] * src.dim()
    position_shape[dim] = n
    positions = torch.arange(n, device=src.device).view(position_shape).expand_as(src)
    hits = src == values.detach().gather(dim, idx)
    candidates = torch.where(hits, positions, torch.full_like(positions, n))
    arg = torch.full(size, n, dtype=torch.long, device=src.device)
    arg.scatter_reduce_(dim, idx, candidates, reduce="amin", include_self=True)
    return values, arg


def scatter_max(
    src: Tensor,
    index: Tensor,
    dim: int = -1,
    out: Tensor | None = None,
    dim_size: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Maximum of the entries of ``src`` that share an index, and where it was found.

    Args and shapes as :func:`scatter_sum`.

    Returns:
        ``(values, argmax)``: ``values`` as :func:`scatter_sum` (empty groups 0); ``argmax``
        int64 of the same shape, the position along ``dim`` of the first maximal entry,
        ``src.size(dim)`` for empty groups (torch_scatter's convention).
    """
    return _scatter_extreme(src, index, dim, out, dim_size, "amax")


def scatter_min(
    src: Tensor,
    index: Tensor,
    dim: int = -1,
    out: Tensor | None = None,
    dim_size: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Minimum of the entries of ``src`` that share an index, and where it was found.

    Same contract as :func:`scatter_max`.
    """
    return _scatter_extreme(src, index, dim, out, dim_size, "amin")


def scatter_softmax(src: Tensor, index: Tensor, dim: int = -1, dim_size: int | None = None) -> Tensor:
    """Softmax of ``src`` within each group of entries sharing an index along ``dim``.

    Args:
        src: floating-point scores, shape ``(..., n, ...)``.
        index: group of each entry, ``(n,)`` or broadcastable to ``src``.
        dim: the dimension the groups run along.
        dim_size: number of groups; default ``index.max() + 1``.

    Returns:
        Same shape as ``src``; entries of each group sum to 1 along ``dim``.
    """
    if not torch.is_floating_point(src):
        raise ValueError("scatter_softmax can only be computed over floating-point tensors")
    dim = _normalise_dim(dim, src.dim())
    idx = _broadcast_index(index, src, dim)
    group_max = src.detach().new_zeros(_out_shape(src, idx, dim, dim_size))
    group_max.scatter_reduce_(dim, idx, src.detach(), reduce="amax", include_self=False)
    # Softmax is shift-invariant within a group, so the detached shift leaves the gradient exact.
    exp = (src - group_max.gather(dim, idx)).exp()
    denominator = exp.new_zeros(group_max.shape).scatter_add_(dim, idx, exp)
    return exp / denominator.gather(dim, idx)


def scatter_log_softmax(
    src: Tensor, index: Tensor, dim: int = -1, eps: float = 1e-12, dim_size: int | None = None
) -> Tensor:
    """Log-softmax of ``src`` within each group; same contract as :func:`scatter_softmax`.

    ``eps`` is added inside the log of the group sum, as in torch_scatter.
    """
    if not torch.is_floating_point(src):
        raise ValueError("scatter_log_softmax can only be computed over floating-point tensors")
    dim = _normalise_dim(dim, src.dim())
    idx = _broadcast_index(index, src, dim)
    group_max = src.detach().new_zeros(_out_shape(src, idx, dim, dim_size))
    group_max.scatter_reduce_(dim, idx, src.detach(), reduce="amax", include_self=False)
    shifted = src - group_max.gather(dim, idx)
    denominator = shifted.new_zeros(group_max.shape).scatter_add_(dim, idx, shifted.exp())
    return shifted - (denominator + eps).log().gather(dim, idx)


_REDUCERS = {"sum": scatter_sum, "add": scatter_sum, "mul": scatter_mul, "mean": scatter_mean}


def scatter(
    src: Tensor,
    index: Tensor,
    dim: int = -1,
    out: Tensor | None = None,
    dim_size: int | None = None,
    reduce: str = "sum",
) -> Tensor:
    """torch_scatter's generic entry point: ``reduce`` in sum, add, mul, mean, min, max.

    Args and shapes as :func:`scatter_sum`; min and max return only the values.
    """
    if reduce in _REDUCERS:
        return _REDUCERS[reduce](src, index, dim, out, dim_size)
    if reduce == "max":
        return scatter_max(src, index, dim, out, dim_size)[0]
    if reduce == "min":
        return scatter_min(src, index, dim, out, dim_size)[0]
    raise ValueError(f"unknown reduce '{reduce}'; expected one of sum, add, mul, mean, min, max")
