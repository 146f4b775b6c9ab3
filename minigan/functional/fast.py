"""The fast paths: the plain code's products, arranged for the CPU (one switch for all).

Every function in functional/ has a plain form, the one the lessons print.  Four
places also have a fast form that computes the same numbers faster on a CPU:

  * ``matrix_product`` (below; used by matmul and linear): operands that BLAS
    cannot read are copied first, and an inner size of 1 is a broadcast multiply.
  * ``conv_fast.py`` (used by conv2d and conv_transpose2d): the batch-last
    (C, H, W, N) memory layout, the transposed convolution's columns made in
    cache-sized parts, or, at stride 1, the transposed convolution as a
    convolution with the flipped kernel (no slice-adds).  benchmarks/README.md
    measures both paths.
  * ``plane_sums`` (below; used by instance norm): the sum over each image plane of
    an array in that batch-last memory, as a product with a vector of ones.
  * ``channel_sums`` (below; used by batch norm and the convolutions' bias
    gradients): the sum over the batch and the pixels of each channel, likewise.

``enabled`` selects them (the default).  Set ``minigan.functional.fast.enabled =
False`` to run the plain code everywhere; tests/engine/test_fast_paths.py checks
that both give the same values, first and second derivatives.
"""
from ..backend import get_array_module as _xp

enabled = True


def matrix_product(a, b):
    """a @ b on raw arrays, always on NumPy's fast path (BLAS).

    NumPy hands a product to BLAS only when each matrix has rows or columns
    contiguous; otherwise, and for an inner dimension k = 1 (an outer product),
    it runs a plain loop (the outer product of D's last Linear layer's backward
    took 0.38 ms that way, 0.02 ms as a multiply; benchmarks/README.md).  Both
    happen in backward passes: the gradient of a sum is a broadcast view with
    stride 0, and the input gradient of a Linear layer with one output, gy @ W
    with gy: (N, 1), is an outer product.
    """
    if a.shape[-1] == 1:            # (..., n, 1) @ (..., 1, m): a broadcast multiply
        return a * b
    return _blas_ready(a) @ _blas_ready(b)


def _blas_ready(a):
    """``a`` if BLAS can read its last two axes as a matrix, else a contiguous copy."""
    if a.ndim < 2:
        return a
    item, (rows, cols), (s_row, s_col) = a.itemsize, a.shape[-2:], a.strides[-2:]
    if (s_col == item and s_row >= item * cols) or (s_row == item and s_col >= item * rows):
        return a
    return _xp(a).ascontiguousarray(a)


def plane_sums(a):
    """sum over (h, w) of a: (N, C, H, W), kept as (N, C, 1, 1), on raw arrays.

    In the batch-last memory of the fast convolutions ((C, H, W, N), conv_fast.py)
    NumPy reduces the two middle axes a run of N numbers at a time: 487 us for a
    (4, 32, 28, 28) float32 array against 20 us for the same sums as one product of
    the (C, H*W, N) view with a vector of ones, which BLAS runs at memory speed
    (benchmarks/README.md).  Other layouts take ``a.sum``.
    """
    n, c, h, w = a.shape
    chwn = a.transpose(1, 2, 3, 0)
    if not chwn.flags.c_contiguous:
        return a.sum(axis=(2, 3), keepdims=True)
    ones = _xp(a).ones(h * w, dtype=a.dtype)
    sums = ones @ chwn.reshape(c, h * w, n)                 # (C, N)
    return sums.T.reshape(n, c, 1, 1)


def channel_sums(a):
    """sum over (n, h, w) of a: (N, C, H, W), kept as (1, C, 1, 1), on raw arrays.

    Batch norm's statistics and its gradient's, and a convolution's bias gradient.
    NumPy reduces on one core; the same sums as products with vectors of ones are
    BLAS matrix-vector products, which run at memory speed and which OpenBLAS
    spreads over its threads (benchmarks/README.md): one product for the
    batch-last (C, H, W, N) memory of the fast convolutions, two for (N, C, H, W)
    memory (over the batch, then over each plane).  Other layouts take ``a.sum``.
    """
    n, c, h, w = a.shape
    xp, chwn = _xp(a), a.transpose(1, 2, 3, 0)
    if chwn.flags.c_contiguous:
        sums = chwn.reshape(c, h * w * n) @ xp.ones(h * w * n, dtype=a.dtype)
    elif a.flags.c_contiguous:
        per_pixel = xp.ones(n, dtype=a.dtype) @ a.reshape(n, c * h * w)    # (C*H*W,)
        sums = per_pixel.reshape(c, h * w) @ xp.ones(h * w, dtype=a.dtype)
    else:
        return a.sum(axis=(0, 2, 3), keepdims=True)
    return sums.reshape(1, c, 1, 1)
