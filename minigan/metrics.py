"""Scores for generated samples, computed on the host with NumPy and SciPy.

Everything here takes host NumPy arrays (bring device arrays back with
`mg.backend.to_numpy` first) and returns plain Python numbers, ready for
`metrics.jsonl`. Nothing here imports the training code.

Toy data
--------
    mode_metrics(samples, modes, std)           2D mixtures (ring, grid): modes covered and
                                                the rate of high-quality samples
    label_accuracy_toy(samples, labels, ...)    conditional GAN on a mixture: how often a
                                                sample asked for mode k lands on mode k
    gaussian_1d_metrics(samples, mean, std)     1D Gaussian: mean, std and the KS distance

The mode metrics are those of VEEGAN (Srivastava et al. 2017, "VEEGAN: Reducing Mode
Collapse in GANs using Implicit Variational Learning", synthetic-data experiments),
which PacGAN (Lin et al. 2018, "PacGAN: The power of two samples in generative
adversarial networks") reuses for its 2D ring and grid:

  * each sample is registered to its nearest mode centre;
  * it is *high quality* if it lies within `threshold` = 3 standard deviations of that
    centre (Euclidean distance / std, the components being isotropic);
  * a mode is *captured* (covered) if at least one high-quality sample is registered
    to it. PacGAN's reference code (fjxmlzn/PacGAN, synthetic_data_experiments,
    pacgan/extensions.py, MetricLogger) counts exactly this: the modes with a
    non-zero number of high-quality samples.

Both papers score 2,500 generated samples, so compare numbers with theirs at n = 2500.
Note the ceiling: a 2D isotropic Gaussian puts 1 - exp(-9/2) = 98.9% of its mass within
3 std, so even real data scores a high-quality rate of about 0.989.
`min_count` makes the rule stricter (a mode needs that many high-quality samples);
its default, 1, is the papers' rule.
"""
import numpy as np
from scipy.special import ndtr

# The papers' rule: one high-quality sample is enough to capture a mode.
DEFAULT_MIN_COUNT = 1


def _points(samples, dim, name="samples"):
    """samples as a float64 (N, dim) array; (N,) is accepted when dim == 1."""
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim == 1 and dim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != dim:
        raise ValueError(f"{name} must have shape (N, {dim}), got {x.shape}")
    if len(x) == 0:
        raise ValueError(f"{name} is empty")
    return x


def _check_mixture(modes, std, threshold):
    modes = np.asarray(modes, dtype=np.float64)
    if modes.ndim != 2 or len(modes) == 0:
        raise ValueError(f"modes must have shape (K, d) with K >= 1, got {modes.shape}")
    if not std > 0 or not threshold > 0:
        raise ValueError(f"std and threshold must be positive, got {std} and {threshold}")
    return modes


def assign_to_modes(samples, modes, std, threshold=3.0):
    """Register every sample to its nearest mode centre and say whether it is high quality.

    samples: (N, d); modes: (K, d) the centres; std: the components' common standard
    deviation. A sample is high quality when its Euclidean distance to the nearest
    centre is at most threshold * std (VEEGAN, Srivastava et al. 2017).

    Returns nearest int64 (N,) the index of the nearest centre, and high_quality
    bool (N,). Non-finite samples (a diverging generator) are never high quality.
    """
    modes = _check_mixture(modes, std, threshold)
    x = _points(samples, modes.shape[1])
    # A diverging generator may emit huge or non-finite points: they must score as
    # far from every mode, not stop the run with an overflow warning.
    with np.errstate(over="ignore", invalid="ignore"):
        dist = np.sqrt(((x[:, None, :] - modes[None, :, :]) ** 2).sum(axis=2))   # (N, K)
        nearest = np.argmin(np.nan_to_num(dist, nan=np.inf), axis=1)
        high_quality = dist[np.arange(len(x)), nearest] <= threshold * std
    return nearest.astype(np.int64), high_quality


