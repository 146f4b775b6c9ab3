"""CPU time and page faults of a training iteration in a fresh process.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH=. python benchmarks/fresh_faults.py simgan

Builds the model of bench_train.py's ROWS as ab_train.py does, trains 5 warm-up
iterations, then 3 rounds of 5 and prints the median CPU time per iteration
(``time.process_time``) and the minor page faults per iteration (``getrusage``).
ab_train.py runs two copies of minigan in one process, so they share glibc's heap and
its dynamic thresholds (the mmap threshold rises to the largest array freed, the trim
threshold is twice that): an array one copy allocates changes how often the other's
heap is trimmed and faulted in again.  This script runs one copy alone, as a user's
process does; compare revisions by running it in a checkout of each (``git archive REV
| tar -x -C DIR``), alternating processes.
"""
import os
import resource
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ab_train  # noqa: E402
import bench_train  # noqa: E402


def main(model):
    name, model, kind, batch, overrides = next(r for r in bench_train.ROWS if r[1] == model)
    step = ab_train.trainer("minigan", model, kind, batch, overrides)
    for _ in range(5):
        step()
    times, faults = [], []
    for _ in range(3):
        f0, c0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt, time.process_time()
        for _ in range(5):
            step()
        times.append((time.process_time() - c0) / 5 * 1e3)
        faults.append((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / 5)
    print(f"{name}: {statistics.median(times):.1f} CPU ms per iteration, "
          f"{statistics.median(faults):.0f} minor page faults per iteration "
          f"(load {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "simgan")
