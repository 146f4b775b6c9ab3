"""What a VAE run writes beside the GANs' files (called by minigan.report).

    held_out_scores(run)   the ELBO and log p(x) of the held-out digits, nats per image
    pictures(run)          reconstructions_NNNNNN.png: held-out digits beside their
                           reconstructions; manifold_NNNNNN.png for a 2-D latent space

Everything here works on host arrays at the edge of the engine, like minigan.report.
"""
import os

import numpy as np
from scipy.special import ndtri

from .. import backend, viz
from .likelihood import evaluate

EVAL_SEED = 12345         # the same draws at every checkpoint, so scores compare
N_RECONSTRUCTIONS = 32    # held-out digits shown, each beside its reconstruction
MANIFOLD_SIZE = 20        # a 20 x 20 grid of decoded latent points


def held_out_scores(run):
    """{"heldout_elbo", "heldout_log_px"}: nats per held-out image (beta = 1 bound)."""
    k = run.config["iw_samples"]
    result = evaluate(run.gan, run.held_out, k=k, seed=EVAL_SEED)
    return {"heldout_elbo": result["elbo"], "heldout_log_px": result["log_px"]}


def pictures(run):
    """Reconstructions, and the latent manifold when the latent space is 2-D."""
    reconstructions(run, os.path.join(run.out, f"reconstructions_{run.step:06d}.png"))
    if run.config["latent_dim"] == 2:
        manifold(run, os.path.join(run.out, f"manifold_{run.step:06d}.png"))


def reconstructions(run, path, n=N_RECONSTRUCTIONS):
    """Pairs of columns: a held-out digit (binary), then the decoder's mean at z = mu(x).
    The n digits are spread evenly over the held-out set (which is ordered by class)."""
    x = run.held_out[np.linspace(0, len(run.held_out) - 1, n).astype(int)]
    rec = backend.to_numpy(run.gan.reconstruct(backend.asarray(x)))
    pairs = np.stack([2 * x - 1, rec], axis=1).reshape((2 * len(x),) + x.shape[1:])
    viz.save_image_grid(pairs, path, nrow=16,
                        title=f"vae step {run.step}: held-out digit | reconstruction")


def manifold_points(size=MANIFOLD_SIZE):
    """(size^2, 2) latent points: the standard normal's quantiles at evenly spaced
    probabilities, so each cell holds equal prior mass (Kingma and Welling, Fig. 4)."""
    q = ndtri(np.linspace(0.5 / size, 1 - 0.5 / size, size))
    z1, z2 = np.meshgrid(q, q[::-1])          # z2 grows upwards, as on a plot
    return np.stack([z1.ravel(), z2.ravel()], axis=1).astype(np.float32)


def manifold(run, path, size=MANIFOLD_SIZE):
    """Decode a size x size grid of the 2-D latent space into one picture."""
    images = backend.to_numpy(run.gan.decode(backend.asarray(manifold_points(size))))
    viz.save_image_grid(images, path, nrow=size, title=f"vae step {run.step}: latent manifold")
