"""pix2pix (Isola, Zhu, Zhou and Efros 2017, "Image-to-Image Translation with
Conditional Adversarial Networks"), at 28x28.

A conditional GAN whose condition is a whole image a, and whose generator is
told both to fool D and to stay near the true partner b (eq. 4):

    G* = arg min_G max_D  L_cGAN(G, D) + lambda L_L1(G),   lambda = 100
    L_cGAN = E log D(a, b) + E log(1 - D(a, G(a)))     (G: the non-saturating form)
    L_L1   = E |b - G(a)|_1

  * G is a U-Net: an encoder-decoder with a skip connection from each encoder
    scale to the decoder layer of the same size, so low-level structure (where
    the strokes are) need not squeeze through the bottleneck;
  * the noise z is dropout (p = 0.5) in the first decoder layers, as the paper
    found input noise ignored;
  * D is a PatchGAN: a fully convolutional net whose output is a map of logits,
    each judging one patch of the (a, b) pair, its receptive field; averaging the
    per-patch losses models the image as a Markov random field (lesson 12);
  * D's objective is halved, "to slow down the rate at which D learns";
  * at test time G runs "in exactly the same manner as during the training phase"
    (the paper's Section 3.3): dropout on, and batch norm on the statistics of test
    batches as large as the training batches (``translate``);
  * Adam 2e-4, beta1 = 0.5; weights ~ N(0, 0.02).

The ablation of the paper's Table 1 is ``objective``: "l1" (G trained on L1
alone; D is not used), "cgan" (lambda = 0) and "l1+cgan" (the full loss).
"""
from .. import nn
from .. import functional as F
from ..autograd import Tensor, no_grad
from .base import GAN
from .objectives import discriminator_loss, generator_loss_non_saturating

OBJECTIVES = ("l1+cgan", "l1", "cgan")


class UNetGenerator(nn.Module):
    """a (N, in_ch, 28, 28) -> b (N, out_ch, 28, 28) in [-1, 1].

    Encoder (Conv, BatchNorm except first and last, LeakyReLU 0.2):
        28 -> 14 (w) -> 7 (2w) -> 3 (4w) -> 1 (4w, the bottleneck)
    Decoder (ConvTranspose, BatchNorm, ReLU; dropout 0.5 in the two deepest layers),
    each layer's output concatenated with the encoder's output of the same size:
        1 -> 3 (4w + 4w) -> 7 (2w + 2w) -> 14 (w + w) -> 28 (out_ch), tanh
    """

    def __init__(self, in_channels=1, out_channels=1, width=16, dropout=0.5):
        super().__init__()
        w = width
        down = lambda i, o, k, s, p, bn=True: nn.Sequential(      # noqa: E731
            nn.Conv2d(i, o, k, stride=s, padding=p),
            *([nn.BatchNorm2d(o)] if bn else []), nn.LeakyReLU(0.2))
        self.e1 = down(in_channels, w, 4, 2, 1, bn=False)       # 28 -> 14
        self.e2 = down(w, 2 * w, 4, 2, 1)                        # 14 -> 7
        self.e3 = down(2 * w, 4 * w, 3, 2, 0)                    # 7 -> 3
        self.e4 = down(4 * w, 4 * w, 3, 1, 0, bn=False)          # 3 -> 1
        self.d4 = self._up(4 * w, 4 * w, 3, 1, 0, 0, dropout)    # 1 -> 3
        self.d3 = self._up(8 * w, 2 * w, 3, 2, 0, 0, dropout)    # 3 -> 7
        self.d2 = self._up(4 * w, w, 4, 2, 1, 0, 0.0)            # 7 -> 14
        self.d1 = nn.Sequential(nn.ConvTranspose2d(2 * w, out_channels, 4, stride=2,
                                                   padding=1), nn.Tanh())   # 14 -> 28

    @staticmethod
    def _up(i, o, k, s, p, op, dropout):
        layers = [nn.ConvTranspose2d(i, o, k, stride=s, padding=p, output_padding=op),
                  nn.BatchNorm2d(o)]
        if dropout:
            layers.append(nn.Dropout(dropout))
        return nn.Sequential(*layers, nn.ReLU())

    def forward(self, a):
        e1 = self.e1(a)
        e2 = self.e2(e1)
        e3 = self.e3(e2)
        e4 = self.e4(e3)
        u = F.concat([self.d4(e4), e3], axis=1)     # the skips: same size, stacked channels
        u = F.concat([self.d3(u), e2], axis=1)
        u = F.concat([self.d2(u), e1], axis=1)
        return self.d1(u)


