"""Convolution as explicit matrix products: im2col, col2im, conv2d, conv_transpose2d.

A convolution is one matrix product once every receptive field is laid out as
a row (Chellapilla et al. 2006, "High performance convolutional neural networks
for document processing"; Caffe's im2col).  With x: (N, C, H, W),
w: (O, C, KH, KW) and OH = (H + 2p - KH) // s + 1 (PyTorch's formula):

    cols = im2col(x)                   (N*OH*OW, C*KH*KW)  one row per output pixel
    y = cols @ w.reshape(O, -1).T      (N*OH*OW, O)        the whole layer, one product

and a transposed convolution is the same picture read backwards: one product
gives every input pixel's KH x KW stamp, and col2im adds the stamps up.

Gradients come from the pieces: <im2col(x), c> = <x, col2im(c)>, so each is
the other's adjoint and backward, and a matrix product's gradients are again
products.  For conv2d, with gY: (N*OH*OW, O) the upstream gradient as rows,

    gx = col2im(gY @ w.reshape(O, -1))      the input gradient, a transposed convolution
    gw = gY^T @ cols                         the weight gradient, the third product

and second derivatives (the WGAN-GP penalty through a conv critic) need no new code.

This is the plain path, the one lesson 05 prints.  By default conv2d and
conv_transpose2d run the same products in a faster memory layout
(conv_fast.py); ``minigan.functional.fast.enabled = False`` runs this code.
"""
import numbers

from ..autograd import Function, as_tensor
from ..backend import get_array_module as _xp, as_strided
from . import conv_fast, fast
from .math import check_dtypes, matmul, reshape, transpose


# ---------------------------------------------------------------- geometry

def pair(v, name):
    """An int or a pair of ints as a pair (height, width) of Python ints."""
    hw = (v, v) if isinstance(v, numbers.Integral) else tuple(v) if hasattr(v, "__len__") else ()
    if len(hw) != 2 or not all(isinstance(n, numbers.Integral) for n in hw):
        raise ValueError(f"{name} must be an int or a pair of ints, got {v!r}")
    return tuple(int(n) for n in hw)


