"""Spectral normalisation (Miyato et al. 2018): a layer whose weight is divided by its
largest singular value, so the layer is 1-Lipschitz in the Euclidean norm.

    W_sn = W / sigma(W),    sigma(W) = max_{|v| = 1} |W v|,   W reshaped to (out, -1)

sigma is estimated by power iteration, one step per training forward pass, with
the vectors u (out,) and v (in,) kept between passes so that the estimate
improves as W changes slowly (the paper's Algorithm 1):

    v <- W^T u / |W^T u|,   u <- W v / |W v|,   sigma = u^T W v

u and v are constants for the gradient (as in the paper and PyTorch); sigma and
the division are written with differentiable functions, so the layer can be
differentiated twice (a WGAN-GP critic with spectral norm needs that).  In
evaluation mode the stored u and v are used unchanged.

``SpectralNorm(layer)`` wraps any module that has a ``weight`` parameter (Linear,
Conv2d, ConvTranspose2d); ``spectral_norm(layer)`` is PyTorch's spelling.  The
wrapped layer keeps its weight as ``weight_orig`` and the vectors as buffers
``weight_u`` and ``weight_v``, PyTorch's names (under the wrapper's ``module.``).
"""
from .. import backend
from ..functional import math as fm
from .module import Module


def _unit(a, eps):
    """a / max(|a|, eps) for a raw array a: (n,)."""
    xp = backend.xp
    return a / xp.maximum(xp.sqrt((a * a).sum()), eps)


def spectral_sigma(weight, u, v):
    """u^T W v for W: (out, ...) reshaped to (out, in); u: (out,), v: (in,) constants.

    Differentiable in W: d sigma / dW = u v^T, the gradient of the top singular
    value when u, v are its singular vectors.
    """
    w = fm.reshape(weight, (weight.shape[0], -1))
    return fm.sum(fm.matmul(fm.matmul(u, w), v))


def spectral_normalize(weight, u, v):
    """W / (u^T W v): the weight divided by its estimated spectral norm, same shape."""
    return fm.div(weight, spectral_sigma(weight, u, v))


def power_iteration(weight, u, n_iterations=1, eps=1e-12):
    """n steps of power iteration on a raw array W: (out, ...); returns (u, v) unit vectors."""
    w = weight.reshape(weight.shape[0], -1)
    v = None
    for _ in range(n_iterations):
        v = _unit(w.T @ u, eps)
        u = _unit(w @ v, eps)
    return u, v


class SpectralNorm(Module):
    """module(x) computed with W / sigma(W) in place of the module's ``weight``.

    module: a Module with a (out, ...) ``weight`` Parameter; n_power_iterations
    steps of power iteration per training forward pass (1 in the paper).
    """

    def __init__(self, module, name="weight", n_power_iterations=1, eps=1e-12):
        super().__init__()
        if n_power_iterations < 1:
            raise ValueError(f"n_power_iterations must be at least 1, got {n_power_iterations}")
        weight = module._parameters.get(name)
        if weight is None:
            raise ValueError(f"{type(module).__name__} has no parameter {name!r} to normalise")
        self.name, self.n_power_iterations, self.eps = name, n_power_iterations, eps
        module.register_parameter(name + "_orig", weight)     # the trained weight
        del module._parameters[name]
        rows = weight.shape[0]
        cols = weight.size // rows
        rng = backend.rng()
        u = _unit(rng.standard_normal((rows,)).astype(weight.dtype), eps)
        v = _unit(rng.standard_normal((cols,)).astype(weight.dtype), eps)
        module.register_buffer(name + "_u", u)
        module.register_buffer(name + "_v", v)
        self.module = module
        self.normalized_weight()          # a first power-iteration step, as PyTorch does

    def normalized_weight(self):
        """W / sigma(W), after the power iteration step(s) when training."""
        m, name = self.module, self.name
        weight = getattr(m, name + "_orig")
        if self.training:
            u, v = power_iteration(weight.data, getattr(m, name + "_u"),
                                   self.n_power_iterations, self.eps)
            getattr(m, name + "_u")[...] = u                  # in place: buffers keep identity
            getattr(m, name + "_v")[...] = v
        u, v = getattr(m, name + "_u").copy(), getattr(m, name + "_v").copy()
        return spectral_normalize(weight, u, v)

    def forward(self, *args, **kwargs):
        # a plain Tensor attribute, not a Parameter: the wrapped layer reads it as its
        # weight, and it is neither trained nor saved (weight_orig is)
        object.__setattr__(self.module, self.name, self.normalized_weight())
        return self.module(*args, **kwargs)

    def extra_repr(self):
        return f"n_power_iterations={self.n_power_iterations}"


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12):
    """PyTorch's ``nn.utils.spectral_norm`` spelling: returns ``SpectralNorm(module, ...)``."""
    return SpectralNorm(module, name, n_power_iterations, eps)
