"""Speed of minigan's layers at the DCGAN-on-MNIST shapes, against the float32
matrix-product rate of this machine and (when installed) against PyTorch on the CPU.

    python benchmarks/bench_layers.py                  # 1 and 2 threads, PyTorch if installed
    python benchmarks/bench_layers.py --threads 1 --rounds 5 --no-torch

For every layer we time forward + backward (the input gradient when the layer's
input needs one in a GAN step, the weight gradient always) and report
  * milliseconds (median over rounds),
  * GFLOP/s, counting 2*M*N*K per matrix product (forward, input gradient and
    weight gradient are one product each),
  * that rate as a fraction of the rate of a large float32 matrix product
    (2048 x 2048, NumPy's BLAS), timed once in every round next to the layer,
    on the same number of threads,
  * PyTorch's time over ours (> 1: minigan is faster), the median of the per-round
    ratios with their spread (min-max); the two run alternately, round after
    round, so a load that comes and goes hits both alike.
Each framework gets its inputs in the memory layout its own previous layer
produces: minigan's conv outputs are NCHW views of (C, H, W, N) memory (see
minigan/functional/conv.py), PyTorch's are contiguous NCHW.

Threads: threadpoolctl limits BLAS in-process when it is installed; otherwise
each thread count runs in a subprocess with OPENBLAS_NUM_THREADS / OMP_NUM_THREADS /
MKL_NUM_THREADS set before NumPy is imported.  PyTorch uses torch.set_num_threads.
With more than one thread, every timed round starts after a 0.25 s pause, so that
the other framework's idle threads have stopped spin-waiting (without it, OpenBLAS's
and PyTorch's OpenMP pools fight over the two cores and both slow down up to 10x).
The BLAS settings of the environment (OPENBLAS_CORETYPE ...) are reported, not changed.
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

import machine  # noqa: E402  (benchmarks/machine.py, beside this script)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

# (name, kind, x shape, w shape, does the input need a gradient?, memory layout
#  minigan's previous layer hands over); every conv has kernel 4, stride 2, padding 1
BATCH, STRIDE, PADDING = 64, 2, 1
LAYERS = [
    ("D conv 1->64, 28->14", "conv2d", (BATCH, 1, 28, 28), (64, 1, 4, 4), True, "nchw"),
    ("D conv 64->128, 14->7", "conv2d", (BATCH, 64, 14, 14), (128, 64, 4, 4), True, "chwn"),
    ("G convT 128->64, 7->14", "conv_transpose2d", (BATCH, 128, 7, 7), (128, 64, 4, 4), True,
     "nchw"),
    ("G convT 64->1, 14->28", "conv_transpose2d", (BATCH, 64, 14, 14), (64, 1, 4, 4), True,
     "chwn"),
    ("D linear 6272->1", "linear", (BATCH, 6272), (1, 6272), True, "nchw"),
    ("G linear 100->6272", "linear", (BATCH, 100), (6272, 100), False, "nchw"),
]


def layer_flops(kind, x_shape, w_shape, input_grad):
    """Floating-point operations of forward + backward (2 per multiply-add)."""
    if kind == "linear":
        fwd = 2 * x_shape[0] * w_shape[0] * w_shape[1]
    else:
        n, _, h, w = x_shape
        if kind == "conv2d":
            o, c, kh, kw = w_shape
            h, w = ((n_in + 2 * PADDING - k) // STRIDE + 1 for n_in, k in ((h, kh), (w, kw)))
        else:
            c, o, kh, kw = w_shape
        fwd = 2 * n * h * w * o * c * kh * kw      # one multiply-add per (pixel, weight)
    return fwd * (3 if input_grad else 2)


# ------------------------------------------------------------------ worker

MATMUL_N = 2048


def matmul_step(np, n=MATMUL_N):
    """A closure computing a float32 n x n matrix product: the reference rate."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    return lambda: a @ b


def minigan_step(np, kind, x_shape, w_shape, input_grad, layout):
    """A closure running forward + backward of one minigan layer, gradients reset each time."""
    sys.path.insert(0, ROOT)
    import minigan as mg
    import minigan.functional as F
    rng = np.random.default_rng(1)
    x = rng.standard_normal(x_shape, dtype=np.float32)
    if layout == "chwn":            # the memory order a minigan conv layer produces
        x = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    x = mg.Tensor(x, requires_grad=input_grad)
    w = mg.Tensor(rng.standard_normal(w_shape, dtype=np.float32) * 0.02, requires_grad=True)
    if kind == "linear":
        b = mg.Tensor(np.zeros(w_shape[0], np.float32), requires_grad=True)

        def forward():
            return F.matmul(x, w.T) + b         # nn.Linear: y = x W^T + b
        params = (x, w, b)
    else:
        conv = getattr(F, kind)

        def forward():
            return conv(x, w, None, stride=STRIDE, padding=PADDING)
        params = (x, w)
    y = forward()
    u = np.empty_like(y.data)                   # the upstream gradient, in y's memory order
    u[...] = rng.standard_normal(y.shape, dtype=np.float32)
    u = mg.Tensor(u)

    def step():
        for p in params:
            p.grad = None
        forward().backward(u)
    return step


