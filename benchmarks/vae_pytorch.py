"""The VAE recipe of ``python -m minigan.train --model vae``, trained in PyTorch, to check
minigan's held-out ELBO against an independent implementation.

    /work/torchenv/bin/python benchmarks/vae_pytorch.py            # 5,000 iterations, ~1-2 min
    python -m minigan.train --model vae --out runs/vae-mnist       # the same recipe in minigan

Same data (the 4,500 training digits of the bundled sample, batches in the same order
from minigan's BatchIterator with seed 0, binarised afresh at each use), same held-out
set (the 500 held-out digits binarised once by minigan.vae.binarize_once), same nets
(784-400-20 tanh encoder with mu and log-variance heads, 20-400-784 tanh decoder,
PyTorch's default initialisation, which minigan's layers copy), same Adam (1e-3,
betas 0.9/0.999, batch 100), same objective (one-sample ELBO, closed-form KL), same
estimates (k = 100 samples per held-out image: the mean of log w for the ELBO and
log-mean-exp of log w for log p(x), in float64).  Only the random draws differ.

Prints one JSON line per checkpoint (every --eval-every steps) and writes them to --out.
PyTorch is never a dependency of minigan; this script only compares against it.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
os.environ.setdefault("MINIGAN_OFFLINE", "1")

from minigan import vae as mg_vae                                     # noqa: E402
from minigan.data import BatchIterator, load_dataset                  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--iterations", type=int, default=mg_vae.RECIPE["iterations"])
    p.add_argument("--eval-every", type=int, default=500)
    p.add_argument("--iw-samples", type=int, default=mg_vae.RECIPE["iw_samples"])
    p.add_argument("--latent-dim", type=int, default=mg_vae.RECIPE["latent_dim"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default="runs/vae-pytorch.jsonl")
    return p.parse_args(argv)


def build(torch, latent_dim, hidden=400):
    nn = torch.nn

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.Tanh())
            self.mu, self.log_var = nn.Linear(hidden, latent_dim), nn.Linear(hidden, latent_dim)

        def forward(self, x):
            h = self.body(x)
            return self.mu(h), self.log_var(h)

    decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.Tanh(), nn.Linear(hidden, 784),
                            nn.Unflatten(1, (1, 28, 28)))
    return Encoder(), decoder


def elbo_terms(torch, encoder, decoder, x):
    """One-sample log p(x|z) and closed-form KL, per image (N,)."""
    F = torch.nn.functional
    mu, log_var = encoder(x)
    z = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)
    rec = -F.binary_cross_entropy_with_logits(decoder(z), x, reduction="none").flatten(1).sum(1)
    kl = 0.5 * (mu * mu + log_var.exp() - log_var - 1).sum(1)
    return rec, kl


def evaluate(torch, encoder, decoder, x, k, per_batch=20):
    """Mean ELBO (mean of log w) and mean importance-weighted log p(x), nats per image."""
    F = torch.nn.functional
    log_2pi = math.log(2 * math.pi)
    elbo = log_px = 0.0
    with torch.no_grad():
        for start in range(0, len(x), per_batch):
            xb = x[start:start + per_batch]
            mu, log_var = encoder(xb)
            z = mu + torch.exp(0.5 * log_var) * torch.randn((k,) + tuple(mu.shape))
            logits = decoder(z.reshape(-1, z.shape[-1]))
            target = xb.expand((k,) + tuple(xb.shape)).reshape(logits.shape)
            log_lik = -F.binary_cross_entropy_with_logits(logits, target, reduction="none")
            log_lik = log_lik.flatten(1).sum(1).reshape(k, len(xb))
            log_prior = -0.5 * (log_2pi + z * z).sum(-1)
            log_q = -0.5 * (log_2pi + log_var + (z - mu) ** 2 / log_var.exp()).sum(-1)
            log_w = (log_lik + log_prior - log_q).double()
            elbo += log_w.mean(0).sum().item()
            log_px += (torch.logsumexp(log_w, 0) - math.log(k)).sum().item()
    return elbo / len(x), log_px / len(x)


def main(argv=None):
    args = parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    data, held_out = mg_vae.split_held_out(load_dataset("mnist", quiet=True))
    held_out = torch.from_numpy(held_out)
    batches = BatchIterator(data.x, data.y, batch_size=mg_vae.RECIPE["batch_size"],
                            seed=args.seed)
    encoder, decoder = build(torch, args.latent_dim)
    params = list(encoder.parameters()) + list(decoder.parameters())
    opt = torch.optim.Adam(params, lr=mg_vae.RECIPE["lr"], betas=mg_vae.RECIPE["betas"])
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    rows, train_seconds = [], 0.0
    for step in range(1, args.iterations + 1):
        t0 = time.process_time()
        x = torch.bernoulli((torch.from_numpy(batches.next()[0]) + 1) / 2)
        rec, kl = elbo_terms(torch, encoder, decoder, x)
        loss = -(rec - kl).mean()
        grads = torch.autograd.grad(loss, params)
        for p, g in zip(params, grads):
            p.grad = g
        opt.step()
        train_seconds += time.process_time() - t0
        if step % args.eval_every == 0 or step == args.iterations:
            elbo, log_px = evaluate(torch, encoder, decoder, held_out, args.iw_samples)
            row = {"step": step, "train_elbo": -loss.item(), "heldout_elbo": elbo,
                   "heldout_log_px": log_px, "train_cpu_seconds": train_seconds}
            rows.append(row)
            print(json.dumps(row), flush=True)
    with open(args.out, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)


if __name__ == "__main__":
    main()
