"""Synthetic digits with labels, rendered from the fonts matplotlib ships (for SimGAN).

The "simulator" of Shrivastava et al. (2017) made offline.  SimGAN's premise is a
simulator that is right about the content of an image (here: which digit, and the
range of shapes people give it) and wrong about its appearance (here: the pen).  So
this generator spends its randomness on shape and draws every digit with one pen:

    font        one of FONTS (16 faces of DejaVu, STIX and Computer Modern: sans, serif,
                mono, italic, bold), chosen uniformly
    pose        rotation U(-15, 15) degrees, shear U(-0.3, 0.3) (a slant, x += shear * y),
                width stretched by U(0.8, 1.25)
    size        as MNIST was made (LeCun et al.): the digit's box scaled so that its long
                side is U(17, 21) pixels (MNIST: 20), then the centre of mass put at the
                image centre, then shifted by U(-1, 1) pixels each way
    distortion  an elastic warp of the outline (Simard et al. 2003): a random
                displacement field, uniform in [-1, 1] per pixel, smoothed by a Gaussian
                of sigma 4 pixels and scaled by alpha = 34 -- the handwriting-like wobble
                that no font has
    pen         the filled outline grown by PEN = 1 pixel (a morphological dilation at 4x
                resolution): a fixed, bold marker, thicker than MNIST's strokes

Why (scripts/simgan_gap.py, README's SimGAN section): the first version drew four font
families without distortion, with a random stroke width, and a classifier trained on it
reached 64% on real digits.  Normalising the appearance of both domains (binarising,
blurring, or thinning every digit to a skeleton and redrawing it with one width) left
that at 62-66%: the gap was the digits' shapes, which a local, self-regularised refiner
cannot change without changing the label; and real digits redrawn with that random
stroke still trained a classifier to 95% (96% for the real ones), so the random stroke
(domain randomisation) had removed the appearance gap and left a refiner nothing to do.
With this version: 63.5% as rendered, 73.2% once both domains are thinned and redrawn
with one pen (an appearance gap of about 10 points), real digits drawn with this pen
89.3%; the same poses with a random pen width 73.6%.

The outline comes from matplotlib.textpath.TextPath, its Bezier curves sampled into
polygons; each pixel's value is the fraction of its 4x4 sub-pixel centres that fall
inside the outline (an area-sampled, antialiased rendering), filled by the even-odd
rule so that the counters of 0, 4, 6, 8, 9 stay empty.  White on black, in [-1, 1],
like the MNIST digits.  The images are a deterministic function of (n, seed) and the
font files of the installed matplotlib.  Labels are balanced: image i shows digit i % 10.

The real, unlabelled domain that SimGAN refines these towards is the bundled MNIST
training digits; the classifier experiment tests on the held-out ones.
"""
from functools import lru_cache
from pathlib import Path

import numpy as np

SIZE, SUPER = 28, 4                      # image side; sub-pixels per pixel side
FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf",
         "DejaVuSans-BoldOblique.ttf", "DejaVuSansMono.ttf", "DejaVuSansMono-Oblique.ttf",
         "DejaVuSerif.ttf", "DejaVuSerif-Italic.ttf", "STIXGeneral.ttf",
         "STIXGeneralItalic.ttf", "STIXGeneralBol.ttf", "cmr10.ttf", "cmss10.ttf",
         "cmti10.ttf", "cmtt10.ttf", "cmb10.ttf")
PEN = 1.0                                # pixels added around the outline
RANDOM_PEN = (-0.5, 1.5)                 # the domain-randomised pen of the reference row
ELASTIC_SIGMA, ELASTIC_ALPHA = 4.0, 34.0  # Simard et al. (2003)'s values for MNIST


