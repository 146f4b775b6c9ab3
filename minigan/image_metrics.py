"""Scores for generated MNIST digits, judged by minigan's own digit classifier.

The judge is the small convolutional classifier of minigan/classifier.py, trained by
minigan itself on 4,500 of the 5,000 bundled digits (scripts/train_classifier.py);
its weights and the feature statistics of the 5,000 real digits ship in
minigan/weights/mnist_classifier.npz.  minigan/weights/README.md gives its held-out
accuracy and the real-vs-real floor of the FID, the number to read scores against.

    classifier_features(images)          the 128 penultimate activations, (N, 128)
    predict(images)                      the digit the classifier reads in each image
    frechet_distance(mu1, s1, mu2, s2)   distance between two Gaussians
    classifier_fid(images)               FID of the images against the real digits
    class_distribution(images)           how many samples of each digit, and how many
                                         distinct digits appear
    label_accuracy(images, labels)       cgan: how often the digit is the one asked for
    sharpness(images)                    mean variance of the Laplacian: blur lowers it
    image_scores(run)                    all of the above for a training run

The classifier FID is the FID of Heusel et al. (2017, "GANs Trained by a Two
Time-Scale Update Rule Converge to a Local Nash Equilibrium", eq. for d^2 in
Section 3.2) with the Inception network replaced by this digit classifier, as is
usual for MNIST.  Its values are therefore NOT comparable with Inception FIDs
in papers, only with each other and with the floor in the README.  FID is biased
upwards at small sample sizes, so compare scores computed on equally many samples.

Images are host NumPy arrays, float32 (N, 1, 28, 28) in [-1, 1] (any shape with
784 values per image is accepted).  They are evaluated in batches on the active
backend under ``no_grad``; results come back to the host as float64 / Python numbers.
"""
import warnings
from pathlib import Path

import numpy as np
from scipy import linalg

from . import backend
from .autograd import Tensor, no_grad
from .classifier import FEATURE_DIM, NUM_CLASSES, DigitClassifier
from .serialization import load

WEIGHTS_PATH = Path(__file__).with_name("weights") / "mnist_classifier.npz"

BATCH_SIZE = 250          # images per forward pass: bounds the memory of the im2col buffers
DEFAULT_SAMPLES = 1000    # samples image_scores draws from a generator
SCORE_SEED = 12345        # the noise image_scores feeds G: the same at every checkpoint

# A digit "appears" among n samples if the classifier assigns it at least
# APPEAR_SHARE of its fair share n / 10, i.e. at least 2% of the samples by default.
# A generator that draws a digit only in rare accidents (or whose odd blobs the
# classifier happens to call a 7 now and then) does not get credit for it; one that
# draws every digit, even unevenly (say 5% of 1s), does.
APPEAR_SHARE = 0.2

_loaded = {}    # (weights path, backend name) -> (classifier, checkpoint dict)


# ------------------------------------------------------------ the classifier

def load_classifier(path=WEIGHTS_PATH):
    """The shipped classifier on the active backend, in eval mode, and its checkpoint.

    Loaded once per backend and cached.  The checkpoint dict holds "model" (the
    state_dict), "real_features" ({"mean": (128,), "cov": (128, 128)} float64 host
    arrays, the statistics of the 5,000 bundled digits) and "info" (how it was trained).
    """
    key = (str(path), backend.name)
    if key not in _loaded:
        if not Path(path).exists():
            raise FileNotFoundError(f"{path}: the sample-quality classifier is missing; "
                                    "reinstall minigan or run scripts/train_classifier.py")
        checkpoint = load(path)
        model = DigitClassifier()
        model.load_state_dict(checkpoint["model"])
        _loaded[key] = (model.eval(), checkpoint)
    return _loaded[key]


def real_statistics(path=WEIGHTS_PATH):
    """(mean (128,), covariance (128, 128)) of the real digits' features, float64."""
    stats = load_classifier(path)[1]["real_features"]
    return np.asarray(stats["mean"], np.float64), np.asarray(stats["cov"], np.float64)


def _as_images(images):
    """Host float32 (N, 1, 28, 28) from any (N, ...) array with 784 values per image."""
    x = np.asarray(images, dtype=np.float32)
    if x.ndim < 2 or int(np.prod(x.shape[1:])) != 28 * 28:
        raise ValueError(f"images must be (N, 1, 28, 28) MNIST-sized, got shape {x.shape}")
    return x.reshape(len(x), 1, 28, 28)


