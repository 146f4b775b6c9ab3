"""python -m minigan.train: train a GAN from the command line.

    python -m minigan.train --model dcgan                      # MNIST digits, DCGAN recipe
    python -m minigan.train --model wgan-gp --dataset ring     # 8 Gaussians on a ring
    python -m minigan.train --resume runs/dcgan-mnist          # continue a run exactly

A run directory holds config.json, metrics.jsonl (losses and scores), sample
pictures, losses.png and checkpoint.npz (both nets, both optimisers, the random
states and the step).  What it promises, each checked by tests/test_faults.py:

- Ctrl-C or SIGTERM stops at the end of the current step, writes the checkpoint and
  exits 130 or 143; ``--resume`` then continues bit-identically (on NumPy: with
  ``--backend cupy`` the device's random draws restart from the seed,
  ``backend.generator_state``).  A second Ctrl-C stops at once and writes nothing.
- Checkpoints are written atomically and hold only finite numbers: a step that
  makes a weight or an optimiser moment NaN or infinite stops the run, naming the
  step and the net, and the last finite checkpoint stays.
- On resume, metrics.jsonl is cut back to the checkpoint's step.  A full disk is one
  line and exit 2 with nothing half-written.  One process at a time per folder.
``--iterations`` is the length of the whole run, so resuming a run of N steps
with ``--iterations 2N`` trains N more.
"""
import json
import math
import os
import re
import sys
import time

import numpy

from . import backend, cli, gans, vae
from .cli import EXIT_BAD_INPUT, UsageError, run_command  # noqa: F401  (public names)
from .data import DATASETS, KINDS, BatchIterator, DataError, load_dataset
from .serialization import CheckpointError, load, save

try:
    import fcntl
except ImportError:                         # not on Windows: no folder lock there
    fcntl = None


# ----------------------------------------------------------------- arguments

DESCRIPTION = """Train a GAN from the command line.

  python -m minigan.train --model dcgan                      # MNIST digits, DCGAN recipe
  python -m minigan.train --model wgan-gp --dataset ring     # 8 Gaussians on a ring
  python -m minigan.train --resume runs/dcgan-mnist --iterations 6000   # continue exactly

Ctrl-C or SIGTERM stops after the current step with a checkpoint (exit 130 or
143); --resume continues exactly.  Defaults that depend on the data:"""


def _description():
    lines = [DESCRIPTION]
    for kind, name in (("toy2d", "toy sets (gaussian, ring, grid)"), ("image", "images")):
        d = gans.DATA_DEFAULTS[kind]
        lines.append(f"  {name}: {d['iterations']} iterations, batch size {d['batch_size']}, "
                     f"latent size {d['latent_dim']}, MLP widths {_show(d['hidden'])}")
    return "\n".join(lines)


