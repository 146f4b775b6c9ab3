"""python -m minigan.sample: draw new samples from a trained run.

    python -m minigan.sample --run runs/dcgan-mnist --n 64 --out digits.npy
    python -m minigan.sample --run runs/cgan-mnist --n 16 --label 7 --out sevens.png

--out decides what is written, by its extension:
  .npy  the samples as one float32 array, and a picture beside it (same name, .png)
  .npz  the array under "samples" (and "label" with --label), and the picture
  .png  only the picture (at most 64 images or 2,500 points)
The array is in the data's own scale and shape: (N, 1, 28, 28) in [-1, 1] for
images, (N, 2) for ring and grid, (N, 1) for gaussian.  Samples are drawn in
batches into a memory-mapped file, so any --n fits in memory.
"""
import math
import os
import sys
import zipfile

import numpy as np

from . import backend, cli, report
from .train import Run, first_nonfinite, read_config

BATCH = 4096                       # samples drawn (and held in memory) at a time
FORMATS = (".npy", ".npz", ".png")


def make_parser():
    p = cli.Parser(prog="python -m minigan.sample",
                   description="Draw new samples from a trained run.\n\n--out decides what is "
                   "written:" + __doc__.split("by its extension:")[1].split("The array")[0])
    p.add_argument("--run", required=True, help="a run directory written by minigan.train")
    p.add_argument("--n", type=cli.positive_int, default=64, help="how many samples "
                   "(default: 64)")
    p.add_argument("--out", required=True, help="output file: .npy, .npz or .png")
    p.add_argument("--label", type=cli.nonnegative_int, help="class to draw (cgan only)")
    p.add_argument("--seed", type=cli.nonnegative_int, default=0, help="default: 0")
    p.add_argument("--backend", choices=("numpy", "cupy"), default="numpy",
                   help="default: numpy")
    return p


def main(argv=None):
    return cli.run_command("minigan.sample", _main, argv)


def _main(argv):
    args = make_parser().parse_args(argv)
    stem, ext = os.path.splitext(args.out)
    if ext.lower() not in FORMATS:
        raise cli.UsageError(f"--out {args.out}: give a file ending in .npy, .npz or .png")
    backend.use(args.backend)
    run = load_run(args.run)
    if args.label is not None:
        if run.config["model"] != "cgan":
            raise cli.UsageError(f"--label needs a cgan run; {args.run} is "
                                 f"{run.config['model']}")
        if args.label >= run.data.num_classes:
            raise cli.UsageError(f"--label must be in 0..{run.data.num_classes - 1}")
    shape = tuple(run.data.x.shape[1:])
    picture = args.out if ext.lower() == ".png" else stem + ".png"
    for path in {args.out, picture}:
        if report.is_run_file(path):
            raise cli.UsageError(f"--out {args.out} would write over {path}, a file of the "
                                 "run in that folder: choose another name or folder")
    folder = os.path.dirname(os.path.abspath(args.out))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        raise cli.UsageError(cli.write_failed(folder, e)) from e
    if ext.lower() == ".png":
        limit = report.N_PICTURE_SAMPLES if run.data.kind == "image" else report.N_METRIC_SAMPLES
        if args.n > limit:
            raise cli.UsageError(f"--n {args.n}: a picture shows at most {limit} samples; "
                                 "write .npy or .npz for more")
        x = np.zeros((args.n, *shape), np.float32)
        draw_into(run, x, args.label, args.seed)
        write_picture(run, picture, x, args.label)
        print(f"{args.n} samples drawn as a picture in {picture}")
        return 0
    need = args.n * math.prod(shape) * 4
    free = cli.free_space(folder)
    if free is not None and need > free:
        raise cli.UsageError(f"--n {args.n} needs {cli.human_bytes(need)} for {args.out}, "
                             f"{cli.human_bytes(free)} free on that disk")
    first = write_array(run, args.out, (args.n, *shape), args.label, args.seed)
    write_picture(run, picture, first, args.label)
    print(f"{args.n} samples of shape {shape} written to {args.out} (float32), "
          f"a picture of them to {picture}")
    return 0


def load_run(run_dir):
    """The run in ``run_dir`` with its checkpoint loaded (refused if not finite)."""
    config_path, checkpoint = cli.run_files("--run", run_dir)
    config = read_config(config_path)
    if config.get("model") in ("pix2pix", "cyclegan"):
        raise cli.UsageError(f"{run_dir} is a {config['model']} run, which translates images "
                             "rather than drawing them: use python -m minigan.translate")
    run = Run(config, run_dir, quiet=True)
    run.load_checkpoint(checkpoint)          # refuses non-finite numbers
    bad = first_nonfinite(run.gan)
    if bad:
        raise cli.UsageError(f"{checkpoint} holds non-finite weights ({bad})")
    return run


def draw_into(run, out, label, seed):
    """Fill ``out`` (N, ...) with samples of G, BATCH at a time, from one noise stream
    (so the first k samples do not depend on N)."""
    rng = backend.default_rng(seed)
    for start in range(0, len(out), BATCH):
        k = min(BATCH, len(out) - start)
        conditions = {} if label is None else {"labels": backend.asarray(np.full(k, label))}
        x = backend.to_numpy(run.gan.generate(k, rng=rng, **conditions))
        if not np.isfinite(x).all():
            raise cli.UsageError(f"the generator of {run.out} gives non-finite samples "
                                 "(its weights are finite, its outputs overflow)")
        out[start:start + k] = x


def write_array(run, path, shape, label, seed):
    """Write the samples (shape) to path (.npy or .npz) through a memory-mapped
    temporary .npy, renamed into place at the end; return the first 2,500."""
    folder, name = os.path.split(os.path.abspath(path))
    tmp_npy = os.path.join(folder, f".tmp-{name}.npy")
    tmp_npz = os.path.join(folder, f".tmp-{name}")
    try:
        x = np.lib.format.open_memmap(tmp_npy, mode="w+", dtype=np.float32, shape=shape)
        draw_into(run, x, label, seed)
        first = np.array(x[:report.N_METRIC_SAMPLES])
        x.flush()
        del x
        if path.lower().endswith(".npz"):
            with zipfile.ZipFile(tmp_npz, "w", allowZip64=True) as z:
                z.write(tmp_npy, "samples.npy")
                if label is not None:
                    with z.open("label.npy", "w") as f:
                        np.lib.format.write_array(f, np.asarray(label, dtype=np.int64))
            os.replace(tmp_npz, path)
        else:
            os.replace(tmp_npy, path)
    except OSError as e:
        raise cli.UsageError(cli.write_failed(path, e)) from e
    finally:
        for tmp in (tmp_npy, tmp_npz):
            if os.path.exists(tmp):
                os.remove(tmp)
    return first


def write_picture(run, path, x, label):
    labels = None if label is None else np.full(len(x), label)
    try:
        report.picture(run, path, x=x, labels=labels)
    except OSError as e:
        raise cli.UsageError(cli.write_failed(path, e)) from e


if __name__ == "__main__":
    sys.exit(main())
