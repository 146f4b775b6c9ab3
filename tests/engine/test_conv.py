"""conv2d, conv_transpose2d, im2col and col2im against independent definitions.

* conv2d and conv_transpose2d against their definitions written with plain
  Python loops (a gather and a scatter), and against the explicit 4x16
  convolution matrix of a 3x3 filter on a 4x4 image, written out by hand;
* the adjoint identities <conv2d(x, w), y> = <x, conv_transpose2d(y, w)> and
  <im2col(x), c> = <x, col2im(c)>;
* output sizes against PyTorch's formulas, written out here;
* first and second derivatives against central differences in float64;
* errors, dtypes, and inputs left untouched.
Shapes, strides, paddings and output paddings are drawn by hypothesis.
"""
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, strategies as st

import minigan as mg
import minigan.functional as F
from minigan.functional import conv_fast

pytestmark = pytest.mark.both_backends


def dev(a, dtype="float64"):
    """A copy of `a` on the active backend (never an alias of the host array)."""
    return mg.backend.asarray(np.array(a, dtype=dtype))


def host(t):
    return mg.backend.to_numpy(t.data if isinstance(t, mg.Tensor) else t)


def as_pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


# ------------------------------------------------------------- strategies

def _int_or_pair(draw, low, high):
    """An int, or a (height, width) pair of possibly different values."""
    a = draw(st.integers(low, high))
    return a if draw(st.booleans()) else (a, draw(st.integers(low, high)))


