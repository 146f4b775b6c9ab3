"""The original GAN (Goodfellow et al. 2014) with multilayer-perceptron networks.

Algorithm 1 of the paper, for each training iteration:
    for k steps:   sample m noise vectors and m examples; ascend V on D
    then:          sample m noise vectors; descend the generator loss on G
The generator loss is the paper's minimax log(1 - D(G(z))) or, by default,
the non-saturating -log D(G(z)) that the paper recommends in practice.
"""
from .. import nn
from ..autograd import Tensor, no_grad
from .base import GAN
from .objectives import GENERATOR_LOSSES, discriminator_loss


# The MLP nets' hidden activations, by the names a recipe gives (config["g_activation"],
# config["d_activation"]).
ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.2)}


def mlp(sizes, activation, out_activation=None, batch_norm=False):
    """Linear layers of the given sizes with ``activation()`` between them.

    sizes: (in, hidden..., out).  batch_norm puts BatchNorm1d before each hidden
    activation (the DCGAN recipe applied to an MLP).
    """
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            if batch_norm:
                layers.append(nn.BatchNorm1d(n_out))
            layers.append(activation())
    if out_activation is not None:
        layers.append(out_activation())
    return nn.Sequential(*layers)


def _size(shape):
    n = 1
    for k in shape:
        n *= k
    return n


class MLPGenerator(nn.Module):
    """z (N, latent_dim) -> x (N, *data_shape); tanh output for images in [-1, 1].

    activation: "relu" or "leaky_relu" (slope 0.2) between the hidden layers.
    """

    def __init__(self, latent_dim, data_shape, hidden=(128, 128, 128), image=False,
                 batch_norm=False, activation="leaky_relu"):
        super().__init__()
        self.net = mlp((latent_dim, *hidden, _size(data_shape)), ACTIVATIONS[activation],
                       nn.Tanh if image else None, batch_norm)
        self.data_shape = tuple(data_shape)

    def forward(self, z):
        x = self.net(z)
        return x.reshape((x.shape[0],) + self.data_shape)


class MLPDiscriminator(nn.Module):
    """x (N, *data_shape) -> logit (N, 1); ``extra_inputs`` more columns for a condition."""

    def __init__(self, data_shape, hidden=(128, 128, 128), batch_norm=False,
                 activation="leaky_relu", extra_inputs=0):
        super().__init__()
        self.net = mlp((_size(data_shape) + extra_inputs, *hidden, 1), ACTIVATIONS[activation],
                       None, batch_norm)

    def forward(self, x):
        return self.net(x.reshape((x.shape[0], -1)))


class VanillaGAN(GAN):
    """Goodfellow et al. 2014, Algorithm 1 (k = n_critic discriminator steps)."""

    def __init__(self, *args, g_loss="non-saturating", **kwargs):
        super().__init__(*args, **kwargs)
        self.g_loss = GENERATOR_LOSSES[g_loss]

    def train_step(self, next_batch):
        for _ in range(self.n_critic):
            x = Tensor(next_batch()[0])
            with no_grad():                  # D's step does not train G
                fake = self.G(self.noise(len(x)))
            loss_d = self.update(self.opt_d, discriminator_loss(self.D(x), self.D(fake)))
        fake = self.G(self.noise(len(x)))
        loss_g = self.update(self.opt_g, self.g_loss(self.D(fake)))
        return {"loss_d": loss_d, "loss_g": loss_g}
