"""Losses: binary cross-entropy (from logits and from probabilities), mean squared error,
and softmax cross-entropy (log_softmax, cross_entropy) for classifiers.

Each takes ``reduction`` = "mean" (the default), "sum" or "none", as PyTorch's.
The GAN losses of Goodfellow et al. (2014) are binary cross-entropies; taking
them from logits is the stable way: with t the target and x the logit,
    BCE(x, t) = -t log sigmoid(x) - (1 - t) log(1 - sigmoid(x)) = softplus(x) - t x,
which is finite and has a finite gradient sigmoid(x) - t even at x = +-1000.
"""
import math

from .. import backend
from ..autograd import Function, Tensor, as_tensor
from .activation import softplus
from .math import clip, exp, log, mean, sum


def _reduce(loss, reduction):
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _target(target, like):
    target = as_tensor(target, like=like)
    if target.shape != like.shape:
        raise ValueError(f"target shape {target.shape} does not match input shape {like.shape}")
    return target


def binary_cross_entropy_with_logits(logits, target, reduction="mean"):
    """softplus(x) - t x, elementwise, then reduced.  logits, target: same shape."""
    target = _target(target, logits)
    return _reduce(softplus(logits) - target * logits, reduction)


_LOG_FLOOR = -100.0     # PyTorch clamps each log at -100, so p = 0 or 1 gives a finite loss


def _clamped_log(p):
    """log(p) clamped at -100, on raw arrays (log of max(p, e^-100) is the same)."""
    xp = backend.get_array_module(p)
    return xp.log(xp.maximum(p, math.exp(_LOG_FLOOR)))


class BinaryCrossEntropy(Function):
    """-(t log p + (1 - t) log(1 - p)) elementwise, with PyTorch's clamps.

    dL/dp = (p - t) / (p (1 - p)), its denominator clamped at 1e-12 as in PyTorch, so
    the gradient stays finite at p = 0 or 1; dL/dt = log(1 - p) - log p (unclamped).
    """

    def forward(self, p, t):
        return -(t * _clamped_log(p) + (1 - t) * _clamped_log(1 - p))

    def backward(self, gy, needs):
        p, t = self.inputs
        gp = gt = None
        if needs[0]:
            gp = gy * (p - t) / clip(p * (1.0 - p), 1e-12, None)
        if needs[1]:
            gt = gy * (log(1.0 - p) - log(p))
        return gp, gt


def binary_cross_entropy(probs, target, reduction="mean"):
    """-(t log p + (1 - t) log(1 - p)), elementwise, then reduced.  probs, target: same shape."""
    target = _target(target, probs)
    return _reduce(BinaryCrossEntropy()(probs, target), reduction)


def mse_loss(input, target, reduction="mean"):  # noqa: A002 - PyTorch's argument name
    """(input - target)^2, elementwise, then reduced."""
    target = _target(target, input)
    diff = input - target
    return _reduce(diff * diff, reduction)


# ------------------------------------------------- softmax cross-entropy (classifiers)

class LogSoftmax(Function):
    """y = x - log sum_j exp(x_j) along ``axis`` (any shape, any axis).

    Stable: subtracting m = max_j x_j changes nothing mathematically,
        x - m - log sum_j exp(x_j - m),
    but every exp is then <= 1, so nothing overflows and the sum is >= 1.
    With softmax s = exp(y), dy_i/dx_k = delta_ik - s_k, so
        gx = gy - s * sum_i gy_i,
    written on Tensors (y is our output) so that it differentiates again.
    """

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        xp = backend.get_array_module(x)
        shifted = x - x.max(axis=self.axis, keepdims=True)
        return shifted - xp.log(xp.exp(shifted).sum(axis=self.axis, keepdims=True))

    def backward(self, gy, needs):
        softmax = exp(self.output())
        return gy - softmax * sum(gy, axis=self.axis, keepdims=True)


def log_softmax(x, axis=-1):
    """log softmax(x) along ``axis``: x (..., C) -> same shape, each slice's exp sums to 1."""
    return LogSoftmax(axis)(as_tensor(x))


def cross_entropy(logits, labels, reduction="mean"):
    """Softmax cross-entropy: -log softmax(logits)[n, labels[n]], then reduced.

    logits: (N, C) unnormalised scores; labels: (N,) integers in [0, C), an array
    (or Tensor) of the same backend as the logits.  As ``torch.nn.functional.
    cross_entropy`` for class indices.  The picked entries are taken with a one-hot
    mask, so the gradient is one fused product: softmax - one_hot (per row).
    """
    logits = as_tensor(logits)
    labels = labels.data if isinstance(labels, Tensor) else labels
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy: logits must be (N, C), got {logits.shape}")
    n, num_classes = logits.shape
    if getattr(labels, "shape", None) != (n,) or labels.dtype.kind not in "iu":
        raise ValueError(f"cross_entropy: labels must be integers of shape ({n},), got "
                         f"{getattr(labels, 'dtype', type(labels).__name__)} "
                         f"{getattr(labels, 'shape', '')}")
    if n and (labels.min().item() < 0 or labels.max().item() >= num_classes):
        raise ValueError(f"cross_entropy: labels must lie in [0, {num_classes}), got "
                         f"{labels.min().item()}..{labels.max().item()}")
    xp = backend.get_array_module(logits.data)
    one_hot = (labels[:, None] == xp.arange(num_classes)[None, :]).astype(logits.dtype)
    picked = sum(log_softmax(logits, axis=1) * Tensor(one_hot), axis=1)
    return _reduce(-picked, reduction)
