"""minigan.nn: registration order, PyTorch's state_dict names, loading errors,
train/eval, repr, layer outputs against formulas written out in NumPy,
initialisation statistics, shape-error messages and gradients of a small MLP.

Every test runs on NumPy and on the strict device stand-in.
"""
import math

import numpy as np
import pytest

import minigan as mg
from minigan import nn

pytestmark = pytest.mark.both_backends


def host(a):
    return mg.backend.to_numpy(a.data if isinstance(a, mg.Tensor) else a)


def device(a, dtype="float32"):
    return mg.tensor(np.asarray(a, dtype=dtype))


def dcgan_generator(nz=100, ngf=64):
    """The DCGAN-on-MNIST generator: 1x1 -> 7x7 -> 14x14 -> 28x28."""
    return nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 2, 7, 1, 0, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(),
        nn.ConvTranspose2d(ngf, 1, 4, 2, 1), nn.Tanh())


def dcgan_discriminator(ndf=64):
    return nn.Sequential(
        nn.Conv2d(1, ndf, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(ndf * 2 * 7 * 7, 1))


class TwoHeads(nn.Module):
    """Attributes registered out of alphabetical order, a plain Tensor, a shared layer."""

    def __init__(self):
        super().__init__()
        self.fc2 = nn.Linear(3, 4)
        self.scale = nn.Parameter(mg.backend.xp.ones((4,), dtype="float32"))
        self.not_a_parameter = mg.tensor(np.zeros(2, "float32"))
        self.body = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
        self.fc1 = nn.Linear(4, 2, bias=False)

    def forward(self, x):
        return self.fc1(self.body(self.fc2(x) * self.scale))


# ------------------------------------------------------------- registration

def test_parameter_order_is_registration_order(backend_name):
    m = TwoHeads()
    # PyTorch's order: a module's own parameters first, then each child's in turn
    assert [k for k, _ in m.named_parameters()] == [
        "scale", "fc2.weight", "fc2.bias", "body.0.weight", "body.0.bias",
        "body.1.weight", "body.1.bias", "fc1.weight"]
    assert [p for p in m.parameters()][1] is m.fc2.weight
    assert [name for name, _ in m.named_children()] == ["fc2", "body", "fc1"]
    assert [type(c).__name__ for c in m.modules()] == [
        "TwoHeads", "Linear", "Sequential", "Linear", "BatchNorm1d", "Linear"]


def test_state_dict_keys_of_a_dcgan_pair_are_pytorchs(backend_name):
    g, d = dcgan_generator(), dcgan_discriminator()
    assert list(g.state_dict()) == [
        "0.weight",
        "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
        "3.weight",
        "4.weight", "4.bias", "4.running_mean", "4.running_var", "4.num_batches_tracked",
        "6.weight", "6.bias"]
    assert list(d.state_dict()) == [
        "0.weight", "0.bias", "2.weight",
        "3.weight", "3.bias", "3.running_mean", "3.running_var", "3.num_batches_tracked",
        "6.weight", "6.bias"]
    assert [k for k, _ in d.named_parameters()] == [
        "0.weight", "0.bias", "2.weight", "3.weight", "3.bias", "6.weight", "6.bias"]
    shapes = {k: v.shape for k, v in g.state_dict().items()}
    assert shapes["0.weight"] == (100, 128, 7, 7)      # ConvTranspose2d: (in, out, kh, kw)
    assert shapes["6.bias"] == (1,) and shapes["4.num_batches_tracked"] == ()
    assert {k: v.shape for k, v in d.state_dict().items()}["6.weight"] == (1, 6272)


def test_nested_keys_and_buffers(backend_name):
    m = TwoHeads()
    assert list(m.state_dict()) == [
        "scale", "fc2.weight", "fc2.bias", "body.0.weight", "body.0.bias",
        "body.1.weight", "body.1.bias", "body.1.running_mean", "body.1.running_var",
        "body.1.num_batches_tracked", "fc1.weight"]
    assert [k for k, _ in m.named_buffers()] == [
        "body.1.running_mean", "body.1.running_var", "body.1.num_batches_tracked"]
    sd = m.state_dict()
    assert sd["body.1.num_batches_tracked"].dtype == np.int64
    assert sd["body.1.running_var"].dtype == np.float32


def test_shared_layer_is_listed_once_but_saved_under_both_names(backend_name):
    shared = nn.Linear(2, 2)
    m = nn.Sequential(shared, nn.ReLU(), shared)
    assert [k for k, _ in m.named_parameters()] == ["0.weight", "0.bias"]
    assert list(m.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_assignment_rules(backend_name):
    m = nn.Linear(3, 2)
    m.bias = None                                   # a parameter slot may be emptied
    assert [k for k, _ in m.named_parameters()] == ["weight"]
    assert "bias=False" in repr(m)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        m.weight = mg.tensor(np.zeros((2, 3), "float32"))
    m.extra = nn.Parameter(mg.backend.xp.zeros((1,), dtype="float32"))
    assert [k for k, _ in m.named_parameters()] == ["weight", "extra"]
    del m.extra
    assert [k for k, _ in m.named_parameters()] == ["weight"]
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        m.missing


def test_sequential_behaves_like_a_list(backend_name):
    s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(s) == 3 and isinstance(s[-1], nn.Linear) and s[1] is list(s)[1]
    tail = s[1:]
    assert isinstance(tail, nn.Sequential) and list(tail.state_dict()) == ["2.weight", "2.bias"]
    s.append(nn.Sigmoid())
    assert len(s) == 4 and "(3): Sigmoid()" in repr(s)
    with pytest.raises(IndexError, match="out of range"):
        s[7]
    named = nn.Sequential({"fc": nn.Linear(2, 2), "act": nn.Tanh()})
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"]


def test_deepcopy_gives_an_independent_model(backend_name, xp):
    """GAN code copies models (an averaged generator, a frozen critic)."""
    import copy
    g = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    twin = copy.deepcopy(g)
    twin[0].weight.data[...] = 0
    assert host(g[0].weight).any() and isinstance(twin[0].weight.data, xp.ndarray)
    assert list(twin.state_dict()) == list(g.state_dict())


def test_forgetting_super_init_is_a_clear_error(backend_name):
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\) before assigning 'fc'"):
        Broken()


# ------------------------------------------------------------ state dicts

def test_state_dict_round_trip_is_exact_and_a_host_snapshot(backend_name, xp):
    mg.backend.manual_seed(1)
    a = TwoHeads()
    mg.backend.manual_seed(2)
    b = TwoHeads()
    sd = a.state_dict()
    assert all(isinstance(v, np.ndarray) for v in sd.values())
    b.load_state_dict(sd)
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and va.dtype == vb.dtype
        np.testing.assert_array_equal(va, vb)
    # the values now live on the active backend, in the parameters' own arrays
    assert isinstance(b.fc2.weight.data, xp.ndarray)
    assert isinstance(b.body[1].running_mean, xp.ndarray)
    # a snapshot: changing the model afterwards does not change it
    a.fc2.weight.data[...] = 5
    assert not np.any(sd["fc2.weight"] == 5)


def test_load_keeps_the_parameter_arrays(backend_name):
    m = nn.Linear(3, 2)
    weight, array = m.weight, m.weight.data
    m.load_state_dict({"weight": np.ones((2, 3)), "bias": np.zeros(2)})   # float64 in
    assert m.weight is weight and m.weight.data is array      # updated in place
    assert m.weight.dtype == np.float32                        # cast to the parameter's dtype
    np.testing.assert_array_equal(host(m.weight), np.ones((2, 3)))


def _one_line_error(model, state, **kwargs):
    with pytest.raises(nn.StateDictError) as info:
        model.load_state_dict(state, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_load_state_dict_errors_are_one_clear_line(backend_name):
    d = dcgan_discriminator()
    good = d.state_dict()
    before = host(d[0].weight).copy()

    missing = {k: v for k, v in good.items() if k != "3.running_var"}
    assert "missing keys ['3.running_var']" in _one_line_error(d, missing)

    extra = {**good, "7.weight": np.zeros(3)}
    assert "unexpected keys ['7.weight']" in _one_line_error(d, extra)

    shaped = {**good, "0.weight": np.zeros((64, 3, 4, 4), "float32")}
    message = _one_line_error(d, shaped)
    assert "shape mismatch for '0.weight': expected (64, 1, 4, 4), got (64, 3, 4, 4)" in message
    # a shape mismatch is an error even when not strict
    assert "shape mismatch" in _one_line_error(d, shaped, strict=False)

    everything = {**missing, "7.weight": np.zeros(3), "0.weight": np.zeros((1,), "float32")}
    message = _one_line_error(d, everything)
    assert message.startswith("load_state_dict into Sequential: missing keys")
    assert "unexpected keys" in message and "shape mismatch" in message
    # checks come before copies: nothing was loaded by the failed calls
    np.testing.assert_array_equal(host(d[0].weight), before)


def test_load_state_dict_not_strict_reports_and_loads_the_rest(backend_name):
    m = nn.Linear(3, 2)
    result = m.load_state_dict({"weight": np.full((2, 3), 0.5), "other": np.zeros(1)},
                               strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["other"]
    np.testing.assert_array_equal(host(m.weight), np.full((2, 3), 0.5, "float32"))


def test_long_key_lists_are_shortened(backend_name):
    m = nn.Sequential(*[nn.Linear(1, 1) for _ in range(10)])
    message = _one_line_error(m, {})
    assert "(+14 more)" in message


# -------------------------------------------------------- modes, grads, repr

def test_train_eval_propagates_to_every_module(backend_name):
    g = nn.Sequential(dcgan_generator(), nn.Sequential(nn.Tanh()))
    assert all(m.training for m in g.modules())
    assert g.eval() is g
    assert not any(m.training for m in g.modules())
    g[0].train()
    assert g[0][1].training and not g.training and not g[1][0].training


def test_zero_grad_apply_and_requires_grad(backend_name):
    m = nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1))
    m(device(np.ones((4, 3)))).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    visited = []
    m.apply(lambda module: visited.append(type(module).__name__))
    assert visited == ["Linear", "Tanh", "Linear", "Sequential"]   # children first, as PyTorch
    m.requires_grad_(False)
    assert not m(device(np.ones((4, 3)))).requires_grad


def test_repr_prints_the_tree_like_pytorch(backend_name):
    m = nn.Sequential(
        nn.Sequential(nn.ConvTranspose2d(100, 128, 7, 1, 0, bias=False), nn.BatchNorm2d(128)),
        nn.ConvTranspose2d(64, 1, 4, 2, 1, output_padding=1),
        nn.Conv2d(1, 64, (4, 3), stride=2, padding=1), nn.LeakyReLU(0.2), nn.ReLU(),
        nn.Flatten(), nn.Unflatten(1, (64, 7, 7)), nn.Linear(6272, 1), nn.Sigmoid(),
        nn.BatchNorm1d(10, momentum=None, affine=False))
    assert repr(m) == """Sequential(
  (0): Sequential(
    (0): ConvTranspose2d(100, 128, kernel_size=(7, 7), stride=(1, 1), bias=False)
    (1): BatchNorm2d(128, eps=1e-05, momentum=0.1, affine=True)
  )
  (1): ConvTranspose2d(64, 1, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))
  (2): Conv2d(1, 64, kernel_size=(4, 3), stride=(2, 2), padding=(1, 1))
  (3): LeakyReLU(negative_slope=0.2)
  (4): ReLU()
  (5): Flatten(start_dim=1, end_dim=-1)
  (6): Unflatten(dim=1, unflattened_size=(64, 7, 7))
  (7): Linear(in_features=6272, out_features=1, bias=True)
  (8): Sigmoid()
  (9): BatchNorm1d(10, eps=1e-05, momentum=None, affine=False)
)"""


# ------------------------------------------------- layers against formulas

def test_linear_is_x_wt_plus_b(backend_name, xp):
    layer = nn.Linear(5, 3)
    x = np.random.default_rng(0).standard_normal((4, 5)).astype("float32")
    y = layer(device(x))
    w, b = host(layer.weight), host(layer.bias)
    expected = np.array([[sum(x[n, i] * w[o, i] for i in range(5)) + b[o] for o in range(3)]
                         for n in range(4)])
    assert y.dtype == np.float32 and isinstance(y.data, xp.ndarray)
    np.testing.assert_allclose(host(y), expected, rtol=1e-5, atol=1e-6)

    x3 = np.random.default_rng(1).standard_normal((2, 4, 5)).astype("float32")
    np.testing.assert_allclose(host(layer(device(x3))), x3 @ w.T + b, rtol=1e-5, atol=1e-6)
    no_bias = nn.Linear(5, 3, bias=False)
    np.testing.assert_allclose(host(no_bias(device(x))), x @ host(no_bias.weight).T,
                               rtol=1e-5, atol=1e-6)


def _conv_loops(x, w, b, stride, padding):
    """Direct definition: y[n,o,i,j] = b[o] + sum_{c,u,v} xpad[n,c,i*s+u,j*s+v] w[o,c,u,v]."""
    n_, c_, h, wd = x.shape
    o_, _, kh, kw = w.shape
    xp_ = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh, ow = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1
    y = np.zeros((n_, o_, oh, ow))
    for n in range(n_):
        for o in range(o_):
            for i in range(oh):
                for j in range(ow):
                    patch = xp_[n, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                    y[n, o, i, j] = (patch * w[o]).sum() + (0 if b is None else b[o])
    return y


def _conv_transpose_loops(x, w, b, stride, padding, output_padding):
    """Each input pixel scatters x[n,c,i,j] * w[c,:,u,v] to (i*s + u - p, j*s + v - p)."""
    n_, c_, h, wd = x.shape
    _, o_, kh, kw = w.shape
    full = np.zeros((n_, o_, (h - 1) * stride + kh + output_padding,
                     (wd - 1) * stride + kw + output_padding))
    for n in range(n_):
        for c in range(c_):
            for i in range(h):
                for j in range(wd):
                    full[n, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += \
                        x[n, c, i, j] * w[c]
    oh = (h - 1) * stride - 2 * padding + kh + output_padding
    ow = (wd - 1) * stride - 2 * padding + kw + output_padding
    y = full[:, :, padding:padding + oh, padding:padding + ow]
    return y + (0 if b is None else b[None, :, None, None])


@pytest.mark.parametrize("stride,padding,bias", [(1, 0, True), (2, 1, True), (2, 2, False)])
def test_conv2d_layer_is_the_loop_definition(backend_name, stride, padding, bias):
    layer = nn.Conv2d(3, 4, 3, stride=stride, padding=padding, bias=bias)
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 5)).astype("float32")
    y = layer(device(x))
    expected = _conv_loops(x, host(layer.weight), None if not bias else host(layer.bias),
                           stride, padding)
    assert y.dtype == np.float32 and y.shape == expected.shape
    np.testing.assert_allclose(host(y), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("stride,padding,output_padding,bias",
                         [(1, 0, 0, True), (2, 1, 0, False), (2, 1, 1, True), (3, 0, 2, True)])
def test_conv_transpose2d_layer_is_the_scatter_definition(backend_name, stride, padding,
                                                          output_padding, bias):
    layer = nn.ConvTranspose2d(3, 2, 4, stride=stride, padding=padding,
                               output_padding=output_padding, bias=bias)
    assert layer.weight.shape == (3, 2, 4, 4)
    x = np.random.default_rng(1).standard_normal((2, 3, 3, 4)).astype("float32")
    y = layer(device(x))
    expected = _conv_transpose_loops(x, host(layer.weight),
                                     None if not bias else host(layer.bias),
                                     stride, padding, output_padding)
    assert y.dtype == np.float32 and y.shape == expected.shape
    np.testing.assert_allclose(host(y), expected, rtol=1e-4, atol=1e-5)


def test_dcgan_shapes(backend_name):
    g, d = dcgan_generator(nz=8, ngf=4), dcgan_discriminator(ndf=4)
    z = device(np.random.default_rng(0).standard_normal((2, 8, 1, 1)))
    image = g(z)
    assert image.shape == (2, 1, 28, 28) and image.dtype == np.float32
    assert d(image).shape == (2, 1)


def test_batch_norm_layers_update_running_statistics_as_pytorch(backend_name):
    rng = np.random.default_rng(0)
    bn = nn.BatchNorm2d(3, momentum=0.25)
    bn.weight.data[...] = mg.backend.asarray(np.array([1.0, 2.0, 0.5], "float32"))
    x = rng.standard_normal((4, 3, 2, 5)).astype("float32") * 3 + 1
    y = bn(device(x))
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    expected = (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5)
    np.testing.assert_allclose(host(y), expected * np.array([1, 2, 0.5])[None, :, None, None],
                               rtol=1e-4, atol=1e-5)
    unbiased = x.var(axis=(0, 2, 3), ddof=1)
    np.testing.assert_allclose(host(bn.running_mean), 0.25 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(host(bn.running_var), 0.75 + 0.25 * unbiased, rtol=1e-5)
    assert int(host(bn.num_batches_tracked)) == 1

    bn.eval()
    y = bn(device(x))
    rm, rv = 0.25 * mean, 0.75 + 0.25 * unbiased
    expected = (x - rm[None, :, None, None]) / np.sqrt(rv[None, :, None, None] + 1e-5)
    np.testing.assert_allclose(host(y), expected * np.array([1, 2, 0.5])[None, :, None, None],
                               rtol=1e-4, atol=1e-5)
    assert int(host(bn.num_batches_tracked)) == 1       # eval does not count


def test_batch_norm_1d_cumulative_average_and_no_affine(backend_name):
    rng = np.random.default_rng(1)
    bn = nn.BatchNorm1d(2, momentum=None, affine=False)
    assert list(bn.state_dict()) == ["running_mean", "running_var", "num_batches_tracked"]
    batches = [rng.standard_normal((5, 2)).astype("float32") + k for k in range(3)]
    for b in batches:
        y = bn(device(b))
        np.testing.assert_allclose(host(y), (b - b.mean(0)) / np.sqrt(b.var(0) + 1e-5),
                                   rtol=1e-4, atol=1e-5)
    # momentum=None: the running statistics are plain averages over the batches seen
    np.testing.assert_allclose(host(bn.running_mean), np.mean([b.mean(0) for b in batches], 0),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(host(bn.running_var),
                               np.mean([b.var(0, ddof=1) for b in batches], 0), rtol=1e-5)


def test_flatten_and_unflatten(backend_name):
    x = device(np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5))
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(2)(x).shape == (2, 3, 20)
    y = nn.Unflatten(1, (3, 4, 5))(nn.Flatten()(x))
    np.testing.assert_array_equal(host(y), host(x))
    assert nn.Unflatten(-1, (5, 1))(x).shape == (2, 3, 4, 5, 1)
    assert nn.Unflatten(0, (1, 2))(x).shape == (1, 2, 3, 4, 5)


# ---------------------------------------------------------- initialisation

def _uniform_bound_matches(w, bound):
    """Samples of U(-bound, bound): inside the bound, reaching near it, variance bound^2/3."""
    w = host(w).astype(np.float64).ravel()
    n = w.size
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > bound * (1 - 20.0 / n)       # P(max < (1-20/n) bound) ~ e^-20
    se = math.sqrt(4 / 45) * bound ** 2 / math.sqrt(n)   # std error of mean(w^2)
    assert abs(np.mean(w ** 2) - bound ** 2 / 3) < 5 * se
    assert abs(w.mean()) < 5 * bound / math.sqrt(3 * n)


def test_default_init_is_pytorchs_kaiming_uniform(backend_name):
    lin = nn.Linear(400, 300)
    _uniform_bound_matches(lin.weight, 1 / math.sqrt(400))
    _uniform_bound_matches(lin.bias, 1 / math.sqrt(400))
    conv = nn.Conv2d(16, 32, 3)
    _uniform_bound_matches(conv.weight, 1 / math.sqrt(16 * 9))
    _uniform_bound_matches(conv.bias, 1 / math.sqrt(16 * 9))
    # ConvTranspose2d: weight (in, out, k, k), fan_in read from shape[1] = out * k * k
    convt = nn.ConvTranspose2d(16, 32, 3)
    _uniform_bound_matches(convt.weight, 1 / math.sqrt(32 * 9))
    _uniform_bound_matches(convt.bias, 1 / math.sqrt(32 * 9))
    assert all(p.dtype == np.float32 for m in (lin, conv, convt) for p in m.parameters())


def test_init_functions(backend_name):
    w = nn.Parameter(mg.backend.xp.zeros((200, 500), dtype="float32"))
    assert nn.init.normal_(w) is w and w.dtype == np.float32
    sample = host(w).astype(np.float64)
    n = sample.size
    assert abs(sample.mean()) < 5 * 0.02 / math.sqrt(n)
    assert abs(sample.std() - 0.02) < 5 * 0.02 / math.sqrt(2 * n)
    nn.init.normal_(w, mean=1.0, std=3.0)
    assert abs(host(w).mean() - 1.0) < 5 * 3 / math.sqrt(n)
    nn.init.uniform_(w, -2.0, 3.0)
    assert host(w).min() >= -2 and host(w).max() <= 3
    assert abs(host(w).astype(np.float64).mean() - 0.5) < 5 * 5 / math.sqrt(12 * n)
    nn.init.zeros_(w)
    assert not host(w).any()
    nn.init.ones_(w)
    assert (host(w) == 1).all() and w.dtype == np.float32
    assert nn.init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))


def test_init_is_seeded_by_the_global_generator(backend_name):
    mg.backend.manual_seed(7)
    a = host(nn.Linear(4, 3).weight)
    mg.backend.manual_seed(7)
    b = host(nn.Linear(4, 3).weight)
    c = host(nn.Linear(4, 3).weight)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)


