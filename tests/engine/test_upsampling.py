"""pixel_shuffle, pixel_unshuffle, prelu and their layers: the property tests every
differentiable function has (1st and 2nd derivatives against central differences in
float64, dtype kept, no input mutation, no aliasing, on NumPy and the strict device
stand-in), and the values against loop definitions written out here."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import minigan as mg
import minigan.functional as F
from minigan import nn

pytestmark = pytest.mark.both_backends
seeds = st.integers(0, 2**32 - 1)


@st.composite
def shuffle_case(draw):
    n, c, r = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(seeds))
    return (lambda x: F.pixel_shuffle(x, r)), [rng.standard_normal((n, c * r * r, h, w))]


@st.composite
def unshuffle_case(draw):
    n, c, r = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    rng = np.random.default_rng(draw(seeds))
    return (lambda x: F.pixel_unshuffle(x, r)), [rng.standard_normal((n, c, h * r, w * r))]


@st.composite
def prelu_case(draw):
    shape = draw(st.sampled_from([(3,), (2, 3), (2, 3, 2), (1, 3, 2, 2)]))
    k = draw(st.sampled_from([1, 3]))
    rng = np.random.default_rng(draw(seeds))
    x = rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)   # away from the kink
    return F.prelu, [x, rng.uniform(-0.5, 0.8, (k,))]


CASES = {"pixel_shuffle": shuffle_case(), "pixel_unshuffle": unshuffle_case(),
         "prelu": prelu_case()}
NAMES = sorted(CASES)


def to_device(arrays, dtype="float64"):
    return [mg.backend.asarray(a.astype(dtype)) for a in arrays]


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_first_derivative(backend_name, name, data):
    fn, arrays = data.draw(CASES[name])
    assert mg.gradcheck(fn, to_device(arrays))


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_second_derivative(backend_name, name, data):
    fn, arrays = data.draw(CASES[name])
    assert mg.gradgradcheck(fn, to_device(arrays))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_dtype_kept_inputs_untouched_no_aliasing(backend_name, name, dtype, data):
    fn, arrays = data.draw(CASES[name])
    xs = [mg.tensor(a, requires_grad=True) for a in to_device(arrays, dtype)]
    y = fn(*xs)
    gy = mg.backend.asarray(np.random.default_rng(1).standard_normal(y.shape).astype(dtype))
    grads = mg.grad(y, xs, grad_outputs=mg.Tensor(gy))
    assert y.dtype == dtype and all(g.dtype == dtype for g in grads)
    for x, original in zip(xs, arrays):
        np.testing.assert_array_equal(mg.backend.to_numpy(x.data), original.astype(dtype))
    xp = mg.backend.xp
    live = [g.data for g in grads]
    for i, g in enumerate(live):
        assert not xp.shares_memory(g, gy)
        assert not any(xp.shares_memory(g, o) for o in live[i + 1:])


# ------------------------------------------------ values against loop definitions

def shuffle_loop(x, r):
    """PyTorch's documented semantics, element by element:
    out[n, c, h*r + i, w*r + j] = x[n, c*r*r + i*r + j, h, w]."""
    n, crr, h, w = x.shape
    c = crr // (r * r)
    out = np.empty((n, c, h * r, w * r), x.dtype)
    for b in range(n):
        for ch in range(c):
            for hh in range(h):
                for ww in range(w):
                    for i in range(r):
                        for j in range(r):
                            out[b, ch, hh * r + i, ww * r + j] = x[b, ch * r * r + i * r + j, hh, ww]
    return out


@pytest.mark.parametrize("r", [1, 2, 3])
def test_pixel_shuffle_matches_the_loop_definition(backend_name, r):
    x = np.random.default_rng(r).standard_normal((2, 2 * r * r, 3, 2)).astype("float32")
    y = F.pixel_shuffle(mg.tensor(mg.backend.asarray(x)), r)
    np.testing.assert_array_equal(mg.backend.to_numpy(y.data), shuffle_loop(x, r))
    back = F.pixel_unshuffle(y, r)
    np.testing.assert_array_equal(mg.backend.to_numpy(back.data), x)


def test_pixel_shuffle_layer_and_errors(backend_name):
    x = np.arange(16, dtype="float32").reshape(1, 4, 2, 2)
    y = nn.PixelShuffle(2)(mg.tensor(mg.backend.asarray(x)))
    # channel 0 fills the top-left of each 2x2 block, channel 3 the bottom-right
    np.testing.assert_array_equal(mg.backend.to_numpy(y.data)[0, 0],
                                  [[0, 4, 1, 5], [8, 12, 9, 13], [2, 6, 3, 7], [10, 14, 11, 15]])
    assert nn.PixelUnshuffle(2)(y).shape == (1, 4, 2, 2)
    assert "upscale_factor=2" in repr(nn.PixelShuffle(2))
    with pytest.raises(ValueError, match="divisible"):
        F.pixel_shuffle(mg.tensor(mg.backend.asarray(np.zeros((1, 3, 2, 2), "float32"))), 2)


def test_prelu_matches_its_definition(backend_name):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4, 4)).astype("float32")
    a = np.array([0.25, -0.1, 0.7], "float32")
    y = F.prelu(mg.tensor(mg.backend.asarray(x)), mg.tensor(mg.backend.asarray(a)))
    expected = np.where(x > 0, x, a[None, :, None, None] * x)
    np.testing.assert_allclose(mg.backend.to_numpy(y.data), expected, rtol=1e-6)


def test_prelu_layer_has_pytorchs_defaults_and_learns_its_slope(backend_name):
    layer = nn.PReLU()
    assert list(layer.state_dict()) == ["weight"]
    np.testing.assert_array_equal(mg.backend.to_numpy(layer.weight.data), [0.25])
    x = mg.tensor(mg.backend.asarray(np.array([[-2.0, 3.0]], "float32")))
    layer(x).sum().backward()
    # d/da sum(prelu(x)) = sum of the negative inputs
    np.testing.assert_allclose(mg.backend.to_numpy(layer.weight.grad.data)
                               if hasattr(layer.weight.grad, "data") else
                               mg.backend.to_numpy(layer.weight.grad), [-2.0])
    per_channel = nn.PReLU(3, init=0.1)
    assert per_channel.weight.shape == (3,)
    with pytest.raises(ValueError, match="slopes"):
        per_channel(mg.tensor(mg.backend.asarray(np.zeros((1, 2, 2, 2), "float32"))))
