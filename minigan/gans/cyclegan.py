"""CycleGAN (Zhu, Park, Isola and Efros 2017, "Unpaired Image-to-Image Translation
using Cycle-Consistent Adversarial Networks"), at 28x28.

Two mappings G: A -> B and F: B -> A, two discriminators D_B (on B) and D_A (on A),
and no pairs.  The paper's objective (eq. 3, minigan's default) and the identity
term its Section 5.2 adds for painting -> photo:

    L = L_GAN(G, D_B) + L_GAN(F, D_A) + lambda L_cyc(G, F)            (eq. 3)
        [+ 0.5 lambda L_identity]                                     ("full")
    L_cyc = E_a |F(G(a)) - a|_1 + E_b |G(F(b)) - b|_1             lambda = 10
    L_identity = E_b |G(b) - b|_1 + E_a |F(a) - a|_1

  * the adversarial losses are least squares (Mao et al. 2017; the paper's Section 4):
    G minimises E (D(G(a)) - 1)^2, D minimises E (D(b) - 1)^2 + E D(G(a))^2,
    halved for D as in pix2pix;
  * D learns from a history of 50 generated images rather than the latest only
    (Shrivastava et al. 2017): each new fake is returned with probability 1/2, or
    swapped for a stored one;
  * the generators are ResNets (Johnson et al. 2016): reflection padding, instance
    norm, two stride-2 convolutions down, residual blocks, two up; the
    discriminators are PatchGANs (pix2pix.py) with instance norm;
  * Adam 2e-4, beta1 0.5; the rate is constant for the first half of training and
    decays linearly to 0 over the second ("hold-linear" in train.py).

The paper's Table 4 ablation is ``objective``: "gan" (the two adversarial losses
alone), "gan+forward" (plus the forward cycle a -> G(a) -> F(G(a)) only), "cycle"
(both cycles: eq. 3, the objective of Table 4's "CycleGAN" row, and the default of
img2img.RECIPES) and "full" (both cycles and the identity term, which the paper added
for painting -> photo to keep the input's colours, and the authors' code turns on by
default; on mnist-thickness it holds the thickening back, README Table 4).
"""
from .. import backend, nn
from .. import functional as F_
from ..autograd import Tensor
from .base import GAN
from .pix2pix import run_in_eval

OBJECTIVES = ("full", "cycle", "gan", "gan+forward")


class ResidualBlock(nn.Module):
    """x + [pad, conv3, IN, ReLU, pad, conv3, IN](x); (N, C, H, W) -> the same."""

    def __init__(self, channels):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, stride=1, padding=0),
            nn.InstanceNorm2d(channels), nn.ReLU(),
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, stride=1, padding=0),
            nn.InstanceNorm2d(channels))

    def forward(self, x):
        return x + self.body(x)


