"""The fast path of conv2d and conv_transpose2d: the plain path's products in a batch-last layout.

conv.py computes y = im2col(x) @ W^T with rows in (n, oh, ow) order.  Here the
same product is computed transposed, Y = W @ cols, with cols = im2col(x)^T
stored contiguously as (C*KH*KW, OH*OW*N): the batch index runs fastest.  Then
  * Y: (O, OH*OW*N) *is* the output in (C, H, W, N) memory, and the NCHW
    result is a transposed view (no copy).  The next convolution reads such an
    image again as a (C, H*W*N) matrix for free; element-wise layers in between
    keep the memory order (NumPy's order="K").
  * the copy into columns and the slice-adds of col2im move runs of N
    contiguous numbers (64 in DCGAN) instead of runs of OW (7 or 14): at the
    64->128 DCGAN layer im2col is 6x and col2im 3x faster than with the
    (C, N, H, W) order, and 11x and 8x faster than with the textbook
    (N, OH, OW, C, KH, KW) order (benchmarks/README.md).  Krizhevsky's
    cuda-convnet used the same batch-last layout.
  * conv_transpose2d makes its columns a few kernel rows at a time and adds
    them into the output while they are still in the cache; conv2d and its weight
    gradient make theirs a few output rows at a time (``_unfold_by_rows``), so no
    whole column matrix (up to 288 times the output) is ever alive.
Gradients: <conv2d(x, w), y> = <x, conv_transpose2d(y, w)>, so the input
gradient of each is the other; the weight gradient dW = gY @ cols^T is its own
Function (Conv2dGradW) whose backward is again conv2d / conv_transpose2d; the
bias gradient sums gY per channel as a product with ones (BiasGrad).  Without a
graph, a stride-1 conv2d takes both gradients from gY's columns alone
(Conv2d._backward_arrays).  Every column part is made in one buffer kept across
calls (_part_buffer).
tests/engine/test_fast_paths.py checks values, first and second derivatives
against the plain path.  Callers (conv.py) have checked shapes and computed
the output size out_hw = (OH, OW).
"""
from ..autograd import Function, Tensor, is_grad_enabled
from ..backend import get_array_module as _xp, as_strided
from .fast import channel_sums
from .math import broadcast_to, reshape

_PART_BYTES = 4 * 2**20     # conv_transpose2d's columns are made in parts of about this size
_scratch = {}               # (array module, dtype) -> the buffer every column part is made in


# The (N, C, H, W) image whose memory is ordered (C, H, W, N), and back.
def _chwn_view(a):
    """(C, H, W, N) array -> the same memory seen as (N, C, H, W)."""
    return a.transpose(3, 0, 1, 2)


def _channel_matrix(x):
    """x: (N, C, H, W) -> (C, H*W*N); free when x has (C, H, W, N) memory."""
    return x.transpose(1, 2, 3, 0).reshape(x.shape[1], -1)


def _windows(x, ksize, stride, padding, out_hw):
    """Every receptive field of x: (N, C, H, W) as a strided view (C, KH, KW, OH, OW, N) of
    the padded x, whose element [c, i, j, oh, ow, n] is x_padded[n, c, s*oh + i, s*ow + j]."""
    (kh, kw), (sh, sw), (ph, pw), (oh, ow) = ksize, stride, padding, out_hw
    n, c, h, w = x.shape
    xpad = x
    if ph or pw:        # a padded copy in (C, H, W, N) memory
        xpad = _chwn_view(_xp(x).zeros((c, h + 2 * ph, w + 2 * pw, n), dtype=x.dtype))
        xpad[:, :, ph:ph + h, pw:pw + w] = x
    s_n, s_c, s_h, s_w = xpad.strides
    return as_strided(xpad, (c, kh, kw, oh, ow, n), (s_c, s_h, s_w, sh * s_h, sw * s_w, s_n))


def _is_pointwise(ksize, stride, padding):
    return tuple(ksize) + tuple(stride) + tuple(padding) == (1, 1, 1, 1, 0, 0)


def _unfold(x, ksize, stride, padding, out_hw):
    """Columns of x: (N, C, H, W) -> contiguous (C*KH*KW, OH*OW*N); the reshape is the one copy."""
    if _is_pointwise(ksize, stride, padding):
        return _channel_matrix(x)       # 1x1 windows: x itself, free in (C, H, W, N) memory
    win = _windows(x, ksize, stride, padding, out_hw)
    c, kh, kw, oh, ow, n = win.shape
    return win.reshape(c * kh * kw, oh * ow * n)


