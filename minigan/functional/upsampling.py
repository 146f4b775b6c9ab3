"""Sub-pixel convolution's rearrangement and the parametric ReLU, for super-resolution.

Both are compositions of differentiable ops that already exist (reshape, transpose,
relu, mul), so their first and second derivatives come for free and need no new
Function class.

    pixel_shuffle(x, r)   (N, C r^2, H, W) -> (N, C, H r, W r)    Shi et al. 2016
    pixel_unshuffle(x, r) the inverse:  (N, C, H r, W r) -> (N, C r^2, H, W)
    prelu(x, weight)      max(0, x) + a min(0, x), one a per channel  He et al. 2015
"""
from . import math as M
from .activation import relu


def pixel_shuffle(x, upscale_factor):
    """Rearrange channels into space, as torch.nn.functional.pixel_shuffle.

    x: (N, C*r*r, H, W) -> (N, C, H*r, W*r) with

        out[n, c, h*r + i, w*r + j] = x[n, c*r*r + i*r + j, h, w]

    The "efficient sub-pixel convolution" of Shi et al. (2016, eq. 4): a convolution
    at low resolution with C r^2 output channels followed by this periodic shuffle
    is a convolution with stride 1/r (lesson 14 checks it equals a transposed conv).
    """
    r = int(upscale_factor)
    n, crr, h, w = x.shape
    if r < 1 or crr % (r * r):
        raise ValueError(f"pixel_shuffle: {crr} channels are not divisible by r^2 = {r * r}")
    c = crr // (r * r)
    x = M.reshape(x, (n, c, r, r, h, w))                # channel index = c r^2 + i r + j
    x = M.transpose(x, (0, 1, 4, 2, 5, 3))              # (n, c, h, i, w, j)
    return M.reshape(x, (n, c, h * r, w * r))           # row h r + i, column w r + j


def pixel_unshuffle(x, downscale_factor):
    """The inverse of pixel_shuffle: x (N, C, H*r, W*r) -> (N, C*r*r, H, W)."""
    r = int(downscale_factor)
    n, c, hr, wr = x.shape
    if r < 1 or hr % r or wr % r:
        raise ValueError(f"pixel_unshuffle: {hr}x{wr} is not divisible by r = {r}")
    h, w = hr // r, wr // r
    x = M.reshape(x, (n, c, h, r, w, r))
    x = M.transpose(x, (0, 1, 3, 5, 2, 4))              # (n, c, i, j, h, w)
    return M.reshape(x, (n, c * r * r, h, w))


def prelu(x, weight):
    """Parametric ReLU (He et al. 2015, eq. 1), as torch.nn.functional.prelu.

    x: (N, C, ...) or any shape when weight has one element; weight: (1,) or (C,),
    the learned negative slopes a, one per channel (channel axis 1, or axis 0 for a
    1-D x).  f(x) = max(0, x) + a min(0, x) = relu(x) - a relu(-x).
    """
    k = weight.shape[0] if weight.ndim else 1
    if k > 1:
        axis = 1 if x.ndim >= 2 else 0
        if x.shape[axis] != k:
            raise ValueError(f"prelu: {k} slopes for {x.shape[axis]} channels")
        shape = [1] * x.ndim
        shape[axis] = k
        weight = M.reshape(weight, tuple(shape))
    elif weight.ndim:
        weight = M.reshape(weight, ())
    return M.sub(relu(x), M.mul(weight, relu(M.neg(x))))
