"""Conditional GAN (Mirza and Osindero 2014).

Both players see the condition y: the generator models p(x | y) from (z, y) and the
discriminator judges pairs (x, y).  Here y is a one-hot label, concatenated to z,
and to D's input (as extra feature columns for vectors, as constant channels for
images).  The game is the GAN's, with every expectation conditioned on y; in the
discriminator step the real and the fake batch carry the same labels.
"""
from .. import backend, nn
from ..autograd import Tensor, no_grad
from .. import functional as F
from .base import GAN
from .dcgan import DCGANDiscriminator, DCGANGenerator
from .mlp import MLPDiscriminator, MLPGenerator
from .objectives import GENERATOR_LOSSES, discriminator_loss


def one_hot(labels, num_classes, dtype="float32"):
    """labels: (N,) integer array -> (N, num_classes) raw array of the same backend."""
    xp = backend.get_array_module(labels)
    return (labels[:, None] == xp.arange(num_classes)[None, :]).astype(dtype)


class ConditionalMLPGenerator(MLPGenerator):
    """(z (N, latent_dim), y (N, classes)) -> x (N, *data_shape): the MLP generator of [z, y]."""

    def __init__(self, latent_dim, num_classes, data_shape, hidden=(128, 128, 128), image=False,
                 activation="leaky_relu"):
        super().__init__(latent_dim + num_classes, data_shape, hidden, image,
                         activation=activation)

    def forward(self, z, y):
        return super().forward(F.concat([z, y], axis=1))


class ConditionalMLPDiscriminator(MLPDiscriminator):
    """(x (N, *data_shape), y (N, classes)) -> logit (N, 1): the MLP discriminator of [x, y]."""

    def __init__(self, num_classes, data_shape, hidden=(128, 128, 128), activation="leaky_relu"):
        super().__init__(data_shape, hidden, activation=activation, extra_inputs=num_classes)

    def forward(self, x, y):
        return self.net(F.concat([x.reshape((x.shape[0], -1)), y], axis=1))


class ConditionalConvGenerator(nn.Module):
    """The DCGAN generator fed with [z, y]: (N, latent_dim + classes) -> (N, 1, 28, 28)."""

    def __init__(self, latent_dim, num_classes, channels=1):
        super().__init__()
        self.net = DCGANGenerator(latent_dim + num_classes, channels)

    def forward(self, z, y):
        return self.net(F.concat([z, y], axis=1))


class ConditionalConvDiscriminator(nn.Module):
    """The DCGAN discriminator on [x, y broadcast to (N, classes, 28, 28)] as channels."""

    def __init__(self, num_classes, channels=1):
        super().__init__()
        self.net = DCGANDiscriminator(channels + num_classes)

    def forward(self, x, y):
        n, _, h, w = x.shape
        maps = F.broadcast_to(y.reshape((n, y.shape[1], 1, 1)), (n, y.shape[1], h, w))
        return self.net(F.concat([x, maps], axis=1))


class CGAN(GAN):
    """Mirza and Osindero 2014: Algorithm 1 of the GAN paper with labels on both sides."""

    def __init__(self, *args, num_classes, g_loss="non-saturating", **kwargs):
        super().__init__(*args, **kwargs)
        self.num_classes = num_classes
        self.g_loss = GENERATOR_LOSSES[g_loss]

    def labels(self, n, rng=None):
        """n labels drawn uniformly, as one-hot rows (N, classes)."""
        rng = self.rng if rng is None else rng
        return Tensor(one_hot(rng.integers(0, self.num_classes, n), self.num_classes))

    def train_step(self, next_batch):
        for _ in range(self.n_critic):
            x, y = next_batch()
            x, y = Tensor(x), Tensor(one_hot(y, self.num_classes))
            with no_grad():        # fakes for the same labels as the real batch
                fake = self.G(self.noise(len(x)), y)
            loss_d = self.update(self.opt_d, discriminator_loss(self.D(x, y), self.D(fake, y)))
        y = self.labels(len(x))
        loss_g = self.update(self.opt_g, self.g_loss(self.D(self.G(self.noise(len(x)), y), y)))
        return {"loss_d": loss_d, "loss_g": loss_g}

    def generator_inputs(self, n, rng=None, labels=None):
        """(z, one-hot y) for the given integer labels (N,), or uniformly drawn ones."""
        y = self.labels(n, rng) if labels is None else Tensor(one_hot(labels, self.num_classes))
        return self.noise(n, rng), y
