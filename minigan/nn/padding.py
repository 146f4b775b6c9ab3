"""ReflectionPad2d: mirror the border of an image (see ``functional/padding.py``)."""
from ..functional.padding import reflection_pad2d
from .module import Module


class ReflectionPad2d(Module):
    """(N, C, H, W) -> (N, C, H + top + bottom, W + left + right).

    padding: an int, or (left, right, top, bottom) as in PyTorch.
    """

    def __init__(self, padding):
        super().__init__()
        self.padding = (padding,) * 4 if isinstance(padding, int) else tuple(padding)

    def forward(self, x):
        return reflection_pad2d(x, self.padding)

    def extra_repr(self):
        return f"{self.padding}"
