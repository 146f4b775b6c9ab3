"""Where MNIST files are looked for: data_dir, then $MINIGAN_DATA, then the cache, then system."""
import numpy as np
import pytest

from minigan.data import DataError, load_dataset, mnist


def sizes_found(**kwargs):
    """How many training examples load_dataset("mnist") finds; each place has its own count."""
    return len(load_dataset("mnist", download=False, quiet=True, **kwargs))


def test_data_dir_beats_environment_beats_cache(tmp_path, monkeypatch, make_idx_set):
    make_idx_set(tmp_path / "given", n=3)
    make_idx_set(tmp_path / "env", n=4)
    make_idx_set(tmp_path / "cache" / "mnist", n=5)   # $MINIGAN_CACHE/mnist, see conftest
    monkeypatch.setenv("MINIGAN_DATA", str(tmp_path / "env"))
    assert sizes_found(data_dir=tmp_path / "given") == 3
    assert sizes_found() == 4
    monkeypatch.delenv("MINIGAN_DATA")
    assert sizes_found() == 5


def test_named_subfolder_is_looked_in_first(tmp_path, monkeypatch, make_idx_set):
    make_idx_set(tmp_path / "env", n=4)
    make_idx_set(tmp_path / "env" / "mnist", n=6)
    monkeypatch.setenv("MINIGAN_DATA", str(tmp_path / "env"))
    assert sizes_found() == 6
    make_idx_set(tmp_path / "given" / "mnist", n=7)
    assert sizes_found(data_dir=tmp_path / "given") == 7


def test_raw_and_gzipped_files_both_count(tmp_path, make_idx_set):
    images, labels = make_idx_set(tmp_path / "raw", n=3, gz=False)
    data = load_dataset("mnist", data_dir=tmp_path / "raw", download=False, quiet=True)
    assert data.source == str(tmp_path / "raw")
    expected = images.astype(np.float32)[:, None] / 127.5 - 1
    assert np.array_equal(data.x, expected) and np.array_equal(data.y, labels)


def test_images_are_scaled_to_minus_one_one(tmp_path, make_idx_set):
    make_idx_set(tmp_path / "d", n=30)
    data = load_dataset("mnist", data_dir=tmp_path / "d", download=False)
    assert data.x.shape == (30, 1, 28, 28) and data.x.dtype == np.float32
    assert data.x.min() == -1.0 and data.x.max() == 1.0
    assert data.y.dtype == np.int64 and data.num_classes == 10 and data.kind == "image"
    assert len(load_dataset("mnist", data_dir=tmp_path / "d", split="test")) == 30


def test_xdg_cache_home_when_minigan_cache_is_unset(tmp_path, monkeypatch, make_idx_set):
    monkeypatch.delenv("MINIGAN_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    make_idx_set(tmp_path / "xdg" / "minigan" / "fashion-mnist", n=8)
    assert len(load_dataset("fashion-mnist", download=False)) == 8


def test_system_folder_comes_last_for_fashion_mnist(tmp_path, monkeypatch, make_idx_set):
    make_idx_set(tmp_path / "usr-share", n=9)
    monkeypatch.setattr(mnist, "SYSTEM_DIRS", {"fashion-mnist": [str(tmp_path / "usr-share")]})
    assert len(load_dataset("fashion-mnist", download=False)) == 9
    make_idx_set(tmp_path / "cache" / "fashion-mnist", n=10)
    assert len(load_dataset("fashion-mnist", download=False)) == 10


def test_a_damaged_file_found_is_an_error_not_a_fallback(tmp_path, make_idx_set):
    make_idx_set(tmp_path / "d", n=3)
    path = tmp_path / "d" / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-4])
    with pytest.raises(DataError, match="train-labels-idx1-ubyte.gz"):
        load_dataset("mnist", data_dir=tmp_path / "d")


def test_fashion_mnist_without_files_says_how_to_get_them(tmp_path):
    with pytest.raises(DataError) as caught:
        load_dataset("fashion-mnist", data_dir=tmp_path, download=False)
    message = str(caught.value)
    assert "\n" not in message and "downloading is turned off" in message
    assert str(tmp_path) in message and "--data-dir" in message and "$MINIGAN_DATA" in message
    assert "apt install dataset-fashion-mnist" in message


def test_bad_split_and_name():
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        load_dataset("mnist", split="valid")
    with pytest.raises(ValueError, match="unknown image data set"):
        mnist.load_mnist("kmnist")


def test_offline_switch_skips_the_download(tmp_path, monkeypatch, capsys):
    """MINIGAN_OFFLINE falls back to the sample without touching the network."""
    from minigan.data import mnist

    def no_network(*args, **kwargs):
        raise AssertionError("a download was attempted")

    monkeypatch.setenv("MINIGAN_OFFLINE", "1")
    monkeypatch.setattr(mnist, "download_split", no_network)
    x, y, source = mnist.load_mnist("mnist", cache_dir=tmp_path / "cache")
    assert source == "bundled sample" and x.shape == (5000, 1, 28, 28)
    assert "MINIGAN_OFFLINE" in capsys.readouterr().err
