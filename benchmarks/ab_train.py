"""A/B of one training iteration: this checkout's minigan against a git revision's, in one process.

    PYTHONPATH=. python benchmarks/ab_train.py --base main --rows cyclegan simgan --rounds 15

The base revision's ``minigan/`` is exported (``git archive``) into a temporary folder
as the package ``minigan_base`` (minigan imports itself only relatively, so the two
copies do not meet), both build the same model of bench_train.py's ROWS from the same
seeds and batches, and the two run alternately, round after round, so a load that comes
and goes hits both.  Printed: the median CPU time per iteration (``time.process_time``,
which does not count other processes' use of the core) of each, and the median of the
per-round ratios new / base.  Set OPENBLAS_NUM_THREADS=1 for one thread.  With 2 threads
take ``--clock wall`` on a quiet machine: CPU time then also counts OpenBLAS's idle
threads spinning between products.  The two copies share glibc's heap and its dynamic
thresholds, so a change that adds or removes large temporary arrays needs fresh
processes too (fresh_faults.py): in one process the base copy's arrays can keep the other
copy out of the heap-trimming regime it meets alone (benchmarks/README.md, fifth pass).
"""
import argparse
import importlib
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import bench_train  # noqa: E402


def export_base(rev, folder):
    """``git archive rev minigan`` unpacked as folder/minigan_base."""
    archive = subprocess.run(["git", "-C", ROOT, "archive", rev, "minigan"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
    os.rename(os.path.join(folder, "minigan"), os.path.join(folder, "minigan_base"))
    sys.path.insert(0, folder)


def trainer(package, model, kind, batch, overrides):
    """step(): one training iteration of ``model`` built by ``package`` (a minigan copy)."""
    import numpy as np
    mg = importlib.import_module(package)
    gans = importlib.import_module(package + ".gans")
    vae = importlib.import_module(package + ".vae")
    config = vae.defaults(kind) if model == "vae" else gans.defaults(model, kind)
    config.update(model=model, **overrides)
    mg.backend.manual_seed(0)
    build = vae.build if model == "vae" else gans.build
    gan = build(config, bench_train.data_shape(kind), kind, 10 if model == "cgan" else None,
                seed=1)
    pool = [(mg.backend.asarray(x), None if y is None else mg.backend.asarray(y))
            for x, y in bench_train.make_batches(np, kind, batch)]
    it = itertools.cycle(pool)
    return lambda: gan.train_step(lambda: next(it))


def per_call(step, k, clock=time.process_time):
    c = clock()
    for _ in range(k):
        step()
    return (clock() - c) / k


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", default="main", help="git revision to compare against")
    p.add_argument("--rows", nargs="+", default=["cyclegan"], help="models (ROWS' model names)")
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--seconds", type=float, default=0.3, help="per round and side")
    p.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                   help="time.process_time (default) or time.perf_counter")
    args = p.parse_args(argv)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    with tempfile.TemporaryDirectory() as folder:
        export_base(args.base, folder)
        for row in bench_train.ROWS:
            name, model, kind, batch, overrides = row
            if model not in args.rows or (model == "wgan-gp" and kind != "image"):
                continue
            steps = {pkg: trainer(pkg, model, kind, batch, overrides)
                     for pkg in ("minigan_base", "minigan")}
            for s in steps.values():
                for _ in range(3):
                    s()
            k = max(1, round(args.seconds / per_call(steps["minigan"], 1, clock)))
            times = {pkg: [] for pkg in steps}
            for r in range(args.rounds):
                order = list(steps) if r % 2 == 0 else list(steps)[::-1]
                for pkg in order:
                    times[pkg].append(per_call(steps[pkg], k, clock))
            ratio = statistics.median(a / b for a, b in zip(times["minigan"],
                                                            times["minigan_base"]))
            print(f"{name}: base {1e3 * statistics.median(times['minigan_base']):.1f} ms, "
                  f"new {1e3 * statistics.median(times['minigan']):.1f} ms {args.clock} per iteration; "
                  f"new / base {ratio:.3f} (median of {args.rounds} rounds, {k} iterations "
                  f"each; load {os.getloadavg()[0]:.2f})", flush=True)


if __name__ == "__main__":
    main()