@st.composite
def conv_cases(draw, max_n=2, max_c=3, max_hw=6, max_k=3, max_s=3, max_p=2):
    """A conv2d problem: x (N, C, H, W), w (O, C, KH, KW), stride, padding, bias or not."""
    n, c, o = (draw(st.integers(1, m)) for m in (max_n, max_c, max_c))
    kh, kw = draw(st.integers(1, max_k)), draw(st.integers(1, max_k))
    stride, padding = _int_or_pair(draw, 1, max_s), _int_or_pair(draw, 0, max_p)
    (ph, pw) = as_pair(padding)
    h = draw(st.integers(max(1, kh - 2 * ph), max(max_hw, kh)))
    w = draw(st.integers(max(1, kw - 2 * pw), max(max_hw, kw)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    bias = rng.standard_normal(o) if draw(st.booleans()) else None
    return dict(x=rng.standard_normal((n, c, h, w)), w=rng.standard_normal((o, c, kh, kw)),
                b=bias, stride=stride, padding=padding, rng=rng)


@st.composite
def conv_transpose_cases(draw, max_n=2, max_c=3, max_hw=5, max_k=3, max_s=3, max_p=2):
    """A conv_transpose2d problem: x (N, C_in, H, W), w (C_in, C_out, KH, KW), stride,
    padding, output_padding < stride, with a positive output size."""
    n, c_in, c_out = (draw(st.integers(1, m)) for m in (max_n, max_c, max_c))
    hw = (draw(st.integers(1, max_hw)), draw(st.integers(1, max_hw)))
    k = (draw(st.integers(1, max_k)), draw(st.integers(1, max_k)))
    s = (draw(st.integers(1, max_s)), draw(st.integers(1, max_s)))
    op = tuple(draw(st.integers(0, si - 1)) for si in s)
    # largest padding that keeps (H - 1) s - 2p + K + op >= 1
    p = tuple(draw(st.integers(0, min(max_p, ((hi - 1) * si + ki + opi - 1) // 2)))
              for hi, si, ki, opi in zip(hw, s, k, op))
    square = draw(st.booleans()) and s[0] == s[1] and p[0] == p[1] and op[0] == op[1]
    stride, padding, output_padding = (s[0], p[0], op[0]) if square else (s, p, op)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    bias = rng.standard_normal(c_out) if draw(st.booleans()) else None
    return dict(x=rng.standard_normal((n, c_in) + hw), w=rng.standard_normal((c_in, c_out) + k),
                b=bias, stride=stride, padding=padding, output_padding=output_padding, rng=rng)


# ------------------------------------------------- definitions with loops

def conv2d_loops(x, w, b, stride, padding):
    """y[n, o, i, j] = b[o] + sum_{c, a, e} w[o, c, a, e] x[n, c, i*s + a - p, j*s + e - p],
    where pixels outside the image are zero."""
    n_, c_, h, wd = x.shape
    o_, _, kh, kw = w.shape
    (sh, sw), (ph, pw) = as_pair(stride), as_pair(padding)
    oh, ow = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
    y = np.zeros((n_, o_, oh, ow))
    for n in range(n_):
        for o in range(o_):
            for i in range(oh):
                for j in range(ow):
                    total = 0.0 if b is None else b[o]
                    for c in range(c_):
                        for a in range(kh):
                            for e in range(kw):
                                r, q = i * sh + a - ph, j * sw + e - pw
                                if 0 <= r < h and 0 <= q < wd:
                                    total += w[o, c, a, e] * x[n, c, r, q]
                    y[n, o, i, j] = total
    return y


def conv_transpose2d_loops(x, w, b, stride, padding, output_padding):
    """Every input pixel x[n, ci, i, j] adds x * w[ci, co, a, e] to output pixel
    (i*s + a - p, j*s + e - p), when that pixel exists (a scatter)."""
    n_, ci_, h, wd = x.shape
    _, co_, kh, kw = w.shape
    (sh, sw), (ph, pw), (oph, opw) = as_pair(stride), as_pair(padding), as_pair(output_padding)
    oh, ow = (h - 1) * sh - 2 * ph + kh + oph, (wd - 1) * sw - 2 * pw + kw + opw
    y = np.zeros((n_, co_, oh, ow))
    for n in range(n_):
        for ci in range(ci_):
            for i in range(h):
                for j in range(wd):
                    for co in range(co_):
                        for a in range(kh):
                            for e in range(kw):
                                r, q = i * sh + a - ph, j * sw + e - pw
                                if 0 <= r < oh and 0 <= q < ow:
                                    y[n, co, r, q] += x[n, ci, i, j] * w[ci, co, a, e]
    if b is not None:
        y += b[None, :, None, None]
    return y


def im2col_loops(x, kh, kw, stride, padding):
    """One row per output pixel (n, oh, ow); column (c, a, e) of it holds
    x_padded[n, c, oh*s + a, ow*s + e]."""
    n_, c_, h, wd = x.shape
    (sh, sw), (ph, pw) = as_pair(stride), as_pair(padding)
    oh, ow = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
    rows = []
    for n in range(n_):
        for i in range(oh):
            for j in range(ow):
                row = []
                for c in range(c_):
                    for a in range(kh):
                        for e in range(kw):
                            r, q = i * sh + a - ph, j * sw + e - pw
                            row.append(x[n, c, r, q] if 0 <= r < h and 0 <= q < wd else 0.0)
                rows.append(row)
    return np.array(rows)


def _call_conv(case, xs=None):
    x, w, b = xs if xs is not None else (dev(case["x"]), dev(case["w"]),
                                        None if case["b"] is None else dev(case["b"]))
    return F.conv2d(x, w, b, stride=case["stride"], padding=case["padding"])


def _call_convT(case, xs=None):
    x, w, b = xs if xs is not None else (dev(case["x"]), dev(case["w"]),
                                        None if case["b"] is None else dev(case["b"]))
    return F.conv_transpose2d(x, w, b, stride=case["stride"], padding=case["padding"],
                              output_padding=case["output_padding"])


# ------------------------------------------------------------ forward values

@given(case=conv_cases())
def test_conv2d_matches_loop_definition(backend_name, case):
    expected = conv2d_loops(case["x"], case["w"], case["b"], case["stride"], case["padding"])
    np.testing.assert_allclose(host(_call_conv(case)), expected, rtol=1e-12, atol=1e-12)


@given(case=conv_transpose_cases())
def test_conv_transpose2d_matches_loop_definition(backend_name, case):
    expected = conv_transpose2d_loops(case["x"], case["w"], case["b"], case["stride"],
                                      case["padding"], case["output_padding"])
    np.testing.assert_allclose(host(_call_convT(case)), expected, rtol=1e-12, atol=1e-12)


@given(case=conv_transpose_cases())
def test_conv_transpose2d_made_in_parts_matches_loop_definition(backend_name, case):
    """Large column matrices are made a few kernel rows at a time: force one row per part."""
    with mock.patch.object(conv_fast, "_PART_BYTES", 1):
        got = host(_call_convT(case))
    expected = conv_transpose2d_loops(case["x"], case["w"], case["b"], case["stride"],
                                      case["padding"], case["output_padding"])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@given(case=conv_cases())
def test_im2col_matches_loop_definition_and_gives_conv2d(backend_name, case):
    o, c, kh, kw = case["w"].shape
    cols = host(F.im2col(dev(case["x"]), kh, kw, case["stride"], case["padding"]))
    np.testing.assert_array_equal(cols, im2col_loops(case["x"], kh, kw, case["stride"],
                                                     case["padding"]))
    # the textbook statement: conv2d is im2col followed by one matrix product
    n = case["x"].shape[0]
    y = host(_call_conv(dict(case, b=None)))
    by_rows = (cols @ case["w"].reshape(o, -1).T).reshape(n, y.shape[2], y.shape[3], o)
    np.testing.assert_allclose(y, by_rows.transpose(0, 3, 1, 2), rtol=1e-12, atol=1e-12)


def _matrix_by_hand(k):
    """The convolution matrix C of a 3x3 filter k on a 4x4 image (stride 1, no
    padding): vec(y) = C vec(x), with vec reading rows first.  Output pixel
    (i, j) is row 2i + j; its filter sits over input rows i..i+2, columns j..j+2."""
    (a, b, c), (d, e, f), (g, h, i) = k
    return np.array([
        [a, b, c, 0,  d, e, f, 0,  g, h, i, 0,  0, 0, 0, 0],   # y[0, 0]
        [0, a, b, c,  0, d, e, f,  0, g, h, i,  0, 0, 0, 0],   # y[0, 1]
        [0, 0, 0, 0,  a, b, c, 0,  d, e, f, 0,  g, h, i, 0],   # y[1, 0]
        [0, 0, 0, 0,  0, a, b, c,  0, d, e, f,  0, g, h, i],   # y[1, 1]
    ], dtype=float)


def test_convolution_matrix_4x4_image_3x3_filter(backend_name):
    rng = np.random.default_rng(0)
    k, x, y = rng.standard_normal((3, 3)), rng.standard_normal((4, 4)), rng.standard_normal((2, 2))
    C = _matrix_by_hand(k)
    w = dev(k.reshape(1, 1, 3, 3))
    conv = host(F.conv2d(dev(x.reshape(1, 1, 4, 4)), w))
    np.testing.assert_allclose(conv.reshape(4), C @ x.reshape(16), rtol=1e-12, atol=1e-12)
    convT = host(F.conv_transpose2d(dev(y.reshape(1, 1, 2, 2)), w))
    assert convT.shape == (1, 1, 4, 4)
    np.testing.assert_allclose(convT.reshape(16), C.T @ y.reshape(4), rtol=1e-12, atol=1e-12)


# -------------------------------------------------------------- adjoints

def _matching_output_padding(case, x_shape):
    """The output_padding that makes conv_transpose2d return x's size (< stride)."""
    _, _, kh, kw = case["w"].shape
    (sh, sw), (ph, pw) = as_pair(case["stride"]), as_pair(case["padding"])
    return ((x_shape[2] + 2 * ph - kh) % sh, (x_shape[3] + 2 * pw - kw) % sw)


@given(case=conv_cases(max_n=3, max_c=4, max_hw=9, max_k=4))
def test_conv_transpose2d_is_the_adjoint_of_conv2d(backend_name, case):
    y_shape = _call_conv(dict(case, b=None)).shape
    y = case["rng"].standard_normal(y_shape)
    lhs = float(np.sum(host(_call_conv(dict(case, b=None))) * y))
    op = _matching_output_padding(case, case["x"].shape)
    back = host(F.conv_transpose2d(dev(y), dev(case["w"]), stride=case["stride"],
                                   padding=case["padding"], output_padding=op))
    assert back.shape == case["x"].shape
    rhs = float(np.sum(case["x"] * back))
    assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10)


@given(case=conv_cases(max_n=3, max_c=4, max_hw=9, max_k=4))
def test_col2im_is_the_adjoint_of_im2col(backend_name, case):
    _, _, kh, kw = case["w"].shape
    args = (kh, kw, case["stride"], case["padding"])
    cols = F.im2col(dev(case["x"]), *args)
    c = case["rng"].standard_normal(cols.shape)
    back = F.col2im(dev(c), case["x"].shape, *args)
    assert back.shape == case["x"].shape
    lhs, rhs = float(np.sum(host(cols) * c)), float(np.sum(case["x"] * host(back)))
    assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10)


# ------------------------------------------------------------ output sizes

@given(case=conv_cases(max_hw=12, max_k=5, max_s=4, max_p=3))
def test_conv2d_output_size_is_pytorchs(backend_name, case):
    n, c, h, w = case["x"].shape
    o, _, kh, kw = case["w"].shape
    (sh, sw), (ph, pw) = as_pair(case["stride"]), as_pair(case["padding"])
    # torch.nn.Conv2d: H_out = floor((H + 2 padding - dilation (kernel - 1) - 1) / stride + 1)
    h_out = int(np.floor((h + 2 * ph - 1 * (kh - 1) - 1) / sh + 1))
    w_out = int(np.floor((w + 2 * pw - 1 * (kw - 1) - 1) / sw + 1))
    assert _call_conv(case).shape == (n, o, h_out, w_out)


@given(case=conv_transpose_cases(max_hw=8, max_k=5, max_s=4, max_p=3))
def test_conv_transpose2d_output_size_is_pytorchs(backend_name, case):
    n, _, h, w = case["x"].shape
    _, c_out, kh, kw = case["w"].shape
    (sh, sw), (ph, pw) = as_pair(case["stride"]), as_pair(case["padding"])
    oph, opw = as_pair(case["output_padding"])
    # torch.nn.ConvTranspose2d: H_out = (H - 1) stride - 2 padding + dilation (kernel - 1)
    #                                   + output_padding + 1
    h_out = (h - 1) * sh - 2 * ph + 1 * (kh - 1) + oph + 1
    w_out = (w - 1) * sw - 2 * pw + 1 * (kw - 1) + opw + 1
    assert _call_convT(case).shape == (n, c_out, h_out, w_out)


def test_dcgan_mnist_sizes(backend_name):
    """28 -> 14 -> 7 in the critic, 7 -> 14 -> 28 in the generator (kernel 4, stride 2, pad 1)."""
    x = dev(np.zeros((2, 1, 28, 28)))
    h1 = F.conv2d(x, dev(np.zeros((64, 1, 4, 4))), stride=2, padding=1)
    h2 = F.conv2d(h1, dev(np.zeros((128, 64, 4, 4))), stride=2, padding=1)
    assert (h1.shape, h2.shape) == ((2, 64, 14, 14), (2, 128, 7, 7))
    g1 = F.conv_transpose2d(h2, dev(np.zeros((128, 64, 4, 4))), stride=2, padding=1)
    g2 = F.conv_transpose2d(g1, dev(np.zeros((64, 1, 4, 4))), stride=2, padding=1)
    assert (g1.shape, g2.shape) == ((2, 64, 14, 14), (2, 1, 28, 28))


# ------------------------------------------------------------ derivatives

def _grad_fn(call, case):
    """fn(x, w[, b]) for gradcheck, and its float64 inputs."""
    if case["b"] is None:
        return (lambda x, w: call(case, (x, w, None))), [dev(case["x"]), dev(case["w"])]
    return (lambda x, w, b: call(case, (x, w, b))), [dev(case[k]) for k in ("x", "w", "b")]


@given(case=conv_cases(max_n=2, max_c=2, max_hw=4, max_k=3))
def test_conv2d_first_derivatives_elementwise(backend_name, case):
    fn, inputs = _grad_fn(_call_conv, case)
    assert mg.gradcheck(fn, inputs)


@given(case=conv_transpose_cases(max_n=2, max_c=2, max_hw=3, max_k=3))
def test_conv_transpose2d_first_derivatives_elementwise(backend_name, case):
    fn, inputs = _grad_fn(_call_convT, case)
    assert mg.gradcheck(fn, inputs)


@given(case=conv_cases(max_n=1, max_c=2, max_hw=3, max_k=2, max_s=2, max_p=1))
def test_conv2d_second_derivatives_elementwise(backend_name, case):
    fn, inputs = _grad_fn(_call_conv, case)
    assert mg.gradgradcheck(fn, inputs)


@given(case=conv_transpose_cases(max_n=1, max_c=2, max_hw=2, max_k=2, max_s=2, max_p=1))
def test_conv_transpose2d_second_derivatives_elementwise(backend_name, case):
    fn, inputs = _grad_fn(_call_convT, case)
    assert mg.gradgradcheck(fn, inputs)


@given(case=conv_cases(max_n=3, max_c=4, max_hw=10, max_k=4))
def test_conv2d_derivatives_along_random_directions(backend_name, case):
    fn, inputs = _grad_fn(_call_conv, case)
    assert mg.gradcheck(fn, inputs, mode="direction")
    assert mg.gradgradcheck(fn, inputs, mode="direction")


@given(case=conv_transpose_cases(max_n=3, max_c=4, max_hw=7, max_k=4))
def test_conv_transpose2d_derivatives_along_random_directions(backend_name, case):
    fn, inputs = _grad_fn(_call_convT, case)
    assert mg.gradcheck(fn, inputs, mode="direction")
    assert mg.gradgradcheck(fn, inputs, mode="direction")


@given(case=conv_cases(max_n=2, max_c=2, max_hw=5, max_k=3))
def test_im2col_and_col2im_derivatives(backend_name, case):
    _, _, kh, kw = case["w"].shape
    args = (kh, kw, case["stride"], case["padding"])
    x = dev(case["x"])
    assert mg.gradcheck(lambda t: F.im2col(t, *args) ** 2, [x])
    cols = dev(case["rng"].standard_normal(F.im2col(x, *args).shape))
    assert mg.gradcheck(lambda c: F.col2im(c, case["x"].shape, *args) ** 2, [cols])
    assert mg.gradgradcheck(lambda t: F.im2col(t, *args) ** 2, [x], mode="direction")


def test_gradient_penalty_through_a_conv_critic(backend_name):
    """WGAN-GP: d/dw of ||d critic / dx||^2 with critic = conv(leaky_relu(conv(x)))."""
    rng = np.random.default_rng(3)
    x = dev(rng.standard_normal((2, 1, 8, 8)))
    w1, w2 = dev(rng.standard_normal((3, 1, 4, 4))), dev(rng.standard_normal((1, 3, 4, 4)))

    def penalty(x, w1, w2):
        h = F.leaky_relu(F.conv2d(x, w1, stride=2, padding=1), 0.2)
        score = F.conv2d(h, w2, stride=2, padding=1).sum()
        (gx,) = mg.grad(score, [x], create_graph=True)
        return ((gx * gx).sum() - 1.0) ** 2

    assert mg.gradcheck(penalty, [x, w1, w2], mode="direction")
    assert mg.gradcheck(penalty, [x, w1, w2])


@given(case=conv_cases(max_n=2, max_c=3, max_hw=6))
def test_asking_for_one_gradient_gives_the_same_numbers(backend_name, case):
    """``mg.grad(y, [x])`` skips the weight gradient; the input gradient must not change.
    Asked for with the input gradient and no graph, a stride-1 weight gradient comes from
    gy's columns instead of x's (conv_fast.Conv2d._backward_arrays): the same sum in
    another order, equal to rounding."""
    x = mg.tensor(dev(case["x"]), requires_grad=True)
    w = mg.tensor(dev(case["w"]), requires_grad=True)
    u = mg.Tensor(dev(case["rng"].standard_normal(_call_conv(dict(case, b=None)).shape)))
    y = F.conv2d(x, w, stride=case["stride"], padding=case["padding"])
    (gx_only,) = mg.grad(y, [x], grad_outputs=u)
    gx_both, gw_both = mg.grad(y, [x, w], grad_outputs=u)
    (gw_only,) = mg.grad(y, [w], grad_outputs=u)
    np.testing.assert_array_equal(host(gx_only), host(gx_both))
    np.testing.assert_allclose(host(gw_only), host(gw_both), rtol=1e-12, atol=1e-14)


# ----------------------------------------------------- layouts and chaining

@given(case=conv_cases(max_n=3, max_c=3, max_hw=7))
def test_any_memory_layout_of_the_input_gives_the_same_result(backend_name, case):
    """Outputs are transposed views; feeding them (or sliced/transposed arrays) back works."""
    expected = conv2d_loops(case["x"], case["w"], case["b"], case["stride"], case["padding"])
    for layout in ((0, 1, 2, 3), (1, 2, 3, 0), (3, 2, 1, 0), (1, 0, 2, 3)):
        inverse = np.argsort(layout)
        stored = np.ascontiguousarray(case["x"].transpose(layout))
        x = dev(stored).transpose(tuple(inverse))           # same values, other memory order
        xs = (x, dev(case["w"]), None if case["b"] is None else dev(case["b"]))
        np.testing.assert_allclose(host(_call_conv(case, xs)), expected, rtol=1e-12, atol=1e-12)


def test_chained_layers_match_loops(backend_name):
    """conv -> conv -> conv_transpose -> conv_transpose, each fed the previous output."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 2, 9, 8))
    w1, w2 = rng.standard_normal((4, 2, 3, 3)), rng.standard_normal((3, 4, 2, 2))
    w3, w4 = rng.standard_normal((3, 2, 2, 3)), rng.standard_normal((2, 1, 3, 3))
    h = F.conv2d(dev(x), dev(w1), stride=2, padding=1)
    h = F.conv2d(h * 1.0, dev(w2), stride=1, padding=0)
    h = F.conv_transpose2d(h, dev(w3), stride=(2, 1), padding=(1, 0), output_padding=(1, 0))
    h = F.conv_transpose2d(h - 0.5, dev(w4), stride=2, padding=1)
    e = conv2d_loops(x, w1, None, 2, 1)
    e = conv2d_loops(e, w2, None, 1, 0)
    e = conv_transpose2d_loops(e, w3, None, (2, 1), (1, 0), (1, 0))
    e = conv_transpose2d_loops(e - 0.5, w4, None, 2, 1, 0)
    np.testing.assert_allclose(host(h), e, rtol=1e-11, atol=1e-11)


# ------------------------------------------------ dtypes, mutation, errors

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["conv2d", "conv_transpose2d"])
def test_dtype_is_kept(backend_name, kind, dtype):
    rng = np.random.default_rng(0)
    x = mg.tensor(dev(rng.standard_normal((2, 3, 6, 6)), dtype), requires_grad=True)
    w_shape = (4, 3, 3, 3) if kind == "conv2d" else (3, 4, 3, 3)
    w = mg.tensor(dev(rng.standard_normal(w_shape), dtype), requires_grad=True)
    b = mg.tensor(dev(rng.standard_normal(4), dtype), requires_grad=True)
    y = getattr(F, kind)(x, w, b, stride=2, padding=1)
    (gx,) = mg.grad((y * y).sum(), [x], create_graph=True)
    grads = mg.grad((gx * gx).sum(), [x, w, b])
    assert y.dtype == dtype and gx.dtype == dtype
    assert all(g.dtype == dtype for g in grads)


@pytest.mark.parametrize("kind", ["conv2d", "conv_transpose2d"])
def test_inputs_are_not_mutated(backend_name, kind):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((2, 3, 5, 5)),
              rng.standard_normal((4, 3, 3, 3) if kind == "conv2d" else (3, 4, 3, 3)),
              rng.standard_normal(4)]
    ts = [mg.tensor(dev(a), requires_grad=True) for a in arrays]
    y = getattr(F, kind)(*ts, stride=2, padding=1)
    u_values = rng.standard_normal(y.shape)
    u = mg.Tensor(dev(u_values))
    grads = mg.grad(y, ts, grad_outputs=u)
    for t, a in zip(ts, arrays):
        np.testing.assert_array_equal(host(t), a)
    for g in grads:
        assert not mg.backend.xp.shares_memory(g.data, u.data)
    np.testing.assert_array_equal(host(u), u_values)      # the upstream gradient, unchanged


def test_error_messages_name_the_shapes(backend_name):
    x = dev(np.zeros((2, 3, 5, 5)))
    with pytest.raises(ValueError, match=r"\(2, 3, 5, 5\).*C = 3.*\(4, 2, 3, 3\).*C = 2"):
        F.conv2d(x, dev(np.zeros((4, 2, 3, 3))))
    with pytest.raises(ValueError, match=r"kernel size.*\(6, 6\).*\(5, 5\)"):
        F.conv2d(x, dev(np.zeros((4, 3, 6, 6))))
    F.conv2d(x, dev(np.zeros((4, 3, 6, 6))), padding=1)      # fits once padded
    with pytest.raises(ValueError, match=r"x of shape \(N, C, H, W\), got shape \(3, 5, 5\)"):
        F.conv2d(dev(np.zeros((3, 5, 5))), dev(np.zeros((4, 3, 3, 3))))
    with pytest.raises(ValueError, match=r"w of shape \(O, C, KH, KW\), got shape \(4, 3, 3\)"):
        F.conv2d(x, dev(np.zeros((4, 3, 3))))
    with pytest.raises(ValueError, match=r"b of shape \(4,\), got \(3,\)"):
        F.conv2d(x, dev(np.zeros((4, 3, 3, 3))), dev(np.zeros(3)))
    with pytest.raises(ValueError, match="stride"):
        F.conv2d(x, dev(np.zeros((4, 3, 3, 3))), stride=0)
    with pytest.raises(ValueError, match="stride must be an int or a pair"):
        F.conv2d(x, dev(np.zeros((4, 3, 3, 3))), stride=(1, 2, 3))
    with pytest.raises(TypeError, match="float32"):
        F.conv2d(x, dev(np.zeros((4, 3, 3, 3)), "float32"))
    with pytest.raises(ValueError, match=r"C_in = 3.*\(2, 4, 3, 3\).*C_in = 2"):
        F.conv_transpose2d(x, dev(np.zeros((2, 4, 3, 3))))
    with pytest.raises(ValueError, match=r"output_padding \(2, 2\) must be smaller than stride"):
        F.conv_transpose2d(x, dev(np.zeros((3, 4, 3, 3))), stride=2, output_padding=2)
    with pytest.raises(ValueError, match="output_padding"):
        F.conv_transpose2d(x, dev(np.zeros((3, 4, 3, 3))), output_padding=1)   # stride 1
    with pytest.raises(ValueError, match="not positive"):
        F.conv_transpose2d(dev(np.zeros((1, 3, 1, 1))), dev(np.zeros((3, 4, 1, 1))), padding=1)
    with pytest.raises(ValueError, match=r"cols must have shape .*\(18, 27\).*got \(18, 26\)"):
        F.col2im(dev(np.zeros((18, 26))), (2, 3, 5, 5), 3, 3)
