"""Activation layers: modules without parameters around the functions of
``functional/activation.py``, so they can sit inside a Sequential.

``inplace`` is accepted so PyTorch model code ports unchanged; minigan never
mutates inputs, so it changes nothing.
"""
from .. import functional as F
from .module import Module


class ReLU(Module):
    """max(x, 0), elementwise; any shape."""

    def __init__(self, inplace=False):
        super().__init__()

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x (DCGAN's discriminator uses 0.2)."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Tanh(Module):
    """tanh(x): the generator's output layer, images in [-1, 1]."""

    def forward(self, x):
        return F.tanh(x)


class Sigmoid(Module):
    """1 / (1 + exp(-x)): a probability (train with logits instead when you can)."""

    def forward(self, x):
        return F.sigmoid(x)
