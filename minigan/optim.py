"""Optimisers: SGD (with momentum), Adam and RMSProp, as ``torch.optim``.

An optimiser holds a list of parameters, a learning rate ``lr`` that you may
change at any time (``opt.lr = 1e-4``), and per-parameter state (step counts,
moment estimates).  ``step()`` updates every parameter that has a gradient,
in place on its array: the update works on raw arrays, so no graph is
recorded (the equivalent of PyTorch's ``no_grad``), and the parameters keep
their identity and dtype (float32 stays float32: every constant is a Python
number).  Each update allocates at most one temporary per parameter (two with
weight decay); the rest is done with in-place operations and ``out=``.

``state_dict()`` is a host snapshot (Python numbers and NumPy arrays, ready
for ``minigan.save``); ``load_state_dict`` restores hyperparameters and state,
so that training continues bit for bit as if it had never stopped.

WGAN (Arjovsky et al. 2017, Algorithm 1) clips the critic's weights to
[-c, c] after each step: ``clip_parameters(critic.parameters(), 0.01)``.
"""
import math
import numbers

from . import backend
from .autograd import Tensor


class OptimizerStateError(ValueError):
    """``load_state_dict`` got a state that does not fit this optimiser (one-line message)."""


class Optimizer:
    """Base class: the parameter list, ``lr``, per-parameter state, step/zero_grad/state_dict.

    Subclasses list their settings in ``hyperparameters`` (saved and restored)
    and write ``_update(p, g, state)``: change the array ``p`` in place, given
    the gradient array ``g`` (never modified) and the parameter's state dict.
    """
    hyperparameters = ("lr",)

    def __init__(self, params, lr):
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of "
                            "Parameters, e.g. model.parameters(), not a single Tensor")
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError(f"{type(self).__name__}: a parameter appears more than once")
        if not isinstance(lr, numbers.Real) or not math.isfinite(lr) or lr < 0:
            raise ValueError(f"{type(self).__name__}: the learning rate must be a finite "
                             f"number >= 0, got lr={lr!r}")
        self.lr = lr
        self.state = [{} for _ in self.params]

    def zero_grad(self):
        """Forget the gradients (set to None; the next backward starts afresh)."""
        for p in self.params:
            p.grad = None

    def step(self):
        """Update every parameter that has a gradient; skip those whose grad is None."""
        for i, (p, state) in enumerate(zip(self.params, self.state)):
            if p.grad is None:
                continue
            g = p.grad.data
            if g.shape != p.shape:
                raise ValueError(f"{type(self).__name__}: parameter {i} has shape {p.shape} "
                                 f"but its gradient has shape {g.shape}")
            self._update(p.data, g, state)

    def _update(self, p, g, state):
        raise NotImplementedError

    # -------------------------------------------------------------- state

    def state_dict(self):
        """{"type", the hyperparameters, "state": {"i": {name: number or NumPy array}}}."""
        result = {"type": type(self).__name__}
        for name in self.hyperparameters:
            result[name] = getattr(self, name)
        result["state"] = {
            str(i): {k: (v if k == "step" else backend.host_copy(v)) for k, v in s.items()}
            for i, s in enumerate(self.state) if s}
        return result

    def load_state_dict(self, state_dict):
        """Restore hyperparameters (lr included, as PyTorch does) and per-parameter state.

        Arrays are copied to the active backend in the parameters' dtype.
        """
        name = type(self).__name__
        if state_dict.get("type") != name:
            raise OptimizerStateError(f"load_state_dict: the state is for "
                                      f"{state_dict.get('type')!r}, this optimiser is {name}")
        missing = [h for h in self.hyperparameters if h not in state_dict]
        if missing:
            raise OptimizerStateError(f"load_state_dict into {name}: missing {missing}")
        state = {int(i): s for i, s in state_dict.get("state", {}).items()}
        for i, s in state.items():
            if not 0 <= i < len(self.params):
                raise OptimizerStateError(f"load_state_dict into {name}: state for parameter "
                                          f"{i}, but the optimiser has {len(self.params)}")
            for k, v in s.items():
                if k != "step" and tuple(getattr(v, "shape", ())) != self.params[i].shape:
                    raise OptimizerStateError(
                        f"load_state_dict into {name}: {k!r} of parameter {i} has shape "
                        f"{tuple(v.shape)}, the parameter has {self.params[i].shape}")
        for h in self.hyperparameters:
            value = state_dict[h]
            setattr(self, h, tuple(value) if isinstance(value, list) else value)
        self.state = [{} for _ in self.params]
        for i, s in state.items():
            dtype = self.params[i].dtype
            self.state[i] = {k: (int(v) if k == "step" else
                                 backend.asarray(v, dtype=dtype).copy()) for k, v in s.items()}


