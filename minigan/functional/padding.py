"""Reflection padding: the border mirrored about its edge pixel, without repeating it.

A row a b c d padded by 2 reads  c b | a b c d | c b.  CycleGAN's generators
(Zhu et al. 2017, after Johnson et al. 2016) pad this way instead of with zeros so
that the borders of a translated image carry no artificial dark frame.

Padding is linear in x, and so is its adjoint, the fold: each mirrored pixel's
gradient is added back onto the pixel it copies (in the row above, the gradients
at the two c's and the two b's are summed).  The fold's own adjoint is the padding
again, so second derivatives need no new code.  Two Functions instead of the six
slices and concatenations the definition composes (CycleGAN pads before every 3x3
and 7x7 convolution of its ResNets; benchmarks/README.md).
"""
from ..autograd import Function, as_tensor
from ..backend import get_array_module as _xp


def _at(axis, start, stop, step=1):
    """The index [..., start:stop:step, ...] with the slice on ``axis``."""
    return (slice(None),) * axis + (slice(start, stop, step),)


def _mirror(y, before, after, axis):
    """Fill the borders of ``y`` along ``axis`` from its middle, which holds x at
    [before, before + n): padded entry k < before is x[before - k], entry before + n + k
    is x[n - 2 - k] (in place)."""
    n = y.shape[axis] - before - after
    backwards = _at(axis, None, None, -1)
    if before:      # x[1..before], reversed
        y[_at(axis, 0, before)] = y[_at(axis, before + 1, 2 * before + 1)][backwards]
    if after:       # x[n-1-after..n-2], reversed
        y[_at(axis, before + n, before + n + after)] = \
            y[_at(axis, before + n - 1 - after, before + n - 1)][backwards]


def _fold(g, before, after, axis):
    """The adjoint of _mirror: (..., n + before + after, ...) -> (..., n, ...), each padded
    entry added onto the entry it mirrors (a new array)."""
    n = g.shape[axis] - before - after
    backwards = _at(axis, None, None, -1)
    gx = g[_at(axis, before, before + n)].copy(order="K")
    if before:
        gx[_at(axis, 1, before + 1)] += g[_at(axis, 0, before)][backwards]
    if after:
        gx[_at(axis, n - 1 - after, n - 1)] += g[_at(axis, before + n, before + n + after)][
            backwards]
    return gx


class ReflectionPad2d(Function):
    """x: (N, C, H, W) -> (N, C, H + top + bottom, W + left + right), mirrored borders.

    The result has x's memory order (``order="K"``), so that the batch-last layout of
    the fast convolutions (conv_fast.py) survives the padding between them.
    """

    def __init__(self, padding):
        self.padding = padding                       # (left, right, top, bottom)

    def forward(self, x):
        left, right, top, bottom = self.padding
        n, c, h, w = x.shape
        y = _xp(x).empty_like(x, shape=(n, c, h + top + bottom, w + left + right))
        y[:, :, top:top + h, left:left + w] = x
        _mirror(y[:, :, top:top + h], left, right, 3)       # the rows of x, then every row
        _mirror(y, top, bottom, 2)
        return y

    def backward(self, gy, needs):
        return ReflectionFold2d(self.padding)(gy)


class ReflectionFold2d(Function):
    """The adjoint of ReflectionPad2d: (N, C, H + top + bottom, W + left + right) -> (N, C, H, W)."""

    def __init__(self, padding):
        self.padding = padding

    def forward(self, g):
        left, right, top, bottom = self.padding
        return _fold(_fold(g, left, right, 3), top, bottom, 2)

    def backward(self, ggx, needs):
        return ReflectionPad2d(self.padding)(ggx)


def reflection_pad2d(x, padding):
    """x: (N, C, H, W) -> (N, C, H + top + bottom, W + left + right).

    padding: an int, or (left, right, top, bottom) as in PyTorch; each < the padded size.
    """
    x = as_tensor(x)
    if x.ndim != 4:
        raise ValueError(f"reflection_pad2d: expected x of shape (N, C, H, W), got {tuple(x.shape)}")
    left, right, top, bottom = (padding,) * 4 if isinstance(padding, int) else tuple(padding)
    if min(left, right, top, bottom) < 0:
        raise ValueError(f"reflection_pad2d: padding must be non-negative, got {padding}")
    for before, after, n in ((left, right, x.shape[3]), (top, bottom, x.shape[2])):
        if before >= n or after >= n:
            raise ValueError(f"reflection_pad2d: padding ({before}, {after}) must be smaller "
                             f"than the size {n} of the padded dimension")
    if left == right == top == bottom == 0:
        return x
    return ReflectionPad2d((left, right, top, bottom))(x)
