"""Recipes for the image-to-image translation models, and the function that builds them.

    pix2pix   Isola et al. 2017   pix2pix.py    paired data (mnist-edges, fashion-edges)
    cyclegan  Zhu et al. 2017     cyclegan.py   unpaired data (mnist-thickness)

The papers' settings are kept where they are settings (losses, their weights, Adam
2e-4 and beta1 0.5, the schedule, the history pool); the networks are scaled down
to 28x28 digits and a CPU: ``width`` is the first layer's channel count.
"""
from .. import nn, optim
from .pix2pix import PATCHES

TRANSLATION_MODELS = ("pix2pix", "cyclegan")
DATA_KIND = {"pix2pix": "paired", "cyclegan": "unpaired"}

RECIPES = {
    # Isola et al.: lambda 100, Adam 2e-4 (0.5, 0.999), and for edges->shoes, of which
    # mnist-edges is this scale's version, batch 4 for 15 epochs (the paper's appendix):
    # 16,875 iterations are 15 passes over the 4,500 training pairs.  (The first recipe,
    # batch 16 for 3,000 iterations, missed issue 14's 95%: README, "Batch and length".)
    # patch: the PatchGAN's receptive field (the paper's Table 3; pix2pix.PATCH_LAYERS)
    "pix2pix": dict(objective="l1+cgan", l1_lambda=100.0, width=16, d_width=32, patch=16,
                    batch_size=4, iterations=16875, lr_decay="none"),
    # Zhu et al.: least squares GAN, lambda_cyc 10, pool 50, batch 1, constant rate for
    # the first half then linear decay to 0 ("hold-linear").  The default objective is
    # the paper's eq. (3), both cycles and no identity term ("cycle": Table 4's CycleGAN
    # row); the identity term (0.5 lambda) is the paper's for painting<->photo only
    # (Sec. 5.2) and stays selectable as "full", the authors' code's default.  4,800
    # iterations of batch 4 are 8.5 passes over the 2,250 A digits; at 1,200 (2 passes)
    # "cycle" failed on one seed of three (README, "Seeds and training length").
    "cyclegan": dict(objective="cycle", cycle_lambda=10.0, identity_weight=0.5,
                     pool_size=50, width=8, d_width=16, n_blocks=2, batch_size=4,
                     iterations=4800, lr_decay="hold-linear"),
}


def defaults(model, kind=None):
    """The configuration a translation model starts from (the same for any data kind)."""
    config = dict(optimizer="adam", lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999), n_critic=1,
                  arch="conv", latent_dim=0, hidden=(), g_loss="non-saturating")
    config.update(RECIPES[model])
    return config


def describe(model):
    """One line of the recipe for ``--help``."""
    r = RECIPES[model]
    if model == "pix2pix":
        return (f"cGAN + {r['l1_lambda']:g} L1 (--objective l1+cgan | l1 | cgan), U-Net and "
                f"{r['patch']}x{r['patch']} PatchGAN (--patch {' | '.join(map(str, PATCHES))}), "
                f"batch {r['batch_size']}; data: mnist-edges, fashion-edges")
    return (f"least squares + {r['cycle_lambda']:g} x both cycles (--objective cycle, eq. 3; "
            f"full adds {r['identity_weight']:g}x that identity; gan | gan+forward ablate), "
            f"pool {r['pool_size']}, hold-linear decay, batch {r['batch_size']}, "
            f"{r['iterations']} iterations; data: mnist-thickness")


def normal_init(module, std=0.02):
    """Both papers' initialisation: conv weights ~ N(0, 0.02), norm scales ~ N(1, 0.02),
    biases 0 (the authors' init_weights(..., 'normal'))."""
    from ..nn import init
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            init.normal_(m.weight, 0.0, std)
        elif isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d)) and m.weight is not None:
            init.normal_(m.weight, 1.0, std)
        if getattr(m, "bias", None) is not None:
            init.zeros_(m.bias)
    return module


def adam(params, config, lr):
    return optim.Adam(params, lr=lr, betas=tuple(config["betas"]))


def build(config, data_shape, kind, num_classes=None, seed=0):
    """Networks, optimisers and the training algorithm of a translation model.

    data_shape: (2, 28, 28), domains A and B stacked as channels.
    """
    model = config["model"]
    if model == "pix2pix":
        from .pix2pix import PatchDiscriminator, Pix2Pix, UNetGenerator
        G = normal_init(UNetGenerator(1, 1, config["width"]))
        D = normal_init(PatchDiscriminator(2, config["d_width"], config["patch"]))
        return Pix2Pix(G, D, adam(G.parameters(), config, config["lr_g"]),
                       adam(D.parameters(), config, config["lr_d"]),
                       l1_lambda=config["l1_lambda"], objective=config["objective"], seed=seed,
                       test_batch=config["batch_size"])
    # CycleGAN: one optimiser over both generators, one over both discriminators,
    # as in the authors' code
    from .cyclegan import CycleGAN, PatchDiscriminatorIN, ResnetGenerator, _Pair
    w, dw, blocks = config["width"], config["d_width"], config["n_blocks"]
    generators = _Pair(*(normal_init(ResnetGenerator(1, w, blocks)) for _ in range(2)))
    discriminators = _Pair(*(normal_init(PatchDiscriminatorIN(1, dw)) for _ in range(2)))
    return CycleGAN(generators, discriminators,
                    adam(generators.parameters(), config, config["lr_g"]),
                    adam(discriminators.parameters(), config, config["lr_d"]),
                    cycle_lambda=config["cycle_lambda"],
                    identity_weight=config["identity_weight"], pool_size=config["pool_size"],
                    objective=config["objective"], seed=seed)


__all__ = ["TRANSLATION_MODELS", "DATA_KIND", "RECIPES", "defaults", "build", "normal_init"]
