"""``python -m minigan.sample``: draw new samples from a trained run.

    python -m minigan.sample --run runs/dcgan-mnist --n 64 --out digits.npy
    python -m minigan.sample --run runs/cgan-mnist --n 16 --label 7 --out sevens.npy

Writes the samples as a float32 NumPy array in the data's own scale and shape
((N, 1, 28, 28) in [-1, 1] for images, (N, 2) for ring and grid, (N, 1) for
gaussian) and a picture beside it (same name, .png).
"""
import json
import os
import sys

import numpy as np

from . import backend, report
from .train import Run, UsageError, _Parser, run_command


def make_parser():
    p = _Parser(prog="python -m minigan.sample", description=__doc__.split("\n\n")[0])
    p.add_argument("--run", required=True, help="a run directory written by minigan.train")
    p.add_argument("--n", type=int, default=64, help="how many samples")
    p.add_argument("--out", required=True, help="output .npy file")
    p.add_argument("--label", type=int, help="class to draw (cgan only)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--backend", choices=("numpy", "cupy"), default="numpy")
    return p


def main(argv=None):
    return run_command("minigan.sample", _main, argv)


def _main(argv):
    args = make_parser().parse_args(argv)
    if args.n <= 0:
        raise UsageError(f"--n must be positive, got {args.n}")
    backend.use(args.backend)
    config_path = os.path.join(args.run, "config.json")
    checkpoint = os.path.join(args.run, "checkpoint.npz")
    if not (os.path.exists(config_path) and os.path.exists(checkpoint)):
        raise UsageError(f"--run {args.run}: no config.json and checkpoint.npz there")
    with open(config_path) as f:
        config = json.load(f)
    if config.get("model") in ("pix2pix", "cyclegan"):
        raise UsageError(f"{args.run} is a {config['model']} run, which translates images "
                         "rather than drawing them: use python -m minigan.translate")
    run = Run(config, args.run, quiet=True)
    run.load_checkpoint(checkpoint)
    labels = None
    if args.label is not None:
        if config["model"] != "cgan":
            raise UsageError(f"--label needs a cgan run; {args.run} is {config['model']}")
        if not 0 <= args.label < run.data.num_classes:
            raise UsageError(f"--label must be in 0..{run.data.num_classes - 1}")
        labels = np.full(args.n, args.label)
    x = report.draw(run, args.n, labels, seed=args.seed).astype(np.float32)
    out = args.out if args.out.endswith(".npy") else args.out + ".npy"
    try:
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        np.save(out, x)
    except OSError as e:
        raise UsageError(f"cannot write {out}: {e.strerror or e}") from e
    report.picture(run, out[:-4] + ".png", x=x, labels=labels)
    print(f"{args.n} samples of shape {x.shape[1:]} written to {out} and {out[:-4]}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