def test_batch_norm_initial_state(backend_name):
    sd = nn.BatchNorm2d(3).state_dict()
    np.testing.assert_array_equal(sd["weight"], np.ones(3))
    np.testing.assert_array_equal(sd["bias"], np.zeros(3))
    np.testing.assert_array_equal(sd["running_mean"], np.zeros(3))
    np.testing.assert_array_equal(sd["running_var"], np.ones(3))
    assert sd["num_batches_tracked"].shape == () and sd["num_batches_tracked"] == 0


# ------------------------------------------------------------ shape errors

def _shape_error(module, shape):
    with pytest.raises(nn.ShapeError) as info:
        module(device(np.zeros(shape)))
    return str(info.value)


def test_shape_errors_name_the_layer_and_both_shapes(backend_name):
    assert _shape_error(nn.Linear(784, 256), (64, 100)) == \
        "Linear(784 -> 256): expected input (N, 784), got (64, 100)"
    assert _shape_error(nn.Conv2d(1, 64, 4, 2, 1), (8, 3, 28, 28)) == \
        "Conv2d(1 -> 64): expected input (N, 1, H, W), got (8, 3, 28, 28)"
    assert _shape_error(nn.Conv2d(1, 64, 4, 2, 1), (8, 28, 28)) == \
        "Conv2d(1 -> 64): expected input (N, 1, H, W), got (8, 28, 28)"
    assert "large enough for kernel (5, 5)" in _shape_error(nn.Conv2d(1, 2, 5), (1, 1, 3, 3))
    assert _shape_error(nn.ConvTranspose2d(100, 128, 7), (8, 100)) == \
        "ConvTranspose2d(100 -> 128): expected input (N, 100, H, W), got (8, 100)"
    assert _shape_error(nn.BatchNorm2d(64), (8, 32, 7, 7)) == \
        "BatchNorm2d(64): expected input (N, 64, H, W), got (8, 32, 7, 7)"
    assert _shape_error(nn.BatchNorm1d(64), (8, 64, 7)) == \
        "BatchNorm1d(64): expected input (N, 64), got (8, 64, 7)"
    assert "more than one value per channel" in _shape_error(nn.BatchNorm1d(4), (1, 4))
    assert _shape_error(nn.Unflatten(1, (64, 7, 7)), (8, 100)) == \
        ("Unflatten(dim=1, unflattened_size=(64, 7, 7)): expected input with "
         "3136 = 64*7*7 elements along axis 1, got (8, 100)")


