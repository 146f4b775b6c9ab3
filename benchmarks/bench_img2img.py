"""The image-to-image rows of bench_train.py: pix2pix and CycleGAN in PyTorch, the same
nets, initialisation, optimisers and training step as minigan/gans/pix2pix.py and
cyclegan.py, and the FLOP count of one iteration.  bench_train.py calls these for the
rows whose data kind is "paired" or "unpaired"; run it with e.g. ``--rows 6 7``.

Batches are 2-channel images (N, 2, 28, 28) in [-1, 1]: domain A | domain B.
FLOPs count the matrix products of every Conv/ConvTranspose layer (bench_train's
layer_flops), 2 per multiply-add, with F(net) the forward cost at the batch size and
F1 its first layer's part:

    pix2pix   G forward F(G); D step 2 [3 F(D) - F1(D)] (real and fake pairs: forward,
              weight gradients, input gradients but the first layer's); G step
              F(D) + F(D) (forward on the fake pair, input gradients) + 2 F(G) - F1(G)
    cyclegan  six generator passes G(a), F(b), F(G(a)), G(F(b)), G(b), F(a): 6 F(Gen),
              their backward 12 F(Gen) - 4 F1(Gen) (four take data as input); D_B and
              D_A on the fakes in the G step: 2 F(D) + 2 F(D); the D step on real and
              pooled fakes: 4 F(D) + 4 F(D) + 4 [F(D) - F1(D)]
"""
import itertools

import machine  # benchmarks/machine.py, beside this script


def make_batches(np, batch, pool, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.uniform(-1, 1, (batch, 2, 28, 28)).astype(np.float32), None)
            for _ in range(pool)]


def iteration_flops(gan, model, batch, layer_flops):
    """(FLOPs of one iteration, forward FLOPs of one generator, of one discriminator)."""
    import numpy as np
    from minigan.autograd import Tensor
    x = Tensor(np.zeros((batch, 1, 28, 28), np.float32))
    if model == "pix2pix":
        g, fake = layer_flops(gan.G, x)
        d, _ = layer_flops(gan.D, x, fake)
        fg, fd = sum(g), sum(d)
        return fg + 2 * (3 * fd - d[0]) + 2 * fd + 2 * fg - g[0], fg, fd
    g, fake = layer_flops(gan.G_ab, x)
    d, _ = layer_flops(gan.D_B, fake)
    fg, fd = sum(g), sum(d)
    return 6 * fg + 12 * fg - 4 * g[0] + 4 * fd + 12 * fd - 4 * d[0], fg, fd


def torch_trainer(np, torch, model, config, batch, pool_size, device="cpu"):
    """``step()``: one training iteration of pix2pix or CycleGAN in PyTorch."""
    nn, F = torch.nn, torch.nn.functional
    torch.manual_seed(0)
    nets = _pix2pix(nn, config) if model == "pix2pix" else _cyclegan(nn, config)
    for net in nets:
        for m in net.modules():                   # img2img.normal_init
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.normal_(m.weight, 0.0, 0.02)
                nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d)) and m.weight is not None:
                nn.init.normal_(m.weight, 1.0, 0.02)
                nn.init.zeros_(m.bias)
        net.to(device)
    data = [torch.from_numpy(x).to(device) for x, _ in make_batches(np, batch, pool_size)]
    it = itertools.cycle(data)
    adam = lambda ps: torch.optim.Adam(ps, lr=2e-4, betas=(0.5, 0.999))   # noqa: E731

    update = machine.torch_updater(torch)     # minigan.gans.base.GAN.update

    if model == "pix2pix":
        G, D = nets
        gp, dp = list(G.parameters()), list(D.parameters())
        opt_g, opt_d = adam(gp), adam(dp)
        lam = config["l1_lambda"]

        def step():
            pair = next(it)
            a, b = pair[:, :1], pair[:, 1:]
            fake = G(a)
            real_l, fake_l = D(torch.cat([a, b], 1)), D(torch.cat([a, fake.detach()], 1))
            update(opt_d, dp, 0.5 * (F.softplus(-real_l).mean() + F.softplus(fake_l).mean()))
            l1 = (fake - b).abs().mean()
            update(opt_g, gp, F.softplus(-D(torch.cat([a, fake], 1))).mean() + lam * l1)
            l1.item()
        return machine.synced(torch, step, device)

    Gab, Fba, Db, Da = nets
    gp = list(Gab.parameters()) + list(Fba.parameters())
    dp = list(Db.parameters()) + list(Da.parameters())
    opt_g, opt_d = adam(gp), adam(dp)
    lam, idw = config["cycle_lambda"], config["identity_weight"]
    rng = np.random.default_rng(1)
    pools = ([], [])

    def query(pool, fakes):                   # cyclegan.ImagePool
        out = []
        for image in fakes:
            if len(pool) < config["pool_size"]:
                pool.append(image.clone())
                out.append(image)
            elif rng.random() < 0.5:
                i = int(rng.integers(0, config["pool_size"]))
                out.append(pool[i])
                pool[i] = image.clone()
            else:
                out.append(image)
        return torch.stack(out)

    lsg = lambda o: ((o - 1) ** 2).mean()                                  # noqa: E731
    lsd = lambda r, f: 0.5 * (((r - 1) ** 2).mean() + (f ** 2).mean())     # noqa: E731

    def step():
        pair = next(it)
        a, b = pair[:, :1], pair[:, 1:]
        fake_b, fake_a = Gab(a), Fba(b)
        loss_gan = lsg(Db(fake_b)) + lsg(Da(fake_a))
        cyc_a, cyc_b = (Fba(fake_b) - a).abs().mean(), (Gab(fake_a) - b).abs().mean()
        idt = (Gab(b) - b).abs().mean() + (Fba(a) - a).abs().mean()
        update(opt_g, gp, loss_gan + lam * cyc_a + lam * cyc_b + idw * lam * idt)
        cyc_a.item(), cyc_b.item(), idt.item(), loss_gan.item()
        old_b, old_a = query(pools[0], fake_b.detach()), query(pools[1], fake_a.detach())
        update(opt_d, dp, lsd(Db(b), Db(old_b)) + lsd(Da(a), Da(old_a)))
    return machine.synced(torch, step, device)


