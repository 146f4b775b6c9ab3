"""The VAE (minigan/vae/): its functions against their definitions, the ELBO of a tiny
model against quadrature, the importance-weighted bound against a closed-form
log p(x), and ``python -m minigan.train --model vae`` end to end.
"""
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from scipy import integrate, special, stats

import minigan as mg
from minigan import nn, vae
from minigan.data import BatchIterator, load_dataset
from test_train import main_in_process

# The VAE's functions' derivatives and invariants (1st and 2nd order against central
# differences, dtype kept, no mutation, no aliasing) are checked with every other
# function's, by tests/engine/test_functions.py on the cases in tests/engine/cases.py.

# ------------------------------------------------ values against their definitions

def test_gaussian_kl_against_quadrature():
    """KL(N(m, s^2) || N(0, 1)) = int q log(q / p), per dimension, summed."""
    mu, log_var = np.array([[0.3, -1.2, 2.0]]), np.array([[-0.7, 0.4, -2.0]])
    expected = 0.0
    for m, lv in zip(mu[0], log_var[0]):
        q = stats.norm(m, math.exp(lv / 2))
        expected += integrate.quad(lambda z: q.pdf(z) * (q.logpdf(z) - stats.norm.logpdf(z)),
                                   -30, 30, epsabs=1e-12, limit=200)[0]
    got = vae.gaussian_kl(mg.tensor(mu), mg.tensor(log_var)).numpy()
    assert got.shape == (1,) and abs(got[0] - expected) < 1e-9


def test_bernoulli_log_likelihood_is_the_bernoulli_log_probability():
    rng = np.random.default_rng(0)
    logits = 4 * rng.standard_normal((3, 1, 4, 4))
    x = rng.integers(0, 2, logits.shape).astype(float)
    p = 1 / (1 + np.exp(-logits))
    expected = np.log(np.where(x == 1, p, 1 - p)).reshape(3, -1).sum(axis=1)
    got = vae.bernoulli_log_likelihood(mg.tensor(logits), x).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # a confident, wrong pixel costs |logit| nats, not inf
    big = vae.bernoulli_log_likelihood(mg.tensor(np.full((1, 1), 800.0)), np.zeros((1, 1)))
    assert big.numpy()[0] == pytest.approx(-800.0)


