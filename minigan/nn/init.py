"""Weight initialisation, as ``torch.nn.init``.

Every function fills a Tensor in place (no graph is recorded: it writes the
array directly), draws from the global generator ``backend.rng()`` in the
tensor's own dtype, and returns the tensor.

PyTorch's default for Linear and Conv layers is ``kaiming_uniform_(w, a=sqrt(5))``:
with gain = sqrt(2 / (1 + a^2)) = sqrt(1/3), the bound
    gain * sqrt(3 / fan_in) = 1 / sqrt(fan_in)
is the same as LeCun's uniform initialisation (He et al. 2015, eq. 10, with
PyTorch's choice of a).  Biases are uniform on [-1/sqrt(fan_in), 1/sqrt(fan_in)].
DCGAN (Radford et al. 2016, sec. 4) instead draws every weight from N(0, 0.02^2).
"""
import math

from .. import backend


def calculate_fan_in_and_fan_out(t):
    """(fan_in, fan_out) of a weight, read from its shape as PyTorch does.

    Linear (out, in): (in, out).  Conv2d (out, in, kh, kw): (in*kh*kw, out*kh*kw).
    ConvTranspose2d (in, out, kh, kw) is read the same way, so its fan_in is
    shape[1]*kh*kw = out_channels*kh*kw: PyTorch's convention, kept so that the
    same seed statistics and the same loaded weights mean the same thing.
    """
    if t.ndim < 2:
        raise ValueError(f"fan in and fan out need a weight with at least 2 axes, got shape {t.shape}")
    receptive_field = 1
    for n in t.shape[2:]:
        receptive_field *= n
    return t.shape[1] * receptive_field, t.shape[0] * receptive_field


def calculate_gain(nonlinearity, param=None):
    """The factor that keeps activations' variance through a nonlinearity (PyTorch's table)."""
    if nonlinearity in ("linear", "conv2d", "conv_transpose2d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    raise ValueError(f"unknown nonlinearity {nonlinearity!r}")


def uniform_(t, a=0.0, b=1.0):
    """Fill ``t`` with draws from U(a, b)."""
    u = backend.rng().random(t.shape, dtype=t.dtype)
    t.data[...] = u * (b - a) + a
    return t


def normal_(t, mean=0.0, std=0.02):
    """Fill ``t`` with draws from N(mean, std^2).

    The default std is DCGAN's 0.02 (PyTorch's default is 1; pass it explicitly
    when porting code that relies on that).
    """
    z = backend.rng().standard_normal(t.shape, dtype=t.dtype)
    t.data[...] = z * std + mean
    return t


def constant_(t, value):
    t.data[...] = value
    return t


def zeros_(t):
    return constant_(t, 0)


def ones_(t):
    return constant_(t, 1)


def kaiming_uniform_(t, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """U(-bound, bound) with bound = gain * sqrt(3 / fan): variance gain^2 / fan
    (He et al. 2015).  ``a`` is the leaky-relu slope used for the gain."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(t)
    fan = fan_in if mode == "fan_in" else fan_out
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(t, -bound, bound)


def default_linear_init_(weight, bias):
    """PyTorch's ``reset_parameters`` for Linear, Conv2d and ConvTranspose2d."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        uniform_(bias, -bound, bound)
