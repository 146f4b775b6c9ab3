"""The seed decks' comparison on the same digits: a VAE against DCGAN and the cGAN.

    python -m minigan.train --model vae --out runs/vae-mnist                # ~1 CPU-min
    python -m minigan.train --model dcgan --out runs/dcgan-mnist            # ~10 CPU-min
    python -m minigan.train --model cgan --arch conv --out runs/cgan-mnist  # ~5 CPU-min
    python scripts/vae_vs_gans.py runs/vae-mnist runs/dcgan-mnist runs/cgan-mnist

For each trained run it prints one row of a Markdown table:

    held-out log p(x)   the VAE's importance-weighted estimate (k from its config) on
                        the 500 held-out binarised digits, nats per image; a GAN has none
    classifier FID      image_metrics.image_scores, the scorer every run uses (1,000
                        samples; real digits against real digits score about 10-15)
    digits              how many of the ten digits appear among those samples
    sharpness           image_metrics.sharpness of 1,000 samples (real digits: 0.16)
    training time       CPU seconds of one training step (the median of 3 rounds of
                        10 steps, one thread, after warming up) times the steps trained

A run still training is scored at its last checkpoint (the iterations column says
which step).

The runs are loaded from their folders (config.json, checkpoint.npz); timing steps
are taken on a copy in memory, never saved.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
os.environ.setdefault("MINIGAN_OFFLINE", "1")

from minigan import image_metrics, report, vae                  # noqa: E402
from minigan.data import load_mnist_sample                      # noqa: E402
from minigan.train import Run, set_learning_rates               # noqa: E402

N_SAMPLES = 1000


def load_run(path):
    with open(os.path.join(path, "config.json")) as f:
        config = json.load(f)
    run = Run(config, path, quiet=True)
    run.load_checkpoint(os.path.join(path, "checkpoint.npz"))
    return run


def samples(run, n=N_SAMPLES):
    """n samples in [-1, 1]; the cGAN is asked for each digit equally often."""
    labels = np.arange(n) % 10 if run.config["model"] == "cgan" else None
    return report.draw(run, n, labels)


def seconds_per_step(run, steps=10, rounds=3):
    """Median CPU seconds of one train_step over ``rounds`` rounds of ``steps`` steps."""
    set_learning_rates(run)
    run.gan.train_step(run.next_batch)                       # warm up
    times = []
    for _ in range(rounds):
        t0 = time.process_time()
        for _ in range(steps):
            run.gan.train_step(run.next_batch)
        times.append((time.process_time() - t0) / steps)
    return float(np.median(times))


def row(path):
    run = load_run(path)
    config = run.config
    name = config["model"] + ("" if config["model"] == "vae" and config["arch"] == "mlp"
                              else f" ({config['arch']})")
    log_px = "—"
    if config["model"] == "vae":
        result = vae.evaluate(run.gan, run.held_out, k=config["iw_samples"],
                              seed=vae.report.EVAL_SEED)
        log_px = f"{result['log_px']:.1f} (ELBO {result['elbo']:.1f})"
    scores = image_metrics.image_scores(run)
    sharp = image_metrics.sharpness(samples(run))
    trained = run.step
    step = seconds_per_step(run)
    minutes = step * trained / 60
    return (f"| {name} | {trained:,} | {log_px} | {scores['fid']:.0f} | "
            f"{scores['digits']} | {sharp:.3f} | {minutes:.1f} CPU-min ({1000 * step:.0f} ms/step) |")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("runs", nargs="+", help="run folders written by minigan.train")
    args = p.parse_args(argv)
    import minigan.vae.report  # noqa: F401  (vae.report.EVAL_SEED)
    print("| model | iterations | held-out log p(x), nats | classifier FID | digits | "
          "sharpness | training time |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    real, _ = load_mnist_sample()
    print(f"| real digits (reference) | | | 10–15 | 10 | {image_metrics.sharpness(real):.3f} | |")
    for path in args.runs:
        print(row(path), flush=True)


if __name__ == "__main__":
    main()
