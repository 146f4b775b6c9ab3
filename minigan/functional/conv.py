"""Convolution as explicit matrix products: im2col, col2im, conv2d, conv_transpose2d.

A convolution is one matrix product once every receptive field is laid out as
a column (Chellapilla et al. 2006, "High performance convolutional neural
networks for document processing"; Caffe's im2col).  With x: (N, C, H, W),
w: (O, C, KH, KW) and OH = (H + 2p - KH) // s + 1 (PyTorch's formula):

    im2col(x)                      (N*OH*OW, C*KH*KW)  one row per output pixel
    y = im2col(x) @ w.reshape(O, -1).T                 the whole layer, one product

Memory layout (what makes this fast).  conv2d computes the same product
transposed, Y = W @ cols with cols = im2col(x)^T stored contiguously as
(C*KH*KW, OH*OW*N): the batch index runs fastest.  Then
  * Y: (O, OH*OW*N) *is* the output in (C, H, W, N) memory, and the NCHW
    result is a transposed view (no copy).  The next layer reads such an image
    again as a (C, H*W*N) matrix for free; element-wise layers in between keep
    the memory order (NumPy's order="K").
  * the copy into columns and the slice-adds of col2im move runs of N
    contiguous numbers (64 in DCGAN) instead of runs of OW (7 or 14): at the
    64->128 DCGAN layer im2col is 6x and col2im 3x faster than with the
    (C, N, H, W) order, and 11x and 8x faster than with the textbook
    (N, OH, OW, C, KH, KW) order (benchmarks/README.md).  Krizhevsky's
    cuda-convnet used the same batch-last layout.
The public ``im2col``/``col2im`` keep the textbook row order (n, oh, ow); both
orders are one copy of the same strided view (``_windows``).

Gradients (<a, b> is the sum of a * b):
    <conv2d(x, w), y> = <x, conv_transpose2d(y, w)>, so the input gradient of
    each is the other; the weight gradient dW = gY @ cols^T is its own Function
    (Conv2dGradW) whose backward is again conv2d / conv_transpose2d.
So second derivatives (the WGAN-GP penalty through a conv critic) need no new code.
"""
import numbers

from .. import backend
from ..autograd import Function, as_tensor
from .math import sum as _sum


def _xp(*arrays):
    return backend.get_array_module(*arrays)


_PART_BYTES = 4 * 2**20     # conv_transpose2d's columns are made in parts of about this size


def _pair(v, name):
    """An int or a pair of ints as a pair (height, width) of Python ints."""
    if isinstance(v, numbers.Integral):
        pair = (v, v)
    else:
        pair = tuple(v) if hasattr(v, "__len__") else ()
    if len(pair) != 2 or not all(isinstance(n, numbers.Integral) for n in pair):
        raise ValueError(f"{name} must be an int or a pair of ints, got {v!r}")
    return tuple(int(n) for n in pair)


def _out_size(size, k, s, p):
    """PyTorch's Conv2d output size: floor((size + 2p - k) / s) + 1."""
    return (size + 2 * p - k) // s + 1


def _out_sizes(hw, ksize, stride, padding):
    return tuple(_out_size(n, k, s, p) for n, k, s, p in zip(hw, ksize, stride, padding))


# The (N, C, H, W) image whose memory is ordered (C, H, W, N), and back.
def _chwn_view(a):
    """(C, H, W, N) array -> the same memory seen as (N, C, H, W)."""
    return a.transpose(3, 0, 1, 2)


def _channel_matrix(x):
    """x: (N, C, H, W) -> (C, H*W*N); free when x has (C, H, W, N) memory."""
    return x.transpose(1, 2, 3, 0).reshape(x.shape[1], -1)


# ------------------------------------------------------- im2col and col2im

def _pad(x, ph, pw):
    """Zero-pad H and W of x: (N, C, H, W); the new buffer has (C, H, W, N) memory."""
    if ph == 0 and pw == 0:
        return x
    n, c, h, w = x.shape
    buf = _chwn_view(_xp(x).zeros((c, h + 2 * ph, w + 2 * pw, n), dtype=x.dtype))
    buf[:, :, ph:ph + h, pw:pw + w] = x
    return buf


