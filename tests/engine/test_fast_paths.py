"""One derivative per Function, or a fast path proven equal to the plain one.

Two kinds of second formula live in the engine:
  * a Function's backward on raw arrays, used when no graph is recorded, beside
    its graph formula (create_graph=True).  For every Function in functional/,
    both must give the same first derivatives; a spy checks that the examples
    below reach every Function class the package defines.
  * functional.fast: the batch-last convolutions and the BLAS-ready matrix
    product.  With ``fast.enabled = False`` the plain code of the lessons runs;
    values, first and second derivatives must agree.
"""
import importlib
import inspect

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minigan as mg
import minigan.functional as F
from minigan.functional import activation, conv, conv_fast, fast, linear, loss, math
from minigan.functional import normalization, padding
from cases import CASES
from test_conv import conv_cases, conv_transpose_cases

pytestmark = pytest.mark.both_backends

# functional's ``instance_norm`` attribute is the function; the module by its full name
instance_norm_module = importlib.import_module("minigan.functional.instance_norm")
MODULES = (math, activation, conv, conv_fast, linear, loss, normalization, instance_norm_module,
           padding)


def dev(a):
    return mg.backend.asarray(np.asarray(a, dtype="float64"))


def host(a):
    return mg.backend.to_numpy(a.data if isinstance(a, mg.Tensor) else a)


def _gradients(fn, arrays, create_graph, seed=1):
    """d<u, fn(x)>/dx for every input, with or without a recorded graph."""
    xs = [mg.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*xs)
    u = mg.Tensor(dev(np.random.default_rng(seed).standard_normal(y.shape)))
    gs = mg.grad(y, xs, grad_outputs=u, allow_unused=True, create_graph=create_graph)
    return [None if g is None else host(g) for g in gs]


def assert_same_gradients(fn, arrays):
    plain, graph = _gradients(fn, arrays, False), _gradients(fn, arrays, True)
    for a, b in zip(plain, graph):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, equal_nan=False)


# ------------------------------------- array formula == graph formula, every Function

@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
@settings(max_examples=10)
def test_array_and_graph_backward_agree(backend_name, name, data):
    fn, arrays = data.draw(CASES[name])
    assert_same_gradients(fn, [dev(a) for a in arrays])


def _layer_examples():
    """Examples for the Functions that cases.py does not reach: (fn, arrays)."""
    rng = np.random.default_rng(0)
    x4, x2 = rng.standard_normal((3, 2, 4, 4)) * 1.5 + 0.3, rng.standard_normal((4, 3))
    g, b = rng.uniform(0.5, 2, 2), rng.standard_normal(2)
    w, wt = rng.standard_normal((3, 2, 3, 3)), rng.standard_normal((2, 3, 3, 3))
    return {
        "batch_norm 4d": (lambda x, g, b: F.batch_norm(x, g, b, None, None), [x4, g, b]),
        "batch_norm 2d, no affine": (lambda x: F.batch_norm(x, None, None, None, None),
                                     [x2 * 2 + 1]),
        "batch_norm eval": (lambda x, g, b: F.batch_norm(
            x, g, b, mg.backend.asarray(np.zeros(2)), mg.backend.asarray(np.ones(2)),
            training=False), [x4, g, b]),
        "conv2d": (lambda x, w, c: F.conv2d(x, w, c, stride=2, padding=1),
                   [x4, w, rng.standard_normal(3)]),
        "conv_transpose2d": (lambda x, w, c: F.conv_transpose2d(x, w, c, stride=2, padding=1),
                             [x4, wt, rng.standard_normal(3)]),
        "conv2d of conv2d": (lambda x, w: F.conv2d(F.conv2d(x, w, padding=1) ** 2,
                                                   w.transpose(1, 0, 2, 3)), [x4, w]),
        "im2col, col2im": (lambda x: F.col2im(F.im2col(x, 2, 2, 2) ** 2, x.shape, 2, 2, 2),
                           [x4]),
        "reflection_pad2d": (lambda x: F.reflection_pad2d(x, (1, 2, 3, 0)) ** 2, [x4]),
        "linear": (F.linear, [x2, rng.standard_normal((5, 3)), rng.standard_normal(5)]),
        "leaky_relu, negative slope": (lambda x: F.leaky_relu(x, -0.5) ** 2, [x2 + 0.05]),
        "relu squared": (lambda x: F.relu(x) ** 2, [x2 + 0.05]),
        "astype": (lambda x: F.astype(x, "float32").astype("float64") * x, [x2]),
        "cross_entropy": (lambda x: F.cross_entropy(
            x, mg.backend.asarray(np.array([0, 2, 1, 1]))), [x2]),
    }