def test_gaussian_densities_and_logsumexp_against_scipy():
    rng = np.random.default_rng(1)
    z, mu, log_var = rng.standard_normal((3, 5, 4)), rng.standard_normal((5, 4)), \
        rng.uniform(-1, 1, (5, 4))
    expected = stats.norm.logpdf(z, mu, np.exp(log_var / 2)).sum(axis=-1)
    got = vae.gaussian_log_density(mg.tensor(z), mg.tensor(mu), mg.tensor(log_var)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    np.testing.assert_allclose(vae.standard_normal_log_density(mg.tensor(z)).numpy(),
                               stats.norm.logpdf(z).sum(axis=-1), rtol=1e-12)
    a = np.array([[1000.0, -1000.0, 999.0], [-1e4, -1e4 - 1, -1e4 + 2]])   # exp over/underflows
    for axis in (0, 1):
        np.testing.assert_allclose(vae.logsumexp(mg.tensor(a), axis).numpy(),
                                   special.logsumexp(a, axis=axis), rtol=1e-14)
    with np.errstate(divide="ignore"):          # log 0, on purpose
        inf = vae.logsumexp(mg.tensor(np.array([-np.inf, -np.inf])), 0).numpy()
    assert inf == -np.inf                       # not nan (-inf - -inf)


@pytest.mark.both_backends
def test_logsumexp_of_huge_float32_values(backend_name):
    """Values about 300 apart (exp overflows float32 at 89): finite, float32 forward and
    backward, equal to scipy's; the gradient is the softmax, rows summing to 1.  (Warnings
    from minigan are errors in the test run, so an overflow inside fails too.)"""
    a = 300 * np.random.default_rng(2).standard_normal((4, 3))
    for axis in (0, 1):
        x = mg.tensor(mg.backend.asarray(a.astype("float32")), requires_grad=True)
        y = vae.logsumexp(x, axis)
        (g,) = mg.grad(y.sum(), [x])
        assert y.dtype == "float32" and g.dtype == "float32"
        np.testing.assert_allclose(mg.backend.to_numpy(y.data),
                                   special.logsumexp(a.astype("float32"), axis=axis),
                                   rtol=1e-6)
        np.testing.assert_allclose(mg.backend.to_numpy(g.data).sum(axis=axis), 1, rtol=1e-6)


# ------------------------------------------------ the ELBO of a tiny model, by quadrature

class FixedEncoder(nn.Module):
    """q(z | x) = N(m, exp(lv)) for every x: (N, D) -> (N, 1), (N, 1)."""

    def __init__(self, m, lv):
        super().__init__()
        self.m, self.lv = nn.Parameter(np.array([[m]])), nn.Parameter(np.array([[lv]]))

    def forward(self, x):
        ones = mg.tensor(np.ones((len(x), 1), dtype=x.dtype))
        return ones * self.m, ones * self.lv


def tiny_vae(dtype="float64"):
    """1-D latent, 3 binary pixels, logits = w z + b."""
    decoder = nn.Linear(1, 3)
    decoder.weight.data[...] = np.array([[1.5], [-2.0], [0.5]])
    decoder.bias.data[...] = np.array([0.2, -0.3, 0.1])
    encoder = FixedEncoder(0.4, math.log(0.3))
    for p in list(decoder.parameters()) + list(encoder.parameters()):
        p.data = p.data.astype(dtype)
    opt = mg.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()))
    return vae.VAE(encoder, decoder, opt, latent_dim=1, seed=0)


def elbo_by_quadrature(x, m=0.4, s2=0.3, w=(1.5, -2.0, 0.5), b=(0.2, -0.3, 0.1)):
    """int q(z) [log p(x | z) + log p(z) - log q(z)] dz, the definition, for one image x (3,)."""
    q = stats.norm(m, math.sqrt(s2))

    def integrand(z):
        logits = np.array(w) * z + np.array(b)
        log_px_z = np.sum(x * -np.logaddexp(0, -logits) + (1 - x) * -np.logaddexp(0, logits))
        return q.pdf(z) * (log_px_z + stats.norm.logpdf(z) - q.logpdf(z))
    return integrate.quad(integrand, -20, 20, epsabs=1e-12, limit=200)[0]


def test_elbo_of_a_tiny_model_equals_its_definition():
    """The model's one-sample ELBO, averaged over many draws, is the integral; the KL
    part is exact; the reparameterised gradient's mean is the integral's derivative."""
    model = tiny_vae()
    x = np.array([[1.0, 0.0, 1.0]])
    n = 400_000
    xs = mg.tensor(np.repeat(x, n, axis=0))
    rng = mg.backend.default_rng(5)
    z_unit = rng.standard_normal((n, 1))
    model.noise = lambda n_, rng_=None: mg.tensor(z_unit[:n_])     # float64 draws
    log_px_z, kl = model.elbo_terms(xs)
    elbo = log_px_z - kl
    estimate, se = elbo.numpy().mean(), elbo.numpy().std() / math.sqrt(n)
    exact = elbo_by_quadrature(x[0])
    assert abs(estimate - exact) < 4 * se, (estimate, exact, se)
    kl_exact = integrate.quad(lambda z: stats.norm.pdf(z, 0.4, math.sqrt(0.3)) * (
        stats.norm.logpdf(z, 0.4, math.sqrt(0.3)) - stats.norm.logpdf(z)), -20, 20)[0]
    assert abs(kl.numpy()[0] - kl_exact) < 1e-9
    # d ELBO / d b_0: the mean reparameterised gradient against a central difference
    (g,) = mg.grad(elbo.mean(), [model.decoder.bias])
    h = 1e-4
    b = [0.2, -0.3, 0.1]
    fd = (elbo_by_quadrature(x[0], b=(b[0] + h, b[1], b[2]))
          - elbo_by_quadrature(x[0], b=(b[0] - h, b[1], b[2]))) / (2 * h)
    assert abs(g.numpy()[0] - fd) < 0.01


