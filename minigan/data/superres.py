"""Super-resolution pairs: 7x7 low-resolution digits and their 28x28 originals.

    mnist-sr     the MNIST digits (the 5,000 bundled ones offline)
    fashion-sr   Fashion-MNIST, when its files are present

The high-resolution image is the data set's 28x28 picture; the low-resolution input
is made from it deterministically by **area averaging**: each pixel of the 7x7 image
is the mean of a 4x4 block of the 28x28 one (what an ideal box-filter camera with 4x
larger pixels records, and the "box"/INTER_AREA resize of image libraries).  The pair
needs no storage: ``area_downsample`` recomputes the input from the target, on
whatever array module the target lives on, so the training loop carries HR batches
only and the SR models downsample them.

Splits.  With the full IDX files, "train" and "test" are MNIST's 60,000 and 10,000.
With the bundled sample, "train" is its 4,500 training digits and "test" the 500
held-out ones (every 10th of each class, ``held_out_mask``): the digits the
sample-quality classifier never saw, so the scores of SR outputs are not flattered.

``bicubic_upsample`` is the baseline every SR paper reports: separable cubic
convolution with Keys' (1981) kernel, a = -0.5 (the kernel of MATLAB's imresize, which
SRGAN's bicubic numbers come from; PyTorch's interpolate uses a = -0.75).
"""
import numpy as np

from .mnist import load_mnist
from .sample import held_out_mask

SCALE = 4                           # 28 -> 7: the paper's 4x upscaling factor
BASE = {"mnist-sr": "mnist", "fashion-sr": "fashion-mnist"}


def area_downsample(hr, factor=SCALE):
    """hr: (N, C, H, W) on any array module -> (N, C, H/factor, W/factor): block means."""
    n, c, h, w = hr.shape
    if h % factor or w % factor:
        raise ValueError(f"area_downsample: {h}x{w} is not divisible by {factor}")
    blocks = hr.reshape(n, c, h // factor, factor, w // factor, factor)
    return blocks.mean(axis=(3, 5))


def keys_kernel(t, a=-0.5):
    """Keys' cubic convolution kernel W(t) (Keys 1981, eq. 15), t: array of offsets."""
    t = np.abs(t)
    inner = (a + 2) * t**3 - (a + 3) * t**2 + 1
    outer = a * t**3 - 5 * a * t**2 + 8 * a * t - 4 * a
    return np.where(t <= 1, inner, np.where(t < 2, outer, 0.0))


def bicubic_matrix(n_in, factor, a=-0.5):
    """The (n_in * factor, n_in) matrix of 1-D bicubic upsampling.

    Output pixel i has its centre at input coordinate (i + 0.5) / factor - 0.5 (pixel
    centres aligned, as MATLAB and PyTorch with align_corners=False); its value is
    sum_k W(u - k) x[k] over the 4 nearest inputs k, indices clamped at the border
    (the edge pixel is repeated).
    """
    n_out = n_in * factor
    m = np.zeros((n_out, n_in))
    for i in range(n_out):
        u = (i + 0.5) / factor - 0.5
        left = int(np.floor(u))
        for k in range(left - 1, left + 3):
            m[i, min(max(k, 0), n_in - 1)] += keys_kernel(u - k, a)
    return m


def bicubic_upsample(lr, factor=SCALE, a=-0.5):
    """lr: host (N, C, h, w) -> (N, C, h*factor, w*factor) float32, clipped to [-1, 1]."""
    lr = np.asarray(lr, dtype=np.float64)
    rows, cols = bicubic_matrix(lr.shape[2], factor, a), bicubic_matrix(lr.shape[3], factor, a)
    up = np.einsum("ih,nchw,jw->ncij", rows, lr, cols)
    return np.clip(up, -1.0, 1.0).astype(np.float32)


def load_sr(name, split="train", data_dir=None, download=True, quiet=False, **kwargs):
    """(hr float32 (N, 1, 28, 28) in [-1, 1], labels int64 (N,), source) for one split.

    The low-resolution inputs are ``area_downsample(hr)``.  split: "train" | "test".
    """
    x, y, source = load_mnist(BASE[name], split, data_dir, download, quiet, **kwargs)
    if source == "bundled sample" and split == "train":
        keep = ~held_out_mask(y)              # the fallback's "train" is all 5,000
        x, y = x[keep], y[keep]
    return x, y, source
