"""Activation functions: relu, leaky_relu, sigmoid, tanh, softplus, log_sigmoid.

Sigmoid and softplus are computed in forms that never overflow: with
e = exp(-|x|) <= 1, sigmoid(x) = 1/(1+e) for x >= 0 and e/(1+e) for x < 0, and
softplus(x) = log(1 + exp(x)) = max(x, 0) + log1p(e).  Both are finite at +-1000.
"""
from .. import backend
from ..autograd import Function, Tensor
from .math import where


def _xp(x):
    return backend.get_array_module(x)


class ReLU(Function):
    def forward(self, x):
        # multiply by the mask instead of boolean indexing: one fused pass, same dtype
        self.mask = x > 0
        return x * self.mask

    def backward(self, gy):
        return gy * Tensor(self.mask.astype(gy.dtype))


class LeakyReLU(Function):
    def __init__(self, slope):
        self.slope = slope

    def forward(self, x):
        self.positive = x > 0
        return _xp(x).where(self.positive, x, x * self.slope)

    def backward(self, gy):
        return where(self.positive, gy, gy * self.slope)


class Sigmoid(Function):
    def forward(self, x):
        xp = _xp(x)
        e = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))

    def backward(self, gy):
        y = self.output()
        return gy * y * (1.0 - y)


class Tanh(Function):
    def forward(self, x):
        return _xp(x).tanh(x)

    def backward(self, gy):
        y = self.output()
        return gy * (1.0 - y * y)


class Softplus(Function):
    """log(1 + e^x); its derivative is sigmoid(x)."""

    def forward(self, x):
        xp = _xp(x)
        return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))

    def backward(self, gy):
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
