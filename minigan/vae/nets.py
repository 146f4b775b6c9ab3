"""Encoders and decoders for 28x28 digits: the paper's MLP, and a convolutional pair
with the DCGAN networks' shapes.

An encoder maps images x (N, 1, 28, 28) to (mu, log_var), each (N, latent_dim): the
mean and log variance of q(z | x).  A decoder maps z (N, latent_dim) to pixel logits
(N, 1, 28, 28), the parameters of p(x | z); sigmoid(logits) is the mean image.
"""
from .. import nn

PIXELS = 28 * 28


def _widths(hidden):
    return (hidden,) if isinstance(hidden, int) else tuple(hidden)


def _tanh_layers(sizes):
    """Linear -> tanh between each pair of consecutive sizes."""
    layers = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        layers += [nn.Linear(n_in, n_out), nn.Tanh()]
    return layers


class MLPEncoder(nn.Module):
    """x -> Flatten(784) -> Linear(784, 400) -> tanh -> two heads Linear(400, d): mu, log_var.

    ``hidden`` is one width or a tuple of widths (each layer Linear then tanh).

    Kingma and Welling's MNIST nets (Appendix C.1 and C.2) have one hidden layer of
    tanh units; we keep tanh and use 400 hidden units and d = 20, the 784-400-20 shape
    of the widely used PyTorch example, so the two compare layer for layer.
    """

    def __init__(self, latent_dim=20, hidden=400, channels=1):
        super().__init__()
        sizes = (channels * PIXELS,) + _widths(hidden)
        self.body = nn.Sequential(nn.Flatten(), *_tanh_layers(sizes))
        self.mu = nn.Linear(sizes[-1], latent_dim)
        self.log_var = nn.Linear(sizes[-1], latent_dim)

    def forward(self, x):
        h = self.body(x)
        return self.mu(h), self.log_var(h)


class MLPDecoder(nn.Module):
    """z -> Linear(d, 400) -> tanh -> Linear(400, 784) -> logits (N, 1, 28, 28).

    With several hidden widths, the encoder's in reverse order.
    """

    def __init__(self, latent_dim=20, hidden=400, channels=1):
        super().__init__()
        sizes = (latent_dim,) + _widths(hidden)[::-1]
        self.net = nn.Sequential(*_tanh_layers(sizes), nn.Linear(sizes[-1], channels * PIXELS),
                                 nn.Unflatten(1, (channels, 28, 28)))

    def forward(self, z):
        return self.net(z)


class ConvEncoder(nn.Module):
    """The DCGAN discriminator's body, with two heads instead of one logit:

    Conv(1->64, k4 s2 p1): 14x14 -> LeakyReLU(0.2) -> Conv(64->128, k4 s2 p1): 7x7 -> BN
    -> LeakyReLU(0.2) -> Flatten(6272) -> Linear(6272, d) for mu and for log_var.
    """

    def __init__(self, latent_dim=20, channels=1, width=64):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1), nn.BatchNorm2d(2 * width),
            nn.LeakyReLU(0.2), nn.Flatten())
        self.mu = nn.Linear(2 * width * 7 * 7, latent_dim)
        self.log_var = nn.Linear(2 * width * 7 * 7, latent_dim)

    def forward(self, x):
        h = self.body(x)
        return self.mu(h), self.log_var(h)


class ConvDecoder(nn.Module):
    """The DCGAN generator (gans/dcgan.py) without its final tanh, so it returns logits:

    Linear(d, 128x7x7) -> BN -> ReLU -> ConvT(128->64, k4 s2 p1): 14x14 -> BN -> ReLU
    -> ConvT(64->1, k4 s2 p1): 28x28 logits.
    """

    def __init__(self, latent_dim=20, channels=1, width=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_dim, 2 * width * 7 * 7), nn.Unflatten(1, (2 * width, 7, 7)),
            nn.BatchNorm2d(2 * width), nn.ReLU(),
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),
            nn.BatchNorm2d(width), nn.ReLU(),
            nn.ConvTranspose2d(width, channels, 4, stride=2, padding=1))

    def forward(self, z):
        return self.net(z)
