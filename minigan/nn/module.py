"""Module: the base class of every layer and model, as ``torch.nn.Module``.

A Module finds its parts by watching attribute assignment: a ``Parameter``
becomes a parameter, a ``Module`` a child, and a name declared with
``register_buffer`` a buffer (state that is saved but not trained, such as
batch norm's running statistics).  Everything that walks the tree
(``parameters()``, ``state_dict()``, ``train()``, ``repr``) visits the parts
in the order they were assigned, so the order is deterministic and the
state_dict keys are PyTorch's: ``0.weight`` inside a Sequential, ``fc.bias``
for an attribute ``fc``, ``3.running_mean`` for a batch norm's buffer.

Buffers are raw arrays of the active backend, not Tensors: they never take
part in a gradient, and ``F.batch_norm`` updates them in place.

``state_dict()`` is a snapshot on the host (NumPy copies), ready for
``minigan.save``; ``load_state_dict`` checks every key and shape first, then
copies the values into the existing arrays (moving host arrays to the active
backend), so a half-loaded model never exists and optimisers keep their
references.
"""
from collections import namedtuple

from .. import backend
from ..autograd import Tensor, raw
from .parameter import Parameter


class StateDictError(ValueError):
    """``load_state_dict`` found missing, unexpected or mis-shaped entries.

    The message is one line that names every offending key.  (PyTorch raises
    RuntimeError here; a ValueError follows this project's rule that bad input
    data is a bad value, as for data files and checkpoints.)
    """


class ShapeError(ValueError):
    """A layer received an input of the wrong shape.

    The message names the layer, the expected and the received shape, e.g.
    ``Linear(784 -> 256): expected input (N, 784), got (64, 100)``; containers
    add where the layer sits (``layer 3 Linear(...)``, ``layer 1.3`` when nested).
    """

    def __init__(self, layer, expected, got):
        self.layer, self.expected, self.got, self.path = layer, expected, tuple(got), []
        super().__init__(self._message())

    def _message(self):
        where = f"layer {'.'.join(self.path)} " if self.path else ""
        return f"{where}{self.layer}: expected input {self.expected}, got {self.got}"

    def at(self, name):
        """Record that the error passed through the child ``name`` of a container."""
        self.path.insert(0, name)
        self.args = (self._message(),)
        return self


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def _join(prefix, name):
    return f"{prefix}.{name}" if prefix else name


def _short_list(keys, limit=6):
    """At most ``limit`` keys, then how many more: keeps the error on one readable line."""
    shown = ", ".join(repr(k) for k in keys[:limit])
    more = f", ... (+{len(keys) - limit} more)" if len(keys) > limit else ""
    return f"[{shown}{more}]"


