"""``python -m minigan.translate``: apply a trained image-to-image generator to images.

    python -m minigan.translate --run runs/pix2pix-mnist-edges --input edges.npy --out digits.npy
    python -m minigan.translate --run runs/cyclegan-mnist-thickness --input thick.npy \\
        --out thin.npy --direction b2a

--input: a .npy array of images in [-1, 1], (N, C, H, W) or (N, H, W) (a channel axis
is added), in the model's input domain.  --out: the translations, float32, same
shape (N, C, H, W).  --direction: a2b (default) or b2a (CycleGAN's second generator).

Any run whose model has a method ``translate(x, direction) -> array`` works: x and
the result are raw arrays of the active backend, (N, C, H, W); the method runs the
generator without a graph, in evaluation mode (pix2pix: as in training, the paper's
test protocol), and raises ValueError for a direction or a shape it cannot take.
(pix2pix: a2b only; cyclegan: a2b and b2a; srresnet and
srgan: a2b, 7x7 inputs to 28x28; simgan: a2b, synthetic digits to refined ones.)
"""
import os
import sys

import numpy as np

from . import backend, gans
from .data.superres import SCALE
from .serialization import load
from .train import read_config
from .cli import Parser as _Parser, UsageError, one_line as _one_line, run_command, \
    run_files as _run_files


def make_parser():
    p = _Parser(prog="python -m minigan.translate", description=__doc__.split("\n\n")[0])
    p.add_argument("--run", required=True, help="a run directory written by minigan.train")
    p.add_argument("--input", required=True, help="images to translate, a .npy file: "
                   "(N, 28, 28) or (N, 1, 28, 28) in [-1, 1] (srresnet, srgan: 7x7)")
    p.add_argument("--out", required=True, help="where to write the translations (.npy)")
    p.add_argument("--direction", choices=("a2b", "b2a"), default="a2b",
                   help="a2b (default) or b2a, CycleGAN's second generator")
    p.add_argument("--backend", choices=("numpy", "cupy"), default="numpy")
    return p


def load_model(run_dir):
    """The model of a run directory, with the weights of its last checkpoint."""
    config_path, checkpoint = _run_files("--run", run_dir)
    config = read_config(config_path)     # the recipe's defaults for settings it predates
    paired = gans.img2img.TRANSLATION_MODELS
    if config.get("model") not in paired + gans.SR_MODELS + ("simgan",):
        raise UsageError(f"--run {run_dir} is a {config.get('model')} run, which has no "
                         f"translating generator (use pix2pix, cyclegan, srresnet, srgan "
                         f"or simgan)")
    shape = (2, 28, 28) if config["model"] in paired else (1, 28, 28)
    config = dict(config, pretrained=None)      # the checkpoint below holds every weight
    model = gans.build(config, shape, config["kind"], seed=config["seed"] + 1)
    try:
        model.load_state_dict(load(checkpoint)["model"])
    except (KeyError, ValueError) as e:
        raise UsageError(f"{checkpoint} does not fit its config.json: {_one_line(e)}") from e
    return model


def trained_input(model_name):
    """(C, H, W) of the images a run of this model was trained to translate: 7x7
    low-resolution digits for super-resolution, 28x28 digits for the others."""
    side = 28 // SCALE if model_name in gans.SR_MODELS else 28
    return (1, side, side)


def read_images(path):
    """A .npy file -> float32 (N, C, H, W) host array, or a one-line UsageError."""
    try:
        x = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read --input {path} as a .npy array (the file np.save "
                         f"writes): {_one_line(e)}") from e
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4 or len(x) == 0 or not np.issubdtype(x.dtype, np.number):
        raise UsageError(f"--input must hold images (N, C, H, W) or (N, H, W), got an "
                         f"array of shape {x.shape} and type {x.dtype}")
    x = x.astype(np.float32)
    if not np.isfinite(x).all() or x.min() < -1.001 or x.max() > 1.001:
        raise UsageError(f"--input values must be finite and in [-1, 1] (got "
                         f"{x.min():.3g} .. {x.max():.3g}); scale 0..255 images by /127.5 - 1")
    return x


def main(argv=None):
    return run_command("minigan.translate", _main, argv)


def _main(argv):
    args = make_parser().parse_args(argv)
    backend.use(args.backend)
    model = load_model(args.run)
    x = read_images(args.input)
    name = read_config(os.path.join(args.run, "config.json"))["model"]
    want = trained_input(name)
    # what the run was trained on, said in the user's terms; a generator's own error
    # (a U-Net's skips that do not line up, a layer's channels) says it in the net's
    hint = (f"this {name} run translates (N, {', '.join(map(str, want))}) images, the "
            f"shape it was trained on: give --input as (N, {want[1]}, {want[2]}) or "
            f"(N, {', '.join(map(str, want))})")
    if x.shape[1] != want[0]:
        raise UsageError(f"--input holds images of shape {x.shape[1:]}; {hint}")
    try:
        y = backend.to_numpy(model.translate(backend.asarray(x), args.direction))
    except ValueError as e:
        if x.shape[1:] != want:
            raise UsageError(f"--input holds images of shape {x.shape[1:]}; {hint}") from e
        raise UsageError(_one_line(e)) from e
    out = args.out if args.out.endswith(".npy") else args.out + ".npy"
    try:
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        np.save(out, y.astype(np.float32))
    except OSError as e:
        raise UsageError(f"cannot write {out}: {e.strerror or e}") from e
    print(f"{len(y)} images translated {args.direction} to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
