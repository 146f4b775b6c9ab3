"""Shared test setup: backends, hypothesis profiles, markers.

Engine tests marked ``both_backends`` run twice: on NumPy and on the strict
CuPy stand-in (tests/strict_device.py), which raises on any host/device mix.
Hypothesis profiles: MINIGAN_HYPOTHESIS=dev (default, quick), ci, thorough.
"""
import os
import sys

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, os.path.dirname(__file__))

import minigan as mg                       # noqa: E402
from strict_device import strict           # noqa: E402

mg.backend.register("strict", strict)

_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                     HealthCheck.function_scoped_fixture,
                                                     HealthCheck.data_too_large])
settings.register_profile("dev", max_examples=15, **_common)
settings.register_profile("ci", max_examples=25, derandomize=True, **_common)
settings.register_profile("thorough", max_examples=400, **_common)
settings.load_profile(os.environ.get("MINIGAN_HYPOTHESIS", "ci" if os.environ.get("CI") else "dev"))


def pytest_configure(config):
    config.addinivalue_line("markers", "both_backends: run on numpy and on the strict device stand-in")


def pytest_generate_tests(metafunc):
    if "backend_name" in metafunc.fixturenames:
        names = ["numpy", "strict"] if metafunc.definition.get_closest_marker("both_backends") \
            else ["numpy"]
        metafunc.parametrize("backend_name", names, indirect=True)


@pytest.fixture
def backend_name(request):
    return getattr(request, "param", "numpy")


@pytest.fixture(autouse=True)
def _active_backend(request):
    """Every test starts on NumPy (or the parametrised backend) with a fixed seed."""
    name = request.getfixturevalue("backend_name") if "backend_name" in request.fixturenames \
        else "numpy"
    mg.backend.use(name)
    mg.backend.manual_seed(0)
    yield
    mg.backend.use("numpy")


@pytest.fixture
def xp():
    """The active array module (numpy or the strict stand-in)."""
    return mg.backend.xp


def pytest_collection_modifyitems(config, items):
    try:
        import cupy
        has_gpu = cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        has_gpu = False
    if not has_gpu:
        skip = pytest.mark.skip(reason="needs a CUDA GPU and CuPy")
        for item in items:
            if "gpu" in item.keywords:
                item.add_marker(skip)