def torch_step(torch, kind, x_shape, w_shape, input_grad):
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(x_shape, generator=gen).requires_grad_(input_grad)
    w = (torch.randn(w_shape, generator=gen) * 0.02).requires_grad_(True)
    if kind == "linear":
        b = torch.zeros(w_shape[0], requires_grad=True)

        def forward():
            return torch.nn.functional.linear(x, w, b)
        params = (x, w, b)
    else:
        conv = getattr(torch.nn.functional, kind)

        def forward():
            return conv(x, w, None, stride=STRIDE, padding=PADDING)
        params = (x, w)
    u = torch.randn(forward().shape, generator=gen)

    def step():
        for p in params:
            p.grad = None
        forward().backward(u)
    return step


def calls_per_round(step, target=0.05):
    """How many calls make a round of about ``target`` seconds (after warming up)."""
    for _ in range(3):
        step()
    t = time.perf_counter()
    step()
    once = time.perf_counter() - t
    return max(1, int(target / max(once, 1e-6)))


def time_round(step, k, settle=0.0):
    """Seconds per call of ``step``, over ``k`` calls, after ``settle`` seconds of quiet."""
    time.sleep(settle)
    t = time.perf_counter()
    for _ in range(k):
        step()
    return (time.perf_counter() - t) / k


# memory order of the image, and of the column matrix (c, i, j: channel and kernel
# offsets; y, x: output position; n: image in the batch)
LAYOUTS = {
    "image (C,H,W,N), columns (c,i,j) x (y,x,n) [minigan]": ("chwn", "cijyxn"),
    "image (C,N,H,W), columns (c,i,j) x (n,y,x)": ("cnhw", "cijnyx"),
    "image (N,C,H,W), rows (n,y,x) x (c,i,j) [textbook]": ("nchw", "nyxcij"),
    "image (N,H,W,C), rows (n,y,x) x (i,j,c) [channels last]": ("nhwc", "nyxijc"),
}


def compare_layouts(np, repeats=9):
    """im2col copy and col2im slice-adds at the 64->128, 14->7 shape for several memory orders."""
    from numpy.lib.stride_tricks import as_strided
    sizes = dict(n=BATCH, c=64, h=16, w=16)          # the padded 14 x 14 image
    k, s, out = 4, 2, 7

    def best(fn):
        fn()
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return 1e3 * min(times)

    rng = np.random.default_rng(0)
    result = {}
    for name, (image_order, window_order) in LAYOUTS.items():
        img = rng.standard_normal(tuple(sizes[a] for a in image_order), dtype=np.float32)
        st = dict(zip(image_order, img.strides))
        axis = dict(c=(sizes["c"], st["c"]), i=(k, st["h"]), j=(k, st["w"]),
                    y=(out, s * st["h"]), x=(out, s * st["w"]), n=(sizes["n"], st["n"]))
        shape = tuple(axis[a][0] for a in window_order)
        strides = tuple(axis[a][1] for a in window_order)
        view = as_strided(img, shape, strides)
        t_im2col = best(lambda: view.reshape(-1))      # the one copy into columns
        blocks = np.ascontiguousarray(view)
        ij = (window_order.index("i"), window_order.index("j"))
        # the image axes behind the block axes (y -> h, x -> w), for a transposed view
        rest = [a for a in window_order if a not in "ij"]
        perm = [image_order.index(dict(y="h", x="w").get(a, a)) for a in rest]

        def fold():
            acc = np.zeros_like(img)
            for i in range(k):
                for j in range(k):
                    # one strided slice-add per kernel offset, as minigan's col2im
                    cut = tuple(slice(i, i + s * out, s) if a == "h" else
                                slice(j, j + s * out, s) if a == "w" else slice(None)
                                for a in image_order)
                    index = tuple(i if d == ij[0] else j if d == ij[1] else slice(None)
                                  for d in range(6))
                    dst = acc[cut].transpose(perm)
                    dst += blocks[index]
            return acc
        result[name] = (t_im2col, best(fold))
    return result


