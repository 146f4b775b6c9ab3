"""Reverse-mode automatic differentiation: Tensor, Function and the backward pass.

A ``Tensor`` wraps an array of the active backend.  Every operation on Tensors
is a ``Function``: its ``forward`` works on raw arrays, its ``backward`` is
written with differentiable functions on Tensors.  Because backward is built
from the same differentiable pieces, the gradient is itself a graph when we ask
for one (``create_graph=True``) and second derivatives come for free; this is
what the WGAN-GP gradient penalty needs.

The graph is recorded on the fly: a result remembers the Function that made it
(``creator``), and the Function remembers its inputs.  ``backward`` walks that
graph from the output back to the leaves in reverse topological order.

The Function contract (every Function in minigan follows it):
  * ``__init__(settings)``: non-tensor settings only (stride, axis, slope).
  * ``forward(self, *arrays) -> array or tuple of arrays``: raw arrays in and out;
    it never modifies its inputs.  Anything else backward needs (a mask, batch
    statistics) it hands to ``self.save_for_backward(*arrays)``; it sets no other
    attribute.
  * ``backward(self, *grad_outputs, needs) -> one gradient per input``: the
    upstream gradients are Tensors; ``needs[i]`` is True when the gradient of
    input i is wanted, and a gradient that is not wanted may be returned as None.
    Backward reads only ``self.inputs`` (the input Tensors), ``self.output(i)``
    (the output Tensors) and ``self.saved`` (what forward saved), and computes
    with differentiable functions, so its result can be differentiated again.
    It returns a Tensor for a one-input Function, else a tuple.
A Function that keeps a faster formula on raw arrays beside its graph formula
uses it only when no graph is being recorded (``not is_grad_enabled()``); a test
proves the two equal (tests/engine/test_fast_paths.py).

The operators of ``Tensor`` (``+``, ``@``, ``.sum()``...) are the functions of
``functional.math``; that module installs them (``install_operators``), so this
module imports nothing from ``functional`` and the arrows point one way.
"""
import contextlib
import heapq
import weakref

from . import backend

# ---------------------------------------------------------------- grad mode

_grad_enabled = True


@contextlib.contextmanager
def _grad_mode(enabled):
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, enabled
    try:
        yield
    finally:
        _grad_enabled = previous


def no_grad():
    """Context manager: operations inside record no graph (evaluation, updates)."""
    return _grad_mode(False)


def enable_grad():
    """Context manager: record the graph again inside a ``no_grad`` block."""
    return _grad_mode(True)


def is_grad_enabled():
    return _grad_enabled


# ------------------------------------------------------------------- Tensor

