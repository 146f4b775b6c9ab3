"""Differentiable arithmetic, reductions and shape functions.

Each class is one Function: ``forward`` on raw arrays, ``backward`` in terms of
the differentiable functions of this module, so that every gradient can itself
be differentiated (double backprop).  Lower-case functions are the public API.

Broadcasting follows NumPy.  A gradient that flows back to a broadcast input is
summed over the broadcast axes (``sum_to``).  Python numbers take the dtype of
the tensor they meet, so float32 stays float32 (NumPy 2's promotion rules).
"""
from ..autograd import Function, Tensor, as_tensor
from ..backend import get_array_module as _xp
from . import fast


def _operands(a, b):
    """Both operands as Tensors; a Python number takes the other's dtype."""
    if not isinstance(a, Tensor):
        a = as_tensor(a, like=b)
    if not isinstance(b, Tensor):
        b = as_tensor(b, like=a)
    return a, b


def check_dtypes(fname, x, *params):
    """One dtype for an input and a layer's parameters (None: absent).  A float64 batch into
    a float32 layer is an error, as in PyTorch, not a silent promotion that doubles the cost."""
    for p in params:
        if p is not None and p.dtype != x.dtype:
            raise TypeError(f"{fname}: the input is {x.dtype} but the parameters are "
                            f"{p.dtype}; convert the input with x.astype('{p.dtype}')")


def _grad_to(g, x):
    """Sum a broadcast gradient back to the shape of input ``x``."""
    return g if g.shape == x.shape else sum_to(g, x.shape)


# ------------------------------------------------------------- arithmetic

class Add(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, gy, needs):
        a, b = self.inputs
        return (_grad_to(gy, a) if needs[0] else None), (_grad_to(gy, b) if needs[1] else None)


class Sub(Function):
    def forward(self, a, b):
        return a - b

    def backward(self, gy, needs):
        a, b = self.inputs
        return (_grad_to(gy, a) if needs[0] else None), (_grad_to(-gy, b) if needs[1] else None)


class Mul(Function):
    def forward(self, a, b):
        return a * b

    def backward(self, gy, needs):
        a, b = self.inputs
        ga = _grad_to(gy * b, a) if needs[0] else None
        gb = _grad_to(gy * a, b) if needs[1] else None
        return ga, gb


class Div(Function):
    def forward(self, a, b):
        return a / b

    def backward(self, gy, needs):
        a, b = self.inputs
        ga = _grad_to(gy / b, a) if needs[0] else None
        # d(a/b)/db = -a / b^2
        gb = _grad_to(-gy * a / (b * b), b) if needs[1] else None
        return ga, gb


class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, gy, needs):
        return -gy


class Pow(Function):
    """x ** c for a constant Python number c."""

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x ** self.c

    def backward(self, gy, needs):
        x, = self.inputs
        c = self.c
        if c == 2:
            return gy * x * 2.0
        return gy * c * x ** (c - 1)


class Exp(Function):
    def forward(self, x):
        return _xp(x).exp(x)

    def backward(self, gy, needs):
        return gy * self.output()


class Log(Function):
    def forward(self, x):
        return _xp(x).log(x)

    def backward(self, gy, needs):
        return gy / self.inputs[0]


class Sqrt(Function):
    def forward(self, x):
        return _xp(x).sqrt(x)

    def backward(self, gy, needs):
        return gy / (self.output() * 2.0)


class Copy(Function):
    def forward(self, x):
        return x.copy()

    def backward(self, gy, needs):
        return gy


class AsType(Function):
    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, gy, needs):
        return astype(gy, self.inputs[0].dtype)


def add(a, b): return Add()(*_operands(a, b))
def sub(a, b): return Sub()(*_operands(a, b))
def mul(a, b): return Mul()(*_operands(a, b))
def div(a, b): return Div()(*_operands(a, b))
def neg(x): return Neg()(x)
def pow(x, c):  # noqa: A001 - the name users expect
    """x ** c for a constant exponent c (a NumPy scalar becomes a Python number,
    so it cannot promote float32 to float64)."""
    return Pow(c.item() if hasattr(c, "item") else c)(x)
def exp(x): return Exp()(x)
def log(x): return Log()(x)
def sqrt(x): return Sqrt()(x)
def copy(x): return Copy()(x)


def astype(x, dtype):
    """``x`` converted to ``dtype``; the gradient is converted back."""
    x = as_tensor(x)
    return x if x.dtype == dtype else AsType(dtype)(x)


# ---------------------------------------------------------------- matmul

class MatMul(Function):
    """a @ b for a: (..., n, k), b: (..., k, m); batch axes broadcast."""

    def forward(self, a, b):
        return fast.matrix_product(a, b) if fast.enabled else a @ b

    def backward(self, gy, needs):
        a, b = self.inputs
        ga = _grad_to(matmul(gy, swapaxes(b)), a) if needs[0] else None
        gb = _grad_to(matmul(swapaxes(a), gy), b) if needs[1] else None
        return ga, gb


