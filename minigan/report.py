"""What a training run writes: metrics.jsonl, sample pictures, losses.png, scores.

The training loop calls ``log``, ``samples`` and ``final``; everything here works
on host arrays (this is an edge of the engine, where data leaves the device).
"""
import contextlib
import json
import os
import re

import numpy as np

from . import backend, metrics, viz

N_METRIC_SAMPLES = 2500        # PacGAN's sample count for mode statistics
N_PICTURE_SAMPLES = 64

# Every file a run folder holds, by name: config.json (train.py), metrics.jsonl,
# checkpoint.npz, losses.png and samples_NNNNNN.png / samples_final.png (here), the VAE's
# reconstructions_ and manifold_ pictures (vae/report.py).  minigan.sample never writes
# over one of them (tests/test_faults.py checks this list against a real run).
RUN_FILE = re.compile(r"(config\.json|metrics\.jsonl|checkpoint\.npz|losses\.png"
                      r"|(samples|reconstructions|manifold)_(\d{6}|final)\.png)")


def is_run_file(path):
    """Whether path names one of the files of a run, in a folder that holds a run."""
    folder, name = os.path.split(os.path.abspath(path))
    return bool(RUN_FILE.fullmatch(name)) and any(
        os.path.exists(os.path.join(folder, f)) for f in ("config.json", "checkpoint.npz"))


def _metrics_path(run):
    return os.path.join(run.out, "metrics.jsonl")


def log(run, values):
    """Append one JSON line {"step": ..., **values} to metrics.jsonl.

    Unbuffered, so a failed write (a full disk) or an interrupt leaves nothing in a
    buffer to be flushed later: the file is cut back to where it was and never ends
    in half a line.
    """
    path = _metrics_path(run)
    line = (json.dumps({"step": run.step, **values}) + "\n").encode("utf-8")
    with open(path, "ab", buffering=0) as f:
        size = f.seek(0, os.SEEK_END)
        try:
            written = 0
            while written < len(line):          # a raw write may write only a part
                written += f.write(line[written:])
        except BaseException as error:
            f.truncate(size)
            if isinstance(error, OSError) and not error.filename:
                raise OSError(error.errno, error.strerror, path) from error
            raise


def read_log(run_dir):
    """The rows of a run's metrics.jsonl as dicts (a torn last line is skipped)."""
    path = os.path.join(run_dir, "metrics.jsonl")
    if not os.path.exists(path):
        return []
    rows = []
    with open(path) as f:
        for line in f:
            try:
                rows.append(json.loads(line))
            except ValueError:            # a line cut short by a crash
                continue
    return [r for r in rows if isinstance(r, dict) and "step" in r]


def truncate_log(run):
    """On resume: keep the rows up to the checkpoint's step, and drop the rest.

    Dropped: rows after the step (the crashed run went on past its checkpoint),
    a torn last line, and a "final" row (a finished run being extended), so that a
    resumed run's metrics equal an uninterrupted run's.  Written atomically.
    """
    kept = [r for r in read_log(run.out) if r["step"] <= run.step and not r.get("final")]
    path = _metrics_path(run)
    tmp = os.path.join(run.out, ".tmp-metrics.jsonl")
    try:
        with open(tmp, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in kept)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


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
    if data.kind in ("paired", "unpaired"):           # image-to-image translation
        from . import translation_scores
        return translation_scores.scores(run)
    task = _task_report(run)
    if task is not None:                      # srresnet, srgan, simgan: their own scores
        return task.run_scores(run.gan, run)
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
    if run.config["model"] == "vae":         # a likelihood too, on the held-out digits
        from .vae import report as vae_report
        return {**vae_report.held_out_scores(run), **image_metrics.image_scores(run)}
    return image_metrics.image_scores(run)


def samples(run):
    """Draw a picture of samples at this step and redraw the loss curves."""
    picture(run, os.path.join(run.out, f"samples_{run.step:06d}.png"))
    if run.config["model"] == "vae":         # reconstructions, and the 2-D manifold
        from .vae import report as vae_report
        vae_report.pictures(run)
    loss_curves(run)


def loss_curves(run):
    path = os.path.join(run.out, "losses.png")
    with naming(path):
        viz.save_loss_curves(read_log(run.out), path)


@contextlib.contextmanager
def naming(path):
    """Let an OSError raised inside (a full disk) name ``path``, for a one-line message.
    (viz writes each picture atomically, so a failure leaves no half picture.)"""
    try:
        yield
    except OSError as error:
        if error.filename:
            raise
        raise OSError(error.errno, error.strerror, path) from error


def _task_report(run):
    """The scores-and-pictures module of the image-to-image models, or None for a GAN."""
    model = run.config["model"]
    if model in ("srresnet", "srgan"):
        from . import sr_report
        return sr_report
    if model == "simgan":
        from . import simgan_report
        return simgan_report
    return None


def checkpoint_scores(run):
    """Score the samples at a checkpoint and log the numbers."""
    result = scores(run)
    if result:
        log(run, {k: v for k, v in result.items() if isinstance(v, (int, float))})
    return result


def picture(run, path, x=None, labels=None, title=None):
    """Save samples as the data's kind of picture: an image grid or a toy scatter.

    x: samples (N, ...) (default: drawn here; only the first 64 images or 2,500
    points are drawn); labels: (N,) the class each was drawn for, named in the title.
    """
    data = run.data
    if data.kind in ("paired", "unpaired"):           # input | output | target
        from . import translation_scores
        return translation_scores.picture(run, path, title or
                                          f"{run.config['model']} step {run.step}")
    task = _task_report(run)
    if x is None and task is not None:        # srgan: input | output | target; simgan: pairs
        with naming(path):
            return task.run_picture(run.gan, run, path,
                                    title or f"{run.config['model']} step {run.step}")
    if x is None:
        if run.config["model"] == "cgan":
            labels = np.arange(N_PICTURE_SAMPLES if data.kind == "image" else
                               N_METRIC_SAMPLES) % data.num_classes
            x = draw(run, len(labels), labels)
        else:
            x = draw(run, N_PICTURE_SAMPLES if data.kind == "image" else N_METRIC_SAMPLES)
    n = N_PICTURE_SAMPLES if data.kind == "image" else N_METRIC_SAMPLES
    x = np.asarray(x[:n])
    labels = None if labels is None else np.asarray(labels[:n])
    title = title or f"{run.config['model']} step {run.step}" + _label_note(labels, data)
    with naming(path):
        _draw_picture(data, x, labels, path, title)


def _label_note(labels, data):
    """', label 7' for samples of one class, ', columns: labels 0-9' for a cgan grid."""
    if labels is None or len(labels) == 0:
        return ""
    values = np.unique(labels)
    if len(values) == 1:
        return f", label {int(values[0])}"
    if data.kind == "image":
        return f", columns: labels {int(values.min())}-{int(values.max())}"
    return ", coloured by label"


def _draw_picture(data, x, labels, path, title):
    if data.kind == "image":
        one_class = labels is not None and len(np.unique(labels)) == 1
        viz.save_image_grid(x, path, nrow=data.num_classes if labels is not None
                            and not one_class else None, title=title)
    elif labels is not None and data.kind == "toy2d":
        viz.save_labelled_toy_samples(x, labels, path, modes=data.modes, title=title)
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
    if run.config["model"] == "vae":         # the last step's reconstructions and manifold
        from .vae import report as vae_report
        vae_report.pictures(run)
    result = scores(run)
    if result:
        log(run, {"final": True, **{k: v for k, v in result.items()
                                    if isinstance(v, (int, float))}})
    loss_curves(run)
    return result