def evaluate(images, model=None):
    """Features (N, 128) and logits (N, 10) of ``images``, float64 on the host.

    model: a DigitClassifier (default: the shipped one), e.g. one being trained.
    """
    model = load_classifier()[0] if model is None else model
    x = _as_images(images)
    features, logits = [], []
    with no_grad():
        for start in range(0, len(x), BATCH_SIZE):
            batch = Tensor(backend.asarray(x[start:start + BATCH_SIZE]))
            f = model.features(batch)
            features.append(backend.to_numpy(f.data))
            logits.append(backend.to_numpy(model.head(f).data))
    if not features:
        return np.zeros((0, FEATURE_DIM)), np.zeros((0, NUM_CLASSES))
    return (np.concatenate(features).astype(np.float64),
            np.concatenate(logits).astype(np.float64))


def classifier_features(images):
    """images: host (N, 1, 28, 28) in [-1, 1] -> host float64 (N, 128) features."""
    return evaluate(images)[0]


def predict(images):
    """images: host (N, 1, 28, 28) in [-1, 1] -> the predicted digits, int64 (N,)."""
    return evaluate(images)[1].argmax(axis=1)


# ------------------------------------------------------------ Frechet distance

def gaussian_statistics(features):
    """Mean (D,) and unbiased covariance (D, D) of features (N, D), N >= 2, float64."""
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2 or len(f) < 2:
        raise ValueError(f"need at least 2 feature vectors (N, D), got shape {f.shape}")
    return f.mean(axis=0), np.cov(f, rowvar=False)


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """Squared Frechet (2-Wasserstein) distance between N(mu1, sigma1) and N(mu2, sigma2):

        d^2 = |mu1 - mu2|^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))

    (Dowson and Landau 1982; the FID of Heusel et al. 2017).  mu: (D,), sigma: (D, D).
    The square root of the product of two covariances estimated from samples is
    numerically delicate: if scipy's sqrtm returns non-finite values, or a matrix
    whose square is not the product (a singular, ill-conditioned product), eps * I is
    added to both covariances and it is taken again; the tiny imaginary parts that
    rounding leaves are dropped, and a large one is an error.  Non-finite statistics
    give NaN.
    """
    mu1 = np.atleast_1d(np.asarray(mu1, np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, np.float64))
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or \
            sigma1.shape != (len(mu1), len(mu1)):
        raise ValueError(f"frechet_distance: shapes do not fit: mu {mu1.shape}, {mu2.shape}, "
                         f"sigma {sigma1.shape}, {sigma2.shape}")
    if not all(np.isfinite(a).all() for a in (mu1, sigma1, mu2, sigma2)):
        return float("nan")         # e.g. a diverged generator's NaN images: no distance
    diff = mu1 - mu2
    with warnings.catch_warnings():
        # ReLU features have units that never fire, so the covariances are singular and
        # sqrtm warns; its result is usually still exact, which _is_root checks instead
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        product = sigma1 @ sigma2
        covmean = linalg.sqrtm(product)
        if not _is_root(covmean, product):
            offset = eps * np.eye(len(mu1))
            covmean = linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        # a PSD product has a real square root; what remains is rounding, unless it is large
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"frechet_distance: sqrtm has a large imaginary part "
                             f"({np.abs(covmean.imag).max():.3g}); are the covariances PSD?")
        covmean = covmean.real
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def _is_root(root, product, rtol=1e-6):
    """True if ``root`` is finite and root @ root equals ``product`` to rtol (Frobenius)."""
    if not np.isfinite(root).all():
        return False
    scale = np.linalg.norm(product)
    return np.linalg.norm(root @ root - product) <= rtol * scale + 1e-300


def fid_floor_note(path=WEIGHTS_PATH):
    """What real digits score against real digits, the FID to read a score against.

    From the floors measured when the classifier was trained (minigan/weights/README.md):
    1,000 real digits against the other 4,000 (the sample size of ``image_scores``), and
    the 500 held-out digits against the shipped statistics (the size the translation and
    super-resolution scores use).
    """
    floors = load(str(path))["info"]["fid_floors"]
    return (f"real digits against real digits score {floors['real_1000_vs_other_4000_mean']:.1f}"
            f" at 1,000 samples, {floors['held_out_500_vs_shipped']:.1f} at 500")


