"""Pictures of what a GAN learns: image grids, toy scatter plots and histograms, loss curves.

    save_image_grid(images, path)                     (N, 1|3, H, W) in [-1, 1] -> a grid
    save_toy_samples(samples, path, real, modes)      2D scatter or 1D histogram vs the data
    save_labelled_toy_samples(samples, labels, path)  2D scatter coloured by label (cgan)
    save_loss_curves(history, path)                   the losses of metrics.jsonl over steps

Every function takes host NumPy arrays (bring device arrays back with
`mg.backend.to_numpy` first), writes one PNG to `path` and returns `path`.
Drawing uses matplotlib's Agg renderer on a Figure object of its own, never pyplot:
no window opens, the global backend is left alone (safe inside a notebook), and no
figure stays registered anywhere to be closed. The PNG is written to a temporary file
and renamed, so a viewer never sees a half-written picture during training.
"""
import math
import os

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

DPI = 100
TOY_FIGSIZE = (5.0, 5.0)          # inches: 500 x 500 pixels at DPI
LOSS_PANEL_SIZE = (7.0, 2.2)      # inches per panel of save_loss_curves
TITLE_BAND = 28                   # pixels above an image grid that has a title
MAX_REAL_POINTS = 5000            # real points drawn behind a scatter (the rest add nothing)
HIST_BINS = 60
NOT_PLOTTED = {"step", "num_modes", "final"}   # log fields that are not curves


# ---------------------------------------------------------------------------- helpers

def _new_figure(width_px, height_px):
    """A Figure of exactly width_px x height_px pixels, drawn by Agg, unknown to pyplot."""
    fig = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path):
    """Write fig as a PNG at path, atomically (temporary file in the same folder, then rename)."""
    path = os.fspath(path)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        fig.savefig(tmp, format="png", dpi=DPI)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def _host(a, name):
    a = np.asarray(a)
    if a.size == 0:
        raise ValueError(f"{name} is empty")
    return a


def _points_2d(a, name):
    """a as a float64 (M, 2) array of points, or None."""
    if a is None:
        return None
    a = _host(a, name).astype(np.float64)
    if a.ndim != 2 or a.shape[1] != 2:
        raise ValueError(f"{name} must have shape (M, 2), got {a.shape}")
    return a


def _square_limits(points, margin=0.5):
    """Square axis limits around points (N, 2): a square on the bounding box's centre whose
    half-width is (1 + margin) times the box's larger half-width (at least 0.5).

    Computed from the real data (or the mode centres), not from the generated samples,
    so that successive pictures of one run share the same frame.
    """
    points = points[np.isfinite(points).all(axis=1)]
    if len(points) == 0:
        return (-1.0, 1.0), (-1.0, 1.0)
    lo, hi = points.min(axis=0), points.max(axis=0)
    centre = (lo + hi) / 2
    half = max((hi - lo).max() / 2, 0.5) * (1 + margin)
    return (centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)


def _legend(ax, **kwargs):
    """A legend whose scatter markers are all of one readable size, whatever their size in the plot."""
    legend = ax.legend(loc="upper right", scatterpoints=1, **kwargs)
    for handle in getattr(legend, "legend_handles", None) or legend.legendHandles:
        if hasattr(handle, "set_sizes"):
            handle.set_sizes([20])


def _note_outside(ax, count, total):
    """Say how many samples fall outside the frame: a diverging generator shows up here."""
    if count:
        ax.text(0.02, 0.98, f"{count} of {total} samples\noutside the frame", va="top",
                transform=ax.transAxes, fontsize=8, color="tab:red")


# ---------------------------------------------------------------------------- image grids

