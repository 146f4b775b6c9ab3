"""minigan.save / minigan.load: exact round trips of nested state dicts, atomic
writes, one-line errors for damaged files, and loading onto the device.

Every test runs on NumPy and on the strict device stand-in.
"""
import os
import zipfile

import numpy as np
import pytest

import minigan as mg
from minigan import nn, optim
from minigan.serialization import CheckpointError

pytestmark = pytest.mark.both_backends


def host(a):
    return mg.backend.to_numpy(a.data if isinstance(a, mg.Tensor) else a)


def _trained_pair():
    mg.backend.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1))
    opt = optim.Adam(model.parameters(), lr=2e-4, betas=(0.5, 0.999))
    x = mg.tensor(np.random.default_rng(0).standard_normal((8, 3)).astype("float32"))
    model(x).mean().backward()
    opt.step()
    return model, opt


def assert_same_tree(a, b, path=""):
    """Equal keys in the same order, equal types, arrays equal bit for bit with equal dtypes."""
    # tuples come back as lists (JSON has only lists)
    assert type(a) is type(b) or (isinstance(a, tuple) and isinstance(b, list)), path
    if isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            assert_same_tree(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, path
        np.testing.assert_array_equal(a, b, err_msg=path)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), path
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_tree(x, y, f"{path}[{i}]")
    else:
        assert a == b, path


def test_nested_round_trip_is_exact(backend_name, tmp_path):
    model, opt = _trained_pair()
    state = {
        "generator": model.state_dict(),
        "optimizer_g": opt.state_dict(),
        "epoch": 7, "lr": 2e-4, "name": "dcgan", "done": False, "best": None,
        "nan": float("nan"), "sizes": [64, 128, (7, 7)],
        "empty": {}, "nested": {"deeper": {"x": np.arange(3, dtype=np.int16)}},
        "scalar_array": np.float64(0.1), "half": np.ones((2, 2), np.float16),
    }
    path = tmp_path / "checkpoint.npz"
    mg.save(state, path)
    loaded = mg.load(path)
    expected = {**state, "scalar_array": np.asarray(0.1)}    # NumPy scalars come back as 0-d arrays
    assert_same_tree(expected, loaded)
    assert loaded["optimizer_g"]["state"]["0"]["exp_avg"].dtype == np.float32
    assert loaded["generator"]["1.num_batches_tracked"].dtype == np.int64


def test_arrays_are_stored_under_their_paths(backend_name, tmp_path):
    """numpy.load alone can read the weights of a checkpoint."""
    model, opt = _trained_pair()
    mg.save({"model": model.state_dict(), "opt": opt.state_dict()}, tmp_path / "c.npz")
    with np.load(tmp_path / "c.npz") as z:
        names = set(z.files)
        np.testing.assert_array_equal(z["model/0.weight"], host(model[0].weight))
    assert {"model/0.weight", "model/1.running_mean", "opt/state/0/exp_avg_sq"} <= names


def test_save_takes_device_arrays_and_tensors_load_gives_host_arrays(backend_name, xp, tmp_path):
    w = mg.tensor(np.arange(6, dtype="float32").reshape(2, 3))
    state = {"tensor": w, "array": w.data * 2, "parameter": nn.Parameter(w)}
    mg.save(state, tmp_path / "d.npz")
    loaded = mg.load(tmp_path / "d.npz")
    assert all(type(v) is np.ndarray for v in loaded.values())
    np.testing.assert_array_equal(loaded["array"], 2 * np.arange(6).reshape(2, 3))


