"""batch_norm against the formulas of Ioffe & Szegedy (2015), written out in NumPy,
PyTorch's running-statistics rule, and central differences (first and second order).
"""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import minigan as mg
import minigan.functional as F

pytestmark = pytest.mark.both_backends


def dev(a, dtype="float64"):
    """A copy of `a` on the active backend (never an alias of the host array)."""
    return mg.backend.asarray(np.array(a, dtype=dtype))


def host(t):
    return mg.backend.to_numpy(t.data if isinstance(t, mg.Tensor) else t)


def spread_input(rng, shape):
    """Normal values, with the batch's first two samples pushed apart so that no
    channel has a tiny variance (the derivatives scale like 1/std)."""
    x = rng.standard_normal(shape) * 1.5 + 0.7
    x[0] += 2.0
    x[1] -= 2.0
    return x


@st.composite
def bn_cases(draw, max_n=4, max_c=3, max_hw=3):
    """x (N, C) or (N, C, H, W) with N >= 2, and gamma, beta (or None: affine=False)."""
    four_d = draw(st.booleans())
    n, c = draw(st.integers(2, max_n)), draw(st.integers(1, max_c))
    hw = (draw(st.integers(1, max_hw)), draw(st.integers(1, max_hw))) if four_d else ()
    shape = (n, c) + hw
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    affine = draw(st.booleans())
    gamma = rng.uniform(0.5, 2.0, c) * rng.choice([-1.0, 1.0], c) if affine else None
    beta = rng.standard_normal(c) if affine else None
    return dict(x=spread_input(rng, shape), gamma=gamma, beta=beta, rng=rng)


