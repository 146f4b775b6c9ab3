"""Batch normalization (Ioffe & Szegedy 2015, "Batch Normalization: Accelerating
Deep Network Training by Reducing Internal Covariate Shift", Algorithm 1).

For each channel c, over the m = N (or N*H*W) values x_i of that channel:

    mu = (1/m) sum x_i,   var = (1/m) sum (x_i - mu)^2       (biased, to normalise)
    xhat_i = (x_i - mu) / sqrt(var + eps),   y_i = gamma * xhat_i + beta

and, as PyTorch does, the running statistics move towards the batch ones with
running = (1 - momentum) * running + momentum * batch, where the variance put
into running_var is the unbiased one, var * m / (m - 1).  In evaluation the
running statistics replace the batch ones, and the layer is an affine map.

The backward pass (the paper's section 3, in a shorter form): with gy = dL/dy,

    dL/dx = gamma / sqrt(var + eps) * (gy - mean(gy) - xhat * mean(gy * xhat))
    dL/dgamma = sum(gy * xhat),   dL/dbeta = sum(gy)

Mean and variance are functions of x, hence the two correction terms.  We
write it with differentiable functions, recomputing xhat from x when a graph
is wanted, so that second derivatives (the gradient penalty) are exact.
"""
from ..autograd import Function, Tensor, as_tensor, is_grad_enabled, raw
from ..backend import get_array_module as _xp
from . import fast
from .math import check_dtypes, mean as _mean, reshape as _reshape, sum as _sum


def _stat_axes(x):
    """The axes reduced per channel: (0,) for (N, C), (0, 2, 3) for (N, C, H, W)."""
    return (0,) if x.ndim == 2 else (0, 2, 3)