def _tile_grid(images, nrow, padding, pad_value):
    """Tile images (N, C, H, W) in [-1, 1] into one RGB picture (rows, cols, 3) in [0, 1].

    nrow images per row, as torchvision's make_grid; padding pixels of colour
    pad_value (in [-1, 1]) around and between the tiles, and in empty cells.
    """
    n, c, h, w = images.shape
    rows = math.ceil(n / nrow)
    pixels = np.clip((images.astype(np.float64) + 1) / 2, 0, 1)
    pixels = np.nan_to_num(pixels, nan=0.0).transpose(0, 2, 3, 1)          # (N, H, W, C)
    grid = np.full((rows * (h + padding) + padding, nrow * (w + padding) + padding, 3),
                   (pad_value + 1) / 2)
    for i in range(n):
        top = padding + (i // nrow) * (h + padding)
        left = padding + (i % nrow) * (w + padding)
        grid[top:top + h, left:left + w] = pixels[i]                         # C = 1 broadcasts
    return grid


def save_image_grid(images, path, nrow=None, title=None, padding=2, pad_value=1.0, scale=2):
    """Save images as one grid picture, e.g. 8 x 8 for 64 MNIST samples.

    images: (N, 1, H, W), (N, H, W) or (N, 3, H, W), values in [-1, 1] (the range of a
    tanh generator; -1 is black). nrow: images per row, default ceil(sqrt(N)).
    padding: pixels between tiles, of grey level pad_value in [-1, 1] (white by default,
    so that black-background digits stay apart). scale: each pixel becomes a
    scale x scale block, so that 28 x 28 digits are big enough to read.
    The PNG is exactly (rows * (H + padding) + padding) * scale pixels high (plus
    TITLE_BAND with a title) and (nrow * (W + padding) + padding) * scale wide;
    tile i sits in row i // nrow, column i % nrow.
    """
    images = _host(images, "images")
    if images.ndim == 3:
        images = images[:, None]
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"images must be (N, 1, H, W), (N, H, W) or (N, 3, H, W), "
                         f"got {images.shape}")
    nrow = nrow or math.ceil(math.sqrt(len(images)))
    grid = _tile_grid(images, nrow, padding, pad_value)
    grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    band = TITLE_BAND if title else 0
    fig = _new_figure(grid.shape[1], grid.shape[0] + band)
    # figimage copies pixels one to one (no resampling), so the tiles stay sharp.
    fig.figimage(grid, xo=0, yo=0, origin="upper")
    if title:
        fig.text(0.5, 1 - band / 2 / (grid.shape[0] + band), title,
                 ha="center", va="center", fontsize=10)
    return _save(fig, path)


# ---------------------------------------------------------------------------- toy data

def _scatter_2d(ax, samples, real, modes):
    """Generated points over the real ones (or the mode centres), in a fixed square frame."""
    reference = real if real is not None else modes if modes is not None else samples
    xlim, ylim = _square_limits(reference)
    if real is not None:
        if len(real) > MAX_REAL_POINTS:
            real = real[np.linspace(0, len(real) - 1, MAX_REAL_POINTS).astype(int)]
        ax.scatter(real[:, 0], real[:, 1], s=2, c="0.7", linewidths=0, label="real")
    ax.scatter(samples[:, 0], samples[:, 1], s=3, c="tab:blue", alpha=0.5, linewidths=0,
               label="generated")
    if modes is not None:
        ax.scatter(modes[:, 0], modes[:, 1], s=40, c="tab:red", marker="x", label="mode centres")
    inside = ((samples[:, 0] >= xlim[0]) & (samples[:, 0] <= xlim[1])
              & (samples[:, 1] >= ylim[0]) & (samples[:, 1] <= ylim[1]))
    _note_outside(ax, int((~inside).sum()), len(samples))
    ax.set(xlim=xlim, ylim=ylim, aspect="equal", xlabel="$x_1$", ylabel="$x_2$")
    _legend(ax, fontsize=8)


