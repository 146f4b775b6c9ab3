"""The SimGAN result of the README: a digit classifier trained only on synthetic digits
against the same classifier trained only on refined ones, tested on real digits.

    python scripts/simgan_table.py runs/simgan-synthetic-digits runs/simgan-nohistory \\
        runs/simgan-noselfreg --seeds 0 1 2

For each training set (the 5,000 synthetic digits as rendered, then refined by each
run's final refiner) it trains minigan.simgan_report.TaskNet with each seed and reports
its accuracy on the 500 held-out real digits (the bundled sample's held-out split, or
MNIST's test set when the full files are present): mean, standard deviation and range
over the seeds.  It also reports label drift: the share of refined digits that the
bundled judge classifier reads as a digit other than the one rendered.
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
    with open(os.path.join(run_dir, "config.json")) as f:
        config = json.load(f)
    model = gans.build(config, (1, 28, 28), "image")
    model.load_state_dict(load(os.path.join(run_dir, "checkpoint.npz"))["model"])
    return model, config


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("runs", nargs="*")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--skip-synthetic", action="store_true",
                   help="leave out the row of the unrefined synthetic digits")
    args = p.parse_args(argv)
    synthetic = load_dataset("synthetic-digits")
    real = load_dataset("mnist-sr", split="test", download=False, quiet=True)
    sets = [] if args.skip_synthetic else [("synthetic, as rendered", "", synthetic.x)]
    for run_dir in args.runs:
        model, config = load_refiner(run_dir)
        sets.append((f"refined: lambda {config['self_reg']:g}, history "
                     f"{config['history_size']}", f"`{run_dir}`", backend.to_numpy(model.translate(synthetic.x))))
    print("| training set (5,000 digits) | refiner run | accuracy on real held-out digits, "
          f"{len(args.seeds)} seeds | range | label kept (judge) |")
    print("|---|---|---:|---:|---:|")
    for name, run, x in sets:
        t0 = time.time()
        accs = [simgan_report.accuracy(simgan_report.train_task_net(x, synthetic.y, seed,
                                                                    args.epochs),
                                       real.x, real.y) for seed in args.seeds]
        kept = float(np.mean(image_metrics.predict(x) == synthetic.y))
        print(f"| {name} | {run} | {100 * np.mean(accs):.1f}% ± {100 * np.std(accs):.1f} "
              f"| {100 * min(accs):.1f}–{100 * max(accs):.1f} | {100 * kept:.1f}% |",
              flush=True)
        print(f"  ({time.time() - t0:.0f} s; accuracies {accs})", file=sys.stderr)


if __name__ == "__main__":
    main()
