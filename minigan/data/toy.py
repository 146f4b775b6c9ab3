"""Toy distributions for GANs: one Gaussian in 1D, and two mixtures of Gaussians in 2D.

Each is an infinite sampler: `sample_<name>(n, rng)` returns

    x:    float32 (n, d)  the points, d = 1 for gaussian, 2 for ring and grid
    mode: int64 (n,)      the index of the mixture component each point came from,
                          so a conditional GAN can use it as a class label.

The components are chosen uniformly at random. MODES[name] (k, d) holds the component
centres, in the order of the mode indices, and STD[name] the standard deviation of
every component (the same along each axis). Metrics need both: a generated point is
"high quality" when it lies within 3 std of its nearest centre, and a mode is
"covered" when enough points do (Srivastava et al. 2017, VEEGAN; Lin et al. 2018,
PacGAN). Published papers use different radii and widths for the same names, so the
values here are stated once, in the docstrings below.
"""
import numpy as np

# gaussian: N(4, 0.5^2), the 1D example of the AYLIEN "gan-intro" tutorial
# (J. Glover 2016, after E. Jang's 2016 blog post), a classic first GAN exercise.
GAUSSIAN_MEAN = 4.0
GAUSSIAN_STD = 0.5

# ring: 8 Gaussians evenly spaced on a circle of radius 2, std 0.02.
RING_RADIUS = 2.0
RING_MODES_COUNT = 8
RING_STD = 0.02

# grid: 25 Gaussians centred on {-4, -2, 0, 2, 4}^2, std 0.05.
GRID_COORDS = (-4.0, -2.0, 0.0, 2.0, 4.0)
GRID_STD = 0.05


def ring_modes():
    """Centres (8, 2) of the ring: mode k sits at angle 2*pi*k/8, counter-clockwise from +x."""
    angles = 2 * np.pi * np.arange(RING_MODES_COUNT) / RING_MODES_COUNT
    return RING_RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def grid_modes():
    """Centres (25, 2) of the grid: mode 5*i + j sits at (GRID_COORDS[i], GRID_COORDS[j])."""
    xs, ys = np.meshgrid(GRID_COORDS, GRID_COORDS, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1)


MODES = {
    "gaussian": np.array([[GAUSSIAN_MEAN]]),
    "ring": ring_modes(),
    "grid": grid_modes(),
}
STD = {"gaussian": GAUSSIAN_STD, "ring": RING_STD, "grid": GRID_STD}


def sample_mixture(centres, std, n, rng=None):
    """Draw n points from an equal-weight mixture of isotropic Gaussians.

    centres: (k, d) the component means; std: the common standard deviation.
    rng:     a np.random.Generator, or a seed (int or None) to make one.
    Returns x float32 (n, d) and mode int64 (n,).
    """
    rng = np.random.default_rng(rng)
    mode = rng.integers(0, len(centres), size=n)
    # Compute in float64, then round once to float32, the training dtype.
    x = centres[mode] + std * rng.standard_normal((n, centres.shape[1]))
    return x.astype(np.float32), mode.astype(np.int64)


def sample_gaussian(n, rng=None):
    """n points (n, 1) from the 1D Gaussian N(4, 0.5^2); every mode index is 0.

    The target of the AYLIEN "gan-intro" tutorial (J. Glover, 2016), a classic
    first GAN exercise: can the generator match a mean and a width?
    """
    return sample_mixture(MODES["gaussian"], STD["gaussian"], n, rng)


def sample_ring(n, rng=None):
    """n points (n, 2) from 8 Gaussians on a circle of radius 2, std 0.02.

    This is the "8gaussians" set of the toy script (gan_toy.py) of Gulrajani et al.
    2017, "Improved Training of Wasserstein GANs", before that script divides the
    points by 1.414; VEEGAN (Srivastava et al. 2017) also uses radius 2 and std 0.02.
    Mode k is centred at angle 2*pi*k/8.
    """
    return sample_mixture(MODES["ring"], STD["ring"], n, rng)


def sample_grid(n, rng=None):
    """n points (n, 2) from 25 Gaussians on the grid {-4, -2, 0, 2, 4}^2, std 0.05.

    This is the 2D grid of Lin et al. 2018, "PacGAN", which is also
    the "25gaussians" set of Gulrajani et al.'s toy script before it divides by 2.828.
    Mode 5*i + j is centred at (-4 + 2i, -4 + 2j).
    """
    return sample_mixture(MODES["grid"], STD["grid"], n, rng)


SAMPLERS = {"gaussian": sample_gaussian, "ring": sample_ring, "grid": sample_grid}
