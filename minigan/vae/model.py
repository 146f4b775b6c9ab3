"""The variational autoencoder of Kingma and Welling (2014, "Auto-Encoding Variational
Bayes"), for binary images.

    prior        p(z) = N(0, I)                                   z: (latent_dim,)
    decoder      p(x | z) = prod_pixels Bernoulli(x_j; sigmoid(logit_j(z)))
    encoder      q(z | x) = N(mu(x), diag sigma^2(x)), the net returns mu and log sigma^2
    the bound    ELBO(x) = E_q[log p(x | z)] - KL(q(z | x) || p(z))  <=  log p(x)

Training maximises the ELBO with one sample per image (the paper's SGVB estimator,
eq. 10 with L = 1): z = mu + sigma * eps with eps ~ N(0, I) (the reparameterisation
trick, Section 2.4), so the sample is a differentiable function of the encoder's
outputs; the KL term is in closed form (Appendix B).  ``beta`` weights the KL term
(Higgins et al. 2017, the beta-VAE); beta = 1 is the paper's bound.

The Bernoulli likelihood needs binary pixels.  MNIST's grey levels are turned into
black and white afresh each time a digit is used, pixel j on with probability equal
to its intensity (dynamic binarisation, as in most VAE likelihood papers), so
log p(x) is the log of a probability and the numbers compare with the literature.

Every function takes Tensors of any float dtype and is built from the engine's
differentiable operations, so gradients (and second derivatives) come for free.
"""
import math

from .. import autograd, backend
from .. import functional as F
from ..autograd import Tensor

LOG_2PI = math.log(2 * math.pi)


# --------------------------------------------------------------- the pieces

def reparameterize(mu, log_var, eps):
    """z = mu + sigma * eps with sigma = exp(log_var / 2): a sample of N(mu, sigma^2)
    that is differentiable in mu and log_var.  All (N, d)."""
    return mu + F.exp(0.5 * log_var) * eps


def gaussian_kl(mu, log_var):
    """KL(N(mu, diag sigma^2) || N(0, I)) in nats, per row: (N, d) -> (N,).

    Kingma and Welling, Appendix B: -KL = 1/2 sum_j (1 + log sigma_j^2 - mu_j^2 - sigma_j^2).
    """
    return 0.5 * F.sum(mu * mu + F.exp(log_var) - log_var - 1.0, axis=-1)


def bernoulli_log_likelihood(logits, x):
    """log p(x | z) = sum_j x_j log s_j + (1 - x_j) log(1 - s_j), s = sigmoid(logits), per
    image: logits, x (N, ...) -> (N,).  It is minus the binary cross-entropy, summed over
    pixels (computed from logits, so it stays finite when a pixel is certain)."""
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    return -F.sum(F.flatten(bce), axis=1)


def gaussian_log_density(z, mu, log_var):
    """log N(z; mu, diag exp(log_var)) summed over the last axis: (..., d) -> (...).
    mu and log_var broadcast against z."""
    return -0.5 * F.sum(LOG_2PI + log_var + (z - mu) ** 2 / F.exp(log_var), axis=-1)


def standard_normal_log_density(z):
    """log p(z) for the prior N(0, I), summed over the last axis: (..., d) -> (...)."""
    return -0.5 * F.sum(LOG_2PI + z * z, axis=-1)


def logsumexp(a, axis):
    """log sum_i exp(a_i) along ``axis``, without overflow: the largest term m is taken
    out, log sum exp(a) = m + log sum exp(a - m).  m is held constant, which leaves the
    value and the gradient (the softmax of a) unchanged.  a: Tensor -> axis removed."""
    xp = backend.get_array_module(a.data)
    m = xp.max(a.data, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0).astype(a.dtype)    # all -inf: any constant will do
    return F.log(F.sum(F.exp(a - m), axis=axis)) + xp.squeeze(m, axis=axis)


# --------------------------------------------------------------- the model

