"""The toy distributions: shapes, centres, widths and mode labels."""
import numpy as np
import pytest

from minigan.data import MODES, STD, load_dataset, sample_gaussian, sample_grid, sample_ring

SAMPLERS = {"gaussian": sample_gaussian, "ring": sample_ring, "grid": sample_grid}


@pytest.mark.parametrize("name, dim, modes", [("gaussian", 1, 1), ("ring", 2, 8), ("grid", 2, 25)])
def test_shapes_and_dtypes(name, dim, modes):
    x, mode = SAMPLERS[name](1000, np.random.default_rng(0))
    assert x.shape == (1000, dim) and x.dtype == np.float32
    assert mode.shape == (1000,) and mode.dtype == np.int64
    assert MODES[name].shape == (modes, dim)
    assert set(np.unique(mode)) == set(range(modes))


def test_stated_centres_and_widths():
    assert MODES["gaussian"].tolist() == [[4.0]] and STD["gaussian"] == 0.5
    assert STD["ring"] == 0.02 and STD["grid"] == 0.05
    ring = MODES["ring"]
    np.testing.assert_allclose(np.hypot(ring[:, 0], ring[:, 1]), 2.0)
    angles = np.arctan2(ring[:, 1], ring[:, 0]) % (2 * np.pi)
    np.testing.assert_allclose(angles, 2 * np.pi * np.arange(8) / 8, atol=1e-12)
    grid = {tuple(c) for c in MODES["grid"].tolist()}
    assert grid == {(a, b) for a in (-4, -2, 0, 2, 4) for b in (-4, -2, 0, 2, 4)}
    assert MODES["grid"][5 * 1 + 3].tolist() == [-2.0, 2.0]   # mode 5i + j = (-4+2i, -4+2j)


@pytest.mark.parametrize("name", ["gaussian", "ring", "grid"])
def test_each_mode_has_the_stated_mean_and_std(name):
    x, mode = SAMPLERS[name](200_000, np.random.default_rng(1))
    for k, centre in enumerate(MODES[name]):
        points = x[mode == k].astype(np.float64)
        assert len(points) > 200_000 / len(MODES[name]) * 0.9   # modes drawn uniformly
        standard_error = STD[name] / np.sqrt(len(points))
        np.testing.assert_allclose(points.mean(axis=0), centre, atol=5 * standard_error)
        np.testing.assert_allclose(points.std(axis=0), STD[name], rtol=0.05)


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_mode_label_is_the_nearest_centre(name):
    x, mode = SAMPLERS[name](20_000, np.random.default_rng(2))
    distances = np.linalg.norm(x[:, None, :] - MODES[name][None], axis=2)
    assert np.array_equal(distances.argmin(axis=1), mode)
    assert distances.min(axis=1).max() < 6 * STD[name]


def test_seeds_make_samples_reproducible():
    a, _ = sample_ring(100, np.random.default_rng(5))
    b, _ = sample_ring(100, 5)
    c, _ = sample_ring(100, 6)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


@pytest.mark.parametrize("name, kind, classes", [("gaussian", "toy1d", 1), ("ring", "toy2d", 8),
                                                  ("grid", "toy2d", 25)])
def test_load_dataset_draws_a_fixed_labelled_sample(name, kind, classes):
    data = load_dataset(name, n=5000, seed=3)
    assert len(data) == 5000 and data.kind == kind and data.num_classes == classes
    assert data.x.dtype == np.float32 and data.y.dtype == np.int64
    assert data.std == STD[name] and np.array_equal(data.modes, MODES[name])
    again = load_dataset(name, n=5000, seed=3)
    assert np.array_equal(data.x, again.x) and np.array_equal(data.y, again.y)


def test_load_dataset_default_size_and_unknown_name():
    assert len(load_dataset("ring")) == 100_000
    with pytest.raises(ValueError, match="unknown data set 'rings'.*gaussian, ring, grid"):
        load_dataset("rings")

