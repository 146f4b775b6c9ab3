"""linear: the fully connected layer's function, y = x W^T + b (PyTorch's layout, W: (out, in)).

One fused Function rather than transpose, matmul and add: one node in the
graph, the bias added in place into the fresh product, and the weight gradient
produced directly in W's own (out, in) layout.  ``W.T`` is a view, and the
matrix product reads it transposed without a copy.
"""
from ..autograd import Function
from . import fast
from .math import check_dtypes, matmul, reshape, sum, transpose


class Linear(Function):
    """y = x W^T (+ b).   x: (N, in), W: (out, in), b: (out,) -> y: (N, out).

    Gradients, from dy = dx W^T + x dW^T + db:
        gx = gy W,   gW = gy^T x,   gb = sum_n gy
    written with differentiable functions, so they can be differentiated again.
    """

    def forward(self, x, w, b=None):
        y = fast.matrix_product(x, w.T) if fast.enabled else x @ w.T
        if b is not None:
            y += b      # y is a fresh array: add in place, no extra temporary
        return y

    def backward(self, gy, needs):
        x, w = self.inputs[:2]
        gx = matmul(gy, w) if needs[0] else None
        gw = matmul(transpose(gy), x) if needs[1] else None
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, (sum(gy, axis=0) if needs[2] else None)


def linear(x, weight, bias=None):
    """x W^T + b for x: (..., in), W: (out, in), b: (out,) -> (..., out)."""
    check_dtypes("linear", x, weight, bias)
    lead = x.shape[:-1]
    if len(lead) != 1:
        x = reshape(x, (-1, x.shape[-1]))
    y = Linear()(x, weight) if bias is None else Linear()(x, weight, bias)
    return y if len(lead) == 1 else reshape(y, lead + (weight.shape[0],))

