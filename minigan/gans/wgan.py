"""Wasserstein GANs: weight clipping (Arjovsky, Chintala and Bottou 2017) and the
gradient penalty (Gulrajani et al. 2017).

The critic f has no sigmoid: it scores samples, and E f(x) - E f(G(z)) estimates
the earth mover's distance K * W(p_r, p_g) when f is K-Lipschitz.  The two papers
differ only in how they keep f Lipschitz:
  * WGAN clips every critic weight to [-c, c] after each critic update;
  * WGAN-GP adds lam * (||grad f(x_hat)|| - 1)^2 at random interpolates x_hat.
"""
from ..autograd import Tensor, no_grad
from .. import optim
from .base import GAN
from .objectives import (critic_loss, gradient_penalty, interpolates,
                         wasserstein_generator_loss)


class WGAN(GAN):
    """Arjovsky et al. 2017, Algorithm 1: RMSProp 5e-5, c = 0.01, n_critic = 5."""

    def __init__(self, *args, clip=0.01, **kwargs):
        super().__init__(*args, **kwargs)
        self.clip = clip

    def train_step(self, next_batch):
        for _ in range(self.n_critic):
            x = Tensor(next_batch()[0])
            with no_grad():
                fake = self.G(self.noise(len(x)))
            loss_d = self.update(self.opt_d, critic_loss(self.D(x), self.D(fake)))
            optim.clip_parameters(self.D.parameters(), self.clip)
        loss_g = self.update(self.opt_g, wasserstein_generator_loss(self.D(self.G(self.noise(len(x))))))
        return {"loss_d": loss_d, "loss_g": loss_g, "wasserstein": -loss_d}


class WGANGP(GAN):
    """Gulrajani et al. 2017, Algorithm 1: Adam(1e-4, betas (0, 0.9)), n_critic 5, lam 10."""

    def __init__(self, *args, gp_lambda=10.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.gp_lambda = gp_lambda

    def train_step(self, next_batch):
        for _ in range(self.n_critic):
            x = next_batch()[0]
            with no_grad():
                fake = self.G(self.noise(len(x))).data
            w_loss = critic_loss(self.D(Tensor(x)), self.D(Tensor(fake)))
            gp = gradient_penalty(self.D, interpolates(x, fake, self.rng), self.gp_lambda)
            self.update(self.opt_d, w_loss + gp)
            # numbers from here on: as Tensors they would keep this critic step's graph
            # (the penalty's double backprop included) alive through the next step
            w_loss, gp = w_loss.item(), gp.item()
        loss_g = self.update(self.opt_g, wasserstein_generator_loss(self.D(self.G(self.noise(len(x))))))
        return {"loss_d": w_loss + gp, "loss_g": loss_g, "wasserstein": -w_loss, "gp": gp}