def matmul(a, b):
    """Matrix product with NumPy's rules; 1-D operands are treated as row/column vectors."""
    a, b = _operands(a, b)
    if a.ndim == 1 and b.ndim == 1:
        return sum(a * b)
    if a.ndim == 1:
        return reshape(MatMul()(reshape(a, (1, -1)), b), b.shape[:-2] + b.shape[-1:])
    if b.ndim == 1:
        return reshape(MatMul()(a, reshape(b, (-1, 1))), a.shape[:-1])
    return MatMul()(a, b)


def swapaxes(x):
    """Swap the last two axes (the matrix transpose of a batch of matrices)."""
    axes = list(range(x.ndim))
    axes[-2], axes[-1] = axes[-1], axes[-2]
    return transpose(x, tuple(axes))


# ----------------------------------------------------------- reductions

def _normalize_axis(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axis = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(sorted(a % ndim for a in axis)) if ndim else ()


def _keepdims_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return x.sum(axis=_normalize_axis(self.axis, x.ndim), keepdims=self.keepdims)

    def backward(self, gy, needs):
        x, = self.inputs
        if not self.keepdims:
            gy = reshape(gy, _keepdims_shape(x.shape, _normalize_axis(self.axis, x.ndim)))
        return broadcast_to(gy, x.shape)


class Max(Function):
    """Maximum over axes; ties share the gradient equally (as PyTorch's amax)."""

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return x.max(axis=_normalize_axis(self.axis, x.ndim), keepdims=self.keepdims)

    def backward(self, gy, needs):
        x, = self.inputs
        axes = _normalize_axis(self.axis, x.ndim)
        shape = _keepdims_shape(x.shape, axes)
        y = self.output().data.reshape(shape)
        hit = (x.data == y)
        weight = hit / hit.sum(axis=axes, keepdims=True)
        return broadcast_to(reshape(gy, shape), x.shape) * Tensor(weight.astype(x.dtype))


def sum(x, axis=None, keepdims=False):  # noqa: A001
    return Sum(axis, keepdims)(x)


def mean(x, axis=None, keepdims=False):
    x = as_tensor(x)
    axes = _normalize_axis(axis, x.ndim)
    count = 1
    for a in axes:
        count *= x.shape[a]
    return sum(x, axis, keepdims) * (1.0 / count)


def max(x, axis=None, keepdims=False):  # noqa: A001
    return Max(axis, keepdims)(x)


# ----------------------------------------------------------------- shapes

class Reshape(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, gy, needs):
        return reshape(gy, self.inputs[0].shape)


class Transpose(Function):
    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, gy, needs):
        if self.axes is None:
            return transpose(gy)
        inverse = [0] * len(self.axes)
        for i, a in enumerate(self.axes):
            inverse[a] = i
        return transpose(gy, tuple(inverse))


class BroadcastTo(Function):
    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        return _xp(x).broadcast_to(x, self.shape)

    def backward(self, gy, needs):
        return sum_to(gy, self.inputs[0].shape)