@pytest.mark.parametrize("name", sorted(_layer_examples()))
def test_array_and_graph_backward_agree_on_layers(backend_name, name):
    fn, arrays = _layer_examples()[name]
    assert_same_gradients(fn, [dev(a) for a in arrays])
    if name != "astype":        # a float32 round trip is too coarse for central differences
        assert mg.gradgradcheck(fn, [dev(a) for a in arrays], mode="direction")


def test_the_examples_reach_every_function_class(backend_name, monkeypatch):
    """Every Function subclass defined in functional/ runs, forward and backward, in
    the examples above (a new Function without a case fails here)."""
    defined = {cls for module in MODULES for _, cls in inspect.getmembers(module, inspect.isclass)
               if issubclass(cls, mg.Function) and cls.__module__ == module.__name__}
    seen = set()
    original = mg.Function.__call__

    def spy(self, *inputs):
        seen.add(type(self))
        return original(self, *inputs)

    monkeypatch.setattr(mg.Function, "__call__", spy)
    for strategy in CASES.values():
        fn, arrays = _one_example(strategy)
        _gradients(fn, [dev(a) for a in arrays], True)
    for fn, arrays in _layer_examples().values():
        _gradients(fn, [dev(a) for a in arrays], True)
    for enabled in (True, False):
        monkeypatch.setattr(fast, "enabled", enabled)
        for fn, arrays in _layer_examples().values():
            _gradients(fn, [dev(a) for a in arrays], True)
    missing = sorted(cls.__name__ for cls in defined - seen)
    assert not missing, f"Functions no example reaches: {missing}"


def _one_example(strategy):
    """A deterministic draw from a hypothesis strategy (first example of a fixed seed)."""
    drawn = []

    @given(strategy)
    @settings(max_examples=1, database=None, derandomize=True)
    def take(case):
        drawn.append(case)
    take()
    return drawn[0]


def test_a_wrong_graph_formula_is_caught(backend_name, monkeypatch):
    """Plant the issue-10 mutation: drop ``- sum_gy / m`` from batch norm's graph formula."""
    source = inspect.getsource(normalization.BatchNormTrain.backward)
    assert "- sum_gy * (1.0 / m)" in source
    fn, arrays = _layer_examples()["batch_norm 4d"]
    original = normalization.BatchNormTrain.backward

    def mutated(self, gy, needs):
        gx, gg, gb = original(self, gy, needs)
        if mg.is_grad_enabled() and needs[0]:       # undo the term, graph formula only
            m = self.inputs[0].size // self.inputs[0].shape[1]
            scale = self.saved[1] * self.inputs[1].data.reshape(1, -1, 1, 1)
            gx = gx + F.sum(gy, (0, 2, 3), keepdims=True) * mg.Tensor(scale / m)
        return gx, gg, gb

    monkeypatch.setattr(normalization.BatchNormTrain, "backward", mutated)
    with pytest.raises(AssertionError):
        assert_same_gradients(fn, [dev(a) for a in arrays])
    with pytest.raises(mg.GradcheckError, match="first derivative with create_graph"):
        mg.gradgradcheck(fn, [dev(a) for a in arrays], mode="direction")


# ------------------------------------------------------- fast path == plain path

