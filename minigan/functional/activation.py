"""Activation functions: relu, leaky_relu, sigmoid, tanh, softplus, log_sigmoid.

Sigmoid and softplus are computed in forms that never overflow: with
e = exp(-|x|) <= 1, sigmoid(x) = 1/(1+e) for x >= 0 and e/(1+e) for x < 0, and
softplus(x) = log(1 + exp(x)) = max(x, 0) + log1p(e).  Both are finite at +-1000.
"""
from ..autograd import Function
from ..backend import get_array_module as _xp


class ReLU(Function):
    # The sign pattern for backward is read off the output (y > 0 exactly where
    # x > 0), which the next layer keeps anyway: no mask is stored per activation.

    def forward(self, x):
        # multiply by the mask instead of np.where, which branches on every element:
        # 0.46 ms against 4.4 ms on DCGAN's (64, 128, 7, 7) float32 activations with
        # random signs (one thread, NumPy 2.4; benchmarks/README.md)
        return x * (x > 0)

    def backward(self, gy, needs):
        return DiagonalScale(self.output().data > 0)(gy)


class LeakyReLU(Function):
    def __init__(self, slope):
        self.slope = slope

    def forward(self, x):
        if 0 <= self.slope <= 1:        # max(x, slope x): no branch, one new array
            xp = _xp(x)
            y = xp.multiply(x, self.slope, out=xp.empty_like(x))   # an array even for 0-d x
            return xp.maximum(y, x, out=y)
        positive = x > 0                # a slope outside [0, 1]: keep the mask
        self.save_for_backward(positive)
        return x * _leaky_derivative(positive, self.slope, x.dtype)

    def backward(self, gy, needs):
        # for slope >= 0, y > 0 exactly where x > 0 (as for relu)
        positive = self.output().data > 0 if self.slope >= 0 else self.saved[0]
        return DiagonalScale(positive, self.slope)(gy)


def _leaky_derivative(positive, slope, dtype):
    """The derivative of leaky_relu: 1 where x > 0, ``slope`` elsewhere, exactly, as a new array.

    Built with arithmetic on the mask (not np.where, which branches per element).
    """
    d = (~positive).astype(dtype)       # 1 where x <= 0
    d *= slope                          # slope there, 0 elsewhere
    d += positive                       # + 1 where x > 0
    return d


class DiagonalScale(Function):
    """gx = d * gy for a constant derivative d: the backward of relu (d = mask) and of
    leaky_relu (d = 1 or slope).

    An elementwise function's Jacobian is the diagonal matrix diag(d); multiplying by
    it is linear in gy and self-adjoint, so its backward is the same product (that is
    the whole second-derivative story of piecewise-linear activations).
    """

    def __init__(self, positive, slope=0.0):
        self.positive, self.slope = positive, slope

    def forward(self, gy):
        if self.slope == 0:
            return gy * self.positive       # bool mask: exact 0 or gy
        d = _leaky_derivative(self.positive, self.slope, gy.dtype)
        d *= gy                             # in place: one new array in all
        return d

    def backward(self, ggx, needs):
        return DiagonalScale(self.positive, self.slope)(ggx)


class Sigmoid(Function):
    def forward(self, x):
        xp = _xp(x)
        e = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))

    def backward(self, gy, needs):
        y = self.output()
        return gy * y * (1.0 - y)


class Tanh(Function):
    def forward(self, x):
        return _xp(x).tanh(x)

    def backward(self, gy, needs):
        y = self.output()
        return gy * (1.0 - y * y)


class Softplus(Function):
    """log(1 + e^x); its derivative is sigmoid(x)."""

    def forward(self, x):
        xp = _xp(x)
        return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))

    def backward(self, gy, needs):
        return gy * sigmoid(self.inputs[0])


def relu(x):
    """max(x, 0)."""
    return ReLU()(x)


def leaky_relu(x, negative_slope=0.01):
    """x for x > 0, negative_slope * x otherwise (Maas et al. 2013; DCGAN uses 0.2)."""
    return LeakyReLU(negative_slope)(x)


def sigmoid(x):
    """1 / (1 + e^-x), stable for any x."""
    return Sigmoid()(x)


def tanh(x):
    return Tanh()(x)


def softplus(x):
    """log(1 + e^x), stable for any x."""
    return Softplus()(x)


def log_sigmoid(x):
    """log sigmoid(x) = -softplus(-x), stable for any x."""
    return -softplus(-x)
