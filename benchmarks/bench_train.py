"""Speed and memory of one GAN training iteration in minigan, side by side with PyTorch.

    python benchmarks/bench_train.py                 # everything, 1 and 2 threads (~5 min)
    python benchmarks/bench_train.py --quick         # a smoke run (~1 min)
    python benchmarks/bench_train.py --coretype both # also with OPENBLAS_CORETYPE unset (~8 min)
    python benchmarks/bench_train.py --backend cupy  # on a GPU (CuPy; PyTorch on CUDA)

One iteration is ``gan.train_step(next_batch)``: n_critic discriminator (critic)
updates and one generator update, built by ``minigan.gans.build`` from each
paper's default recipe, exactly as ``python -m minigan.train`` builds them.
The rows (batch 64 on 28x28 images unless said):

    gan          MLP G 100-256-512-1024-784, D 784-1024-512-256-1, Adam
    dcgan        the DCGAN of minigan/gans/dcgan.py (batch norm), Adam
    wgan         the same conv nets, RMSProp, n_critic 5, weight clipping
    wgan-gp      the same conv nets (critic without batch norm), Adam, n_critic 5,
                 the gradient penalty (double backprop)
    cgan         MLP nets with one-hot labels concatenated to z and to x, Adam
    toy          wgan-gp on the 2-D ring, batch 256, MLPs 2-128-128-128-2 and
                 2-128-128-128-1 with ReLU (the toy default; the authors' recipe,
                 --recipe paper, is 512 wide: here Python overhead, not arithmetic,
                 dominates)
    vae          Kingma and Welling's MLP VAE (minigan/vae/): encoder 784-400-(20, 20),
                 decoder 20-400-784, tanh, batch 100, Adam; one iteration binarises
                 the batch, draws eps, and takes one step on the ELBO
    pix2pix      U-Net + PatchGAN, batch 4; cyclegan: 2 ResNet generators, 2
                 PatchGANs, batch 4 (PyTorch nets in bench_img2img.py)
    srresnet     SRResNet (4 residual blocks of 32), 7x7 -> 28x28, batch 16, MSE
    srgan        the same G, the strided-conv D, content loss on the bundled
                 classifier's feature maps + 1e-3 x adversarial, batch 16
    simgan       refiner (3 blocks of 16) and local D, batch 32, Algorithm 1's
                 phase (2 refiner steps, 1 D step with the history buffer)

PyTorch (when importable; never a dependency) runs the same architectures,
initialisations, optimisers and algorithm: the discriminator step makes its
fakes under no_grad, the generator step draws fresh noise, every update takes
``torch.autograd.grad(loss, params)`` as minigan's ``mg.grad`` does (so the
generator's step computes no weight gradients of D), WGAN clips after every
critic step, WGAN-GP differentiates the penalty with ``create_graph=True``.
Both are fed the same pre-drawn batches (NumPy arrays; ``torch.from_numpy``).

Timing.  Each thread count (1, 2) runs in a fresh subprocess whose
OPENBLAS/OMP/MKL_NUM_THREADS are set before NumPy is imported; PyTorch gets
``torch.set_num_threads``.  Per row, after warming up, the two frameworks run
alternately, round after round (a round is enough iterations for ~0.3 s), so
a load that comes and goes hits both; we report the median time per
iteration, the min-max over rounds, and the median of the per-round ratios
minigan / PyTorch (below 1: minigan is faster).  With 2 threads every round
starts after a 0.25 s pause so that the other framework's idle threads stop
spinning (see bench_layers.py).  The float32 2048^2 matrix product of NumPy
is timed in every round as the reference rate.

FLOPs per iteration count only the matrix products, 2 per multiply-add, from
the layer shapes (traced from minigan's nets): F(net) is the forward cost of
all Linear/Conv/ConvTranspose layers at the batch size, F1 the first layer's
part, FL the last layer's.  A layer's input gradient and its weight gradient
cost one forward each.  Then

    discriminator step  = F(G) + 2 [3 F(D) - F1(D)]          (fakes; real and fake:
                          forward, weight gradients, input gradients but the first)
    generator step      = F(G) + F(D) + F(D) + 2 F(G) - F1(G)
                          (forward, D's input gradients, G's weight and input gradients)
    wgan-gp adds to each critic step
                          F(D) + F(D) + [2 F(D) - FL(D)]
                          (forward at the interpolates, their input gradient, and its
                          backward: two products per layer, one for the last, whose
                          upstream gradient is the constant 1)
    iteration           = n_critic * discriminator step + generator step

Memory.  For each model and framework a separate subprocess (1 thread)
imports, builds the model and the batches, reads its resident set (VmRSS),
resets the peak (``/proc/self/clear_refs``), trains a few iterations and reads
the peak (VmHWM): "training adds" is the difference, which leaves out the
imports (PyTorch's are ~300 MB, NumPy's ~30 MB).  On CuPy it is the growth of
CuPy's memory pool (whose size is its high-water mark: it keeps freed blocks),
next to ``torch.cuda.max_memory_reserved``.

Load.  The two cores are shared; other processes slow the 2-thread numbers
most.  Each worker reports the CPU time that *other* processes used while it
ran (from /proc/stat minus its own), in cores; above 0.2 the table is flagged.
The column "same, CPU time" is the median per-round ratio of the two processes'
CPU time (all threads, user + system): time-sharing a core with other processes
does not inflate it, contention for caches and memory bandwidth still does, and
on 2 threads it also counts threads that spin while idle (OpenBLAS, OpenMP).

CORETYPE.  This machine sets OPENBLAS_CORETYPE=Haswell (and OPENBLAS_L2_SIZE),
so OpenBLAS runs AVX2 kernels on an AVX-512 CPU.  ``--coretype both`` runs the
timing workers a second time with both variables removed from the workers'
environment only (this command's subprocesses; nothing else changes), and the
report prints which OpenBLAS kernel ran (threadpoolctl, if installed).
"""
import argparse
import datetime
import itertools
import json
import os
import statistics
import subprocess
import sys
import time

