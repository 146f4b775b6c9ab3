"""Which array library does the work: NumPy on the CPU or CuPy on a GPU.

Every piece of the engine asks this module for its array module instead of
importing NumPy, so one line, ``minigan.backend.use("cupy")``, moves all the
work to a GPU.  Arrays cross between host (NumPy) and device only here, at the
edges: ``asarray`` sends data to the active backend, ``to_numpy`` brings it back.

    import minigan as mg
    mg.backend.use("numpy")     # the default
    mg.backend.xp               # the active array module (numpy or cupy)
"""
import numpy

# The active array module.  Read it as ``backend.xp`` at call time (never
# ``from minigan.backend import xp``), so that ``use`` takes effect everywhere.
xp = numpy
name = "numpy"

# Array modules that tests may register (a strict CuPy stand-in, see tests/).
_registered = {}

_CUPY_EXTRA = ("CuPy is not installed: install the prebuilt wheel for your CUDA with "
               "pip install 'minigan[cuda12]' (or [cuda13]), or use --backend numpy")


class BackendError(RuntimeError):
    """Raised when the requested backend cannot be used on this machine."""


def use(backend_name):
    """Make ``backend_name`` ("numpy" or "cupy") the active array module."""
    global xp, name
    if backend_name == "numpy":
        xp = numpy
    elif backend_name == "cupy":
        xp = _load_cupy()
    elif backend_name in _registered:
        xp = _registered[backend_name]
    else:
        valid = ", ".join(["numpy", "cupy", *_registered])
        raise ValueError(f"unknown backend {backend_name!r}; choose one of: {valid}")
    name = backend_name
    manual_seed(_seed)          # a fresh generator of the new backend, same seed
    return xp


def _load_cupy():
    """Import CuPy and check that a GPU answers, with errors that say what to do."""
    try:
        import cupy
    except ImportError as e:
        raise BackendError(_CUPY_EXTRA) from e
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise BackendError("CuPy found no GPU on this machine; use --backend numpy")
        cupy.zeros(1).sum().item()     # a real round trip: driver and kernels work
    except BackendError:
        raise
    except Exception as e:  # CUDA raises its own error types; all mean "no usable GPU"
        raise BackendError(f"CuPy cannot use a GPU here ({type(e).__name__}: {e}); "
                           "use --backend numpy") from e
    return cupy


def register(backend_name, module):
    """Register an extra array module under a name (used by the test stand-in)."""
    _registered[backend_name] = module


def get_array_module(*arrays):
    """The array module that owns ``arrays``: the active one unless they are NumPy.

    Like ``cupy.get_array_module``: engine code that holds arrays asks them,
    so it never mixes a host array into device work by accident.
    """
    for a in arrays:
        if isinstance(a, numpy.ndarray):
            return numpy
        if a is not None and not isinstance(a, (int, float, bool)):
            return xp
    return xp


def asarray(a, dtype=None):
    """Send ``a`` (array-like, NumPy array or a device array) to the active backend."""
    if xp is numpy:
        return numpy.asarray(to_numpy(a), dtype=dtype)
    return xp.asarray(a, dtype=dtype)


def to_numpy(a):
    """Bring ``a`` back to the host as a NumPy array (a no-op for NumPy arrays)."""
    if isinstance(a, numpy.ndarray):
        return a
    if hasattr(a, "get") and not isinstance(a, dict):   # CuPy arrays (and the stand-in)
        return a.get()
    return numpy.asarray(a)


def host_copy(a):
    """A NumPy copy of a backend array, never a view of the live array (state dicts)."""
    host = to_numpy(a)
    return host.copy() if host is a else host


def as_strided(a, shape, strides):
    """A strided view of ``a`` (no copy), in whichever library owns ``a``."""
    mod = get_array_module(a)
    return mod.lib.stride_tricks.as_strided(a, shape=shape, strides=strides)


def default_rng(seed=None):
    """A new random generator of the active backend (``xp.random.default_rng``)."""
    return xp.random.default_rng(seed)


def generator_state(generator):
    """What a checkpoint keeps of a generator of the active backend: NumPy's
    ``bit_generator.state`` (a dict), or None on CuPy, whose generators hold their
    state on the device and give no way to set it back.  So a run resumed on CuPy
    restores weights, optimisers and batch order exactly, but its device draws (noise,
    dropout masks) start again from the run's seed: it is not bit-identical to a run
    that was never stopped."""
    return None if name == "cupy" else generator.bit_generator.state


def set_generator_state(generator, state):
    """Put back what ``generator_state`` returned (None, or on CuPy: nothing to do)."""
    if state is not None and name != "cupy":
        generator.bit_generator.state = state


# The generator that layer initialisation and ``mg.randn`` draw from, as
# PyTorch's global generator; ``manual_seed`` makes runs repeat.
_seed = 0
_rng = None


def host_rng(seed=None):
    """A NumPy random generator on the host, whatever the backend: for bookkeeping
    draws (batch order, history-pool coin flips) whose state a checkpoint holds as is."""
    return numpy.random.default_rng(seed)


def manual_seed(seed):
    """Reseed the global generator of the active backend."""
    global _seed, _rng
    _seed = seed
    _rng = default_rng(seed)


def rng():
    """The global random generator of the active backend."""
    if _rng is None:
        manual_seed(_seed)
    return _rng


def synchronize():
    """Wait for the device to finish (for timing); nothing to wait for on NumPy."""
    if name == "cupy":
        xp.cuda.Device().synchronize()
