"""Synthetic digits with labels, rendered from the fonts matplotlib ships (for SimGAN).

The "simulator" of Shrivastava et al. (2017) made offline: each image is one of the ten
digits drawn from a font outline, with a random pose and stroke, rasterised to 28x28:

    font      one of FONTS (four families: DejaVu Sans/Serif/Mono, STIX, Computer
              Modern), chosen uniformly
    height    U(15, 22) pixels (MNIST digits are about 20 high)
    rotation  U(-15, 15) degrees;  shear  U(-0.3, 0.3) (a slant, x += shear * y)
    width     x stretched by U(0.8, 1.25)
    stroke    the filled glyph grown or thinned by U(-0.5, 1.5) pixels
              (a morphological dilation or erosion, done at 4x resolution)
    position  the centre shifted by U(-2, 2) pixels each way from the image centre

The outline comes from matplotlib.textpath.TextPath; it is transformed, and each pixel's
value is the fraction of its 4x4 sub-pixel centres that fall inside the glyph (an
area-sampled, antialiased rendering).  White on black, in [-1, 1], like the MNIST
digits.  The images are a deterministic function of (n, seed) and the font files of the
installed matplotlib (the glyph outlines could change with a matplotlib release).
Labels are balanced: image i shows digit i % 10.

The real, unlabelled domain that SimGAN refines these towards is the bundled MNIST
training digits; the classifier experiment tests on the held-out ones.
"""
from functools import lru_cache
from pathlib import Path

import numpy as np

SIZE, SUPER = 28, 4
FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf",
         "DejaVuSerif.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSansMono.ttf",
         "STIXGeneral.ttf", "STIXGeneralItalic.ttf", "cmr10.ttf", "cmss10.ttf")


def _font_dir():
    import matplotlib
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@lru_cache(maxsize=None)
def glyph(font, digit):
    """The outline of ``digit`` in ``font``: (vertices (V, 2), codes), centred, height 1."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath
    path = TextPath((0, 0), str(digit), size=1, prop=FontProperties(fname=_font_dir() / font))
    v = path.vertices.copy()
    lo, hi = v.min(axis=0), v.max(axis=0)
    v = (v - (lo + hi) / 2) / (hi[1] - lo[1])
    return v, path.codes


def render(digit, font, height, rotation, shear, stretch, stroke, shift):
    """One digit as float32 (28, 28) in [-1, 1]; angles in degrees, lengths in pixels."""
    from matplotlib.path import Path as MplPath
    from scipy import ndimage
    v, codes = glyph(font, digit)
    t = np.deg2rad(rotation)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    pose = rot @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([stretch, 1.0]) * height
    xy = v @ pose.T
    xy[:, 1] = -xy[:, 1]                                   # image rows grow downwards
    xy += SIZE / 2 + np.asarray(shift)
    centres = (np.arange(SIZE * SUPER) + 0.5) / SUPER      # sub-pixel centres, in pixels
    gx, gy = np.meshgrid(centres, centres)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    inside = np.zeros(len(points), dtype=bool)
    # even-odd rule over the outline's closed contours: a counter (the hole of 0, 6, 8,
    # 9) lies inside two contours and so stays empty
    for polygon in MplPath(xy, codes).to_polygons(closed_only=True):
        inside ^= MplPath(polygon).contains_points(points)
    mask = inside.reshape(SIZE * SUPER, SIZE * SUPER)
    steps = int(round(abs(stroke) * SUPER))
    if steps:
        grow = ndimage.binary_dilation if stroke > 0 else ndimage.binary_erosion
        mask = grow(mask, iterations=steps)
    ink = mask.reshape(SIZE, SUPER, SIZE, SUPER).mean(axis=(1, 3))
    return (ink * 2 - 1).astype(np.float32)


def random_pose(rng):
    """The nuisance parameters of one image, drawn from the ranges in the module docstring."""
    return dict(font=FONTS[rng.integers(len(FONTS))], height=rng.uniform(15, 22),
                rotation=rng.uniform(-15, 15), shear=rng.uniform(-0.3, 0.3),
                stretch=rng.uniform(0.8, 1.25), stroke=rng.uniform(-0.5, 1.5),
                shift=rng.uniform(-2, 2, 2))


@lru_cache(maxsize=4)
def _make(n, seed):
    rng = np.random.default_rng(seed)
    y = np.arange(n, dtype=np.int64) % 10
    x = np.stack([render(int(d), **random_pose(rng)) for d in y])[:, None]
    return x, y


def synthetic_digits(n=5000, seed=0):
    """n labelled synthetic digits: x float32 (n, 1, 28, 28) in [-1, 1], y int64 (n,).

    Deterministic in (n, seed); cached in memory (rendering 5,000 takes some seconds).
    """
    x, y = _make(int(n), int(seed))
    return x.copy(), y.copy()
