"""Conv2d and ConvTranspose2d layers: weights plus a call to ``conv2d`` /
``conv_transpose2d`` (im2col and one matrix product, see functional/conv.py).

Layouts and output sizes are PyTorch's, so its weights load unchanged:
    Conv2d           weight (out, in, kh, kw)   H_out = (H + 2p - kh) // s + 1
    ConvTranspose2d  weight (in, out, kh, kw)   H_out = (H - 1) s - 2p + kh + output_padding
A transposed convolution is the adjoint (the transpose of the matrix) of a
convolution, so its weight is stored as that convolution's: in and out swapped.
"""
from .. import backend
from ..functional import conv as fconv
from ..functional.conv import conv_output_size, conv_transpose_output_size, pair
from . import init
from .module import Module, ShapeError
from .parameter import Parameter


class _ConvBase(Module):
    """What Conv2d and ConvTranspose2d share: sizes, parameters, init, repr."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding,
                 bias, weight_shape):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = (pair(kernel_size, "kernel_size"),
                                                       pair(stride, "stride"),
                                                       pair(padding, "padding"))
        xp = backend.xp
        self.weight = Parameter(xp.empty(weight_shape + self.kernel_size, dtype="float32"))
        if bias:
            self.bias = Parameter(xp.empty((out_channels,), dtype="float32"))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        # PyTorch's default; fan_in is read from weight.shape[1] for both layouts
        init.default_linear_init_(self.weight, self.bias)

    def _label(self):
        return f"{type(self).__name__}({self.in_channels} -> {self.out_channels})"

    def _check_input(self, x):
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ShapeError(self._label(), f"(N, {self.in_channels}, H, W)", x.shape)
        out = self.output_size(x.shape[2:])
        if min(out) < 1:
            raise ShapeError(self._label(), f"(N, {self.in_channels}, H, W) large enough "
                             f"for kernel {self.kernel_size} (output would be {out})", x.shape)

    def extra_repr(self):
        # PyTorch's format: stride always, the rest only when not the default
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if getattr(self, "output_padding", (0, 0)) != (0, 0):
            s += f", output_padding={self.output_padding}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv2d(_ConvBase):
    """2-D convolution (cross-correlation, as every framework computes it).

    x: (N, in, H, W) -> (N, out, H_out, W_out); weight (out, in, kh, kw), bias (out,).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, bias,
                         (out_channels, in_channels))

    def output_size(self, hw):
        return conv_output_size(hw, self.kernel_size, self.stride, self.padding)

    def forward(self, x):
        self._check_input(x)
        return fconv.conv2d(x, self.weight, self.bias, stride=self.stride,
                            padding=self.padding)


class ConvTranspose2d(_ConvBase):
    """2-D transposed convolution (the adjoint of Conv2d; the DCGAN generator's upsampler).

    x: (N, in, H, W) -> (N, out, H_out, W_out); weight (in, out, kh, kw), bias (out,).
    output_padding (< stride) adds rows/columns at the bottom/right to pick among
    the input sizes that a strided Conv2d maps to the same output size.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, bias=True):
        self.output_padding = pair(output_padding, "output_padding")
        if any(op >= s for op, s in zip(self.output_padding, pair(stride, "stride"))):
            raise ValueError(f"ConvTranspose2d: output_padding {self.output_padding} must be "
                             f"smaller than stride {pair(stride, 'stride')}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, bias,
                         (in_channels, out_channels))

    def output_size(self, hw):
        return conv_transpose_output_size(hw, self.kernel_size, self.stride, self.padding,
                                          self.output_padding)

    def forward(self, x):
        self._check_input(x)
        return fconv.conv_transpose2d(x, self.weight, self.bias, stride=self.stride,
                                      padding=self.padding, output_padding=self.output_padding)
