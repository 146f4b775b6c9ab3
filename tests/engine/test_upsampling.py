"""pixel_shuffle, pixel_unshuffle, prelu and their layers: the values against loop
definitions written out here.  Their derivatives and invariants (1st and 2nd order
against central differences, dtype kept, no mutation, no aliasing) are checked with
every other function's, by test_functions.py on the cases in cases.py."""
import numpy as np
import pytest

import minigan as mg
import minigan.functional as F
from minigan import nn

pytestmark = pytest.mark.both_backends


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
