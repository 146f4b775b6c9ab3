"""The GANs: one file per model family, and the published recipes that build them.

    gan      Goodfellow et al. 2014            mlp.py
    dcgan    Radford et al. 2015               dcgan.py
    wgan     Arjovsky et al. 2017              wgan.py
    wgan-gp  Gulrajani et al. 2017             wgan.py
    cgan     Mirza and Osindero 2014           cgan.py
    pix2pix  Isola et al. 2017                 pix2pix.py   (img2img.py: recipes)
    cyclegan Zhu et al. 2017                   cyclegan.py  (img2img.py: recipes)
    srresnet, srgan  Ledig et al. 2017         srgan.py   (4x super-resolution)
    simgan   Shrivastava et al. 2017           simgan.py  (refining synthetic digits)

``build(config, data_shape, kind, num_classes, seed)`` makes the networks, optimisers
and training algorithm for a data set (``defaults(model, kind)`` gives a config); the
defaults below are each paper's recipe, with the differences between toy and
image data that the reference code makes.
"""
from .. import optim
from .base import GAN
from .cgan import (CGAN, ConditionalConvDiscriminator, ConditionalConvGenerator,
                   ConditionalMLPDiscriminator, ConditionalMLPGenerator, one_hot)
from .dcgan import DCGANDiscriminator, DCGANGenerator, dcgan_init
from .mlp import MLPDiscriminator, MLPGenerator, VanillaGAN
from .wgan import WGAN, WGANGP
from . import objectives
from . import img2img, pix2pix
from .srgan import SRGAN, SRDiscriminator, SRGenerator, SRResNet
from .simgan import LocalDiscriminator, Refiner, SimGAN

MODELS = (("gan", "dcgan", "wgan", "wgan-gp", "cgan", "srresnet", "srgan", "simgan")
          + img2img.TRANSLATION_MODELS)
SR_MODELS = ("srresnet", "srgan")          # trained on (low-res, high-res) pairs

# Each paper's optimiser and schedule.  "toy" overrides apply to the 1D/2D sets.
RECIPES = {
    # Goodfellow et al. used SGD with momentum and maxout nets; Adam(2e-4, 0.5) is the
    # setting that later work (and PyTorch's examples) found reliable for the same game.
    "gan": dict(optimizer="adam", lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999), n_critic=1),
    "dcgan": dict(optimizer="adam", lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999), n_critic=1),
    "wgan": dict(optimizer="rmsprop", lr_g=5e-5, lr_d=5e-5, n_critic=5, clip=0.01),
    # The WGAN-GP authors' toy script (gan_toy.py): lam 0.1, Adam betas (0.5, 0.9),
    # three 512-unit ReLU layers in both nets; their image recipe: lam 10, betas (0, 0.9).
    # On toy data the default is a quick variant of the toy script (3x128 nets, lr 1e-3
    # decayed linearly to 0 over 4,000 steps: 8/8 ring modes, 91% high quality, about
    # 3 CPU-minutes); `recipe="paper"` (train.py --recipe paper) is the script's own.
    "wgan-gp": dict(optimizer="adam", lr_g=1e-4, lr_d=1e-4, betas=(0.0, 0.9), n_critic=5,
                    gp_lambda=10.0,
                    toy=dict(gp_lambda=0.1, betas=(0.5, 0.9), hidden=(128, 128, 128),
                             g_activation="relu", d_activation="relu", lr_g=1e-3, lr_d=1e-3,
                             lr_decay="linear", iterations=4000),
                    toy_paper=dict(gp_lambda=0.1, betas=(0.5, 0.9), hidden=(512, 512, 512),
                                   g_activation="relu", d_activation="relu")),
    "cgan": dict(optimizer="adam", lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999), n_critic=1),
    # Ledig et al.: Adam(beta1 0.9), lr 1e-4, batch 16; SRGAN fine-tunes a trained SRResNet
    # with content loss + 1e-3 x adversarial loss.  Nets: 4 residual blocks of 32 channels.
    "srresnet": dict(optimizer="adam", lr_g=1e-4, lr_d=1e-4, betas=(0.9, 0.999), n_critic=1,
                     batch_size=16, iterations=2000, sr_channels=32, sr_blocks=4),
    "srgan": dict(optimizer="adam", lr_g=1e-4, lr_d=1e-4, betas=(0.9, 0.999), n_critic=1,
                  batch_size=16, iterations=500, sr_channels=32, sr_blocks=4,
                  content_loss="features", adv_weight=1e-3),
    # Shrivastava et al.: K_g = 2 refiner steps per D step, R pretrained on the
    # self-regularisation loss alone, a history buffer.  They used SGD(1e-3); here Adam
    # with the DCGAN setting, as for the other GANs.  Refiner: 3 ResNet blocks of 16.
    "simgan": dict(optimizer="adam", lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999), n_critic=1,
                   batch_size=32, iterations=700, self_reg=0.5, history_size=1024,
                   refiner_channels=16, refiner_blocks=3, pretrain_r=200, pretrain_d=50),
}

