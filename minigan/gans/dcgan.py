"""DCGAN (Radford, Metz and Chintala 2015) at 28x28, for MNIST-sized images.

The paper's architecture guidelines, kept here:
  * strided convolutions in D and transposed ("fractionally strided")
    convolutions in G instead of pooling;
  * batch normalisation in both nets, but not on G's output or D's input;
  * ReLU in G with tanh on the output; LeakyReLU(0.2) in D;
  * weights drawn from N(0, 0.02); Adam with lr 2e-4 and beta1 = 0.5.
The training loop is Algorithm 1 of the GAN paper (see mlp.VanillaGAN).
"""
from .. import nn
from ..nn import init


class DCGANGenerator(nn.Module):
    """z (N, latent_dim) -> x (N, 1, 28, 28) in [-1, 1].

    Linear -> 128x7x7 -> BN -> ReLU -> ConvT(128->64, k4 s2 p1): 14x14 -> BN -> ReLU
    -> ConvT(64->channels, k4 s2 p1): 28x28 -> tanh.
    """

    def __init__(self, latent_dim=100, channels=1, width=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_dim, 2 * width * 7 * 7),
            nn.Unflatten(1, (2 * width, 7, 7)),
            nn.BatchNorm2d(2 * width),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.ConvTranspose2d(width, channels, 4, stride=2, padding=1),
            nn.Tanh(),
        )

    def forward(self, z):
        return self.net(z)


class DCGANDiscriminator(nn.Module):
    """x (N, channels, 28, 28) -> logit (N, 1).

    Conv(channels->64, k4 s2 p1): 14x14 -> LeakyReLU(0.2) -> Conv(64->128, k4 s2 p1): 7x7
    -> BN -> LeakyReLU(0.2) -> Linear(128*7*7 -> 1).  ``batch_norm=False`` gives the
    WGAN-GP critic, whose penalty is per sample and so forbids batch statistics.
    """

    def __init__(self, channels=1, width=64, batch_norm=True):
        super().__init__()
        layers = [nn.Conv2d(channels, width, 4, stride=2, padding=1),
                  nn.LeakyReLU(0.2),
                  nn.Conv2d(width, 2 * width, 4, stride=2, padding=1)]
        if batch_norm:
            layers.append(nn.BatchNorm2d(2 * width))
        layers += [nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(2 * width * 7 * 7, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def dcgan_init(module):
    """Radford et al.: weights ~ N(0, 0.02); batch-norm scales ~ N(1, 0.02); biases 0."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) and m.weight is not None:
            init.normal_(m.weight, 1.0, 0.02)
        if getattr(m, "bias", None) is not None:
            init.zeros_(m.bias)
    return module


