"""A strict stand-in for CuPy, so the engine's device discipline is tested without a GPU.

It behaves as CuPy does where it matters for correctness:
  * arrays are of their own type, ``DeviceArray``, not ``numpy.ndarray``;
  * an operation that mixes a DeviceArray with a NumPy array raises TypeError
    (CuPy: "Unsupported type <class 'numpy.ndarray'>");
  * implicit conversion to NumPy (``numpy.asarray(d)``, ``__array__``) raises
    TypeError; the explicit ways are ``d.get()`` and ``strict.asnumpy(d)``;
  * ``strict.asarray(host_array)`` is the explicit host-to-device transfer;
  * reductions return 0-d device arrays, not NumPy scalars.
The arithmetic itself is NumPy's, on the wrapped arrays.
"""
import types

import numpy as np

_IMPLICIT = ("Implicit conversion to a NumPy array is not allowed. "
             "Please use `.get()` to construct a NumPy array explicitly.")


def _unwrap(obj):
    """The NumPy value inside ``obj``; refuse host arrays as CuPy does."""
    if isinstance(obj, DeviceArray):
        return obj._a
    if isinstance(obj, np.ndarray):
        raise TypeError(f"Unsupported type {np.ndarray}: a host (NumPy) array was mixed "
                        "into device work; transfer it with backend.asarray first")
    if isinstance(obj, (list, tuple)):
        return type(obj)(_unwrap(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _unwrap(v) for k, v in obj.items()}
    return obj


def _wrap(obj):
    """Results of NumPy become device arrays again (scalars become 0-d arrays)."""
    if isinstance(obj, np.ndarray):
        return DeviceArray(obj)
    if isinstance(obj, np.generic) and not isinstance(obj, (np.str_, np.bytes_)):
        return DeviceArray(np.asarray(obj))
    if isinstance(obj, tuple):
        return tuple(_wrap(o) for o in obj)
    if isinstance(obj, list):
        return [_wrap(o) for o in obj]
    return obj


def _device_function(fn):
    def call(*args, **kwargs):
        return _wrap(fn(*_unwrap(args), **_unwrap(kwargs)))
    call.__name__ = getattr(fn, "__name__", "call")
    return call


class DeviceArray:
    """An array that lives 'on the device': it refuses to meet host arrays."""
    __array_priority__ = 100

    def __init__(self, a):
        self._a = a

    # explicit transfers only
    def __array__(self, dtype=None, copy=None):
        raise TypeError(_IMPLICIT)

    def get(self):
        return self._a.copy()

    # NumPy functions called on device arrays work (as with CuPy), unless mixed
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if "out" in kwargs:
            kwargs["out"] = tuple(_unwrap(list(kwargs["out"])))
        return _wrap(getattr(ufunc, method)(*_unwrap(inputs), **_unwrap(kwargs)))

    def __array_function__(self, func, types, args, kwargs):
        return _wrap(func(*_unwrap(args), **_unwrap(kwargs)))

    # attributes and methods of the wrapped array, with results wrapped
    def __getattr__(self, name):
        if name.startswith("__"):
            # never forward __array_interface__ and friends: that would be an
            # implicit conversion to NumPy by the back door
            raise AttributeError(name)
        attr = getattr(self._a, name)
        return _device_function(attr) if callable(attr) else _wrap(attr)

    @property
    def T(self):
        return DeviceArray(self._a.T)

    def __getitem__(self, index):
        return _wrap(self._a[_unwrap(index)])

    def __setitem__(self, index, value):
        self._a[_unwrap(index)] = _unwrap(value)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (DeviceArray(np.asarray(a)) for a in self._a)

    def __repr__(self):
        return "device" + repr(self._a)[len("array"):]

    def __float__(self):
        return float(self._a)

    def __int__(self):
        return int(self._a)

    def __index__(self):
        return self._a.__index__()

    def __bool__(self):
        return bool(self._a)

    def __hash__(self):
        return id(self)


def _operator(name):
    def op(self, *args):
        result = getattr(self._a, name)(*_unwrap(args))
        return self if result is self._a else _wrap(result)
    op.__name__ = name
    return op


for _name in ("add sub mul truediv floordiv mod pow matmul and or xor lshift rshift "
              "radd rsub rmul rtruediv rfloordiv rmod rpow rmatmul rand ror rxor "
              "iadd isub imul itruediv ipow iand ior "
              "lt le gt ge eq ne neg pos abs invert").split():
    setattr(DeviceArray, f"__{_name}__", _operator(f"__{_name}__"))


class _Generator:
    """``strict.random.default_rng(seed)``: NumPy's generator, device results."""

    def __init__(self, seed=None):
        self._g = np.random.default_rng(seed)

    def __getattr__(self, name):
        attr = getattr(self._g, name)
        return _device_function(attr) if callable(attr) else attr


def _transfer_in(a, dtype=None, **kwargs):
    if isinstance(a, DeviceArray):
        a = a._a
    return DeviceArray(np.array(a, dtype=dtype, **kwargs) if kwargs.get("copy") else
                       np.asarray(a, dtype=dtype))


def _asnumpy(a):
    return a.get() if isinstance(a, DeviceArray) else np.asarray(a)


def _as_strided(a, shape=None, strides=None):
    return DeviceArray(np.lib.stride_tricks.as_strided(_unwrap(a), shape=shape,
                                                        strides=strides))


class _StrictModule(types.ModuleType):
    """The ``xp`` module: NumPy's namespace, refusing host arrays."""

    def __getattr__(self, name):
        obj = getattr(np, name)
        if isinstance(obj, type) or not callable(obj):
            return obj                  # dtypes, constants (pi, newaxis, ...)
        return _device_function(obj)


strict = _StrictModule("strict")
strict.ndarray = DeviceArray
strict.asarray = _transfer_in
strict.array = _transfer_in
strict.asnumpy = _asnumpy
strict.random = types.SimpleNamespace(default_rng=_Generator)
strict.lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(as_strided=_as_strided))