def classifier_fid(images):
    """FID between the classifier features of ``images`` (N >= 2) and of the real digits."""
    return _fid_of_features(classifier_features(images))


def _fid_of_features(features):
    mu, sigma = gaussian_statistics(features)
    return frechet_distance(mu, sigma, *real_statistics())


# ------------------------------------------------------------ classes

def _distribution(predicted, min_share):
    counts = np.bincount(predicted, minlength=NUM_CLASSES)
    threshold = min_share * len(predicted) / NUM_CLASSES
    appearing = [int(k) for k in range(NUM_CLASSES) if counts[k] > 0 and counts[k] >= threshold]
    return {"counts": [int(c) for c in counts], "digits": len(appearing),
            "appearing": appearing}


def class_distribution(images, min_share=APPEAR_SHARE):
    """How often the classifier sees each digit among ``images``.

    Returns {"counts": 10 ints, "digits": how many distinct digits appear,
    "appearing": those digits}.  A digit appears if it gets at least
    ``min_share * N / 10`` of the N predictions (and at least one): with the
    default 0.2, 2% of the samples.
    """
    return _distribution(predict(images), min_share)


def label_accuracy(images, labels):
    """Fraction of ``images`` that the classifier reads as ``labels`` (host ints (N,))."""
    labels = np.asarray(labels)
    predicted = predict(images)
    if labels.shape != predicted.shape:
        raise ValueError(f"labels must have shape {predicted.shape}, got {labels.shape}")
    return float(np.mean(predicted == labels))


# ------------------------------------------------------------ sharpness

def sharpness(images):
    """How sharp images are: the variance of each image's discrete Laplacian, averaged.

    images: host (N, 1, 28, 28) in [-1, 1], read as grey levels in [0, 1].  The Laplacian
    4 x(i, j) - x(i-1, j) - x(i+1, j) - x(i, j-1) - x(i, j+1) (zero outside the image)
    is large where the intensity bends sharply, at clean strokes' edges; blurring spreads
    edges out and lowers its variance (the focus measure of Pech-Pacheco et al. 2000).
    The 5,000 real grey-level digits score 0.16, binarised ones 0.54, blurred by a
    Gaussian of one pixel 0.013.  Noise scores higher still (1.7): sharpness says
    nothing about whether an image is a digit; read it beside the FID.
    """
    x = (_as_images(images)[:, 0].astype(np.float64) + 1) / 2
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    lap = (4 * x - padded[:, :-2, 1:-1] - padded[:, 2:, 1:-1]
           - padded[:, 1:-1, :-2] - padded[:, 1:-1, 2:])
    return float(lap.reshape(len(x), -1).var(axis=1).mean())


# ------------------------------------------------------------ a training run

def _generate(gan, n, labels, seed):
    """n samples from the GAN, in batches, as host float32, with noise from ``seed``.

    The noise comes from a generator of its own, so scoring draws the same noise at
    every checkpoint and leaves the training's random stream untouched (a run
    trains the same whether metrics are on or off).
    """
    rng = backend.default_rng(seed)
    parts = []
    for start in range(0, n, BATCH_SIZE):
        stop = min(n, start + BATCH_SIZE)
        if labels is None:
            x = gan.generate(stop - start, rng=rng)
        else:
            x = gan.generate(stop - start, labels=backend.asarray(labels[start:stop]), rng=rng)
        parts.append(backend.to_numpy(x))
    return np.concatenate(parts)


def image_scores(run, n=DEFAULT_SAMPLES, seed=SCORE_SEED):
    """{"fid", "digits"} (and "label_accuracy" for cgan) of n samples of ``run``'s generator.

    run: the training run (``run.gan``, ``run.config``, ``run.data``).  Only MNIST is
    scored, since the judge is a digit classifier: any other data set gives {}.
    cgan is asked for each digit equally often (labels 0, 1, ..., 9, 0, 1, ...).
    """
    if run.config.get("dataset") != "mnist":
        return {}
    conditional = run.config["model"] == "cgan"
    labels = np.arange(n) % run.data.num_classes if conditional else None
    images = _generate(run.gan, n, labels, seed)
    features, logits = evaluate(images)
    predicted = logits.argmax(axis=1)
    scores = {"fid": _fid_of_features(features),
              "digits": _distribution(predicted, APPEAR_SHARE)["digits"]}
    if conditional:
        scores["label_accuracy"] = float(np.mean(predicted == labels))
    return scores