import machine  # noqa: E402  (benchmarks/machine.py, beside this script)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
CORETYPE_VARS = machine.CORETYPE_VARS
if ROOT not in sys.path:          # this checkout's minigan, not an installed one
    sys.path.insert(0, ROOT)

# (row name, model, data kind, batch size, config overrides)
ROWS = [
    ("gan (MLP, 784-vectors)", "gan", "image", 64, {}),
    ("dcgan", "dcgan", "image", 64, {}),
    ("wgan (n_critic 5)", "wgan", "image", 64, {}),
    ("wgan-gp (n_critic 5)", "wgan-gp", "image", 64, {}),
    ("cgan (MLP)", "cgan", "image", 64, {}),
    ("toy: wgan-gp, ring, 128-wide", "wgan-gp", "toy2d", 256, {"hidden": (128, 128, 128)}),
    ("vae (MLP 784-400-20, batch 100)", "vae", "image", 100, {}),
    # image-to-image (bench_img2img.py): each model's default recipe and batch
    ("pix2pix (U-Net + PatchGAN)", "pix2pix", "paired", 4, {}),
    # cyclegan with the identity term: bench_img2img's PyTorch step is the full objective
    # (six generator passes), the one the speed table was measured on
    ("cyclegan (2 ResNets + 2 PatchGANs)", "cyclegan", "unpaired", 4, {"objective": "full"}),
    # super-resolution and refinement (each recipe's batch; SimGAN in Algorithm 1's
    # phase: 2 refiner steps and 1 D step with the history buffer, no pretraining)
    ("srresnet (4 blocks of 32, 7->28)", "srresnet", "image", 16, {}),
    ("srgan (+ D, feature content loss)", "srgan", "image", 16, {}),
    ("simgan (refiner 3 blocks of 16)", "simgan", "image", 32,
     {"pretrain_r": 0, "pretrain_d": 0}),
]
SR_ROWS = ("srresnet", "srgan", "simgan")
TRANSLATION = ("paired", "unpaired")
SCALING_BATCHES = (16, 64, 256)      # dcgan iteration time against batch size
MATMUL_N = 2048
POOL = 8                              # distinct pre-drawn batches, cycled


# ------------------------------------------------------------------ the data

def make_batches(np, kind, batch, seed=0):
    """POOL batches (x, labels) as NumPy arrays: random images in [-1, 1] or ring points."""
    if kind in TRANSLATION:
        import bench_img2img
        return bench_img2img.make_batches(np, batch, POOL, seed)
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(POOL):
        if kind == "image":
            x = rng.uniform(-1, 1, (batch, 1, 28, 28)).astype(np.float32)
            y = rng.integers(0, 10, batch)
        else:
            from minigan.data.toy import sample_ring
            x, y = sample_ring(batch, rng)
        batches.append((x, y))
    return batches


def data_shape(kind):
    if kind in TRANSLATION:
        return (2, 28, 28)
    return (1, 28, 28) if kind == "image" else (2,)


def config_for(model, kind, overrides):
    from minigan import gans, vae
    config = vae.defaults(kind) if model == "vae" else gans.defaults(model, kind)
    config.update(model=model, **overrides)
    return config


# ------------------------------------------------------------------ minigan

def minigan_trainer(np, model, kind, batch, overrides, backend_name="numpy"):
    """(step, gan): ``step()`` runs one training iteration of minigan."""
    import minigan as mg
    from minigan import backend, gans
    if backend.name != backend_name:
        backend.use(backend_name)
    config = config_for(model, kind, overrides)
    backend.manual_seed(0)
    build = vae_build if model == "vae" else gans.build
    gan = build(config, data_shape(kind), kind, 10 if model == "cgan" else None, seed=1)
    pool = [(backend.asarray(x), None if y is None else backend.asarray(y))
            for x, y in make_batches(np, kind, batch)]
    it = itertools.cycle(pool)
    sync = backend.synchronize

    def step():
        gan.train_step(lambda: next(it))
        sync()
    mg.backend.synchronize()
    return step, gan


def vae_build(*args, **kwargs):
    from minigan import vae
    return vae.build(*args, **kwargs)


def layer_flops(net, x, *extra):
    """[forward FLOPs of each Linear/Conv layer of ``net``], traced at input x (in order)."""
    import minigan as mg
    from minigan import nn
    flops = []

    def traced(module, original):
        def forward(inp):
            y = original(inp)
            w = module.weight.size
            if isinstance(module, nn.Linear):
                flops.append(2 * inp.shape[0] * w)
            elif isinstance(module, nn.ConvTranspose2d):    # one product per input pixel
                flops.append(2 * inp.shape[0] * inp.shape[2] * inp.shape[3] * w)
            else:                                           # one per output pixel
                flops.append(2 * y.shape[0] * y.shape[2] * y.shape[3] * w)
            return y
        return forward

    layers = [m for m in net.modules() if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d))]
    for m in layers:
        object.__setattr__(m, "forward", traced(m, m.forward))
    try:
        with mg.no_grad():
            y = net(x, *extra)
    finally:
        for m in layers:
            del m.__dict__["forward"]
    return flops, y