def _both_paths(fn, arrays, monkeypatch):
    """Value, first and second derivatives of fn, once fast and once plain."""
    results = []
    for enabled in (True, False):
        monkeypatch.setattr(fast, "enabled", enabled)
        xs = [mg.tensor(dev(a), requires_grad=True) for a in arrays]
        y = fn(*xs)
        rng = np.random.default_rng(2)
        u = mg.Tensor(dev(rng.standard_normal(y.shape)))
        gs = [g for g in mg.grad(y, xs, grad_outputs=u, create_graph=True, allow_unused=True)
              if g is not None]       # the penalty below does not reach x: a.e. zero
        vs = [mg.Tensor(dev(rng.standard_normal(g.shape))) for g in gs]
        ggs = mg.grad(gs, xs, grad_outputs=vs, allow_unused=True)
        results.append([host(y)] + [host(g) for g in gs] +
                       [None if g is None else host(g) for g in ggs])
    return results


def assert_paths_agree(fn, arrays, monkeypatch):
    fast_r, plain_r = _both_paths(fn, arrays, monkeypatch)
    for a, b in zip(fast_r, plain_r):     # an unused second derivative: None or zeros
        np.testing.assert_allclose(0.0 if a is None else a, 0.0 if b is None else b,
                                   rtol=1e-10, atol=1e-12, equal_nan=False)


def _conv_args(case, with_bias=True):
    arrays = [case["x"], case["w"]] + ([case["b"]] if case["b"] is not None and with_bias
                                       else [])
    return arrays


@given(case=conv_cases(max_n=2, max_c=3, max_hw=6))
@settings(max_examples=15)
def test_conv2d_fast_path_equals_plain_path(backend_name, case, monkeypatch):
    def fn(x, w, b=None):
        return F.conv2d(x, w, b, stride=case["stride"], padding=case["padding"]) ** 2
    assert_paths_agree(fn, _conv_args(case), monkeypatch)


@pytest.mark.parametrize("form", ["chosen", "col2im", "convolution"])
@given(case=conv_transpose_cases(max_n=2, max_c=3, max_hw=5))
@settings(max_examples=15)
def test_conv_transpose2d_fast_path_equals_plain_path(backend_name, form, case, monkeypatch):
    """Both forms of the fast path: col2im, and (stride 1, padding < kernel) the
    convolution with the flipped kernel; "chosen" lets the cost rule pick."""
    cls = conv_fast.ConvTranspose2d
    if form != "chosen":
        monkeypatch.setattr(cls, "_as_convolution", lambda self, w, shape: (
            form == "convolution" and self.stride == (1, 1) and self.padding[0] < w.shape[2]
            and self.padding[1] < w.shape[3]))

    def fn(x, w, b=None):
        return F.conv_transpose2d(x, w, b, stride=case["stride"], padding=case["padding"],
                                  output_padding=case["output_padding"]) ** 2
    assert_paths_agree(fn, _conv_args(case), monkeypatch)


@pytest.mark.parametrize("shapes", [((4, 1), (1, 3)), ((2, 5, 1), (2, 1, 3)), ((6, 3), (3, 1))])
def test_matmul_fast_path_equals_plain_path(backend_name, shapes, monkeypatch):
    """Inner size 1 is a broadcast multiply on the fast path."""
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(s) for s in shapes]
    assert_paths_agree(lambda a, b: (a @ b) ** 2, arrays, monkeypatch)


@pytest.mark.parametrize("out_features", [1, 4])
def test_linear_fast_path_equals_plain_path(backend_name, out_features, monkeypatch):
    """D's last layer has one output: its input gradient gy @ W is an outer product."""
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal((6, 3)), rng.standard_normal((out_features, 3)),
              rng.standard_normal(out_features)]
    assert_paths_agree(lambda x, w, b: F.linear(x, w, b) ** 2, arrays, monkeypatch)


def test_dcgan_critic_gradient_penalty_same_on_both_paths(backend_name, monkeypatch):
    """The WGAN-GP penalty's gradient through conv, leaky relu, conv: fast == plain."""
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal((3, 1, 8, 8)), rng.standard_normal((4, 1, 4, 4)),
              rng.standard_normal((2, 4, 4, 4))]

    def penalty(x, w1, w2):
        h = F.leaky_relu(F.conv2d(x, w1, stride=2, padding=1), 0.2)
        (gx,) = mg.grad(F.conv2d(h, w2, stride=2, padding=1).sum(), [x], create_graph=True)
        return (gx * gx).sum(axis=(1, 2, 3))
    assert_paths_agree(penalty, arrays, monkeypatch)


