"""SimGAN: refining synthetic images with unlabelled real ones (Shrivastava et al. 2017,
"Learning from Simulated and Unsupervised Images through Adversarial Training").

A refiner R turns a synthetic image x (here a font-rendered digit, whose label is
known) into a refined image R(x) that should look real and still show the same digit.
R is trained against a discriminator D on

    L_R = sum_i  l_real(R(x_i))  +  lambda * || R(x_i) - x_i ||_1          (eq. 1, 4)
    L_D = - sum_i log D(R(x_i)) is fake  - sum_j log D(y_j) is real        (eq. 2)

with three ideas from the paper (Section 2):
  * local adversarial loss: D is fully convolutional and outputs a map of logits, one
    per local patch; the loss is the cross-entropy summed (here averaged) over the map,
    so D judges local texture and R cannot "fix" a whole image to fool a global D;
  * self-regularisation: the L1 term keeps R(x) close to x, hence keeps its label;
  * a history of refined images: half of each D mini-batch comes from a buffer of
    earlier refinements, so D does not forget artefacts that R produced before.

Algorithm 1 of the paper, as ``SimGAN.train_step``: K_g refiner steps, then K_d
discriminator steps with the history buffer, after R is pretrained on the
self-regularisation loss alone and D on fixed R (Section 3.1: 1,000 and 200 steps).

Networks (sized for 28x28 digits on a CPU core):
    R: conv 3x3 (1 -> C), ReLU, B ResNet blocks [conv 3x3, ReLU, conv 3x3, + x, ReLU],
       conv 1x1 (C -> 1), tanh                                   (N,1,28,28) -> same
    D: conv 3x3 s2 (1 -> 32), LReLU, conv 3x3 s2 (32 -> 64), LReLU,
       conv 3x3 (64 -> 32), LReLU, conv 1x1 (32 -> 1)            -> (N, 1, 7, 7) logits,
       each seeing a 15x15 patch of the input
"""

from .. import autograd, backend, nn
from .. import functional as F
from ..autograd import Tensor, no_grad
from ..data import BatchIterator

EVAL_BATCH = 250


def l1_loss(x, y):
    """mean |x - y|, composed from differentiable ops (F.l1_loss belongs to another lane;
    |d| = max(d, -d), whose derivative is sign(d) away from 0)."""
    d = x - y
    return F.mean(F.maximum(d, -d))


class RefinerBlock(nn.Module):
    """ReLU(x + conv(ReLU(conv(x)))): the paper's ResNet block, (N, C, H, W) -> same."""

    def __init__(self, channels):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(),
                                  nn.Conv2d(channels, channels, 3, padding=1))

    def forward(self, x):
        return F.relu(x + self.body(x))


class Refiner(nn.Module):
    """Fully convolutional ResNet R: (N, 1, H, W) -> (N, 1, H, W) in [-1, 1]."""

    def __init__(self, channels=16, blocks=3, image_channels=1):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(image_channels, channels, 3, padding=1), nn.ReLU(),
                                 *[RefinerBlock(channels) for _ in range(blocks)],
                                 nn.Conv2d(channels, image_channels, 1), nn.Tanh())

    def forward(self, x):
        return self.net(x)


