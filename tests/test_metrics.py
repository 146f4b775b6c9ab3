"""Toy-data metrics against cases worked out by hand and closed forms.

Mode rule under test (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018): a sample
is high quality within 3 std of its nearest centre; a mode is covered when at least
min_count (default 1) high-quality samples are registered to it.
"""
import math

import numpy as np
import pytest
import scipy.stats

from minigan.data import toy
from minigan.metrics import (assign_to_modes, gaussian_1d_metrics, ks_distance_normal,
                             label_accuracy_toy, mode_metrics)

STD = 0.02
# The ring written out by hand: 8 centres on a circle of radius 2, mode k at angle k * 45 degrees.
RING = np.array([[2 * math.cos(k * math.pi / 4), 2 * math.sin(k * math.pi / 4)] for k in range(8)])


def around(centre, n, distance):
    """n points at the given distance from centre, in n evenly spread directions."""
    angles = 2 * np.pi * np.arange(n) / n
    return centre + distance * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def ring_samples(modes_used, per_mode=10, distance=0.5 * STD):
    return np.concatenate([around(RING[k], per_mode, distance) for k in modes_used])


# ---------------------------------------------------------------------------- mode_metrics

def test_all_modes_within_one_std_are_covered():
    out = mode_metrics(ring_samples(range(8)), RING, STD)
    assert out == {"modes_covered": 8, "num_modes": 8, "high_quality_rate": 1.0,
                   "samples_per_mode": [10] * 8}


def test_two_missing_modes():
    out = mode_metrics(ring_samples([0, 1, 2, 4, 6, 7]), RING, STD)
    assert out["modes_covered"] == 6
    assert out["samples_per_mode"] == [10, 10, 10, 0, 10, 0, 10, 10]
    assert out["high_quality_rate"] == 1.0


def test_far_away_junk_lowers_the_high_quality_rate_by_its_fraction():
    # The origin is 2 = 100 std from every centre: 20 junk points among 100 -> rate 80/100.
    junk = np.zeros((20, 2))
    out = mode_metrics(np.concatenate([ring_samples(range(8)), junk]), RING, STD)
    assert out["high_quality_rate"] == pytest.approx(0.8, abs=1e-12)
    assert out["modes_covered"] == 8
    assert out["samples_per_mode"] == [10] * 8


def test_the_three_std_boundary_and_the_threshold():
    inside = around(RING[0], 4, 2.9 * STD)
    outside = around(RING[1], 4, 3.1 * STD)
    out = mode_metrics(np.concatenate([inside, outside]), RING, STD)
    assert out["samples_per_mode"] == [4, 0, 0, 0, 0, 0, 0, 0]
    assert out["modes_covered"] == 1 and out["high_quality_rate"] == 0.5
    strict = mode_metrics(inside, RING, STD, threshold=2.0)
    assert strict["modes_covered"] == 0 and strict["high_quality_rate"] == 0.0


def test_min_count():
    samples = np.concatenate([around(RING[0], 5, STD), around(RING[1], 1, STD)])
    assert mode_metrics(samples, RING, STD)["modes_covered"] == 2           # the papers' rule
    assert mode_metrics(samples, RING, STD, min_count=2)["modes_covered"] == 1
    assert mode_metrics(samples, RING, STD, min_count=6)["modes_covered"] == 0
    with pytest.raises(ValueError):
        mode_metrics(samples, RING, STD, min_count=0)


def test_a_sample_counts_only_for_its_nearest_mode():
    # Overlapping components: (0.4, 0) lies within 3 std of both centres, nearest to mode 0;
    # (2.5, 0) is nearest to mode 1 but 1.5 std away from it.
    modes = np.array([[0.0, 0.0], [1.0, 0.0]])
    nearest, hq = assign_to_modes(np.array([[0.4, 0.0], [2.5, 0.0], [9.0, 0.0]]), modes, 1.0)
    np.testing.assert_array_equal(nearest, [0, 1, 1])
    np.testing.assert_array_equal(hq, [True, True, False])
    assert mode_metrics(np.array([[0.4, 0.0]]), modes, 1.0)["samples_per_mode"] == [1, 0]


def test_grid_centres_all_covered_and_float32_input():
    grid = np.array([[x, y] for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)], dtype=float)
    out = mode_metrics(grid.astype(np.float32), grid, 0.05)
    assert out["modes_covered"] == 25 and out["high_quality_rate"] == 1.0


def test_real_data_meets_the_rayleigh_closed_form():
    # A 2D isotropic Gaussian puts mass P(|x - mu| <= 3 std) = 1 - exp(-9/2) inside 3 std.
    n = 2500
    for name in ("ring", "grid"):
        x, _ = toy.SAMPLERS[name](n, np.random.default_rng(1))
        out = mode_metrics(x, toy.MODES[name], toy.STD[name])
        assert out["modes_covered"] == len(toy.MODES[name])
        p = 1 - math.exp(-4.5)
        assert abs(out["high_quality_rate"] - p) < 5 * math.sqrt(p * (1 - p) / n)


