"""Numerical gradient checks: the engine's derivatives against central differences.

For a function f of tensors x_1..x_k and a random upstream gradient u (same
shape as the output), the scalar s(x) = <u, f(x)> has gradient
    ds/dx_i = (the engine's backward of u through f)
and, for any small eps and direction v, the central difference
    (s(x + eps v) - s(x - eps v)) / (2 eps) = <ds/dx, v> + O(eps^2).

Two modes:
  * ``mode="elementwise"``: v runs over every basis vector of every input;
    2n forward passes, exact element-by-element errors (small inputs).
  * ``mode="direction"``: one random v over all inputs at once; two forward
    passes (large inputs: convolutions, batch norm).  A wrong gradient g' passes
    only if <g' - g, v> is within the tolerance; for a continuous random v that
    has probability zero in exact arithmetic, and is small in floating point
    unless g' - g is itself tiny.

``gradgradcheck`` first checks the gradient computed with ``create_graph=True``
(the graph formula, which a Function may keep beside a faster one on arrays)
against central differences, then applies the same test to that gradient
function, (x, u) -> ds/dx, so second derivatives are checked too.  Everything
runs in float64, where central differences with eps = 1e-6 are accurate to
about 1e-10.  A NaN anywhere fails the check.
"""
from . import backend
from .autograd import Tensor, enable_grad, grad


class GradcheckError(AssertionError):
    """The analytic and numerical gradients disagree (the message says where)."""


def _as_inputs(inputs):
    """Copy inputs into float64 leaf Tensors that require grad."""
    if isinstance(inputs, Tensor) or hasattr(inputs, "shape"):
        inputs = [inputs]
    result = []
    for x in inputs:
        data = x.data if isinstance(x, Tensor) else backend.asarray(x)
        if data.dtype != "float64":
            raise TypeError(f"gradcheck needs float64 inputs, got {data.dtype}: "
                            "central differences in float32 are too coarse")
        result.append(Tensor(data.copy(), requires_grad=True))
    return result


def _outputs(fn, xs):
    ys = fn(*xs)
    return list(ys) if isinstance(ys, (tuple, list)) else [ys]


def _dot(a, b):
    return (a * b).sum().item()


def _analytic(fn, xs, us, create_graph=False):
    """ds/dx_i for s = sum_j <u_j, y_j>: a list of arrays (zeros where unused)."""
    ys = _outputs(fn, xs)
    used = [(y, u) for y, u in zip(ys, us) if y.requires_grad]
    if not used:
        return [backend.get_array_module(x.data).zeros_like(x.data) for x in xs]
    gs = grad([y for y, _ in used], xs, [Tensor(u) for _, u in used], allow_unused=True,
              create_graph=create_graph)
    return [g.data if g is not None else backend.get_array_module(x.data).zeros_like(x.data)
            for g, x in zip(gs, xs)]


def _score(fn, xs, us):
    """s(x) = sum_j <u_j, f_j(x)>.

    Evaluated with grad mode on: fn may itself call ``mg.grad`` (a gradient
    penalty does), which needs the graph of its inner computation.
    """
    return sum(_dot(y.data, u) for y, u in zip(_outputs(fn, xs), us))


def _random_like(rng, a):
    return rng.standard_normal(a.shape).astype(a.dtype)


def _check(fn, xs, us, eps, atol, rtol, mode, rng, what, create_graph=False):
    analytic = _analytic(fn, xs, us, create_graph)
    if mode == "direction":
        vs = [_random_like(rng, x.data) for x in xs]
        shifted = []
        for sign in (1, -1):
            moved = [Tensor(x.data + sign * eps * v, requires_grad=True) for x, v in zip(xs, vs)]
            shifted.append(_score(fn, moved, us))
        numeric = (shifted[0] - shifted[1]) / (2 * eps)
        exact = sum(_dot(g, v) for g, v in zip(analytic, vs))
        if not abs(numeric - exact) <= atol + rtol * abs(numeric):    # NaN fails too
            raise GradcheckError(
                f"{what}: directional derivative along a random direction: "
                f"analytic {exact:.10g}, numerical {numeric:.10g}")
        return
    for i, x in enumerate(xs):
        flat = x.data.reshape(-1)            # a view: we nudge one element in place
        g_flat = analytic[i].reshape(-1)
        for j in range(flat.size):
            old = flat[j].item()
            flat[j] = old + eps
            plus = _score(fn, xs, us)
            flat[j] = old - eps
            minus = _score(fn, xs, us)
            flat[j] = old
            numeric = (plus - minus) / (2 * eps)
            exact = g_flat[j].item()
            if not abs(numeric - exact) <= atol + rtol * abs(numeric):    # NaN fails too
                index = tuple(int(k) for k in _unravel(j, x.shape))
                raise GradcheckError(
                    f"{what}: input {i}, element {index}: "
                    f"analytic {exact:.10g}, numerical {numeric:.10g}")


def _unravel(j, shape):
    index = []
    for n in reversed(shape):
        index.append(j % n)
        j //= n
    return reversed(index)


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-4, mode="elementwise", seed=0):
    """Check first derivatives of ``fn(*inputs)`` against central differences.

    fn: Tensors -> Tensor or tuple of Tensors; inputs: float64 arrays or Tensors
    (copied, never modified).  Raises GradcheckError naming the input and the
    element (or the direction) with both values; returns True otherwise.
    """
    rng = backend.default_rng(seed)
    xs = _as_inputs(inputs)
    us = [_random_like(rng, y.data) for y in _outputs(fn, xs)]
    _check(fn, xs, us, eps, atol, rtol, mode, rng, "gradcheck")
    return True


def gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-4, mode="elementwise", seed=0):
    """Check second derivatives: gradcheck of (x, u) -> d<u, fn(x)>/dx.

    The gradient is computed with ``create_graph=True``; its own backward (with a
    second random upstream gradient) is compared with central differences of
    the first gradient, with respect to both the inputs and u.
    """
    rng = backend.default_rng(seed)
    xs = _as_inputs(inputs)
    us = [_random_like(rng, y.data) for y in _outputs(fn, xs)]
    k = len(xs)
    _check(fn, xs, us, eps, atol, rtol, mode, rng,
           "gradgradcheck: the first derivative with create_graph=True", create_graph=True)

    def first_gradient(*args):
        args_x, args_u = args[:k], args[k:]
        with enable_grad():         # the first gradient needs a graph even when scored
            ys = _outputs(fn, args_x)
            used = [(y, u) for y, u in zip(ys, args_u) if y.requires_grad]
            gs = grad([y for y, _ in used], list(args_x), [u for _, u in used],
                      create_graph=True, allow_unused=True)
        # an unused input has zero gradient; keep it in the graph as 0 * x
        return tuple(g if g is not None else x * 0.0 for g, x in zip(gs, args_x))

    all_inputs = xs + [Tensor(u, requires_grad=True) for u in us]
    vs = [_random_like(rng, g.data) for g in first_gradient(*all_inputs)]
    _check(first_gradient, all_inputs, vs, eps, atol, rtol, mode, rng, "gradgradcheck")
    return True