def _unfold_by_rows(x, ksize, stride, padding, out_hw):
    """The columns of x a few output rows at a time: (r0, r1, columns of rows r0..r1-1).

    The columns of rows r0..r1 are the column range [r0*OW*N, r1*OW*N) of ``_unfold``.
    Each part is about _PART_BYTES: whole columns are KH*KW/stride^2 times x, and 288
    times the output of SRResNet's last 3x3 convolution (14 MB against 0.05 MB).
    """
    oh = out_hw[0]
    if _is_pointwise(ksize, stride, padding):
        yield 0, oh, _channel_matrix(x)
        return
    win = _windows(x, ksize, stride, padding, out_hw)
    c, kh, kw, _, ow, n = win.shape
    rows = max(1, _PART_BYTES // (c * kh * kw * ow * n * x.itemsize))
    buf = _part_buffer(x, c * kh * kw * min(rows, oh) * ow * n)
    for r0 in range(0, oh, rows):
        r1 = min(r0 + rows, oh)
        cols = buf[:c * kh * kw * (r1 - r0) * ow * n]
        _xp(x).copyto(cols.reshape(c, kh, kw, r1 - r0, ow, n), win[:, :, :, r0:r1])
        yield r0, r1, cols.reshape(c * kh * kw, (r1 - r0) * ow * n)


def _part_buffer(like, size):
    """A 1-D array of ``size`` numbers of like's dtype that the next part overwrites.

    A part lives only until its product has read it, so every part is made in the
    same buffer, kept from call to call.  Made fresh, each part was freed at the top
    of glibc's heap, which returned it to the system once the free top exceeded its
    trim threshold, and the next part faulted its pages in again: 15,500 page faults
    per SimGAN iteration with 4 MB parts (benchmarks/README.md).
    """
    xp = _xp(like)
    key = (xp.__name__, like.dtype.str)
    buf = _scratch.get(key)
    if buf is None or buf.size < size:
        buf = _scratch[key] = _page_aligned_empty(like, size)
    return buf[:size]


def _page_aligned_empty(like, size):
    """xp.empty(size, dtype) starting on a 4 KiB boundary, as a large fresh array does.

    The copy into a part slows by half when the destination's address modulo 4 KiB
    sits just above the source's (4K aliasing in the CPU's store-to-load check: 0.046
    against 0.030 ms for a SimGAN part); fresh large arrays are page-aligned plus 16
    bytes, and so are the padded images that the copies read."""
    xp = _xp(like)
    if xp.__name__ != "numpy":          # a device array: no CPU store buffer to mind
        return xp.empty(size, dtype=like.dtype)
    raw = xp.empty(size + 4096 // like.itemsize, dtype=like.dtype)
    skip = (-raw.ctypes.data % 4096) // like.itemsize
    return raw[skip:skip + size]


def _convolve(wmat, x, ksize, stride, padding, out_hw):
    """wmat @ columns of x: (O, C*KH*KW) and (N, C, H, W) -> (O, OH*OW*N), the columns made
    a few output rows at a time and each part's product written into its column range."""
    n, (oh, ow) = x.shape[0], out_hw
    y = _xp(x).empty((wmat.shape[0], oh * ow * n), dtype=x.dtype)
    for r0, r1, cols in _unfold_by_rows(x, ksize, stride, padding, out_hw):
        _xp(x).matmul(wmat, cols, out=y[:, r0 * ow * n:r1 * ow * n])
    return y


def _flipped_convolution(w, padding):
    """A stride-1 conv_transpose2d with w: (C_in, C_out, KH, KW) and padding p as the
    conv2d it equals: w' as the (C_out, C_in*KH*KW) matrix of _convolve, and the
    padding KH - 1 - p (ConvTranspose2d._forward_as_convolution derives it)."""
    c_in, c_out, kh, kw = w.shape
    flipped = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(c_out, c_in * kh * kw)
    return flipped, (kh - 1 - padding[0], kw - 1 - padding[1])


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


class Conv2d(Function):
    """y = conv2d(x, w, b): x (N, C, H, W), w (O, C, KH, KW), b (O,) -> (N, O, OH, OW).

    cols: the columns of x when the caller has already made them (the backward of
    conv_transpose2d needs them twice), an operand, not state.  Columns made here
    are made a few output rows at a time and not kept: they are KH*KW / stride^2
    times larger than x (4 times in DCGAN, 12.8 MB at 64->128), so the weight
    gradient unfolds x again (a fraction of a millisecond); PyTorch, too, saves x.
    """

    def __init__(self, stride, padding, out_hw, cols=None):
        self.stride, self.padding, self.out_hw, self.cols = stride, padding, out_hw, cols

    def forward(self, x, w, b=None):
        o, c, kh, kw = w.shape
        wmat = w.reshape(o, c * kh * kw)
        if self.cols is not None:
            y = wmat @ self.cols                            # (O, OH*OW*N)
        else:
            y = _convolve(wmat, x, (kh, kw), self.stride, self.padding, self.out_hw)
        if b is not None:
            y += b[:, None]                                 # y is ours: add in place
        return _chwn_view(y.reshape((o,) + self.out_hw + (x.shape[0],)))

    def backward(self, gy, needs):
        x, w = self.inputs[:2]
        gx = gw = gb = None
        input_gradient = ConvTranspose2d(self.stride, self.padding, x.shape[2:])
        if (not is_grad_enabled() and needs[0] and needs[1] and self.cols is None
                and self.stride == (1, 1) and input_gradient._as_convolution(w.data, gy.shape)):
            gx, gw = self._backward_arrays(gy.data, x.data, w.data)
        else:
            if needs[0]:     # <conv2d(x, w), gy> = <x, conv_transpose2d(gy, w)>
                gx = input_gradient(gy, w)
            if needs[1]:
                gw = Conv2dGradW(self.stride, self.padding, w.shape[2:], self.cols)(gy, x)
        if len(needs) == 3 and needs[2]:
            gb = BiasGrad()(gy)
        return gx, gw, gb

    def _backward_arrays(self, gy, x, w):
        """gx and gw of a stride-1 conv2d without a graph, from one unfold of gy.

        gx is conv2d(gy, w', padding KH - 1 - p), w' the flipped kernel
        (_flipped_convolution, as ConvTranspose2d uses it), whose columns hold
        gy'[o, q + (i', j')] for every pixel q of x, gy' being gy padded by KH - 1 - p.
        The weight gradient gw[o, c, i, j] = sum_a gy[o, a] x_p[c, a + (i, j)], with
        q = a + (i, j) - p, is sum_q x[c, q] gy'[o, q + (KH - 1 - i, KW - 1 - j)]: the
        same columns times x's (C, H*W*N) matrix, read with the kernel flipped.
        Conv2dGradW unfolds x instead, a second copy as large (SimGAN's 16-channel
        layers: 4.7 against 6.0 ms, benchmarks/README.md).
        """
        o, c, kh, kw = w.shape
        (h, wd), n = x.shape[2:], x.shape[0]
        flipped, padding = _flipped_convolution(w, self.padding)
        xmat, per_row = _channel_matrix(x), wd * n
        gx = _xp(x).empty((c, h * wd * n), dtype=x.dtype)
        g = None                                # (O*KH*KW, C), rows (o, i', j')
        for r0, r1, cols in _unfold_by_rows(gy, (kh, kw), (1, 1), padding, (h, wd)):
            _xp(x).matmul(flipped, cols, out=gx[:, r0 * per_row:r1 * per_row])
            part = cols @ xmat[:, r0 * per_row:r1 * per_row].T
            if g is None:
                g = part
            else:
                g += part
        gw = g.reshape(o, kh, kw, c)[:, ::-1, ::-1, :].transpose(0, 3, 1, 2)
        return (Tensor(_chwn_view(gx.reshape(c, h, wd, n))),
                Tensor(_xp(x).ascontiguousarray(gw)))


class BiasGrad(Function):
    """The bias gradient of both convolutions: gb = sum of gy over (n, oh, ow), (O,).

    The same sum as the plain path's, as products with ones (``fast.channel_sums``);
    its adjoint spreads ggb over every pixel: <gb(gy), v> = <gy, v broadcast>.
    """

    def forward(self, gy):
        return channel_sums(gy).reshape(gy.shape[1])

    def backward(self, ggb, needs):
        return broadcast_to(reshape(ggb, (1, -1, 1, 1)), self.inputs[0].shape)


class Conv2dGradW(Function):
    """The weight gradient of conv2d: gw = gY @ cols(x)^T, (O, C, KH, KW).

    gy: (N, O, OH, OW) the gradient of the output; x: (N, C, H, W) the input;
    cols: x's columns if the caller has them.  Bilinear in (gy, x), and its
    adjoints are again convolutions:
    <gw(gy, x), v> = <gy, conv2d(x, v)> = <x, conv_transpose2d(gy, v)>.
    """

    def __init__(self, stride, padding, ksize, cols=None):
        self.stride, self.padding, self.ksize, self.cols = stride, padding, tuple(ksize), cols

    def forward(self, gy, x):
        o, c = gy.shape[1], x.shape[1]
        gymat = _channel_matrix(gy)             # (O, OH*OW*N)
        if self.cols is not None:
            gw = gymat @ self.cols.T            # the transpose is a BLAS flag, not a copy
        else:           # the columns a few output rows at a time: gw sums the parts' products
            gw, per_row = None, gy.shape[3] * gy.shape[0]
            for r0, r1, cols in _unfold_by_rows(x, self.ksize, self.stride, self.padding,
                                                gy.shape[2:]):
                part = gymat[:, r0 * per_row:r1 * per_row] @ cols.T
                if gw is None:
                    gw = part
                else:
                    gw += part
        return gw.reshape((o, c) + self.ksize)

    def backward(self, ggw, needs):
        gy, x = self.inputs
        g_gy = g_x = None
        if needs[0]:
            g_gy = Conv2d(self.stride, self.padding, gy.shape[2:], self.cols)(x, ggw)
        if needs[1]:
            g_x = ConvTranspose2d(self.stride, self.padding, x.shape[2:])(gy, ggw)
        return g_gy, g_x


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
        if self._as_convolution(w, x.shape):
            return self._forward_as_convolution(x, w, b)
        y_shape = (n, c_out) + self.out_hw
        xmat = _channel_matrix(x)                               # (C_in, H*W*N)
        img = _padded_zeros(x, c_out, y_shape, self.padding)
        # The columns w^T @ x, (C_out*KH*KW, H*W*N), are 4x the output in DCGAN
        # (12.8 MB at 128->64).  Made a few kernel rows at a time (about 4 MB) and
        # added into the output while still in the cache, they cost 7% less time,
        # and the generator's largest temporary array is gone.
        rows = max(1, _PART_BYTES // (c_out * kw * xmat.shape[1] * x.itemsize))
        buf = _part_buffer(x, c_out * min(rows, kh) * kw * xmat.shape[1])
        for i0 in range(0, kh, rows):
            wpart = w[:, :, i0:i0 + rows].reshape(c_in, -1).T        # (C_out*rows*KW, C_in)
            part = _xp(x).matmul(wpart, xmat, out=buf[:wpart.shape[0] * xmat.shape[1]]
                                 .reshape(wpart.shape[0], xmat.shape[1]))
            _add_blocks(img, part.reshape((c_out, -1, kw, h, wd, n)), i0, self.stride)
        y = _crop(img, y_shape, self.padding)
        if b is not None:
            y += b[:, None, None]       # y views a fresh buffer of ours
        return y

    def _as_convolution(self, w, x_shape):
        """Stride 1: is the output cheaper as a convolution with the flipped kernel?

        Its columns (im2col of x, C_in*KH*KW x OH*OW*N) cost one copy; col2im's
        columns (C_out*KH*KW x H*W*N) cost a slice-add each, about 5 times a copy
        per number (benchmarks/README.md): take the copy unless it moves over 3
        times as many numbers.  Needs padding <= kernel size - 1.
        """
        c_in, c_out, kh, kw = w.shape
        (oh, ow), (h, wd) = self.out_hw, x_shape[2:]
        return (self.stride == (1, 1) and self.padding[0] < kh and self.padding[1] < kw
                and c_in * oh * ow <= 3 * c_out * h * wd)

    def _forward_as_convolution(self, x, w, b):
        """conv_transpose2d(x, w, padding p) with stride 1 is conv2d(x, w', padding
        k - 1 - p), w'[o, c, i, j] = w[c, o, KH - 1 - i, KW - 1 - j]: output pixel
        a takes x[a + p - i] w[i] over the kernel offsets i, and with i = KH - 1 - i'
        that is x[a - (KH - 1 - p) + i'] w'[i'], a convolution.  No slice-adds."""
        c_out, n = w.shape[1], x.shape[0]
        flipped, padding = _flipped_convolution(w, self.padding)
        y = _convolve(flipped, x, w.shape[2:], (1, 1), padding, self.out_hw)
        if b is not None:
            y += b[:, None]
        return _chwn_view(y.reshape((c_out,) + self.out_hw + (n,)))

    def backward(self, gy, needs):
        x, w = self.inputs[:2]
        gx = gw = gb = None
        if needs[0] or needs[1]:
            # both gradients read the columns of gy: unfold it once
            hw = x.shape[2:]
            cols = _unfold(gy.data, w.shape[2:], self.stride, self.padding, hw)
            if needs[0]:
                gx = Conv2d(self.stride, self.padding, hw, cols)(gy, w)
            if needs[1]:     # conv2d's (gy, x) roles are played by (x, gy)
                gw = Conv2dGradW(self.stride, self.padding, w.shape[2:], cols)(x, gy)
        if len(needs) == 3 and needs[2]:
            gb = BiasGrad()(gy)
        return gx, gw, gb
