"""The GAN objectives: minimax, non-saturating, Wasserstein, and the gradient penalty.

Discriminators return logits o = D(x) (no sigmoid), so every log-probability is
a softplus, which is finite for any logit:
    log D(x)       = log sigmoid(o)     = -softplus(-o)
    log(1 - D(x))  = log sigmoid(-o)    = -softplus(o)

Each function returns the quantity that the corresponding player *minimises*.
"""
from .. import autograd
from .. import functional as F


def discriminator_loss(real_logits, fake_logits):
    """-[E log D(x) + E log(1 - D(G(z)))]: D ascends V(D, G) (Goodfellow et al. 2014, eq. 1).

    Equal to the binary cross-entropy with targets 1 for real and 0 for fake.
    At the optimum of both players it is 2 log 2 (lesson 2).
    """
    return F.mean(F.softplus(-real_logits)) + F.mean(F.softplus(fake_logits))


def generator_loss_minimax(fake_logits):
    """E log(1 - D(G(z))): the generator's side of the minimax game (Algorithm 1).

    It saturates: when D rejects fakes confidently (o << 0) its gradient
    -sigmoid(o) vanishes (lesson 4).
    """
    return -F.mean(F.softplus(fake_logits))


def generator_loss_non_saturating(fake_logits):
    """-E log D(G(z)): the "-log D trick" of Goodfellow et al. 2014, section 3.

    Same fixed point as the minimax loss, but strong gradients early in training.
    """
    return F.mean(F.softplus(-fake_logits))


GENERATOR_LOSSES = {"minimax": generator_loss_minimax,
                    "non-saturating": generator_loss_non_saturating}


def critic_loss(real_scores, fake_scores):
    """E f(G(z)) - E f(x): the critic minimises this (Arjovsky et al. 2017, Algorithm 1).

    Its negative, E f(x) - E f(G(z)), estimates K * W(p_r, p_g) when f is
    K-Lipschitz (Kantorovich-Rubinstein duality).
    """
    return F.mean(fake_scores) - F.mean(real_scores)


def wasserstein_generator_loss(fake_scores):
    """-E f(G(z)): the generator moves its samples up the critic."""
    return -F.mean(fake_scores)


def interpolates(real, fake, rng):
    """x_hat = eps x + (1 - eps) x_tilde with eps ~ U[0, 1] per sample (WGAN-GP, Algorithm 1).

    real, fake: (N, ...) raw arrays of the same shape; returns a raw array.
    """
    shape = (real.shape[0],) + (1,) * (real.ndim - 1)
    eps = rng.random(shape, dtype=real.dtype)
    return eps * real + (1 - eps) * fake


def gradient_penalty(critic, x_hat, lam):
    """lam * E (||grad_x f(x_hat)||_2 - 1)^2 (Gulrajani et al. 2017, eq. 3).

    critic: a callable mapping a Tensor (N, ...) to scores (N, 1); x_hat: raw
    array of interpolates.  The gradient is taken with create_graph=True so the
    penalty can itself be differentiated with respect to the critic's weights
    (double backpropagation).
    """
    x_hat = autograd.Tensor(x_hat, requires_grad=True)
    scores = critic(x_hat)
    (g,) = autograd.grad(F.sum(scores), [x_hat], create_graph=True)
    g = F.reshape(g, (g.shape[0], -1))
    # a tiny constant keeps sqrt differentiable if a gradient is exactly zero
    norm = F.sqrt(F.sum(g * g, axis=1) + 1e-12)
    return F.mean((norm - 1.0) ** 2) * lam
