"""Hypothesis strategies for every differentiable function: the engine core's, the
image layers' (translation, super-resolution) and the VAE's.

Each case draws shapes (broadcasting pairs, size-1 axes, 0-d tensors) and a
seed, and builds float64 NumPy inputs whose values keep away from kinks
(relu at 0, max ties, clip bounds, log near 0) by construction, so the
gradient checks can use tight tolerances.

A case is ``(fn, arrays)``: ``fn`` maps input Tensors to an output Tensor.
test_functions.py runs every check on every case in CASES.
"""
import numpy as np
from hypothesis import strategies as st

import minigan as mg
import minigan.functional as F
from minigan import vae

dims = st.integers(1, 3)
shapes = st.lists(dims, min_size=0, max_size=3).map(tuple)
nonempty_shapes = st.lists(dims, min_size=1, max_size=3).map(tuple)
seeds = st.integers(0, 2**32 - 1)


@st.composite
def broadcast_pair(draw):
    """Two shapes that broadcast together: some axes set to 1, leading axes dropped."""
    full = draw(shapes)
    other = [1 if draw(st.booleans()) else n for n in full]
    drop = draw(st.integers(0, len(full)))
    return full, tuple(other[drop:]) if draw(st.booleans()) else full


def normal(rng, shape):
    return rng.standard_normal(shape)


def away_from_zero(rng, shape, low=0.2, high=2.0):
    """Values with |x| in [low, high] and a random sign: no kink at 0 is ever hit."""
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


def positive(rng, shape, low=0.5, high=3.0):
    return rng.uniform(low, high, shape)


def distinct(rng, shape):
    """Values at least 0.1 apart from each other: max has no ties."""
    n = int(np.prod(shape)) if shape else 1
    return (rng.permutation(n) * 0.1 + rng.uniform(0, 0.02, n)).reshape(shape) - 0.05 * n


# -------------------------------------------------------------------- cases

@st.composite
def binary(draw, fn, second=normal):
    sa, sb = draw(broadcast_pair())
    if draw(st.booleans()):
        sa, sb = sb, sa
    rng = np.random.default_rng(draw(seeds))
    return fn, [normal(rng, sa), second(rng, sb)]


@st.composite
def unary(draw, fn, values=normal, shape_strategy=shapes):
    rng = np.random.default_rng(draw(seeds))
    return fn, [values(rng, draw(shape_strategy))]


@st.composite
def pow_case(draw):
    c = draw(st.sampled_from([2, 3, 4, 0.5, -1.0, 1.5]))
    rng = np.random.default_rng(draw(seeds))
    return (lambda x: F.pow(x, c)), [positive(rng, draw(shapes))]


@st.composite
def matmul_case(draw):
    n, k, m = draw(dims), draw(dims), draw(dims)
    kind = draw(st.sampled_from(["2d", "batched", "broadcast", "vec_left", "vec_right"]))
    a_shape, b_shape = {
        "2d": ((n, k), (k, m)),
        "batched": ((2, n, k), (2, k, m)),
        "broadcast": ((2, 1, n, k), (3, k, m)),
        "vec_left": ((k,), (2, k, m)),
        "vec_right": ((2, n, k), (k,)),
    }[kind]
    rng = np.random.default_rng(draw(seeds))
    return F.matmul, [normal(rng, a_shape), normal(rng, b_shape)]


@st.composite
def axis_for(draw, shape):
    if not shape or draw(st.booleans()):
        return None
    axes = draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1,
                         max_size=len(shape), unique_by=lambda a: a % len(shape)))
    return axes[0] if len(axes) == 1 else tuple(axes)


@st.composite
def reduction_case(draw, name):
    shape = draw(shapes)
    axis, keepdims = draw(axis_for(shape)), draw(st.booleans())
    rng = np.random.default_rng(draw(seeds))
    fn = getattr(F, name)
    values = distinct if name == "max" else normal
    return (lambda x: fn(x, axis=axis, keepdims=keepdims)), [values(rng, shape)]


@st.composite
def reshape_case(draw):
    shape = draw(nonempty_shapes)
    size = int(np.prod(shape))
    target = draw(st.sampled_from([(size,), (1, size), (size, 1), tuple(reversed(shape)),
                                   (-1,) + shape[1:]]))
    rng = np.random.default_rng(draw(seeds))
    return (lambda x: F.reshape(x, target)), [normal(rng, shape)]


@st.composite
def transpose_case(draw):
    shape = draw(nonempty_shapes)
    axes = tuple(draw(st.permutations(range(len(shape)))))
    rng = np.random.default_rng(draw(seeds))
    return (lambda x: F.transpose(x, axes)), [normal(rng, shape)]


@st.composite
def broadcast_to_case(draw):
    full, small = draw(broadcast_pair())
    rng = np.random.default_rng(draw(seeds))
    return (lambda x: F.broadcast_to(x, full)), [normal(rng, small)]