def _windows(x, ksize, stride, padding):
    """All receptive fields of x as a strided view (no copy): (C, KH, KW, OH, OW, N).

    Element [c, i, j, oh, ow, n] is x_padded[n, c, s*oh + i, s*ow + j]: for each
    kernel offset (i, j), a shifted and subsampled window of the padded image.
    """
    (kh, kw), (sh, sw), (ph, pw) = ksize, stride, padding
    n, c, h, w = x.shape
    oh, ow = _out_sizes((h, w), ksize, stride, padding)
    xpad = _pad(x, ph, pw)
    s_n, s_c, s_h, s_w = xpad.strides
    return backend.as_strided(xpad, (c, kh, kw, oh, ow, n),
                              (s_c, s_h, s_w, sh * s_h, sw * s_w, s_n))


def _unfold(x, ksize, stride, padding):
    """Columns of x: (N, C, H, W) -> contiguous (C*KH*KW, OH*OW*N); the reshape is the one copy."""
    win = _windows(x, ksize, stride, padding)
    c, kh, kw, oh, ow, n = win.shape
    return win.reshape(c * kh * kw, oh * ow * n)


def _fold(blocks, x_shape, stride, padding):
    """The adjoint of ``_windows``: blocks (C, KH, KW, OH, OW, N) -> (N, C, H, W).

    Every entry is added back to the pixel it was copied from.  Pixels shared by
    overlapping windows receive several entries, so we accumulate: one strided
    slice-add per kernel offset (KH*KW of them), each adding a whole
    (C, OH, OW, N) block; no per-element scatter.
    """
    img = _padded_zeros(blocks, blocks.shape[0], x_shape, padding)
    _add_blocks(img, blocks, 0, stride)
    return _crop(img, x_shape, padding)


def _padded_zeros(like, c, x_shape, padding):
    """Zeros (C, H + 2p, W + 2p, N): the padded image that col2im accumulates into."""
    (h, w), (ph, pw), n = x_shape[2:], padding, x_shape[0]
    return _xp(like).zeros((c, h + 2 * ph, w + 2 * pw, n), dtype=like.dtype)


def _add_blocks(img, blocks, i0, stride):
    """img[:, s*oh + i, s*ow + j, :] += blocks[:, i - i0, j, oh, ow, :] for the kernel
    rows i0, i0 + 1, ... that ``blocks`` holds: one strided slice-add per offset (i, j)."""
    _, rows, kw, oh, ow, _ = blocks.shape
    sh, sw = stride
    for i in range(i0, i0 + rows):
        for j in range(kw):
            img[:, i:i + sh * oh:sh, j:j + sw * ow:sw, :] += blocks[:, i - i0, j]


def _crop(img, x_shape, padding):
    """Cut the padding off: NCHW with (C, H, W, N) memory, a view."""
    (h, w), (ph, pw) = x_shape[2:], padding
    return _chwn_view(img[:, ph:ph + h, pw:pw + w, :])


class Im2col(Function):
    """(N, C, H, W) -> (N*OH*OW, C*KH*KW), rows in (n, oh, ow) order, columns (c, kh, kw)."""

    def __init__(self, ksize, stride, padding):
        self.ksize, self.stride, self.padding = ksize, stride, padding

    def forward(self, x):
        self.x_shape = x.shape
        win = _windows(x, self.ksize, self.stride, self.padding)   # (C, KH, KW, OH, OW, N)
        c, kh, kw, oh, ow, n = win.shape
        return win.transpose(5, 3, 4, 0, 1, 2).reshape(n * oh * ow, c * kh * kw)

    def backward(self, gcols):
        return Col2im(self.x_shape, self.ksize, self.stride, self.padding)(gcols)


class Col2im(Function):
    def __init__(self, x_shape, ksize, stride, padding):
        self.x_shape = tuple(x_shape)
        self.ksize, self.stride, self.padding = ksize, stride, padding

    def forward(self, cols):
        n, c, h, w = self.x_shape
        oh, ow = _out_sizes((h, w), self.ksize, self.stride, self.padding)
        # the textbook rows (n, oh, ow) seen as blocks (C, KH, KW, OH, OW, N): a view
        blocks = cols.reshape((n, oh, ow, c) + self.ksize).transpose(3, 4, 5, 1, 2, 0)
        return _fold(blocks, self.x_shape, self.stride, self.padding)

    def backward(self, gx):
        return Im2col(self.ksize, self.stride, self.padding)(gx)


def im2col(x, kh, kw, stride=1, padding=0):
    """The im2col matrix of x: (N, C, H, W) -> (N*OH*OW, C*KH*KW).

    Row n*OH*OW + oh*OW + ow holds the receptive field of output pixel (oh, ow)
    of image n, in (c, kh, kw) order, so that conv2d(x, w) equals
    im2col(x) @ w.reshape(O, -1).T, reshaped to (N, OH, OW, O).
    A strided view of the padded input, then one copy.  Differentiable; its
    backward is ``col2im``.
    """
    x = as_tensor(x)
    ksize, stride, padding = (kh, kw), _pair(stride, "stride"), _pair(padding, "padding")
    _check_image(x, "im2col")
    _check_geometry(x.shape, ksize, stride, padding, "im2col")
    return Im2col(ksize, stride, padding)(x)


