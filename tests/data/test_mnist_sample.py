"""The bundled 5,000-digit MNIST sample and the fallback to it."""
import numpy as np

from minigan.data import held_out_mask, load_dataset, load_mnist_sample, load_mnist_sample_uint8


def test_sample_has_500_real_digits_per_class():
    images, labels = load_mnist_sample_uint8()
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (5000,) and labels.dtype == np.int64
    assert np.bincount(labels).tolist() == [500] * 10
    assert images.min() == 0 and images.max() == 255
    # MNIST digits are white strokes on black: mostly background, mean about 33.
    assert 25 < images.mean() < 40
    assert (images[:, :2, :] == 0).mean() > 0.99   # empty top margin


def test_scaled_sample_is_in_minus_one_one():
    x, y = load_mnist_sample()
    assert x.shape == (5000, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    assert x.min() == -1.0 and x.max() == 1.0


def test_split_is_fixed_stratified_and_disjoint():
    _, labels = load_mnist_sample_uint8()
    mask = held_out_mask(labels)
    assert mask.sum() == 500 and np.array_equal(mask, held_out_mask(labels))
    train_x, train_y = load_mnist_sample("train")
    held_x, held_y = load_mnist_sample("held-out")
    assert np.bincount(train_y).tolist() == [450] * 10
    assert np.bincount(held_y).tolist() == [50] * 10
    all_x, _ = load_mnist_sample()
    assert np.array_equal(held_x, all_x[mask]) and np.array_equal(train_x, all_x[~mask])


def test_mnist_without_files_or_network_falls_back_with_one_notice(capsys, dead_url):
    data = load_dataset("mnist", mirrors=[dead_url], timeout=5)
    assert data.source == "bundled sample" and data.x.shape == (5000, 1, 28, 28)
    assert np.bincount(data.y).tolist() == [500] * 10
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bundled" in err and "cannot connect" in err
    assert "--data-dir" in err


def test_quiet_fallback_prints_nothing_and_test_split_is_the_held_out_part(capsys):
    data = load_dataset("mnist", split="test", download=False, quiet=True)
    assert len(data) == 500 and data.source == "bundled sample"
    assert capsys.readouterr().err == ""
