"""Data sets and mini-batches for minigan, as host NumPy arrays.

    from minigan.data import load_dataset, BatchIterator

    data = load_dataset("ring")                # 100,000 points (N, 2) and mode labels
    data = load_dataset("mnist")               # (N, 1, 28, 28) float32 in [-1, 1]
    batches = BatchIterator(data.x, data.y, batch_size=64, seed=0)
    xb, yb = batches.next()                    # an endless stream, epoch after epoch

Everything here returns NumPy arrays on the host (float32 data, int64 labels); the
training loop moves them to the active backend. This package never imports the
training code.
"""
from .batches import BatchIterator
from .datasets import DATASETS, KINDS, Dataset, load_dataset
from .errors import DataError
from .idx import read_idx, write_idx
from .mnist import load_mnist
from .sample import held_out_mask, load_mnist_sample, load_mnist_sample_uint8
from .toy import MODES, SAMPLERS, STD, sample_gaussian, sample_grid, sample_ring

__all__ = [
    "BatchIterator", "DATASETS", "KINDS", "Dataset", "load_dataset", "DataError",
    "read_idx", "write_idx", "load_mnist", "held_out_mask", "load_mnist_sample",
    "load_mnist_sample_uint8", "MODES", "SAMPLERS", "STD", "sample_gaussian",
    "sample_grid", "sample_ring",
]
