"""Dropout: zeros a fraction p of the values in training (scaling the rest by
1 / (1 - p)); the identity in evaluation.  See ``functional/dropout.py``.

The mask comes from the backend's global generator unless ``generator`` is set,
so ``backend.manual_seed`` makes a run repeat.
"""
from ..functional.dropout import dropout
from .module import Module


class Dropout(Module):
    """Any shape -> the same shape."""

    def __init__(self, p=0.5, inplace=False, generator=None):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.generator = p, generator

    def forward(self, x):
        return dropout(x, self.p, self.training, self.generator)

    def extra_repr(self):
        return f"p={self.p}"
