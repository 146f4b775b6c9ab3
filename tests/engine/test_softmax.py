"""log_softmax and cross_entropy: first and second derivatives against central
differences, values against the formulas written out by hand, stability, dtype.

Each test runs on NumPy and on the strict device stand-in.
"""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import minigan as mg
import minigan.functional as F

pytestmark = pytest.mark.both_backends

seeds = st.integers(0, 2**32 - 1)
shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


@st.composite
def softmax_case(draw):
    """A shape, an axis of it, and float64 values spread over a few units."""
    shape = draw(shapes)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    rng = np.random.default_rng(draw(seeds))
    return 3 * rng.standard_normal(shape), axis


@st.composite
def ce_case(draw):
    """Logits (N, C) and integer labels in [0, C)."""
    n, c = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(seeds))
    return 3 * rng.standard_normal((n, c)), rng.integers(0, c, n)


def dev(a, dtype=None):
    return mg.backend.asarray(a if dtype is None else a.astype(dtype))


def host(a):
    return mg.backend.to_numpy(a.data if isinstance(a, mg.Tensor) else a)


def log_softmax_by_hand(x, axis):
    """log(exp(x_i) / sum_j exp(x_j)) straight from the definition (small |x| only)."""
    e = np.exp(x)
    return np.log(e / e.sum(axis=axis, keepdims=True))


# ------------------------------------------------------------------ log_softmax

@given(case=softmax_case())
def test_log_softmax_first_derivative(backend_name, case):
    x, axis = case
    assert mg.gradcheck(lambda t: F.log_softmax(t, axis=axis), [dev(x)])


@given(case=softmax_case())
def test_log_softmax_second_derivative(backend_name, case):
    x, axis = case
    assert mg.gradgradcheck(lambda t: F.log_softmax(t, axis=axis), [dev(x)])


@given(case=softmax_case())
def test_log_softmax_matches_definition(backend_name, case):
    x, axis = case
    y = F.log_softmax(mg.tensor(dev(x)), axis=axis)
    np.testing.assert_allclose(host(y), log_softmax_by_hand(x, axis), rtol=1e-12, atol=1e-12)


def test_log_softmax_is_stable_for_huge_logits(backend_name):
    """exp(1000) overflows; the max-subtraction keeps the result and the gradient exact."""
    x = np.array([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 1000.0]], dtype=np.float32)
    t = mg.tensor(dev(x), requires_grad=True)
    y = F.log_softmax(t, axis=1)
    (F.sum(y[:, 0])).backward()
    expected = np.array([[0.0, -1000.0, -2000.0], [-np.log(3)] * 3])
    np.testing.assert_allclose(host(y), expected, rtol=1e-6)
    # d(y_n0)/dx_nk = delta_0k - softmax_k
    expected_grad = np.array([[0.0, 0.0, 0.0], [2 / 3, -1 / 3, -1 / 3]])
    np.testing.assert_allclose(host(t.grad), expected_grad, atol=1e-6)
    assert np.isfinite(host(t.grad)).all()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_log_softmax_keeps_dtype(backend_name, dtype):
    x = mg.tensor(dev(np.random.default_rng(0).standard_normal((3, 4)), dtype),
                  requires_grad=True)
    y = F.log_softmax(x)
    (gx,) = mg.grad(F.sum(y * y), [x], create_graph=True)
    (ggx,) = mg.grad(F.sum(gx), [x])
    assert y.dtype == gx.dtype == ggx.dtype == dtype


# ---------------------------------------------------------------- cross_entropy

def cross_entropy_by_hand(logits, labels):
    """mean_n -(x_{n,y_n} - log sum_j exp x_nj), one row at a time."""
    losses = [np.log(np.exp(row).sum()) - row[y] for row, y in zip(logits, labels)]
    return np.mean(losses)


@given(case=ce_case())
def test_cross_entropy_first_derivative(backend_name, case):
    logits, labels = case
    labels = dev(labels)
    assert mg.gradcheck(lambda t: F.cross_entropy(t, labels), [dev(logits)])


@given(case=ce_case())
def test_cross_entropy_second_derivative(backend_name, case):
    logits, labels = case
    labels = dev(labels)
    assert mg.gradgradcheck(lambda t: F.cross_entropy(t, labels, reduction="sum"),
                            [dev(logits)])


@given(case=ce_case())
def test_cross_entropy_matches_definition(backend_name, case):
    logits, labels = case
    loss = F.cross_entropy(mg.tensor(dev(logits)), dev(labels))
    np.testing.assert_allclose(loss.item(), cross_entropy_by_hand(logits, labels),
                               rtol=1e-12, atol=1e-12)
    per_row = F.cross_entropy(mg.tensor(dev(logits)), dev(labels), reduction="none")
    assert per_row.shape == labels.shape


def test_cross_entropy_gradient_is_softmax_minus_one_hot(backend_name):
    logits = np.array([[1.0, 2.0, 0.5], [0.0, 0.0, 0.0]])
    labels = np.array([1, 2])
    t = mg.tensor(dev(logits), requires_grad=True)
    F.cross_entropy(t, dev(labels), reduction="sum").backward()
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(host(t.grad), softmax - np.eye(3)[labels], rtol=1e-12)


def test_cross_entropy_float32_in_float32_out(backend_name):
    logits = mg.tensor(dev(np.random.default_rng(1).standard_normal((5, 10)), "float32"),
                       requires_grad=True)
    loss = F.cross_entropy(logits, dev(np.arange(5)))
    loss.backward()
    assert loss.dtype == logits.grad.dtype == "float32"


@pytest.mark.parametrize("labels", [np.array([0, 3]), np.array([-1, 0]), np.array([0.0, 1.0]),
                                    np.array([0, 1, 2])])
def test_cross_entropy_rejects_bad_labels(backend_name, labels):
    logits = mg.tensor(dev(np.zeros((2, 3), dtype=np.float32)))
    with pytest.raises(ValueError, match="labels"):
        F.cross_entropy(logits, dev(labels))
