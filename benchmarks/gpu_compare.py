"""Does a DCGAN step on one backend equal the same step on another?

    PYTHONPATH=. python benchmarks/gpu_compare.py --steps 20            # cupy against numpy
    PYTHONPATH=. python benchmarks/gpu_compare.py --against numpy       # numpy against itself

Both runs start from the same weights (the first backend's state_dict copied to the
second) and are fed the same batches and the same noise, drawn on the host, so any
difference is arithmetic: float32 rounding in a different order (cuBLAS against
OpenBLAS, CuPy's reductions against NumPy's), which grows slowly over the steps.
Prints one line per step and a verdict; exit code 1 when a loss differs by more than
``--rtol`` relative to its size.
"""
import argparse
import sys

import numpy as np


def run(backend_name, steps, state=None, seed=0):
    """DCGAN losses (one dict per step) and the final state, on ``backend_name``."""
    import minigan as mg
    from minigan import backend, gans
    backend.use(backend_name)
    backend.manual_seed(seed)
    config = dict(gans.defaults("dcgan", "image"), model="dcgan")
    gan = gans.build(config, (1, 28, 28), "image", seed=seed)
    if state is not None:
        gan.G.load_state_dict(state["G"])
        gan.D.load_state_dict(state["D"])
    start = {"G": gan.G.state_dict(), "D": gan.D.state_dict()}
    host = np.random.default_rng(seed)
    images = host.uniform(-1, 1, (steps * gan.n_critic, 64, 1, 28, 28)).astype("float32")
    gan.noise = lambda n, rng=None: mg.Tensor(
        backend.asarray(host.standard_normal((n, gan.latent_dim)).astype("float32")))
    batches = iter(images)
    losses = [gan.train_step(lambda: (backend.asarray(next(batches)), None))
              for _ in range(steps)]
    backend.synchronize()
    return losses, start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="cupy")
    parser.add_argument("--against", default="numpy")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rtol", type=float, default=0.02)
    args = parser.parse_args(argv)
    reference, start = run(args.against, args.steps)
    from minigan import backend
    host_state = {net: {k: backend.to_numpy(v) for k, v in start[net].items()} for net in start}
    ours, _ = run(args.backend, args.steps, host_state)
    worst = 0.0
    for step, (a, b) in enumerate(zip(reference, ours), 1):
        rel = max(abs(a[k] - b[k]) / max(abs(a[k]), 1e-3) for k in a)
        worst = max(worst, rel)
        print(f"step {step:3d}  " + "  ".join(f"{k} {a[k]:.5f}/{b[k]:.5f}" for k in a)
              + f"  rel {rel:.1e}")
    ok = worst <= args.rtol
    print(f"{args.backend} against {args.against}: largest relative loss difference "
          f"{worst:.2e} over {args.steps} steps ({'ok' if ok else 'TOO LARGE'}, rtol {args.rtol})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