class LocalDiscriminator(nn.Module):
    """D: (N, 1, 28, 28) -> (N, 1, 7, 7) logits, one per local patch of the input."""

    def __init__(self, image_channels=1):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(image_channels, 32, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(64, 32, 3, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(32, 1, 1))

    def forward(self, x):
        return self.net(x)


def local_adversarial_loss(logits, real):
    """Cross-entropy of every patch's logit against real (1) or refined (0), averaged."""
    return F.mean(F.softplus(-logits if real else logits))


class ImageHistory:
    """A buffer of earlier refined images (Algorithm 1's history).

    ``sample(k, rng)``: k random images from the buffer; ``push(images, rng)``: each new
    image replaces a random slot (until the buffer is full, it is appended).
    """

    def __init__(self, size):
        self.size, self.images = int(size), None

    def __len__(self):
        return 0 if self.images is None else len(self.images)

    def sample(self, k, rng):
        return self.images[rng.integers(0, len(self), k)]

    def push(self, images, rng):
        xp = backend.get_array_module(images)
        if self.images is None:
            self.images = images[:self.size].copy()
            images = images[self.size:]
        room = self.size - len(self)
        if room > 0:
            self.images = xp.concatenate([self.images, images[:room]])
            images = images[room:]
        if len(images):
            self.images[rng.integers(0, self.size, len(images))] = images

    def state_dict(self):
        return {"images": self.images} if self.images is not None else {}

    def load_state_dict(self, state):
        self.images = backend.asarray(state["images"]) if "images" in state else None


class SimGAN:
    """Refiner R and local discriminator D trained by Algorithm 1 of the paper."""

    def __init__(self, R, D, opt_r, opt_d, real_images, batch_size=32, lam=0.5,
                 history=True, history_size=1024, k_g=2, k_d=1, pretrain_r=200,
                 pretrain_d=50, seed=0):
        self.R, self.D, self.opt_g, self.opt_d = R, D, opt_r, opt_d
        self.G = R                             # the generator, for code that asks for G
        self.lam, self.k_g, self.k_d = lam, k_g, k_d
        self.pretrain_r, self.pretrain_d = pretrain_r, pretrain_d
        self.history = ImageHistory(history_size) if history else None
        self.real = BatchIterator(real_images, batch_size=batch_size, seed=seed + 7)
        self.rng = backend.default_rng(seed)
        self.step = 0

    @staticmethod
    def update(optimizer, loss):
        return _update(optimizer, loss)

    def real_batch(self):
        return Tensor(backend.asarray(self.real.next()[0]))

    def refiner_loss(self, x):
        """L_R: the local adversarial loss of R(x) plus lambda * the L1 self-regularisation."""
        refined = self.R(x)
        adversarial = local_adversarial_loss(self.D(refined), real=True)
        regular = l1_loss(refined, x)
        return adversarial + self.lam * regular, adversarial, regular

    def refiner_step(self, x):
        """One update of R on L_R; returns the losses as numbers.

        A function of its own so that this step's graph (both nets' activations) is
        freed when it returns, before the next step builds its own: held by loop
        variables it doubled the peak memory of a training iteration."""
        total, adversarial, regular = self.refiner_loss(x)
        return {"loss_g": self.update(self.opt_g, total), "adversarial": adversarial.item(),
                "self_reg": regular.item()}

    def discriminator_step(self, x):
        """D on real images vs refined ones, half of them from the history buffer."""
        with no_grad():
            refined = self.R(x).data
        fake = refined
        if self.history is not None and len(self.history) >= len(refined) // 2:
            half = len(refined) // 2
            xp = backend.get_array_module(refined)
            fake = xp.concatenate([refined[:len(refined) - half],
                                   self.history.sample(half, self.rng)])
        if self.history is not None:
            self.history.push(refined[len(refined) // 2:], self.rng)
        y = self.real_batch()
        loss = local_adversarial_loss(self.D(y), real=True) + \
            local_adversarial_loss(self.D(Tensor(fake)), real=False)
        return self.update(self.opt_d, loss)

    def train_step(self, next_batch):
        """One iteration of Algorithm 1 (or of the pretraining that precedes it)."""
        self.step += 1
        out = {}
        if self.step <= self.pretrain_r:                       # R on self-regularisation
            x = Tensor(next_batch()[0])
            out["self_reg"] = self.update(self.opt_g, l1_loss(self.R(x), x))
            return out
        if self.step <= self.pretrain_r + self.pretrain_d:     # D against the fixed R
            out["loss_d"] = self.discriminator_step(Tensor(next_batch()[0]))
            return out
        for _ in range(self.k_g):
            out.update(self.refiner_step(Tensor(next_batch()[0])))
        for _ in range(self.k_d):
            out["loss_d"] = self.discriminator_step(Tensor(next_batch()[0]))
        return out

    def translate(self, x, direction="a2b"):
        """Refine x: (N, 1, H, W) float32 array -> refined array, same shape."""
        if direction != "a2b":
            raise ValueError("the refiner goes one way, synthetic to refined: --direction a2b")
        if x.ndim != 4 or x.shape[1] != 1:
            raise ValueError(f"expected (N, 1, H, W) grey images, got {tuple(x.shape)}")
        out = []
        with no_grad():
            for start in range(0, len(x), EVAL_BATCH):
                batch = backend.asarray(x[start:start + EVAL_BATCH]).astype("float32")
                out.append(self.R(Tensor(batch)).data)
        xp = backend.xp
        return xp.concatenate(out) if out else xp.zeros(x.shape, "float32")

    def state_dict(self):
        state = {"R": self.R.state_dict(), "D": self.D.state_dict(),
                 "opt_r": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                 "real_batches": self.real.state_dict(), "step": self.step,
                 "history": self.history.state_dict() if self.history else {}}
        rng = backend.generator_state(self.rng)
        if rng is not None:
            state["rng"] = rng
        return state

    def load_state_dict(self, state):
        self.R.load_state_dict(state["R"])
        self.D.load_state_dict(state["D"])
        self.opt_g.load_state_dict(state["opt_r"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.real.load_state_dict(state["real_batches"])
        self.step = int(state["step"])
        if self.history is not None:
            self.history.load_state_dict(state["history"])
        backend.set_generator_state(self.rng, state.get("rng"))


def _update(optimizer, loss):
    """One optimiser step on d(loss)/d(optimizer's parameters) (as GAN.update)."""
    grads = autograd.grad(loss, optimizer.params, allow_unused=True)
    for p, g in zip(optimizer.params, grads):
        p.grad = g
    optimizer.step()
    return loss.item()
