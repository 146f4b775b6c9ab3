"""Parameter: a Tensor that a Module owns and an optimiser updates."""
from ..autograd import Tensor


class Parameter(Tensor):
    """A leaf Tensor with ``requires_grad=True`` that registers itself on a Module.

    Assigning a Parameter to a Module attribute (``self.weight = Parameter(w)``)
    is what makes it appear in ``parameters()`` and ``state_dict()``; a plain
    Tensor attribute stays invisible to both, as in PyTorch.

    data: an array of the active backend (or a Tensor, whose array is taken).
    """

    def __init__(self, data, requires_grad=True):
        if isinstance(data, Tensor):
            data = data.data
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
