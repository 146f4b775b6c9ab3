"""Graph semantics of the engine: accumulation, no_grad, grad(), deep graphs, errors."""
import numpy as np
import pytest

import minigan as mg
import minigan.functional as F

pytestmark = pytest.mark.both_backends


def t(values, requires_grad=True, dtype="float64"):
    return mg.tensor(mg.backend.asarray(np.asarray(values, dtype=dtype)), requires_grad)


def host(x):
    return mg.backend.to_numpy(x.data if isinstance(x, mg.Tensor) else x)


def test_tensor_used_twice_accumulates(backend_name):
    x = t([1.0, 2.0, 3.0])
    y = (x * x + x * 3.0).sum()         # dy/dx = 2x + 3
    y.backward()
    np.testing.assert_allclose(host(x.grad), [5.0, 7.0, 9.0])


def test_backward_twice_accumulates_into_grad(backend_name):
    x = t([1.0, -2.0])
    (x * 2.0).sum().backward()
    (x * x).sum().backward()            # 2 + 2x
    np.testing.assert_allclose(host(x.grad), [4.0, -2.0])


def test_no_grad_builds_nothing(backend_name):
    x = t([1.0, 2.0])
    with mg.no_grad():
        y = F.exp(x * 2.0).sum()
    assert y.creator is None and not y.requires_grad
    assert mg.is_grad_enabled()


def test_grad_does_not_touch_leaf_grads(backend_name):
    x = t([1.0, 2.0])
    (gx,) = mg.grad((x * x).sum(), [x])
    assert x.grad is None
    np.testing.assert_allclose(host(gx), [2.0, 4.0])


def test_grad_without_create_graph_returns_constants(backend_name):
    x = t([0.5, 1.5])
    (gx,) = mg.grad(F.sigmoid(x).sum(), [x])
    assert gx.creator is None and not gx.requires_grad


def test_second_derivative_by_double_backprop(backend_name):
    # y = x^3: dy/dx = 3x^2, d2y/dx2 = 6x
    x = t([1.0, -2.0, 0.5])
    (gx,) = mg.grad((x ** 3).sum(), [x], create_graph=True)
    (ggx,) = mg.grad(gx.sum(), [x])
    np.testing.assert_allclose(host(gx), 3 * np.array([1.0, -2.0, 0.5]) ** 2)
    np.testing.assert_allclose(host(ggx), 6 * np.array([1.0, -2.0, 0.5]))


def test_gradient_penalty_shape_of_computation(backend_name):
    # f(x) = sum(tanh(x W)), penalty = (||df/dx|| - 1)^2, differentiated w.r.t. W
    rng = np.random.default_rng(0)
    x_np, w_np = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))

    def penalty(w):
        x = t(x_np)
        (gx,) = mg.grad(F.tanh(x @ w).sum(), [x], create_graph=True)
        norm = F.sqrt((gx * gx).sum(axis=1))
        return ((norm - 1.0) ** 2).mean()

    assert mg.gradcheck(penalty, [mg.backend.asarray(w_np)])


def test_grad_prunes_branches_that_do_not_reach_inputs(backend_name):
    """grad(D(x), [x]) must not compute D's weight gradients (WGAN-GP's cost)."""
    calls = []

    class Spy(mg.Function):
        def forward(self, a, b):
            return a * b

        def backward(self, gy, needs):
            calls.append(needs)
            a, b = self.inputs
            return (gy * b if needs[0] else None, gy * a if needs[1] else None)

    x, w = t([1.0, 2.0]), t([3.0, 4.0])
    (gx,) = mg.grad(Spy()(x, w).sum(), [x])
    assert calls == [(True, False)]
    np.testing.assert_allclose(host(gx), [3.0, 4.0])
    Spy()(x, w).sum().backward()            # every leaf: both gradients are wanted
    assert calls[1] == (True, True)
    np.testing.assert_allclose(host(w.grad), [1.0, 2.0])


def test_deep_chain_of_ten_thousand_ops(backend_name):
    x = t([1.0])
    y = x
    for _ in range(10_000):
        y = y * 1.0001 + 0.0
    y.sum().backward()
    np.testing.assert_allclose(host(x.grad), [1.0001 ** 10_000], rtol=1e-9)


def test_non_scalar_backward_needs_grad_outputs(backend_name):
    x = t([1.0, 2.0])
    with pytest.raises(RuntimeError, match="non-scalar.*grad_outputs"):
        (x * 2.0).backward()


def test_non_scalar_backward_with_grad_outputs(backend_name):
    x = t([1.0, 2.0])
    (x * 3.0).backward(t([1.0, 10.0], requires_grad=False))
    np.testing.assert_allclose(host(x.grad), [3.0, 30.0])


