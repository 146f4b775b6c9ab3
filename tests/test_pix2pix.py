"""pix2pix and the mnist-edges data: the data against its definition, the PatchGAN's
receptive field against gradients, the training step's ablations, the command,
exact resume and ``minigan.translate``.  Quality targets are in the slow test."""
import json

import numpy as np
import pytest

import minigan as mg
from minigan import nn
from minigan.autograd import Tensor
from minigan.data import load_dataset
from minigan.data import translation
from minigan.gans import img2img
from minigan.gans.pix2pix import PatchDiscriminator, UNetGenerator, receptive_field
from minigan import translation_scores
from test_train import checkpoint_arrays, main_in_process, one_error_line, run, train


def bundled(name):
    """A translation data set made from the bundled digits, whatever this machine has
    cached or can download (so the sizes below hold everywhere)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MINIGAN_CACHE", "/nonexistent/minigan-cache")
        mp.delenv("MINIGAN_DATA", raising=False)
        return load_dataset(name, download=False, quiet=True)


@pytest.fixture(scope="module")
def edges():
    return bundled("mnist-edges")


# ------------------------------------------------------------------ data

def test_outline_is_the_half_resolution_boundary_by_loops():
    rng = np.random.default_rng(0)
    images = (rng.random((3, 10, 10)) ** 0.5 * 255).astype(np.uint8)
    images[0, :2, :2] = (120, 136), (128, 128)    # a block mean of exactly 128 is ink
    expected = np.zeros_like(images)
    for n in range(3):
        ink = np.zeros((5, 5), bool)
        for i in range(5):                        # the 2x2 block means, thresholded
            for j in range(5):
                ink[i, j] = images[n, 2 * i:2 * i + 2, 2 * j:2 * j + 2].mean() >= 128
        for i in range(5):
            for j in range(5):                    # ink with a paper 4-neighbour (or the frame)
                neighbours = [ink[p, q] if 0 <= p < 5 and 0 <= q < 5 else False
                              for p, q in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1))]
                if ink[i, j] and not all(neighbours):
                    expected[n, 2 * i:2 * i + 2, 2 * j:2 * j + 2] = 255
    assert 0 < (expected > 0).mean() < (images >= 128).mean()   # some ink is interior
    np.testing.assert_array_equal(translation.outline(images), expected)


def test_thicken_is_the_3x3_maximum_by_loops():
    rng = np.random.default_rng(1)
    images = (rng.random((2, 7, 8)) * 255).astype(np.uint8)
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)), mode="symmetric")
    expected = np.array([[[padded[n, i:i + 3, j:j + 3].max() for j in range(8)]
                          for i in range(7)] for n in range(2)])
    np.testing.assert_array_equal(translation.thicken(images), expected)


def test_edges_pairs_and_a_held_out_split_that_training_never_sees(edges):
    assert edges.kind == "paired" and edges.x.shape == (4500, 2, 28, 28)
    assert edges.test_x.shape == (500, 2, 28, 28) and edges.x.dtype == np.float32
    assert set(np.unique(edges.x[:, 0])) == {-1.0, 1.0}           # a binary outline
    np.testing.assert_array_equal(np.bincount(edges.test_y), [50] * 10)
    # the outline of each target is its input
    target = np.rint((edges.x[:5, 1] + 1) * 127.5).astype(np.uint8)
    np.testing.assert_array_equal(translation.outline(target),
                                  np.rint((edges.x[:5, 0] + 1) * 127.5).astype(np.uint8))
    train = {t.tobytes() for t in edges.x[:, 1]}
    assert not any(t.tobytes() in train for t in edges.test_x[:, 1])


def test_fashion_edges_reads_the_idx_files_train_and_test(tmp_path):
    from minigan.data import write_idx
    rng = np.random.default_rng(0)
    folder = tmp_path / "fashion-mnist"
    folder.mkdir()
    for split, n in (("train", 12), ("t10k", 5)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        write_idx(folder / f"{split}-images-idx3-ubyte", images)
        write_idx(folder / f"{split}-labels-idx1-ubyte", (np.arange(n) % 10).astype(np.uint8))
        if split == "t10k":
            test_images = images
    data = load_dataset("fashion-edges", data_dir=str(tmp_path), quiet=True)
    assert data.x.shape == (12, 2, 28, 28) and data.test_x.shape == (5, 2, 28, 28)
    np.testing.assert_array_equal(data.test_x[:, 1, :, :], translation.to_unit(test_images))
    np.testing.assert_array_equal(data.test_x[:, 0], translation.to_unit(
        translation.outline(test_images)))


def test_thickness_domains_come_from_different_digits():
    data = bundled("mnist-thickness")
    assert data.kind == "unpaired" and data.x.shape == (2250, 2, 28, 28)
    thin = np.rint((data.x[:, 0] + 1) * 127.5).astype(np.uint8)
    thick_b = {t.tobytes() for t in data.x[:, 1]}
    partners = translation.to_unit(translation.thicken(thin))
    assert not any(p.tobytes() in thick_b for p in partners)   # no A digit has its partner in B
    ink = lambda x: ((x + 1) / 2).sum(axis=(1, 2)).mean()       # noqa: E731
    assert ink(data.x[:, 1]) > 1.5 * ink(data.x[:, 0])          # B is thicker
    np.testing.assert_array_equal(
        data.test_x[:, 1], translation.to_unit(translation.thicken(
            np.rint((data.test_x[:, 0] + 1) * 127.5).astype(np.uint8))))


# ------------------------------------------------------------------ the nets

@pytest.mark.parametrize("patch,side,seen", [
    (1, 28, 1),          # PixelGAN: 1x1 convolutions, one logit per pixel
    (8, 12, 8),          # (4, 2), (2, 1), (2, 1): 1 -> 2 -> 3 -> 8
    (16, 12, 16),        # (4, 2), (4, 1), (4, 1): 1 -> 4 -> 7 -> 16, the default
    (38, 1, 28),         # ImageGAN: (4, 2) x 3, (3, 1): 1 -> 3 -> 8 -> 18 -> 38, all of 28x28
])
def test_patchgan_receptive_field_formula_and_by_gradients(patch, side, seen):
    D = PatchDiscriminator(2, 4, patch).eval()    # eval: batch norm is per pixel, not global
    assert receptive_field(D) == patch
    x = mg.tensor(np.random.default_rng(0).standard_normal((1, 2, 28, 28)).astype("float32"),
                  requires_grad=True)
    logits = D(x[:, :1], x[:, 1:])
    assert logits.shape == (1, 1, side, side)
    (g,) = mg.grad(logits[0, 0, side // 2, side // 2], [x])    # one patch's logit
    rows, cols = np.nonzero(np.abs(g.data[0]).sum(axis=0))
    assert rows.max() - rows.min() + 1 == seen and cols.max() - cols.min() + 1 == seen
    if patch == 38:                               # the field runs past the borders: the
        assert rows.min() == 0 and rows.max() == 27   # one logit sees every pixel


def test_unet_shapes_and_skips_carry_the_input_past_the_bottleneck():
    G = img2img.normal_init(UNetGenerator(1, 1, 4))
    a = mg.tensor(np.random.default_rng(0).uniform(-1, 1, (3, 1, 28, 28)).astype("float32"),
                  requires_grad=True)
    assert G(a).shape == (3, 1, 28, 28)
    G.e4[0].weight.data[...] = 0                  # cut the bottleneck: only skips remain
    G.eval()
    (g,) = mg.grad(G(a).sum(), [a])
    assert np.abs(g.data).sum() > 0
    assert len([m for m in G.modules() if isinstance(m, nn.Dropout)]) == 2


def _model(objective, seed=0):
    config = dict(img2img.defaults("pix2pix"), model="pix2pix", objective=objective, width=4,
                  d_width=4)
    mg.backend.manual_seed(seed)
    return img2img.build(config, (2, 28, 28), "paired", seed=seed)


def _batches(edges, n=8):
    x = edges.x[:n]
    return lambda: (x, None)


def test_l1_alone_leaves_d_untouched_and_fits_the_batch(edges):
    model = _model("l1")
    d_before = {k: v.copy() for k, v in model.D.state_dict().items()}
    model.opt_g.lr = 2e-3                         # a quick fit of one batch
    losses = [model.train_step(_batches(edges))["loss_l1"] for _ in range(15)]
    assert "loss_d" not in model.train_step(_batches(edges))
    for k, v in model.D.state_dict().items():
        np.testing.assert_array_equal(v, d_before[k])
    assert losses[-1] < 0.7 * losses[0]


def test_objectives_weigh_the_losses_as_eq_4(edges):
    full, cgan = _model("l1+cgan"), _model("cgan")
    f = full.train_step(_batches(edges))
    c = cgan.train_step(_batches(edges))
    assert abs(f["loss_g"] - (f["loss_g_gan"] + 100 * f["loss_l1"])) < 1e-3 * f["loss_g"]
    assert abs(c["loss_g"] - c["loss_g_gan"]) < 1e-6 and "loss_d" in c
    with pytest.raises(ValueError):
        _model("gan")


def test_translate_runs_g_as_in_training_and_leaves_it_as_it_was(edges):
    """The paper's test protocol: dropout on, batch norm on the translated batch's own
    statistics; deterministic, and the model's state and generator untouched."""
    model = _model("l1+cgan")
    for _ in range(2):
        model.train_step(_batches(edges))
    before = {k: v.copy() for k, v in model.G.state_dict().items()}
    rng_before = model.rng.bit_generator.state
    a = edges.test_x[:8, :1]
    out = model.translate(a)
    np.testing.assert_array_equal(out, model.translate(a))          # the same images, twice
    for k, v in model.G.state_dict().items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)      # running stats kept
    assert model.rng.bit_generator.state == rng_before and model.G.training
    for m in model.G.modules():
        if isinstance(m, nn.Dropout):
            m.p = 0.0                                               # dropout off by hand:
    no_dropout = model.translate(a)
    assert np.abs(out - no_dropout).max() > 1e-3                    # so it was on
    alone = model.translate(a[:1])                                  # batch statistics: row 0
    assert np.abs(alone[0] - no_dropout[0]).max() > 1e-3            # depends on the others
    model.G.eval()
    model.translate(a)
    assert not model.G.training                                     # its mode is restored