def conv_output_size(hw, ksize, stride, padding):
    """PyTorch's Conv2d output size, per axis: floor((size + 2p - k) / s) + 1."""
    return tuple((n + 2 * p - k) // s + 1 for n, k, s, p in zip(hw, ksize, stride, padding))


def conv_transpose_output_size(hw, ksize, stride, padding, output_padding=(0, 0)):
    """PyTorch's ConvTranspose2d output size, per axis: (size - 1) s - 2p + k + output_padding."""
    return tuple((n - 1) * s - 2 * p + k + op
                 for n, k, s, p, op in zip(hw, ksize, stride, padding, output_padding))


# ------------------------------------------------------- im2col and col2im

def _receptive_fields(x, ksize, stride, padding):
    """Every receptive field of x: (N, C, H, W) as a strided view (N, OH, OW, C, KH, KW).

    Element [n, oh, ow, c, i, j] is x_padded[n, c, s*oh + i, s*ow + j]: no copy yet.
    """
    (kh, kw), (sh, sw), (ph, pw) = ksize, stride, padding
    n, c, h, w = x.shape
    xpad = _xp(x).zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
    xpad[:, :, ph:ph + h, pw:pw + w] = x
    oh, ow = conv_output_size((h, w), ksize, stride, padding)
    s_n, s_c, s_h, s_w = xpad.strides
    return as_strided(xpad, (n, oh, ow, c, kh, kw), (s_n, sh * s_h, sw * s_w, s_c, s_h, s_w))


class Im2col(Function):
    """(N, C, H, W) -> (N*OH*OW, C*KH*KW), rows in (n, oh, ow) order, columns (c, kh, kw)."""

    def __init__(self, ksize, stride, padding):
        self.ksize, self.stride, self.padding = ksize, stride, padding

    def forward(self, x):
        fields = _receptive_fields(x, self.ksize, self.stride, self.padding)
        n, oh, ow, c, kh, kw = fields.shape
        return fields.reshape(n * oh * ow, c * kh * kw)        # the one copy

    def backward(self, gcols, needs):
        return Col2im(self.inputs[0].shape, self.ksize, self.stride, self.padding)(gcols)


class Col2im(Function):
    """The adjoint of Im2col: (N*OH*OW, C*KH*KW) -> (N, C, H, W), overlaps summed."""

    def __init__(self, x_shape, ksize, stride, padding):
        self.x_shape = tuple(x_shape)
        self.ksize, self.stride, self.padding = ksize, stride, padding

    def forward(self, cols):
        (n, c, h, w), (kh, kw), (sh, sw), (ph, pw) = (self.x_shape, self.ksize,
                                                      self.stride, self.padding)
        oh, ow = conv_output_size((h, w), self.ksize, self.stride, self.padding)
        fields = cols.reshape(n, oh, ow, c, kh, kw)
        img = _xp(cols).zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
        for i in range(kh):             # one strided slice-add per kernel offset (i, j)
            for j in range(kw):
                img[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw] += \
                    fields[:, :, :, :, i, j].transpose(0, 3, 1, 2)
        return img[:, :, ph:ph + h, pw:pw + w]

    def backward(self, gx, needs):
        return Im2col(self.ksize, self.stride, self.padding)(gx)


def im2col(x, kh, kw, stride=1, padding=0):
    """The im2col matrix of x: (N, C, H, W) -> (N*OH*OW, C*KH*KW).

    Row n*OH*OW + oh*OW + ow holds the receptive field of output pixel (oh, ow)
    of image n, in (c, kh, kw) order, so that conv2d(x, w) equals
    im2col(x) @ w.reshape(O, -1).T, reshaped to (N, OH, OW, O).
    Differentiable; its backward is ``col2im``.
    """
    x = as_tensor(x)
    ksize, stride, padding = (kh, kw), pair(stride, "stride"), pair(padding, "padding")
    _check_image(x, "im2col")
    _check_geometry(x.shape, ksize, stride, padding, "im2col")
    return Im2col(ksize, stride, padding)(x)


def col2im(cols, x_shape, kh, kw, stride=1, padding=0):
    """The adjoint of im2col: (N*OH*OW, C*KH*KW) -> (N, C, H, W) with x_shape = (N, C, H, W).

    Adds every entry back into the pixel it came from, so <im2col(x), c> = <x, col2im(c)>.
    """
    cols = as_tensor(cols)
    ksize, stride, padding = (kh, kw), pair(stride, "stride"), pair(padding, "padding")
    x_shape = tuple(x_shape)
    if len(x_shape) != 4:
        raise ValueError(f"col2im: x_shape must be (N, C, H, W), got {x_shape}")
    _check_geometry(x_shape, ksize, stride, padding, "col2im")
    n, c, h, w = x_shape
    oh, ow = conv_output_size((h, w), ksize, stride, padding)
    expected = (n * oh * ow, c * kh * kw)
    if tuple(cols.shape) != expected:
        raise ValueError(f"col2im: cols must have shape (N*OH*OW, C*KH*KW) = {expected} "
                         f"for x_shape {x_shape}, got {tuple(cols.shape)}")
    return Col2im(x_shape, ksize, stride, padding)(cols)


# ------------------------------------------------------------- the plain path

def conv2d_plain(x, w, b, stride, padding):
    """conv2d as lesson 05 writes it: im2col, then one matrix product."""
    (n, _, h, wd), (o, c, kh, kw) = x.shape, w.shape
    oh, ow = conv_output_size((h, wd), (kh, kw), stride, padding)
    cols = Im2col((kh, kw), stride, padding)(x)                 # (N*OH*OW, C*KH*KW)
    y = matmul(cols, transpose(reshape(w, (o, c * kh * kw))))   # (N*OH*OW, O)
    if b is not None:
        y = y + b
    return transpose(reshape(y, (n, oh, ow, o)), (0, 3, 1, 2))  # (N, O, OH, OW)


def conv_transpose2d_plain(x, w, b, stride, padding, out_hw):
    """conv_transpose2d as lesson 05 writes it: one matrix product, then col2im."""
    (n, c_in, h, wd), (_, c_out, kh, kw) = x.shape, w.shape
    rows = reshape(transpose(x, (0, 2, 3, 1)), (n * h * wd, c_in))    # one row per pixel
    cols = matmul(rows, reshape(w, (c_in, c_out * kh * kw)))          # each pixel's stamp
    y = Col2im((n, c_out) + tuple(out_hw), (kh, kw), stride, padding)(cols)
    return y if b is None else y + reshape(b, (1, c_out, 1, 1))


# -------------------------------------------------------- public functions

def _check_image(x, fname, name="x"):
    if x.ndim != 4:
        raise ValueError(f"{fname}: expected {name} of shape (N, C, H, W), "
                         f"got shape {tuple(x.shape)}")


def _check_geometry(x_shape, ksize, stride, padding, fname):
    if min(stride) < 1:
        raise ValueError(f"{fname}: stride must be >= 1, got {stride}")
    if min(padding) < 0:
        raise ValueError(f"{fname}: padding must be >= 0, got {padding}")
    if min(ksize) < 1:
        raise ValueError(f"{fname}: kernel size must be >= 1, got {ksize}")
    h, w = x_shape[2:]
    ph, pw = padding
    if ksize[0] > h + 2 * ph or ksize[1] > w + 2 * pw:
        raise ValueError(f"{fname}: kernel size (KH, KW) = {tuple(ksize)} is larger than the "
                         f"padded input (H + 2p, W + 2p) = ({h + 2 * ph}, {w + 2 * pw}) "
                         f"of x with shape {tuple(x_shape)}")


def _check_bias(b, channels, fname):
    if b is not None and tuple(b.shape) != (channels,):
        raise ValueError(f"{fname}: expected b of shape ({channels},), got {tuple(b.shape)}")


def conv2d(x, w, b=None, stride=1, padding=0):
    """2-D convolution (cross-correlation, as in PyTorch) as im2col + one matrix product.

    x: (N, C, H, W), w: (O, C, KH, KW), b: (O,) or None -> (N, O, OH, OW) with
    OH = (H + 2*padding - KH) // stride + 1 (likewise OW).  stride and padding
    are ints or (height, width) pairs.
    """
    x, w = as_tensor(x), as_tensor(w)
    b = None if b is None else as_tensor(b)
    stride, padding = pair(stride, "stride"), pair(padding, "padding")
    _check_image(x, "conv2d")
    if w.ndim != 4:
        raise ValueError(f"conv2d: expected w of shape (O, C, KH, KW), got shape {tuple(w.shape)}")
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"conv2d: x of shape {tuple(x.shape)} has C = {x.shape[1]} channels, "
                         f"but w of shape (O, C, KH, KW) = {tuple(w.shape)} expects "
                         f"C = {w.shape[1]}")
    _check_geometry(x.shape, w.shape[2:], stride, padding, "conv2d")
    _check_bias(b, w.shape[0], "conv2d")
    check_dtypes("conv2d", x, w, b)
    if not fast.enabled:
        return conv2d_plain(x, w, b, stride, padding)
    out_hw = conv_output_size(x.shape[2:], w.shape[2:], stride, padding)
    f = conv_fast.Conv2d(stride, padding, out_hw)
    return f(x, w) if b is None else f(x, w, b)


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0):
    """Transposed convolution: the adjoint of conv2d in x, as one matrix product + col2im.

    x: (N, C_in, H, W), w: (C_in, C_out, KH, KW) (PyTorch's layout), b: (C_out,) or
    None -> (N, C_out, OH, OW) with OH = (H - 1)*stride - 2*padding + KH + output_padding.
    output_padding (< stride) picks one of the input sizes that a stride-s
    conv2d maps to the same output size (Dumoulin & Visin 2016, "A guide to
    convolution arithmetic", relationship 14).
    """
    x, w = as_tensor(x), as_tensor(w)
    b = None if b is None else as_tensor(b)
    stride, padding = pair(stride, "stride"), pair(padding, "padding")
    output_padding = pair(output_padding, "output_padding")
    _check_image(x, "conv_transpose2d")
    if w.ndim != 4:
        raise ValueError("conv_transpose2d: expected w of shape (C_in, C_out, KH, KW), "
                         f"got shape {tuple(w.shape)}")
    if x.shape[1] != w.shape[0]:
        raise ValueError(f"conv_transpose2d: x of shape {tuple(x.shape)} has C_in = "
                         f"{x.shape[1]} channels, but w of shape (C_in, C_out, KH, KW) = "
                         f"{tuple(w.shape)} expects C_in = {w.shape[0]}")
    if min(stride) < 1 or min(padding) < 0 or min(output_padding) < 0:
        raise ValueError(f"conv_transpose2d: need stride >= 1, padding >= 0, output_padding "
                         f">= 0, got {stride}, {padding}, {output_padding}")
    if output_padding[0] >= stride[0] or output_padding[1] >= stride[1]:
        raise ValueError(f"conv_transpose2d: output_padding {output_padding} must be smaller "
                         f"than stride {stride}")
    out_hw = conv_transpose_output_size(x.shape[2:], w.shape[2:], stride, padding,
                                        output_padding)
    if min(out_hw) < 1:
        raise ValueError(f"conv_transpose2d: the output size {out_hw} computed from x of "
                         f"shape {tuple(x.shape)}, w of shape {tuple(w.shape)}, stride {stride}, "
                         f"padding {padding} is not positive")
    _check_bias(b, w.shape[1], "conv_transpose2d")
    check_dtypes("conv_transpose2d", x, w, b)
    if not fast.enabled:
        return conv_transpose2d_plain(x, w, b, stride, padding, out_hw)
    f = conv_fast.ConvTranspose2d(stride, padding, out_hw)
    return f(x, w) if b is None else f(x, w, b)
