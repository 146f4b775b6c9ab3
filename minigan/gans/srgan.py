"""SRResNet and SRGAN: 4x super-resolution (Ledig et al. 2017, "Photo-Realistic Single
Image Super-Resolution Using a Generative Adversarial Network").

The generator G maps a low-resolution image I^LR (N, 1, 7, 7) to I^SR (N, 1, 28, 28)
(Figure 4 of the paper, narrower and shallower so that it trains on a CPU core):

    conv 9x9 -> PReLU                                   the first features, kept for
    B x [conv 3x3 -> BN -> PReLU -> conv 3x3 -> BN, + x]   the long skip connection
    conv 3x3 -> BN, + first features
    2 x [conv 3x3 (C -> 4C) -> PixelShuffle(2) -> PReLU]   7 -> 14 -> 28: sub-pixel conv
    conv 3x3 -> tanh    (the paper: 9x9; 3x3 keeps the 28x28 im2col buffer small)

SRResNet is G trained on the pixel MSE alone (eq. 4).  SRGAN starts from that SRResNet
and fine-tunes it with the perceptual loss (eq. 3)

    l^SR = l^SR_X + 1e-3 * l^SR_Gen,      l^SR_Gen = -log D(G(I^LR))      (eq. 6)

where the content loss l^SR_X is the mean squared distance between feature maps
phi of a fixed network (eq. 5): the paper's phi_{5,4} of VGG19; here the last
convolutional feature maps (64 x 7 x 7, after ReLU) of minigan's bundled digit
classifier, the only trained image network minigan ships.  ``content="mse"`` gives the
paper's SRGAN-MSE ablation (pixel MSE instead).  D is the paper's strided-conv
discriminator (Figure 4, bottom): conv / BN / LeakyReLU(0.2) blocks whose stride-2
convolutions halve the image, then two dense layers to one logit.

Caveat, stated with the results: the classifier FID used to score the outputs reads
the same classifier's (later) features, so the feature content loss is close to the
score; the SRGAN-MSE row shows what the adversarial term does without that help.
"""
from .. import autograd, backend, nn
from .. import functional as F
from ..autograd import Tensor, no_grad
from ..data.superres import SCALE, area_downsample
from .objectives import discriminator_loss, generator_loss_non_saturating

EVAL_BATCH = 250


class ResidualBlock(nn.Module):
    """x + BN(conv(PReLU(BN(conv(x))))): (N, C, H, W) -> (N, C, H, W)."""

    def __init__(self, channels):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.PReLU(),
            nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels))

    def forward(self, x):
        return x + self.body(x)


class SRGenerator(nn.Module):
    """SRResNet: (N, 1, 7, 7) -> (N, 1, 28, 28) with B residual blocks of C channels."""

    def __init__(self, channels=32, blocks=4, image_channels=1, scale=SCALE):
        super().__init__()
        c = channels
        self.head = nn.Sequential(nn.Conv2d(image_channels, c, 9, padding=4), nn.PReLU())
        self.blocks = nn.Sequential(*[ResidualBlock(c) for _ in range(blocks)],
                                    nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c))
        ups = []
        for _ in range(scale // 2):             # log2(4) = 2 sub-pixel x2 steps
            ups += [nn.Conv2d(c, 4 * c, 3, padding=1), nn.PixelShuffle(2), nn.PReLU()]
        self.upsample = nn.Sequential(*ups)
        self.tail = nn.Sequential(nn.Conv2d(c, image_channels, 3, padding=1), nn.Tanh())

    def forward(self, lr):
        first = self.head(lr)
        return self.tail(self.upsample(first + self.blocks(first)))


class SRDiscriminator(nn.Module):
    """(N, 1, 28, 28) -> one logit (N, 1): strided convolutions, then dense layers."""

    def __init__(self, channels=(32, 32, 64, 64), strides=(1, 2, 1, 2), dense=256,
                 image_channels=1, size=28):
        super().__init__()
        layers, c_in = [], image_channels
        for i, (c, s) in enumerate(zip(channels, strides)):
            layers.append(nn.Conv2d(c_in, c, 3, stride=s, padding=1))
            if i > 0:                           # the paper's first conv has no BN
                layers.append(nn.BatchNorm2d(c))
            layers.append(nn.LeakyReLU(0.2))
            c_in, size = c, (size - 1) // s + 1
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(c_in * size * size, dense),
                                  nn.LeakyReLU(0.2), nn.Linear(dense, 1))

    def forward(self, x):
        return self.head(self.features(x))