def col2im(cols, x_shape, kh, kw, stride=1, padding=0):
    """The adjoint of im2col: (N*OH*OW, C*KH*KW) -> (N, C, H, W) with x_shape = (N, C, H, W).

    Adds every entry back into the pixel it came from, so <im2col(x), c> = <x, col2im(c)>.
    """
    cols = as_tensor(cols)
    ksize, stride, padding = (kh, kw), _pair(stride, "stride"), _pair(padding, "padding")
    x_shape = tuple(x_shape)
    if len(x_shape) != 4:
        raise ValueError(f"col2im: x_shape must be (N, C, H, W), got {x_shape}")
    _check_geometry(x_shape, ksize, stride, padding, "col2im")
    n, c, h, w = x_shape
    oh, ow = _out_sizes((h, w), ksize, stride, padding)
    expected = (n * oh * ow, c * kh * kw)
    if tuple(cols.shape) != expected:
        raise ValueError(f"col2im: cols must have shape (N*OH*OW, C*KH*KW) = {expected} "
                         f"for x_shape {x_shape}, got {tuple(cols.shape)}")
    return Col2im(x_shape, ksize, stride, padding)(cols)


# ------------------------------------------------------------------ conv2d

class Conv2d(Function):
    """y = conv2d(x, w, b): x (N, C, H, W), w (O, C, KH, KW), b (O,) -> (N, O, OH, OW).

    cols: the columns of x, if the caller already has them (a backward pass),
    kept then for the weight gradient.  Columns made here are not kept: they are
    KH*KW / (stride^2) times larger than x (4 times in DCGAN, 12.8 MB at 64->128),
    so the weight gradient unfolds x again (a fraction of a millisecond) rather
    than every convolution holding them for the whole step; PyTorch, too, saves x.
    """

    def __init__(self, stride, padding, cols=None):
        self.stride, self.padding, self.cols = stride, padding, cols

    def forward(self, x, w, b=None):
        o, c, kh, kw = w.shape
        n = x.shape[0]
        oh, ow = _out_sizes(x.shape[2:], (kh, kw), self.stride, self.padding)
        cols = self.cols
        if cols is None:
            cols = _unfold(x, (kh, kw), self.stride, self.padding)
        y = w.reshape(o, c * kh * kw) @ cols                # (O, OH*OW*N)
        if b is not None:
            y += b[:, None]                                 # y is ours: add in place
        return _chwn_view(y.reshape(o, oh, ow, n))

    def backward(self, gy):
        x, w = self.inputs[:2]
        need = self.needs_input_grad
        gx = gw = gb = None
        if need[0]:     # <conv2d(x, w), gy> = <x, conv_transpose2d(gy, w)>
            gx = ConvTranspose2d(self.stride, self.padding, x.shape[2:])(gy, w)
        if need[1]:
            gw = Conv2dGradW(self.stride, self.padding, w.shape[2:], self.cols)(gy, x)
        if len(need) == 3 and need[2]:
            gb = _sum(gy, axis=(0, 2, 3))
        return gx, gw, gb


class Conv2dGradW(Function):
    """The weight gradient of conv2d: gw = gY @ cols(x)^T, (O, C, KH, KW).

    gy: (N, O, OH, OW) the gradient of the output; x: (N, C, H, W) the input.
    It is bilinear in (gy, x), and its adjoints are again convolutions:
    <gw(gy, x), v> = <gy, conv2d(x, v)> = <x, conv_transpose2d(gy, v)>.
    """

    def __init__(self, stride, padding, ksize, cols=None):
        self.stride, self.padding, self.ksize, self.cols = stride, padding, tuple(ksize), cols

    def forward(self, gy, x):
        o, c = gy.shape[1], x.shape[1]
        if self.cols is None:
            self.cols = _unfold(x, self.ksize, self.stride, self.padding)
        gw = _channel_matrix(gy) @ self.cols.T    # the transpose is a BLAS flag, not a copy
        return gw.reshape((o, c) + self.ksize)

    def backward(self, ggw):
        gy, x = self.inputs
        g_gy = g_x = None
        if self.needs_input_grad[0]:
            g_gy = Conv2d(self.stride, self.padding, self.cols)(x, ggw)
        if self.needs_input_grad[1]:
            g_x = ConvTranspose2d(self.stride, self.padding, x.shape[2:])(gy, ggw)
        return g_gy, g_x


