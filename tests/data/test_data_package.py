"""The package surface: names, host arrays, and no import of the training code."""
import subprocess
import sys
from pathlib import Path

import minigan.data as data

ROOT = Path(__file__).resolve().parents[2]


def test_dataset_names_and_kinds():
    assert data.DATASETS[:5] == ("gaussian", "ring", "grid", "mnist", "fashion-mnist")
    assert [data.KINDS[name] for name in data.DATASETS[:5]] == \
        ["toy1d", "toy2d", "toy2d", "image", "image"]
    # super-resolution pairs and synthetic digits (SRGAN, SimGAN) are images too
    for name in ("mnist-sr", "fashion-sr", "synthetic-digits"):
        assert data.KINDS[name] == "image"
    for name, kind in (("mnist-edges", "paired"), ("fashion-edges", "paired"),
                       ("mnist-thickness", "unpaired")):
        assert data.KINDS[name] == kind


def test_the_data_package_does_not_import_the_training_code():
    code = "import sys, minigan.data; assert 'minigan.train' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