class ResnetGenerator(nn.Module):
    """(N, 1, 28, 28) -> (N, 1, 28, 28) in [-1, 1]; the paper's c7s1-w, d2w, d4w,
    R4w x n_blocks, u2w, uw, c7s1-1 with tanh.

    c7s1-k: reflection pad 3, 7x7 conv, instance norm, ReLU; dk: 3x3 conv stride 2;
    uk: 3x3 transposed conv stride 2 (28 -> 14 -> 7 -> 14 -> 28).
    """

    def __init__(self, channels=1, width=8, n_blocks=3):
        super().__init__()
        w = width
        block = lambda conv, c: [conv, nn.InstanceNorm2d(c), nn.ReLU()]     # noqa: E731
        layers = [nn.ReflectionPad2d(3), *block(nn.Conv2d(channels, w, 7, stride=1, padding=0), w),
                  *block(nn.Conv2d(w, 2 * w, 3, stride=2, padding=1), 2 * w),
                  *block(nn.Conv2d(2 * w, 4 * w, 3, stride=2, padding=1), 4 * w)]
        layers += [ResidualBlock(4 * w) for _ in range(n_blocks)]
        layers += [*block(nn.ConvTranspose2d(4 * w, 2 * w, 3, stride=2, padding=1,
                                             output_padding=1), 2 * w),
                   *block(nn.ConvTranspose2d(2 * w, w, 3, stride=2, padding=1,
                                             output_padding=1), w),
                   nn.ReflectionPad2d(3), nn.Conv2d(w, channels, 7, stride=1, padding=0),
                   nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class PatchDiscriminatorIN(nn.Module):
    """x (N, 1, 28, 28) -> (N, 1, 12, 12) scores, one per 16x16 patch (the PatchGAN of
    pix2pix.py on one image, with instance norm as in the CycleGAN code)."""

    def __init__(self, channels=1, width=16):
        super().__init__()
        w = width
        self.net = nn.Sequential(
            nn.Conv2d(channels, w, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(w, 2 * w, 4, stride=1, padding=1), nn.InstanceNorm2d(2 * w),
            nn.LeakyReLU(0.2),
            nn.Conv2d(2 * w, 1, 4, stride=1, padding=1))

    def forward(self, x):
        return self.net(x)


class ImagePool:
    """The history of generated images D learns from (Shrivastava et al. 2017).

    Until it holds ``size`` images each new one is stored and returned; then with
    probability 1/2 a new image is returned as is, else it replaces a random stored
    one, which is returned instead.  Draws come from ``rng``; ``state_dict`` keeps
    the images so that a resumed run continues exactly.
    """

    def __init__(self, size, rng):
        self.size, self.rng, self.images = size, rng, []

    def query(self, fakes):
        """fakes: raw (N, C, H, W) -> raw (N, C, H, W), each row new or from the history."""
        if self.size == 0:
            return fakes
        out = []
        for image in fakes:
            if len(self.images) < self.size:
                self.images.append(image.copy())
                out.append(image)
            elif self.rng.random() < 0.5:
                i = int(self.rng.integers(0, self.size))
                out.append(self.images[i])
                self.images[i] = image.copy()
            else:
                out.append(image)
        return backend.get_array_module(fakes).stack(out)

    def state_dict(self):
        return {"images": backend.to_numpy(backend.xp.stack(self.images))
                if self.images else backend.to_numpy(backend.xp.zeros((0,)))}

    def load_state_dict(self, state):
        images = backend.asarray(state["images"])
        self.images = [images[i].copy() for i in range(len(images))] if images.ndim == 4 else []


def lsgan_d(real, fake):
    """D's least-squares loss, halved: 0.5 [E (D(real) - 1)^2 + E D(fake)^2]."""
    return 0.5 * (F_.mean((real - 1.0) * (real - 1.0)) + F_.mean(fake * fake))


def lsgan_g(fake):
    """G's least-squares loss: E (D(G(x)) - 1)^2."""
    return F_.mean((fake - 1.0) * (fake - 1.0))


class _Pair(nn.Module):
    """Two networks as one Module, so one optimiser and one state_dict hold both."""

    def __init__(self, first, second):
        super().__init__()
        self.first, self.second = first, second


class CycleGAN(GAN):
    """Zhu et al. 2017: G: A -> B, F: B -> A, D_B, D_A, one step of both."""

    def __init__(self, generators, discriminators, opt_g, opt_d, cycle_lambda=10.0,
                 identity_weight=0.5, pool_size=50, objective="cycle", seed=0):
        """generators: _Pair(G, F); discriminators: _Pair(D_B, D_A); opt_g and opt_d
        update each pair's parameters."""
        super().__init__(generators, discriminators, opt_g, opt_d, latent_dim=0, seed=seed)
        if objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, not {objective!r}")
        self.G_ab, self.F_ba = generators.first, generators.second
        self.D_B, self.D_A = discriminators.first, discriminators.second
        self.lam = cycle_lambda
        self.forward_cycle = objective in ("full", "cycle", "gan+forward")
        self.backward_cycle = objective in ("full", "cycle")
        self.identity = objective == "full"
        self.identity_weight = identity_weight
        # the pool's coin flips are host bookkeeping, like the batch order: a host
        # generator whose state the checkpoint can hold on either backend
        self.pool_rng = backend.host_rng([seed, pool_size])
        self.pool_b = ImagePool(pool_size, self.pool_rng)
        self.pool_a = ImagePool(pool_size, self.pool_rng)

    def train_step(self, next_batch):
        pair, _ = next_batch()                          # unrelated A and B digits
        a, b = Tensor(pair[:, :1]), Tensor(pair[:, 1:])
        G, F, lam = self.G_ab, self.F_ba, self.lam
        fake_b, fake_a = G(a), F(b)
        # the generators: fool both discriminators, come back, leave targets alone
        loss_gan = lsgan_g(self.D_B(fake_b)) + lsgan_g(self.D_A(fake_a))
        loss_g, losses = loss_gan, {"loss_g_gan": loss_gan.item()}
        if self.forward_cycle:                          # a -> G(a) -> F(G(a)) ~ a
            cyc = F_.l1_loss(F(fake_b), a)
            loss_g, losses["loss_cycle_a"] = loss_g + lam * cyc, cyc.item()
        if self.backward_cycle:                         # b -> F(b) -> G(F(b)) ~ b
            cyc = F_.l1_loss(G(fake_a), b)
            loss_g, losses["loss_cycle_b"] = loss_g + lam * cyc, cyc.item()
        if self.identity:                               # G(b) ~ b, F(a) ~ a
            idt = F_.l1_loss(G(b), b) + F_.l1_loss(F(a), a)
            loss_g, losses["loss_identity"] = loss_g + self.identity_weight * lam * idt, idt.item()
        losses["loss_g"] = self.update(self.opt_g, loss_g)
        # the discriminators: real 1, fake (from the history) 0
        old_b = Tensor(self.pool_b.query(fake_b.data))
        old_a = Tensor(self.pool_a.query(fake_a.data))
        loss_d = lsgan_d(self.D_B(b), self.D_B(old_b)) + lsgan_d(self.D_A(a), self.D_A(old_a))
        losses["loss_d"] = self.update(self.opt_d, loss_d)
        return losses

    def translate(self, x, direction="a2b"):
        """x: raw (N, 1, H, W) -> G(x) for a2b or F(x) for b2a, raw (eval mode)."""
        if direction not in ("a2b", "b2a"):
            raise ValueError(f"direction must be a2b or b2a, not {direction!r}")
        return run_in_eval(self.G_ab if direction == "a2b" else self.F_ba, x)

    def state_dict(self):
        state = super().state_dict()
        state["pool_a"], state["pool_b"] = self.pool_a.state_dict(), self.pool_b.state_dict()
        state["pool_rng"] = self.pool_rng.bit_generator.state
        return state

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.pool_a.load_state_dict(state["pool_a"])
        self.pool_b.load_state_dict(state["pool_b"])
        self.pool_rng.bit_generator.state = state["pool_rng"]
