"""The offline experiment of lesson 10: a vanilla GAN and a WGAN-GP on the 8-Gaussian ring.

Too slow for the test suite (minutes, not seconds), so it runs once by hand and
saves what the lesson needs -- generated samples and a trace of the modes
covered -- to lessons/data/10_ring_runs.npz:

    python lessons/scripts/ring_runs.py                  # both models, seeds 0 1 2 (the default)
    python lessons/scripts/ring_runs.py --models gan --seeds 3 4 5 6 7 8 9 --append
    python lessons/scripts/ring_runs.py --iterations 200 --seeds 0 --out /tmp/x.npz   # a smoke run

Both models use the same networks: MLPs with three hidden layers of 128 ReLU
units, a 2-dimensional Gaussian latent code, batches of 256, float32.
  gan      non-saturating loss, Adam(2e-4, betas (0.5, 0.999)), one D step per G step
           (Goodfellow et al. 2014, with the Adam settings of DCGAN)
  wgan-gp  critic loss + lambda * gradient penalty, lambda = 0.1, five critic steps per
           G step, Adam(1e-4, betas (0.5, 0.9)) (Gulrajani et al. 2017, their toy script)
Every `--eval-every` generator steps, 2500 samples are scored with VEEGAN's rule
(minigan.metrics.mode_metrics: a mode is covered when at least one sample lies within
3 standard deviations of its centre).
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

import minigan as mg                                   # noqa: E402
import minigan.functional as F                        # noqa: E402
from minigan import nn                                 # noqa: E402
from minigan.data import MODES, STD, sample_ring       # noqa: E402
from minigan.gans import objectives                    # noqa: E402
from minigan.metrics import mode_metrics               # noqa: E402

LATENT, HIDDEN, BATCH, N_EVAL = 2, 128, 256, 2500


def mlp(n_in, n_out):
    layers, width = [], n_in
    for _ in range(3):
        layers += [nn.Linear(width, HIDDEN), nn.ReLU()]
        width = HIDDEN
    return nn.Sequential(*layers, nn.Linear(width, n_out))


def noise(n):
    return mg.tensor(mg.backend.rng().standard_normal((n, LATENT), dtype="float32"))


def generate(G, n):
    with mg.no_grad():
        return G(noise(n)).numpy()


def train(model, seed, iterations, eval_every):
    mg.backend.manual_seed(seed)
    data_rng = np.random.default_rng(1000 + seed)
    G, D = mlp(LATENT, 2), mlp(2, 1)
    if model == "gan":
        opt_g = mg.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = mg.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
        n_critic = 1
    else:
        opt_g = mg.optim.Adam(G.parameters(), lr=1e-4, betas=(0.5, 0.9))
        opt_d = mg.optim.Adam(D.parameters(), lr=1e-4, betas=(0.5, 0.9))
        n_critic = 5
    trace, snapshots = [], {}
    for step in range(1, iterations + 1):
        for _ in range(n_critic):
            real = mg.tensor(sample_ring(BATCH, data_rng)[0])
            fake = G(noise(BATCH)).detach()
            if model == "gan":
                loss_d = objectives.discriminator_loss(D(real), D(fake))
            else:
                x_hat = objectives.interpolates(real.data, fake.data, mg.backend.rng())
                loss_d = (objectives.critic_loss(D(real), D(fake))
                          + objectives.gradient_penalty(D, x_hat, 0.1))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
        scores = D(G(noise(BATCH)))
        loss_g = (objectives.generator_loss_non_saturating(scores) if model == "gan"
                  else objectives.wasserstein_generator_loss(scores))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        D.zero_grad()
        if step % eval_every == 0:
            samples = generate(G, N_EVAL)
            m = mode_metrics(samples, MODES["ring"], STD["ring"])
            trace.append((step, m["modes_covered"], m["high_quality_rate"]))
            snapshots[step] = samples
            print(f"{model} seed {seed} step {step}: modes {m['modes_covered']}/8, "
                  f"high quality {m['high_quality_rate']:.3f}", flush=True)
    return np.array(trace), snapshots


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--iterations", type=int, default=3000)
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--models", nargs="+", default=["gan", "wgan-gp"])
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "data",
                                                 "10_ring_runs.npz"))
    p.add_argument("--append", action="store_true",
                   help="keep the runs already in --out and add (or replace) these")
    args = p.parse_args()
    saved = {}
    if args.append and os.path.exists(args.out):
        with np.load(args.out) as old:
            if int(old["iterations"]) != args.iterations:
                sys.exit(f"--append: {args.out} holds runs of {int(old['iterations'])} steps")
            saved = {k: old[k] for k in old.files if k != "iterations"}
    for model in args.models:
        for seed in args.seeds:
            start = time.time()
            trace, snapshots = train(model, seed, args.iterations, args.eval_every)
            key = f"{model}_seed{seed}"
            saved[f"{key}_trace"] = trace                      # (evals, 3): step, modes, hq rate
            saved[f"{key}_final"] = snapshots[args.iterations].astype(np.float32)
            if seed == args.seeds[0]:                          # the picture's time series
                for step, samples in snapshots.items():
                    saved[f"{key}_step{step}"] = samples[:500].astype(np.float32)
            saved[f"{key}_seconds"] = np.array(time.time() - start)
            # save after every run, so an interrupted sweep keeps what it finished
            os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
            np.savez_compressed(args.out, iterations=args.iterations, **saved)
            print("wrote", args.out, flush=True)


if __name__ == "__main__":
    main()