# ------------------------------------------------ the importance-weighted bound

def linear_gaussian(seed=0, d=2, D=5, s=0.5):
    """p(z) = N(0, I), p(x | z) = N(W z + b, s^2 I): x, exact log p(x), exact posterior."""
    rng = np.random.default_rng(seed)
    W, b = rng.standard_normal((D, d)), rng.standard_normal(D)
    x = rng.standard_normal((3, D)) * 2
    log_px = stats.multivariate_normal(b, W @ W.T + s * s * np.eye(D)).logpdf(x)
    cov = np.linalg.inv(np.eye(d) + W.T @ W / s**2)
    post_mu = (x - b) @ W @ cov.T / s**2

    def log_likelihood(z, x_):                       # z (k, N, d) -> (k, N)
        mean = z @ mg.tensor(W.T) + mg.tensor(b)
        return vae.gaussian_log_density(mg.tensor(x_), mean,
                                        mg.tensor(np.full(D, 2 * math.log(s))))
    return x, log_px, post_mu, cov, log_likelihood, W, b, s


def test_iw_bound_is_exact_when_q_is_the_posterior():
    """With q = p(z | x) every weight equals p(x): L_k = log p(x) for any k and any draw.
    (A 1-D latent, so that the posterior is a Gaussian the diagonal q can equal.)"""
    x, log_px, post_mu, cov, log_lik, *_ = linear_gaussian(d=1)
    mu, log_var = mg.tensor(post_mu), mg.tensor(np.full_like(post_mu, math.log(cov[0, 0])))
    log_w = vae.log_weights(x, mu, log_var, log_lik, 7, np.random.default_rng(0))
    np.testing.assert_allclose(vae.iw_bound(log_w).numpy(), log_px, rtol=1e-12)
    np.testing.assert_allclose(log_w.numpy(), np.broadcast_to(log_px, (7, 3)), rtol=1e-12)


