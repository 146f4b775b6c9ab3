"""Optimisers against their update rules written out by hand in NumPy, exact
resumption through state_dict, float32 preservation, and weight clipping.

Every test runs on NumPy and on the strict device stand-in.
"""
import math

import numpy as np
import pytest

import minigan as mg
from minigan import nn, optim

pytestmark = pytest.mark.both_backends

SHAPES = [(3, 4), (5,), (2, 1, 3)]
STEPS = 5


def host(a):
    return mg.backend.to_numpy(a.data if isinstance(a, mg.Tensor) else a)


def make_params(dtype="float64", seed=0):
    rng = np.random.default_rng(seed)
    return [nn.Parameter(mg.backend.asarray(rng.standard_normal(s).astype(dtype)))
            for s in SHAPES]


def gradient_sequence(dtype="float64", seed=1):
    """grads[t][i]: the gradient of parameter i at step t (fixed, independent of p)."""
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(STEPS)]


def run(opt, params, grads, lrs=None):
    """Apply the optimiser with the given gradients; optionally change lr before each step."""
    for t, gs in enumerate(grads):
        if lrs is not None:
            opt.lr = lrs[t]
        for p, g in zip(params, gs):
            p.grad = None if g is None else mg.Tensor(mg.backend.asarray(g))
        opt.step()
    return [host(p) for p in params]


# --------------------------------------------------- hand-written update rules

def sgd_by_hand(p0, grads, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    ps = [p.copy() for p in p0]
    bufs = [None] * len(ps)
    for gs in grads:
        for i, g in enumerate(gs):
            d = g + weight_decay * ps[i]
            if momentum:
                bufs[i] = d.copy() if bufs[i] is None else \
                    momentum * bufs[i] + (1 - dampening) * d
                d = d + momentum * bufs[i] if nesterov else bufs[i]
            ps[i] = ps[i] - lr * d
    return ps


def adam_by_hand(p0, grads, lrs, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    b1, b2 = betas
    ps = [p.copy() for p in p0]
    m = [np.zeros_like(p) for p in ps]
    v = [np.zeros_like(p) for p in ps]
    t = [0] * len(ps)
    for lr, gs in zip(lrs, grads):
        for i, g in enumerate(gs):
            if g is None:
                continue
            t[i] += 1
            g = g + weight_decay * ps[i]
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            m_hat = m[i] / (1 - b1 ** t[i])
            v_hat = v[i] / (1 - b2 ** t[i])
            ps[i] = ps[i] - lr * m_hat / (np.sqrt(v_hat) + eps)
    return ps


def rmsprop_by_hand(p0, grads, lr, alpha=0.99, eps=1e-8, weight_decay=0.0):
    ps = [p.copy() for p in p0]
    v = [np.zeros_like(p) for p in ps]
    for gs in grads:
        for i, g in enumerate(gs):
            g = g + weight_decay * ps[i]
            v[i] = alpha * v[i] + (1 - alpha) * g * g
            ps[i] = ps[i] - lr * g / (np.sqrt(v[i]) + eps)
    return ps


def assert_close(got, expected):
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kwargs", [
    dict(lr=0.1),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, nesterov=True),
    dict(lr=0.05, momentum=0.5, dampening=0.3),
    dict(lr=0.1, momentum=0.9, weight_decay=0.01),
    dict(lr=0.1, weight_decay=0.1),
])
def test_sgd_matches_its_update_rule(backend_name, kwargs):
    params, grads = make_params(), gradient_sequence()
    p0 = [host(p).copy() for p in params]
    got = run(optim.SGD(params, **kwargs), params, grads)
    assert_close(got, sgd_by_hand(p0, grads, **kwargs))


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(lr=2e-4, betas=(0.5, 0.999)),
    dict(lr=0.01, betas=(0.8, 0.9), eps=1e-3, weight_decay=0.05),
])
def test_adam_matches_its_update_rule(backend_name, kwargs):
    params, grads = make_params(), gradient_sequence()
    p0 = [host(p).copy() for p in params]
    got = run(optim.Adam(params, **kwargs), params, grads)
    lr = kwargs.pop("lr", 1e-3)
    assert_close(got, adam_by_hand(p0, grads, [lr] * STEPS, **kwargs))


