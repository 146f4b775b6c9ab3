"""Reflection padding: the border mirrored about its edge pixel, without repeating it.

A row a b c d padded by 2 reads  c b | a b c d | c b.  CycleGAN's generators
(Zhu et al. 2017, after Johnson et al. 2016) pad this way instead of with zeros so
that the borders of a translated image carry no artificial dark frame.

Composed of slices with step -1 and a concatenation, so the gradient adds each
mirrored pixel's gradient back onto the pixel it copies (and the second derivative
comes for free).
"""
from ..autograd import as_tensor
from .math import concat, getitem


def _reflect(x, before, after, axis):
    """Pad one axis of x by reflection: ``before`` and ``after`` values."""
    n = x.shape[axis]
    if before >= n or after >= n:
        raise ValueError(f"reflection_pad2d: padding ({before}, {after}) must be smaller "
                         f"than the size {n} of the padded dimension")
    lead = (slice(None),) * axis
    parts = [x]
    if before:
        parts.insert(0, getitem(x, lead + (slice(before, 0, -1),)))         # x[p], ..., x[1]
    if after:
        stop = n - 2 - after          # -1 would mean "the last", so say None (past the start)
        parts.append(getitem(x, lead + (slice(n - 2, stop if stop >= 0 else None, -1),)))
    return concat(parts, axis=axis) if len(parts) > 1 else x


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
    return _reflect(_reflect(x, left, right, 3), top, bottom, 2)
