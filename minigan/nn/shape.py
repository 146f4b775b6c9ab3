"""Flatten and Unflatten: reshapes between images and vectors inside a Sequential."""
from ..functional import math as fm
from .module import Module, ShapeError


def _product(sizes):
    n = 1
    for s in sizes:
        n *= s
    return n


class Flatten(Module):
    """Merge axes start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        if not (-x.ndim <= self.start_dim < x.ndim and -x.ndim <= self.end_dim < x.ndim):
            raise ShapeError(repr(self), f"with axes {self.start_dim}..{self.end_dim}", x.shape)
        start, end = self.start_dim % x.ndim, self.end_dim % x.ndim
        merged = _product(x.shape[start:end + 1])
        return fm.reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1:])

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split axis ``dim`` into ``unflattened_size``: (N, 3136) -> (N, 64, 7, 7)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x):
        dim = self.dim % x.ndim if x.ndim else 0
        sizes = self.unflattened_size
        if x.ndim == 0 or x.shape[dim] != _product(sizes):
            raise ShapeError(f"Unflatten(dim={self.dim}, unflattened_size={sizes})",
                             f"with {_product(sizes)} = {'*'.join(map(str, sizes))} "
                             f"elements along axis {self.dim}", x.shape)
        return fm.reshape(x, x.shape[:dim] + sizes + x.shape[dim + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