# The discriminator's layers for each patch size (the paper's Table 3): (kernel, stride,
# padding) of each convolution, and its output channels as a multiple of the width
# (0: the one logit channel).  The field of the last logit is computed by
# receptive_field() and checked by gradients in the tests; the output size is for 28x28.
PATCH_LAYERS = {
    1: [(1, 1, 0, 1), (1, 1, 0, 2), (1, 1, 0, 0)],                # PixelGAN: 1x1, 28x28 logits
    8: [(4, 2, 1, 1), (2, 1, 0, 2), (2, 1, 0, 0)],                # 1 -> 2 -> 3 -> 8, 12x12
    16: [(4, 2, 1, 1), (4, 1, 1, 2), (4, 1, 1, 0)],               # 1 -> 4 -> 7 -> 16, 12x12
    38: [(4, 2, 1, 1), (4, 2, 1, 2), (4, 2, 1, 2), (3, 1, 0, 0)],  # ImageGAN: one logit
}
PATCHES = tuple(PATCH_LAYERS)


class PatchDiscriminator(nn.Module):
    """(a, b) (N, 1, 28, 28) each -> a map of logits, one per patch of the pair.

    Conv LeakyReLU -> [Conv BN LeakyReLU]... -> Conv to one channel, the layers of
    ``PATCH_LAYERS[patch]``; each logit sees a patch x patch square of the pair
    (``receptive_field(self)`` computes it; tests check it with gradients):
      patch 16 (the default): (4, 2), (4, 1), (4, 1), logits (N, 1, 12, 12), 57% of 28;
      patch 8: the same layers with kernel 2 in the stride-1 ones, 12x12 logits, 29% of
        28, the nearest to the paper's 70 of 256 (27%);
      patch 1: the PixelGAN, 1x1 convolutions, one logit per pixel (28x28);
      patch 38: the ImageGAN, three stride-2 layers and a 3x3 one, a single logit that
        sees the whole 28x28 (its field, 38, runs past the borders into the padding).
    """

    def __init__(self, in_channels=2, width=32, patch=16):
        super().__init__()
        if patch not in PATCH_LAYERS:
            raise ValueError(f"patch must be one of {PATCHES}, not {patch!r}")
        layers, c = [], in_channels
        specs = PATCH_LAYERS[patch]
        for i, (k, s, p, mult) in enumerate(specs):
            out = mult * width if mult else 1
            layers.append(nn.Conv2d(c, out, k, stride=s, padding=p))
            if 0 < i < len(specs) - 1:                  # batch norm, not on the first
                layers.append(nn.BatchNorm2d(out))      # layer nor on the logits
            if i < len(specs) - 1:
                layers.append(nn.LeakyReLU(0.2))
            c = out
        self.net = nn.Sequential(*layers)

    def forward(self, a, b):
        return self.net(F.concat([a, b], axis=1))


def receptive_field(module):
    """The side of the input square that one output unit of a chain of convolutions sees.

    Walking back from one output pixel, a layer of kernel k and stride s turns a
    window of r units into s (r - 1) + k units of its input; pointwise layers
    (norms, activations) leave r alone.  module: a Module whose Conv2d layers run in
    the order ``modules()`` lists them.
    """
    r = 1
    convs = [m for m in module.modules() if isinstance(m, nn.Conv2d)]
    for conv in reversed(convs):
        k, s = conv.kernel_size[0], conv.stride[0]
        r = s * (r - 1) + k
    return r


