"""The GANs learn: each model trained on toy data until a measurable target is met.

The default run trains briefly, in process, and checks that learning has
clearly begun; the ``slow`` tests run the real command for the budgets recorded
in the README and check the issue's targets.  Seeds are fixed, so the numbers
repeat on the same platform.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import minigan as mg
from minigan import gans, metrics
from minigan.data import BatchIterator, load_dataset


def train_in_process(model, dataset, iterations, **overrides):
    """Build the model with its recipe (plus overrides) and train; return (gan, data)."""
    data = load_dataset(dataset)
    config = gans.defaults(model, data.kind)
    config.update(model=model, **overrides)
    mg.backend.manual_seed(0)
    gan = gans.build(config, data.x.shape[1:], data.kind, data.num_classes, seed=1)
    batches = BatchIterator(data.x, data.y, batch_size=config["batch_size"], seed=0)

    def next_batch():
        x, y = batches.next()
        return mg.backend.asarray(x), None if y is None else mg.backend.asarray(y)

    for _ in range(iterations):
        gan.train_step(next_batch)
    return gan, data


def ring_label_accuracy(gan, data, n=2500):
    labels = np.arange(n) % data.num_classes
    x = mg.backend.to_numpy(gan.generate(n, labels=mg.backend.asarray(labels)))
    return min(metrics.label_accuracy_toy(x[labels == k], labels[labels == k],
                                          data.modes, data.std)
               for k in range(data.num_classes))


# --------------------------------------------------------- default run

def test_gan_on_gaussian_starts_to_fit():
    """Target N(4, 0.5^2).  Measured: the std stays near 0.22 from step 400 to 1000 (a
    narrow fit), then widens: after 1200 steps mean 3.90, std 0.53, KS 0.13."""
    gan, _ = train_in_process("gan", "gaussian", 1200)
    m = metrics.gaussian_1d_metrics(mg.backend.to_numpy(gan.generate(2500))[:, 0])
    assert abs(m["mean"] - 4.0) < 0.15
    assert abs(m["std"] - 0.5) < 0.2
    assert m["ks"] < 0.2


def test_cgan_on_ring_starts_to_follow_labels():
    gan, data = train_in_process("cgan", "ring", 800)
    assert ring_label_accuracy(gan, data) >= 0.5


def test_wgan_gp_on_ring_spreads_over_modes():
    gan, data = train_in_process("wgan-gp", "ring", 150, hidden=(128, 128, 128),
                                 lr_g=1e-3, lr_d=1e-3)
    m = metrics.mode_metrics(mg.backend.to_numpy(gan.generate(2500)), data.modes, data.std)
    assert m["modes_covered"] >= 5


# -------------------------------------------------- slow: the targets

DCGAN_FID_BOUND = 300.0     # recorded: 255 after the default 3,000 iterations (README)


def run_command(tmp_path, *flags):
    out = tmp_path / "run"
    subprocess.run([sys.executable, "-m", "minigan.train", "--no-progress", *flags,
                    "--out", str(out)], check=True, timeout=3600,
                   env=dict(os.environ, MINIGAN_CACHE=str(tmp_path / "cache"),
                            MINIGAN_OFFLINE="1"))
    final = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return [r for r in final if r.get("final")][-1]


@pytest.mark.slow
def test_gan_on_gaussian_target(tmp_path):
    m = run_command(tmp_path, "--model", "gan", "--dataset", "gaussian", "--iterations", "3000")
    assert abs(m["mean"] - 4.0) < 0.1
    assert abs(m["std"] - 0.5) < 0.2 * 0.5


@pytest.mark.slow
def test_cgan_on_ring_target():
    gan, data = train_in_process("cgan", "ring", 2000)
    assert ring_label_accuracy(gan, data) >= 0.9


@pytest.mark.slow
def test_wgan_gp_on_ring_target(tmp_path):
    """8 of 8 modes and >= 70% high-quality samples (measured: 8/8, 91%)."""
    m = run_command(tmp_path, "--model", "wgan-gp", "--dataset", "ring",
                    "--hidden", "128,128,128", "--lr-g", "1e-3", "--lr-d", "1e-3",
                    "--lr-decay", "linear", "--iterations", "4000")
    assert m["modes_covered"] == 8
    assert m["high_quality_rate"] >= 0.7


def ring_shape(samples):
    """(median distance from the origin, how many of the 8 angular sectors centred on
    the modes hold at least 2% of the samples): where the samples lie, whether or not
    they are sharp enough to count as high quality."""
    radius = float(np.median(np.linalg.norm(samples, axis=1)))
    angle = np.arctan2(samples[:, 1], samples[:, 0])
    sector = np.floor((angle + np.pi / 8) / (np.pi / 4)).astype(int) % 8
    counts = np.bincount(sector, minlength=8)
    return radius, int((counts >= 0.02 * len(samples)).sum())


def run_samples(tmp_path, n=2500):
    path = tmp_path / "samples.npy"
    subprocess.run([sys.executable, "-m", "minigan.sample", "--run", str(tmp_path / "run"),
                    "--n", str(n), "--out", str(path)], check=True, timeout=600)
    return np.load(path)


@pytest.mark.slow
def test_wgan_on_ring_recorded_figure(tmp_path):
    """Recorded in the README: at the paper's recipe (RMSProp 5e-5, c = 0.01, 3,000
    iterations) the samples fill the whole ring (median radius 2.02, all 8 sectors) but
    are not yet sharp: 3 to 7 modes covered, a few % high quality, varying between runs."""
    run_command(tmp_path, "--model", "wgan", "--dataset", "ring")
    radius, sectors = ring_shape(run_samples(tmp_path))
    assert abs(radius - 2.0) < 0.1 and sectors == 8


@pytest.mark.slow
def test_gan_on_ring_recorded_figure(tmp_path):
    """Recorded in the README: at this budget the vanilla GAN does not find the ring's
    modes.  Two runs that differ only in floating-point rounding collapsed differently
    (1 mode, 2.5% high quality; 2 modes, 0.2%), so the figure is the failure itself,
    which lesson 10 explains; if a change makes it succeed, update the README."""
    m = run_command(tmp_path, "--model", "gan", "--dataset", "ring")
    assert m["modes_covered"] <= 3 and m["high_quality_rate"] < 0.1


# -------------------------------------------- slow: images (bundled digits)

@pytest.mark.slow
def test_dcgan_on_bundled_digits_draws_all_ten(tmp_path):
    """The default command offline: all 10 digits appear; classifier FID recorded in the
    README (real-vs-real floor about 10-15 at 1,000 samples)."""
    m = run_command(tmp_path, "--model", "dcgan", "--dataset", "mnist")
    assert m["digits"] == 10
    assert m["fid"] < DCGAN_FID_BOUND


@pytest.mark.slow
def test_cgan_on_bundled_digits_follows_labels(tmp_path):
    m = run_command(tmp_path, "--model", "cgan", "--dataset", "mnist", "--arch", "conv")
    assert m["label_accuracy"] >= 0.9
    assert m["digits"] == 10
