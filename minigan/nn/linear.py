"""Linear: the fully connected layer y = x W^T + b (PyTorch's layout, W: (out, in)).

The forward is one fused Function rather than transpose, matmul and add:
one node in the graph, the bias added in place into the fresh product, and
the weight gradient produced directly in W's own (out, in) layout.  ``W.T``
is a view, and the matrix-product routine reads it transposed without a copy.
"""
from .. import backend
from ..autograd import Function
from ..functional import math as fm
from . import init
from .module import Module, ShapeError
from .parameter import Parameter


class LinearFunction(Function):
    """y = x W^T (+ b).   x: (N, in), W: (out, in), b: (out,) -> y: (N, out).

    Gradients, from dy = dx W^T + x dW^T + db:
        gx = gy W,   gW = gy^T x,   gb = sum_n gy
    written with differentiable functions, so they can be differentiated again.
    """

    def forward(self, x, w, b=None):
        y = fm.matrix_product(x, w.T)
        if b is not None:
            y += b      # y is a fresh array: add in place, no extra temporary
        return y

    def backward(self, gy):
        x, w = self.inputs[:2]
        needs = self.needs_input_grad
        gx = fm.matmul(gy, w) if needs[0] else None
        gw = fm.matmul(fm.transpose(gy), x) if needs[1] else None
        if len(self.inputs) == 2:
            return gx, gw
        gb = fm.sum(gy, axis=0) if needs[2] else None
        return gx, gw, gb


def linear(x, weight, bias=None):
    """x W^T + b for x: (..., in), W: (out, in), b: (out,) -> (..., out)."""
    lead = x.shape[:-1]
    if len(lead) != 1:
        x = fm.reshape(x, (-1, x.shape[-1]))
    args = (x, weight) if bias is None else (x, weight, bias)
    y = LinearFunction()(*args)
    return y if len(lead) == 1 else fm.reshape(y, lead + (weight.shape[0],))


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

