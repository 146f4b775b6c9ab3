"""The fast path's helper threads: the convolutions' big copies and adds, split over channels.

The matrix products of a convolution run on every core (BLAS has its own
threads), but the work around them -- im2col's copy into columns, col2im's
slice-adds -- is NumPy on one core: about a third of a DCGAN iteration on 2
threads (benchmarks/README.md).  NumPy releases the GIL inside such copies and
ufunc loops, so Python threads run them side by side.  Each thread gets its own
channels (or, for one channel, its own kernel rows or batch columns): no output
element is written by two threads and each is computed by the same operations
as in one thread, so the results are bit for bit the same whatever the number
of threads (tests/engine/test_fast_paths.py checks it).

``workers``: how many threads share a job; 1 (the default) keeps everything in
the caller's thread; None takes the OMP_NUM_THREADS / OPENBLAS_NUM_THREADS that
limit BLAS, else the cores this process may use.  It stays 1 until a benchmark
on a quiet machine shows the threads paying (benchmarks/README.md: on the
shared 2-core machine they could not be measured); ``bench_train.py
--helper-threads`` sets it.  ``min_bytes``: a job that moves fewer bytes runs in the
caller's thread alone, since handing it out costs tens of microseconds.
Only NumPy arrays are split; CuPy's kernels run on the device.
"""
import os
from concurrent.futures import ThreadPoolExecutor

workers = 1
min_bytes = 1 << 19

_pool = None
_pool_size = 0


def count():
    """The number of threads a job may use (>= 1)."""
    if workers is not None:
        return max(1, int(workers))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(var, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:          # not Linux
        return os.cpu_count() or 1


def ranges(n, parts):
    """[(start, stop), ...]: range(n) cut into ``parts`` near-equal contiguous pieces."""
    parts = max(1, min(parts, n))
    return [(n * k // parts, n * (k + 1) // parts) for k in range(parts)]


def parts_for(xp, nbytes, n):
    """How many pieces to cut a job of ``nbytes`` over ``n`` items into (1: do it here)."""
    if xp.__name__ != "numpy" or nbytes < min_bytes:
        return 1
    return max(1, min(count(), n))


def run(job, n, parts):
    """job(start, stop) for the pieces of range(n), the first in this thread.

    Returns when every piece is done; an exception in any piece is raised here.
    """
    global _pool, _pool_size
    pieces = ranges(n, parts)
    if len(pieces) == 1:
        job(*pieces[0])
        return
    if _pool is None or _pool_size < len(pieces) - 1:
        if _pool is not None:
            _pool.shutdown(wait=True)
        _pool_size = len(pieces) - 1
        _pool = ThreadPoolExecutor(_pool_size, thread_name_prefix="minigan-fast")
    futures = [_pool.submit(job, *p) for p in pieces[1:]]
    try:
        job(*pieces[0])
    finally:
        for f in futures:
            f.result()
