"""SimGAN: the synthetic digits, the history buffer, the losses and Algorithm 1's phases.
The classifier result itself comes from scripts/simgan_table.py (README)."""
import numpy as np
import pytest

import minigan as mg
from minigan import gans
from minigan.data.synthetic import FONTS, fill, glyph, render, synthetic_digits
from minigan.gans.simgan import ImageHistory, l1_loss, local_adversarial_loss


def test_synthetic_digits_are_deterministic_balanced_and_in_range():
    x, y = synthetic_digits(20, seed=3)
    x2, _ = synthetic_digits(20, seed=3)
    assert x.shape == (20, 1, 28, 28) and x.dtype == np.float32
    np.testing.assert_array_equal(x, x2)
    assert y.tolist() == list(range(10)) * 2
    assert x.min() >= -1 and x.max() <= 1
    assert not np.array_equal(synthetic_digits(20, seed=4)[0], x)
    assert not np.array_equal(synthetic_digits(20, seed=3, random_pen=True)[0], x)


POSE = dict(font="DejaVuSans.ttf", size=20, rotation=0, shear=0, stretch=1, warp=None,
            shift=(0, 0))


def test_render_keeps_the_counters_of_0_and_8_empty_and_the_pen_grows_strokes():
    zero = render(0, stroke=0, **POSE)
    assert zero[14, 14] == -1.0                   # the hole in the middle is background
    assert (zero > 0).mean() > 0.1                # and there is ink around it
    assert render(8, stroke=0, **POSE)[9:19, 14].min() == -1.0   # a counter of the 8
    assert (render(1, stroke=1, **POSE) > -1).sum() > (render(1, stroke=0, **POSE) > -1).sum()


def test_render_normalises_size_and_centre_of_mass_as_mnist():
    """The long side of the ink's box is `size`; the centre of mass is the image centre."""
    for digit, font in [(2, "DejaVuSerif.ttf"), (7, "cmr10.ttf"), (1, "STIXGeneral.ttf")]:
        image = render(digit, stroke=0, **dict(POSE, font=font, size=18))
        ink = (image + 1) / 2
        rows, cols = np.nonzero(ink > 0)
        long_side = max(rows.max() - rows.min(), cols.max() - cols.min()) + 1
        assert 18 <= long_side <= 19              # whole pixels touched by an 18-pixel box
        weights = ink / ink.sum()
        grid = np.arange(28)
        centre = (weights.sum(1) @ grid, weights.sum(0) @ grid)
        assert np.allclose(centre, 13.5, atol=0.3)     # pixel centres run 0..27


def test_fill_agrees_with_matplotlibs_point_in_polygon():
    """The scanline even-odd fill against matplotlib's contains_points, at the 4x
    sub-pixel centres, for a few glyphs with counters."""
    from matplotlib.path import Path as MplPath
    centres = (np.arange(112) + 0.5) / 4
    gx, gy = np.meshgrid(centres, centres)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    for digit, font in [(8, "DejaVuSans.ttf"), (4, "cmr10.ttf"), (0, FONTS[-1])]:
        contours = [c * [15, -19] + [13.3, 14.1] for c in glyph(font, digit)]
        inside = np.zeros(len(points), dtype=bool)
        for c in contours:
            inside ^= MplPath(c).contains_points(points)
        np.testing.assert_array_equal(fill(contours), inside.reshape(112, 112))


def test_history_buffer_fills_then_replaces_and_samples_only_pushed_images():
    rng = np.random.default_rng(0)
    h = ImageHistory(6)
    h.push(np.full((4, 1, 2, 2), 1.0), rng)
    assert len(h) == 4
    h.push(np.full((4, 1, 2, 2), 2.0), rng)
    assert len(h) == 6                            # full: the last two replaced random slots
    assert set(np.unique(h.images)) <= {1.0, 2.0} and (h.images == 2.0).sum() >= 2 * 4
    assert set(np.unique(h.sample(10, rng))) <= {1.0, 2.0}


def test_losses_by_hand():
    x = mg.tensor(np.array([[0.5, -1.0]], "float32"))
    y = mg.tensor(np.array([[0.0, 1.0]], "float32"))
    assert l1_loss(x, y).item() == pytest.approx((0.5 + 2.0) / 2)
    logits = mg.tensor(np.array([[[[0.0, 2.0]]]], "float32"))
    softplus = lambda t: np.log1p(np.exp(t))   # noqa: E731
    assert local_adversarial_loss(logits, real=True).item() == pytest.approx(
        (softplus(0) + softplus(-2)) / 2, rel=1e-6)
    assert local_adversarial_loss(logits, real=False).item() == pytest.approx(
        (softplus(0) + softplus(2)) / 2, rel=1e-6)


def build(**extra):
    config = dict(gans.defaults("simgan", "image"), model="simgan", **extra)
    return gans.build(config, (1, 28, 28), "image")


def test_algorithm_1_phases_and_the_history_in_the_d_batch(tmp_path):
    x = synthetic_digits(16, seed=9)[0]
    mg.backend.manual_seed(0)
    model = build(pretrain_r=1, pretrain_d=1, history_size=24, batch_size=16)
    assert model.D(mg.tensor(x)).shape == (16, 1, 7, 7)      # a map of patch logits
    assert set(model.train_step(lambda: (x, None))) == {"self_reg"}
    assert set(model.train_step(lambda: (x, None))) == {"loss_d"}
    out = model.train_step(lambda: (x, None))
    assert set(out) == {"loss_g", "adversarial", "self_reg", "loss_d"}
    assert out["loss_g"] == pytest.approx(out["adversarial"] + 0.5 * out["self_reg"], rel=1e-5)
    assert len(model.history) == 16                         # half of each of two D batches
    mg.save(model.state_dict(), tmp_path / "s.npz")
    mg.backend.manual_seed(5)
    other = build(pretrain_r=1, pretrain_d=1, history_size=24, batch_size=16)
    other.load_state_dict(mg.load(tmp_path / "s.npz"))
    assert model.train_step(lambda: (x, None)) == other.train_step(lambda: (x, None))
    assert build(history_size=0).history is None
    assert build(self_reg=0.0).lam == 0.0
    assert model.translate(x).shape == x.shape