def iteration_flops(gan, model, batch, kind):
    """Matrix-product FLOPs of one training iteration (formula in the module docstring)."""
    from minigan import backend
    from minigan.autograd import Tensor
    if kind in TRANSLATION:
        import bench_img2img
        return bench_img2img.iteration_flops(gan, model, batch, layer_flops)
    if model == "vae":       # forward, weight gradients, input gradients but the first
        e, _ = layer_flops(gan.encoder, Tensor(backend.xp.zeros((batch, 1, 28, 28), "float32")))
        dec, _ = layer_flops(gan.decoder, gan.noise(batch))
        fe, fdec = sum(e), sum(dec)
        return 3 * (fe + fdec) - e[0], fdec, fe
    if model in SR_ROWS:
        return sr_iteration_flops(gan, model, batch)
    extra = ()
    if model == "cgan":
        extra = (Tensor(gan.labels(batch).data),)
    g, fake = layer_flops(gan.G, gan.noise(batch), *extra)
    d, _ = layer_flops(gan.D, fake, *extra)
    fg, fd = sum(g), sum(d)
    d_step = fg + 2 * (3 * fd - d[0])
    if model == "wgan-gp":
        d_step += fd + fd + (2 * fd - d[-1])
    g_step = fg + 2 * fd + 2 * fg - g[0]
    return gan.n_critic * d_step + g_step, fg, fd


def sr_iteration_flops(gan, model, batch):
    """FLOPs of SRResNet, SRGAN (with the frozen feature net phi) and SimGAN iterations.

    srresnet: G forward, weight and input gradients (but the first): 3 F(G) - F1(G).
    srgan:    D step  F(G) + 2 [3 F(D) - F1(D)];  G step  F(phi) twice + phi's input
              gradients F(phi), D(sr) forward and input gradients 2 F(D), 2 F(G) - F1(G).
    simgan:   2 refiner steps of 3 F(R) - F1(R) + 2 F(D) (D forward, input gradients),
              1 D step F(R) + 2 [3 F(D) - F1(D)].
    """
    from minigan import backend
    from minigan.autograd import Tensor
    x = Tensor(backend.xp.zeros((batch, 1, 28, 28), "float32"))
    if model == "simgan":
        r, refined = layer_flops(gan.R, x)
        d, _ = layer_flops(gan.D, refined)
        fr, fd = sum(r), sum(d)
        return 2 * (3 * fr - r[0] + 2 * fd) + fr + 2 * (3 * fd - d[0]), fr, fd
    lr = Tensor(backend.xp.zeros((batch, 1, 7, 7), "float32"))
    g, sr = layer_flops(gan.G, lr)
    fg = sum(g)
    if model == "srresnet":
        return 3 * fg - g[0], fg, 0
    d, _ = layer_flops(gan.D, sr)
    fd = sum(d)
    fp = sum(layer_flops(gan.phi, sr)[0]) if gan.phi is not None else 0
    return fg + 2 * (3 * fd - d[0]) + 3 * fp + 2 * fd + 2 * fg - g[0], fg, fd


# ------------------------------------------------------------------ PyTorch

def torch_vae_trainer(np, torch, kind, batch, overrides, device="cpu"):
    """``step()`` running one iteration of the same VAE in PyTorch (vae_pytorch.py's)."""
    nn, F = torch.nn, torch.nn.functional
    config = config_for("vae", kind, overrides)
    z, h = config["latent_dim"], config["hidden"][0]
    torch.manual_seed(0)
    enc = nn.Sequential(nn.Flatten(), nn.Linear(784, h), nn.Tanh()).to(device)
    heads = nn.ModuleList([nn.Linear(h, z), nn.Linear(h, z)]).to(device)
    dec = nn.Sequential(nn.Linear(z, h), nn.Tanh(), nn.Linear(h, 784),
                        nn.Unflatten(1, (1, 28, 28))).to(device)
    params = [*enc.parameters(), *heads.parameters(), *dec.parameters()]
    opt = torch.optim.Adam(params, lr=config["lr"], betas=tuple(config["betas"]))
    pool = [torch.from_numpy(x).to(device) for x, _ in make_batches(np, kind, batch)]
    it = itertools.cycle(pool)

    def step():
        x = torch.bernoulli((next(it) + 1) / 2)
        hid = enc(x)
        mu, log_var = heads[0](hid), heads[1](hid)
        zs = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)
        rec = F.binary_cross_entropy_with_logits(dec(zs), x, reduction="none").flatten(1).sum(1)
        kl = 0.5 * (mu * mu + log_var.exp() - log_var - 1).sum(1)
        loss = (rec + kl).mean()
        grads = torch.autograd.grad(loss, params)
        for p, g in zip(params, grads):
            p.grad = g
        opt.step()
        loss.item()
    return step


