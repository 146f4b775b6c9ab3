"""One entry point for every data set: load_dataset(name) -> Dataset."""
from dataclasses import dataclass

import numpy as np

from . import superres, synthetic, toy
from .mnist import DOWNLOAD_TIMEOUT, load_mnist

# name -> kind: 'toy1d' and 'toy2d' are points, 'image' is (1, 28, 28) pictures.
KINDS = {
    "gaussian": "toy1d",
    "ring": "toy2d",
    "grid": "toy2d",
    "mnist": "image",
    "fashion-mnist": "image",
    # image-to-image translation (data/translation.py): A and B stacked as 2 channels
    "mnist-edges": "paired",
    "fashion-edges": "paired",
    "mnist-thickness": "unpaired",
    "mnist-sr": "image",            # super-resolution pairs: see superres.py
    "fashion-sr": "image",
    "synthetic-digits": "image",    # font-rendered digits with labels: see synthetic.py
}
DATASETS = tuple(KINDS)
TOY_SAMPLE_SIZE = 100_000


@dataclass
class Dataset:
    """A data set in host memory, as NumPy arrays; the training loop moves it to the device.

    x:           float32 (N, 1) for gaussian, (N, 2) for ring and grid,
                 (N, 1, 28, 28) in [-1, 1] for images.
    y:           int64 (N,) labels: the digit or garment class for images, the mode
                 index for toy sets (so a conditional GAN can use it); or None.
    num_classes: how many distinct labels there can be (10, or the number of modes).
    name, kind:  e.g. "ring" and "toy2d"; kind is 'toy1d', 'toy2d' or 'image'.
    modes, std:  toy sets only: the mode centres (k, d) and their common standard
                 deviation, which the mode-coverage metrics need.
    source:      where the data came from, for logs (a folder, "bundled sample", ...).
    """
    x: np.ndarray
    y: np.ndarray | None
    num_classes: int
    name: str
    kind: str
    modes: np.ndarray | None = None
    std: float | None = None
    source: str = ""

    def __len__(self):
        return len(self.x)


def load_dataset(name, data_dir=None, download=True, quiet=False, *, split="train",
                 n=TOY_SAMPLE_SIZE, seed=0, cache_dir=None, mirrors=None, checksums=None,
                 timeout=DOWNLOAD_TIMEOUT):
    """Load a data set by name (one of DATASETS) as a Dataset of host arrays.

    Toy sets are infinite samplers; here a fixed sample of n points is drawn with the
    given seed (use toy.sample_<name> for fresh points). Images are read from IDX
    files, downloaded, or for MNIST taken from the bundled sample: see minigan.data.mnist
    for the search order and for data_dir, download, quiet, split, cache_dir, mirrors,
    checksums and timeout. Toy sets ignore those arguments.
    """
    if name not in KINDS:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    if KINDS[name] in ("paired", "unpaired"):
        from .translation import load_translation
        return load_translation(name, data_dir, download, quiet)
    if name in superres.BASE:           # x: the 28x28 targets; inputs are area_downsample(x)
        x, y, source = superres.load_sr(name, split, data_dir, download, quiet,
                                        cache_dir=cache_dir, mirrors=mirrors,
                                        checksums=checksums, timeout=timeout)
        return Dataset(x, y, 10, name, "image", source=source)
    if name == "synthetic-digits":      # split "test": another 500, drawn with another seed
        x, y = synthetic.synthetic_digits(*((5000, seed) if split == "train" else
                                            (500, seed + 1000)))
        return Dataset(x, y, 10, name, "image", source=f"rendered with seed {seed}")
    if KINDS[name] == "image":
        x, y, source = load_mnist(name, split, data_dir, download, quiet, cache_dir=cache_dir,
                                  mirrors=mirrors, checksums=checksums, timeout=timeout)
        return Dataset(x, y, 10, name, "image", source=source)
    x, mode = toy.SAMPLERS[name](n, np.random.default_rng(seed))
    return Dataset(x, mode, len(toy.MODES[name]), name, KINDS[name],
                   modes=toy.MODES[name], std=toy.STD[name],
                   source=f"{n} points drawn with seed {seed}")