def test_load_under_the_strict_backend_then_load_state_dict_moves_to_the_device(
        backend_name, xp, tmp_path):
    mg.backend.use("numpy")                       # written by a NumPy run ...
    model, opt = _trained_pair()
    mg.save({"model": model.state_dict(), "opt": opt.state_dict()}, tmp_path / "m.npz")
    expected = model.state_dict()

    mg.backend.use(backend_name)                  # ... read by a run on the other backend
    loaded = mg.load(tmp_path / "m.npz")
    assert type(loaded["model"]["0.weight"]) is np.ndarray
    fresh, fresh_opt = _trained_pair()
    fresh.load_state_dict(loaded["model"])
    fresh_opt.load_state_dict(loaded["opt"])
    for p in fresh.parameters():
        assert isinstance(p.data, xp.ndarray)
    assert isinstance(fresh[1].running_var, xp.ndarray)
    assert all(isinstance(v, xp.ndarray) for s in fresh_opt.state for k, v in s.items()
               if k != "step")
    for key, value in fresh.state_dict().items():
        np.testing.assert_array_equal(value, expected[key])


def test_plain_npz_files_load_as_nested_dicts(backend_name, tmp_path):
    """A state dict saved with numpy.savez (e.g. converted from PyTorch) loads too."""
    np.savez(tmp_path / "plain.npz", **{"0.weight": np.ones((2, 3)), "0.bias": np.zeros(2)})
    loaded = mg.load(tmp_path / "plain.npz")
    assert sorted(loaded) == ["0.bias", "0.weight"]
    nn.Linear(3, 2).load_state_dict({k.split(".")[1]: v for k, v in loaded.items()})


# ---------------------------------------------------------------- atomicity

def test_write_is_atomic_and_leaves_no_temporary_file(backend_name, tmp_path):
    path = tmp_path / "ck.npz"
    mg.save({"a": np.zeros(3)}, path)
    mg.save({"a": np.ones(3)}, path)                       # overwrite in place
    assert os.listdir(tmp_path) == ["ck.npz"]
    np.testing.assert_array_equal(mg.load(path)["a"], np.ones(3))
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask    # not the temp file's 0o600


def test_a_failed_write_keeps_the_old_file(backend_name, tmp_path, monkeypatch):
    path = tmp_path / "ck.npz"
    mg.save({"a": np.zeros(3)}, path)

    def crash(f, **arrays):
        f.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        mg.save({"a": np.ones(3)}, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["ck.npz"]
    np.testing.assert_array_equal(mg.load(path)["a"], np.zeros(3))


def test_unsaveable_values_are_refused_before_writing(backend_name, tmp_path):
    with pytest.raises(CheckpointError, match="cannot save object at 'model/x'"):
        mg.save({"model": {"x": object()}}, tmp_path / "x.npz")
    with pytest.raises(CheckpointError, match="without '/'"):
        mg.save({"a/b": np.zeros(1)}, tmp_path / "x.npz")
    with pytest.raises(CheckpointError, match="expected a dict"):
        mg.save([np.zeros(1)], tmp_path / "x.npz")
    assert os.listdir(tmp_path) == []


# --------------------------------------------------------- damaged files

def _one_line(path):
    with pytest.raises(CheckpointError) as info:
        mg.load(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return message


def test_truncated_and_corrupt_files_give_one_line_naming_the_file(backend_name, tmp_path):
    model, opt = _trained_pair()
    good = tmp_path / "good.npz"
    mg.save({"model": model.state_dict(), "opt": opt.state_dict()}, good)
    data = good.read_bytes()

    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data[: len(data) // 2])
    assert "truncated or corrupt" in _one_line(truncated)

    # flip bytes inside the stored arrays: the zip's CRC check catches it on reading
    corrupt = tmp_path / "corrupt.npz"
    with zipfile.ZipFile(good) as z:
        offset = z.getinfo("model/0.weight.npy").header_offset
    start = data.index(b"\x93NUMPY", offset) + 128          # past the .npy header
    damaged = bytearray(data)
    damaged[start:start + 8] = bytes(b ^ 0xFF for b in damaged[start:start + 8])
    corrupt.write_bytes(bytes(damaged))
    _one_line(corrupt)

    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not a checkpoint at all" * 10)
    _one_line(garbage)

    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    _one_line(empty)

    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    assert "not an .npz archive" in _one_line(single)


def test_missing_file(backend_name, tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint file at .*nowhere.npz"):
        mg.load(tmp_path / "nowhere.npz")