def torch_sr_trainer(np, torch, model, config, batch, device="cpu"):
    """``step()``: one iteration of SRResNet, SRGAN or SimGAN in PyTorch.

    The nets of minigan/gans/srgan.py and simgan.py (shapes, losses, algorithm),
    each framework initialising its layers its own way; the HR images (SR) and the
    synthetic images (SimGAN) are the same pre-drawn batches minigan gets.
    """
    nn, F = torch.nn, torch.nn.functional
    torch.manual_seed(0)
    pool = [torch.from_numpy(x).to(device) for x, _ in make_batches(np, "image", batch)]
    it = itertools.cycle(pool)

    update = machine.torch_updater(torch)     # minigan.gans.base.GAN.update

    def adam(params, lr):
        return torch.optim.Adam(params, lr, betas=tuple(config["betas"]))

    if model == "simgan":
        c = config["refiner_channels"]

        class Block(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.body = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.ReLU(),
                                          nn.Conv2d(c, c, 3, padding=1))

            def forward(self, x):
                return F.relu(x + self.body(x))
        R = nn.Sequential(nn.Conv2d(1, c, 3, padding=1), nn.ReLU(),
                          *[Block(c) for _ in range(config["refiner_blocks"])],
                          nn.Conv2d(c, 1, 1), nn.Tanh()).to(device)
        D = nn.Sequential(nn.Conv2d(1, 32, 3, 2, 1), nn.LeakyReLU(0.2),
                          nn.Conv2d(32, 64, 3, 2, 1), nn.LeakyReLU(0.2),
                          nn.Conv2d(64, 32, 3, padding=1), nn.LeakyReLU(0.2),
                          nn.Conv2d(32, 1, 1)).to(device)
        rp, dp = list(R.parameters()), list(D.parameters())
        opt_r, opt_d = adam(rp, config["lr_g"]), adam(dp, config["lr_d"])
        size, lam = config["history_size"], config["self_reg"]
        history = torch.rand(size, 1, 28, 28, device=device) * 2 - 1
        gen = torch.Generator(device=device).manual_seed(0)
        half = batch // 2

        def step():
            for _ in range(2):                # K_g refiner steps
                x = next(it)
                refined = R(x)
                update(opt_r, rp, F.softplus(-D(refined)).mean()
                       + lam * (refined - x).abs().mean())
            x, real = next(it), next(it)
            with torch.no_grad():
                refined = R(x)
            drawn = torch.randint(0, size, (half,), generator=gen, device=device)
            fake = torch.cat([refined[:batch - half], history[drawn]])
            history[torch.randint(0, size, (half,), generator=gen, device=device)] = \
                refined[batch - half:]
            update(opt_d, dp, F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean())
        return machine.synced(torch, step, device)

    class Res(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c),
                                      nn.PReLU(), nn.Conv2d(c, c, 3, padding=1),
                                      nn.BatchNorm2d(c))

        def forward(self, x):
            return x + self.body(x)

    class G(nn.Module):
        def __init__(self, c, blocks):
            super().__init__()
            self.head = nn.Sequential(nn.Conv2d(1, c, 9, padding=4), nn.PReLU())
            self.blocks = nn.Sequential(*[Res(c) for _ in range(blocks)],
                                        nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c))
            self.up = nn.Sequential(nn.Conv2d(c, 4 * c, 3, padding=1), nn.PixelShuffle(2),
                                    nn.PReLU(), nn.Conv2d(c, 4 * c, 3, padding=1),
                                    nn.PixelShuffle(2), nn.PReLU())
            self.tail = nn.Sequential(nn.Conv2d(c, 1, 3, padding=1), nn.Tanh())

        def forward(self, lr):
            first = self.head(lr)
            return self.tail(self.up(first + self.blocks(first)))
    g = G(config["sr_channels"], config["sr_blocks"]).to(device)
    gp = list(g.parameters())
    opt_g = adam(gp, config["lr_g"])

    def pair():                               # srgan.SRResNet.pair: 4x4 area downsampling
        hr = next(it)
        return F.avg_pool2d(hr, 4), hr
    if model == "srresnet":
        def step_srresnet():
            lr, hr = pair()
            update(opt_g, gp, F.mse_loss(g(lr), hr))
        return machine.synced(torch, step_srresnet, device)
    layers, c_in = [], 1
    for i, (c, s) in enumerate(zip((32, 32, 64, 64), (1, 2, 1, 2))):
        layers += [nn.Conv2d(c_in, c, 3, s, 1)] + ([nn.BatchNorm2d(c)] if i else []) \
            + [nn.LeakyReLU(0.2)]
        c_in = c
    D = nn.Sequential(*layers, nn.Flatten(), nn.Linear(64 * 49, 256), nn.LeakyReLU(0.2),
                      nn.Linear(256, 1)).to(device)
    dp = list(D.parameters())
    opt_d = adam(dp, config["lr_d"])
    phi = nn.Sequential(nn.Conv2d(1, 32, 3, 1, 1), nn.ReLU(), nn.Conv2d(32, 32, 4, 2, 1),
                        nn.ReLU(), nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU()).to(device)
    for p in phi.parameters():
        p.requires_grad_(False)
    adv = config["adv_weight"]

    def step_srgan():
        lr, hr = pair()
        sr = g(lr)
        update(opt_d, dp, F.softplus(-D(hr)).mean() + F.softplus(D(sr.detach())).mean())
        with torch.no_grad():
            target = phi(hr)
        update(opt_g, gp, F.mse_loss(phi(sr), target) + adv * F.softplus(-D(sr)).mean())
    return machine.synced(torch, step_srgan, device)