def test_translate_normalises_each_run_of_training_batch_size_images_alone(edges):
    """Batch norm at test time sees test batches as large as the training batches (the
    paper: "exactly the same manner as during the training phase"): changing image 5
    moves the other images of its batch of 4 (4-7) and leaves images 0-3 bit for bit."""
    config = dict(img2img.defaults("pix2pix"), model="pix2pix", width=4, d_width=4)
    assert config["batch_size"] == 4
    assert img2img.build(dict(config, batch_size=2), (2, 28, 28), "paired").test_batch == 2
    model = _model("l1+cgan")
    for _ in range(2):
        model.train_step(_batches(edges))
    a = edges.test_x[:8, :1]
    changed = a.copy()
    changed[5] = edges.test_x[9, :1]
    before, after = model.translate(a), model.translate(changed)
    np.testing.assert_array_equal(after[:4], before[:4])
    for i in (4, 6, 7):
        assert np.abs(after[i] - before[i]).max() > 1e-4, i


# ------------------------------------------------------------------ scores

def test_scores_against_hand_computed_values():
    x = np.zeros((4, 1, 28, 28), np.float32)
    y = x + 0.2                                   # 0.1 apart on the [0, 1] scale
    assert abs(translation_scores.l1(x, y) - 0.1) < 1e-7
    assert abs(translation_scores.psnr(x, y) - 20.0) < 1e-4     # 10 log10(1 / 0.01)
    assert abs(translation_scores.ink(x) - 0.5 * 784) < 1e-3


