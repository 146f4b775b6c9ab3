"""log p(x), not just the bound: the importance-weighted estimate of Burda, Grosse and
Salakhutdinov (2016, "Importance Weighted Autoencoders", eq. 8).

With z_1..z_k drawn from q(z | x) and weights w_i = p(x | z_i) p(z_i) / q(z_i | x),

    L_k(x) = log (1/k) sum_i w_i,    E[L_1] = ELBO <= E[L_k] <= E[L_{k+1}] -> log p(x),

because (1/k) sum_i w_i is an unbiased estimate of p(x) (importance sampling with
proposal q) and log is concave (Jensen).  The sum runs in log space with
``logsumexp``: a weight of a 784-pixel image is around e^-100, which float32 cannot
hold.  The mean of the same log w_i is an estimate of the ELBO itself, so one pass
gives both numbers.
"""
import math

from .. import autograd, backend
from ..autograd import Tensor
from .model import (bernoulli_log_likelihood, gaussian_log_density, logsumexp,
                    standard_normal_log_density)


def log_weights(x, mu, log_var, log_likelihood, k, rng):
    """log w_i = log p(x | z_i) + log p(z_i) - log q(z_i | x) for k draws z_i ~ q(z | x).

    x: (N, ...); mu, log_var: Tensors (N, d), the parameters of q; log_likelihood(z, x):
    z (k, N, d) -> log p(x | z) (k, N); rng: the generator of the draws.  Returns (k, N).
    """
    eps = Tensor(rng.standard_normal((k,) + tuple(mu.shape), dtype=mu.dtype))
    z = mu + (log_var * 0.5).exp() * eps                            # (k, N, d)
    return (log_likelihood(z, x) + standard_normal_log_density(z)
            - gaussian_log_density(z, mu, log_var))


def iw_bound(log_w):
    """L_k = log (1/k) sum_i w_i from log weights (k, N) -> (N,)."""
    return logsumexp(log_w, axis=0) - math.log(log_w.shape[0])


def vae_log_weights(vae, x, k, rng):
    """log weights (k, N) of the VAE's Bernoulli decoder for binary images x (N, 1, 28, 28)."""
    def log_likelihood(z, x):
        kk, n, d = z.shape
        logits = vae.decoder(z.reshape(kk * n, d))
        target = backend.xp.broadcast_to(x[None], (kk,) + x.shape).reshape(logits.shape)
        return bernoulli_log_likelihood(logits, target).reshape(kk, n)
    mu, log_var = vae.encoder(Tensor(x))
    return log_weights(x, mu, log_var, log_likelihood, k, rng)


def evaluate(vae, x, k=100, seed=0, max_decodes=2000):
    """The ELBO and the importance-weighted log p(x) of binary images, in nats per image.

    x: binary host or device array (N, 1, 28, 28); k: samples per image; seed: the
    draws' generator (fixed, so that scores at different checkpoints compare).
    Images go through in batches of max_decodes // k (the decoder sees at most
    max_decodes latent points at once).  Returns {"elbo": mean over images of the mean
    log w, "log_px": mean of L_k, "n": N, "k": k}; both nets in eval mode, no graph.
    """
    rng = backend.default_rng(seed)
    x = backend.asarray(x)
    per_batch = max(1, max_decodes // k)
    elbo = log_px = 0.0
    modes = vae.encoder.training, vae.decoder.training
    vae.encoder.eval(), vae.decoder.eval()
    try:
        with autograd.no_grad():
            for start in range(0, len(x), per_batch):
                log_w = vae_log_weights(vae, x[start:start + per_batch], k, rng)
                elbo += float(log_w.data.astype("float64").mean(axis=0).sum())
                log_px += float(iw_bound(log_w.astype("float64")).data.sum())
    finally:
        vae.encoder.train(modes[0]), vae.decoder.train(modes[1])
    return {"elbo": elbo / len(x), "log_px": log_px / len(x), "n": len(x), "k": k}
