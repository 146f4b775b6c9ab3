"""Save and load state dicts as ``.npz`` files on the host: ``minigan.save`` / ``minigan.load``.

A checkpoint is a nested dict, for example
    {"generator": G.state_dict(), "optimizer_g": opt_g.state_dict(), "epoch": 7}
Arrays (NumPy, backend arrays or Tensors) are stored as NumPy arrays in the
``.npz`` under their '/'-joined path ("generator/0.weight",
"optimizer_g/state/0/exp_avg"), so ``numpy.load`` alone can read them.
Everything else (numbers, strings, booleans, None, lists of them) and the shape
of the tree itself (key order, empty dicts) goes into one JSON entry,
``__minigan__.json``.  NumPy scalars (``numpy.float32(1)``) are kept as 0-d
arrays, so their dtype survives.

``load`` returns host NumPy arrays whatever the backend; ``load_state_dict``
moves them to the device.  A plain ``.npz`` without the JSON entry (e.g. a
PyTorch state dict saved with ``numpy.savez``) loads as its flat {key: array}.

Writes are atomic: the data goes to a temporary file in the same directory,
which then replaces the target with ``os.replace``, so a crash mid-write never
leaves a half-written checkpoint under the real name.
"""
import json
import os
import tempfile
import zipfile

import numpy

from . import backend
from .autograd import Tensor

_META = "__minigan__.json"
_FORMAT = {"format": "minigan", "version": 1}


class CheckpointError(ValueError):
    """A checkpoint file cannot be read or a value cannot be saved (one-line message)."""


def _flatten(tree, path, arrays):
    """The JSON skeleton of ``tree``; arrays are moved to ``arrays`` under their path."""
    if isinstance(tree, dict):
        out = {}
        for key, value in tree.items():
            if not isinstance(key, (str, int)) or "/" in str(key):
                raise CheckpointError(f"cannot save key {key!r} at {path or '/'}: keys must be "
                                      "strings (or ints) without '/'")
            out[str(key)] = _flatten(value, f"{path}/{key}" if path else str(key), arrays)
        return {"dict": out}
    if isinstance(tree, Tensor):
        tree = tree.data
    if isinstance(tree, numpy.generic):     # a NumPy scalar keeps its dtype as a 0-d array
        tree = numpy.asarray(tree)
    if isinstance(tree, (bool, int, float, str)) or tree is None:
        return {"value": tree}
    if isinstance(tree, (list, tuple)) and _is_json(tree):
        return {"value": list(tree)}
    if hasattr(tree, "shape") and hasattr(tree, "dtype"):
        arrays[path] = backend.to_numpy(tree)
        return {"array": path}
    raise CheckpointError(f"cannot save {type(tree).__name__} at {path!r}: only dicts, arrays, "
                          "numbers, strings, None and lists of them")


def _is_json(value):
    if isinstance(value, (list, tuple)):
        return all(_is_json(v) for v in value)
    return isinstance(value, (bool, int, float, str)) or value is None


def save(state, path):
    """Write the nested dict ``state`` to ``path`` (an .npz file), atomically."""
    if not isinstance(state, dict):
        raise CheckpointError(f"save: expected a dict (a state_dict), got {type(state).__name__}")
    arrays = {}
    skeleton = _flatten(state, "", arrays)
    meta = json.dumps({**_FORMAT, "tree": skeleton}).encode("utf-8")
    arrays[_META] = numpy.frombuffer(meta, dtype=numpy.uint8)

    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".npz")
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)       # mkstemp makes it private; give the usual mode
    try:
        with os.fdopen(fd, "wb") as f:
            numpy.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())       # the bytes are on disk before the name points at them
        os.replace(tmp, path)
    except BaseException as error:
        os.unlink(tmp)                 # a full disk or an interrupt leaves nothing behind
        if isinstance(error, OSError) and not error.filename:
            raise OSError(error.errno, error.strerror, path) from error   # name the file
        raise


def _rebuild(node, arrays):
    if "dict" in node:
        return {k: _rebuild(v, arrays) for k, v in node["dict"].items()}
    if "array" in node:
        return arrays[node["array"]]
    return node["value"]


def _unflatten(arrays):
    """A plain .npz: nest the '/'-joined keys again."""
    root = {}
    for key, value in arrays.items():
        *parents, leaf = key.split("/")
        node = root
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return root


def load(path):
    """Read a checkpoint written by ``save``: the nested dict, with host NumPy arrays."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"no checkpoint file at {path}")
    try:
        npz = numpy.load(path, allow_pickle=False)
        if not hasattr(npz, "files"):
            raise ValueError("a single .npy array, not an .npz archive")
        with npz:
            # read every entry now: a damaged member only shows when it is read
            arrays = {key: npz[key] for key in npz.files}
        if _META not in arrays:
            return _unflatten(arrays)
        meta = json.loads(arrays.pop(_META).tobytes().decode("utf-8"))
        if meta.get("format") != "minigan":
            raise ValueError("unknown format")
        return _rebuild(meta["tree"], arrays)
    except (OSError, ValueError, EOFError, KeyError, TypeError, zipfile.BadZipFile,
            UnicodeDecodeError) as e:
        raise CheckpointError(f"{path}: not a readable minigan checkpoint, the file is "
                              f"truncated or corrupt ({type(e).__name__}: "
                              f"{str(e).splitlines()[0] if str(e) else 'no detail'})") from e