def _font_dir():
    import matplotlib
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@lru_cache(maxsize=None)
def glyph(font, digit):
    """The outline of ``digit`` in ``font``: a list of closed polygons (V, 2), centred,
    height 1, y up; curves sampled every 0.02 of the height."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.path import Path as MplPath
    from matplotlib.textpath import TextPath
    path = TextPath((0, 0), str(digit), size=1, prop=FontProperties(fname=_font_dir() / font))
    contours, current = [], None
    for segment, code in path.iter_bezier():
        points = segment.control_points
        if code == MplPath.MOVETO:                         # a new closed contour begins
            if current:
                contours.append(np.array(current))
            current = [points[0]]
            continue
        length = np.linalg.norm(np.diff(points, axis=0), axis=1).sum()
        t = np.linspace(0, 1, max(2, int(np.ceil(length / 0.02))) + 1)[1:]
        current.extend(segment(t))
    if current:
        contours.append(np.array(current))
    v = np.concatenate(contours)
    lo, hi = v.min(axis=0), v.max(axis=0)
    return tuple((c - (lo + hi) / 2) / (hi[1] - lo[1]) for c in contours)


def fill(contours):
    """Even-odd fill of closed polygons (pixel coordinates) at the 4x sub-pixel centres.

    Along each row of centres a point is inside when an odd number of the outline's
    edges cross the row to its left: count the crossings per (row, first centre right
    of the crossing), then a running sum along the row.  Returns bool (112, 112).
    """
    n = SIZE * SUPER
    centres = (np.arange(n) + 0.5) / SUPER
    hits = np.zeros((n, n + 1), dtype=np.int64)
    for c in contours:
        a, b = c, np.roll(c, -1, axis=0)                   # the edges a -> b
        edge, row = np.nonzero((a[:, 1:2] <= centres) != (b[:, 1:2] <= centres))
        y0, y1, x0, x1 = a[edge, 1], b[edge, 1], a[edge, 0], b[edge, 0]
        x = x0 + (centres[row] - y0) / (y1 - y0) * (x1 - x0)
        col = np.clip(np.ceil(x * SUPER - 0.5), 0, n).astype(np.int64)
        np.add.at(hits, (row, col), 1)
    return np.cumsum(hits, axis=1)[:, :n] % 2 == 1


def render(digit, font, size, rotation, shear, stretch, warp, shift, stroke=PEN):
    """One digit as float32 (28, 28) in [-1, 1].

    size: the long side of the digit's box in pixels; rotation in degrees; warp: a
    displacement field (2, 28, 28) in pixels (x, y) or None; shift: (dx, dy) pixels from
    the centred position; stroke: pixels added (or, negative, removed) around the outline.
    """
    from scipy import ndimage
    t = np.deg2rad(rotation)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    pose = rot @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([stretch, 1.0])
    contours = [c @ pose.T * [1, -1] for c in glyph(font, digit)]   # image rows grow down
    lo = np.min([c.min(axis=0) for c in contours], axis=0)
    hi = np.max([c.max(axis=0) for c in contours], axis=0)
    contours = [(c - (lo + hi) / 2) * (size / (hi - lo).max()) + SIZE / 2 for c in contours]
    if warp is not None:                                   # move each vertex by the field
        contours = [c + np.stack([ndimage.map_coordinates(w, [c[:, 1], c[:, 0]], order=1,
                                                          mode="nearest") for w in warp], 1)
                    for c in contours]
    mask = fill(contours)
    steps = int(round(abs(stroke) * SUPER))
    if steps:
        grow = ndimage.binary_dilation if stroke > 0 else ndimage.binary_erosion
        mask = grow(mask, iterations=steps)
    if mask.any():                  # centre of mass to the centre, then the shift
        centre = (SIZE * SUPER - 1) / 2
        move = np.round(centre - np.array(ndimage.center_of_mass(mask))
                        + np.asarray(shift)[::-1] * SUPER).astype(int)
        mask = ndimage.shift(mask, move, order=0, mode="constant", cval=False)
    ink = mask.reshape(SIZE, SUPER, SIZE, SUPER).mean(axis=(1, 3))
    return (ink * 2 - 1).astype(np.float32)


def elastic_field(rng, alpha=ELASTIC_ALPHA, sigma=ELASTIC_SIGMA):
    """Simard et al. (2003)'s random displacement field: (2, 28, 28) pixels (x, y)."""
    from scipy import ndimage
    field = rng.uniform(-1, 1, (2, SIZE, SIZE))
    return np.stack([ndimage.gaussian_filter(f, sigma, mode="constant") for f in field]) * alpha


def random_pose(rng, random_pen=False):
    """The nuisance parameters of one image, drawn from the ranges in the module docstring
    (random_pen: the pen width drawn from RANDOM_PEN instead of the fixed PEN)."""
    pose = dict(font=FONTS[rng.integers(len(FONTS))], size=rng.uniform(17, 21),
                rotation=rng.uniform(-15, 15), shear=rng.uniform(-0.3, 0.3),
                stretch=rng.uniform(0.8, 1.25), warp=elastic_field(rng),
                shift=rng.uniform(-1, 1, 2))
    pose["stroke"] = rng.uniform(*RANDOM_PEN) if random_pen else PEN
    return pose


@lru_cache(maxsize=4)
def _make(n, seed, random_pen):
    rng = np.random.default_rng(seed)
    y = np.arange(n, dtype=np.int64) % 10
    x = np.stack([render(int(d), **random_pose(rng, random_pen)) for d in y])[:, None]
    return x, y


def synthetic_digits(n=5000, seed=0, random_pen=False):
    """n labelled synthetic digits: x float32 (n, 1, 28, 28) in [-1, 1], y int64 (n,).

    Deterministic in (n, seed, random_pen); cached in memory (5,000 take ~40 s).
    random_pen=True draws each digit's pen width from RANDOM_PEN: the domain-randomised
    reference of the README's table, not SimGAN's input.
    """
    x, y = _make(int(n), int(seed), bool(random_pen))
    return x.copy(), y.copy()