def test_instance_norm_plane_sums_fast_path_equals_plain_path(backend_name, monkeypatch):
    """After a fast convolution the image has batch-last memory, where instance norm sums
    its planes as a product with ones (fast.plane_sums); the plain path sums with .sum."""
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal((3, 2, 5, 4)), rng.standard_normal((4, 2, 3, 3))]
    x = F.conv2d(mg.tensor(dev(arrays[0])), mg.tensor(dev(arrays[1])), padding=1)
    assert x.data.transpose(1, 2, 3, 0).flags.c_contiguous      # the case under test
    assert_paths_agree(lambda x, w: F.instance_norm(F.conv2d(x, w, padding=1)) ** 2, arrays,
                       monkeypatch)


@given(case=conv_cases(max_n=2, max_c=3, max_hw=6))
@settings(max_examples=10)
def test_conv2d_columns_in_parts_equal_plain_path(backend_name, case, monkeypatch):
    """conv2d and its weight gradient make large columns a few output rows at a time;
    with parts of 1 byte every output row is its own part."""
    monkeypatch.setattr(conv_fast, "_PART_BYTES", 1)

    def fn(x, w, b=None):
        return F.conv2d(x, w, b, stride=case["stride"], padding=case["padding"]) ** 2
    assert_paths_agree(fn, _conv_args(case), monkeypatch)


@pytest.mark.parametrize("layout", ["batch-last", "nchw", "other"])
def test_batch_norm_channel_sums_fast_path_equals_plain_path(backend_name, layout, monkeypatch):
    """Batch norm's per-channel sums and a convolution's bias gradient as products with
    ones (fast.channel_sums) in the batch-last memory a fast convolution leaves, in
    C-ordered (N, C, H, W) memory, and (``a.sum``) in any other: the same values, first
    derivatives without a graph (the array formula) and second derivatives as .sum."""
    rng = np.random.default_rng(8)
    arrays = [rng.standard_normal((3, 2, 5, 4)) * 1.5 + 0.7, rng.standard_normal((3, 2, 3, 3)),
              rng.standard_normal(3), rng.uniform(0.5, 2, 3), rng.standard_normal(3)]

    def image(x, w, c):
        h = F.conv2d(x, w, c, padding=1)                   # (C, H, W, N) memory
        if layout == "nchw":
            h = h.reshape(-1).reshape(h.shape)             # a C-ordered copy
        if layout == "other":
            h = F.swapaxes(h)                              # neither
        return h

    def fn(x, w, c, g, b):
        return F.batch_norm(image(x, w, c), g, b, None, None) ** 2

    h = image(*[mg.tensor(dev(a)) for a in arrays[:3]]).data       # the case under test
    assert (h.transpose(1, 2, 3, 0).flags.c_contiguous, h.flags.c_contiguous) == {
        "batch-last": (True, False), "nchw": (False, True), "other": (False, False)}[layout]
    firsts = []
    for enabled in (True, False):
        monkeypatch.setattr(fast, "enabled", enabled)
        firsts.append(_gradients(fn, [dev(a) for a in arrays], create_graph=False))
    for a, b in zip(*firsts):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert_paths_agree(fn, arrays, monkeypatch)