def test_shape_errors_inside_sequentials_say_where(backend_name):
    d = dcgan_discriminator(ndf=4)
    assert _shape_error(d, (2, 1, 32, 32)) == \
        "layer 6 Linear(392 -> 1): expected input (N, 392), got (2, 512)"
    outer = nn.Sequential(nn.Tanh(), nn.Sequential(nn.Linear(3, 2)))
    assert _shape_error(outer, (2, 4)) == \
        "layer 1.0 Linear(3 -> 2): expected input (N, 3), got (2, 4)"


def test_bad_constructor_arguments(backend_name):
    with pytest.raises(ValueError, match="output_padding"):
        nn.ConvTranspose2d(1, 1, 4, stride=2, output_padding=2)


# --------------------------------------------------------------- gradients

def test_mlp_gradients_match_central_differences(backend_name):
    """A float64 MLP: input gradient by gradcheck, every parameter by central differences."""
    mg.backend.manual_seed(3)
    mlp = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 4), nn.LeakyReLU(0.2),
                        nn.Linear(4, 2), nn.Sigmoid()).astype("float64")
    rng = np.random.default_rng(0)
    x = mg.backend.asarray(rng.standard_normal((6, 3)))
    u = mg.backend.asarray(rng.standard_normal((6, 2)))
    assert mg.gradcheck(lambda t: mlp(t), [x])

    def loss():
        return (mlp(mg.Tensor(x)) * mg.Tensor(u)).sum()

    mlp.zero_grad()
    loss().backward()
    eps = 1e-6
    for name, p in mlp.named_parameters():
        assert p.dtype == np.float64
        analytic = host(p.grad)
        numeric = np.zeros(p.shape)
        for index in np.ndindex(*p.shape):
            saved = float(host(p)[index])
            p.data[index] = saved + eps
            up = loss().item()
            p.data[index] = saved - eps
            down = loss().item()
            p.data[index] = saved
            numeric[index] = (up - down) / (2 * eps)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8, err_msg=name)