def _pix2pix(nn, config):
    w, dw = config["width"], config["d_width"]

    def down(i, o, k, s, p, bn=True):
        return nn.Sequential(nn.Conv2d(i, o, k, s, p), *([nn.BatchNorm2d(o)] if bn else []),
                             nn.LeakyReLU(0.2))

    def up(i, o, k, s, p, drop):
        return nn.Sequential(nn.ConvTranspose2d(i, o, k, s, p), nn.BatchNorm2d(o),
                             *([nn.Dropout(drop)] if drop else []), nn.ReLU())

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.e1, self.e2 = down(1, w, 4, 2, 1, False), down(w, 2 * w, 4, 2, 1)
            self.e3, self.e4 = down(2 * w, 4 * w, 3, 2, 0), down(4 * w, 4 * w, 3, 1, 0, False)
            self.d4, self.d3 = up(4 * w, 4 * w, 3, 1, 0, 0.5), up(8 * w, 2 * w, 3, 2, 0, 0.5)
            self.d2 = up(4 * w, w, 4, 2, 1, 0)
            self.d1 = nn.Sequential(nn.ConvTranspose2d(2 * w, 1, 4, 2, 1), nn.Tanh())

        def forward(self, a):
            import torch
            e1 = self.e1(a)
            e2 = self.e2(e1)
            e3 = self.e3(e2)
            u = torch.cat([self.d4(self.e4(e3)), e3], 1)
            u = torch.cat([self.d3(u), e2], 1)
            return self.d1(torch.cat([self.d2(u), e1], 1))

    D = nn.Sequential(nn.Conv2d(2, dw, 4, 2, 1), nn.LeakyReLU(0.2),
                      nn.Conv2d(dw, 2 * dw, 4, 1, 1), nn.BatchNorm2d(2 * dw), nn.LeakyReLU(0.2),
                      nn.Conv2d(2 * dw, 1, 4, 1, 1))
    return UNet(), D


def _cyclegan(nn, config):
    w, dw, blocks = config["width"], config["d_width"], config["n_blocks"]

    class Residual(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.body = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3),
                                      nn.InstanceNorm2d(c), nn.ReLU(), nn.ReflectionPad2d(1),
                                      nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c))

        def forward(self, x):
            return x + self.body(x)

    def gen():
        blk = lambda conv, c: [conv, nn.InstanceNorm2d(c), nn.ReLU()]     # noqa: E731
        return nn.Sequential(
            nn.ReflectionPad2d(3), *blk(nn.Conv2d(1, w, 7), w),
            *blk(nn.Conv2d(w, 2 * w, 3, 2, 1), 2 * w), *blk(nn.Conv2d(2 * w, 4 * w, 3, 2, 1), 4 * w),
            *[Residual(4 * w) for _ in range(blocks)],
            *blk(nn.ConvTranspose2d(4 * w, 2 * w, 3, 2, 1, output_padding=1), 2 * w),
            *blk(nn.ConvTranspose2d(2 * w, w, 3, 2, 1, output_padding=1), w),
            nn.ReflectionPad2d(3), nn.Conv2d(w, 1, 7), nn.Tanh())

    def disc():
        return nn.Sequential(nn.Conv2d(1, dw, 4, 2, 1), nn.LeakyReLU(0.2),
                             nn.Conv2d(dw, 2 * dw, 4, 1, 1), nn.InstanceNorm2d(2 * dw),
                             nn.LeakyReLU(0.2), nn.Conv2d(2 * dw, 1, 4, 1, 1))
    return gen(), gen(), disc(), disc()
