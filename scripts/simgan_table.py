"""The SimGAN result of the README: a digit classifier trained only on synthetic digits
against the same classifier trained only on refined ones, tested on real digits.

    python scripts/simgan_table.py --synthetic --seeds 0 1 2 \\
        --refined "SimGAN" runs/simgan-s0 runs/simgan-s1 runs/simgan-s2 \\
        --refined "no history buffer" runs/nohistory-s0 runs/nohistory-s1 runs/nohistory-s2

Row "synthetic": the 5,000 synthetic training digits as rendered; a
minigan.simgan_report.TaskNet is trained on them once per --seeds value.  Row of a
--refined LABEL RUN...: the same digits passed through each run's final refiner, and
one TaskNet trained on each, seeded with that run's own seed (so that refiner and
classifier seeds go together).  Every TaskNet is tested on the 500 held-out real digits
(the bundled sample's held-out split, or MNIST's test set when the full files are
present): mean, standard deviation and range over the runs.

Label drift, from the bundled judge classifier (trained on real digits): "judge reads
the label" is the share of the training digits it reads as the rendered digit;
"refining changed the reading" is the share of refined digits it reads as another digit
than the same digit before refinement -- how often the refiner turned one digit into
another.  Also the mean |R(x) - x| over the pixels.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from minigan import backend, gans, image_metrics, simgan_report      # noqa: E402
from minigan.data import load_dataset                                # noqa: E402
from minigan.serialization import load                               # noqa: E402


def load_refiner(run_dir):
    """The model of a finished simgan run folder, and its config."""
    with open(os.path.join(run_dir, "config.json")) as f:
        config = json.load(f)
    model = gans.build(config, (1, 28, 28), "image")
    model.load_state_dict(load(os.path.join(run_dir, "checkpoint.npz"))["model"])
    return model, config


def row(name, trainings, synthetic, real, raw_reading):
    """trainings: [(training images, classifier seed)] -> one markdown table row."""
    t0 = time.time()
    accs, kept, changed, moved = [], [], [], []
    for x, seed in trainings:
        net = simgan_report.train_task_net(x, synthetic.y, seed)
        accs.append(simgan_report.accuracy(net, real.x, real.y))
        reading = image_metrics.predict(x)
        kept.append(np.mean(reading == synthetic.y))
        changed.append(np.mean(reading != raw_reading))
        moved.append(np.abs(x - synthetic.x).mean())
    print(f"| {name} | {100 * np.mean(accs):.1f}% ± {100 * np.std(accs):.1f} "
          f"| {100 * min(accs):.1f}–{100 * max(accs):.1f} | {100 * np.mean(kept):.1f}% "
          f"| {100 * np.mean(changed):.1f}% | {np.mean(moved):.3f} |", flush=True)
    print(f"  ({name}: {time.time() - t0:.0f} s; accuracies {accs})", file=sys.stderr)
    return accs


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--synthetic", action="store_true",
                   help="the row of the unrefined synthetic digits, one TaskNet per --seeds")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--refined", nargs="+", action="append", default=[],
                   metavar=("LABEL", "RUN"), help="a row: its label, then simgan run folders")
    args = p.parse_args(argv)
    for label, *runs in args.refined:
        if not runs:
            p.error(f"--refined {label!r} names no run folder")
        for run_dir in runs:
            if not all(os.path.isfile(os.path.join(run_dir, f))
                       for f in ("config.json", "checkpoint.npz")):
                p.error(f"{run_dir} is not a finished simgan run (config.json, checkpoint.npz)")
    synthetic = load_dataset("synthetic-digits")
    real = load_dataset("mnist-sr", split="test", download=False, quiet=True)
    raw_reading = image_metrics.predict(synthetic.x)
    print(f"| training set (5,000 digits) | accuracy on real held-out digits (mean ± std) "
          f"| range | judge reads the label | refining changed the reading | mean abs(R(x) − x) |")
    print("|---|---:|---:|---:|---:|---:|")
    if args.synthetic:
        row("synthetic, as rendered", [(synthetic.x, s) for s in args.seeds], synthetic,
            real, raw_reading)
    for label, *runs in args.refined:
        trainings = []
        for run_dir in runs:
            model, config = load_refiner(run_dir)
            refined = backend.to_numpy(model.translate(synthetic.x))
            trainings.append((refined, config["seed"]))
        row(label, trainings, synthetic, real, raw_reading)


if __name__ == "__main__":
    main()