def make_parser():
    p = cli.Parser(prog="python -m minigan.train", description=_description(),
                   epilog=_recipes_help())
    p.add_argument("--model", choices=gans.MODELS + vae.MODELS, help="default: dcgan")
    p.add_argument("--dataset", choices=DATASETS, help="default: mnist")
    p.add_argument("--backend", choices=("numpy", "cupy"), default="numpy",
                   help="default: numpy")
    p.add_argument("--arch", choices=("mlp", "conv"), help="networks for images "
                   "(default: conv for dcgan/wgan/wgan-gp, mlp for gan/cgan; toy data: mlp)")
    p.add_argument("--iterations", type=cli.positive_int,
                   help="generator updates in the whole run (default: 3000)")
    p.add_argument("--batch-size", type=cli.positive_int,
                   help="default: 64 for images, 256 for toy data")
    p.add_argument("--lr-g", type=cli.positive_float,
                   help="generator learning rate (default: the model's, listed below)")
    p.add_argument("--lr-d", type=cli.positive_float,
                   help="discriminator/critic learning rate (default: the model's, below)")
    p.add_argument("--latent-dim", type=cli.positive_int,
                   help="size of z (default: 100 for images, 2 for toy data)")
    p.add_argument("--n-critic", type=cli.positive_int,
                   help="D updates per G update (default: the model's, below)")
    p.add_argument("--clip", type=cli.positive_float,
                   help="wgan only: weight clipping bound c (default: 0.01)")
    p.add_argument("--gp-lambda", type=cli.positive_float,
                   help="wgan-gp only: penalty weight (default: 10, toy data 0.1)")
    p.add_argument("--g-loss", choices=("non-saturating", "minimax"),
                   help="gan, dcgan, cgan: generator loss (default: non-saturating)")
    p.add_argument("--lr-decay", choices=("none", "linear", "hold-linear"),
                   help="linear: both learning rates fall to 0 over the run, as in the "
                        "WGAN-GP authors' image code; hold-linear: constant for the first "
                        "half, then linearly to 0 (CycleGAN's schedule) (default: none, "
                        "constant rates; cyclegan: hold-linear)")
    p.add_argument("--objective", choices=("l1+cgan", "l1", "cgan", "full", "cycle", "gan",
                                           "gan+forward"),
                   help="the papers' ablations: pix2pix l1+cgan (default) | l1 | cgan; "
                        "cyclegan cycle (default: both cycles, the paper's eq. 3) | full "
                        "(cycles + 0.5 lambda identity, the authors' code) | gan | "
                        "gan+forward")
    p.add_argument("--patch", type=int, choices=gans.pix2pix.PATCHES,
                   help="pix2pix: the discriminator's receptive field, the paper's Table 3: "
                        "1 (PixelGAN), 8, 16 (default) or 38 (ImageGAN: one logit that "
                        "sees the whole 28x28)")
    p.add_argument("--width", type=cli.positive_int,
                   help="pix2pix/cyclegan: channels of the generator's first layer")
    p.add_argument("--hidden", type=cli.sizes, help="hidden layer widths of MLP nets, e.g. "
                   "128,128,128 (default 128x3 on toy data, 512x3 for wgan-gp's --recipe paper, "
                   "256,512,1024 on images)")
    p.add_argument("--lr", type=cli.positive_float, help="vae: Adam's learning rate (default 1e-3)")
    p.add_argument("--beta", type=cli.positive_float, help="vae: weight of the KL term "
                   "(default 1, the ELBO; other values give a beta-VAE)")
    p.add_argument("--iw-samples", type=cli.positive_int, help="vae: samples per held-out "
                   "image of the importance-weighted log p(x) (default 100, conv 20)")
    p.add_argument("--recipe", choices=gans.RECIPE_CHOICES,
                   help="quick or paper (default: quick): only wgan-gp on toy data differs, "
                        "where paper is the authors' toy script (3x512 nets, lr 1e-4 constant)")
    p.add_argument("--content-loss", choices=("features", "mse"), help="srgan: content loss "
                   "on the digit classifier's feature maps (default) or on pixels (SRGAN-MSE)")
    p.add_argument("--adv-weight", type=cli.positive_float, help="srgan: weight of the "
                   "adversarial loss (default 1e-3, as Ledig et al.)")
    p.add_argument("--pretrained", metavar="DIR", help="srgan: start G from the srresnet run "
                   "in DIR (as the paper does)")
    p.add_argument("--self-reg", type=_non_negative_float, help="simgan: weight lambda of "
                   "the L1 self-regularisation (default 0.5; 0 for the ablation)")
    p.add_argument("--history-size", type=cli.nonnegative_int, help="simgan: refined images "
                   "kept for the discriminator (default 1024; 0: no history buffer)")
    p.add_argument("--seed", type=cli.nonnegative_int, help="default: 0")
    p.add_argument("--out", help="run directory (default: runs/<model>-<dataset>)")
    p.add_argument("--data-dir", help="folder with MNIST/Fashion-MNIST IDX files")
    p.add_argument("--sample-every", type=cli.positive_int,
                   help="steps between sample pictures (default: a tenth of the run)")
    p.add_argument("--checkpoint-every", type=cli.positive_int,
                   help="steps between checkpoints (default: a tenth of the run)")
    p.add_argument("--log-every", type=cli.positive_int,
                   help="steps between metrics.jsonl rows (default: 10)")
    p.add_argument("--resume", metavar="DIR", help="continue the run saved in DIR; "
                   "iterations, learning rates and cadences may change, nothing else")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _non_negative_float(text):
    """simgan's --self-reg: a finite number >= 0 (0 switches the term off)."""
    import argparse
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value >= 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text}")
    return value


