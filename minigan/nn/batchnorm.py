"""BatchNorm1d and BatchNorm2d (Ioffe & Szegedy 2015): a module around ``batch_norm``.

In training, each channel is normalised with the batch's mean and biased
variance, then scaled by gamma (``weight``) and shifted by beta (``bias``);
the running statistics move towards the batch's, with the unbiased variance:
    running = (1 - momentum) * running + momentum * batch_statistic
In evaluation, the running statistics are used instead.

Buffers (saved in state_dict under PyTorch's names, not trained):
    running_mean (C,) float32, running_var (C,) float32,
    num_batches_tracked () int64: how many training batches were seen; with
    momentum=None the running statistics are the plain average over them.
"""
from .. import backend
from ..functional.normalization import batch_norm
from . import init
from .module import Module, ShapeError
from .parameter import Parameter


class _BatchNorm(Module):
    _input = ""     # the expected input, written out for error messages

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True):
        super().__init__()
        self.num_features, self.eps, self.momentum, self.affine = (num_features, eps,
                                                                   momentum, affine)
        xp = backend.xp
        if affine:
            self.weight = Parameter(xp.empty((num_features,), dtype="float32"))
            self.bias = Parameter(xp.empty((num_features,), dtype="float32"))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.register_buffer("running_mean", xp.zeros((num_features,), dtype="float32"))
        self.register_buffer("running_var", xp.ones((num_features,), dtype="float32"))
        self.register_buffer("num_batches_tracked", xp.zeros((), dtype="int64"))
        self.reset_parameters()

    def reset_parameters(self):
        self.running_mean[...] = 0
        self.running_var[...] = 1
        self.num_batches_tracked[...] = 0
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def _check_input(self, x):
        label = f"{type(self).__name__}({self.num_features})"
        if x.ndim != self._ndim or x.shape[1] != self.num_features:
            raise ShapeError(label, self._input.format(C=self.num_features), x.shape)
        if self.training and x.size // self.num_features < 2:
            raise ShapeError(label, "with more than one value per channel in training "
                             "(a batch of one has no variance)", x.shape)

    def forward(self, x):
        self._check_input(x)
        momentum = self.momentum
        if self.training:
            self.num_batches_tracked += 1
            if momentum is None:    # cumulative average of all batches so far
                momentum = 1.0 / self.num_batches_tracked.item()
        return batch_norm(x, self.weight, self.bias, self.running_mean, self.running_var,
                          training=self.training, momentum=momentum, eps=self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over a batch of feature vectors.  x: (N, C) -> (N, C)."""
    _ndim, _input = 2, "(N, {C})"


class BatchNorm2d(_BatchNorm):
    """Batch norm over images, one statistic per channel.  x: (N, C, H, W) -> same shape."""
    _ndim, _input = 4, "(N, {C}, H, W)"
