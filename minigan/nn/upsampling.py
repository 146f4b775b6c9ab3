"""Layers for super-resolution: PixelShuffle (sub-pixel convolution) and PReLU.

    PixelShuffle(r)     (N, C r^2, H, W) -> (N, C, H r, W r), no parameters
    PixelUnshuffle(r)   its inverse
    PReLU(num_parameters=1, init=0.25)   max(0, x) + a min(0, x), a learned; PyTorch's
                        defaults: one slope shared by all channels, started at 0.25
"""
from .. import backend
from ..functional.upsampling import pixel_shuffle, pixel_unshuffle, prelu
from . import init
from .module import Module
from .parameter import Parameter


class PixelShuffle(Module):
    """Sub-pixel rearrangement (Shi et al. 2016): channels become an r x r block of pixels."""

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = int(upscale_factor)

    def forward(self, x):
        return pixel_shuffle(x, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """The inverse of PixelShuffle: each r x r block of pixels becomes r^2 channels."""

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = int(downscale_factor)

    def forward(self, x):
        return pixel_unshuffle(x, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"


class PReLU(Module):
    """Parametric ReLU (He et al. 2015): the negative slope is a parameter.

    weight: (num_parameters,) float32, all ``init`` at the start (PyTorch: 1 and 0.25).
    num_parameters is 1 (one slope for every channel) or the channel count C.
    """

    def __init__(self, num_parameters=1, init=0.25):
        super().__init__()
        self.num_parameters, self.init = int(num_parameters), float(init)
        self.weight = Parameter(backend.xp.empty((self.num_parameters,), dtype="float32"))
        self.reset_parameters()

    def reset_parameters(self):
        init.constant_(self.weight, self.init)

    def forward(self, x):
        return prelu(x, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"
