"""Distortion scores of a reconstruction against its target: PSNR and SSIM.

    psnr(x, y)   peak signal-to-noise ratio in dB, one number per image
    ssim(x, y)   structural similarity (Wang, Bovik, Sheikh and Simoncelli 2004)

Both take host arrays (N, 1, H, W) (or (N, H, W)) in [-1, 1], the range of minigan's
images, map them to [0, 1] and use a dynamic range L = 1, as super-resolution papers
do on 8-bit images scaled to [0, 1].  They return float64 (N,) arrays: average them
over a test set, as SRGAN's tables do.

SSIM is written out here, following the paper's Section III.C and the authors'
reference MATLAB code (ssim_index.m): an 11x11 Gaussian window with sigma 1.5,
normalised to sum 1, slid over the image without padding ("valid", 18x18 positions
on a 28x28 digit); at each position the local means mu, variances sigma^2 and
covariance sigma_xy (weighted by the window) give

    SSIM = (2 mu_x mu_y + C1)(2 sigma_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(sigma_x^2 + sigma_y^2 + C2))

with C1 = (0.01 L)^2 and C2 = (0.03 L)^2, and the image's score is the mean of this
map (MSSIM, eq. 17).  Written out rather than taken from scikit-image because minigan
depends on NumPy and SciPy only and the formula is short enough to read; the tests check
it against a per-window loop of the formula and against its known properties.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

WINDOW, SIGMA, K1, K2 = 11, 1.5, 0.01, 0.03


def _unit_range(x):
    """[-1, 1] images (N, 1, H, W) or (N, H, W) -> float64 (N, H, W) in [0, 1]."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 4:
        if x.shape[1] != 1:
            raise ValueError(f"expected one channel, got shape {x.shape}")
        x = x[:, 0]
    if x.ndim != 3:
        raise ValueError(f"images must be (N, 1, H, W) or (N, H, W), got shape {x.shape}")
    return (x + 1.0) / 2.0


def psnr(x, y, eps=1e-12):
    """10 log10(L^2 / MSE) per image, L = 1 on [0, 1] images: (N,) float64, in dB."""
    a, b = _unit_range(x), _unit_range(y)
    mse = ((a - b) ** 2).mean(axis=(1, 2))
    return 10.0 * np.log10(1.0 / np.maximum(mse, eps))


def gaussian_window(size=WINDOW, sigma=SIGMA):
    """(size, size) Gaussian weights exp(-r^2 / 2 sigma^2), normalised to sum 1."""
    t = np.arange(size) - (size - 1) / 2.0
    g = np.exp(-t**2 / (2 * sigma**2))
    w = np.outer(g, g)
    return w / w.sum()


def _local_mean(images, window):
    """Window-weighted means of every valid (size x size) patch: (N, H-s+1, W-s+1)."""
    patches = sliding_window_view(images, window.shape, axis=(1, 2))
    return np.einsum("nijab,ab->nij", patches, window)


def ssim_map(x, y, window=None):
    """The SSIM index at every valid window position: (N, H-10, W-10) float64."""
    a, b = _unit_range(x), _unit_range(y)
    w = gaussian_window() if window is None else window
    c1, c2 = (K1 * 1.0) ** 2, (K2 * 1.0) ** 2
    mu_a, mu_b = _local_mean(a, w), _local_mean(b, w)
    var_a = _local_mean(a * a, w) - mu_a**2
    var_b = _local_mean(b * b, w) - mu_b**2
    cov = _local_mean(a * b, w) - mu_a * mu_b
    return ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / \
        ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))


def ssim(x, y):
    """Mean SSIM (MSSIM) per image: (N,) float64, 1 for identical images."""
    return ssim_map(x, y).mean(axis=(1, 2))