def _channel_shape(x):
    """(1, C) or (1, C, 1, 1): how a per-channel vector broadcasts against x."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _channel_sums(a):
    """sum over the axes of ``_stat_axes`` of a raw array, kept: (1, C[, 1, 1]).

    For images on the fast path, ``fast.channel_sums`` (products with ones)."""
    if fast.enabled and a.ndim == 4:
        return fast.channel_sums(a)
    return a.sum(axis=_stat_axes(a), keepdims=True)


def _normalize(x, eps):
    """xhat and 1/sqrt(var + eps) as differentiable functions of x (Tensors)."""
    axes = _stat_axes(x)
    centered = x - _mean(x, axes, keepdims=True)
    var = _mean(centered * centered, axes, keepdims=True)
    inv_std = (var + eps) ** -0.5
    return centered * inv_std, inv_std


class BatchNormTrain(Function):
    """Training-mode batch norm of x with per-channel gamma, beta (any of them may be absent).

    Inputs: x, then gamma and beta if ``affine``.  Statistics are computed in
    forward; the running ones are updated there, outside the graph.  Only the
    per-channel mu and 1/sqrt(var + eps) are kept: xhat = (x - mu) / std is
    recomputed in backward (one pass) instead of holding an array as large as x.
    """

    def __init__(self, eps, affine, running_mean, running_var, momentum):
        self.eps, self.affine = eps, affine
        self.running_mean, self.running_var, self.momentum = running_mean, running_var, momentum

    def forward(self, x, gamma=None, beta=None):
        xp = _xp(x)
        shape, m = _channel_shape(x), x.size // x.shape[1]
        mu = _channel_sums(x) / m
        y = x - mu                                      # becomes the output, in place
        var = _channel_sums(y * y) / m                  # two-pass: no cancellation
        inv_std = 1 / xp.sqrt(var + self.eps)
        self.save_for_backward(mu, inv_std)
        self._update_running(mu.reshape(-1), var.reshape(-1), m)
        # y = (x - mu) * (gamma / std) + beta, with the per-channel factors folded first
        if not self.affine:
            y *= inv_std
            return y
        y *= inv_std * gamma.reshape(shape)
        y += beta.reshape(shape)
        return y

    def _update_running(self, mu, var, m):
        momentum = self.momentum
        if self.running_mean is not None:
            rm = self.running_mean
            rm *= 1 - momentum
            rm += momentum * mu
        if self.running_var is not None:
            rv = self.running_var
            rv *= 1 - momentum
            rv += (momentum * m / (m - 1)) * var       # the unbiased batch variance

    def backward(self, gy, needs):
        x = self.inputs[0]
        if not is_grad_enabled():       # no graph wanted: the same formula on raw arrays
            return self._backward_arrays(gy.data, needs)
        axes, shape = _stat_axes(x), _channel_shape(x)
        xhat, inv_std = _normalize(x, self.eps)        # a graph is wanted: xhat depends on x
        sum_gy = _sum(gy, axes, keepdims=True)                  # (1, C[, 1, 1]) = dL/dbeta
        sum_gy_xhat = _sum(gy * xhat, axes, keepdims=True)      # dL/dgamma
        gx = ggamma = gbeta = None
        if needs[0]:
            # gamma is constant within a channel, so mean(g) = gamma * mean(gy), and
            # likewise for mean(g * xhat): fold the per-channel numbers first
            m = x.size // x.shape[1]
            scale = inv_std * _reshape(self.inputs[1], shape) if self.affine else inv_std
            gx = (gy - xhat * (sum_gy_xhat * (1.0 / m)) - sum_gy * (1.0 / m)) * scale
        if self.affine and needs[1]:
            ggamma = _reshape(sum_gy_xhat, (x.shape[1],))
        if self.affine and needs[2]:
            gbeta = _reshape(sum_gy, (x.shape[1],))
        return (gx, ggamma, gbeta) if self.affine else gx

    def _backward_arrays(self, gy, needs):
        """The gradients above without a graph: two new arrays instead of seven.

        With xc = x - mu and scale = gamma / std, the input gradient is per channel
        an affine function of gy and xc:
            gx = scale * gy - (scale / std^2) * mean(gy * xc) * xc - scale * mean(gy)
        """
        x = self.inputs[0].data
        shape, m = _channel_shape(x), x.size // x.shape[1]
        mu, inv_std = self.saved
        xc = x - mu
        tmp = gy * xc
        sum_gy, sum_gy_xc = _channel_sums(gy), _channel_sums(tmp)
        gx = ggamma = gbeta = None
        if needs[0]:
            scale = inv_std * self.inputs[1].data.reshape(shape) if self.affine else inv_std
            gx = xc
            gx *= -scale * inv_std * inv_std * (sum_gy_xc / m)
            gx -= scale * (sum_gy / m)
            gx += _xp(x).multiply(gy, scale, out=tmp)
        if self.affine and needs[1]:     # sum(gy * xhat)
            ggamma = Tensor((sum_gy_xc * inv_std).reshape(-1))
        if self.affine and needs[2]:
            gbeta = Tensor(sum_gy.reshape(-1))
        gx = None if gx is None else Tensor(gx)
        return (gx, ggamma, gbeta) if self.affine else gx


def batch_norm(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
    """Batch normalization of x: (N, C) or (N, C, H, W), per channel C.

    gamma, beta: (C,) Tensors (scale and shift) or None for affine=False.
    running_mean, running_var: (C,) arrays or Tensors, or None.  In training they are
    updated in place (not part of the graph); in evaluation (training=False) they
    are used instead of the batch statistics, and must be given.
    Normalises with the biased batch variance; stores the unbiased one (PyTorch).
    """
    x = as_tensor(x)
    if x.ndim not in (2, 4):
        raise ValueError(f"batch_norm: expected x of shape (N, C) or (N, C, H, W), "
                         f"got shape {tuple(x.shape)}")
    c = x.shape[1]
    if (gamma is None) != (beta is None):
        raise ValueError("batch_norm: give both gamma and beta, or neither (affine=False)")
    for name, v in (("gamma", gamma), ("beta", beta),
                    ("running_mean", running_mean), ("running_var", running_var)):
        if v is not None and tuple(v.shape) != (c,):
            raise ValueError(f"batch_norm: x of shape {tuple(x.shape)} has C = {c} channels, "
                             f"so {name} must have shape ({c},), got {tuple(v.shape)}")
    check_dtypes("batch_norm", x, gamma, beta)
    if training:
        m = x.size // c
        if m < 2:
            raise ValueError(f"batch_norm: training needs more than one value per channel, "
                             f"got x of shape {tuple(x.shape)}")
        f = BatchNormTrain(eps, gamma is not None, raw(running_mean), raw(running_var),
                           momentum)
        return f(x) if gamma is None else f(x, as_tensor(gamma), as_tensor(beta))
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: evaluation (training=False) needs running_mean "
                         "and running_var")
    return _batch_norm_eval(x, gamma, beta, raw(running_mean), raw(running_var), eps)


def _batch_norm_eval(x, gamma, beta, running_mean, running_var, eps):
    """y = (x - running_mean) / sqrt(running_var + eps) * gamma + beta: an affine map of x.

    The per-channel scale and shift are folded first (C numbers each), so x is
    touched by one multiply and one add; built from differentiable functions.
    """
    xp = _xp(running_var)
    shape = _channel_shape(x)
    inv_std = Tensor(1 / xp.sqrt(running_var + eps))          # constants: no gradient
    mean = Tensor(running_mean)
    if gamma is None:
        scale, shift = inv_std, -mean * inv_std
    else:
        scale = as_tensor(gamma) * inv_std
        shift = as_tensor(beta) - mean * scale
    return x * _reshape(scale, shape) + _reshape(shift, shape)