def _recipes_help():
    lines = ["each model's recipe (the paper's; toy = gaussian, ring, grid):"]
    for model in gans.MODELS:
        img, toy = gans.defaults(model, "image"), gans.defaults(model, "toy2d")
        opt = f"{img['optimizer']}, lr-g {img['lr_g']:g}, lr-d {img['lr_d']:g}"
        if img["optimizer"] == "adam":
            opt += f", betas {tuple(img['betas'])}"
        extra = f", clip {img['clip']}" if model == "wgan" else ""
        if model in gans.img2img.TRANSLATION_MODELS:
            extra = ", " + gans.img2img.describe(model)
        if model == "wgan-gp":
            extra = (f", lambda {img['gp_lambda']:g} (toy: lambda {toy['gp_lambda']:g}, betas "
                     f"{tuple(toy['betas'])}, 3x128 ReLU nets, lr {toy['lr_d']:g} decayed "
                     f"linearly over {toy['iterations']} steps; --recipe paper: the authors' "
                     f"toy script, 3x512 nets, lr 1e-4 constant)")
        if model in ("srresnet", "srgan", "simgan"):
            extra = {"srresnet": ", batch 16, pixel MSE (--dataset mnist-sr)",
                     "srgan": ", batch 16, classifier-feature content loss + 1e-3 x "
                              "adversarial, from a --pretrained srresnet run",
                     "simgan": f", batch 32, self-reg lambda {img.get('self_reg')}, history "
                               f"{img.get('history_size')}, 2 R steps per D step "
                               "(--dataset synthetic-digits)"}[model]
        lines.append(f"  {model:8s} {opt}, n-critic {img['n_critic']}{extra}")
    r = vae.defaults("image")
    lines.append(f"  vae      adam, lr {r['lr']:g}, batch {r['batch_size']}, latent "
                 f"{r['latent_dim']}, MLP 784-400-{r['latent_dim']} tanh (--arch conv: DCGAN "
                 "shapes), beta 1, images only")
    return "\n".join(lines)


# ------------------------------------------------------------- configuration

_KNOBS = ("arch", "iterations", "batch_size", "lr_g", "lr_d", "latent_dim", "n_critic",
          "clip", "gp_lambda", "g_loss", "lr_decay", "hidden", "lr", "beta", "iw_samples",
          "objective", "width", "patch", "content_loss", "adv_weight", "self_reg",
          "history_size")
_CADENCES = ("sample_every", "checkpoint_every", "log_every")
# On --resume: these define the experiment and must match the checkpoint ...
FIXED_ON_RESUME = ("model", "dataset", "arch", "batch_size", "latent_dim", "seed", "hidden",
                   "n_critic", "clip", "gp_lambda", "g_loss", "beta", "objective", "width",
                   "patch", "content_loss", "adv_weight", "self_reg", "history_size")
# ... and these may change; the change is printed and recorded in config.json.
CHANGEABLE_ON_RESUME = ("iterations", "lr_g", "lr_d", "lr_decay", *_CADENCES, "data_dir",
                        "lr", "iw_samples")

# Settings only some models read; the others refuse the flag and leave it out of config.json.
ONLY_FOR = {"clip": ("wgan",), "gp_lambda": ("wgan-gp",),
            "g_loss": ("gan", "dcgan", "cgan"),
            "lr_g": gans.MODELS, "lr_d": gans.MODELS, "n_critic": gans.MODELS,
            "lr": vae.MODELS, "beta": vae.MODELS, "iw_samples": vae.MODELS,
            "objective": ("pix2pix", "cyclegan"), "width": ("pix2pix", "cyclegan"),
            "patch": ("pix2pix",),
            "content_loss": ("srgan",), "adv_weight": ("srgan",), "self_reg": ("simgan",),
            "history_size": ("simgan",)}


