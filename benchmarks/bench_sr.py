"""Time per training iteration of SRResNet, SRGAN and SimGAN: minigan against the same
nets and algorithm in PyTorch (when importable; never a dependency).

    /work/torchenv/bin/python benchmarks/bench_sr.py [--rounds 5]

One thread each (OPENBLAS/OMP/MKL_NUM_THREADS=1 must be set before running; PyTorch
gets torch.set_num_threads(1)).  The rows use each recipe's defaults: SRResNet and SRGAN
batch 16 on 7x7 -> 28x28 pairs (SRGAN with the classifier-feature content loss), SimGAN
batch 32 in its Algorithm 1 phase (2 refiner steps, 1 D step with the history buffer).
The two frameworks run alternately, round after round, so a passing load hits both; the
table gives the median seconds per iteration and the median ratio minigan / PyTorch.
The inputs are random images in [-1, 1]; weights are each framework's own defaults.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def minigan_step(model):
    from minigan import gans
    from minigan.backend import manual_seed
    manual_seed(0)
    extra = dict(pretrain_r=0, pretrain_d=0) if model == "simgan" else {}
    config = dict(gans.defaults(model, "image"), model=model, **extra)
    m = gans.build(config, (1, 28, 28), "image")
    x = np.random.default_rng(0).uniform(-1, 1, (config["batch_size"], 1, 28, 28)).astype("float32")
    return lambda: m.train_step(lambda: (x, None))


def torch_step(torch, model):
    nn, F = torch.nn, torch.nn.functional
    torch.manual_seed(0)

    def update(opt, params, loss):
        grads = torch.autograd.grad(loss, params, allow_unused=True)
        for p, g in zip(params, grads):
            p.grad = g
        opt.step()
        return loss.item()

    if model == "simgan":
        class Block(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.body = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.ReLU(),
                                          nn.Conv2d(c, c, 3, padding=1))

            def forward(self, x):
                return F.relu(x + self.body(x))
        R = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
                          *[Block(16) for _ in range(3)], nn.Conv2d(16, 1, 1), nn.Tanh())
        D = nn.Sequential(nn.Conv2d(1, 32, 3, 2, 1), nn.LeakyReLU(0.2),
                          nn.Conv2d(32, 64, 3, 2, 1), nn.LeakyReLU(0.2),
                          nn.Conv2d(64, 32, 3, padding=1), nn.LeakyReLU(0.2), nn.Conv2d(32, 1, 1))
        rp, dp = list(R.parameters()), list(D.parameters())
        opt_r = torch.optim.Adam(rp, 2e-4, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(dp, 2e-4, betas=(0.5, 0.999))
        x = torch.rand(32, 1, 28, 28) * 2 - 1
        real = torch.rand(32, 1, 28, 28) * 2 - 1
        history = torch.rand(1024, 1, 28, 28) * 2 - 1
        gen = torch.Generator().manual_seed(0)

        def step():
            for _ in range(2):
                refined = R(x)
                update(opt_r, rp, F.softplus(-D(refined)).mean() + 0.5 * (refined - x).abs().mean())
            with torch.no_grad():
                refined = R(x)
            fake = torch.cat([refined[:16], history[torch.randint(0, 1024, (16,), generator=gen)]])
            history[torch.randint(0, 1024, (16,), generator=gen)] = refined[16:]
            update(opt_d, dp, F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean())
        return step

    class Res(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c), nn.PReLU(),
                                      nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c))

        def forward(self, x):
            return x + self.body(x)

    class G(nn.Module):
        def __init__(self, c=32):
            super().__init__()
            self.head = nn.Sequential(nn.Conv2d(1, c, 9, padding=4), nn.PReLU())
            self.blocks = nn.Sequential(*[Res(c) for _ in range(4)], nn.Conv2d(c, c, 3, padding=1),
                                        nn.BatchNorm2d(c))
            self.up = nn.Sequential(nn.Conv2d(c, 4 * c, 3, padding=1), nn.PixelShuffle(2), nn.PReLU(),
                                    nn.Conv2d(c, 4 * c, 3, padding=1), nn.PixelShuffle(2), nn.PReLU())
            self.tail = nn.Sequential(nn.Conv2d(c, 1, 3, padding=1), nn.Tanh())

        def forward(self, lr):
            first = self.head(lr)
            return self.tail(self.up(first + self.blocks(first)))
    g = G()
    gp = list(g.parameters())
    opt_g = torch.optim.Adam(gp, 1e-4, betas=(0.9, 0.999))
    hr = torch.rand(16, 1, 28, 28) * 2 - 1
    lr = F.avg_pool2d(hr, 4)
    if model == "srresnet":
        return lambda: update(opt_g, gp, F.mse_loss(g(lr), hr))
    layers, c_in = [], 1
    for i, (c, s) in enumerate(zip((32, 32, 64, 64), (1, 2, 1, 2))):
        layers += [nn.Conv2d(c_in, c, 3, s, 1)] + ([nn.BatchNorm2d(c)] if i else []) + [nn.LeakyReLU(0.2)]
        c_in = c
    D = nn.Sequential(*layers, nn.Flatten(), nn.Linear(64 * 49, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))
    dp = list(D.parameters())
    opt_d = torch.optim.Adam(dp, 1e-4, betas=(0.9, 0.999))
    phi = nn.Sequential(nn.Conv2d(1, 32, 3, 1, 1), nn.ReLU(), nn.Conv2d(32, 32, 4, 2, 1), nn.ReLU(),
                        nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU())
    for p in phi.parameters():
        p.requires_grad_(False)

    def step():
        sr = g(lr)
        update(opt_d, dp, F.softplus(-D(hr)).mean() + F.softplus(D(sr.detach())).mean())
        with torch.no_grad():
            target = phi(hr)
        update(opt_g, gp, F.mse_loss(phi(sr), target) + 1e-3 * F.softplus(-D(sr)).mean())
    return step


def per_iteration(step, seconds=0.5):
    step()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        step()
        n += 1
    return (time.perf_counter() - t0) / n


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args(argv)
    import machine
    torch = machine.import_torch(1)
    print(f"{machine.describe()}; load average {machine.load_average():.1f}")
    print("| model | minigan s/iter | PyTorch s/iter | minigan / PyTorch |")
    print("|---|---:|---:|---:|")
    for model in ("srresnet", "srgan", "simgan"):
        ours = minigan_step(model)
        theirs = torch_step(torch, model) if torch else None
        a, b = [], []
        for _ in range(args.rounds):
            a.append(per_iteration(ours))
            if theirs:
                b.append(per_iteration(theirs))
        ta = statistics.median(a)
        if theirs:
            tb = statistics.median(b)
            ratio = statistics.median(x / y for x, y in zip(a, b))
            print(f"| {model} | {ta:.3f} | {tb:.3f} | {ratio:.2f} |", flush=True)
        else:
            print(f"| {model} | {ta:.3f} | | |", flush=True)


if __name__ == "__main__":
    main()