# -------------------------------------------------------- conv_transpose2d

class ConvTranspose2d(Function):
    """y = conv_transpose2d(x, w, b) with the output size out_hw = (OH, OW) given.

    x: (N, C_in, H, W), w: (C_in, C_out, KH, KW) -> (N, C_out, OH, OW).  The
    columns are w^T @ x (one column per input pixel, holding its contribution to
    a KH x KW patch of the output), and col2im adds the overlapping patches
    (a few kernel rows at a time, see forward).
    """

    def __init__(self, stride, padding, out_hw):
        self.stride, self.padding, self.out_hw = stride, padding, tuple(out_hw)

    def forward(self, x, w, b=None):
        c_in, c_out, kh, kw = w.shape
        n, _, h, wd = x.shape
        y_shape = (n, c_out) + self.out_hw
        xmat = _channel_matrix(x)                               # (C_in, H*W*N)
        img = _padded_zeros(x, c_out, y_shape, self.padding)
        # The columns w^T @ x, (C_out*KH*KW, H*W*N), are 4x the output in DCGAN
        # (12.8 MB at 128->64).  Made a few kernel rows at a time (about 4 MB) and
        # added into the output while still in the cache, they cost 7% less time,
        # and the generator's largest temporary array is gone.
        rows = max(1, _PART_BYTES // (c_out * kw * xmat.shape[1] * x.itemsize))
        for i0 in range(0, kh, rows):
            part = w[:, :, i0:i0 + rows].reshape(c_in, -1).T @ xmat
            blocks = part.reshape((c_out, -1, kw, h, wd, n))
            _add_blocks(img, blocks, i0, self.stride)
        y = _crop(img, y_shape, self.padding)
        if b is not None:
            y += b[:, None, None]       # y views a fresh buffer of ours
        return y

    def backward(self, gy):
        x, w = self.inputs[:2]
        need = self.needs_input_grad
        gx = gw = gb = None
        if need[0] or need[1]:
            # both gradients read the columns of gy: unfold it once
            cols = _unfold(gy.data, w.shape[2:], self.stride, self.padding)
            if need[0]:
                gx = Conv2d(self.stride, self.padding, cols)(gy, w)
            if need[1]:     # conv2d's (gy, x) roles are played by (x, gy)
                gw = Conv2dGradW(self.stride, self.padding, w.shape[2:], cols)(x, gy)
        if len(need) == 3 and need[2]:
            gb = _sum(gy, axis=(0, 2, 3))
        return gx, gw, gb


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


def _check_dtypes(fname, *tensors):
    dtypes = {t.dtype for t in tensors if t is not None}
    if len(dtypes) > 1:
        names = ", ".join(str(t.dtype) for t in tensors if t is not None)
        raise TypeError(f"{fname}: x, w (and b) must have one dtype, got {names}")


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
    stride, padding = _pair(stride, "stride"), _pair(padding, "padding")
    _check_image(x, "conv2d")
    if w.ndim != 4:
        raise ValueError(f"conv2d: expected w of shape (O, C, KH, KW), got shape {tuple(w.shape)}")
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"conv2d: x of shape {tuple(x.shape)} has C = {x.shape[1]} channels, "
                         f"but w of shape (O, C, KH, KW) = {tuple(w.shape)} expects "
                         f"C = {w.shape[1]}")
    _check_geometry(x.shape, w.shape[2:], stride, padding, "conv2d")
    _check_bias(b, w.shape[0], "conv2d")
    _check_dtypes("conv2d", x, w, b)
    f = Conv2d(stride, padding)
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
    stride, padding = _pair(stride, "stride"), _pair(padding, "padding")
    output_padding = _pair(output_padding, "output_padding")
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
    out_hw = tuple((n - 1) * s - 2 * p + k + op for n, s, p, k, op in
                   zip(x.shape[2:], stride, padding, w.shape[2:], output_padding))
    if min(out_hw) < 1:
        raise ValueError(f"conv_transpose2d: the output size {out_hw} computed from x of "
                         f"shape {tuple(x.shape)}, w of shape {tuple(w.shape)}, stride {stride}, "
                         f"padding {padding} is not positive")
    _check_bias(b, w.shape[1], "conv_transpose2d")
    _check_dtypes("conv_transpose2d", x, w, b)
    f = ConvTranspose2d(stride, padding, out_hw)
    return f(x, w) if b is None else f(x, w, b)