def test_iw_bound_rises_from_the_elbo_to_log_px():
    """A worse q (shifted mean, wider diagonal): E[L_1] = ELBO (closed form),
    E[L_k] grows with k, stays below log p(x), and at k = 4000 is within 0.02 of it."""
    x, log_px, post_mu, cov, log_lik, W, b, s = linear_gaussian()
    m = post_mu + 0.4
    v = np.broadcast_to(1.5 * np.diag(cov), m.shape)
    # ELBO in closed form: E_q log N(x; Wz + b, s^2 I) - KL(q || N(0, I))
    D = len(b)
    resid = x - b - m @ W.T
    expected_lik = (-0.5 * D * math.log(2 * math.pi * s * s)
                    - ((resid ** 2).sum(1) + (v * (W ** 2).sum(0)).sum(1)) / (2 * s * s))
    kl = 0.5 * (m * m + v - np.log(v) - 1).sum(1)
    elbo = expected_lik - kl
    assert np.all(elbo < log_px - 0.1)                    # a visibly loose bound
    rng = np.random.default_rng(1)
    means = {}
    for k in (1, 10, 100, 4000):
        reps = max(1, 40_000 // k)
        log_w = vae.log_weights(np.tile(x, (reps, 1)), mg.tensor(np.tile(m, (reps, 1))),
                                mg.tensor(np.tile(np.log(v), (reps, 1))), log_lik, k, rng)
        means[k] = vae.iw_bound(log_w).numpy().reshape(reps, 3).mean(axis=0)
        if k == 1:
            sd = log_w.numpy().reshape(reps, 3).std(axis=0) / math.sqrt(reps)
            assert np.all(np.abs(means[1] - elbo) < 4 * sd)      # L_1 is the ELBO
    assert np.all(means[1] < means[10]) and np.all(means[10] < means[100]) and \
        np.all(means[100] < means[4000])
    assert np.all(means[4000] < log_px + 1e-3) and np.all(log_px - means[4000] < 0.02)


# ------------------------------------------------ the model on digits, in process

def test_held_out_split_is_the_classifiers():
    data = load_dataset("mnist", quiet=True)
    train, held = vae.split_held_out(data)
    assert train.x.shape == (4500, 1, 28, 28) and held.shape == (500, 1, 28, 28)
    assert set(np.unique(held)) == {0.0, 1.0}
    # no training digit is a held-out digit (compare the grey-level images)
    from minigan.data import held_out_mask
    held_grey = data.x[held_out_mask(data.y)]
    train_keys = {t.tobytes() for t in train.x}
    assert not any(h.tobytes() in train_keys for h in held_grey)
    np.testing.assert_array_equal(held, vae.binarize_once(held_grey))   # fixed seed


def test_a_short_training_raises_the_held_out_bound():
    """The fast stand-in for the slow target: 100 steps lift the held-out ELBO by
    hundreds of nats from its value at initialisation, and log p(x) >= ELBO."""
    data, held = vae.split_held_out(load_dataset("mnist", quiet=True))
    config = dict(vae.defaults("image"), model="vae")
    model = vae.build(config, (1, 28, 28), "image", seed=1)
    before = vae.evaluate(model, held[::10], k=5)
    batches = BatchIterator(data.x, batch_size=100, seed=0)
    for _ in range(100):
        losses = model.train_step(lambda: (mg.backend.asarray(batches.next()[0]), None))
    after = vae.evaluate(model, held[::10], k=5)
    assert before["elbo"] < -400 and after["elbo"] > -200, (before, after)
    assert after["log_px"] >= after["elbo"]
    assert losses["elbo"] == pytest.approx(-losses["recon"] - losses["kl"], rel=1e-5)
    images = model.generate(8, rng=mg.backend.default_rng(0))
    assert images.shape == (8, 1, 28, 28) and images.min() >= -1 and images.max() <= 1


def test_the_conv_vae_has_the_dcgan_shapes_and_trains():
    """--arch conv: the decoder is the DCGAN generator without its tanh."""
    config = dict(vae.defaults("image", "conv"), model="vae")
    assert config["iw_samples"] == 20
    model = vae.build(config, (1, 28, 28), "image", seed=1)
    shapes = {k: v.shape for k, v in model.decoder.state_dict().items() if k.endswith("weight")}
    assert shapes == {"net.0.weight": (6272, 20), "net.2.weight": (128,),
                      "net.4.weight": (128, 64, 4, 4), "net.5.weight": (64,),
                      "net.7.weight": (64, 1, 4, 4)}
    x = load_dataset("mnist", quiet=True).x[:8]
    losses = model.train_step(lambda: (mg.backend.asarray(x), None))
    assert math.isfinite(losses["loss"])
    scores = vae.evaluate(model, vae.binarize_once(x[:2]), k=3)
    assert scores["log_px"] >= scores["elbo"]


def test_beta_weights_the_kl_term():
    """loss = -(log p(x|z) - beta KL): with the same draws, beta = 4 adds 3 KL."""
    data, _ = vae.split_held_out(load_dataset("mnist", quiet=True))
    losses = {}
    for beta in (1.0, 4.0):
        model = vae.build(dict(vae.defaults("image"), beta=beta), (1, 28, 28), "image", seed=1)
        mg.backend.manual_seed(0)
        losses[beta] = model.train_step(lambda: (mg.backend.asarray(data.x[:100]), None))
    assert losses[4.0]["loss"] - losses[1.0]["loss"] == pytest.approx(
        3 * losses[1.0]["kl"], rel=1e-3)


# ------------------------------------------------ the command, end to end

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(args, cwd, check=True):
    path = os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, MINIGAN_CACHE=str(cwd / "cache"), MINIGAN_OFFLINE="1",
               PYTHONPATH=path)
    proc = subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def train(cwd, *flags, check=True):
    return run(["minigan.train", "--no-progress", *flags], cwd, check)


