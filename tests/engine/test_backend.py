"""Backend selection, transfers and the strict device stand-in (a test of the tests)."""
import numpy as np
import pytest

import minigan as mg
import minigan.functional as F
from strict_device import DeviceArray


def test_unknown_backend_lists_valid_names():
    with pytest.raises(ValueError, match="numpy, cupy"):
        mg.backend.use("tensorflow")


def test_cupy_missing_or_no_gpu_gives_clear_error():
    try:
        import cupy  # noqa: F401
    except ImportError:
        with pytest.raises(mg.backend.BackendError, match=r"pip install 'minigan\[cuda12\]'"):
            mg.backend.use("cupy")
        return
    try:
        mg.backend.use("cupy")
    except mg.backend.BackendError as e:
        assert "--backend numpy" in str(e)


def test_transfers_round_trip():
    mg.backend.use("strict")
    a = np.arange(6.0).reshape(2, 3)
    d = mg.backend.asarray(a)
    assert isinstance(d, DeviceArray)
    back = mg.backend.to_numpy(d)
    assert isinstance(back, np.ndarray)
    np.testing.assert_array_equal(back, a)
    assert mg.backend.to_numpy(a) is a


def test_stand_in_refuses_to_mix_host_and_device():
    """A planted host/device mix must fail, or the strict runs prove nothing."""
    mg.backend.use("strict")
    d = mg.backend.asarray(np.ones(3))
    with pytest.raises(TypeError):
        d + np.ones(3)
    with pytest.raises(TypeError):
        np.ones(3) * d
    with pytest.raises(TypeError):
        mg.backend.xp.concatenate([d, np.ones(3)])
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(d)
    x = mg.tensor(d, requires_grad=True)
    with pytest.raises(TypeError):
        F.mul(x, np.ones(3))                  # the engine must not transfer implicitly


def test_stand_in_catches_engine_code_that_makes_host_arrays():
    """A Function written against NumPy directly (the bug the stand-in exists for)."""
    class HostOnes(mg.Function):
        def forward(self, x):
            return x + np.ones(x.shape)

    mg.backend.use("strict")
    with pytest.raises(TypeError):
        HostOnes()(mg.tensor(mg.backend.asarray(np.zeros(2))))


def test_stand_in_reductions_stay_on_device():
    mg.backend.use("strict")
    d = mg.backend.asarray(np.arange(4.0))
    s = d.sum()
    assert isinstance(s, DeviceArray) and float(s) == 6.0


def test_random_numbers_come_from_the_active_backend():
    mg.backend.use("strict")
    mg.backend.manual_seed(5)
    a = mg.backend.rng().standard_normal(3)
    mg.backend.manual_seed(5)
    b = mg.backend.rng().standard_normal(3)
    assert isinstance(a, DeviceArray)
    np.testing.assert_array_equal(mg.backend.to_numpy(a), mg.backend.to_numpy(b))


def test_a_generator_state_puts_the_draws_back():
    """What a checkpoint keeps of a generator: after restoring it, the next draws are
    the ones that followed the save."""
    g = mg.backend.default_rng(3)
    g.standard_normal(5)
    saved = mg.backend.generator_state(g)
    expected = g.standard_normal(4)
    g.standard_normal(7)
    mg.backend.set_generator_state(g, saved)
    np.testing.assert_array_equal(g.standard_normal(4), expected)
    mg.backend.set_generator_state(g, None)              # a checkpoint without one
    assert not np.array_equal(g.standard_normal(4), expected)


def test_cupy_generators_are_not_saved(monkeypatch):
    """CuPy keeps a generator's state on the device with no way to set it: nothing is
    saved, and a state from a NumPy checkpoint is not forced onto it."""
    g = mg.backend.default_rng(3)
    before = g.bit_generator.state
    monkeypatch.setattr(mg.backend, "name", "cupy")
    assert mg.backend.generator_state(g) is None
    mg.backend.set_generator_state(g, {"state": "from numpy"})
    assert g.bit_generator.state == before
