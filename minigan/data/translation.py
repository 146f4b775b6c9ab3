"""Image-to-image translation tasks made from the digits, so they run offline.

Paired, ``mnist-edges`` (pix2pix's edges2shoes at 28x28):
    input A = the digit's outline drawn at half resolution, target B = the digit.
    The outline: the digit is averaged over 2x2 blocks (28x28 -> 14x14), thresholded
    at 128 of 255 into an ink mask, and its boundary kept: the ink pixels with a
    background pixel among their 4 neighbours (the frame counts as background), that
    is the mask minus its erosion by a cross.  Each 14x14 pixel is then drawn as a
    2x2 block, +1 on the outline, -1 elsewhere.  At 14x14 most strokes are one or
    two pixels wide, so for them the outline is the stroke itself, and faint
    stretches of stroke break off.
    Why half resolution: the full-resolution outline (the thresholded 3x3
    morphological gradient) marks both sides of every stroke and so pins down almost
    every pixel of the digit; L1 alone then has nothing to blur and scored best (93.2%
    / 96.2% / 92.2% digit accuracy and FID 21.2 / 19.7 / 36.5 for L1+cGAN / L1 / cGAN,
    README).  Like the paper's edges, the coarse outline leaves the output genuinely
    open: where within each 2x2 block the stroke runs, how thick and how dark it is,
    and how the broken stretches join, which is where the paper's effect lives.
    ``fashion-edges`` is the same for Fashion-MNIST when its files are present.

Unpaired, ``mnist-thickness``:
    domain A = digits of one half of the training digits, domain B = the digits of
    the *other* half thickened by grey dilation (3x3 square, scipy.ndimage.grey_dilation),
    so no training image has its partner in the other domain.  The held-out digits
    and their dilations are the true pairs, used for scoring only.

The split: the digits of the bundled sample that the digit classifier was tested on
(every 10th of each class, 500 in all; data.sample.held_out_mask) are held out, the
other 4,500 train; with the MNIST files, train is the training set and held out the
test set.  The two halves of mnist-thickness alternate within each class
(even positions to A, odd to B).

A dataset stacks the two domains as two channels: x (N, 2, 28, 28) in [-1, 1] with
x[:, 0] in domain A and x[:, 1] in domain B; for paired data they are partners, for
unpaired data they are unrelated digits.  So one BatchIterator serves both, and the
held-out pairs ride along as ``test_x``, ``test_y``.
"""
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .mnist import load_mnist
from .sample import held_out_mask, load_mnist_sample_uint8

INK_THRESHOLD = 128           # of 255: half the ink range
SCALE = 2                     # the outline is drawn at 28 / SCALE pixels a side
CROSS = ndimage.generate_binary_structure(2, 1)   # the 4-neighbourhood of the erosion
STRUCTURE = (3, 3)            # the square neighbourhood of the thickening dilation

TRANSLATION_KINDS = {"mnist-edges": "paired", "fashion-edges": "paired",
                     "mnist-thickness": "unpaired"}


@dataclass
class TranslationDataset:
    """Like datasets.Dataset, with x stacking domain A and domain B as channels
    (N, 2, 28, 28), y (N,) the labels of the A digits, and the held-out true pairs
    test_x (M, 2, 28, 28) with their labels test_y (M,)."""
    x: np.ndarray
    y: np.ndarray
    num_classes: int
    name: str
    kind: str
    source: str = ""
    test_x: np.ndarray | None = None
    test_y: np.ndarray | None = None
    modes = None
    std = None

    def __len__(self):
        return len(self.x)


def block_means(images):
    """(N, 28, 28) -> (N, 14, 14): the mean of each SCALE x SCALE block, the resolution
    the outline is drawn at."""
    n, h, w = images.shape
    return images.reshape(n, h // SCALE, SCALE, w // SCALE, SCALE).mean(axis=(2, 4))


def blocks_to_full(coarse):
    """(N, 14, 14) -> (N, 28, 28): each pixel drawn as a SCALE x SCALE block."""
    return coarse.repeat(SCALE, axis=1).repeat(SCALE, axis=2)


def outline(images):
    """uint8 (N, 28, 28) -> uint8 (N, 28, 28): the outline at half resolution, 255 on it
    and 0 elsewhere (see the module docstring)."""
    ink = block_means(images) >= INK_THRESHOLD                        # (N, 14, 14)
    inside = ndimage.binary_erosion(ink, structure=CROSS[None])       # image by image
    return blocks_to_full(np.where(ink & ~inside, 255, 0).astype(np.uint8))


def thicken(images):
    """uint8 (N, 28, 28) -> uint8 (N, 28, 28): grey dilation by a 3x3 square
    (each pixel takes the brightest value of its neighbourhood)."""
    return ndimage.grey_dilation(images, size=(1,) + STRUCTURE)


def to_unit(images):
    """uint8 (N, 28, 28) in 0..255 -> float32 (N, 28, 28) in [-1, 1]."""
    return images.astype(np.float32) / 127.5 - 1.0


def stack(a, b):
    """Two uint8 (N, 28, 28) domains -> float32 (N, 2, 28, 28) in [-1, 1]."""
    return np.stack([to_unit(a), to_unit(b)], axis=1)


def digits_uint8(name, data_dir, download, quiet):
    """(train images, train labels, held-out images, held-out labels, source), uint8."""
    base = "mnist" if name.startswith("mnist") else "fashion-mnist"
    x, y, source = load_mnist(base, "train", data_dir, download, quiet=quiet)
    if source == "bundled sample":
        images, labels = load_mnist_sample_uint8()
        test = held_out_mask(labels)
        return images[~test], labels[~test], images[test], labels[test], source
    xt, yt, _ = load_mnist(base, "test", data_dir, download, quiet=True)
    back = lambda v: np.rint((v[:, 0] + 1.0) * 127.5).astype(np.uint8)   # noqa: E731
    return back(x), y, back(xt), yt, source


def halves(labels):
    """Boolean (N,): True for the first half (A), alternating within each class."""
    first = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        first[members[0::2]] = True
    return first


def load_translation(name, data_dir=None, download=True, quiet=False):
    """One of TRANSLATION_KINDS as a TranslationDataset (see the module docstring)."""
    images, labels, test_images, test_labels, source = digits_uint8(name, data_dir,
                                                                    download, quiet)
    kind = TRANSLATION_KINDS[name]
    if kind == "paired":
        x, y = stack(outline(images), images), labels
        test_x = stack(outline(test_images), test_images)
    else:
        a = halves(labels)
        n = min(a.sum(), (~a).sum())
        # channel 0: A digits; channel 1: thickened digits of the other half, in their
        # own order, so a row holds two different digits (usually of different classes)
        x = stack(images[a][:n], thicken(images[~a][:n]))
        y = labels[a][:n]                  # the labels of domain A (for scoring only)
        test_x = stack(test_images, thicken(test_images))
    return TranslationDataset(x, y, 10, name, kind, source=source, test_x=test_x,
                              test_y=test_labels)
