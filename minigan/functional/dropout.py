"""Dropout (Srivastava et al. 2014), in the "inverted" form PyTorch uses.

In training each value is kept with probability 1 - p and scaled by 1 / (1 - p), so
the expected output equals the input and evaluation is the identity:

    y = x * m / (1 - p),   m ~ Bernoulli(1 - p) elementwise

The mask is a constant of the graph, so dy/dx = m / (1 - p) and the second
derivative is zero.  It is drawn from the backend's global generator
(``backend.rng()``, seeded by ``backend.manual_seed``) unless a generator is given:
a checkpoint that stores that generator's state resumes with the same masks.
pix2pix (Isola et al. 2017) uses dropout as its generator's only noise.
"""
from .. import backend
from ..autograd import Tensor, as_tensor


def dropout(x, p=0.5, training=True, generator=None):
    """x: any shape -> the same shape; zeros a fraction p of the values in training.

    generator: an ``xp.random.Generator`` of the active backend (default: backend.rng()).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    x = as_tensor(x)
    if not training or p == 0.0:
        return x
    xp = backend.get_array_module(x.data)
    if p == 1.0:
        return x * Tensor(xp.zeros(x.shape, dtype=x.dtype))
    rng = backend.rng() if generator is None else generator
    keep = rng.random(x.shape, dtype="float64" if x.dtype == "float64" else "float32") >= p
    return x * Tensor(keep.astype(x.dtype) * (1.0 / (1.0 - p)))