def _histogram_1d(ax, x, real, xlim):
    """Histogram of samples as a density, against the real density (a pdf) or real samples.

    The frame comes from xlim, else from the real samples, else from the generated
    ones. Bars are normalised by all N samples, so that their area is the fraction of
    samples inside the frame and they compare directly with the pdf.
    """
    real_points = None if real is None or callable(real) else _host(real, "real").ravel()
    if xlim is None:
        ref = real_points if real_points is not None else x
        ref = ref[np.isfinite(ref)]
        lo, hi = (ref.min(), ref.max()) if len(ref) else (-1.0, 1.0)
        pad = max(hi - lo, 1e-3) * 0.25
        xlim = (lo - pad, hi + pad)
    bins = np.linspace(xlim[0], xlim[1], HIST_BINS + 1)
    width = bins[1] - bins[0]
    counts, _ = np.histogram(x[np.isfinite(x)], bins)
    ax.stairs(counts / (len(x) * width), bins, fill=True, alpha=0.5, color="tab:blue",
              label="generated")
    if real_points is not None:
        real_counts, _ = np.histogram(real_points, bins)
        ax.stairs(real_counts / (len(real_points) * width), bins, color="k", label="real")
    elif callable(real):
        grid = np.linspace(xlim[0], xlim[1], 400)
        ax.plot(grid, real(grid), "k", label="real density")
    _note_outside(ax, int(len(x) - counts.sum()), len(x))
    ax.set(xlim=xlim, xlabel="x", ylabel="density")
    ax.legend(loc="upper right", fontsize=8)


def save_toy_samples(samples, path, real=None, modes=None, title=None, xlim=None):
    """Save a picture of toy samples against the real distribution.

    2D, samples (N, 2): a scatter of the generated points over real points (M, 2) or
    the mode centres modes (K, 2) (both may be given), with equal aspect and a fixed
    square frame around the real data, so pictures of successive steps line up.
    1D, samples (N, 1) or (N,): a density histogram against real, which is either a
    callable pdf (e.g. scipy.stats.norm(4, 0.5).pdf) or real samples (M,) / (M, 1);
    xlim = (lo, hi) fixes the frame.
    Samples outside the frame are counted in a note. The PNG is 500 x 500 pixels.
    """
    samples = _host(samples, "samples").astype(np.float64)
    fig = _new_figure(TOY_FIGSIZE[0] * DPI, TOY_FIGSIZE[1] * DPI)
    ax = fig.add_subplot()
    if samples.ndim == 2 and samples.shape[1] == 2:
        _scatter_2d(ax, samples, _points_2d(real, "real"), _points_2d(modes, "modes"))
    elif samples.ndim == 1 or (samples.ndim == 2 and samples.shape[1] == 1):
        _histogram_1d(ax, samples.ravel(), real, xlim)
    else:
        raise ValueError(f"toy samples must be (N, 2), (N, 1) or (N,), got {samples.shape}")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return _save(fig, path)


def _label_colours(k):
    """k distinct colours: the tab10 palette up to 10 labels, else hues spread round the circle.

    Stepping the hue by the golden ratio gives neighbouring labels (neighbouring grid
    modes) clearly different colours.
    """
    if k <= 10:
        return [colormaps["tab10"](i) for i in range(k)]
    return [colormaps["hsv"]((i * 0.618034) % 1.0) for i in range(k)]


def save_labelled_toy_samples(samples, labels, path, modes=None, title=None):
    """Save a 2D scatter of samples (N, 2) coloured by their labels (N,), e.g. for cgan.

    Each mode centre of modes (K, 2) is marked and numbered in the colour of its label,
    so that a conditional generator that works puts every colour on its own number.
    A legend lists up to 10 labels. The PNG is 500 x 500 pixels.
    """
    samples = _points_2d(samples, "samples")
    labels = _host(labels, "labels").astype(np.int64).ravel()
    if len(labels) != len(samples) or labels.min() < 0:
        raise ValueError(f"need one label >= 0 per sample, got {labels.shape} labels "
                         f"for {len(samples)} samples")
    modes = _points_2d(modes, "modes")
    k = max(int(labels.max()) + 1, 0 if modes is None else len(modes))
    colours = _label_colours(k)
    fig = _new_figure(TOY_FIGSIZE[0] * DPI, TOY_FIGSIZE[1] * DPI)
    ax = fig.add_subplot()
    for label in np.unique(labels):
        pts = samples[labels == label]
        ax.scatter(pts[:, 0], pts[:, 1], s=3, color=colours[label], alpha=0.6, linewidths=0,
                   label=f"label {label}")
    xlim, ylim = _square_limits(modes if modes is not None else samples)
    if modes is not None:
        for i, (mx, my) in enumerate(modes):
            ax.scatter([mx], [my], s=60, facecolors="none", edgecolors="k")
            ax.annotate(str(i), (mx, my), xytext=(6, 6), textcoords="offset points",
                        color=colours[i], fontsize=9, fontweight="bold")
    inside = ((samples[:, 0] >= xlim[0]) & (samples[:, 0] <= xlim[1])
              & (samples[:, 1] >= ylim[0]) & (samples[:, 1] <= ylim[1]))
    _note_outside(ax, int((~inside).sum()), len(samples))
    ax.set(xlim=xlim, ylim=ylim, aspect="equal", xlabel="$x_1$", ylabel="$x_2$")
    if k <= 10:
        _legend(ax, fontsize=7)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return _save(fig, path)