def test_column_parts_are_made_in_one_buffer_kept_across_calls():
    """conv2d, its weight gradient and conv_transpose2d's col2im make their column parts
    in one buffer that lives from call to call (conv_fast._part_buffer), so a warm call
    allocates nothing as large as its columns; tracemalloc sees NumPy's allocations.
    Fresh parts were freed and refaulted by glibc every call (benchmarks/README.md)."""
    import tracemalloc
    rng = np.random.default_rng(9)
    x = mg.tensor(rng.standard_normal((8, 16, 12, 12)).astype("float32"))
    w = mg.tensor(rng.standard_normal((16, 16, 3, 3)).astype("float32"))
    wt = mg.tensor(rng.standard_normal((16, 16, 4, 4)).astype("float32"))
    with mg.no_grad():
        x = F.conv2d(x, w, padding=1)                       # batch-last memory, as in a net
        calls = {
            # columns 9 x 16 x (12 x 12 x 8) floats, the output 1/9 of that
            "conv2d": lambda: F.conv2d(x, w, padding=1),
            "weight gradient": lambda: conv_fast.Conv2dGradW((1, 1), (1, 1), (3, 3)).forward(
                x.data, x.data),
            # col2im's columns 16 x 16 x (12 x 12 x 8) floats, the output 4 x 16 x 144 x 8
            "conv_transpose2d": lambda: F.conv_transpose2d(x, wt, stride=2, padding=1)}
        for name, call in calls.items():
            call()                                          # the buffer is made here
            tracemalloc.start()
            call()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            columns = (16 * 9 if name != "conv_transpose2d" else 16 * 16) * x.data.size // 16 * 4
            assert peak < columns / 2, (name, peak, columns)


@pytest.mark.parametrize("part_bytes", [None, 1])
@given(case=conv_cases(max_n=2, max_c=3, max_hw=6))
@settings(max_examples=15)
def test_stride1_conv2d_array_backward_equals_graph_backward(backend_name, part_bytes, case):
    """Without a graph a stride-1 conv2d takes both gradients from one unfold of gy
    (conv_fast.Conv2d._backward_arrays), with one from ConvTranspose2d and Conv2dGradW:
    the same first derivatives, with the columns whole or one output row per part."""
    if part_bytes is not None:
        mp = pytest.MonkeyPatch()
        mp.setattr(conv_fast, "_PART_BYTES", part_bytes)
    try:
        assert_same_gradients(lambda x, w, b=None: F.conv2d(x, w, b, padding=case["padding"]),
                              _conv_args(case))
    finally:
        if part_bytes is not None:
            mp.undo()


@pytest.mark.parametrize("geometry", [(3, 1), (3, 0), (3, 2), (2, 1), (1, 0)])
def test_stride1_conv2d_array_backward_runs_and_matches_loops(backend_name, geometry,
                                                              monkeypatch):
    """The array formula runs for these kernels and paddings (a spy counts it), and its
    gradients equal the loop definition's: gx[n, c, q] = sum w[o, c, i, j] gy[n, o, a],
    gw[o, c, i, j] = sum gy[n, o, a] x_p[n, c, a + (i, j)]."""
    k, p = geometry
    rng = np.random.default_rng(10)
    x, w = rng.standard_normal((2, 4, 5, 6)), rng.standard_normal((3, 4, k, k))
    ran = []
    formula = conv_fast.Conv2d._backward_arrays
    monkeypatch.setattr(conv_fast.Conv2d, "_backward_arrays",
                        lambda self, *a: ran.append(1) or formula(self, *a))
    xt, wt = mg.tensor(dev(x), requires_grad=True), mg.tensor(dev(w), requires_grad=True)
    y = F.conv2d(xt, wt, padding=p)
    gy = rng.standard_normal(y.shape)
    gx, gw = mg.grad(y, [xt, wt], grad_outputs=mg.Tensor(dev(gy)))
    assert ran == [1]
    xp_ = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    gx_loop, gw_loop = np.zeros_like(xp_), np.zeros_like(w)
    for i in range(k):
        for j in range(k):
            window = xp_[:, :, i:i + gy.shape[2], j:j + gy.shape[3]]
            gw_loop[:, :, i, j] = np.einsum("noab,ncab->oc", gy, window)
            gx_loop[:, :, i:i + gy.shape[2], j:j + gy.shape[3]] += np.einsum(
                "oc,noab->ncab", w[:, :, i, j], gy)
    np.testing.assert_allclose(host(gw), gw_loop, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(host(gx), gx_loop[:, :, p:p + 5, p:p + 6], rtol=1e-12, atol=1e-12)
