"""The L1 loss, mean |x - t|: pix2pix's reconstruction term and CycleGAN's cycle loss.

Its minimiser over a distribution of targets is their median (Isola et al. 2017 use it
because it blurs less than L2, whose minimiser is the mean; lesson 12).  Written as
|d| = sign(d) * d with sign(d) a constant of the graph, so the gradient is sign(d)
(0 where d = 0, as in PyTorch) and the second derivative is zero.
"""
from .. import backend
from ..autograd import Tensor, as_tensor
from .loss import _reduce, _target


def l1_loss(x, target, reduction="mean"):
    """x, target: the same shape -> mean (or sum, or elementwise) |x - target|."""
    x = as_tensor(x)
    target = _target(target, x)
    d = x - target
    xp = backend.get_array_module(d.data)
    return _reduce(d * Tensor(xp.sign(d.data)), reduction)