class Tensor:
    """An array of the active backend that remembers how it was computed.

    data: the array; grad: a Tensor of the same shape after ``backward`` (leaves);
    creator: the Function that produced it (None for leaves).
    """
    # NumPy defers to us for ``ndarray + Tensor`` instead of looping elementwise.
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, data, requires_grad=False):
        self.data = data
        self.grad = None
        self.requires_grad = requires_grad
        self.creator = None
        self.generation = 0     # depth in the graph, orders the backward pass

    # -- array-like properties
    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)
    dtype = property(lambda self: self.data.dtype)

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        body = repr(self.data).replace("\n", "\n       ")
        flag = ", requires_grad=True" if self.requires_grad else ""
        return f"tensor({body}{flag})"

    def __bool__(self):
        raise TypeError("a Tensor has no truth value; compare .item() or use .data")

    def item(self):
        """The value of a one-element tensor as a Python number."""
        return self.data.item()

    def numpy(self):
        """A host NumPy copy-or-view of the data (no graph)."""
        return backend.to_numpy(self.data)

    def detach(self):
        """The same data as a new leaf that requires no gradient."""
        return Tensor(self.data)

    def requires_grad_(self, flag=True):
        self.requires_grad = flag
        return self

    def backward(self, grad_output=None, create_graph=False):
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        The graph is kept (there is no ``retain_graph``): it lives as long as its output."""
        backward([self], None if grad_output is None else [grad_output],
                 create_graph=create_graph)

    # comparisons give constant arrays-as-Tensors without gradient, like PyTorch
    def __gt__(self, other): return Tensor(self.data > raw(other))
    def __lt__(self, other): return Tensor(self.data < raw(other))
    def __ge__(self, other): return Tensor(self.data >= raw(other))
    def __le__(self, other): return Tensor(self.data <= raw(other))
    # + - * / ** @ [], .T, .reshape, .sum ...: installed by functional.math


def raw(x):
    """The array inside a Tensor; anything else unchanged."""
    return x.data if isinstance(x, Tensor) else x


def tensor(data, requires_grad=False, dtype=None):
    """A new leaf Tensor on the active backend.

    Python floats (and lists of them) become float32, as in PyTorch; arrays keep
    their dtype unless ``dtype`` is given.
    """
    if isinstance(data, Tensor):
        data = data.data
    if dtype is None and not hasattr(data, "dtype"):
        probe = backend.asarray(data)
        dtype = "float32" if probe.dtype.kind == "f" else None
    return Tensor(backend.asarray(data, dtype=dtype), requires_grad=requires_grad)


def as_tensor(x, like=None):
    """``x`` as a Tensor; a Python number takes the dtype of ``like`` (no float64 promotion)."""
    if isinstance(x, Tensor):
        return x
    if like is not None and isinstance(x, (int, float)):
        return Tensor(backend.get_array_module(like.data).asarray(x, dtype=like.dtype))
    if hasattr(x, "dtype") and hasattr(x, "shape"):
        # an array is wrapped where it lives: moving it between host and device is
        # the caller's explicit decision (mg.tensor / backend.asarray), never implicit
        return Tensor(x)
    return Tensor(backend.asarray(x))


# ----------------------------------------------------------------- Function

class Function:
    """One differentiable operation; subclasses follow the contract in the module docstring."""
    saved = ()

    def __call__(self, *inputs):
        inputs = [x if isinstance(x, Tensor) else as_tensor(x) for x in inputs]
        ys = self.forward(*[x.data for x in inputs])
        single = not isinstance(ys, tuple)
        outputs = [Tensor(y) for y in ((ys,) if single else ys)]
        requires = tuple(x.requires_grad for x in inputs)
        if _grad_enabled and any(requires):
            self._requires = requires           # which inputs may ever want a gradient
            self.generation = max(x.generation for x in inputs)
            for y in outputs:
                y.creator, y.requires_grad = self, True
                y.generation = self.generation + 1
            self.inputs = inputs
            # weak: outputs hold their creator, so a strong link back would be a cycle
            self._outputs = [weakref.ref(y) for y in outputs]
        return outputs[0] if single else tuple(outputs)

    def save_for_backward(self, *arrays):
        """Keep arrays made in forward that backward needs; backward reads ``self.saved``."""
        self.saved = arrays

    def output(self, i=0):
        """The i-th output Tensor (alive during backward, which starts from an output)."""
        y = self._outputs[i]()
        if y is None:
            raise RuntimeError(f"{type(self).__name__}: output {i} was freed before backward")
        return y

    def forward(self, *xs):
        raise NotImplementedError

    def backward(self, *gys, needs):
        raise NotImplementedError


# ------------------------------------------------------------ backward pass

def backward(outputs, grad_outputs=None, create_graph=False):
    """Accumulate gradients of ``outputs`` into ``.grad`` of every leaf that requires grad."""
    leaves = {}
    grads = _run_backward(outputs, grad_outputs, None, create_graph, leaves)
    for key, leaf in leaves.items():
        g = grads.get(key)
        if g is not None:
            leaf.grad = g if leaf.grad is None else _accumulate(leaf.grad, g)


def grad(outputs, inputs, grad_outputs=None, create_graph=False, allow_unused=False):
    """The gradients of ``outputs`` with respect to ``inputs``, as a list of Tensors.

    Leaves' ``.grad`` are not touched.  With ``create_graph=True`` the results
    are differentiable (a graph is recorded while computing them).
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single_input = isinstance(inputs, Tensor)
    inputs = [inputs] if single_input else list(inputs)
    for x in inputs:
        if not x.requires_grad:
            raise ValueError("grad(): an input does not require grad; "
                             "create it with requires_grad=True")
    grads = _run_backward(outputs, grad_outputs, inputs, create_graph, None)
    result = []
    for i, x in enumerate(inputs):
        g = grads.get(id(x))
        if g is None:
            if not allow_unused:
                raise ValueError(f"grad(): input {i} is not used to compute the outputs; "
                                 "pass allow_unused=True to get None for it")
        result.append(g)
    return result


def _accumulate(a, b):
    with _grad_mode(a.requires_grad or b.requires_grad):
        return a + b


