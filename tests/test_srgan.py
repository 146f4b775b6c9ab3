"""Super-resolution: the data (area averaging, bicubic), the scores (PSNR, SSIM), the
SRResNet / SRGAN models and their command.  Values are checked against loops of the
definitions written out here; the training result itself is a slow test."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import minigan as mg
from minigan import fidelity, gans
from minigan.gans import SRGenerator
from minigan.data import load_dataset
from minigan.data.superres import (area_downsample, bicubic_matrix, bicubic_upsample,
                                   keys_kernel)
from test_train import main_in_process

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ------------------------------------------------------------------ data

def test_area_downsample_is_the_mean_of_each_4x4_block():
    x = np.random.default_rng(0).standard_normal((2, 1, 28, 28))
    lr = area_downsample(x)
    assert lr.shape == (2, 1, 7, 7)
    for n in range(2):
        for i in range(7):
            for j in range(7):
                block = x[n, 0, 4 * i:4 * i + 4, 4 * j:4 * j + 4]
                assert lr[n, 0, i, j] == pytest.approx(sum(block.ravel()) / 16)


def test_mnist_sr_splits_are_disjoint_and_offline():
    train = load_dataset("mnist-sr", download=False, quiet=True)
    test = load_dataset("mnist-sr", split="test", download=False, quiet=True)
    if train.source == "bundled sample":
        assert (len(train), len(test)) == (4500, 500)
        assert np.bincount(test.y).tolist() == [50] * 10
    flat = {x.tobytes() for x in train.x}
    assert not any(x.tobytes() in flat for x in test.x)


def test_keys_kernel_interpolates_and_sums_to_one():
    assert keys_kernel(np.array([0.0, 1.0, 2.0, -1.0, 2.5])).tolist() == [1, 0, 0, 0, 0]
    for u in np.linspace(0, 1, 7):
        assert keys_kernel(u - np.arange(-1, 3)).sum() == pytest.approx(1.0)


def bicubic_loop(lr, factor, a=-0.5):
    """The 2-D cubic convolution written as a double sum over the 4x4 neighbours."""
    def w(t):
        t = abs(t)
        if t <= 1:
            return (a + 2) * t**3 - (a + 3) * t**2 + 1
        return a * t**3 - 5 * a * t**2 + 8 * a * t - 4 * a if t < 2 else 0.0
    h, wd = lr.shape
    out = np.zeros((h * factor, wd * factor))
    for i in range(h * factor):
        for j in range(wd * factor):
            u, v = (i + 0.5) / factor - 0.5, (j + 0.5) / factor - 0.5
            for k in range(int(np.floor(u)) - 1, int(np.floor(u)) + 3):
                for m in range(int(np.floor(v)) - 1, int(np.floor(v)) + 3):
                    out[i, j] += w(u - k) * w(v - m) * lr[min(max(k, 0), h - 1),
                                                          min(max(m, 0), wd - 1)]
    return out


def test_bicubic_matches_the_double_sum_and_keeps_ramps():
    lr = np.random.default_rng(1).uniform(-0.4, 0.4, (7, 7))
    up = bicubic_upsample(lr[None, None])[0, 0]
    np.testing.assert_allclose(up, bicubic_loop(lr, 4), atol=1e-6)
    # cubic convolution reproduces linear functions away from the clamped border
    ramp = np.add.outer(np.arange(7.0), 2 * np.arange(7.0)) / 40
    up = bicubic_upsample(ramp[None, None])[0, 0]
    centres = (np.arange(28) + 0.5) / 4 - 0.5
    exact = np.add.outer(centres, 2 * centres) / 40
    np.testing.assert_allclose(up[6:-6, 6:-6], exact[6:-6, 6:-6], atol=1e-6)
    assert bicubic_matrix(7, 4).sum(axis=1) == pytest.approx(np.ones(28))


# ------------------------------------------------------------------ PSNR and SSIM

def test_psnr_by_hand():
    x = np.full((1, 1, 4, 4), -1.0)
    y = x.copy()
    y[0, 0, 0, 0] = 1.0                     # one pixel off by the full range: MSE = 1/16
    assert fidelity.psnr(y, x)[0] == pytest.approx(10 * np.log10(16))


def ssim_loop(x, y):
    """Wang et al. 2004, eq. 13 at every 11x11 window position, written as plain sums."""
    a, b = (x + 1) / 2, (y + 1) / 2
    t = np.arange(11) - 5.0
    g = np.exp(-t**2 / 4.5)
    w = np.outer(g, g) / np.outer(g, g).sum()
    c1, c2 = 0.01**2, 0.03**2
    values = []
    for i in range(a.shape[0] - 10):
        for j in range(a.shape[1] - 10):
            pa, pb = a[i:i + 11, j:j + 11], b[i:i + 11, j:j + 11]
            ma, mb = (w * pa).sum(), (w * pb).sum()
            va, vb = (w * (pa - ma)**2).sum(), (w * (pb - mb)**2).sum()
            cov = (w * (pa - ma) * (pb - mb)).sum()
            values.append((2 * ma * mb + c1) * (2 * cov + c2) /
                          ((ma**2 + mb**2 + c1) * (va + vb + c2)))
    return np.mean(values)


def test_ssim_matches_the_windowed_formula():
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (2, 1, 16, 14))
    y = np.clip(x + 0.3 * rng.standard_normal(x.shape), -1, 1)
    got = fidelity.ssim(x, y)
    for n in range(2):
        assert got[n] == pytest.approx(ssim_loop(x[n, 0], y[n, 0]), rel=1e-10)
    assert fidelity.ssim(x, x) == pytest.approx([1.0, 1.0])
    np.testing.assert_allclose(fidelity.ssim(x, y), fidelity.ssim(y, x))
    assert fidelity.ssim(x, np.clip(x + 0.6 * rng.standard_normal(x.shape), -1, 1)).mean() \
        < got.mean()


# ------------------------------------------------------------------ models

def build(model, **extra):
    config = dict(gans.defaults(model, "image"), model=model, **extra)
    return gans.build(config, (1, 28, 28), "image")


def test_generator_upscales_4x_with_two_subpixel_steps():
    sr = build("srresnet")
    names = [type(m).__name__ for m in sr.G.upsample]
    assert names.count("PixelShuffle") == 2 and names.count("PReLU") == 2
    assert sr.translate(np.zeros((3, 1, 7, 7), "float32")).shape == (3, 1, 28, 28)
    assert sr.D is None and sr.opt_d is None


def test_srresnet_fits_a_batch_and_srgan_steps_report_their_losses():
    hr = load_dataset("mnist-sr", download=False, quiet=True).x[:16]
    sr = build("srresnet", lr_g=1e-3)
    losses = [sr.train_step(lambda: (hr, None))["mse"] for _ in range(25)]
    assert losses[-1] < 0.5 * losses[0]
    gan = build("srgan")
    out = gan.train_step(lambda: (hr, None))
    assert set(out) == {"loss_d", "loss_g", "content", "adversarial"}
    assert out["loss_g"] == pytest.approx(out["content"] + 1e-3 * out["adversarial"], rel=1e-5)


def test_srgan_state_dict_round_trip_continues_identically(tmp_path):
    hr = load_dataset("mnist-sr", download=False, quiet=True).x[:32]
    batches = [hr[:16], hr[16:], hr[:16], hr[16:]]
    mg.backend.manual_seed(0)
    a = build("srgan", content_loss="mse")
    a.train_step(lambda: (batches[0], None))
    mg.save(a.state_dict(), tmp_path / "state.npz")
    mg.backend.manual_seed(1)               # a different initialisation, then overwritten
    b = build("srgan", content_loss="mse")
    b.load_state_dict(mg.load(tmp_path / "state.npz"))
    for x in batches[1:]:
        assert a.train_step(lambda: (x, None)) == b.train_step(lambda: (x, None))


# ------------------------------------------------------------------ the command

def run(args, cwd, check=True):
    env = dict(os.environ, MINIGAN_CACHE=str(cwd / "cache"), MINIGAN_OFFLINE="1",
               PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, "-m", "minigan.train", "--no-progress", *args],
                          cwd=cwd, env=env, text=True, capture_output=True, timeout=300)
    if check and proc.returncode:
        raise AssertionError(proc.stderr)
    return proc


def test_srresnet_then_srgan_from_the_command_line(tmp_path, capsys):
    pre = tmp_path / "pre"
    run(["--model", "srresnet", "--dataset", "mnist-sr", "--iterations", "1", "--out",
         str(pre)], tmp_path)
    final = [json.loads(line) for line in open(pre / "metrics.jsonl")][-1]
    assert {"psnr", "ssim", "accuracy", "fid"} <= set(final)
    assert (pre / "samples_final.png").exists() and (pre / "losses.png").exists()
    gan = tmp_path / "gan"
    run(["--model", "srgan", "--dataset", "mnist-sr", "--iterations", "1", "--out", str(gan),
         "--pretrained", str(pre)], tmp_path)
    config = json.load(open(gan / "config.json"))
    assert config["pretrained"].endswith("checkpoint.npz") and config["adv_weight"] == 1e-3
    assert {"loss_d", "content", "adversarial", "psnr"} <= set(
        k for line in open(gan / "metrics.jsonl") for k in json.loads(line))
    # the content and adversarial weights define the experiment: a resume cannot change them
    proc = main_in_process(["minigan.train", "--no-progress", "--resume", str(gan),
                            "--adv-weight", "0.01", "--iterations", "2"], tmp_path, capsys,
                           check=False)
    assert proc.returncode == 2 and "--adv-weight 0.01" in proc.stderr, proc.stderr
    # minigan.translate super-resolves with the run's generator, read from its checkpoint
    low = np.random.default_rng(0).uniform(-1, 1, (3, 1, 7, 7)).astype("float32")
    np.save(tmp_path / "low.npy", low)
    env = dict(os.environ, MINIGAN_OFFLINE="1", PYTHONPATH=ROOT)
    command = [sys.executable, "-m", "minigan.translate", "--run", str(gan),
               "--input", str(tmp_path / "low.npy"), "--out", str(tmp_path / "high.npy")]
    proc = subprocess.run(command, cwd=tmp_path, env=env, text=True, capture_output=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    from minigan.serialization import load
    G = SRGenerator(config["sr_channels"], config["sr_blocks"], 1)
    G.load_state_dict(load(str(gan / "checkpoint.npz"))["model"]["G"])
    G.eval()
    with mg.no_grad():
        expected = G(mg.tensor(low)).data
    np.testing.assert_allclose(np.load(tmp_path / "high.npy"), expected, rtol=1e-6, atol=1e-6)
    proc = main_in_process([*command[2:], "--direction", "b2a"], tmp_path, capsys, check=False)
    assert proc.returncode == 2 and "one way" in proc.stderr and len(proc.stderr.splitlines()) == 1


@pytest.mark.parametrize("flags,message", [
    (["--model", "srresnet", "--dataset", "mnist"], "needs super-resolution pairs"),
    (["--model", "dcgan", "--dataset", "mnist-sr"], "is for --model srresnet or srgan"),
    (["--model", "srgan", "--dataset", "mnist-sr", "--pretrained", "nowhere"],
     "no checkpoint.npz"),
    (["--model", "srresnet", "--dataset", "mnist-sr", "--pretrained", "x"], "is for --model srgan"),
])
def test_bad_sr_input_is_one_line_and_exit_2(tmp_path, capsys, flags, message):
    proc = main_in_process(["minigan.train", "--no-progress", *flags, "--out",
                            str(tmp_path / "r")], tmp_path, capsys, check=False)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], proc.stderr


@pytest.mark.slow
def test_srgan_resume_is_bit_identical(tmp_path):
    """2 steps then a resume to 4 equals 4 straight, every array of the checkpoint."""
    pre = tmp_path / "pre"
    run(["--model", "srresnet", "--dataset", "mnist-sr", "--iterations", "1", "--out",
         str(pre)], tmp_path)
    common = ["--model", "srgan", "--dataset", "mnist-sr", "--pretrained", str(pre),
              "--content-loss", "mse", "--checkpoint-every", "100", "--sample-every", "100"]
    run(common + ["--iterations", "4", "--out", str(tmp_path / "straight")], tmp_path)
    run(common + ["--iterations", "2", "--out", str(tmp_path / "split")], tmp_path)
    run(["--resume", str(tmp_path / "split"), "--iterations", "4"], tmp_path)
    a, b = (np.load(tmp_path / d / "checkpoint.npz") for d in ("straight", "split"))
    assert a.files == b.files
    for key in a.files:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


@pytest.mark.slow
def test_the_perception_distortion_table(tmp_path):
    """The README's commands: SRResNet best on PSNR and SSIM, SRGAN best on classifier FID,
    bicubic worst on both (about 30 minutes on one loaded core)."""
    from minigan import sr_report
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    from sr_table import load_run
    pre = tmp_path / "srresnet"
    run(["--model", "srresnet", "--dataset", "mnist-sr", "--out", str(pre)], tmp_path)
    run(["--model", "srgan", "--dataset", "mnist-sr", "--pretrained", str(pre),
         "--iterations", "500", "--out", str(tmp_path / "srgan")], tmp_path)
    run(["--resume", str(pre), "--iterations", "2500"], tmp_path)   # as many G updates
    lr, hr, labels = sr_report.test_pairs()
    scores = {name: sr_report.score_outputs(load_run(str(tmp_path / name))[0].translate(lr),
                                            hr, labels) for name in ("srresnet", "srgan")}
    bicubic = sr_report.bicubic_scores()
    assert scores["srresnet"]["psnr"] > scores["srgan"]["psnr"] > bicubic["psnr"]
    assert scores["srresnet"]["ssim"] > bicubic["ssim"] and scores["srgan"]["ssim"] > bicubic["ssim"]
    assert scores["srgan"]["fid"] < 0.5 * scores["srresnet"]["fid"] < bicubic["fid"]