# Sizes that depend on the data, not on the paper, and the MLP generator's hidden
# activation.  The MLP nets' activations are recipe settings, one key per net, as the
# papers choose them per net (Goodfellow et al.: ReLU G, maxout D; DCGAN's guideline:
# ReLU in G, LeakyReLU in D): d_activation LeakyReLU(0.2) (``defaults``), ReLU in the
# wgan-gp toy script (RECIPES); g_activation ReLU on toy data, LeakyReLU(0.2) on images
# (here).  With LeakyReLU in the toy G as well, the vanilla GAN no longer collapses on
# the ring (8 of 8 modes, 40% high quality, measured); the README's results and lesson
# 10 were made with these nets.
DATA_DEFAULTS = {
    "toy1d": dict(latent_dim=2, batch_size=256, hidden=(128, 128, 128), iterations=3000,
                  g_activation="relu"),
    "toy2d": dict(latent_dim=2, batch_size=256, hidden=(128, 128, 128), iterations=3000,
                  g_activation="relu"),
    "image": dict(latent_dim=100, batch_size=64, hidden=(256, 512, 1024), iterations=3000,
                  g_activation="leaky_relu"),
}

# Which networks a model uses on images by default ("conv" or "mlp").
DEFAULT_ARCH = {"gan": "mlp", "dcgan": "conv", "wgan": "conv", "wgan-gp": "conv", "cgan": "mlp",
                "srresnet": "conv", "srgan": "conv", "simgan": "conv"}


RECIPE_CHOICES = ("quick", "paper")


def defaults(model, kind, recipe="quick"):
    """The full default configuration for ``model`` on data of ``kind``.

    recipe: "quick" (the default) or "paper"; they differ only where a model has a
    quick toy variant (wgan-gp), and "paper" is then the authors' own toy script.
    """
    if model in img2img.TRANSLATION_MODELS:
        return img2img.defaults(model, kind)
    if recipe not in RECIPE_CHOICES:
        raise ValueError(f"recipe must be one of {RECIPE_CHOICES}, got {recipe!r}")
    paper = dict(RECIPES[model])
    quick_toy = paper.pop("toy", {})
    paper_toy = paper.pop("toy_paper", quick_toy)
    toy = paper_toy if recipe == "paper" else quick_toy
    config = dict(g_loss="non-saturating", clip=0.01, gp_lambda=10.0, betas=(0.5, 0.999),
                  lr_decay="none", d_activation="leaky_relu",
                  arch="mlp" if kind != "image" else DEFAULT_ARCH[model])
    config.update(DATA_DEFAULTS.get(kind, DATA_DEFAULTS["image"]))   # translation data: refused later
    config.update(paper)
    if kind != "image":
        config.update(toy)
    return config


def _optimizer(params, config, lr):
    if config["optimizer"] == "rmsprop":
        return optim.RMSProp(params, lr=lr)
    return optim.Adam(params, lr=lr, betas=tuple(config["betas"]))