class VAE:
    """An encoder returning (mu, log_var) (N, latent_dim) each, a decoder returning pixel
    logits (N, 1, 28, 28), and one optimiser for both.

    The training loop drives it like a GAN: ``train_step(next_batch)`` returns the
    numbers to log, ``generate(n, rng=...)`` draws images in [-1, 1], and
    ``state_dict`` holds everything a bit-identical resume needs.
    """

    def __init__(self, encoder, decoder, optimizer, latent_dim, beta=1.0, seed=0):
        self.encoder, self.decoder, self.opt = encoder, decoder, optimizer
        self.latent_dim, self.beta = latent_dim, beta
        self.rng = backend.default_rng(seed)      # eps and the binarisation of batches

    def noise(self, n, rng=None):
        """eps or z ~ N(0, I): (n, latent_dim) float32 (from ``rng``, default the training one)."""
        rng = self.rng if rng is None else rng
        return Tensor(rng.standard_normal((n, self.latent_dim), dtype="float32"))

    def binarize(self, x, rng=None):
        """Images in [-1, 1] (N, 1, 28, 28) -> binary float32 images: pixel on with
        probability (x + 1) / 2, its grey level."""
        rng = self.rng if rng is None else rng
        p = (x + 1) / 2
        return (rng.random(p.shape, dtype="float32") < p).astype("float32")

    def elbo_terms(self, x, rng=None):
        """One-sample estimate of the two terms of the ELBO, per image, in nats.

        x: binary Tensor (N, 1, 28, 28).  Returns (log p(x | z) at z ~ q(z | x), and
        KL(q(z | x) || p(z))), each (N,); ELBO = the first minus the second.
        """
        mu, log_var = self.encoder(x)
        z = reparameterize(mu, log_var, self.noise(len(x), rng))
        return bernoulli_log_likelihood(self.decoder(z), x), gaussian_kl(mu, log_var)

    def train_step(self, next_batch):
        """One Adam step on -(log p(x|z) - beta KL), averaged over a batch (Algorithm 1)."""
        x = Tensor(self.binarize(next_batch()[0]))
        log_px_z, kl = self.elbo_terms(x)
        loss = -F.mean(log_px_z - self.beta * kl)
        grads = autograd.grad(loss, self.opt.params)
        for p, g in zip(self.opt.params, grads):
            p.grad = g
        self.opt.step()
        rec, kl = -log_px_z.data.mean(), kl.data.mean()
        return {"loss": loss.item(), "elbo": float(-rec - kl), "recon": float(rec),
                "kl": float(kl)}

    # -- using the trained model (eval mode, no graph)
    def _eval(self, fn, *args):
        modes = self.encoder.training, self.decoder.training
        self.encoder.eval(), self.decoder.eval()
        try:
            with autograd.no_grad():
                return fn(*args)
        finally:
            self.encoder.train(modes[0]), self.decoder.train(modes[1])

    def decode(self, z):
        """z: (N, latent_dim) raw array -> the decoder's mean image, in [-1, 1] (N, 1, 28, 28)."""
        return self._eval(lambda: 2 * F.sigmoid(self.decoder(Tensor(z))).data - 1)

    def generate(self, n, training=False, rng=None):
        """n new images: z ~ p(z), decoded to the mean of p(x | z), in [-1, 1].

        As for the GANs, pass ``rng`` for pictures and scores so that the training
        stream is untouched.  ``training`` is accepted for the GANs' signature; the
        decoder always draws in eval mode.
        """
        return self.decode(self.noise(n, rng).data)

    def reconstruct(self, x):
        """Binary images (N, 1, 28, 28) -> the decoder's mean at z = mu(x), in [-1, 1]."""
        return self.decode(self._eval(lambda: self.encoder(Tensor(x))[0].data))

    # -- checkpoints
    def state_dict(self):
        state = {"encoder": self.encoder.state_dict(), "decoder": self.decoder.state_dict(),
                 "opt": self.opt.state_dict()}
        rng = backend.generator_state(self.rng)
        if rng is not None:
            state["rng"] = rng
        return state

    def load_state_dict(self, state):
        self.encoder.load_state_dict(state["encoder"])
        self.decoder.load_state_dict(state["decoder"])
        self.opt.load_state_dict(state["opt"])
        backend.set_generator_state(self.rng, state.get("rng"))