def mode_metrics(samples, modes, std, threshold=3.0, min_count=DEFAULT_MIN_COUNT):
    """Modes covered and high-quality rate of generated 2D (or d-dimensional) samples.

    samples: (N, d) generated points; modes: (K, d) the mixture's centres; std: their
    common standard deviation (e.g. minigan.data.MODES["ring"], STD["ring"]).

    VEEGAN's definitions (Srivastava et al. 2017; reused by PacGAN,
    Lin et al. 2018): a sample is high quality if it lies within threshold * std of its
    nearest centre; a mode is covered if at least `min_count` high-quality samples are
    registered to it. The papers use min_count = 1 and N = 2500.

    Returns {"modes_covered": int, "num_modes": int, "high_quality_rate": float,
             "samples_per_mode": list[int]}, where samples_per_mode[k] counts the
    high-quality samples registered to mode k.
    """
    if int(min_count) != min_count or min_count < 1:
        raise ValueError(f"min_count must be a positive integer, got {min_count}")
    modes = _check_mixture(modes, std, threshold)
    nearest, high_quality = assign_to_modes(samples, modes, std, threshold)
    per_mode = np.bincount(nearest[high_quality], minlength=len(modes))
    return {
        "modes_covered": int((per_mode >= min_count).sum()),
        "num_modes": len(modes),
        "high_quality_rate": float(high_quality.mean()),
        "samples_per_mode": [int(c) for c in per_mode],
    }


def label_accuracy_toy(samples, labels, modes, std, threshold=3.0):
    """Fraction of samples generated for label k that are high-quality samples of mode k.

    For a conditional GAN (Mirza & Osindero 2014) trained on a mixture whose mode index
    is the label: samples (N, d) were generated with labels (N,) ints in [0, K). A
    sample counts when its nearest centre is modes[label] and it lies within
    threshold * std of it (the high-quality rule of mode_metrics).
    Returns a float in [0, 1].
    """
    modes = _check_mixture(modes, std, threshold)
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be a 1D integer array, got {labels.dtype} {labels.shape}")
    if len(labels) and (labels.min() < 0 or labels.max() >= len(modes)):
        raise ValueError(f"labels must lie in [0, {len(modes)}), got {labels.min()}..{labels.max()}")
    nearest, high_quality = assign_to_modes(samples, modes, std, threshold)
    if len(labels) != len(nearest):
        raise ValueError(f"{len(labels)} labels for {len(nearest)} samples")
    return float((high_quality & (nearest == labels)).mean())


def ks_distance_normal(samples, mean, std):
    """Kolmogorov-Smirnov distance sup_x |F_n(x) - F(x)| from samples to N(mean, std^2).

    F_n is the empirical CDF, a staircase that jumps by 1/n at each sorted sample
    x_(1) <= ... <= x_(n); F is the normal CDF. The supremum is reached just at or just
    before a jump, so D = max_i max(i/n - F(x_(i)), F(x_(i)) - (i-1)/n).
    samples: (N,) or (N, 1).
    """
    x = np.sort(_points(samples, 1)[:, 0])
    n = len(x)
    cdf = ndtr((x - mean) / std)               # the standard normal CDF, Phi
    above = np.arange(1, n + 1) / n - cdf      # F_n just after each jump, minus F
    below = cdf - np.arange(0, n) / n          # F minus F_n just before each jump
    return float(max(above.max(), below.max()))


def gaussian_1d_metrics(samples, mean=4.0, std=0.5):
    """Mean, standard deviation and KS distance to N(mean, std^2) of 1D samples.

    samples: (N,) or (N, 1); the target defaults to the toy set N(4, 0.5^2)
    (minigan.data, 'gaussian'). std is the population one (ddof = 0).
    Returns {"mean": float, "std": float, "ks": float}; all three are NaN when a
    sample is not finite (the generator has diverged).
    """
    if not std > 0:
        raise ValueError(f"std must be positive, got {std}")
    x = _points(samples, 1)[:, 0]
    if not np.isfinite(x).all():
        return {"mean": float("nan"), "std": float("nan"), "ks": float("nan")}
    with np.errstate(over="ignore"):           # finite but huge samples give inf, not a warning
        return {"mean": float(x.mean()), "std": float(x.std()),
                "ks": ks_distance_normal(x, mean, std)}


# --- image metrics
# The classifier-based scores for MNIST-like images (classifier FID, class
# distribution of samples, cgan label accuracy) will live here.
