"""Instance normalization (Ulyanov, Vedaldi and Lempitsky 2016, "Instance Normalization:
The Missing Ingredient for Fast Stylization", eq. 4).

Batch norm's statistics are taken over the batch and the pixels of a channel; instance
norm takes them over the pixels of one channel of one image, so each image is
normalised on its own and the layer behaves the same in training and evaluation:

    mu_nc = (1/HW) sum_hw x_nchw,   var_nc = (1/HW) sum_hw (x_nchw - mu_nc)^2   (biased)
    y_nchw = (x_nchw - mu_nc) / sqrt(var_nc + eps)  [* gamma_c + beta_c if affine]

Its backward is batch norm's (normalization.py) with the mean taken over each plane
instead of each channel: with xhat = y (before the affine map) and gy = dL/dxhat,

    dL/dx = (gy - mean_hw(gy) - xhat * mean_hw(gy * xhat)) / sqrt(var + eps)

One Function instead of the eight the formula above composes (mean, subtract,
square, mean, add, power, multiply): CycleGAN's ResNets normalise after almost every
convolution, and at batch 4 on 28x28 images autograd's per-operation bookkeeping,
not the arithmetic, was most of their time (benchmarks/README.md).
"""
from ..autograd import Function, Tensor, as_tensor, is_grad_enabled
from . import fast
from .math import mean, reshape

_PLANE = (2, 3)         # the axes of one (n, c) plane


def _plane_sums(a):
    """sum over the (h, w) plane of a raw (N, C, H, W) array, kept as (N, C, 1, 1)."""
    return fast.plane_sums(a) if fast.enabled else a.sum(axis=_PLANE, keepdims=True)


def _normalize(x, eps):
    """xhat and 1/sqrt(var + eps) as differentiable functions of x: (N, C, H, W) Tensors."""
    centered = x - mean(x, _PLANE, keepdims=True)
    var = mean(centered * centered, _PLANE, keepdims=True)     # two passes: no cancellation
    inv_std = (var + eps) ** -0.5
    return centered * inv_std, inv_std


class InstanceNorm(Function):
    """xhat = (x - mu) / sqrt(var + eps) per (n, c) plane of x: (N, C, H, W).

    Forward keeps 1/sqrt(var + eps) (N*C numbers); backward reads xhat off the output.
    """

    def __init__(self, eps):
        self.eps = eps

    def forward(self, x):
        inv_hw = 1.0 / (x.shape[2] * x.shape[3])
        y = x - _plane_sums(x) * inv_hw                         # centred; becomes xhat
        var = _plane_sums(y * y) * inv_hw
        inv_std = (var + self.eps) ** -0.5
        self.save_for_backward(inv_std)
        y *= inv_std
        return y

    def backward(self, gy, needs):
        if not is_grad_enabled():       # no graph wanted: the same formula on raw arrays
            return Tensor(self._backward_arrays(gy.data))
        # a graph is wanted: xhat and the scale must be functions of x, so recompute them
        xhat, inv_std = _normalize(self.inputs[0], self.eps)
        return (gy - mean(gy, _PLANE, keepdims=True)
                - xhat * mean(gy * xhat, _PLANE, keepdims=True)) * inv_std

    def _backward_arrays(self, gy):
        """dL/dx on raw arrays: two new arrays."""
        xhat, (inv_std,) = self.output().data, self.saved
        inv_hw = 1.0 / (xhat.shape[2] * xhat.shape[3])
        gx = gy * xhat
        gx = xhat * (_plane_sums(gx) * inv_hw)
        gx += _plane_sums(gy) * inv_hw
        gx -= gy                                     # - (gy - mean(gy) - xhat mean(gy xhat))
        gx *= -inv_std
        return gx


def instance_norm(x, weight=None, bias=None, eps=1e-5):
    """x: (N, C, H, W) -> the same shape, each (n, c) plane normalised to mean 0, variance 1.

    weight, bias: (C,) Tensors (gamma, beta), or None for PyTorch's default affine=False.
    """
    x = as_tensor(x)
    if x.ndim != 4:
        raise ValueError(f"instance_norm: expected x of shape (N, C, H, W), got {tuple(x.shape)}")
    if (weight is None) != (bias is None):
        raise ValueError("instance_norm: give both weight and bias, or neither")
    c = x.shape[1]
    y = InstanceNorm(eps)(x)
    if weight is None:
        return y
    for name, v in (("weight", weight), ("bias", bias)):
        if tuple(v.shape) != (c,):
            raise ValueError(f"instance_norm: {name} must have shape ({c},), got {tuple(v.shape)}")
    return y * reshape(as_tensor(weight), (1, c, 1, 1)) + reshape(as_tensor(bias), (1, c, 1, 1))
