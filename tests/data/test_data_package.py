"""The package surface: names, host arrays, and no import of the training code."""
import subprocess
import sys
from pathlib import Path

import minigan.data as data

ROOT = Path(__file__).resolve().parents[2]


def test_dataset_names_and_kinds():
    assert data.DATASETS == ("gaussian", "ring", "grid", "mnist", "fashion-mnist",
                             "mnist-edges", "fashion-edges", "mnist-thickness")
    assert [data.KINDS[name] for name in data.DATASETS] == \
        ["toy1d", "toy2d", "toy2d", "image", "image", "paired", "paired", "unpaired"]


def test_the_data_package_does_not_import_the_training_code():
    code = "import sys, minigan.data; assert 'minigan.train' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