def classifier_feature_maps():
    """phi: the bundled classifier up to its last conv + ReLU, (N,1,28,28) -> (N,64,7,7)."""
    from pathlib import Path
    from .. import classifier
    from ..serialization import load
    net = classifier.DigitClassifier()
    net.load_state_dict(load(Path(classifier.__file__).with_name("weights") /
                             "mnist_classifier.npz")["model"])
    return nn.Sequential(*[net.body[i] for i in range(6)]).eval()


class _Trainer:
    """What SRResNet and SRGAN share: the generator, its use, and checkpoints."""
    D = opt_d = None

    def __init__(self, G, opt_g, seed=0):
        self.G, self.opt_g = G, opt_g
        self.rng = backend.default_rng(seed)

    @staticmethod
    def update(optimizer, loss):
        """One step of ``optimizer`` on d(loss)/d(its parameters) (as GAN.update)."""
        grads = autograd.grad(loss, optimizer.params, allow_unused=True)
        for p, g in zip(optimizer.params, grads):
            p.grad = g
        optimizer.step()
        return loss.item()

    @staticmethod
    def pair(next_batch):
        """A training pair (I^LR (N,1,7,7), I^HR (N,1,28,28)) as Tensors."""
        hr = next_batch()[0]
        return Tensor(area_downsample(hr)), Tensor(hr)

    def translate(self, x, direction="a2b"):
        """Super-resolve x: (N, 1, 7, 7) float32 array -> (N, 1, 28, 28), G in eval mode."""
        if direction != "a2b":
            raise ValueError("super-resolution goes one way: --direction a2b")
        if x.ndim != 4 or x.shape[1:] != (1, 7, 7):
            raise ValueError(f"expected (N, 1, 7, 7) low-resolution digits, got {tuple(x.shape)}")
        was = self.G.training
        self.G.eval()
        out = []
        with no_grad():
            for start in range(0, len(x), EVAL_BATCH):
                batch = backend.asarray(x[start:start + EVAL_BATCH].astype("float32"))
                out.append(self.G(Tensor(batch)).data)
        self.G.train(was)
        xp = backend.xp
        return xp.concatenate(out) if out else xp.zeros((0, 1, 28, 28), "float32")

    def state_dict(self):
        state = {"G": self.G.state_dict(), "opt_g": self.opt_g.state_dict()}
        if self.D is not None:
            state.update(D=self.D.state_dict(), opt_d=self.opt_d.state_dict())
        rng = backend.generator_state(self.rng)
        if rng is not None:
            state["rng"] = rng
        return state

    def load_state_dict(self, state):
        self.G.load_state_dict(state["G"])
        self.opt_g.load_state_dict(state["opt_g"])
        if self.D is not None:
            self.D.load_state_dict(state["D"])
            self.opt_d.load_state_dict(state["opt_d"])
        backend.set_generator_state(self.rng, state.get("rng"))


class SRResNet(_Trainer):
    """G trained on the pixel-wise MSE (eq. 4): the PSNR-optimal super-resolver."""

    def train_step(self, next_batch):
        lr, hr = self.pair(next_batch)
        return {"mse": self.update(self.opt_g, F.mse_loss(self.G(lr), hr))}


class SRGAN(_Trainer):
    """G (from a trained SRResNet) against D, with content + 1e-3 adversarial loss (eq. 3)."""

    def __init__(self, G, D, opt_g, opt_d, content="features", adv_weight=1e-3, seed=0):
        super().__init__(G, opt_g, seed)
        self.D, self.opt_d = D, opt_d
        self.content, self.adv_weight = content, adv_weight
        self.phi = classifier_feature_maps() if content == "features" else None

    def content_loss(self, sr, hr):
        """l^SR_X: MSE of phi feature maps (eq. 5), or of pixels (eq. 4) for SRGAN-MSE."""
        if self.phi is None:
            return F.mse_loss(sr, hr)
        with no_grad():
            target = self.phi(hr)
        return F.mse_loss(self.phi(sr), target)

    def train_step(self, next_batch):
        lr, hr = self.pair(next_batch)
        sr = self.G(lr)
        # D ascends log D(I^HR) + log(1 - D(G(I^LR)))
        loss_d = self.update(self.opt_d, discriminator_loss(self.D(hr), self.D(sr.detach())))
        # G descends l_X + 1e-3 * (-log D(G(I^LR)))
        content = self.content_loss(sr, hr)
        adversarial = generator_loss_non_saturating(self.D(sr))
        loss_g = self.update(self.opt_g, content + self.adv_weight * adversarial)
        return {"loss_d": loss_d, "loss_g": loss_g, "content": content.item(),
                "adversarial": adversarial.item()}