def build(config, data_shape, kind, num_classes=None, seed=0):
    """Networks, optimisers and the training algorithm for one run.

    config: a dict with the keys of ``defaults``; data_shape: one sample's shape,
    e.g. (2,) or (1, 28, 28); kind: 'toy1d' | 'toy2d' | 'image'.
    """
    if config["model"] in img2img.TRANSLATION_MODELS:
        return img2img.build(config, data_shape, kind, num_classes, seed)
    model, image = config["model"], kind == "image"
    if model in SR_MODELS:
        return build_sr(config, data_shape, seed)
    if model == "simgan":
        return build_simgan(config, data_shape, seed)
    conv = image and config["arch"] == "conv"
    z, hidden = config["latent_dim"], tuple(config["hidden"])
    batch_norm = model == "dcgan" and not conv
    # The MLPs' hidden activations, as the recipe gives them (DATA_DEFAULTS says why);
    # the conv nets keep DCGAN's (ReLU in G, LeakyReLU(0.2) in D) and read neither key.
    g_act, d_act = (None, None) if conv else (config["g_activation"], config["d_activation"])
    if model == "cgan":
        if conv:
            G = ConditionalConvGenerator(z, num_classes, data_shape[0])
            D = ConditionalConvDiscriminator(num_classes, data_shape[0])
        else:
            G = ConditionalMLPGenerator(z, num_classes, data_shape, hidden, image, g_act)
            D = ConditionalMLPDiscriminator(num_classes, data_shape, hidden[::-1], d_act)
    elif conv:
        G = DCGANGenerator(z, data_shape[0])
        D = DCGANDiscriminator(data_shape[0], batch_norm=model != "wgan-gp")
    else:
        G = MLPGenerator(z, data_shape, hidden, image, batch_norm, g_act)
        D = MLPDiscriminator(data_shape, hidden[::-1], batch_norm, d_act)
    if conv or model == "dcgan":
        dcgan_init(G), dcgan_init(D)
    opt_g = _optimizer(G.parameters(), config, config["lr_g"])
    opt_d = _optimizer(D.parameters(), config, config["lr_d"])
    common = dict(latent_dim=z, n_critic=config["n_critic"], seed=seed)
    if model == "wgan":
        return WGAN(G, D, opt_g, opt_d, clip=config["clip"], **common)
    if model == "wgan-gp":
        return WGANGP(G, D, opt_g, opt_d, gp_lambda=config["gp_lambda"], **common)
    if model == "cgan":
        return CGAN(G, D, opt_g, opt_d, num_classes=num_classes, g_loss=config["g_loss"],
                    **common)
    return VanillaGAN(G, D, opt_g, opt_d, g_loss=config["g_loss"], **common)


def build_sr(config, data_shape, seed=0):
    """SRResNet, or SRGAN from the SRResNet checkpoint in config["pretrained"] (if any)."""
    G = SRGenerator(config["sr_channels"], config["sr_blocks"], data_shape[0])
    opt_g = _optimizer(G.parameters(), config, config["lr_g"])
    if config["model"] == "srresnet":
        return SRResNet(G, opt_g, seed=seed)
    if config.get("pretrained"):
        from ..serialization import load
        G.load_state_dict(load(config["pretrained"])["model"]["G"])
    D = SRDiscriminator(image_channels=data_shape[0])
    opt_d = _optimizer(D.parameters(), config, config["lr_d"])
    return SRGAN(G, D, opt_g, opt_d, content=config["content_loss"],
                 adv_weight=config["adv_weight"], seed=seed)


def build_simgan(config, data_shape, seed=0):
    """Refiner, local discriminator and the real (unlabelled) digits they learn from."""
    from ..data.superres import load_sr
    real, _, _ = load_sr("mnist-sr", "train", config.get("data_dir"), download=False,
                         quiet=True)        # the 28x28 training digits; labels unused
    R = Refiner(config["refiner_channels"], config["refiner_blocks"], data_shape[0])
    D = LocalDiscriminator(data_shape[0])
    opt_r = _optimizer(R.parameters(), config, config["lr_g"])
    opt_d = _optimizer(D.parameters(), config, config["lr_d"])
    return SimGAN(R, D, opt_r, opt_d, real, batch_size=config["batch_size"],
                  lam=config["self_reg"], history=config["history_size"] > 0,
                  history_size=max(config["history_size"], 1),
                  pretrain_r=config["pretrain_r"], pretrain_d=config["pretrain_d"], seed=seed)


__all__ = ["SimGAN", "Refiner", "LocalDiscriminator", "SRGAN", "SRResNet", "SRGenerator", "SRDiscriminator", "SR_MODELS", "GAN", "VanillaGAN", "WGAN", "WGANGP", "CGAN", "MODELS", "RECIPES", "build",
           "defaults", "objectives", "one_hot", "MLPGenerator", "MLPDiscriminator",
           "DCGANGenerator", "DCGANDiscriminator", "dcgan_init", "ConditionalMLPGenerator",
           "ConditionalMLPDiscriminator", "ConditionalConvGenerator",
           "ConditionalConvDiscriminator"]