def _with_weight_decay(p, g, weight_decay):
    """g + weight_decay * p, the gradient of loss + weight_decay/2 |p|^2 (L2), as a new array."""
    d = p * weight_decay
    d += g
    return d


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, PyTorch's form:
        g   <- g + weight_decay * p
        buf <- momentum * buf + (1 - dampening) * g     (buf = g on the first step)
        d   <- g + momentum * buf  (nesterov)  or  buf
        p   <- p - lr * d
    (Sutskever et al. 2013 write the velocity with lr inside; both agree for a fixed lr.)
    """
    hyperparameters = ("lr", "momentum", "dampening", "nesterov", "weight_decay")

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, nesterov=False,
                 weight_decay=0.0):
        super().__init__(params, lr)
        if momentum < 0 or weight_decay < 0:
            raise ValueError(f"SGD: momentum ({momentum}) and weight_decay ({weight_decay}) "
                             "must be >= 0")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov momentum needs momentum > 0 and dampening = 0")
        self.momentum, self.dampening = momentum, dampening
        self.nesterov, self.weight_decay = nesterov, weight_decay

    def _update(self, p, g, state):
        if self.weight_decay:
            g = _with_weight_decay(p, g, self.weight_decay)
        d = g
        if self.momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= self.momentum
                buf += g if not self.dampening else (1 - self.dampening) * g
            if self.nesterov:
                d = buf * self.momentum
                d += g
            else:
                d = buf
        p -= self.lr * d


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015, Algorithm 1), PyTorch's form with L2 weight decay:
        g <- g + weight_decay * p
        m <- beta1 m + (1 - beta1) g              v <- beta2 v + (1 - beta2) g^2
        p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    eps is outside the square root; t counts this parameter's updates.
    DCGAN uses lr=2e-4, betas=(0.5, 0.999).
    """
    hyperparameters = ("lr", "betas", "eps", "weight_decay")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        if not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ValueError(f"Adam: betas must be in [0, 1), got {betas}")
        if eps < 0 or weight_decay < 0:
            raise ValueError(f"Adam: eps ({eps}) and weight_decay ({weight_decay}) must be >= 0")
        self.betas, self.eps, self.weight_decay = tuple(betas), eps, weight_decay

    def _update(self, p, g, state):
        xp = backend.get_array_module(p)
        if self.weight_decay:
            g = _with_weight_decay(p, g, self.weight_decay)
        if not state:
            state.update(step=0, exp_avg=xp.zeros_like(p), exp_avg_sq=xp.zeros_like(p))
        beta1, beta2 = self.betas
        state["step"] += 1
        t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]

        tmp = g * (1 - beta1)           # the one temporary, reused below
        m *= beta1
        m += tmp
        xp.multiply(g, g, out=tmp)
        tmp *= 1 - beta2
        v *= beta2
        v += tmp

        # tmp <- sqrt(v_hat) + eps, with v_hat = v / (1 - beta2^t)
        xp.sqrt(v, out=tmp)
        tmp /= math.sqrt(1 - beta2 ** t)
        tmp += self.eps
        # p <- p - lr * m_hat / tmp, with m_hat = m / (1 - beta1^t)
        xp.divide(m, tmp, out=tmp)
        tmp *= self.lr / (1 - beta1 ** t)
        p -= tmp


class RMSProp(Optimizer):
    """RMSProp (Tieleman & Hinton 2012), PyTorch's form (eps outside the square root):
        v <- alpha v + (1 - alpha) g^2
        p <- p - lr g / (sqrt(v) + eps)
    WGAN uses lr=5e-5 with weight clipping.
    """
    hyperparameters = ("lr", "alpha", "eps", "weight_decay")

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        if not 0 <= alpha <= 1 or eps < 0 or weight_decay < 0:
            raise ValueError(f"RMSProp: need 0 <= alpha <= 1, eps >= 0, weight_decay >= 0; "
                             f"got alpha={alpha}, eps={eps}, weight_decay={weight_decay}")
        self.alpha, self.eps, self.weight_decay = alpha, eps, weight_decay

    def _update(self, p, g, state):
        xp = backend.get_array_module(p)
        if self.weight_decay:
            g = _with_weight_decay(p, g, self.weight_decay)
        if not state:
            state.update(step=0, square_avg=xp.zeros_like(p))
        state["step"] += 1
        v = state["square_avg"]

        tmp = g * g                     # the one temporary, reused below
        tmp *= 1 - self.alpha
        v *= self.alpha
        v += tmp
        xp.sqrt(v, out=tmp)
        tmp += self.eps
        xp.divide(g, tmp, out=tmp)
        tmp *= self.lr
        p -= tmp


RMSprop = RMSProp   # PyTorch's spelling


def clip_parameters(params, c):
    """Clamp every parameter in place to [-c, c] (WGAN's weight clipping)."""
    if c <= 0:
        raise ValueError(f"clip_parameters: c must be > 0, got {c}")
    for p in params:
        xp = backend.get_array_module(p.data)
        xp.clip(p.data, -c, c, out=p.data)