def torch_trainer(np, torch, model, kind, batch, overrides, device="cpu"):
    """``step()`` running one training iteration of the same GAN in PyTorch."""
    if model == "vae":
        return torch_vae_trainer(np, torch, kind, batch, overrides, device)
    nn, F = torch.nn, torch.nn.functional
    config = config_for(model, kind, overrides)
    if kind in TRANSLATION:
        import bench_img2img
        return bench_img2img.torch_trainer(np, torch, model, config, batch, POOL, device)
    if model in SR_ROWS:
        return torch_sr_trainer(np, torch, model, config, batch, device)
    image, z_dim = kind == "image", config["latent_dim"]
    conv = image and config["arch"] == "conv"
    hidden = tuple(config["hidden"])
    shape = data_shape(kind)
    n_pixels = 1
    for s in shape:
        n_pixels *= s
    classes = 10 if model == "cgan" else 0
    torch.manual_seed(0)

    def mlp(sizes, act, out=None):
        layers = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(a, b))
            if i < len(sizes) - 2:
                layers.append(act())
        if out is not None:
            layers.append(out())
        return nn.Sequential(*layers)

    lrelu = lambda: nn.LeakyReLU(0.2)   # noqa: E731

    class Net(nn.Module):
        """A Sequential with minigan's reshapes and label concatenation around it."""

        def __init__(self, net, flatten_input, out_shape):
            super().__init__()
            self.net, self.flatten_input, self.out_shape = net, flatten_input, out_shape

        def forward(self, x, y=None):
            if self.flatten_input:
                x = x.reshape(x.shape[0], -1)
            if y is not None:
                x = torch.cat([x, y], dim=1)
            out = self.net(x)
            return out if self.out_shape is None else out.reshape((out.shape[0],) + self.out_shape)

    if conv:
        w = 64
        G = Net(nn.Sequential(nn.Linear(z_dim, 2 * w * 49), nn.Unflatten(1, (2 * w, 7, 7)),
                              nn.BatchNorm2d(2 * w), nn.ReLU(),
                              nn.ConvTranspose2d(2 * w, w, 4, 2, 1), nn.BatchNorm2d(w), nn.ReLU(),
                              nn.ConvTranspose2d(w, 1, 4, 2, 1), nn.Tanh()), False, None)
        layers = [nn.Conv2d(1, w, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(w, 2 * w, 4, 2, 1)]
        if model != "wgan-gp":
            layers.append(nn.BatchNorm2d(2 * w))
        layers += [nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(2 * w * 49, 1)]
        D = Net(nn.Sequential(*layers), False, None)
    elif model == "cgan":
        G = Net(mlp((z_dim + classes, *hidden, n_pixels), lrelu if image else nn.ReLU,
                    nn.Tanh if image else None), False, shape)
        D = Net(mlp((n_pixels + classes, *hidden[::-1], 1), lrelu), True, None)
    else:
        G = Net(mlp((z_dim, *hidden, n_pixels), lrelu if image else nn.ReLU,
                    nn.Tanh if image else None), False, shape)
        d_act = nn.ReLU if config["d_activation"] == "relu" else lrelu
        D = Net(mlp((n_pixels, *hidden[::-1], 1), d_act), True, None)
    if conv:                                      # minigan.gans.dcgan_init
        for m in itertools.chain(G.modules(), D.modules()):
            if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.normal_(m.weight, 0.0, 0.02)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.normal_(m.weight, 1.0, 0.02)
                nn.init.zeros_(m.bias)
    G.to(device), D.to(device)
    gp, dp = list(G.parameters()), list(D.parameters())
    if config["optimizer"] == "rmsprop":
        opt_g = torch.optim.RMSprop(gp, lr=config["lr_g"])
        opt_d = torch.optim.RMSprop(dp, lr=config["lr_d"])
    else:
        opt_g = torch.optim.Adam(gp, lr=config["lr_g"], betas=tuple(config["betas"]))
        opt_d = torch.optim.Adam(dp, lr=config["lr_d"], betas=tuple(config["betas"]))

    pool = [(torch.from_numpy(x).to(device), torch.from_numpy(y).to(device))
            for x, y in make_batches(np, kind, batch)]
    it = itertools.cycle(pool)
    n_critic, clip, lam = config["n_critic"], config["clip"], config["gp_lambda"]

    def noise(n):
        return torch.randn(n, z_dim, device=device)

    update = machine.torch_updater(torch)     # minigan.gans.base.GAN.update

    def one_hot(labels):
        return F.one_hot(labels, classes).float()

    def step_vanilla():                       # gan, dcgan
        for _ in range(n_critic):
            x = next(it)[0]
            with torch.no_grad():
                fake = G(noise(len(x)))
            update(opt_d, dp, F.softplus(-D(x)).mean() + F.softplus(D(fake)).mean())
        update(opt_g, gp, F.softplus(-D(G(noise(len(x))))).mean())

    def step_wgan():
        for _ in range(n_critic):
            x = next(it)[0]
            with torch.no_grad():
                fake = G(noise(len(x)))
            update(opt_d, dp, D(fake).mean() - D(x).mean())
            with torch.no_grad():
                for p in dp:
                    p.clamp_(-clip, clip)
        update(opt_g, gp, -D(G(noise(len(x)))).mean())

    def step_wgan_gp():
        for _ in range(n_critic):
            x = next(it)[0]
            with torch.no_grad():
                fake = G(noise(len(x)))
            w_loss = D(fake).mean() - D(x).mean()
            eps = torch.rand((len(x),) + (1,) * (x.ndim - 1), device=device)
            x_hat = (eps * x + (1 - eps) * fake).requires_grad_(True)
            (g,) = torch.autograd.grad(D(x_hat).sum(), [x_hat], create_graph=True)
            norm = torch.sqrt((g.reshape(len(g), -1) ** 2).sum(dim=1) + 1e-12)
            penalty = ((norm - 1.0) ** 2).mean() * lam
            update(opt_d, dp, w_loss + penalty)
            w_loss.item(), penalty.item()
        update(opt_g, gp, -D(G(noise(len(x)))).mean())

    def step_cgan():
        for _ in range(n_critic):
            x, labels = next(it)
            y = one_hot(labels)
            with torch.no_grad():
                fake = G(noise(len(x)), y)
            update(opt_d, dp, F.softplus(-D(x, y)).mean() + F.softplus(D(fake, y)).mean())
        y = one_hot(torch.randint(0, classes, (len(x),), device=device))
        update(opt_g, gp, F.softplus(-D(G(noise(len(x)), y), y)).mean())

    step = {"wgan": step_wgan, "wgan-gp": step_wgan_gp, "cgan": step_cgan}.get(model,
                                                                              step_vanilla)
    return machine.synced(torch, step, device)


# ------------------------------------------------------------------ timing worker

def cpu_snapshot():
    """(wall seconds, this process's CPU seconds, all CPUs' busy seconds) for the load check."""
    busy = float("nan")
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)     # idle + iowait
        busy = (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        pass
    t = os.times()
    return time.perf_counter(), t.user + t.system, busy


def other_cores(before, after):
    """Average number of cores that other processes kept busy between two snapshots."""
    wall = after[0] - before[0]
    return max(0.0, ((after[2] - before[2]) - (after[1] - before[1])) / wall) if wall else 0.0


def openblas_kernel():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    for lib in threadpool_info():
        if lib.get("internal_api") == "openblas":
            return lib.get("architecture")
    return None


def time_round(step, k, settle, cpu=None):
    """Wall seconds per call of ``step`` over k calls; the process's CPU seconds per
    call are appended to ``cpu`` when given."""
    time.sleep(settle)
    c = time.process_time()
    t = time.perf_counter()
    for _ in range(k):
        step()
    wall = (time.perf_counter() - t) / k
    if cpu is not None:
        cpu.append((time.process_time() - c) / k)
    return wall


def calls_per_round(step, target):
    for _ in range(2):                 # warm up: optimiser state, allocator caches
        step()
    t = time.perf_counter()
    step()
    return max(1, round(target / max(time.perf_counter() - t, 1e-6)))


def matmul_step(np, backend_name):
    if backend_name == "cupy":
        import cupy as xp
    else:
        xp = np
    rng = xp.random.default_rng(0)
    a = rng.standard_normal((MATMUL_N, MATMUL_N), dtype=xp.float32)
    b = rng.standard_normal((MATMUL_N, MATMUL_N), dtype=xp.float32)
    if xp is np:
        return lambda: a @ b

    def step():
        a @ b
        xp.cuda.Device().synchronize()
    return step


def compare(ours, theirs, rounds, settle, target):
    """Alternate rounds of minigan and PyTorch; times in seconds per iteration."""
    k_ours = calls_per_round(ours, target)
    k_theirs = calls_per_round(theirs, target) if theirs else None
    t_ours, t_theirs, cpu_ours, cpu_theirs = [], [], [], []
    for _ in range(rounds):
        t_ours.append(time_round(ours, k_ours, settle, cpu_ours))
        if theirs:
            t_theirs.append(time_round(theirs, k_theirs, settle, cpu_theirs))
    return t_ours, t_theirs, cpu_ours, cpu_theirs


def summarise(t_ours, t_theirs, cpu_ours=(), cpu_theirs=()):
    """Medians and spreads in ms; ratio: the median of the per-round wall-time ratios,
    cpu_ratio: the same for the process's CPU time (see the module docstring, Load)."""
    row = dict(ms=1e3 * statistics.median(t_ours), ms_min=1e3 * min(t_ours),
               ms_max=1e3 * max(t_ours))
    if cpu_ours:
        row.update(cpu_ms=1e3 * statistics.median(cpu_ours))
    if t_theirs:
        ratios = [a / b for a, b in zip(t_ours, t_theirs)]
        row.update(torch_ms=1e3 * statistics.median(t_theirs), torch_min=1e3 * min(t_theirs),
                   torch_max=1e3 * max(t_theirs), ratio=statistics.median(ratios),
                   ratio_min=min(ratios), ratio_max=max(ratios))
        if cpu_ours and cpu_theirs:
            row.update(torch_cpu_ms=1e3 * statistics.median(cpu_theirs),
                       cpu_ratio=statistics.median(a / b for a, b in zip(cpu_ours, cpu_theirs)))
    return row


def worker(threads, rounds, use_torch, rows, scaling, backend_name, target):
    start = cpu_snapshot()
    load_before = machine.load_average()
    import numpy as np
    torch = machine.import_torch(threads) if use_torch else None
    device = "cuda" if backend_name == "cupy" else "cpu"
    if torch is not None and device == "cuda" and not torch.cuda.is_available():
        torch = None
    settle = 0.25 if threads > 1 and backend_name == "numpy" else 0.0
    matmul = matmul_step(np, backend_name)
    matmul()
    out = dict(threads=threads, backend=backend_name, numpy=np.__version__,
               torch=None if torch is None else torch.__version__, kernel=openblas_kernel(),
               coretype=os.environ.get("OPENBLAS_CORETYPE"), load_before=load_before,
               rows=[], scaling=[], matmul=[])
    if torch is not None:
        a = torch.randn(MATMUL_N, MATMUL_N, device=device)
        t = time_round(lambda: a @ a, 3, settle)
        out["torch_matmul_gflops"] = 2 * MATMUL_N ** 3 / t / 1e9

    def run(name, model, kind, batch, overrides):
        ours, gan = minigan_trainer(np, model, kind, batch, overrides, backend_name)
        flops, fg, fd = iteration_flops(gan, model, batch, kind)
        theirs = (torch_trainer(np, torch, model, kind, batch, overrides, device)
                  if torch is not None else None)
        timings = compare(ours, theirs, rounds, settle, target)
        out["matmul"].append(2 * MATMUL_N ** 3 / time_round(matmul, 1, settle) / 1e9)
        return dict(name=name, batch=batch, flops=flops, flops_g=fg, flops_d=fd,
                    **summarise(*timings))

    for name, model, kind, batch, overrides in rows:
        out["rows"].append(run(name, model, kind, batch, overrides))
    for batch in scaling:
        out["scaling"].append(run(f"dcgan, batch {batch}", "dcgan", "image", batch, {}))
    out["matmul_gflops"] = statistics.median(out["matmul"])
    out["other_cores"] = other_cores(start, cpu_snapshot())
    out["load_after"] = machine.load_average()
    return out


# ------------------------------------------------------------------ memory worker

def rss_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def reset_peak():
    """Reset VmHWM to the current RSS (Linux >= 4.0); False if we cannot."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def memory_worker(framework, row_index, iterations, backend_name):
    """MiB: resident after imports and construction, peak while training, the difference."""
    import numpy as np
    name, model, kind, batch, overrides = ROWS[row_index]
    if framework == "torch":
        import torch
        torch.set_num_threads(1)
        device = "cuda" if backend_name == "cupy" else "cpu"
        step = torch_trainer(np, torch, model, kind, batch, overrides, device)
    else:
        step, _ = minigan_trainer(np, model, kind, batch, overrides, backend_name)
    result = dict(framework=framework, name=name)
    if backend_name == "cupy":
        if framework == "torch":
            base = torch.cuda.memory_reserved()
            torch.cuda.reset_peak_memory_stats()
            for _ in range(iterations):
                step()
            peak = torch.cuda.max_memory_reserved()
        else:
            import cupy
            pool = cupy.get_default_memory_pool()
            base = pool.total_bytes()
            for _ in range(iterations):
                step()
            peak = pool.total_bytes()
        result.update(base=base / 2**20, peak=peak / 2**20, device=True)
    else:
        base = rss_kib("VmRSS")
        exact = reset_peak()
        for _ in range(iterations):
            step()
        peak = rss_kib("VmHWM")
        result.update(base=base / 1024, peak=peak / 1024, exact_reset=exact, device=False)
    result["added"] = result["peak"] - result["base"]
    return result


# ------------------------------------------------------------------ driver

def subprocess_json(args, threads, unset_coretype):
    env = dict(os.environ, **{v: str(threads) for v in THREAD_VARS})
    if unset_coretype:
        for v in CORETYPE_VARS:
            env.pop(v, None)
    cmd = [sys.executable, os.path.abspath(__file__)] + args
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"worker {' '.join(args)} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def fmt_row(row, matmul):
    gflops = row["flops"] / (row["ms"] / 1e3) / 1e9
    line = (f"| {row['name']} | {row['ms']:.1f} ({row['ms_min']:.1f}-{row['ms_max']:.1f}) |")
    if "ratio" in row:
        line += (f" {row['torch_ms']:.1f} | **{row['ratio']:.2f}** "
                 f"({row['ratio_min']:.2f}-{row['ratio_max']:.2f}) |")
        line += f" {row['cpu_ratio']:.2f} |" if "cpu_ratio" in row else " |"
    torch_gflops = (f" {row['flops'] / (row['torch_ms'] / 1e3) / 1e9:.0f} |"
                    if "ratio" in row else "")
    return line + (f" {row['flops'] / 1e9:.3f} | {gflops:.0f} | {gflops / matmul:.0%} |"
                   + torch_gflops)


def print_timing(result, label):
    busy = result["other_cores"] > 0.2
    torch_mm = (f"; PyTorch's matmul {result['torch_matmul_gflops']:.0f} GFLOP/s"
                if result.get("torch") else "")
    print(f"\n**{result['threads']} thread(s), {label}** (OpenBLAS kernel "
          f"{result['kernel'] or '?'}; NumPy float32 {MATMUL_N}^2 matmul "
          f"{result['matmul_gflops']:.0f} GFLOP/s, median of {len(result['matmul'])}{torch_mm}; "
          f"load average {result['load_before']:.2f} -> {result['load_after']:.2f}, other "
          f"processes used {result['other_cores']:.2f} cores"
          + (": BUSY, numbers are noisy" if busy else "") + ")\n")
    head = "| model | minigan ms (min-max) |"
    rule = "|---|---:|"
    if result.get("torch"):
        head += " PyTorch ms | minigan / PyTorch (min-max) | same, CPU time |"
        rule += "---:|---:|---:|"
    head += " GFLOP/iter | minigan GFLOP/s | of matmul rate |"
    rule += "---:|---:|---:|"
    if result.get("torch"):
        head += " PyTorch GFLOP/s |"
        rule += "---:|"
    print(head)
    print(rule)
    for row in result["rows"] + result["scaling"]:
        print(fmt_row(row, result["matmul_gflops"]))


def print_memory(memory):
    device = any(m["device"] for m in memory)
    what = "device memory (memory pool), MiB" if device else "RSS, MiB"
    print(f"\n**Memory** ({what}; 1 thread; peak over the training iterations)\n")
    by_name = {}
    for m in memory:
        by_name.setdefault(m["name"], {})[m["framework"]] = m
    has_torch = any("torch" in d for d in by_name.values())
    head = "| model | minigan after build | minigan peak | minigan training adds |"
    rule = "|---|---:|---:|---:|"
    if has_torch:
        head += " PyTorch after build | PyTorch peak | PyTorch training adds | minigan / PyTorch |"
        rule += "---:|---:|---:|---:|"
    print(head)
    print(rule)
    for name, d in by_name.items():
        ours = d["minigan"]
        line = f"| {name} | {ours['base']:.0f} | {ours['peak']:.0f} | **{ours['added']:.0f}** |"
        if "torch" in d:
            t = d["torch"]
            ratio = ours["added"] / t["added"] if t["added"] > 0 else float("nan")
            line += f" {t['base']:.0f} | {t['peak']:.0f} | **{t['added']:.0f}** | {ratio:.2f} |"
        print(line)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=7,
                        help="alternating timing rounds per row (default 7)")
    parser.add_argument("--rows", nargs="+", type=int, help="row indices (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2 rounds of ~0.05 s, 2 memory iterations, no scaling")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--no-scaling", action="store_true")
    parser.add_argument("--scaling-batches", type=int, nargs="+", default=SCALING_BATCHES,
                        help="dcgan batch sizes for the scaling table (default: %(default)s)")
    parser.add_argument("--coretype", choices=("found", "unset", "both"), default="found",
                        help="run the timing workers with OPENBLAS_CORETYPE/L2_SIZE as found, "
                             "with both unset (in the workers only), or both ways")
    parser.add_argument("--backend", choices=("numpy", "cupy"), default="numpy")
    parser.add_argument("--json", help="also write the raw results to this file")
    parser.add_argument("--plain-path", action="store_true",
                        help="minigan without its fast paths (functional.fast.enabled = False): "
                             "the plain code of the lessons")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--memory-worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--target", type=float, default=0.3, help=argparse.SUPPRESS)
    parser.add_argument("--iterations", type=int, default=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.plain_path:
        from minigan.functional import fast
        fast.enabled = False
    rows = [ROWS[i] for i in args.rows] if args.rows else ROWS
    if args.quick:
        args.rounds, args.target, args.iterations = 2, 0.05, 2
    scaling = () if (args.no_scaling or args.quick) else tuple(
        b for b in args.scaling_batches if b != 64)
    if args.worker is not None:
        print(json.dumps(worker(args.worker, args.rounds, not args.no_torch, rows, scaling,
                                args.backend, args.target)))
        return
    if args.memory_worker:
        framework, index = args.memory_worker
        print(json.dumps(memory_worker(framework, int(index), args.iterations, args.backend)))
        return

    load = machine.load_average()
    if load > 0.7:
        print(f"WARNING: load average is {load:.2f} on {os.cpu_count()} cores: other "
              "processes are running, so timings will be noisy and slower.", file=sys.stderr)
    common = ["--rounds", str(args.rounds), "--target", str(args.target),
              "--backend", args.backend]
    if args.rows:
        common += ["--rows"] + [str(i) for i in args.rows]
    if args.no_torch:
        common.append("--no-torch")
    if args.quick:
        common.append("--quick")
    if args.no_scaling:
        common.append("--no-scaling")
    if args.plain_path:
        common.append("--plain-path")
    common += ["--scaling-batches"] + [str(b) for b in args.scaling_batches]
    settings = {"found": [False], "unset": [True], "both": [False, True]}[args.coretype]
    timing = []
    for unset in settings:
        for t in args.threads:
            print(f"timing: {t} thread(s){', CORETYPE unset' if unset else ''} ...",
                  file=sys.stderr, flush=True)
            r = subprocess_json(["--worker", str(t)] + common, t, unset)
            r["coretype_unset"] = unset
            timing.append(r)
    memory = []
    if not args.no_memory:
        frameworks = ["minigan"]
        if not args.no_torch and timing and timing[0].get("torch"):
            frameworks.append("torch")
        for i, row in enumerate(ROWS):
            if row not in rows:
                continue
            for fw in frameworks:
                print(f"memory: {row[0]}, {fw} ...", file=sys.stderr, flush=True)
                memory.append(subprocess_json(
                    ["--memory-worker", fw, str(i), "--iterations", str(args.iterations),
                     "--backend", args.backend], 1, False))
    command = "python benchmarks/bench_train.py" + "".join(
        " " + a for a in (argv if argv is not None else sys.argv[1:]))
    print(f"Machine: {machine.describe()}")
    if timing:
        print(f"NumPy {timing[0]['numpy']}, PyTorch {timing[0]['torch'] or 'not installed'}, "
              f"backend {args.backend}")
    print(f"Command: `{command}`; {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}")
    for r in timing:
        label = ("OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset" if r["coretype_unset"]
                 else f"environment as found (OPENBLAS_CORETYPE={r['coretype']})")
        print_timing(r, label)
    if memory:
        print_memory(memory)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(timing=timing, memory=memory, command=command), f, indent=1)


if __name__ == "__main__":
    main()