class Pix2Pix(GAN):
    """Isola et al. 2017, the training step of their Section 3 and eq. (4)."""

    def __init__(self, G, D, opt_g, opt_d, l1_lambda=100.0, objective="l1+cgan", seed=0,
                 test_batch=4):
        super().__init__(G, D, opt_g, opt_d, latent_dim=0, n_critic=1, seed=seed)
        self.test_batch = test_batch        # the training batch size: translate()
        if objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, not {objective!r}")
        self.l1_lambda = 0.0 if objective == "cgan" else l1_lambda
        self.adversarial = objective != "l1"
        for m in G.modules():           # the dropout masks come from the model's generator,
            if isinstance(m, nn.Dropout):   # which checkpoints store: exact resume
                m.generator = self.rng

    def train_step(self, next_batch):
        pair, _ = next_batch()                              # (N, 2, 28, 28): a | b
        a, b = Tensor(pair[:, :1]), Tensor(pair[:, 1:])
        fake = self.G(a)
        losses = {}
        if self.adversarial:                                # D: real pairs 1, fake pairs 0
            loss_d = 0.5 * discriminator_loss(self.D(a, b), self.D(a, Tensor(fake.data)))
            losses["loss_d"] = self.update(self.opt_d, loss_d)
        loss_l1 = F.l1_loss(fake, b)
        loss_g = loss_l1 * self.l1_lambda
        if self.adversarial:                                # G: fool D, stay near b
            loss_gan = generator_loss_non_saturating(self.D(a, fake))
            loss_g = loss_gan + loss_g
            losses["loss_g_gan"] = loss_gan.item()
        losses["loss_g"] = self.update(self.opt_g, loss_g)
        losses["loss_l1"] = loss_l1.item()
        return losses

    def translate(self, x, direction="a2b"):
        """x: raw (N, 1, 28, 28) domain-A images -> G(x), raw, run as the paper runs it at
        test time: "in exactly the same manner as during the training phase", dropout on
        and batch norm on the statistics of each run of ``test_batch`` consecutive images
        (the training batch size), not the running averages: G has learned to draw from
        the statistics of that many images, and a larger test batch would hand it steadier
        ones than it ever saw.  The masks come from a generator seeded afresh on each
        call, so the same images always translate the same way, and the running
        statistics are left as they were."""
        if direction != "a2b":
            raise ValueError("pix2pix translates one way only: --direction a2b")
        return run_as_in_training(self.G, x, self.test_batch)


TEST_SEED = 0       # the dropout masks of translate()


def run_as_in_training(net, x, batch):
    """net(x) for a raw (N, C, H, W) array, in training mode without a graph, ``batch``
    images at a time: dropout on, batch norm on each batch's own statistics; net's state (running statistics, its
    dropout generators) is restored afterwards.  Raw result."""
    from .. import backend
    xp = backend.get_array_module(x)
    state = net.state_dict()                          # host copies
    drops = [m for m in net.modules() if isinstance(m, nn.Dropout)]
    generators = [m.generator for m in drops]
    masks = backend.default_rng(TEST_SEED)
    for m in drops:
        m.generator = masks
    was = net.training
    net.train()
    try:
        with no_grad():
            out = [net(Tensor(x[i:i + batch])).data for i in range(0, len(x), batch)]
    finally:
        net.load_state_dict(state)
        for m, g in zip(drops, generators):
            m.generator = g
        net.train(was)
    return xp.concatenate(out) if out else x[:0]


def run_in_eval(net, x, batch=250):
    """net(x) for a raw (N, C, H, W) array, in batches, eval mode, no graph; raw result."""
    from .. import backend
    xp = backend.get_array_module(x)
    was = net.training
    net.eval()
    with no_grad():
        out = [net(Tensor(x[i:i + batch])).data for i in range(0, len(x), batch)]
    net.train(was)
    return xp.concatenate(out) if out else x[:0]