def reference(x, gamma, beta, mean, var, eps=1e-5):
    """y = gamma (x - mean) / sqrt(var + eps) + beta, per channel (axis 1), by hand."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    if gamma is not None:
        y = y * gamma.reshape(shape) + beta.reshape(shape)
    return y


def batch_stats(x):
    """Per-channel mean, biased and unbiased variance, with explicit loops over channels."""
    c = x.shape[1]
    values = [np.moveaxis(x, 1, 0)[k].ravel() for k in range(c)]
    m = values[0].size
    mean = np.array([v.sum() / m for v in values])
    biased = np.array([((v - mu) ** 2).sum() / m for v, mu in zip(values, mean)])
    unbiased = np.array([((v - mu) ** 2).sum() / (m - 1) for v, mu in zip(values, mean)])
    return mean, biased, unbiased


def _params(case):
    if case["gamma"] is None:
        return None, None
    return dev(case["gamma"]), dev(case["beta"])


# ------------------------------------------------------------------ values

@given(case=bn_cases(max_n=6, max_c=4, max_hw=4))
def test_training_normalises_with_the_biased_batch_variance(backend_name, case):
    x = case["x"]
    mean, biased, _ = batch_stats(x)
    y = F.batch_norm(dev(x), *_params(case), None, None, training=True)
    np.testing.assert_allclose(host(y), reference(x, case["gamma"], case["beta"], mean, biased),
                               rtol=1e-10, atol=1e-10)


@given(case=bn_cases(max_n=6, max_c=4, max_hw=4))
def test_evaluation_uses_the_running_statistics(backend_name, case):
    x, c = case["x"], case["x"].shape[1]
    rm, rv = case["rng"].standard_normal(c), case["rng"].uniform(0.5, 2.0, c)
    y = F.batch_norm(dev(x), *_params(case), dev(rm), dev(rv), training=False)
    np.testing.assert_allclose(host(y), reference(x, case["gamma"], case["beta"], rm, rv),
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("momentum", [0.1, 0.5, 1.0])
@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2, 5)])
def test_running_statistics_follow_pytorch(backend_name, shape, momentum):
    """running = (1 - momentum) running + momentum batch, with the unbiased variance."""
    rng = np.random.default_rng(2)
    c = shape[1]
    rm_host, rv_host = np.zeros(c), np.ones(c)
    rm, rv = dev(rm_host), dev(rv_host)
    for _ in range(3):
        x = spread_input(rng, shape)
        mean, _, unbiased = batch_stats(x)
        F.batch_norm(dev(x), dev(np.ones(c)), dev(np.zeros(c)), rm, rv, momentum=momentum)
        rm_host = (1 - momentum) * rm_host + momentum * mean
        rv_host = (1 - momentum) * rv_host + momentum * unbiased
        np.testing.assert_allclose(host(rm), rm_host, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(host(rv), rv_host, rtol=1e-12, atol=1e-12)


def test_running_statistics_as_tensors_are_updated_in_place(backend_name):
    rng = np.random.default_rng(3)
    x = spread_input(rng, (4, 2, 3, 3))
    rm, rv = mg.tensor(dev(np.zeros(2))), mg.tensor(dev(np.ones(2)))
    rm_data, rv_data = rm.data, rv.data
    F.batch_norm(dev(x), None, None, rm, rv)
    mean, _, unbiased = batch_stats(x)
    assert rm.data is rm_data and rv.data is rv_data
    np.testing.assert_allclose(host(rm), 0.1 * mean, rtol=1e-12)
    np.testing.assert_allclose(host(rv), 0.9 + 0.1 * unbiased, rtol=1e-12)


def test_evaluation_and_no_running_statistics_leave_state_alone(backend_name):
    rng = np.random.default_rng(4)
    x = spread_input(rng, (4, 3))
    rm, rv = dev(np.full(3, 0.25)), dev(np.full(3, 2.0))
    F.batch_norm(dev(x), None, None, rm, rv, training=False)
    np.testing.assert_array_equal(host(rm), np.full(3, 0.25))
    np.testing.assert_array_equal(host(rv), np.full(3, 2.0))
    F.batch_norm(dev(x), None, None, None, None)          # training without running stats


# ------------------------------------------------------------- derivatives

def _fn(case, training=True, running=None):
    rm, rv = running if running is not None else (None, None)
    if case["gamma"] is None:
        return (lambda x: F.batch_norm(x, None, None, rm, rv, training=training)), [dev(case["x"])]
    return ((lambda x, g, b: F.batch_norm(x, g, b, rm, rv, training=training)),
            [dev(case[k]) for k in ("x", "gamma", "beta")])


@given(case=bn_cases())
def test_first_derivatives_elementwise(backend_name, case):
    fn, inputs = _fn(case)
    assert mg.gradcheck(fn, inputs)


@given(case=bn_cases(max_n=3, max_c=2, max_hw=2))
def test_second_derivatives_elementwise(backend_name, case):
    fn, inputs = _fn(case)
    assert mg.gradgradcheck(fn, inputs)


@given(case=bn_cases(max_n=8, max_c=5, max_hw=6))
def test_derivatives_along_random_directions(backend_name, case):
    fn, inputs = _fn(case)
    assert mg.gradcheck(fn, inputs, mode="direction")
    assert mg.gradgradcheck(fn, inputs, mode="direction")


@given(case=bn_cases())
def test_evaluation_derivatives(backend_name, case):
    c = case["x"].shape[1]
    running = (dev(case["rng"].standard_normal(c)), dev(case["rng"].uniform(0.5, 2.0, c)))
    fn, inputs = _fn(case, training=False, running=running)
    assert mg.gradcheck(fn, inputs)
    assert mg.gradgradcheck(fn, inputs, mode="direction")


def test_gradient_of_a_penalty_through_batch_norm(backend_name):
    """d/dgamma of ||dL/dx||^2, as the gradient penalty needs through a critic with batch norm."""
    rng = np.random.default_rng(5)
    x = spread_input(rng, (5, 3, 2, 2))
    g, b = rng.uniform(0.5, 2.0, 3), rng.standard_normal(3)

    def penalty(x, g, b):
        y = F.batch_norm(x, g, b, None, None)
        (gx,) = mg.grad(F.tanh(y).sum(), [x], create_graph=True)
        return (gx * gx).sum()

    assert mg.gradcheck(penalty, [dev(x), dev(g), dev(b)])


# --------------------------------------------------- dtypes, state, errors

@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5, 5)])
def test_float32_is_kept(backend_name, shape, training):
    rng = np.random.default_rng(6)
    x = mg.tensor(dev(spread_input(rng, shape), "float32"), requires_grad=True)
    g = mg.tensor(dev(np.ones(3), "float32"), requires_grad=True)
    b = mg.tensor(dev(np.zeros(3), "float32"), requires_grad=True)
    rm, rv = dev(np.zeros(3), "float32"), dev(np.ones(3), "float32")
    y = F.batch_norm(x, g, b, rm, rv, training=training)
    (gx,) = mg.grad((y * y * y).sum(), [x], create_graph=True)
    grads = mg.grad((gx * gx).sum(), [x, g, b])
    assert y.dtype == "float32" and gx.dtype == "float32"
    assert all(t.dtype == "float32" for t in grads)
    assert rm.dtype == "float32" and rv.dtype == "float32"


def test_inputs_are_not_mutated(backend_name):
    rng = np.random.default_rng(7)
    arrays = [spread_input(rng, (4, 3, 2, 2)), rng.uniform(0.5, 2, 3), rng.standard_normal(3)]
    ts = [mg.tensor(dev(a), requires_grad=True) for a in arrays]
    y = F.batch_norm(*ts, dev(np.zeros(3)), dev(np.ones(3)))
    u = mg.Tensor(dev(rng.standard_normal(y.shape)))
    grads = mg.grad(y, ts, grad_outputs=u)
    for t, a in zip(ts, arrays):
        np.testing.assert_array_equal(host(t), a)
    for gr in grads:
        assert not mg.backend.xp.shares_memory(gr.data, u.data)


def test_errors_name_the_shapes(backend_name):
    x = dev(np.zeros((4, 3, 2, 2)))
    c3 = dev(np.ones(3))
    with pytest.raises(ValueError, match=r"\(N, C\) or \(N, C, H, W\), got shape \(4, 3, 2\)"):
        F.batch_norm(dev(np.zeros((4, 3, 2))), c3, c3, None, None)
    with pytest.raises(ValueError, match=r"C = 3.*gamma must have shape \(3,\), got \(2,\)"):
        F.batch_norm(x, dev(np.ones(2)), c3, None, None)
    with pytest.raises(ValueError, match=r"running_var must have shape \(3,\), got \(4,\)"):
        F.batch_norm(x, c3, c3, c3, dev(np.ones(4)))
    with pytest.raises(ValueError, match="more than one value per channel"):
        F.batch_norm(dev(np.zeros((1, 3))), c3, c3, None, None)
    with pytest.raises(ValueError, match="needs running_mean and running_var"):
        F.batch_norm(x, c3, c3, None, None, training=False)
    with pytest.raises(ValueError, match="both gamma and beta"):
        F.batch_norm(x, c3, None, None, None)