class Module:
    """Base class of layers and models: subclass it, assign parts in ``__init__``,
    write ``forward``, and call the module like a function."""

    def __init__(self):
        # object.__setattr__: our own __setattr__ needs these dicts to exist already
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------ registration

    def __setattr__(self, name, value):
        ready = "_parameters" in self.__dict__      # has Module.__init__ run?
        if not ready and isinstance(value, (Parameter, Module)):
            raise AttributeError(f"{type(self).__name__}: call super().__init__() "
                                 f"before assigning {name!r}")
        if isinstance(value, Parameter):
            self._forget(name)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._forget(name)
            self._modules[name] = value
        elif ready and name in self._parameters:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} to parameter "
                                f"{name!r}: wrap it in Parameter(...) or assign None")
            self._parameters[name] = None
        elif ready and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} to submodule "
                                f"{name!r}: assign a Module or None")
            self._modules[name] = None
        elif ready and name in self._buffers:
            self._buffers[name] = value.data if isinstance(value, Tensor) else value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # only called when normal lookup fails: the registered parts live in the dicts
        for kind in ("_parameters", "_buffers", "_modules"):
            parts = self.__dict__.get(kind, {})
            if name in parts:
                return parts[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name):
        if not self._forget(name):
            object.__delattr__(self, name)

    def _forget(self, name):
        """Remove ``name`` from every registry and the instance dict; True if found."""
        found = False
        for kind in ("_parameters", "_buffers", "_modules"):
            registry = self.__dict__[kind]
            if name in registry:
                del registry[name]
                found = True
        if name in self.__dict__:
            del self.__dict__[name]
            found = True
        return found

    def register_parameter(self, name, param):
        """Declare a parameter (a Parameter, or None for an absent one such as bias=False)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter({name!r}): expected a Parameter or None, "
                            f"got {type(param).__name__}")
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name, array):
        """Declare a buffer: a raw backend array saved in state_dict, never trained."""
        self._forget(name)
        self._buffers[name] = array.data if isinstance(array, Tensor) else array

    def add_module(self, name, module):
        """Declare a child under ``name`` (Sequential uses "0", "1", ...)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module({name!r}): expected a Module, got {type(module).__name__}")
        self._forget(name)
        self._modules[name] = module

    # ------------------------------------------------------------- the tree

    def named_children(self):
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def named_modules(self, prefix="", _seen=None):
        """(name, module) for this module and all descendants: depth first, registration order.

        A module reachable twice is visited once, as in PyTorch.
        """
        seen = set() if _seen is None else _seen
        if id(self) in seen:
            return
        seen.add(id(self))
        yield prefix, self
        for name, m in self.named_children():
            yield from m.named_modules(_join(prefix, name), seen)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_parameters(self, prefix=""):
        """(key, Parameter) in state_dict order: each module's own, then its children's.

        A parameter shared by two modules is listed once (under its first name).
        """
        seen = set()
        for module_prefix, m in self.named_modules(prefix):
            for name, p in m._parameters.items():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    yield _join(module_prefix, name), p

    def parameters(self):
        for _, p in self.named_parameters():
            yield p

    def named_buffers(self, prefix=""):
        for module_prefix, m in self.named_modules(prefix):
            for name, b in m._buffers.items():
                if b is not None:
                    yield _join(module_prefix, name), b

    def buffers(self):
        for _, b in self.named_buffers():
            yield b

    def apply(self, fn):
        """Call ``fn(m)`` on every descendant, then on self (the DCGAN ``weights_init`` idiom)."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------ modes and grads

    def train(self, mode=True):
        """Training mode (batch norm uses batch statistics) for this module and all below."""
        for m in self.modules():
            m.training = mode
        return self

    def eval(self):
        """Evaluation mode (batch norm uses running statistics)."""
        return self.train(False)

    def zero_grad(self):
        """Forget the gradients (set them to None, as PyTorch does by default)."""
        for p in self.parameters():
            p.grad = None

    def requires_grad_(self, flag=True):
        """Switch gradient recording for all parameters (freeze D while training G)."""
        for p in self.parameters():
            p.requires_grad = flag
        return self

    def astype(self, dtype):
        """Convert the parameters and floating buffers to ``dtype`` in place (for
        float64 gradient checks; like PyTorch's ``module.double()``).  Returns self."""
        for p in self.parameters():
            p.data = p.data.astype(dtype)
            p.grad = None
        for m in self.modules():
            for name, b in m._buffers.items():
                if b is not None and b.dtype.kind == "f":
                    m._buffers[name] = b.astype(dtype)
        return self

    # ------------------------------------------------------------ state

    def _state_entries(self, prefix=""):
        """{key: (owner registry, name)} in state_dict order: own parameters, own
        buffers, then each child's (PyTorch's order and key names)."""
        entries = {}
        for name, p in self._parameters.items():
            if p is not None:
                entries[_join(prefix, name)] = (self._parameters, name)
        for name, b in self._buffers.items():
            if b is not None:
                entries[_join(prefix, name)] = (self._buffers, name)
        for name, m in self.named_children():
            entries.update(m._state_entries(_join(prefix, name)))
        return entries

    def state_dict(self):
        """{key: NumPy array}: a host snapshot of every parameter and buffer."""
        result = {}
        for key, (registry, name) in self._state_entries().items():
            value = registry[name]
            result[key] = backend.host_copy(raw(value))
        return result

    def load_state_dict(self, state_dict, strict=True):
        """Copy ``state_dict`` (host NumPy or backend arrays, or Tensors) into this module.

        Checks first, copies after: with ``strict`` a missing or unexpected key is an
        error; a shape mismatch always is.  Values are cast to the existing dtype.
        Returns (missing_keys, unexpected_keys).
        """
        entries = self._state_entries()
        missing = [k for k in entries if k not in state_dict]
        unexpected = [k for k in state_dict if k not in entries]
        problems = []
        if strict and missing:
            problems.append(f"missing keys {_short_list(missing)}")
        if strict and unexpected:
            problems.append(f"unexpected keys {_short_list(unexpected)}")
        for key, (registry, name) in entries.items():
            if key in state_dict:
                want = tuple(raw(registry[name]).shape)
                got = tuple(getattr(raw(state_dict[key]), "shape", ()))
                if want != got:
                    problems.append(f"shape mismatch for {key!r}: expected {want}, got {got}")
        if problems:
            raise StateDictError(f"load_state_dict into {type(self).__name__}: "
                                 + "; ".join(problems))
        for key, (registry, name) in entries.items():
            if key in state_dict:
                # in place: optimisers and views keep pointing at the same arrays
                raw(registry[name])[...] = backend.asarray(raw(state_dict[key]))
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------ printing

    def extra_repr(self):
        """The settings shown between the parentheses, e.g. ``in_features=784, ...``."""
        return ""

    def __repr__(self):
        lines = [self.extra_repr()] if self.extra_repr() and self._modules else []
        for name, m in self._modules.items():
            lines.append(f"({name}): " + repr(m).replace("\n", "\n  "))
        if not lines:
            return f"{type(self).__name__}({self.extra_repr()})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"

