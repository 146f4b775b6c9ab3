"""The matrix products of one dcgan iteration (batch 64), each as conv_fast lays it out, timed alone.

    T=1 python benchmarks/dcgan_products.py;  T=2 python benchmarks/dcgan_products.py

T sets OpenBLAS's threads before NumPy loads.  Each row is one product shape of
bench_train.py's dcgan row (the Linear layers, D's two convolutions forward and weight
gradient, the transposed convolutions' forwards, which are also D's input gradients,
and G's backward), with how many times an iteration runs it (found by counting the
conv_fast calls of a profiled iteration); rows counted 0 are alternatives (one product
instead of conv_fast's parts).  Wall ms, median of 15 rounds of 5 calls: on a quiet
machine only.  The last line sums count x time: the products' share of an iteration.
"""
import os, sys, time, statistics
t = os.environ.get("T", "1")
for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = t
import numpy as np
rng = np.random.default_rng(0)
f = lambda *s: rng.standard_normal(s).astype("float32")
n = 64
cols_c1 = f(16, 14 * 14 * n); w_c1 = f(64, 16); gy_c1 = f(64, 14 * 14 * n)
cols_c2 = f(1024, 49 * n); w_c2 = f(128, 1024); gy_c2 = f(128, 49 * n)
x_t1 = f(128, 49 * n); w_t1 = f(128, 64, 4, 4)
x_t2 = f(64, 196 * n); w_t2 = f(64, 1, 4, 4)
out_c2 = np.empty((128, 49 * n), "float32")
def parts_fwd():
    for r0 in range(0, 7, 2):
        r1 = min(r0 + 2, 7)
        np.matmul(w_c2, cols_c2[:, r0 * 448:r1 * 448], out=out_c2[:, r0 * 448:r1 * 448])
def parts_gw():
    g = None
    for r0 in range(0, 7, 2):
        r1 = min(r0 + 2, 7)
        p = gy_c2[:, r0 * 448:r1 * 448] @ cols_c2[:, r0 * 448:r1 * 448].T
        g = p if g is None else g.__iadd__(p)
def convt_rows(w, x):
    for i0 in range(4):
        w[:, :, i0:i0 + 1].reshape(w.shape[0], -1).T @ x
def convt_whole(w, x):
    w.reshape(w.shape[0], -1).T @ x
z = f(64, 100); wl = f(6272, 100); gl = f(64, 6272); h_d = f(64, 6272); w_d = f(1, 6272)
CASES = [  # name, count per iteration, function
    ("L  G linear fwd (64x100)@(100x6272)", 2, lambda: z @ wl.T),
    ("L2 G linear gw (6272x64)@(64x100)", 1, lambda: gl.T @ z),
    ("L3 D linear fwd (64x6272)@(6272x1)", 3, lambda: h_d @ w_d.T),
    ("A  D conv1 fwd (64x16)@(16x12544)", 3, lambda: w_c1 @ cols_c1),
    ("B  D conv2 fwd, 4 row parts", 3, parts_fwd),
    ("B' D conv2 fwd whole (128x1024)@(1024x3136)", 0, lambda: np.matmul(w_c2, cols_c2, out=out_c2)),
    ("C  D conv1 gw (64x12544)@(12544x16)", 2, lambda: gy_c1 @ cols_c1.T),
    ("C' same, transposed output (16x12544)@(12544x64)", 0, lambda: (cols_c1 @ gy_c1.T).T),
    ("D  D conv2 gw, 4 row parts", 2, parts_gw),
    ("D' D conv2 gw whole (128x3136)@(3136x1024)", 0, lambda: gy_c2 @ cols_c2.T),
    ("E  convT 128->64 fwd / D conv2 gx, 4 kernel rows", 5, lambda: convt_rows(w_t1, x_t1)),
    ("E' same, whole (1024x128)@(128x3136)", 0, lambda: convt_whole(w_t1, x_t1)),
    ("F  convT 64->1 fwd / D conv1 gx (16x64)@(64x12544)", 3, lambda: convt_whole(w_t2, x_t2)),
    ("I  G convT1 bwd gx (128x1024)@(1024x3136)", 1, lambda: w_c2 @ cols_c2),
    ("I2 G convT1 bwd gw (128x3136)@(3136x1024)", 1, lambda: x_t1 @ cols_c2.T),
    ("J  G convT2 bwd gx (64x16)@(16x12544)", 1, lambda: w_c1 @ cols_c1),
    ("J2 G convT2 bwd gw (64x12544)@(12544x16)", 1, lambda: x_t2 @ cols_c1.T),
]
res = {}
for name, k, fn in CASES:
    for _ in range(3): fn()
for r in range(15):
    for name, k, fn in CASES:
        s = time.perf_counter()
        for _ in range(5): fn()
        res.setdefault(name, []).append((time.perf_counter() - s) / 5 * 1e3)
tot = 0
for name, k, fn in CASES:
    m = statistics.median(res[name]); tot += k * m
    print(f"T={t} {name:55s} x{k}  {m:7.3f} ms")
print(f"T={t} products per iteration (counted rows): {tot:.1f} ms; load {os.getloadavg()[0]:.2f}")