class SumTo(Function):
    """Sum over the axes along which ``shape`` was broadcast to the input's shape."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        lead = x.ndim - len(self.shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(self.shape) if n == 1 and x.shape[lead + i] != 1)
        y = x.sum(axis=axes, keepdims=True) if axes else x
        return y.reshape(self.shape)

    def backward(self, gy, needs):
        return broadcast_to(gy, self.inputs[0].shape)


def reshape(x, shape):
    x = as_tensor(x)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return x if x.shape == shape else Reshape(shape)(x)


def transpose(x, axes=None):
    return Transpose(None if axes is None else tuple(axes))(x)


def broadcast_to(x, shape):
    x = as_tensor(x)
    return x if x.shape == tuple(shape) else BroadcastTo(shape)(x)


def sum_to(x, shape):
    x = as_tensor(x)
    return x if x.shape == tuple(shape) else SumTo(shape)(x)


def flatten(x, start_dim=1):
    """Merge axes from ``start_dim`` on: (N, C, H, W) -> (N, C*H*W)."""
    return reshape(x, x.shape[:start_dim] + (-1,))


# --------------------------------------------------------------- indexing

def _is_advanced(index):
    items = index if isinstance(index, tuple) else (index,)
    return any(not isinstance(i, (int, slice, type(None), type(Ellipsis))) for i in items)


def _raw_index(index):
    """Tensors used as indices become their arrays."""
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index.data if isinstance(index, Tensor) else index


class GetItem(Function):
    def __init__(self, index):
        self.index = index

    def forward(self, x):
        return x[self.index]

    def backward(self, gy, needs):
        x, = self.inputs
        return GetItemGrad(self.index, x.shape)(gy)


class GetItemGrad(Function):
    """Scatter ``gy`` back into zeros of the input's shape (the adjoint of getitem).

    Integer-array indices may repeat an element; their contributions are summed
    with ``bincount`` over flat positions (one pass, no per-element Python loop).
    """

    def __init__(self, index, shape):
        self.index, self.shape = index, shape

    def forward(self, gy):
        xp = _xp(gy)
        if not _is_advanced(self.index):
            gx = xp.zeros(self.shape, dtype=gy.dtype)
            gx[self.index] = gy
            return gx
        size = 1
        for n in self.shape:
            size *= n
        positions = xp.arange(size).reshape(self.shape)[self.index]
        gx = xp.bincount(positions.ravel(), weights=gy.ravel(), minlength=size)
        return gx.astype(gy.dtype).reshape(self.shape)

    def backward(self, ggx, needs):
        return getitem(ggx, self.index)


def getitem(x, index):
    """``x[index]`` with basic (ints, slices) and integer-array indexing."""
    return GetItem(_raw_index(index))(x)


class Concat(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        return _xp(*xs).concatenate(xs, axis=self.axis)

    def backward(self, gy, needs):
        grads, start = [], 0
        axis = self.axis % gy.ndim
        for x, wanted in zip(self.inputs, needs):
            size = x.shape[axis]
            index = (slice(None),) * axis + (slice(start, start + size),)
            grads.append(getitem(gy, index) if wanted else None)
            start += size
        return tuple(grads)


def concat(xs, axis=0):
    """Join tensors along an existing axis (``torch.cat``)."""
    xs = [as_tensor(x) for x in xs]
    return Concat(axis)(*xs)


# ---------------------------------------------------------- piecewise ops

class Clip(Function):
    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        return _xp(x).clip(x, self.lo, self.hi)

    def backward(self, gy, needs):
        x = self.inputs[0].data
        inside = _xp(x).ones_like(x, dtype=bool)
        if self.lo is not None:
            inside &= x >= self.lo
        if self.hi is not None:
            inside &= x <= self.hi
        return gy * Tensor(inside.astype(x.dtype))


def clip(x, lo=None, hi=None):
    """Clamp values to [lo, hi]; the gradient is 1 inside, 0 outside."""
    return Clip(lo, hi)(x)


class Where(Function):
    """``cond ? a : b`` for a constant boolean array ``cond``."""

    def __init__(self, cond):
        self.cond = cond

    def forward(self, a, b):
        return _xp(a, b).where(self.cond, a, b)

    def backward(self, gy, needs):
        a, b = self.inputs
        mask = Tensor(self.cond.astype(gy.dtype))
        ga = _grad_to(gy * mask, a) if needs[0] else None
        gb = _grad_to(gy - gy * mask, b) if needs[1] else None
        return ga, gb


def where(cond, a, b):
    a, b = _operands(a, b)
    cond = cond.data if isinstance(cond, Tensor) else cond
    return Where(cond)(a, b)


def maximum(a, b):
    """Elementwise maximum; at ties the gradient goes to ``a``."""
    a, b = _operands(a, b)
    return where(a.data >= b.data, a, b)


def minimum(a, b):
    """Elementwise minimum; at ties the gradient goes to ``a``."""
    a, b = _operands(a, b)
    return where(a.data <= b.data, a, b)


# ------------------------------------------------- Tensor's operators and methods

def install_operators(tensor_class):
    """Make ``+ - * / ** @ []``, ``.T``, ``.sum()``... of Tensor call this module's functions.

    Done once, when minigan.functional is imported (as DeZero's setup_variable), so that
    autograd, which defines Tensor, never imports functional: the arrows point one way.
    """
    def flat(shape):    # x.reshape(2, 3) and x.reshape((2, 3)) mean the same
        return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) \
            else shape
    methods = dict(
        __add__=add, __radd__=lambda x, o: add(o, x), __sub__=sub,
        __rsub__=lambda x, o: sub(o, x), __mul__=mul, __rmul__=lambda x, o: mul(o, x),
        __truediv__=div, __rtruediv__=lambda x, o: div(o, x), __neg__=neg, __pow__=pow,
        __matmul__=matmul, __rmatmul__=lambda x, o: matmul(o, x), __getitem__=getitem,
        T=property(transpose), astype=astype, clone=copy, exp=exp, log=log, sqrt=sqrt,
        reshape=lambda x, *shape: reshape(x, flat(shape)),
        transpose=lambda x, *axes: transpose(x, flat(axes) or None),
        sum=lambda x, axis=None, keepdims=False: sum(x, axis, keepdims),
        mean=lambda x, axis=None, keepdims=False: mean(x, axis, keepdims),
        max=lambda x, axis=None, keepdims=False: max(x, axis, keepdims))
    for name, method in methods.items():
        setattr(tensor_class, name, method)


install_operators(Tensor)
