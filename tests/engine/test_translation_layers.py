"""The engine pieces image-to-image translation needs: instance norm, dropout,
reflection padding and the L1 loss: their values against the formulas written out by
hand with loops, their layers, and dropout's randomness.

Their derivatives and invariants (1st and 2nd order against central differences,
dtype kept, no mutation, no aliasing) are checked with every other function's, by
test_functions.py on the cases in cases.py.
"""
import numpy as np
import pytest

import minigan as mg
import minigan.functional as F
from minigan import nn

pytestmark = pytest.mark.both_backends

# ------------------------------------------------ values against the formulas

def host(t):
    return mg.backend.to_numpy(t.data)


def to_device(arrays, dtype="float64"):
    return [mg.backend.asarray(a.astype(dtype)) for a in arrays]


def test_instance_norm_matches_the_formula_by_loops(backend_name):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4, 5)) * 3 + 1
    g, b = rng.standard_normal(3), rng.standard_normal(3)
    expected = np.empty_like(x)
    for n in range(2):
        for c in range(3):
            plane = x[n, c]
            mu = sum(plane.ravel()) / plane.size
            var = sum((v - mu) ** 2 for v in plane.ravel()) / plane.size     # biased
            expected[n, c] = (plane - mu) / np.sqrt(var + 1e-5) * g[c] + b[c]
    y = F.instance_norm(*to_device([x, g, b]))
    np.testing.assert_allclose(host(y), expected, rtol=1e-10, atol=1e-12)


def test_instance_norm_module_has_pytorch_defaults(backend_name):
    m = nn.InstanceNorm2d(3)
    assert m.weight is None and m.bias is None and m.eps == 1e-5
    assert list(m.state_dict()) == []
    a = nn.InstanceNorm2d(3, affine=True)
    assert list(a.state_dict()) == ["weight", "bias"]
    np.testing.assert_array_equal(mg.backend.to_numpy(a.weight.data), np.ones(3))
    x = mg.tensor(mg.backend.asarray(np.random.default_rng(0).standard_normal((2, 3, 4, 4))
                                     .astype("float32")))
    y_train, y_eval = host(m(x)), host(m.eval()(x))         # no running statistics
    np.testing.assert_array_equal(y_train, y_eval)
    np.testing.assert_allclose(y_train.mean(axis=(2, 3)), 0, atol=1e-6)
    np.testing.assert_allclose(y_train.var(axis=(2, 3)), 1, atol=1e-3)
    with pytest.raises(ValueError):
        m(mg.tensor(mg.backend.asarray(np.zeros((2, 4, 4, 4), "float32"))))


def test_reflection_pad_matches_the_definition(backend_name):
    x = np.arange(2 * 1 * 3 * 4, dtype=float).reshape(2, 1, 3, 4)
    left, right, top, bottom = 3, 3, 2, 2      # the largest pads hit the edge cases
    expected = np.empty((2, 1, 3 + top + bottom, 4 + left + right))

    def mirror(i, n):      # the index a padded position copies: reflect about 0 and n-1
        return -i if i < 0 else (2 * (n - 1) - i if i >= n else i)
    for i in range(expected.shape[2]):
        for j in range(expected.shape[3]):
            expected[:, :, i, j] = x[:, :, mirror(i - top, 3), mirror(j - left, 4)]
    y = nn.ReflectionPad2d((left, right, top, bottom))(mg.tensor(mg.backend.asarray(x)))
    np.testing.assert_array_equal(host(y), expected)
    row = host(F.reflection_pad2d(mg.tensor(mg.backend.asarray(
        np.array([[[[1.0, 2, 3, 4]]]]))), (2, 2, 0, 0)))
    np.testing.assert_array_equal(row[0, 0, 0], [3, 2, 1, 2, 3, 4, 3, 2])
    with pytest.raises(ValueError):
        F.reflection_pad2d(mg.tensor(mg.backend.asarray(x)), 3)    # 3 >= H


def test_l1_loss_is_the_mean_absolute_difference(backend_name):
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    expected = sum(abs(a - b) for a, b in zip(x.ravel(), t.ravel()))
    xs = mg.tensor(mg.backend.asarray(x), requires_grad=True)
    loss = F.l1_loss(xs, mg.backend.asarray(t), reduction="sum")
    assert abs(loss.item() - expected) < 1e-12
    assert abs(F.l1_loss(xs, mg.backend.asarray(t)).item() - expected / 12) < 1e-12
    (g,) = mg.grad(loss, [xs])
    np.testing.assert_array_equal(host(g), np.sign(x - t))
    (g0,) = mg.grad(F.l1_loss(xs, xs.data), [xs])                   # sign(0) = 0, as PyTorch
    np.testing.assert_array_equal(host(g0), np.zeros((3, 4)))


def test_dropout_keeps_the_expectation_and_reproduces(backend_name):
    x = mg.tensor(mg.backend.asarray(np.ones((200, 500), "float32")))
    mg.backend.manual_seed(3)
    a = host(F.dropout(x, 0.3))
    mg.backend.manual_seed(3)
    b = host(F.dropout(x, 0.3))
    np.testing.assert_array_equal(a, b)                      # the global generator repeats
    assert set(np.unique(a)) == {0.0, np.float32(1 / 0.7)}
    zero_share = (a == 0).mean()                             # 100,000 draws: std 0.0015
    assert abs(zero_share - 0.3) < 0.01
    assert abs(a.mean() - 1.0) < 0.02
    layer = nn.Dropout(0.3)
    np.testing.assert_array_equal(host(layer.eval()(x)), host(x))   # identity in eval
    assert (host(layer.train()(x)) == 0).any()
    assert (host(F.dropout(x, 1.0)) == 0).all()
    with pytest.raises(ValueError):
        nn.Dropout(1.5)