# ------------------------------------------------------------------ the commands

FAST = ["--model", "pix2pix", "--dataset", "mnist-edges", "--width", "4", "--batch-size", "4",
        "--seed", "1", "--checkpoint-every", "100", "--sample-every", "100"]   # score at the end


def test_command_trains_scores_resumes_exactly_and_translates(tmp_path, edges, capsys):
    """The trainings and one translation run in subprocesses; the refusals (which stop
    before any work) through the commands' main() in this process (main_in_process)."""
    fast = [*FAST, "--patch", "8"]                # a non-default D, kept on resume
    train(tmp_path, *fast, "--iterations", "4", "--out", str(tmp_path / "straight"))
    train(tmp_path, *fast, "--iterations", "2", "--out", str(tmp_path / "split"))
    proc = main_in_process(["minigan.train", "--no-progress", "--resume",
                            str(tmp_path / "split"), "--patch", "16"], tmp_path, capsys,
                           check=False)
    assert proc.returncode == 2 and "--patch 16 (the run has 8)" in one_error_line(proc)
    train(tmp_path, "--resume", str(tmp_path / "split"), "--iterations", "4", "--patch", "8")
    a = checkpoint_arrays(tmp_path / "straight" / "checkpoint.npz")
    b = checkpoint_arrays(tmp_path / "split" / "checkpoint.npz")
    assert a.keys() == b.keys()
    for key in a:                                 # dropout masks included: bit for bit
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    out = tmp_path / "straight"
    for name in ("config.json", "losses.png", "samples_final.png"):
        assert (out / name).exists()
    final = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()][-1]
    assert final["final"] and {"l1", "psnr", "sharpness", "accuracy", "fid"} <= set(final)
    assert json.loads((out / "config.json").read_text())["patch"] == 8
    # minigan.translate gives the trained model's translation
    np.save(tmp_path / "a.npy", edges.test_x[:6, :1])
    run(["minigan.translate", "--run", str(out), "--input", str(tmp_path / "a.npy"),
         "--out", str(tmp_path / "b.npy")], tmp_path)
    from minigan.translate import load_model
    model = load_model(str(out))
    assert receptive_field(model.D) == 8          # the run's D is rebuilt with its patch
    expected = model.translate(edges.test_x[:6, :1])
    np.testing.assert_array_equal(np.load(tmp_path / "b.npy"), expected)
    # bad input to minigan.translate, and minigan.sample on a translation run
    np.save(tmp_path / "big.npy", np.full((2, 28, 28), 200.0))
    for args, message in ((["--input", str(tmp_path / "big.npy")], "[-1, 1]"),
                          (["--input", str(tmp_path / "none.npy")], "cannot read"),
                          (["--input", str(tmp_path / "big.npy"), "--run", str(tmp_path)],
                           "no config.json")):
        full = ["minigan.translate", "--run", str(out), "--out",
                str(tmp_path / "o.npy"), *args]
        proc = main_in_process(full, tmp_path, capsys, check=False)
        assert proc.returncode == 2 and message in one_error_line(proc)
    proc = main_in_process(["minigan.sample", "--run", str(out), "--out",
                            str(tmp_path / "s.npy")], tmp_path, capsys, check=False)
    assert proc.returncode == 2 and "minigan.translate" in one_error_line(proc)


@pytest.mark.parametrize("flags,message", [
    (["--model", "pix2pix", "--dataset", "mnist"], "needs paired data"),
    (["--model", "gan", "--dataset", "mnist-edges"], "translation data"),
    (["--model", "pix2pix", "--dataset", "mnist-edges", "--objective", "gan"], "--objective"),
    (["--model", "cyclegan", "--dataset", "mnist-edges"], "needs unpaired data"),
])
def test_bad_pairs_are_one_line_and_exit_2(tmp_path, capsys, flags, message):
    proc = main_in_process(["minigan.train", "--no-progress", *flags, "--out",
                            str(tmp_path / "r")], tmp_path, capsys, check=False)
    assert proc.returncode == 2 and message in one_error_line(proc)