@st.composite
def sum_to_case(draw):
    full, small = draw(broadcast_pair())
    rng = np.random.default_rng(draw(seeds))
    return (lambda x: F.sum_to(x, small)), [normal(rng, full)]


@st.composite
def getitem_case(draw):
    shape = draw(st.lists(st.integers(2, 4), min_size=1, max_size=3).map(tuple))
    kind = draw(st.sampled_from(["int", "slice", "step", "array", "array_repeat", "mixed"]))
    n0 = shape[0]
    index = {
        "int": 1,
        "slice": slice(1, None),
        "step": (slice(None, None, 2),) + (slice(None, 1),) * (len(shape) > 1),
        "array": np.array([n0 - 1, 0]),
        "array_repeat": np.array([0, 1, 0, 0]),
        "mixed": (np.array([1, 1, 0]),) + (slice(0, 2),) * (len(shape) > 1),
    }[kind]
    rng = np.random.default_rng(draw(seeds))

    def fn(x):
        from minigan import backend
        # integer-array indices live where the data lives, as on a GPU
        idx = tuple(backend.asarray(i) if isinstance(i, np.ndarray) else i for i in index) \
            if isinstance(index, tuple) else \
            (backend.asarray(index) if isinstance(index, np.ndarray) else index)
        return F.getitem(x, idx)
    return fn, [normal(rng, shape)]


@st.composite
def concat_case(draw):
    shape = draw(nonempty_shapes)
    axis = draw(st.integers(0, len(shape) - 1))
    sizes = draw(st.lists(dims, min_size=1, max_size=3))
    rng = np.random.default_rng(draw(seeds))
    arrays = [normal(rng, shape[:axis] + (s,) + shape[axis + 1:]) for s in sizes]
    return (lambda *xs: F.concat(list(xs), axis=axis)), arrays


@st.composite
def clip_case(draw):
    lo, hi = draw(st.sampled_from([(-0.5, 0.5), (None, 0.3), (-0.3, None)]))
    rng = np.random.default_rng(draw(seeds))
    x = away_from_zero(rng, draw(shapes), 0.1, 1.5)
    # keep every value at least 0.05 away from either bound
    for b in (lo, hi):
        if b is not None:
            x = np.where(np.abs(x - b) < 0.05, x + 0.1, x)
    return (lambda t: F.clip(t, lo, hi)), [x]


@st.composite
def where_case(draw):
    sa, sb = draw(broadcast_pair())
    rng = np.random.default_rng(draw(seeds))
    cond = rng.random(np.broadcast_shapes(sa, sb)) > 0.5

    def fn(a, b):
        from minigan import backend
        return F.where(backend.asarray(cond), a, b)
    return fn, [normal(rng, sa), normal(rng, sb)]


@st.composite
def maximum_case(draw, name):
    shape = draw(shapes)
    rng = np.random.default_rng(draw(seeds))
    a = normal(rng, shape)
    b = a + away_from_zero(rng, shape, 0.1, 1.0)     # never a tie
    return getattr(F, name), [a, b]


@st.composite
def leaky_case(draw):
    slope = draw(st.sampled_from([0.01, 0.2, 1.0, 1.5, -0.5]))   # >1, <0: the kept mask
    rng = np.random.default_rng(draw(seeds))
    return (lambda x: F.leaky_relu(x, slope)), [away_from_zero(rng, draw(shapes))]


@st.composite
def loss_case(draw, name):
    shape = draw(shapes)
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    rng = np.random.default_rng(draw(seeds))
    fn = getattr(F, name)
    first = rng.uniform(0.1, 0.9, shape) if name == "binary_cross_entropy" \
        else 3 * normal(rng, shape)
    target = rng.uniform(0, 1, shape) if "cross" in name else normal(rng, shape)
    return (lambda x, t: fn(x, t, reduction=reduction)), [first, target]


# ------------------------------------------ image layers: translation, super-resolution

images = st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(2, 4),
                   st.integers(2, 4))


@st.composite
def instance_norm_case(draw):
    n, c, h, w = draw(images)
    rng = np.random.default_rng(draw(seeds))
    x = normal(rng, (n, c, h, w)) + rng.uniform(-2, 2, (n, c, 1, 1))
    x += 0.5 * np.arange(h * w).reshape(h, w)      # each plane has a clear variance
    if draw(st.booleans()):
        return (lambda a, g, b: F.instance_norm(a, g, b)), [x, normal(rng, (c,)),
                                                             normal(rng, (c,))]
    return F.instance_norm, [x]


@st.composite
def dropout_case(draw):
    p = draw(st.sampled_from([0.0, 0.2, 0.5, 0.9]))
    mask_seed = draw(seeds)
    rng = np.random.default_rng(draw(seeds))

    def fn(x):     # a fresh generator per call: the same mask at every evaluation
        return F.dropout(x, p, generator=mg.backend.default_rng(mask_seed))
    return fn, [normal(rng, draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))]


