"""What a training run writes: metrics.jsonl, sample pictures, losses.png, scores.

The training loop calls ``log``, ``samples`` and ``final``; everything here works
on host arrays (this is an edge of the engine, where data leaves the device).
"""
import json
import os

import numpy as np

from . import backend, metrics, viz

N_METRIC_SAMPLES = 2500        # PacGAN's sample count for mode statistics
N_PICTURE_SAMPLES = 64


def _metrics_path(run):
    return os.path.join(run.out, "metrics.jsonl")


def log(run, values):
    """Append one JSON line {"step": ..., **values} to metrics.jsonl."""
    with open(_metrics_path(run), "a") as f:
        f.write(json.dumps({"step": run.step, **values}) + "\n")


def read_log(run_dir):
    """All lines of a run's metrics.jsonl as dicts."""
    path = os.path.join(run_dir, "metrics.jsonl")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def truncate_log(run):
    """On resume: forget log lines written after the checkpoint's step."""
    kept = [r for r in read_log(run.out) if r["step"] <= run.step]
    with open(_metrics_path(run), "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in kept)


REPORT_SEED = 12345           # the same noise at every step, so pictures compare


def draw(run, n, labels=None, seed=REPORT_SEED):
    """n generated samples as a host float32 array (G in eval mode).

    The noise has a generator of its own: drawing from the training one would make
    a run depend on how often it was looked at, and break exact resumption.
    """
    rng = backend.default_rng(seed)
    if labels is not None:
        return backend.to_numpy(run.gan.generate(n, labels=backend.asarray(labels), rng=rng))
    return backend.to_numpy(run.gan.generate(n, rng=rng))


def scores(run):
    """Sample-quality numbers for the run's data: mode coverage, 1D fit or image scores."""
    data = run.data
    if hasattr(run.gan, "scores"):            # models that score themselves (srresnet, srgan)
        return run.gan.scores(run)
    if data.kind == "toy1d":
        return metrics.gaussian_1d_metrics(draw(run, N_METRIC_SAMPLES)[:, 0])
    if data.kind == "toy2d":
        # cgan: one draw with every label equally often serves both scores
        labels = np.arange(N_METRIC_SAMPLES) % data.num_classes \
            if run.config["model"] == "cgan" else None
        x = draw(run, N_METRIC_SAMPLES, labels)
        result = metrics.mode_metrics(x, data.modes, data.std)
        result.pop("samples_per_mode", None)
        if labels is not None:
            result["label_accuracy"] = metrics.label_accuracy_toy(x, labels, data.modes,
                                                                  data.std)
        return result
    from . import image_metrics              # loads the shipped digit classifier
    return image_metrics.image_scores(run)


def samples(run):
    """Draw a picture of samples at this step and redraw the loss curves."""
    picture(run, os.path.join(run.out, f"samples_{run.step:06d}.png"))
    viz.save_loss_curves(read_log(run.out), os.path.join(run.out, "losses.png"))


def checkpoint_scores(run):
    """Score the samples at a checkpoint and log the numbers."""
    result = scores(run)
    if result:
        log(run, {k: v for k, v in result.items() if isinstance(v, (int, float))})
    return result


def picture(run, path, x=None, labels=None):
    """Save samples as the data's kind of picture: an image grid or a toy scatter."""
    data, title = run.data, f"{run.config['model']} step {run.step}"
    if x is None and hasattr(run.gan, "picture"):     # e.g. srgan: input | output | target
        return run.gan.picture(run, path, title)
    if x is None:
        if run.config["model"] == "cgan":
            labels = np.arange(N_PICTURE_SAMPLES if data.kind == "image" else
                               N_METRIC_SAMPLES) % data.num_classes
            x = draw(run, len(labels), labels)
        else:
            x = draw(run, N_PICTURE_SAMPLES if data.kind == "image" else N_METRIC_SAMPLES)
    if data.kind == "image":
        viz.save_image_grid(x[:N_PICTURE_SAMPLES], path,
                            nrow=data.num_classes if labels is not None else None, title=title)
    elif labels is not None and data.kind == "toy2d":
        viz.save_labelled_toy_samples(x, labels, path, modes=data.modes)
    elif data.kind == "toy1d":                  # against the exact density N(mu, std^2)
        mu, std = float(data.modes[0][0]), float(data.std)
        pdf = lambda t: np.exp(-0.5 * ((t - mu) / std) ** 2) / (std * np.sqrt(2 * np.pi))  # noqa: E731
        viz.save_toy_samples(x, path, real=pdf, title=title)
    else:
        viz.save_toy_samples(x, path, real=data.x[:N_METRIC_SAMPLES],
                             modes=data.modes, title=title)


def final(run):
    """The end of a run: a last picture and the scores (also logged)."""
    picture(run, os.path.join(run.out, "samples_final.png"))
    result = scores(run)
    if result:
        log(run, {"final": True, **{k: v for k, v in result.items()
                                    if isinstance(v, (int, float))}})
    viz.save_loss_curves(read_log(run.out), os.path.join(run.out, "losses.png"))
    return result