def resolve_config(args):
    """Defaults of the model's recipe, overridden by the flags the user gave."""
    model, dataset = args.model or "dcgan", args.dataset or "mnist"
    kind = KINDS[dataset]
    if model == "vae":
        config = vae.defaults(kind, args.arch)
    else:
        config = gans.defaults(model, kind, args.recipe or "quick")
    for key in _KNOBS:
        if getattr(args, key) is not None:
            config[key] = getattr(args, key)
    config.update(model=model, dataset=dataset, seed=args.seed or 0, kind=kind,
                  data_dir=args.data_dir)
    check_pair(config)
    check_flags_apply(config, args)
    check_data_dir(args.data_dir)
    if getattr(args, "pretrained", None):
        config["pretrained"] = _pretrained_checkpoint(args.pretrained, config)
    iters = config["iterations"]
    config["sample_every"] = args.sample_every or max(1, iters // 10)
    config["checkpoint_every"] = args.checkpoint_every or max(1, iters // 10)
    config["log_every"] = args.log_every or 10
    return config


def check_pair(config):
    if config["model"] == "vae":
        problem = vae.check_config(config)
        if problem:
            raise UsageError(problem)
    _check_sr_pair(config)
    translation = gans.img2img.DATA_KIND.get(config["model"])
    if translation or config["kind"] in ("paired", "unpaired"):
        return _check_translation_pair(config, translation)
    if config["model"] == "cgan" and config["dataset"] == "gaussian":
        raise UsageError("cgan needs labelled data with several classes: "
                         "use --dataset ring, grid, mnist or fashion-mnist")
    if config["arch"] == "conv" and config["kind"] != "image":
        raise UsageError(f"--arch conv needs images; {config['dataset']} is a toy set "
                         "(use --arch mlp or --dataset mnist)")


def _check_translation_pair(config, kind):
    """pix2pix needs paired data, cyclegan unpaired data, and the GANs neither."""
    sets = {k: [d for d, v in KINDS.items() if v == k] for k in ("paired", "unpaired")}
    if kind is None:
        raise UsageError(f"{config['dataset']} is translation data: use --model pix2pix "
                         "or cyclegan")
    if config["kind"] != kind:
        raise UsageError(f"{config['model']} needs {kind} data: use --dataset "
                         f"{' or '.join(sets[kind])}")
    allowed = {"pix2pix": ("l1+cgan", "l1", "cgan"),
               "cyclegan": ("full", "cycle", "gan", "gan+forward")}[config["model"]]
    if config.get("objective") not in allowed:
        raise UsageError(f"--objective {config.get('objective')} is not one of "
                         f"{config['model']}'s: {', '.join(allowed)}")


def _check_sr_pair(config):
    """Super-resolution models train on (low-res, high-res) pairs, and only they do."""
    sr_model = config["model"] in gans.SR_MODELS
    sr_data = config["dataset"].endswith("-sr")
    if sr_model and not sr_data:
        raise UsageError(f"{config['model']} needs super-resolution pairs: "
                         "use --dataset mnist-sr or fashion-sr")
    if sr_data and not sr_model:
        raise UsageError(f"--dataset {config['dataset']} is for --model srresnet or srgan")
    if (config["model"] == "simgan") != (config["dataset"] == "synthetic-digits"):
        raise UsageError("simgan refines --dataset synthetic-digits, and only simgan does")


def _pretrained_checkpoint(run_dir, config):
    """The checkpoint of the srresnet run in run_dir, for --pretrained."""
    if config["model"] != "srgan":
        raise UsageError("--pretrained is for --model srgan (a trained srresnet run)")
    path = os.path.join(run_dir, "checkpoint.npz")
    if not os.path.exists(path):
        raise UsageError(f"--pretrained {run_dir}: no checkpoint.npz there")
    name = load(path).get("model_name")
    if name != "srresnet":
        raise UsageError(f"--pretrained {run_dir} is a {name!r} run, not srresnet")
    return path


def check_flags_apply(config, args):
    """A flag the chosen model never reads is an error, not silently ignored."""
    for key, models in ONLY_FOR.items():
        if getattr(args, key) is not None and config["model"] not in models:
            raise UsageError(f"--{key.replace('_', '-')} applies only to "
                             f"{', '.join(models)}, not {config['model']}")
    if args.hidden is not None and config["arch"] == "conv":
        raise UsageError("--hidden sets MLP widths; the conv nets have fixed sizes "
                         "(add --arch mlp to use an MLP)")


def check_data_dir(data_dir):
    if data_dir is not None and not os.path.isdir(data_dir):
        raise UsageError(f"--data-dir {data_dir}: no such folder")


def settings_used(config):
    """What config.json records: the settings this model reads, not every default."""
    used = dict(config)
    for key, models in ONLY_FOR.items():
        if config["model"] in gans.MODELS and config["model"] not in models:
            used.pop(key, None)
    if config.get("optimizer") == "rmsprop":
        used.pop("betas", None)
    if config.get("arch") == "conv" and config["model"] in gans.MODELS:
        for key in ("hidden", "g_activation", "d_activation"):
            used.pop(key, None)
    return used


def resume_config(args, saved, step):
    """The saved configuration with the changes the flags ask for.

    Flags in FIXED_ON_RESUME must agree with the saved run; those in
    CHANGEABLE_ON_RESUME are applied, and the changes recorded under "resumed".
    """
    if args.out is not None and os.path.abspath(args.out) != os.path.abspath(args.resume):
        raise UsageError(f"--out {args.out} with --resume {args.resume}: a resumed run stays "
                         "in its folder; give only --resume")
    if getattr(args, "recipe", None) is not None:
        raise UsageError(f"--recipe chooses a new run's defaults; the run in {args.resume} "
                         "keeps its own")
    config = dict(saved)
    conflicts = [f"--{key.replace('_', '-')} {_show(getattr(args, key))} (the run has "
                 f"{_show(config.get(key))})" for key in FIXED_ON_RESUME
                 if getattr(args, key) is not None and not _same(getattr(args, key),
                                                                   config.get(key))]
    if conflicts:
        raise UsageError(f"--resume {args.resume}: {'; '.join(conflicts)} cannot change "
                         "in a run; start a new run with another --out")
    if args.iterations is not None and args.iterations < step:
        raise UsageError(f"--iterations {args.iterations}: the run in {args.resume} is "
                         f"already at step {step}, and --iterations is the whole run's "
                         f"length: give {step} or more")
    check_data_dir(args.data_dir)
    if args.data_dir is None and config.get("data_dir"):
        check_data_dir_still_there(config["data_dir"])
    changed = {key: [config.get(key), getattr(args, key)] for key in CHANGEABLE_ON_RESUME
               if getattr(args, key) is not None and not _same(getattr(args, key),
                                                                config.get(key))}
    for key, (_, new) in changed.items():
        config[key] = new
    if changed:
        config["resumed"] = [*config.get("resumed", []), {"step": step, "changed": changed}]
    return config, changed


def check_data_dir_still_there(data_dir):
    if not os.path.isdir(data_dir):
        raise UsageError(f"this run read its data from {data_dir}, which is gone; "
                         "give --data-dir with the same files")


def _same(a, b):
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return list(a or []) == list(b or [])
    return a == b


def _show(value):
    return ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


# ------------------------------------------------------------- the run folder

def refuse_foreign_files(path):
    """A new run writes config.json, metrics.jsonl, checkpoint.npz and pictures into
    --out over any files of those names, so it starts only in a folder that is new,
    empty, or minigan's own (a checkpoint, or a config.json that reads as a run's: the
    caller refuses the one and starts the other over).  Anything else is the user's:
    a one-line UsageError, before a file there is touched."""
    try:
        names = sorted(set(os.listdir(path)) - {RunFolder.LOCK})
    except OSError:
        return                          # no folder yet, or not one: prepare_out_dir says
    if not names or "checkpoint.npz" in names:
        return
    try:
        read_config(os.path.join(path, "config.json"))
        return
    except UsageError:
        pass
    shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
    raise UsageError(f"--out {path} holds files that are not a minigan run ({shown}), "
                     "which a run would write over: choose a new or empty folder")


def prepare_out_dir(path):
    """Create the run directory and prove it is writable, or say what is wrong."""
    probe = os.path.join(path, ".write-test")
    try:
        os.makedirs(path, exist_ok=True)
        with open(probe, "w") as f:
            f.write("ok")
    except OSError as e:
        raise UsageError(cli.write_failed(path, e).replace("cannot write", "cannot write to "
                                                            "--out", 1)) from e
    finally:
        if os.path.exists(probe):
            os.remove(probe)


class RunFolder:
    """Holds an advisory lock on a run folder (``fcntl.flock`` on ``.lock``) while open.

    A second process on the same folder gets a one-line error naming the first's pid.
    Holding the lock, it is safe to remove the temporary files of a save that a
    ``kill -9`` cut short (``.tmp-*``), which nobody else can be writing.
    """

    LOCK = ".lock"

    def __init__(self, path):
        self.path, self.fd = path, None

    def __enter__(self):
        if fcntl is None:
            return self
        self.fd = os.open(os.path.join(self.path, self.LOCK), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(self.fd, 32).decode(errors="replace").strip() or "?"
            os.close(self.fd)
            raise UsageError(f"{self.path} is in use by process {holder} (another "
                             "minigan.train); wait for it or stop it, then --resume") from None
        os.ftruncate(self.fd, 0)
        os.write(self.fd, f"{os.getpid()}\n".encode())
        self.remove_orphans()
        return self

    def __exit__(self, *exc):
        if self.fd is not None:
            os.close(self.fd)             # closing the file releases the lock
            self.fd = None

    # the temporary names of serialization.save and write_json (".tmp-*") and of
    # viz's pictures ("<name>.png.<pid>.tmp"); nothing else, so a user's file survives
    ORPHAN = re.compile(r"^\.tmp-|\.png\.\d+\.tmp$")

    def remove_orphans(self):
        for name in sorted(os.listdir(self.path)):
            if self.ORPHAN.search(name):
                os.remove(os.path.join(self.path, name))
                print(f"minigan.train: removed {name}, left by a save that was killed",
                      file=sys.stderr)


def read_config(path):
    """config.json of a run, completed with the recipe's defaults for the settings
    it leaves out, or a one-line UsageError saying what is wrong with it."""
    try:
        with open(path) as f:
            config = json.load(f)
    except (OSError, ValueError) as e:
        raise UsageError(f"{path} is damaged ({cli.one_line(e)}); restore it from a "
                         "copy or start a new run") from None
    if not isinstance(config, dict) or config.get("model") not in gans.MODELS + vae.MODELS \
            or config.get("dataset") not in KINDS:
        raise UsageError(f"{path} is damaged (no valid model and dataset); restore it "
                         "from a copy or start a new run")
    if config["model"] == "vae":
        return {**vae.defaults(KINDS[config["dataset"]], config.get("arch")), **config}
    if "activation" in config:
        # Written before g_activation and d_activation: its one "activation" was D's,
        # and G's was then fixed by the data, ReLU on toy sets and LeakyReLU on images.
        config["d_activation"] = config.pop("activation")
        config["g_activation"] = "leaky_relu" if KINDS[config["dataset"]] == "image" else "relu"
    return {**gans.defaults(config["model"], KINDS[config["dataset"]]), **config}


def write_json(path, value):
    """Write JSON atomically (a temporary file, then a rename)."""
    tmp = os.path.join(os.path.dirname(path) or ".", f".tmp-{os.path.basename(path)}")
    try:
        with open(tmp, "w") as f:
            json.dump(value, f, indent=2)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


# ---------------------------------------------------------------- the run

class Run:
    """Everything one training run holds: data, model, batches, step, files."""

    def __init__(self, config, out_dir, quiet=False):
        self.config, self.out = config, out_dir
        self.data = load_dataset(config["dataset"], data_dir=config.get("data_dir"),
                                 quiet=quiet)
        self.held_out = None             # a VAE trains on part of the data, scores the rest
        if config["model"] == "vae":
            self.data, self.held_out = vae.split_held_out(self.data, config.get("data_dir"))
        if config["batch_size"] > len(self.data):
            raise UsageError(f"batch size {config['batch_size']} is larger than the "
                             f"{len(self.data)} examples of {config['dataset']} "
                             f"({self.data.source}); use --batch-size {len(self.data)} or less")
        backend.manual_seed(config["seed"])           # weight initialisation
        build = vae.build if config["model"] == "vae" else gans.build
        self.gan = build(config, self.data.x.shape[1:], self.data.kind,
                         self.data.num_classes, seed=config["seed"] + 1)
        self.batches = BatchIterator(self.data.x, self.data.y,
                                     batch_size=config["batch_size"], seed=config["seed"])
        self.step = 0
        self.saved_step = None        # the step of the checkpoint on disk

    @property
    def checkpoint_path(self):
        return os.path.join(self.out, "checkpoint.npz")

    def next_batch(self):
        """The next real batch, moved to the active backend: (x, labels or None)."""
        x, y = self.batches.next()
        return backend.asarray(x), (None if y is None else backend.asarray(y))

    # -- checkpoints
    def state_dict(self):
        return {"model": self.gan.state_dict(), "batches": self.batches.state_dict(),
                "step": self.step, "model_name": self.config["model"],
                "dataset": self.config["dataset"]}

    def save_checkpoint(self):
        """Write checkpoint.npz atomically; refuse (NonFinite) if any number is not finite."""
        state = self.state_dict()
        bad = first_nonfinite_host(state)
        if bad:
            raise NonFinite(f"{bad} is not finite at step {self.step}", self)
        save(state, self.checkpoint_path)
        self.saved_step = self.step

    def load_checkpoint(self, path):
        state = load(path)
        if state.get("model_name") != self.config["model"]:
            raise UsageError(f"{path} is a checkpoint of {state.get('model_name')!r}, "
                             f"not {self.config['model']!r}")
        if state.get("dataset", self.config["dataset"]) != self.config["dataset"]:
            raise UsageError(f"{path} was trained on {state['dataset']}, but this run is on "
                             f"{self.config['dataset']}")
        try:
            self.gan.load_state_dict(state["model"])
        except (KeyError, ValueError) as e:
            raise UsageError(f"{path} does not fit this model: {cli.one_line(e)}") from e
        try:
            self.batches.load_state_dict(state["batches"])
        except (KeyError, ValueError) as e:
            raise UsageError(f"{path}: the data changed since this checkpoint "
                             f"({cli.one_line(e)})") from e
        self.step = self.saved_step = int(state["step"])
        bad = first_nonfinite_host(state)
        if bad:
            raise UsageError(f"{path} holds non-finite numbers ({bad}); it cannot be used")


# ----------------------------------------------------- finite numbers only

class NonFinite(Exception):
    """A loss, weight or optimiser moment became NaN or infinite: the run stops."""

    def __init__(self, what, run):
        kept = (f"the last finite checkpoint, step {run.saved_step}, is kept in "
                f"{run.checkpoint_path}" if run.saved_step is not None else "no checkpoint")
        super().__init__(f"{what}; {kept}")


def _state_arrays(gan):
    """(name, array) for every parameter, buffer and optimiser moment of a model.

    Found generically, so a new model needs no code here: every nn.Module and
    optim.Optimizer attribute of the model object (G, D, opt_g, opt_d, ...).
    """
    from . import nn, optim
    for owner, obj in vars(gan).items():
        if isinstance(obj, nn.Module):
            for name, p in obj.named_parameters():
                yield f"{owner}.{name}", p.data
            for name, b in obj.named_buffers():
                yield f"{owner}.{name}", b
        elif isinstance(obj, optim.Optimizer):
            for i, state in enumerate(obj.state):
                for key, value in state.items():
                    if hasattr(value, "dtype"):
                        yield f"{owner} {key} of parameter {i}", value


def first_nonfinite(gan):
    """The name of the first non-finite array of the model, or None.

    One reduction per array: a sum is NaN or infinite when any element is (and, for
    float32, when the sum overflows, which the exact check then rules out).
    """
    xp = backend.xp
    arrays = [(n, a) for n, a in _state_arrays(gan) if a.dtype.kind == "f"]
    if not arrays:
        return None
    with numpy.errstate(over="ignore", invalid="ignore"):     # an overflow is the signal
        sums = xp.stack([a.sum(dtype=a.dtype) for _, a in arrays])
    if bool(xp.isfinite(sums).all()):
        return None
    for name, a in arrays:
        if not bool(xp.isfinite(a).all()):
            return name
    return None


def first_nonfinite_host(tree, path=""):
    """The '/'-path of the first non-finite float array in a nested host state, or None."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            found = first_nonfinite_host(value, f"{path}/{key}" if path else str(key))
            if found:
                return found
    elif isinstance(tree, numpy.ndarray) and tree.dtype.kind == "f":
        if not numpy.isfinite(tree).all():
            return path
    return None


def check_step(run, losses):
    """Stop (NonFinite) if the step's losses or the state it left are not finite."""
    bad = [k for k, v in losses.items() if not math.isfinite(v)]
    if bad:
        raise NonFinite(f"{bad[0]} is {losses[bad[0]]} at step {run.step}", run)
    name = first_nonfinite(run.gan)
    if name:
        raise NonFinite(f"{name} became non-finite at step {run.step}", run)


# -------------------------------------------------------------- the loop

def train(run, progress=True, stop=None):
    """Train until ``config['iterations']``; log losses, draw samples, and score and
    checkpoint on the way.  Returns the exit code: 0, or 128 + the signal number
    when ``stop`` (a cli.StopSignals) asked it to stop between two steps."""
    from . import report                      # plotting and metrics, at the edge
    config, gan = run.config, run.gan
    total = config["iterations"]
    stop = stop or cli.StopSignals()
    bar = _progress_bar(run.step, total, progress)
    last = {}
    try:
        if run.saved_step != run.step:
            run.save_checkpoint()     # so that a run always has a last good checkpoint
        while run.step < total and stop.signum is None:
            t0 = time.perf_counter()
            set_learning_rates(run)
            losses = gan.train_step(run.next_batch)
            run.step += 1
            check_step(run, losses)
            last = losses
            bar.update(1)
            bar.set_postfix({k: f"{v:.3f}" for k, v in losses.items()}, refresh=False)
            if run.step % config["log_every"] == 0 or run.step == total:
                report.log(run, dict(losses, seconds=time.perf_counter() - t0))
            if run.step % config["sample_every"] == 0 and run.step < total:
                report.samples(run)           # the last step's picture is samples_final
            if run.step % config["checkpoint_every"] == 0 or run.step == total:
                if run.step < total:          # the last step is scored by report.final
                    report.checkpoint_scores(run)
                run.save_checkpoint()
        if stop.signum is not None and run.step < total:
            if run.saved_step != run.step:
                run.save_checkpoint()
            bar.close()
            print(f"minigan.train: {stop.name}: stopped after step {run.step} of {total}, "
                  f"checkpoint written; continue with python -m minigan.train --resume "
                  f"{run.out}", file=sys.stderr)
            return cli.EXIT_SIGNAL + stop.signum
        scores = report.final(run)
    except OSError as e:
        raise UsageError(f"{cli.write_failed(e.filename or run.out, e)}; the checkpoint of "
                         f"step {run.saved_step} is kept, continue with --resume "
                         f"{run.out}") from e
    finally:
        bar.close()
    summary = ", ".join(f"{k} {v:.4g}" for k, v in {**last, **scores}.items()
                        if isinstance(v, (int, float)))
    if any("fid" in k for k in scores):           # a score means little without its floor
        from .image_metrics import fid_floor_note  # here: scipy.linalg costs a toy run 0.2 s
        summary += f" (FID: {fid_floor_note()})"
    print(f"done: {run.step} steps in {run.out}; {summary}")
    return 0


def set_learning_rates(run):
    """The schedule: constant, or linear decay to 0 (a function of the step alone,
    so a resumed run follows the same schedule)."""
    config = run.config
    factor = 1.0
    if config.get("lr_decay") == "linear":
        factor = 1.0 - run.step / config["iterations"]
    elif config.get("lr_decay") == "hold-linear":      # Zhu et al.: flat, then down to 0
        half = config["iterations"] / 2
        factor = min(1.0, 1.0 - (run.step - half) / half)
    if config.get("model") == "vae":                   # one optimiser, one rate
        run.gan.opt.lr = config["lr"] * factor
        return
    run.gan.opt_g.lr = config["lr_g"] * factor
    if run.gan.opt_d is not None:             # srresnet has no discriminator
        run.gan.opt_d.lr = config["lr_d"] * factor


def _progress_bar(start, total, enabled):
    from tqdm import tqdm
    return tqdm(total=total, initial=start, disable=not enabled, unit="it",
                dynamic_ncols=True, leave=True)


# ------------------------------------------------------------------ main

def main(argv=None):
    return run_command("minigan.train", _main, argv)


def _main(argv):
    args = make_parser().parse_args(argv)
    backend.use(args.backend)
    # a diverging run overflows; the loop reports the first non-finite number itself
    previous = numpy.seterr(over="ignore", invalid="ignore", divide="ignore")
    try:
        with cli.StopSignals() as stop:
            if args.resume:
                return _resume(args, stop)
            return _start(args, stop)
    except NonFinite as e:
        print(f"minigan.train: stopped: {e}", file=sys.stderr)
        return cli.EXIT_FAILED
    finally:
        numpy.seterr(**previous)


def _start(args, stop):
    """A new run in --out (default runs/<model>-<dataset>)."""
    config = resolve_config(args)
    out = args.out or os.path.join("runs", f"{config['model']}-{config['dataset']}")
    refuse_foreign_files(out)
    prepare_out_dir(out)
    with RunFolder(out):
        if os.path.exists(os.path.join(out, "checkpoint.npz")):
            raise UsageError(f"{out} already holds a run; continue it with --resume {out} "
                             "or choose another --out")
        config["backend"] = args.backend
        run = Run(config, out)
        config["data_source"] = run.data.source
        try:
            write_json(os.path.join(out, "config.json"), settings_used(config))
            open(os.path.join(out, "metrics.jsonl"), "w").close()
        except OSError as e:
            raise UsageError(cli.write_failed(e.filename or out, e)) from e
        return train(run, progress=not args.no_progress, stop=stop)


def _resume(args, stop):
    """Reload config.json and checkpoint.npz from the run directory and continue."""
    out = args.resume
    config_path, checkpoint = cli.run_files("--resume", out)
    prepare_out_dir(out)
    with RunFolder(out):
        saved = read_config(config_path)
        step = int(load(checkpoint).get("step", 0))
        config, changed = resume_config(args, saved, step)
        config["backend"] = args.backend
        # the bundled-digits notice was shown when the run started
        run = Run(config, out, quiet=saved.get("data_source") == "bundled sample")
        run.load_checkpoint(checkpoint)
        if changed:
            print(f"minigan.train: resuming {out} at step {run.step} with " + ", ".join(
                f"{k.replace('_', '-')} {_show(a)} -> {_show(b)}" for k, (a, b) in changed.items()))
        from . import report
        try:
            write_json(config_path, settings_used(config))
            report.truncate_log(run)
        except OSError as e:
            raise UsageError(cli.write_failed(e.filename or out, e)) from e
        return train(run, progress=not args.no_progress, stop=stop)


if __name__ == "__main__":
    sys.exit(main())
