"""The gradient checker itself: it passes right gradients and catches wrong ones."""
import numpy as np
import pytest

import minigan as mg
import minigan.functional as F

pytestmark = pytest.mark.both_backends


class WrongSquare(mg.Function):
    """x^2 with a planted mistake in its derivative (3x instead of 2x)."""

    def forward(self, x):
        return x * x

    def backward(self, gy, needs):
        return gy * self.inputs[0] * 3.0


class WrongSecondDerivative(mg.Function):
    """x^3 whose first derivative is right in value but built from constants,
    so its own derivative (the second derivative of x^3) is wrongly zero."""

    def forward(self, x):
        return x * x * x

    def backward(self, gy, needs):
        x = self.inputs[0].data
        return gy * mg.Tensor(3.0 * x * x)


class WrongGraphFormula(mg.Function):
    """x^2 with a right derivative on raw arrays (used when no graph is recorded) and a
    wrong one written with Tensors (used under create_graph=True): 3x instead of 2x."""

    def forward(self, x):
        return x * x

    def backward(self, gy, needs):
        x = self.inputs[0]
        if not mg.is_grad_enabled():
            return mg.Tensor(gy.data * x.data * 2.0)
        return gy * x * 3.0


class NaNDerivative(mg.Function):
    """x^2 whose derivative is NaN: every comparison with NaN is False, so a check
    written as ``error > tolerance`` would pass it."""

    def forward(self, x):
        return x * x

    def backward(self, gy, needs):
        return gy * float("nan")


def data(*shape, seed=0):
    return mg.backend.asarray(np.random.default_rng(seed).standard_normal(shape))


@pytest.mark.parametrize("mode", ["elementwise", "direction"])
def test_catches_wrong_first_derivative(backend_name, mode):
    with pytest.raises(mg.GradcheckError, match="analytic .* numerical"):
        mg.gradcheck(lambda x: WrongSquare()(x), [data(3, 2)], mode=mode)


@pytest.mark.parametrize("mode", ["elementwise", "direction"])
def test_catches_a_nan_derivative(backend_name, mode):
    with pytest.raises(mg.GradcheckError, match="analytic nan"):
        mg.gradcheck(lambda x: NaNDerivative()(x), [data(3)], mode=mode)


def test_error_names_input_and_element(backend_name):
    with pytest.raises(mg.GradcheckError, match=r"input 1, element \(0, 0\)"):
        mg.gradcheck(lambda a, b: a + WrongSquare()(b), [data(2, 2), data(2, 2, seed=1)])


@pytest.mark.parametrize("mode", ["elementwise", "direction"])
def test_catches_wrong_second_derivative(backend_name, mode):
    x = data(4)
    assert mg.gradcheck(lambda x: WrongSecondDerivative()(x), [x], mode=mode)
    with pytest.raises(mg.GradcheckError, match="gradgradcheck"):
        mg.gradgradcheck(lambda x: WrongSecondDerivative()(x), [x], mode=mode)


@pytest.mark.parametrize("mode", ["elementwise", "direction"])
def test_gradgradcheck_checks_the_first_derivative_it_differentiates(backend_name, mode):
    """A wrong graph formula is consistent with its own derivative: only comparing its
    values with central differences catches it."""
    x = data(4)
    assert mg.gradcheck(lambda x: WrongGraphFormula()(x), [x], mode=mode)
    with pytest.raises(mg.GradcheckError, match="first derivative with create_graph"):
        mg.gradgradcheck(lambda x: WrongGraphFormula()(x), [x], mode=mode)


def test_passes_right_gradients_in_both_modes(backend_name):
    fn = lambda a, b: F.tanh(a @ b) * F.sigmoid(a @ b)  # noqa: E731
    inputs = [data(3, 4), data(4, 2, seed=1)]
    for mode in ("elementwise", "direction"):
        assert mg.gradcheck(fn, inputs, mode=mode)
        assert mg.gradgradcheck(fn, inputs, mode=mode)


def test_refuses_float32(backend_name):
    with pytest.raises(TypeError, match="float64"):
        mg.gradcheck(F.exp, [data(3).astype("float32")])


def test_does_not_modify_inputs(backend_name):
    x = data(3, 3)
    before = mg.backend.to_numpy(x).copy()
    mg.gradcheck(F.exp, [x])
    np.testing.assert_array_equal(mg.backend.to_numpy(x), before)
