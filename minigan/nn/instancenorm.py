"""InstanceNorm2d (Ulyanov et al. 2016): a module around ``F.instance_norm``.

PyTorch's defaults: eps 1e-5, affine=False (no parameters), no running statistics
(``track_running_stats=False``), so training and evaluation compute the same thing.
With affine=True, weight (gamma) starts at 1 and bias (beta) at 0, as in PyTorch.
"""
from .. import backend
from ..functional.instance_norm import instance_norm
from . import init
from .module import Module, ShapeError
from .parameter import Parameter


class InstanceNorm2d(Module):
    """(N, C, H, W) -> the same shape, each image's channel normalised on its own."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False):
        super().__init__()
        if track_running_stats:
            raise ValueError("InstanceNorm2d: track_running_stats=True is not supported; "
                             "statistics are always those of the image (PyTorch's default)")
        self.num_features, self.eps, self.momentum, self.affine = (num_features, eps,
                                                                   momentum, affine)
        if affine:
            xp = backend.xp
            self.weight = Parameter(xp.empty((num_features,), dtype="float32"))
            self.bias = Parameter(xp.empty((num_features,), dtype="float32"))
            init.ones_(self.weight)
            init.zeros_(self.bias)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        if x.ndim != 4 or x.shape[1] != self.num_features:
            raise ShapeError(f"InstanceNorm2d({self.num_features})",
                             f"(N, {self.num_features}, H, W)", tuple(x.shape))
        return instance_norm(x, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, affine={self.affine}"