def test_diverged_samples_are_not_high_quality_and_raise_no_warning():
    bad = np.array([[np.nan, 0.0], [np.inf, -np.inf], [1e200, 1e200]])
    out = mode_metrics(np.concatenate([ring_samples([0]), bad]), RING, STD)
    assert out["samples_per_mode"] == [10, 0, 0, 0, 0, 0, 0, 0]
    assert out["high_quality_rate"] == pytest.approx(10 / 13)


def test_bad_shapes_are_rejected():
    with pytest.raises(ValueError):
        mode_metrics(np.zeros((5, 3)), RING, STD)
    with pytest.raises(ValueError):
        mode_metrics(np.zeros((0, 2)), RING, STD)
    with pytest.raises(ValueError):
        mode_metrics(np.zeros((5, 2)), RING, 0.0)


# ---------------------------------------------------------------------------- label accuracy

def test_label_accuracy_counts_samples_on_their_own_mode():
    samples = ring_samples(range(8))
    labels = np.repeat(np.arange(8), 10)
    assert label_accuracy_toy(samples, labels, RING, STD) == 1.0
    wrong = labels.copy()
    wrong[:4] = 5                                   # four samples of mode 0 asked for mode 5
    assert label_accuracy_toy(samples, wrong, RING, STD) == pytest.approx(76 / 80)
    # A sample with the right label but far from its mode does not count either.
    far = np.concatenate([samples, np.zeros((20, 2))])
    assert label_accuracy_toy(far, np.concatenate([labels, np.zeros(20, int)]), RING, STD) \
        == pytest.approx(80 / 100)


def test_label_accuracy_rejects_bad_labels():
    samples = ring_samples([0])
    with pytest.raises(ValueError):
        label_accuracy_toy(samples, np.full(10, 8), RING, STD)
    with pytest.raises(ValueError):
        label_accuracy_toy(samples, np.zeros(9, int), RING, STD)
    with pytest.raises(ValueError):
        label_accuracy_toy(samples, np.zeros(10), RING, STD)        # float labels


# ---------------------------------------------------------------------------- 1D Gaussian

def phi(z):
    """The standard normal CDF, from the error function."""
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def test_ks_distance_by_hand():
    # Samples 3.5, 4, 5 against N(4, 0.5^2) sit at z = -1, 0, 2. The empirical CDF jumps
    # to 1/3, 2/3, 1 there. The gaps just before each jump are Phi(z_i) - (i-1)/n:
    # 0.159, 0.167, 0.311; just after, i/n - Phi(z_i): 0.175, 0.167, 0.023.
    # The largest is just before the last jump: Phi(2) - 2/3.
    assert ks_distance_normal(np.array([3.5, 4.0, 5.0]), 4.0, 0.5) == \
        pytest.approx(phi(2.0) - 2 / 3, abs=1e-12)
    # One sample at the mean: F_n jumps from 0 to 1 where F = 1/2.
    assert ks_distance_normal(np.array([[4.0]]), 4.0, 0.5) == pytest.approx(0.5, abs=1e-12)


def test_ks_distance_matches_scipy_kstest():
    x = np.random.default_rng(3).normal(3.7, 0.6, size=500)
    expected = scipy.stats.kstest(x, "norm", args=(4.0, 0.5)).statistic
    assert ks_distance_normal(x, 4.0, 0.5) == pytest.approx(expected, abs=1e-12)


def test_gaussian_1d_metrics_by_hand():
    # mean of 3, 4, 5, 6 is 4.5; deviations -1.5, -0.5, 0.5, 1.5 give variance 5/4.
    for shape in ((4,), (4, 1)):
        out = gaussian_1d_metrics(np.array([3.0, 4.0, 5.0, 6.0], dtype=np.float32).reshape(shape))
        assert out["mean"] == pytest.approx(4.5)
        assert out["std"] == pytest.approx(math.sqrt(5 / 4))
        # z = -2, 0, 2, 4 against N(4, 0.5^2). Gaps just before the jumps, Phi(z_i) - (i-1)/4:
        # 0.023, 0.25, 0.477, 0.250; just after, i/4 - Phi(z_i): 0.227, 0, < 0, 0.00003.
        # The largest is just before the third jump: Phi(2) - 1/2.
        assert out["ks"] == pytest.approx(phi(2.0) - 1 / 2, abs=1e-12)
    assert set(out) == {"mean", "std", "ks"}


def test_gaussian_1d_metrics_of_target_samples_and_of_a_diverged_generator():
    x = np.random.default_rng(4).normal(4.0, 0.5, size=(20000, 1))
    out = gaussian_1d_metrics(x)
    assert abs(out["mean"] - 4.0) < 0.02 and abs(out["std"] - 0.5) < 0.02
    assert out["ks"] < 1.63 / math.sqrt(20000)     # the KS 99% critical value
    x[5] = np.inf
    assert all(math.isnan(v) for v in gaussian_1d_metrics(x).values())
    with pytest.raises(ValueError):
        gaussian_1d_metrics(np.zeros((3, 2)))
