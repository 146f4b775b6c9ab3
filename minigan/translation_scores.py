"""Scores and pictures for the image-to-image translation runs, on held-out true pairs.

Every number compares a translation with the partner it should have been, which the
model never saw in training (data/translation.py holds them back):

    l1        mean |output - partner| per pixel, on the [0, 1] scale
    psnr      10 log10(1 / mean (output - partner)^2) per image, averaged (dB, [0, 1] scale)
    accuracy  how often the digit classifier reads the intended digit in the output
    fid       classifier FID of the outputs against real digits of the target domain
              (pix2pix: the 5,000 bundled digits' statistics; CycleGAN: 500 evenly
              spaced training images of the target domain, as many as the outputs)
    ink       the thickness statistic: mean ink per digit, sum over pixels of (x + 1) / 2
    sharpness pix2pix: the variance of each output's Laplacian, averaged
              (image_metrics.sharpness), beside the targets' own: the blur of L1 alone
              that the paper's Table 1 is about shows as a lower value

pix2pix (paired) is scored one way; CycleGAN both ways, with the same numbers for the
identity map (the input as its own translation) as the baseline its L1 must beat.
Host arrays throughout: this is an edge of the engine.
"""
import numpy as np

from . import backend, viz

N_PICTURE = 8
N_REFERENCE = 500       # training images of the target domain that the FID compares with


def translate(run, x, direction="a2b"):
    """Host (N, 1, 28, 28) -> host translations by the run's model."""
    return backend.to_numpy(run.gan.translate(backend.asarray(x), direction))


def l1(x, y):
    return float(np.mean(np.abs(x - y)) / 2)


def psnr(x, y):
    mse = np.mean(((x - y) / 2) ** 2, axis=(1, 2, 3))
    return float(np.mean(10 * np.log10(1.0 / np.maximum(mse, 1e-10))))


def ink(x):
    """Mean ink per image: the sum of (x + 1) / 2 over its pixels, averaged over images."""
    return float(np.mean(((x + 1) / 2).sum(axis=(1, 2, 3))))


def _digits(run):
    return run.config["dataset"].startswith("mnist")


def scores(run):
    """The run's scores on the held-out pairs (see the module docstring)."""
    data = run.data
    a, b = data.test_x[:, :1], data.test_x[:, 1:]
    from . import image_metrics as im
    if data.kind == "paired":
        out = translate(run, a)
        result = {"l1": l1(out, b), "psnr": psnr(out, b), "sharpness": im.sharpness(out),
                  "sharpness_target": im.sharpness(b)}
        if _digits(run):
            features, logits = im.evaluate(out)
            result["accuracy"] = float(np.mean(logits.argmax(1) == data.test_y))
            result["fid"] = im._fid_of_features(features)
        return result
    result = {}
    # an evenly spaced subset: the training digits may be sorted by class
    reference = data.x[::max(1, len(data.x) // N_REFERENCE)][:N_REFERENCE]
    for direction, source, target, train_target in (
            ("a2b", a, b, reference[:, 1:]), ("b2a", b, a, reference[:, :1])):
        out = translate(run, source, direction)
        features, logits = im.evaluate(out)
        mu, sigma = im.gaussian_statistics(_target_features(run, direction, train_target))
        result.update({
            f"l1_{direction}": l1(out, target),
            f"l1_identity_{direction}": l1(source, target),
            f"accuracy_{direction}": float(np.mean(logits.argmax(1) == data.test_y)),
            f"ink_{direction}": ink(out),
            f"ink_target_{direction}": ink(target),
            f"fid_{direction}": im.frechet_distance(*im.gaussian_statistics(features),
                                                    mu, sigma),
        })
    return result


_target_cache = {}


def _target_features(run, direction, images):
    """Classifier features of the target domain's training images (cached per data set)."""
    key = (run.config["dataset"], direction, len(images))
    if key not in _target_cache:
        from . import image_metrics as im
        _target_cache[key] = im.classifier_features(images)
    return _target_cache[key]


def picture(run, path, title=None):
    """Rows of held-out examples: input, output, true partner (and the way back for
    CycleGAN: B, F(B), its partner)."""
    data = run.data
    a, b = data.test_x[::50][:N_PICTURE, :1], data.test_x[::50][:N_PICTURE, 1:]
    rows = [a, translate(run, a), b]
    if data.kind == "unpaired":
        rows += [b, translate(run, b, "b2a"), a]
    viz.save_image_grid(np.concatenate(rows), path, nrow=len(a), title=title)
