"""Can NumPy's one-core work use the second core?  Three measurements, fresh processes.

    python benchmarks/second_core.py            # about 2 minutes; on a quiet machine only

On 2 threads a dcgan iteration is OpenBLAS's products plus about 80 ms of copies,
slice-adds and element-wise work that NumPy runs on one core (benchmarks/README.md,
sixth pass).  Python threads can run that work side by side, since NumPy releases the
GIL inside its loops, but the second core is OpenBLAS's too.  Each part below runs in
fresh subprocesses, alternating, so that the variables OpenBLAS reads when it loads
(``OPENBLAS_NUM_THREADS``, ``OPENBLAS_THREAD_TIMEOUT``) can differ; wall ms, medians.

1. ``adds``: the 16 strided slice-adds of DCGAN's 128 -> 64 col2im (conv_fast's
   ``_add_blocks``), in one thread and split over channels between two Python threads.
2. ``gap``: a product of one kernel-row part ((256 x 128) @ (128 x 3136)) followed by
   about 0.3 ms of one-core copies, with OpenBLAS's idle workers spinning (its default:
   for about 2^28 cycles after a product) or going to sleep after 2^T cycles
   (``OPENBLAS_THREAD_TIMEOUT=T``), which frees the core but must wake them.
3. ``products``: dcgan's large product shapes on 2 OpenBLAS threads, against 1 OpenBLAS
   thread in each of two Python threads (the product's columns split in halves).
4. ``handoff``: what handing half of a job to a second Python thread costs: a round trip
   of ``ThreadPoolExecutor.submit(...).result()`` with nothing to do, and ``a += b`` on
   an array of DCGAN's (64, 128, 7, 7) activations (1.6 MB, in conv_fast's (C, H, W, N)
   memory) in one thread and split over channels between two.
"""
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ab_train import per_call  # noqa: E402

PAIRS = 5


def timed(fn, calls=20, rounds=9):
    """Median wall ms per call of fn over ``rounds`` rounds of ``calls`` calls."""
    fn()
    return 1e3 * statistics.median(per_call(fn, calls, time.perf_counter) for _ in range(rounds))


def adds(split):
    import numpy as np
    from concurrent.futures import ThreadPoolExecutor
    pool = ThreadPoolExecutor(1)
    c, kh, kw, oh, ow, n = 64, 4, 4, 7, 7, 64          # blocks of DCGAN's 128 -> 64 layer
    blocks = np.random.default_rng(0).standard_normal((c, kh, kw, oh, ow, n), dtype=np.float32)
    img = np.zeros((c, 2 * oh + 2, 2 * ow + 2, n), np.float32)

    def channels(a, b):
        for i in range(kh):
            for j in range(kw):
                img[a:b, i:i + 2 * oh:2, j:j + 2 * ow:2] += blocks[a:b, i, j]

    def two():
        f = pool.submit(channels, c // 2, c)
        channels(0, c // 2)
        f.result()
    return timed(two if split else lambda: channels(0, c))


def gap():
    import numpy as np
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((256, 128), np.float32), rng.standard_normal((128, 3136), np.float32)
    out, x = np.empty((256, 3136), np.float32), rng.standard_normal(1 << 20, np.float32)
    y = np.empty_like(x)

    def step():
        np.matmul(a, b, out=out)
        np.copyto(y, x)
        np.copyto(y, x)
    return timed(step, calls=50)


SHAPES = {"(128x1024)@(1024x3136), D conv2 forward": (128, 1024, 3136),
          "(1024x128)@(128x3136), G convT 128->64 columns": (1024, 128, 3136),
          "(256x128)@(128x3136), one kernel-row part": (256, 128, 3136)}


def products(split):
    import numpy as np
    from concurrent.futures import ThreadPoolExecutor
    pool, rng, times = ThreadPoolExecutor(1), np.random.default_rng(0), []
    for m, k, n in SHAPES.values():
        a, b = rng.standard_normal((m, k), np.float32), rng.standard_normal((k, n), np.float32)
        out, h = np.empty((m, n), np.float32), n // 2

        def two():
            f = pool.submit(np.matmul, a, b[:, h:], out=out[:, h:])
            np.matmul(a, b[:, :h], out=out[:, :h])
            f.result()
        times.append(timed(two if split else lambda: np.matmul(a, b, out=out)))
    return times


def handoff():
    import numpy as np
    from concurrent.futures import ThreadPoolExecutor
    pool = ThreadPoolExecutor(1)
    # (C, H, W, N) memory, as conv_fast lays activations out: each half of the channels
    # is one contiguous block
    a, b = np.ones((128, 7, 7, 64), np.float32), np.ones((128, 7, 7, 64), np.float32)

    def two():
        f = pool.submit(a[64:].__iadd__, b[64:])
        a[:64] += b[:64]
        f.result()

    def one():
        a[...] += b
    return [timed(lambda: pool.submit(int).result(), calls=200), timed(one, calls=200),
            timed(two, calls=200)]


def worker(args):
    what = args[0]
    result = {"adds": lambda: adds(args[1] == "split"), "gap": gap, "handoff": handoff,
              "products": lambda: products(args[1] == "split")}[what]()
    print(result if isinstance(result, list) else [result])


def run(args, threads, **env):
    """One fresh worker process: ``args`` (e.g. ["adds", "split"]) with OpenBLAS's threads
    and any further variables set before NumPy loads; its list of wall ms."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               **{k: str(v) for k, v in env.items()})
    out = subprocess.run([sys.executable, __file__, "--worker", *args], env=env,
                         check=True, capture_output=True, text=True).stdout
    return [float(v) for v in out.strip().strip("[]").split(",")]


def compare(title, sides, names=None):
    """Alternate the sides' fresh processes PAIRS times; print each side's medians."""
    got = {side: [] for side in sides}
    for _ in range(PAIRS):
        for side, (args, threads, env) in sides.items():
            got[side].append(run(args, threads, **env))
    print(title)
    for side, lists in got.items():
        medians = [statistics.median(v) for v in zip(*lists)]
        print(f"  {side}: " + ", ".join(f"{m:.3f}" for m in medians) + " ms", flush=True)
    if names:
        print("  (in that order: " + "; ".join(names) + ")")


def main():
    print(f"load average {os.getloadavg()[0]:.2f} at the start; {PAIRS} alternating "
          "fresh processes per side, wall ms, medians", flush=True)
    compare("1. DCGAN 128->64 col2im slice-adds, OpenBLAS on 2 threads (idle):",
            {"one thread": (["adds", "one"], 2, {}),
             "two Python threads": (["adds", "split"], 2, {})})
    compare("2. a kernel-row part's product, then 0.3 ms of one-core copies, 2 OpenBLAS threads:",
            {"workers spin (default)": (["gap"], 2, {}),
             **{f"OPENBLAS_THREAD_TIMEOUT={t}": (["gap"], 2, {"OPENBLAS_THREAD_TIMEOUT": t})
                for t in (4, 12, 20)}})
    compare("3. dcgan's large products:",
            {"2 OpenBLAS threads": (["products", "whole"], 2, {}),
             "1 OpenBLAS thread in each of 2 Python threads": (["products", "split"], 1, {})},
            names=list(SHAPES))
    compare("4. handing work to a second Python thread, 2 OpenBLAS threads (idle):",
            {"default": (["handoff"], 2, {})},
            names=["an empty round trip", "1.6 MB add, one thread", "the same, two threads"])


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2:])
    else:
        main()
