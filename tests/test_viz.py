"""Pictures: each function writes a PNG of the expected size, and image grids put every
pixel where the layout formula says (checked by decoding the PNG)."""
import os
import subprocess
import sys

import matplotlib.image as mpimg
import numpy as np
import pytest
import scipy.stats

from minigan import viz
from minigan.data import toy

TOY_PX = (500, 500)
PIXEL = 1 / 255 + 1e-6          # one step of 8-bit colour


def read_png(path):
    """The decoded picture (H, W, 4) in [0, 1], after checking the file is a non-empty PNG."""
    assert os.path.getsize(path) > 0
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    return mpimg.imread(path)


def cell(picture, row, col, h=28, w=28, padding=2, scale=1, top=0):
    """The pixels of tile (row, col) of a grid picture, by the layout formula."""
    y = top + (padding + row * (h + padding)) * scale
    x = (padding + col * (w + padding)) * scale
    return picture[y:y + h * scale, x:x + w * scale, :3]


# ---------------------------------------------------------------------------- image grids

def one_white(n=64, white=10, h=28, w=28):
    images = -np.ones((n, 1, h, w), dtype=np.float32)
    images[white] = 1.0
    return images


def test_grid_of_64_puts_the_white_image_in_its_cell(tmp_path):
    path = viz.save_image_grid(one_white(), tmp_path / "grid.png", scale=1)
    picture = read_png(path)
    assert picture.shape == (8 * 30 + 2, 8 * 30 + 2, 4)            # 8 x 8 tiles, 2 px padding
    for i in range(64):
        tile = cell(picture, i // 8, i % 8)
        np.testing.assert_allclose(tile, 1.0 if i == 10 else 0.0, atol=PIXEL)
    # The padding is white: the first rows and columns, and the lines between tiles.
    np.testing.assert_allclose(picture[:2, :, :3], 1.0, atol=PIXEL)
    np.testing.assert_allclose(picture[:, 30:32, :3], 1.0, atol=PIXEL)


def test_grid_scale_pad_value_and_title(tmp_path):
    picture = read_png(viz.save_image_grid(one_white(), tmp_path / "g.png", scale=2,
                                           pad_value=-1.0, title="samples"))
    band = viz.TITLE_BAND
    assert picture.shape == (484 + band, 484, 4)
    np.testing.assert_allclose(cell(picture, 1, 2, scale=2, top=band), 1.0, atol=PIXEL)
    np.testing.assert_allclose(cell(picture, 1, 3, scale=2, top=band), 0.0, atol=PIXEL)
    np.testing.assert_allclose(picture[band:band + 4, :, :3], 0.0, atol=PIXEL)   # black padding
    assert picture[:band, :, :3].min() < 0.5          # the title's text is drawn in the band


def test_grid_nrow_partial_rows_and_three_dimensional_input(tmp_path):
    # 10 images without a channel axis, 4 per row -> 3 rows, the last two cells empty.
    images = one_white(n=10, white=9, h=5, w=7)[:, 0]
    picture = read_png(viz.save_image_grid(images, tmp_path / "g.png", nrow=4, scale=1))
    assert picture.shape == (3 * (5 + 2) + 2, 4 * (7 + 2) + 2, 4)
    np.testing.assert_allclose(cell(picture, 2, 1, h=5, w=7), 1.0, atol=PIXEL)      # image 9
    np.testing.assert_allclose(cell(picture, 2, 0, h=5, w=7), 0.0, atol=PIXEL)      # image 8
    np.testing.assert_allclose(cell(picture, 2, 2, h=5, w=7), 1.0, atol=PIXEL)      # empty: pad


def test_grid_grey_levels_and_colour_images(tmp_path):
    images = np.zeros((4, 3, 6, 6), dtype=np.float32)          # 0 in [-1, 1] is mid grey
    images[1] = np.array([1.0, -1.0, -1.0])[:, None, None]      # pure red
    images[2, :, 0, 0] = 5.0                                    # out of range: clipped to white
    picture = read_png(viz.save_image_grid(images, tmp_path / "c.png", scale=1))
    assert picture.shape == (2 * 8 + 2, 2 * 8 + 2, 4)
    np.testing.assert_allclose(cell(picture, 0, 0, h=6, w=6), 0.5, atol=PIXEL)
    np.testing.assert_allclose(cell(picture, 0, 1, h=6, w=6)[..., 0], 1.0, atol=PIXEL)
    np.testing.assert_allclose(cell(picture, 0, 1, h=6, w=6)[..., 1:], 0.0, atol=PIXEL)
    np.testing.assert_allclose(cell(picture, 1, 0, h=6, w=6)[0, 0], 1.0, atol=PIXEL)


def test_grid_rejects_bad_shapes(tmp_path):
    with pytest.raises(ValueError):
        viz.save_image_grid(np.zeros((4, 2, 8, 8)), tmp_path / "x.png")
    with pytest.raises(ValueError):
        viz.save_image_grid(np.zeros((0, 1, 8, 8)), tmp_path / "x.png")


# ---------------------------------------------------------------------------- toy pictures

def test_ring_scatter_against_real_data_and_modes(tmp_path):
    rng = np.random.default_rng(0)
    real, _ = toy.sample_ring(6000, rng)
    fake = real[:500] + rng.normal(0, 0.1, (500, 2))
    fake[:5] = 50.0                                                # outside the frame
    for kwargs in ({"real": real, "modes": toy.MODES["ring"]}, {"modes": toy.MODES["ring"]},
                   {"real": real}, {}):
        picture = read_png(viz.save_toy_samples(fake, tmp_path / "r.png", title="ring", **kwargs))
        assert picture.shape[:2] == TOY_PX


def test_toy_frame_is_square_fixed_by_the_reference_and_contains_it():
    for name in ("ring", "grid"):
        modes = toy.MODES[name]
        (x0, x1), (y0, y1) = viz._square_limits(modes)
        assert x1 - x0 == pytest.approx(y1 - y0)
        assert x0 < modes[:, 0].min() and modes[:, 0].max() < x1
        assert y0 < modes[:, 1].min() and modes[:, 1].max() < y1
    # ring: centres span [-2, 2], widened by half on each side -> [-3, 3].
    np.testing.assert_allclose(viz._square_limits(toy.MODES["ring"]), [(-3, 3), (-3, 3)])


def test_histogram_against_a_pdf_or_real_samples(tmp_path):
    rng = np.random.default_rng(1)
    fake = rng.normal(3.8, 0.6, (1000, 1)).astype(np.float32)
    pdf = scipy.stats.norm(4.0, 0.5).pdf
    for real, x in ((pdf, fake), (rng.normal(4, 0.5, (3000, 1)), fake), (None, fake[:, 0])):
        picture = read_png(viz.save_toy_samples(x, tmp_path / "h.png", real=real, xlim=None))
        assert picture.shape[:2] == TOY_PX
    read_png(viz.save_toy_samples(fake, tmp_path / "h.png", real=pdf, xlim=(2, 6)))
    with pytest.raises(ValueError):
        viz.save_toy_samples(np.zeros((5, 3)), tmp_path / "h.png")


def test_labelled_ring(tmp_path):
    x, mode = toy.sample_ring(800, np.random.default_rng(2))
    picture = read_png(viz.save_labelled_toy_samples(x, mode, tmp_path / "l.png",
                                                     modes=toy.MODES["ring"], title="cgan"))
    assert picture.shape[:2] == TOY_PX
    g, gmode = toy.sample_grid(800, np.random.default_rng(2))       # 25 labels, no legend
    assert read_png(viz.save_labelled_toy_samples(g, gmode, tmp_path / "g.png")).shape[:2] == TOY_PX
    with pytest.raises(ValueError):
        viz.save_labelled_toy_samples(x, mode[:-1], tmp_path / "l.png")


# ---------------------------------------------------------------------------- loss curves

def history(n, extra=True):
    rng = np.random.default_rng(3)
    rows = []
    for step in range(0, n * 10, 10):
        row = {"step": step, "loss_d": float(1 + rng.normal()), "loss_g": float(rng.normal())}
        if extra:
            row.update(wasserstein=float(rng.normal()), gp=float(rng.random()))
        rows.append(row)
    return rows


def test_loss_curves_one_panel_per_quantity(tmp_path):
    rows = history(300)
    rows[7]["loss_g"] = float("nan")                  # skipped, not a crash
    rows[50]["modes_covered"] = 6                     # a metric logged now and then
    rows[50]["samples_per_mode"] = [1, 2, 3]          # not a number: not plotted
    rows[50].update(num_modes=8, final=True)          # bookkeeping: not plotted
    assert viz._panels(rows) == [["loss_d", "loss_g"], ["wasserstein"], ["gp"], ["modes_covered"]]
    picture = read_png(viz.save_loss_curves(rows, tmp_path / "losses.png"))
    assert picture.shape[:2] == (4 * 220, 700)
    assert read_png(viz.save_loss_curves(history(3, extra=False), tmp_path / "l.png")).shape[:2] \
        == (220, 700)
    assert read_png(viz.save_loss_curves([], tmp_path / "e.png")).shape[:2] == (220, 700)


def test_every_panel_says_what_it_plots_and_counts_get_whole_ticks():
    rows = history(30)
    for step, modes in ((0, 1), (100, 2), (200, 2)):
        rows[step // 10]["modes_covered"] = modes      # a count, logged at three steps
    fig = viz.loss_figure(rows)
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "wasserstein", "gp", "modes_covered"]
    assert fig.axes[-1].get_xlabel() == "step"
    counts = fig.axes[3].get_yticks()
    inside = counts[(counts >= 1) & (counts <= 2)]
    assert len(inside) >= 2 and np.all(inside == np.round(inside))
    gp = fig.axes[2].get_yticks()                   # gp lies in [0, 1): fractional ticks
    assert np.any(gp != np.round(gp))


def test_toy_scatter_axes_are_labelled():
    fig = viz._new_figure(400, 400)
    ax = fig.add_subplot()
    viz._scatter_2d(ax, np.zeros((5, 2)), np.ones((5, 2)), None)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$x_1$", "$x_2$")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["real", "generated"]


def test_files_are_replaced_whole_and_nothing_is_left_behind(tmp_path):
    path = tmp_path / "losses.png"
    for n in (2, 200):
        viz.save_loss_curves(history(n), path)
    assert sorted(os.listdir(tmp_path)) == ["losses.png"]
    assert read_png(path).shape[:2] == (3 * 220, 700)


def test_viz_never_uses_pyplot(tmp_path):
    # pyplot is the part of matplotlib that opens windows and keeps figures alive.
    code = ("import sys, numpy as np; from minigan import viz; "
            f"viz.save_image_grid(np.zeros((4, 1, 8, 8)), {str(tmp_path / 'a.png')!r}); "
            f"viz.save_toy_samples(np.zeros((9, 2)), {str(tmp_path / 'b.png')!r}); "
            "assert 'matplotlib.pyplot' not in sys.modules")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(viz.__file__)))
    subprocess.run([sys.executable, "-c", code], check=True, cwd=repo)