def test_grad_rejects_unused_input_unless_allowed(backend_name):
    x, z = t([1.0]), t([2.0])
    with pytest.raises(ValueError, match="not used"):
        mg.grad((x * 2.0).sum(), [x, z])
    gx, gz = mg.grad((x * 2.0).sum(), [x, z], allow_unused=True)
    assert gz is None


def test_grad_outputs_shape_is_checked(backend_name):
    x = t([1.0, 2.0])
    with pytest.raises(ValueError, match="shape"):
        mg.grad(x * 2.0, [x], grad_outputs=t([1.0, 2.0, 3.0], requires_grad=False))


def test_detach_cuts_the_graph(backend_name):
    x = t([2.0])
    y = (x.detach() * x).sum()          # only the second factor carries gradient
    y.backward()
    np.testing.assert_allclose(host(x.grad), [2.0])


def test_tensor_operators_and_properties(backend_name):
    a = t([[1.0, 2.0], [3.0, 4.0]])
    assert a.shape == (2, 2) and a.ndim == 2 and a.dtype == "float64" and len(a) == 2
    np.testing.assert_allclose(host(a.T), [[1.0, 3.0], [2.0, 4.0]])
    np.testing.assert_allclose(host(2.0 - a), [[1.0, 0.0], [-1.0, -2.0]])
    np.testing.assert_allclose(host(1.0 / a)[0], [1.0, 0.5])
    np.testing.assert_allclose(host(a @ a), [[7.0, 10.0], [15.0, 22.0]])
    assert (a.sum()).item() == 10.0
    assert isinstance(a.numpy(), np.ndarray)
    with pytest.raises(TypeError):
        bool(a)


def test_python_scalars_keep_float32(backend_name):
    x = t([1.0, 2.0], dtype="float32")
    for y in (x * 2.5, 2.5 * x, x + 1, 1 - x, x / 3.0, 3.0 / x, x ** 2, F.mean(x), x.mean()):
        assert y.dtype == "float32"


def test_default_dtype_of_python_floats_is_float32(backend_name):
    assert mg.tensor([1.0, 2.0]).dtype == "float32"
    assert mg.tensor(np.zeros(2)).dtype == "float64"      # arrays keep theirs


def test_stable_at_extreme_logits(backend_name):
    x = t([-1000.0, 1000.0], dtype="float32")
    for fn in (F.sigmoid, F.softplus, F.log_sigmoid, F.tanh):
        y = fn(x)
        (g,) = mg.grad(y.sum(), [x])
        assert np.all(np.isfinite(host(y))) and np.all(np.isfinite(host(g)))
    np.testing.assert_allclose(host(F.sigmoid(x)), [0.0, 1.0])
    np.testing.assert_allclose(host(F.softplus(x)), [0.0, 1000.0])
    for target in (0.0, 1.0):
        tgt = t([target, target], requires_grad=False, dtype="float32")
        loss = F.binary_cross_entropy_with_logits(x, tgt, reduction="none")
        (g,) = mg.grad(loss.sum(), [x])
        # softplus(x) - t x by hand: at -1000 it is 0 or 1000, at +1000 1000 or 0
        expected = [0.0, 1000.0] if target == 0.0 else [1000.0, 0.0]
        np.testing.assert_allclose(host(loss), expected)
        np.testing.assert_allclose(host(g), np.array([0.0, 1.0]) - target)


def test_binary_cross_entropy_at_saturated_probabilities(backend_name):
    p = t([0.0, 1.0, 0.5])
    tgt = t([1.0, 0.0, 1.0], requires_grad=False)
    loss = F.binary_cross_entropy(p, tgt, reduction="none")
    np.testing.assert_allclose(host(loss), [100.0, 100.0, np.log(2.0)])   # PyTorch clamps
    (g,) = mg.grad(loss.sum(), [p])
    # PyTorch's value: (p - t) / max(p (1 - p), 1e-12), by hand
    np.testing.assert_allclose(host(g), [-1e12, 1e12, -2.0], rtol=1e-12)


def test_losses_against_formulas_by_hand(backend_name):
    rng = np.random.default_rng(3)
    x, tgt = rng.standard_normal(5), rng.random(5)
    sig = 1 / (1 + np.exp(-x))
    bce = -(tgt * np.log(sig) + (1 - tgt) * np.log(1 - sig))
    got = F.binary_cross_entropy_with_logits(t(x), t(tgt, False), reduction="sum")
    np.testing.assert_allclose(got.item(), bce.sum())
    got = F.binary_cross_entropy(t(sig), t(tgt, False))
    np.testing.assert_allclose(got.item(), bce.mean())
    got = F.mse_loss(t(x), t(tgt, False), reduction="none")
    np.testing.assert_allclose(host(got), (x - tgt) ** 2)
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(t(x), t(tgt, False), reduction="avg")
    with pytest.raises(ValueError, match="shape"):
        F.mse_loss(t(x), t(tgt[:3], False))
