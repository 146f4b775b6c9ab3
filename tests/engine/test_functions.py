"""Every differentiable function: first and second derivatives against central
differences in float64, and the invariants every Function must keep.

The strategies live in cases.py (the engine core, the image layers, the VAE); each
test runs on NumPy and on the strict device stand-in.  A new differentiable function
gets a case there, and with it every check here.
"""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import minigan as mg
import minigan.functional as F
from cases import CASES

pytestmark = pytest.mark.both_backends

NAMES = sorted(CASES)


def to_device(arrays, dtype="float64"):
    return [mg.backend.asarray(a.astype(dtype)) for a in arrays]


def host(a):
    return mg.backend.to_numpy(a)


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


def _forward_backward(fn, arrays, dtype):
    """Run fn and its backward with a random upstream gradient: (xs, y, gy, grads)."""
    xs = [mg.tensor(a, requires_grad=True) for a in to_device(arrays, dtype)]
    y = fn(*xs)
    rng = np.random.default_rng(1)
    gy = mg.backend.asarray(rng.standard_normal(y.shape).astype(dtype))
    grads = mg.grad(y, xs, grad_outputs=mg.Tensor(gy), allow_unused=True)
    return xs, y, gy, grads


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_dtype_kept_inputs_not_mutated_no_aliasing(backend_name, name, dtype, data):
    """float32 in gives float32 out, forward and backward (no float64 promotion); the
    inputs keep their values; no gradient shares memory with the upstream gradient or
    with another gradient."""
    fn, arrays = data.draw(CASES[name])
    xs, y, gy, grads = _forward_backward(fn, arrays, dtype)
    assert y.dtype == dtype
    assert all(g.dtype == dtype for g in grads if g is not None)
    for x, original in zip(xs, arrays):
        np.testing.assert_array_equal(host(x.data), original.astype(dtype))
    xp = mg.backend.xp
    live = [g.data for g in grads if g is not None]
    for i, g in enumerate(live):
        assert not xp.shares_memory(g, gy), "a gradient aliases the upstream gradient"
        for other in live[i + 1:]:
            assert not xp.shares_memory(g, other), "two gradients share memory"


@pytest.mark.parametrize("to", ["float32", "float64"])
def test_astype_gradient_is_the_upstream_gradient_converted_back(backend_name, to):
    """Central differences cannot check a float32 round trip; the derivative of a
    conversion is the identity, so the gradient is the upstream one in x's dtype."""
    rng = np.random.default_rng(0)
    src = "float64" if to == "float32" else "float32"
    x = mg.tensor(mg.backend.asarray(rng.standard_normal((3, 2)).astype(src)),
                  requires_grad=True)
    u = rng.standard_normal((3, 2)).astype(to)
    (g,) = mg.grad(F.astype(x, to), [x], grad_outputs=mg.Tensor(mg.backend.asarray(u)))
    assert g.dtype == src
    np.testing.assert_array_equal(host(g.data), u.astype(src))