def test_adam_bias_correction_on_the_first_step(backend_name):
    """After one step every coordinate moves by lr * g / (|g| + eps'), i.e. almost lr."""
    params, grads = make_params(), gradient_sequence()
    p0 = [host(p).copy() for p in params]
    got = run(optim.Adam(params, lr=0.01, eps=0.0), params, grads[:1])
    for a, b, g in zip(got, p0, grads[0]):
        np.testing.assert_allclose(a, b - 0.01 * np.sign(g), rtol=1e-12)


def test_adam_counts_steps_per_parameter_and_skips_missing_gradients(backend_name):
    """A parameter without a gradient is not touched, and its own step count stays behind."""
    params, grads = make_params(), gradient_sequence()
    for t in (0, 2, 3):
        grads[t][1] = None
    p0 = [host(p).copy() for p in params]
    opt = optim.Adam(params, lr=0.01)
    lrs = [0.01, 0.01, 0.005, 0.005, 0.002]         # the user may change lr at any time
    got = run(opt, params, grads, lrs)
    assert_close(got, adam_by_hand(p0, grads, lrs))
    assert [s["step"] for s in opt.state] == [5, 2, 5]
    opt2 = optim.Adam(make_params(), lr=0.01)
    run(opt2, opt2.params, [[None, None, g] for _, _, g in grads])
    assert opt2.state[0] == {} and opt2.state[1] == {} and opt2.state[2]["step"] == 5
    np.testing.assert_array_equal(host(opt2.params[0]), host(make_params()[0]))


@pytest.mark.parametrize("kwargs", [dict(), dict(lr=5e-5), dict(lr=0.01, alpha=0.9, eps=1e-4),
                                    dict(lr=0.01, weight_decay=0.1)])
def test_rmsprop_matches_its_update_rule(backend_name, kwargs):
    params, grads = make_params(), gradient_sequence()
    p0 = [host(p).copy() for p in params]
    got = run(optim.RMSProp(params, **kwargs), params, grads)
    kwargs.setdefault("lr", 1e-2)
    assert_close(got, rmsprop_by_hand(p0, grads, **kwargs))


OPTIMIZERS = {
    "sgd": lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adam": lambda ps: optim.Adam(ps, lr=2e-3, betas=(0.5, 0.999), weight_decay=1e-3),
    "rmsprop": lambda ps: optim.RMSProp(ps, lr=1e-3),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_float32_is_kept_in_place_and_gradients_are_not_modified(backend_name, xp, name):
    params = make_params("float32")
    grads = gradient_sequence("float32")
    arrays = [p.data for p in params]
    opt = OPTIMIZERS[name](params)
    for t in range(3):
        for p, g in zip(params, grads[t]):
            p.grad = mg.Tensor(mg.backend.asarray(g))
        opt.step()
        for p, g in zip(params, grads[t]):
            np.testing.assert_array_equal(host(p.grad), g)
    assert all(p.data is a for p, a in zip(params, arrays))        # updated in place
    assert all(p.dtype == np.float32 for p in params)
    for state in opt.state:
        for key, value in state.items():
            if key != "step":
                assert value.dtype == np.float32 and isinstance(value, xp.ndarray)


# ----------------------------------------------------------- exact resumption

def _training_problem():
    rng = np.random.default_rng(5)
    x = mg.tensor(rng.standard_normal((16, 4)).astype("float32"))
    y = mg.tensor(rng.standard_normal((16, 1)).astype("float32"))
    return x, y


def _model(seed):
    mg.backend.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))


def _train(model, opt, steps, x, y):
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_state_dict_round_trip_resumes_bit_for_bit(backend_name, tmp_path, name):
    x, y = _training_problem()
    model = _model(0)
    opt = OPTIMIZERS[name](model.parameters())
    _train(model, opt, 6, x, y)
    uninterrupted = model.state_dict()

    model = _model(0)
    opt = OPTIMIZERS[name](model.parameters())
    _train(model, opt, 3, x, y)
    mg.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "ck.npz")
    del model, opt

    resumed = _model(1)                                       # different initial weights
    opt = OPTIMIZERS[name](resumed.parameters())
    opt.lr = 123.0                                            # restored from the checkpoint
    checkpoint = mg.load(tmp_path / "ck.npz")
    resumed.load_state_dict(checkpoint["model"])
    opt.load_state_dict(checkpoint["optimizer"])
    assert opt.lr != 123.0
    _train(resumed, opt, 3, x, y)
    for key, value in resumed.state_dict().items():
        np.testing.assert_array_equal(value, uninterrupted[key], err_msg=key)


