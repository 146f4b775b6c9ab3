"""The variational autoencoder (Kingma and Welling 2014), beside the GANs.

    model.py       the VAE: reparameterisation, closed-form KL, the ELBO, training step
    nets.py        encoders and decoders: the paper's MLP, and the DCGAN shapes
    likelihood.py  the importance-weighted estimate of log p(x) (Burda et al. 2016)
    report.py      what a VAE run adds to its folder: held-out scores, reconstructions,
                   the 2-D latent manifold

It is a package of its own, not a file in ``gans/``, because it is not a GAN: one
network pair trained by one optimiser on one objective, with a likelihood that the
GANs lack.  ``python -m minigan.train --model vae`` builds it with ``build`` from the
recipe below and drives it through the same interface as a GAN (``train_step``,
``generate``, ``state_dict``).

A VAE run trains on one part of the digits and scores the bound and the likelihood on
the rest (``split_held_out``): on the bundled sample the 500 digits that the scoring
classifier was also tested on, on full MNIST files the first 1,000 test digits.
"""
import dataclasses

import numpy as np

from .. import optim
from ..data import held_out_mask, load_dataset
from .likelihood import evaluate, iw_bound, log_weights
from .model import (VAE, bernoulli_log_likelihood, gaussian_kl, gaussian_log_density,
                    logsumexp, reparameterize, standard_normal_log_density)
from .nets import ConvDecoder, ConvEncoder, MLPDecoder, MLPEncoder

MODELS = ("vae",)

# Adam (lr 1e-3) on mini-batches of 100 (the paper's M = 100; it used Adagrad), 20
# latent dimensions; the knobs the GANs do not have: beta and the samples per image
# of the log-likelihood estimate.  The conv decoder costs ~80 times the MLP's per
# image, so its held-out estimate uses fewer samples by default.
RECIPE = dict(optimizer="adam", lr=1e-3, betas=(0.9, 0.999), batch_size=100, latent_dim=20,
              hidden=(400,), arch="mlp", iterations=5000, beta=1.0, iw_samples=100,
              lr_decay="none", conv=dict(iw_samples=20))

# Flags that only a GAN has (a VAE has one optimiser, one learning rate, no critic).
GAN_ONLY = ("lr_g", "lr_d", "n_critic", "clip", "gp_lambda", "g_loss")
VAE_ONLY = ("lr", "beta", "iw_samples")

N_HELD_OUT_FILES = 1000      # test digits scored when the full MNIST files are used
HELD_OUT_SEED = 2014         # the held-out digits are binarised once, with this seed


def defaults(kind, arch=None):
    """The VAE's default configuration for ``arch`` ('mlp' by default; images only)."""
    config = dict(RECIPE)
    conv = config.pop("conv")
    if arch == "conv":
        config.update(conv, arch="conv")
    return config


def check_config(config):
    """The message for a configuration a VAE cannot run, or None."""
    if config["kind"] != "image":
        return (f"vae models images (a Bernoulli decoder on pixels); {config['dataset']} is a "
                "toy set: use --dataset mnist or fashion-mnist")
    given = [k for k in GAN_ONLY if k in config]
    if given:
        return f"--{given[0].replace('_', '-')} is a GAN setting; vae has --lr, --beta, --iw-samples"
    return None


def build(config, data_shape, kind, num_classes=None, seed=0):
    """Encoder, decoder, Adam and the VAE for images of ``data_shape`` (C, 28, 28)."""
    z, channels = config["latent_dim"], data_shape[0]
    if config["arch"] == "conv":
        encoder, decoder = ConvEncoder(z, channels), ConvDecoder(z, channels)
    else:
        hidden = tuple(config["hidden"])
        encoder, decoder = MLPEncoder(z, hidden, channels), MLPDecoder(z, hidden, channels)
    params = list(encoder.parameters()) + list(decoder.parameters())
    opt = optim.Adam(params, lr=config["lr"], betas=tuple(config["betas"]))
    return VAE(encoder, decoder, opt, z, beta=config["beta"], seed=seed)


def binarize_once(x, seed=HELD_OUT_SEED):
    """Host images in [-1, 1] -> binary float32 images drawn once with a fixed seed."""
    rng = np.random.default_rng(seed)
    return (rng.random(x.shape) < (x + 1) / 2).astype(np.float32)


def split_held_out(data, data_dir=None):
    """(the Dataset to train on, binary held-out images (n, 1, 28, 28) on the host).

    Bundled sample: every 10th digit of each class is held out (data.held_out_mask,
    the split of the scoring classifier), the other 4,500 are trained on.  MNIST files:
    all training digits are trained on; the first N_HELD_OUT_FILES test digits are held out.
    """
    if data.source == "bundled sample":
        mask = held_out_mask(data.y)
        train = dataclasses.replace(data, x=data.x[~mask], y=data.y[~mask],
                                    source="bundled sample, training part")
        return train, binarize_once(data.x[mask])
    test = load_dataset(data.name, data_dir=data_dir, split="test", quiet=True)
    return data, binarize_once(test.x[:N_HELD_OUT_FILES])


__all__ = ["VAE", "MODELS", "RECIPE", "build", "defaults", "split_held_out", "binarize_once",
           "evaluate", "iw_bound", "log_weights", "bernoulli_log_likelihood", "gaussian_kl",
           "gaussian_log_density", "standard_normal_log_density", "logsumexp",
           "reparameterize", "MLPEncoder", "MLPDecoder", "ConvEncoder", "ConvDecoder"]
