"""Scores and pictures of super-resolution runs (SRResNet, SRGAN) and the bicubic baseline.

    test_pairs(dataset)            the held-out (LR, HR, labels) of an SR data set
    score_outputs(sr, hr, labels)  PSNR, SSIM, classifier accuracy and classifier FID
    run_scores(model, run)         those for a run's generator on the held-out split
    run_picture(model, run, path)  a grid of (input | output | target) triples

Distortion (PSNR, SSIM: minigan/fidelity.py) compares each output with its own
target; perception is judged by the bundled digit classifier (minigan/image_metrics.py):
how often it reads the right digit in the output, and the classifier FID of the outputs
against the real digits' statistics.  On the 500 held-out bundled digits the targets
themselves score an FID of about 14 (the floor) and an accuracy of 98.2%.
"""
import numpy as np

from . import backend, fidelity, image_metrics, viz
from .data import load_dataset
from .data.superres import area_downsample, bicubic_upsample

_cache = {}
PICTURE_PAIRS = 16


def test_pairs(dataset="mnist-sr", data_dir=None):
    """(lr (N,1,7,7), hr (N,1,28,28), labels (N,)) host arrays of the held-out split."""
    key = (dataset, data_dir)
    if key not in _cache:
        data = load_dataset(dataset, data_dir=data_dir, split="test", download=False,
                            quiet=True)
        _cache[key] = (area_downsample(data.x), data.x, data.y)
    return _cache[key]


def score_outputs(sr, hr, labels):
    """{"psnr" dB, "ssim", "accuracy", "fid"} of outputs sr against targets hr (host arrays).

    PSNR and SSIM are means over images; accuracy is the share of outputs the
    classifier reads as their label; fid is the classifier FID of all outputs.
    """
    features, logits = image_metrics.evaluate(sr)
    return {"psnr": float(fidelity.psnr(sr, hr).mean()),
            "ssim": float(fidelity.ssim(sr, hr).mean()),
            "accuracy": float(np.mean(logits.argmax(axis=1) == labels)),
            "fid": image_metrics._fid_of_features(features)}


def bicubic_scores(dataset="mnist-sr", data_dir=None):
    lr, hr, labels = test_pairs(dataset, data_dir)
    return score_outputs(bicubic_upsample(lr), hr, labels)


def run_scores(model, run):
    """Scores of ``model.translate`` on the held-out split of the run's data set.

    The classifier judges digits only, so Fashion-MNIST runs get PSNR and SSIM alone.
    """
    lr, hr, labels = test_pairs(run.config["dataset"], run.config.get("data_dir"))
    sr = backend.to_numpy(model.translate(lr))
    if run.config["dataset"] != "mnist-sr":
        return {"psnr": float(fidelity.psnr(sr, hr).mean()),
                "ssim": float(fidelity.ssim(sr, hr).mean())}
    return score_outputs(sr, hr, labels)


def triples(lr, sr, hr):
    """Interleave (input shown at 28x28 by pixel repetition | output | target) per row."""
    factor = hr.shape[-1] // lr.shape[-1]
    big = lr.repeat(factor, axis=2).repeat(factor, axis=3)
    return np.stack([big, sr, hr], axis=1).reshape((-1,) + hr.shape[1:])


def run_picture(model, run, path, title=None):
    """A grid of PICTURE_PAIRS held-out digits, two triples per row: input | output | target."""
    lr, hr, _ = test_pairs(run.config["dataset"], run.config.get("data_dir"))
    pick = np.linspace(0, len(hr) - 1, PICTURE_PAIRS).astype(int)   # spread over the classes
    lr, hr = lr[pick], hr[pick]
    grid = triples(lr, backend.to_numpy(model.translate(lr)), hr)
    viz.save_image_grid(grid, path, nrow=6, title=title)