def worker(threads, rounds, use_torch):
    """Run every benchmark on ``threads`` threads; return a dict (printed as JSON)."""
    import numpy as np          # before the limit: threadpoolctl limits loaded libraries only
    limiter = None
    try:
        from threadpoolctl import threadpool_limits
        limiter = threadpool_limits(limits=threads, user_api="blas")
    except ImportError:
        pass
    torch = machine.import_torch(threads) if use_torch else None
    out = dict(threads=threads, load_before=machine.load_average(), numpy=np.__version__,
               torch=None if torch is None else torch.__version__, layers=[])
    matmul = matmul_step(np)
    # Idle BLAS and OpenMP threads spin for a while before they sleep (OpenBLAS for
    # about 0.1 s); with two thread pools on two cores, the spinning pool of the
    # framework that just ran would steal the cores of the other.  A pause before
    # each timed round lets them fall asleep, so each runs as if alone.
    settle = 0.25 if threads > 1 else 0.0
    if torch is not None:
        a, b = torch.randn(MATMUL_N, MATMUL_N), torch.randn(MATMUL_N, MATMUL_N)
        out["torch_matmul_gflops"] = 2 * MATMUL_N**3 / time_round(lambda: a @ b, 5) / 1e9
    for name, kind, x_shape, w_shape, input_grad, layout in LAYERS:
        ours = minigan_step(np, kind, x_shape, w_shape, input_grad, layout)
        k_ours = calls_per_round(ours)
        theirs, k_theirs = None, None
        if torch is not None:
            theirs = torch_step(torch, kind, x_shape, w_shape, input_grad)
            k_theirs = calls_per_round(theirs)
        t_ours, t_theirs, t_matmul = [], [], []
        matmul()
        for _ in range(rounds):     # alternate, so that all see the same background load
            t_ours.append(time_round(ours, k_ours, settle))
            if theirs is not None:
                t_theirs.append(time_round(theirs, k_theirs, settle))
            t_matmul.append(time_round(matmul, 1, settle))
        flops = layer_flops(kind, x_shape, w_shape, input_grad)
        row = dict(name=name, flops=flops, ms=1e3 * statistics.median(t_ours),
                   ms_min=1e3 * min(t_ours), ms_max=1e3 * max(t_ours),
                   matmul_gflops=2 * MATMUL_N**3 / statistics.median(t_matmul) / 1e9)
        if t_theirs:
            ratios = [b / a for a, b in zip(t_ours, t_theirs)]
            row.update(torch_ms=1e3 * statistics.median(t_theirs),
                       ratio=statistics.median(ratios), ratio_min=min(ratios),
                       ratio_max=max(ratios))
        out["layers"].append(row)
    if threads == 1:
        out["layouts"] = compare_layouts(np)
    out["load_after"] = machine.load_average()
    if limiter is not None:
        limiter.restore_original_limits()
    return out


# ------------------------------------------------------------------ driver

def run_threads(threads, rounds, use_torch):
    """The worker's results for one thread count: in-process or in a fresh subprocess."""
    try:
        import threadpoolctl  # noqa: F401
        return worker(threads, rounds, use_torch)
    except ImportError:
        pass
    env = dict(os.environ, **{v: str(threads) for v in THREAD_VARS})
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", str(threads),
           "--rounds", str(rounds)] + ([] if use_torch else ["--no-torch"])
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def print_report(results, command):
    print(f"Machine: {machine.describe()}")
    print(f"Command: `{command}`; date {datetime.date.today().isoformat()}")
    for r in results:
        busy = max(r["load_before"], r["load_after"])
        torch_mm = (f"; PyTorch {r['torch']}'s own matmul {r['torch_matmul_gflops']:.0f} GFLOP/s"
                    if r.get("torch") else "")
        rates = [row["matmul_gflops"] for row in r["layers"]]
        print(f"\n{r['threads']} thread(s): NumPy {r['numpy']} float32 {MATMUL_N}^2 matmul "
              f"{statistics.median(rates):.0f} GFLOP/s (median; {min(rates):.0f}-{max(rates):.0f} "
              f"over the layers' rounds){torch_mm}; load average {r['load_before']:.2f} -> "
              f"{r['load_after']:.2f}"
              + ("  ** busy machine: numbers are noisy **" if busy > 0.7 else ""))
        print()
        head = "| layer (batch 64) | fwd+bwd ms | GFLOP/s | of matmul rate |"
        rule = "|---|---:|---:|---:|"
        if r.get("torch"):
            head += " PyTorch ms | PyTorch / minigan time (min-max) |"
            rule += "---:|---:|"
        print(head)
        print(rule)
        for row in r["layers"]:
            gflops = row["flops"] / (row["ms"] / 1e3) / 1e9
            line = (f"| {row['name']} | {row['ms']:.2f} | {gflops:.0f} | "
                    f"{gflops / row['matmul_gflops']:.0%} |")
            if "ratio" in row:
                line += (f" {row['torch_ms']:.2f} | {row['ratio']:.2f} "
                         f"({row['ratio_min']:.2f}-{row['ratio_max']:.2f}) |")
            print(line)
        if "layouts" in r:
            print("\nMemory order of conv's columns, 64->128 14->7 (1 thread, best of 9):\n")
            print("| memory order | im2col copy ms | col2im slice-adds ms |")
            print("|---|---:|---:|")
            for name, (t_copy, t_fold) in r["layouts"].items():
                print(f"| {name} | {t_copy:.2f} | {t_fold:.2f} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=15,
                        help="alternating timing rounds per layer (default 15)")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        print(json.dumps(worker(args.worker, args.rounds, not args.no_torch)))
        return
    load = machine.load_average()
    if load > 0.7:
        print(f"WARNING: load average is {load:.2f} on {os.cpu_count()} cores: other "
              "processes are running, so timings will be noisy and lower than they can be.",
              file=sys.stderr)
    results = [run_threads(t, args.rounds, not args.no_torch) for t in args.threads]
    command = "python benchmarks/bench_layers.py" + (
        " " + " ".join(argv if argv is not None else sys.argv[1:]) if (argv or sys.argv[1:])
        else "")
    print_report(results, command)


if __name__ == "__main__":
    main()