@st.composite
def reflection_case(draw):
    n, c, h, w = draw(images)
    pad = (draw(st.integers(0, w - 1)), draw(st.integers(0, w - 1)),
           draw(st.integers(0, h - 1)), draw(st.integers(0, h - 1)))
    rng = np.random.default_rng(draw(seeds))
    return (lambda x: F.reflection_pad2d(x, pad)), [normal(rng, (n, c, h, w))]


@st.composite
def l1_case(draw):
    shape = draw(shapes)
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    rng = np.random.default_rng(draw(seeds))
    x = normal(rng, shape)
    t = x + away_from_zero(rng, shape, 0.1, 1.0)                 # no kink at x = t
    return (lambda a, b: F.l1_loss(a, b, reduction=reduction)), [x, t]


@st.composite
def shuffle_case(draw):
    n, c, r = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(seeds))
    return (lambda x: F.pixel_shuffle(x, r)), [normal(rng, (n, c * r * r, h, w))]


@st.composite
def unshuffle_case(draw):
    n, c, r = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    rng = np.random.default_rng(draw(seeds))
    return (lambda x: F.pixel_unshuffle(x, r)), [normal(rng, (n, c, h * r, w * r))]


@st.composite
def prelu_case(draw):
    shape = draw(st.sampled_from([(3,), (2, 3), (2, 3, 2), (1, 3, 2, 2)]))
    k = draw(st.sampled_from([1, 3]))
    rng = np.random.default_rng(draw(seeds))
    return F.prelu, [away_from_zero(rng, shape), rng.uniform(-0.5, 0.8, (k,))]


# ------------------------------------------------------------ the VAE's functions

@st.composite
def vae_case(draw, name):
    """The functions of minigan/vae: Gaussian KL, reparameterisation, log densities,
    the Bernoulli log-likelihood and logsumexp, on (n, d) inputs."""
    n, d = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(seeds))
    mu, log_var = normal(rng, (n, d)), rng.uniform(-1.5, 1.0, (n, d))
    if name == "gaussian_kl":
        return vae.gaussian_kl, [mu, log_var]
    if name == "reparameterize":
        return vae.reparameterize, [mu, log_var, normal(rng, (n, d))]
    if name == "gaussian_log_density":
        return vae.gaussian_log_density, [normal(rng, (n, d)), mu, log_var]
    if name == "standard_normal_log_density":
        return vae.standard_normal_log_density, [mu]
    if name == "bernoulli_log_likelihood":
        target = rng.integers(0, 2, (n, 1, 2, d)).astype(float)
        return (lambda logits: vae.bernoulli_log_likelihood(
            logits, mg.backend.asarray(target.astype(logits.dtype)))), \
            [3 * normal(rng, (n, 1, 2, d))]
    axis = draw(st.integers(0, 1))
    # values far apart, too (central differences need them moderate; test_vae.py has
    # logsumexp of huge values)
    scale = draw(st.sampled_from([1.0, 3.0]))
    return (lambda a: vae.logsumexp(a, axis)), [scale * normal(rng, (n, d))]


VAE_FUNCTIONS = ("gaussian_kl", "reparameterize", "gaussian_log_density",
                 "standard_normal_log_density", "bernoulli_log_likelihood", "logsumexp")

CASES = {
    "add": binary(F.add),
    "sub": binary(F.sub),
    "mul": binary(F.mul),
    "div": binary(F.div, second=away_from_zero),
    "neg": unary(F.neg),
    "pow": pow_case(),
    "exp": unary(F.exp),
    "log": unary(F.log, positive),
    "sqrt": unary(F.sqrt, positive),
    "copy": unary(F.copy),
    "matmul": matmul_case(),
    "sum": reduction_case("sum"),
    "mean": reduction_case("mean"),
    "max": reduction_case("max"),
    "reshape": reshape_case(),
    "transpose": transpose_case(),
    "broadcast_to": broadcast_to_case(),
    "sum_to": sum_to_case(),
    "getitem": getitem_case(),
    "concat": concat_case(),
    "clip": clip_case(),
    "where": where_case(),
    "maximum": maximum_case("maximum"),
    "minimum": maximum_case("minimum"),
    "relu": unary(F.relu, away_from_zero),
    "leaky_relu": leaky_case(),
    "sigmoid": unary(F.sigmoid, lambda r, s: 3 * normal(r, s)),
    "tanh": unary(F.tanh),
    "softplus": unary(F.softplus, lambda r, s: 3 * normal(r, s)),
    "log_sigmoid": unary(F.log_sigmoid, lambda r, s: 3 * normal(r, s)),
    "binary_cross_entropy_with_logits": loss_case("binary_cross_entropy_with_logits"),
    "binary_cross_entropy": loss_case("binary_cross_entropy"),
    "mse_loss": loss_case("mse_loss"),
    "instance_norm": instance_norm_case(),
    "dropout": dropout_case(),
    "reflection_pad2d": reflection_case(),
    "l1_loss": l1_case(),
    "pixel_shuffle": shuffle_case(),
    "pixel_unshuffle": unshuffle_case(),
    "prelu": prelu_case(),
    **{name: vae_case(name) for name in VAE_FUNCTIONS},
}