# ---------------------------------------------------------------------------- loss curves

def _series(history, key):
    """Steps and values of one quantity, keeping the entries where it is a finite number."""
    steps, values = [], []
    for i, entry in enumerate(history):
        v = entry.get(key)
        if isinstance(v, (int, float, np.number)) and not isinstance(v, bool) and np.isfinite(v):
            steps.append(entry.get("step", i))
            values.append(float(v))
    return np.asarray(steps, dtype=np.float64), np.asarray(values)


def _panels(history):
    """Which quantities go in which panel: both losses together, then one panel each."""
    keys = []
    for entry in history:
        keys += [k for k in entry if k not in NOT_PLOTTED and k not in keys]
    plotted = [k for k in keys if len(_series(history, k)[0])]
    losses = [k for k in ("loss_d", "loss_g") if k in plotted]
    first = ["wasserstein", "gp"]
    rest = [k for k in first if k in plotted] + sorted(k for k in plotted
                                                     if k not in losses and k not in first)
    return ([losses] if losses else []) + [[k] for k in rest]


def _plot_series(ax, steps, values, label):
    """A noisy GAN loss: the raw curve, faint, under its running mean when there are many steps."""
    window = len(values) // 50
    if window < 2:        # few points (e.g. metrics logged at sample steps): show each one
        ax.plot(steps, values, marker="o", markersize=3, label=label)
        return
    (line,) = ax.plot(steps, values, alpha=0.25, linewidth=0.8)
    smooth = np.convolve(values, np.ones(window) / window, mode="valid")
    ax.plot(steps[window - 1:], smooth, color=line.get_color(), label=f"{label} (mean of {window})")


def save_loss_curves(history, path, title=None):
    """Save the training curves: history is a list of dicts, one per logged step, such as
    {"step": 100, "loss_d": 1.2, "loss_g": 0.8, "wasserstein": 0.3, "gp": 0.01}.

    loss_d and loss_g share the first panel; every other numeric quantity (the
    Wasserstein estimate, the gradient penalty, metrics logged now and then) gets a
    panel of its own, against the step, except the bookkeeping fields in NOT_PLOTTED. Entries missing a quantity, or holding a
    non-finite value, are skipped for that quantity. The PNG is 700 pixels wide and
    220 pixels high per panel; an empty history gives one panel that says so.
    """
    return _save(loss_figure(history, title), path)


def loss_figure(history, title=None):
    """The figure ``save_loss_curves`` saves: one panel per quantity, each with its y label."""
    panels = _panels(history)
    fig = _new_figure(LOSS_PANEL_SIZE[0] * DPI, LOSS_PANEL_SIZE[1] * DPI * max(len(panels), 1))
    if not panels:
        ax = fig.add_subplot()
        ax.text(0.5, 0.5, "no losses logged yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for ax, keys in zip(axes, panels):
        counts = True
        for key in keys:
            steps, values = _series(history, key)
            _plot_series(ax, steps, values, label=key)
            counts = counts and bool(np.all(np.equal(np.mod(values, 1), 0)))
        if counts:                      # modes, digits: whole numbers get whole ticks
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("loss" if keys[0] in ("loss_d", "loss_g") else keys[0])
        ax.legend(loc="upper right", fontsize=8)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("step")
    if title:
        axes[0].set_title(title)
    fig.tight_layout()
    return fig