def arrays(path):
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def test_command_writes_the_run_folder_resumes_exactly_and_samples(tmp_path, capsys):
    common = ["--model", "vae", "--batch-size", "32", "--latent-dim", "2", "--iw-samples", "4",
              "--seed", "3"]
    straight = tmp_path / "straight"
    proc = train(tmp_path, *common, "--iterations", "4", "--sample-every", "4",
                 "--checkpoint-every", "2", "--out", str(straight))
    assert "heldout_log_px" in proc.stdout
    for name in ("config.json", "metrics.jsonl", "losses.png", "checkpoint.npz",
                 "samples_final.png", "reconstructions_000004.png",
                 "manifold_000004.png"):
        assert (straight / name).stat().st_size > 0, name
    rows = [json.loads(line) for line in (straight / "metrics.jsonl").read_text().splitlines()]
    assert any({"loss", "elbo", "recon", "kl"} <= set(r) for r in rows)
    scored = [r for r in rows if "heldout_elbo" in r]
    assert [r["step"] for r in scored] == [2, 4]
    for r in scored:     # L_k >= the mean of the same log weights, always (Jensen)
        assert r["heldout_log_px"] >= r["heldout_elbo"] and r["fid"] > 0
        assert 1 <= r["digits"] <= 10
    config = json.loads((straight / "config.json").read_text())
    assert (config["latent_dim"], config["iw_samples"], config["beta"]) == (2, 4, 1.0)

    split = tmp_path / "split"
    train(tmp_path, *common, "--iterations", "2", "--checkpoint-every", "4",
          "--sample-every", "4", "--out", str(split))
    train(tmp_path, "--resume", str(split), "--iterations", "4")
    a, b = arrays(straight / "checkpoint.npz"), arrays(split / "checkpoint.npz")
    assert a.keys() == b.keys() and any(k.startswith("model/decoder/") for k in a)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)

    main_in_process(["minigan.sample", "--run", str(split), "--n", "6", "--out",
                     str(tmp_path / "s.npy")], tmp_path, capsys)     # the command's main()
    x = np.load(tmp_path / "s.npy")
    assert x.shape == (6, 1, 28, 28) and -1 <= x.min() and x.max() <= 1
    assert (tmp_path / "s.png").stat().st_size > 0


@pytest.mark.parametrize("flags,needle", [
    (["--model", "vae", "--dataset", "ring"], "images"),
    (["--model", "vae", "--clip", "0.1"], "--clip"),
    (["--model", "dcgan", "--beta", "2"], "--beta"),
    (["--model", "vae", "--beta", "-1"], "--beta"),
])
def test_bad_vae_input_is_one_line_and_exit_2(tmp_path, capsys, flags, needle):
    proc = main_in_process(["minigan.train", "--no-progress", *flags, "--iterations", "1",
                            "--out", str(tmp_path / "r")], tmp_path, capsys, check=False)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and needle in lines[0], proc.stderr
    assert not (tmp_path / "r" / "checkpoint.npz").exists()


# ------------------------------------------------ the slow target

# benchmarks/vae_pytorch.py, 5,000 iterations, seed 0 (the README's table): held-out ELBO
PYTORCH_HELD_OUT_ELBO = -108.76


@pytest.mark.slow
def test_default_recipe_matches_pytorch_within_2_nats(tmp_path):
    """The README's run: the default recipe (5,000 iterations) reaches a held-out ELBO
    within 2 nats of the same recipe trained in PyTorch (benchmarks/vae_pytorch.py)."""
    out = tmp_path / "vae"
    train(tmp_path, "--model", "vae", "--out", str(out))
    final = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()][-1]
    assert final["heldout_elbo"] > PYTORCH_HELD_OUT_ELBO - 2
    assert final["heldout_log_px"] > final["heldout_elbo"]
