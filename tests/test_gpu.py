"""On a real GPU with CuPy (marked ``gpu``; skipped without one).

The strict stand-in checks device discipline everywhere else; these run the same
engine on CuPy itself and compare with NumPy.
"""
import numpy as np
import pytest

import minigan as mg
import minigan.functional as F

pytestmark = pytest.mark.gpu


@pytest.fixture
def cupy_backend():
    mg.backend.use("cupy")
    yield mg.backend.xp
    mg.backend.use("numpy")


def test_conv_gradients_on_the_gpu(cupy_backend):
    rng = np.random.default_rng(0)
    x = cupy_backend.asarray(rng.standard_normal((2, 3, 6, 6)))
    w = cupy_backend.asarray(rng.standard_normal((4, 3, 3, 3)))
    assert mg.gradcheck(lambda a, b: F.conv2d(a, b, stride=2, padding=1), [x, w],
                        mode="direction")
    assert mg.gradgradcheck(lambda a, b: F.conv_transpose2d(a, b, stride=2), [x[:, :3], w[:3]],
                            mode="direction")


def test_gpu_matches_numpy(cupy_backend):
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((8, 16)).astype("float32"), rng.standard_normal((16, 4)).astype("float32")
    gpu = F.tanh(mg.tensor(cupy_backend.asarray(x)) @ mg.tensor(cupy_backend.asarray(w)))
    np.testing.assert_allclose(mg.backend.to_numpy(gpu.data), np.tanh(x @ w), rtol=1e-5, atol=1e-6)


def test_dcgan_trains_on_the_gpu(tmp_path):
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-m", "minigan.train", "--no-progress", "--backend",
                           "cupy", "--model", "dcgan", "--iterations", "3", "--out",
                           str(tmp_path / "r")], capture_output=True, text=True, timeout=600,
                          env={**__import__("os").environ, "MINIGAN_OFFLINE": "1"})
    assert proc.returncode == 0, proc.stderr