def test_optimizer_state_dict_is_a_host_snapshot(backend_name):
    params, grads = make_params(), gradient_sequence()
    opt = optim.Adam(params, lr=0.1, betas=(0.5, 0.9))
    run(opt, params, grads[:2])
    sd = opt.state_dict()
    assert sd["type"] == "Adam" and sd["lr"] == 0.1 and sd["betas"] == (0.5, 0.9)
    assert sorted(sd["state"]) == ["0", "1", "2"] and sd["state"]["0"]["step"] == 2
    first = sd["state"]["0"]["exp_avg"]
    assert isinstance(first, np.ndarray)
    kept = first.copy()
    run(opt, params, grads[2:])
    np.testing.assert_array_equal(first, kept)


def test_optimizer_load_errors(backend_name):
    params = make_params()
    opt = optim.Adam(params)
    run(opt, params, gradient_sequence()[:1])
    sd = opt.state_dict()
    with pytest.raises(optim.OptimizerStateError, match="the state is for 'Adam'"):
        optim.SGD(make_params(), lr=0.1).load_state_dict(sd)
    with pytest.raises(optim.OptimizerStateError, match="state for parameter 2"):
        optim.Adam(make_params()[:2]).load_state_dict(sd)
    wrong = {**sd, "state": {**sd["state"], "1": {**sd["state"]["1"],
                                                  "exp_avg": np.zeros((4, 4))}}}
    with pytest.raises(optim.OptimizerStateError, match=r"'exp_avg' of parameter 1 has shape"):
        optim.Adam(make_params()).load_state_dict(wrong)


def test_constructor_errors(backend_name):
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Parameters"):
        optim.Adam(make_params()[0])
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD(make_params(), lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam(make_params(), betas=(1.0, 0.9))
    p = make_params()
    with pytest.raises(ValueError, match="more than once"):
        optim.RMSProp(p + p[:1])


def test_zero_grad_sets_gradients_to_none(backend_name):
    params = make_params()
    opt = optim.SGD(params, lr=0.1)
    run(opt, params, gradient_sequence()[:1])
    opt.zero_grad()
    assert all(p.grad is None for p in params)
    opt.step()                                           # nothing to do, nothing breaks


def test_clip_parameters_clamps_in_place(backend_name):
    params = make_params("float32")
    arrays = [p.data for p in params]
    expected = [np.clip(host(p), -0.01, 0.01) for p in params]
    optim.clip_parameters(params, 0.01)
    for p, a, e in zip(params, arrays, expected):
        assert p.data is a and p.dtype == np.float32
        np.testing.assert_array_equal(host(p), e)
    assert max(np.abs(host(p)).max() for p in params) == np.float32(0.01)
    with pytest.raises(ValueError):
        optim.clip_parameters(params, 0)


def test_rmsprop_alias_and_wgan_recipe(backend_name):
    """WGAN's critic update: RMSProp(5e-5) then clipping, on a real module."""
    critic = nn.Sequential(nn.Linear(2, 4), nn.LeakyReLU(0.2), nn.Linear(4, 1))
    assert optim.RMSprop is optim.RMSProp
    opt = optim.RMSprop(critic.parameters(), lr=5e-5)
    x = mg.tensor(np.random.default_rng(0).standard_normal((8, 2)).astype("float32"))
    before = [host(p).copy() for p in critic.parameters()]
    critic(x).mean().backward()
    opt.step()
    optim.clip_parameters(critic.parameters(), 0.01)
    for b, p in zip(before, critic.parameters()):
        # the first RMSProp step moves each coordinate by lr / sqrt(1 - alpha) (|g| >> eps)
        moved = np.abs(host(p) - np.clip(b, -0.01, 0.01))
        assert moved.max() <= 5e-5 / math.sqrt(0.01) * 1.001
        assert np.abs(host(p)).max() <= 0.01


@pytest.mark.parametrize("make", [lambda ps, lr: mg.optim.SGD(ps, lr=lr),
                                  lambda ps, lr: mg.optim.Adam(ps, lr=lr),
                                  lambda ps, lr: mg.optim.RMSProp(ps, lr=lr)])
@pytest.mark.parametrize("lr", [float("nan"), float("inf"), -1e-3, "1e-3", None])
def test_a_learning_rate_that_is_not_a_finite_number_is_refused(make, lr):
    p = mg.nn.Parameter(np.zeros(3, dtype="float32"))
    with pytest.raises(ValueError, match=r"learning rate must be a finite number >= 0, got lr="):
        make([p], lr)
    make([p], np.float32(1e-3))          # NumPy scalars are numbers too