def _run_backward(outputs, grad_outputs, targets, create_graph, leaves):
    """Propagate gradients from ``outputs``; return {id(tensor): grad Tensor}.

    targets: the tensors whose gradients are wanted (None: every leaf, which are
    then collected into ``leaves``).  Functions that cannot reach a target are
    skipped, so ``grad(D(x), [x])`` computes no weight gradients of D.
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    grad_outputs = _initial_grads(outputs, grad_outputs)
    target_ids = None if targets is None else {id(t) for t in targets}
    needed = _needed_functions(outputs, target_ids)

    grads, heap, queued, counter = {}, [], set(), 0

    def enqueue(f):
        nonlocal counter
        if f is not None and f in needed and f not in queued:
            queued.add(f)
            counter += 1            # ties broken by order of discovery
            heapq.heappush(heap, (-f.generation, counter, f))

    def add_grad(x, g):
        key = id(x)
        grads[key] = g if key not in grads else grads[key] + g
        if leaves is not None and x.creator is None:
            leaves[key] = x

    with _grad_mode(create_graph):
        for y, g in zip(outputs, grad_outputs):
            if y.requires_grad:
                add_grad(y, g)
                enqueue(y.creator)
        while heap:
            f = heapq.heappop(heap)[2]
            gys = []
            for i, ref in enumerate(f._outputs):
                y = ref()
                g = None
                if y is not None:
                    # an intermediate's gradient is not needed once its creator ran,
                    # unless it was asked for
                    g = grads.get(id(y)) if (target_ids and id(y) in target_ids) \
                        else grads.pop(id(y), None)
                gys.append(g)
            if all(g is None for g in gys):
                continue
            gys = [g if g is not None else _zeros_like(f, i) for i, g in enumerate(gys)]
            mask = tuple(r and (target_ids is None or id(x) in target_ids or x.creator in needed)
                         for r, x in zip(f._requires, f.inputs))
            gxs = f.backward(*gys, needs=mask)
            if not isinstance(gxs, tuple):
                gxs = (gxs,)
            for x, gx, wanted in zip(f.inputs, gxs, mask):
                if wanted and gx is not None:
                    add_grad(x, gx)
                    enqueue(x.creator)
    _unalias(grads, grad_outputs, target_ids if target_ids is not None else set(leaves))
    return grads


def _initial_grads(outputs, grad_outputs):
    """Upstream gradients for ``outputs``: given ones as Tensors, else 1 for scalars."""
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor) or hasattr(grad_outputs, "shape"):
        grad_outputs = [grad_outputs]
    result = []
    for y, g in zip(outputs, grad_outputs):
        if g is None:
            if y.size != 1:
                raise RuntimeError(
                    f"backward of a non-scalar output of shape {y.shape} needs grad_outputs "
                    "(the upstream gradient); reduce it with .sum() or pass one")
            g = Tensor(backend.get_array_module(y.data).ones_like(y.data))
        g = as_tensor(g)
        if g.shape != y.shape:
            raise ValueError(f"grad_outputs has shape {g.shape}, output has shape {y.shape}")
        result.append(g)
    return result


def _needed_functions(outputs, target_ids):
    """Every Function between ``outputs`` and the targets (all leaves if None)."""
    seen, stack, order = set(), [y.creator for y in outputs if y.creator], []
    while stack:                      # iterative: a 10,000-op chain must not recurse
        f = stack.pop()
        if f in seen:
            continue
        seen.add(f)
        order.append(f)
        stack.extend(x.creator for x in f.inputs if x.creator is not None)
    if target_ids is None:
        return seen
    needed = set()
    for f in sorted(order, key=lambda f: f.generation):   # inputs' creators come first
        if any(id(x) in target_ids or x.creator in needed for x in f.inputs):
            needed.add(f)
    return needed


def _zeros_like(f, i):
    y = f.output(i)
    return Tensor(backend.get_array_module(y.data).zeros_like(y.data))


def _unalias(grads, grad_outputs, keys):
    """Copy returned gradients that share memory with each other or the upstream.

    Inside the pass nothing is updated in place, so sharing is harmless there; but
    a caller may update a returned gradient in place (weight decay, clipping).
    """
    taken = [g.data for g in grad_outputs]
    for key in keys:
        g = grads.get(key)
        if g is None:
            continue
        xp = backend.get_array_module(g.data)
        if any(xp.may_share_memory(g.data, t) for t in taken):
            with _grad_mode(g.requires_grad):
                g = grads[key] = g.clone()      # a differentiable copy
        taken.append(g.data)
