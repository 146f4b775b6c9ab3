"""Instance normalization (Ulyanov, Vedaldi and Lempitsky 2016, "Instance Normalization:
The Missing Ingredient for Fast Stylization", eq. 4).

Batch norm's statistics are taken over the batch and the pixels of a channel; instance
norm takes them over the pixels of one channel of one image, so each image is
normalised on its own and the layer behaves the same in training and evaluation:

    mu_nc = (1/HW) sum_hw x_nchw,   var_nc = (1/HW) sum_hw (x_nchw - mu_nc)^2   (biased)
    y_nchw = (x_nchw - mu_nc) / sqrt(var_nc + eps)  [* gamma_c + beta_c if affine]

It is composed of differentiable functions (mean, mul, pow), so its first and second
derivatives come from theirs: the correction terms that batch norm's backward writes
out by hand appear here by themselves.
"""
from ..autograd import as_tensor
from .math import mean, reshape


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
    centered = x - mean(x, (2, 3), keepdims=True)
    var = mean(centered * centered, (2, 3), keepdims=True)     # two passes: no cancellation
    y = centered * (var + eps) ** -0.5
    if weight is None:
        return y
    for name, v in (("weight", weight), ("bias", bias)):
        if tuple(v.shape) != (c,):
            raise ValueError(f"instance_norm: {name} must have shape ({c},), got {tuple(v.shape)}")
    return y * reshape(as_tensor(weight), (1, c, 1, 1)) + reshape(as_tensor(bias), (1, c, 1, 1))