def test_linear_function_first_and_second_derivatives(backend_name):
    rng = np.random.default_rng(4)
    x, w, b = (mg.backend.asarray(rng.standard_normal(s)) for s in [(4, 3), (2, 3), (2,)])
    assert mg.gradcheck(nn.linear, [x, w, b])
    assert mg.gradgradcheck(nn.linear, [x, w, b])
    assert mg.gradcheck(lambda x, w: nn.linear(x, w), [x, w])
    x3 = mg.backend.asarray(rng.standard_normal((2, 2, 3)))
    assert mg.gradgradcheck(lambda x, w, b: nn.linear(x, w, b) ** 2, [x3, w, b])


def test_gradients_keep_float32(backend_name):
    m = dcgan_discriminator(ndf=2)
    x = device(np.random.default_rng(0).standard_normal((2, 1, 28, 28)), "float32")
    m(x).sum().backward()
    assert all(p.grad.dtype == np.float32 for p in m.parameters())


@pytest.mark.parametrize("layer, shape", [(lambda: nn.Linear(3, 2), (4, 3)),
                                          (lambda: nn.Conv2d(1, 2, 3), (2, 1, 5, 5)),
                                          (lambda: nn.ConvTranspose2d(1, 2, 3), (2, 1, 5, 5)),
                                          (lambda: nn.BatchNorm1d(3), (4, 3))])
def test_float64_input_to_a_float32_layer_says_what_to_do(layer, shape):
    """As PyTorch, a dtype mismatch is an error, not a silent float64 promotion."""
    x = mg.tensor(np.ones(shape))           # float64
    with pytest.raises(TypeError, match=r"input is float64 but the parameters are float32; "
                                        r"convert the input with x.astype\('float32'\)"):
        layer()(x)
    assert layer()(x.astype("float32")).dtype == "float32"
