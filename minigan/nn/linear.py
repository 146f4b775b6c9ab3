"""Linear: the fully connected layer y = x W^T + b (PyTorch's layout, W: (out, in)).

The layer holds the parameters; the computation is ``functional.linear`` (one fused Function).
"""
from .. import backend
from ..functional.linear import linear
from . import init
from .module import Module, ShapeError
from .parameter import Parameter


class Linear(Module):
    """Fully connected layer: x (N, in_features) -> x W^T + b (N, out_features).

    weight: (out_features, in_features), bias: (out_features,), both initialised
    as PyTorch does (uniform with bound 1/sqrt(in_features)).
    """

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        xp = backend.xp
        self.weight = Parameter(xp.empty((out_features, in_features), dtype="float32"))
        if bias:
            self.bias = Parameter(xp.empty((out_features,), dtype="float32"))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.default_linear_init_(self.weight, self.bias)

    def forward(self, x):
        if x.ndim < 1 or x.shape[-1] != self.in_features:
            raise ShapeError(f"Linear({self.in_features} -> {self.out_features})",
                             f"(N, {self.in_features})", x.shape)
        return linear(x, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")

