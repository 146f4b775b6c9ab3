"""The offline experiment of lessons 19 and 21: three changes to the vanilla GAN's
discriminator, measured on the 8-Gaussian ring against the plain GAN of lesson 10.

    plain    lesson 10's gan, unchanged (its runs are in lessons/data/10_ring_runs.npz)
    smooth   one-sided label smoothing: real targets 0.9 instead of 1, fake targets 0
             (Salimans et al. 2016; Goodfellow's NIPS 2016 tutorial, section 4.2)
    noise    instance noise: N(0, sigma_t^2) added to every input of D, real and fake,
             in D's step and in G's step, sigma_t falling linearly from 0.1 to 0
             over the run (Sonderby et al. 2017; Arjovsky and Bottou 2017)
    sn       spectral normalisation of every linear layer of D (Miyato et al. 2018),
             with minigan.nn.SpectralNorm, one power-iteration step per forward

Everything else is lesson 10's gan (lessons/scripts/ring_runs.py): 3x128 ReLU MLPs,
a 2-d latent code, batches of 256, the non-saturating loss, Adam(2e-4, (0.5, 0.999)),
one D step per G step, 3000 G steps, the same seeds and data order, so `plain` here
repeats lesson 10's runs exactly (checked by --check-plain).  The settings of each
trick (0.9, sigma 0.1 annealed, one power step) were fixed before the runs and not tuned.

    python lessons/scripts/ring_tricks.py                         # smooth noise sn, seeds 0..9
    python lessons/scripts/ring_tricks.py --check-plain           # plain seed 0, 250 steps, vs lesson 10
    python lessons/scripts/ring_tricks.py --variants sn --seeds 0 --iterations 200 --out /tmp/x.npz

Writes lessons/data/ring_tricks.npz (adding to what is there): per variant and seed the
final 2500 samples and a trace (step, modes covered, high-quality rate) every 250 steps.
The saved file holds seeds 0..5 of each variant; they were run as
    python lessons/scripts/ring_tricks.py --variants smooth             (seeds 0..5 kept)
    python lessons/scripts/ring_tricks.py --variants noise --seeds 0 1 2 3 4 5
    python lessons/scripts/ring_tricks.py --variants sn --seeds 0 1 2 3 4 5
each run taking 1-6 minutes on 2 CPU cores shared with other jobs.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

import minigan as mg                                   # noqa: E402
import minigan.functional as F                        # noqa: E402
from minigan import nn                                 # noqa: E402
from minigan.data import MODES, STD, sample_ring       # noqa: E402
from minigan.gans import objectives                    # noqa: E402
from minigan.metrics import mode_metrics               # noqa: E402
from ring_runs import BATCH, LATENT, N_EVAL, generate, mlp, noise   # noqa: E402

SMOOTH_TARGET, NOISE_START = 0.9, 0.1
VARIANTS = ("plain", "smooth", "noise", "sn")


def spectral_mlp():
    """lesson 10's discriminator with every Linear wrapped in SpectralNorm."""
    layers = [nn.SpectralNorm(m) if isinstance(m, nn.Linear) else m for m in mlp(2, 1)]
    return nn.Sequential(*layers)


def train(variant, seed, iterations, eval_every):
    mg.backend.manual_seed(seed)
    data_rng = np.random.default_rng(1000 + seed)
    G = mlp(LATENT, 2)
    D = spectral_mlp() if variant == "sn" else mlp(2, 1)
    opt_g = mg.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = mg.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    noise_rng = np.random.default_rng(2000 + seed)     # its own stream: the rest repeats plain

    def blur(x, step):
        """Instance noise: x + N(0, sigma_t^2), sigma_t = 0.1 (1 - (step-1)/iterations)."""
        if variant != "noise":
            return x
        sigma = NOISE_START * (1 - (step - 1) / iterations)
        return x + mg.tensor(sigma * noise_rng.standard_normal(x.shape).astype("float32"))

    trace, final = [], None
    for step in range(1, iterations + 1):
        real = mg.tensor(sample_ring(BATCH, data_rng)[0])
        fake = G(noise(BATCH)).detach()
        real_logits, fake_logits = D(blur(real, step)), D(blur(fake, step))
        if variant == "smooth":
            loss_d = (F.binary_cross_entropy_with_logits(
                real_logits, np.full(real_logits.shape, SMOOTH_TARGET, dtype="float32"))
                + F.binary_cross_entropy_with_logits(
                    fake_logits, np.zeros(fake_logits.shape, dtype="float32")))
        else:
            loss_d = objectives.discriminator_loss(real_logits, fake_logits)
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = objectives.generator_loss_non_saturating(D(blur(G(noise(BATCH)), step)))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        D.zero_grad()
        if step % eval_every == 0:
            samples = generate(G, N_EVAL)
            m = mode_metrics(samples, MODES["ring"], STD["ring"])
            trace.append((step, m["modes_covered"], m["high_quality_rate"]))
            final = samples
            print(f"{variant} seed {seed} step {step}: modes {m['modes_covered']}/8, "
                  f"high quality {m['high_quality_rate']:.3f}", flush=True)
    return np.array(trace), final


def check_plain():
    """plain, seed 0, 250 steps, must give lesson 10's saved samples at step 250."""
    _, samples = train("plain", 0, 250, 250)
    here = os.path.dirname(__file__)
    with np.load(os.path.join(here, "..", "data", "10_ring_runs.npz")) as runs:
        saved = runs["gan_seed0_step250"]
    gap = np.abs(samples[:len(saved)] - saved).max()
    print(f"plain seed 0 at step 250 against lesson 10's run: max difference {gap:.2e}")
    return gap < 1e-5


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--iterations", type=int, default=3000)
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--seeds", type=int, nargs="+", default=list(range(10)))
    p.add_argument("--variants", nargs="+", choices=VARIANTS, default=["smooth", "noise", "sn"])
    p.add_argument("--check-plain", action="store_true")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "data",
                                                 "ring_tricks.npz"))
    args = p.parse_args()
    if args.check_plain:
        sys.exit(0 if check_plain() else 1)
    saved = {}
    if os.path.exists(args.out):
        with np.load(args.out) as old:
            saved = {k: old[k] for k in old.files if k != "iterations"}
    for variant in args.variants:
        for seed in args.seeds:
            start = time.time()
            trace, final = train(variant, seed, args.iterations, args.eval_every)
            key = f"{variant}_seed{seed}"
            saved[f"{key}_trace"] = trace
            saved[f"{key}_final"] = final.astype(np.float32)
            saved[f"{key}_seconds"] = np.array(time.time() - start)
            os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
            np.savez_compressed(args.out, iterations=args.iterations, **saved)
            print("wrote", args.out, flush=True)


if __name__ == "__main__":
    main()
