"""``python -m minigan.train``: train a GAN from the command line.

    python -m minigan.train --model dcgan                      # MNIST digits, DCGAN recipe
    python -m minigan.train --model wgan-gp --dataset ring     # 8 Gaussians on a ring
    python -m minigan.train --resume runs/dcgan-mnist          # continue a run exactly

A run directory holds config.json, metrics.jsonl (losses and scores), sample
pictures, losses.png and checkpoint.npz (both nets, both optimisers, the random
states and the step).  Checkpoints are written atomically, on Ctrl-C too, so an
interrupted run loses nothing; ``--resume`` continues bit-identically.
``--iterations`` is the length of the whole run, so resuming a run of N steps
with ``--iterations 2N`` trains N more.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy

from . import backend, gans
from .data import DATASETS, KINDS, BatchIterator, DataError, load_dataset
from .serialization import CheckpointError, load, save

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


# ----------------------------------------------------------------- arguments

class _Parser(argparse.ArgumentParser):
    def error(self, message):          # one line instead of argparse's usage block
        raise UsageError(f"{message} (see --help)")


def make_parser():
    p = _Parser(prog="python -m minigan.train", description=__doc__.split("\n\n")[0],
                formatter_class=argparse.RawDescriptionHelpFormatter,
                epilog=_recipes_help())
    p.add_argument("--model", choices=gans.MODELS, default="dcgan")
    p.add_argument("--dataset", choices=DATASETS, default="mnist")
    p.add_argument("--backend", choices=("numpy", "cupy"), default="numpy")
    p.add_argument("--arch", choices=("mlp", "conv"), help="networks for images "
                   "(default: conv for dcgan/wgan/wgan-gp, mlp for gan/cgan; toy data: mlp)")
    p.add_argument("--iterations", type=_positive_int, help="generator updates in the whole run")
    p.add_argument("--batch-size", type=_positive_int)
    p.add_argument("--lr-g", type=_positive_float, help="generator learning rate")
    p.add_argument("--lr-d", type=_positive_float, help="discriminator/critic learning rate")
    p.add_argument("--latent-dim", type=_positive_int)
    p.add_argument("--n-critic", type=_positive_int, help="D updates per G update")
    p.add_argument("--clip", type=_positive_float, help="WGAN weight clipping bound c")
    p.add_argument("--gp-lambda", type=_positive_float, help="WGAN-GP penalty weight")
    p.add_argument("--g-loss", choices=("non-saturating", "minimax"))
    p.add_argument("--lr-decay", choices=("none", "linear"),
                   help="linear: both learning rates fall to 0 over the run, as in the "
                        "WGAN-GP authors' image code (default: none, constant rates)")
    p.add_argument("--hidden", type=_sizes, help="hidden layer widths of MLP nets, e.g. "
                   "128,128,128 (default 128x3 on toy data, 512x3 for wgan-gp's toy recipe)")
    p.add_argument("--content-loss", choices=("features", "mse"), help="srgan: content loss "
                   "on the digit classifier's feature maps (default) or on pixels (SRGAN-MSE)")
    p.add_argument("--adv-weight", type=_positive_float, help="srgan: weight of the "
                   "adversarial loss (default 1e-3, as Ledig et al.)")
    p.add_argument("--pretrained", metavar="DIR", help="srgan: start G from the srresnet run "
                   "in DIR (as the paper does)")
    p.add_argument("--self-reg", type=_non_negative_float, help="simgan: weight lambda of "
                   "the L1 self-regularisation (default 0.5; 0 for the ablation)")
    p.add_argument("--history-size", type=_non_negative_int, help="simgan: refined images "
                   "kept for the discriminator (default 1024; 0: no history buffer)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="run directory (default runs/<model>-<dataset>)")
    p.add_argument("--data-dir", help="folder with MNIST/Fashion-MNIST IDX files")
    p.add_argument("--sample-every", type=_positive_int, help="steps between sample pictures")
    p.add_argument("--checkpoint-every", type=_positive_int, help="steps between checkpoints")
    p.add_argument("--log-every", type=_positive_int, default=10, help="steps between log lines")
    p.add_argument("--resume", metavar="DIR", help="continue the run saved in DIR")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _positive_int(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _positive_float(text):
    value = float(text)
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _non_negative_float(text):
    value = float(text)
    if not value >= 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text}")
    return value


def _non_negative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text}")
    return value


def _sizes(text):
    try:
        sizes = tuple(int(n) for n in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) <= 0:
        raise argparse.ArgumentTypeError(f"must be positive widths like 128,128, got {text}")
    return sizes


def _recipes_help():
    lines = ["defaults (each paper's recipe; toy = gaussian, ring, grid):"]
    for model in gans.MODELS:
        img, toy = gans.defaults(model, "image"), gans.defaults(model, "toy2d")
        opt = f"{img['optimizer']} lr {img['lr_d']:g}"
        if img["optimizer"] == "adam":
            opt += f" betas {tuple(img['betas'])}"
        extra = f", clip {img['clip']}" if model == "wgan" else ""
        if model == "wgan-gp":
            extra = (f", lambda {img['gp_lambda']:g} (toy: {toy['gp_lambda']:g}, betas "
                     f"{tuple(toy['betas'])}, 3x512 ReLU nets, as in the authors' toy script)")
        if model in ("srresnet", "srgan", "simgan"):
            extra = {"srresnet": ", batch 16, pixel MSE (--dataset mnist-sr)",
                     "srgan": ", batch 16, classifier-feature content loss + 1e-3 x "
                              "adversarial, from a --pretrained srresnet run",
                     "simgan": f", batch 32, self-reg lambda {img.get('self_reg')}, history "
                               f"{img.get('history_size')}, 2 R steps per D step "
                               "(--dataset synthetic-digits)"}[model]
            lines.append(f"  {model:8s} {opt}{extra}")
            continue
        lines.append(f"  {model:8s} {opt}, n_critic {img['n_critic']}{extra}")
    return "\n".join(lines)


# ------------------------------------------------------------- configuration

_KNOBS = ("arch", "iterations", "batch_size", "lr_g", "lr_d", "latent_dim", "n_critic",
          "clip", "gp_lambda", "g_loss", "lr_decay", "hidden", "content_loss", "adv_weight",
          "self_reg", "history_size")


def resolve_config(args):
    """Defaults of the model's recipe, overridden by the flags the user gave."""
    kind = KINDS[args.dataset]
    config = gans.defaults(args.model, kind)
    for key in _KNOBS:
        if getattr(args, key) is not None:
            config[key] = getattr(args, key)
    config.update(model=args.model, dataset=args.dataset, seed=args.seed, kind=kind,
                  data_dir=args.data_dir)
    check_pair(config)
    if getattr(args, "pretrained", None):
        config["pretrained"] = _pretrained_checkpoint(args.pretrained, config)
    iters = config["iterations"]
    config["sample_every"] = args.sample_every or max(1, iters // 10)
    config["checkpoint_every"] = args.checkpoint_every or max(1, iters // 10)
    config["log_every"] = args.log_every
    return config


def check_pair(config):
    _check_sr_pair(config)
    if config["model"] == "cgan" and config["dataset"] == "gaussian":
        raise UsageError("cgan needs labelled data with several classes: "
                         "use --dataset ring, grid, mnist or fashion-mnist")
    if config["arch"] == "conv" and config["kind"] != "image":
        raise UsageError(f"--arch conv needs images; {config['dataset']} is a toy set "
                         "(use --arch mlp or --dataset mnist)")


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


def prepare_out_dir(path):
    """Create the run directory and prove it is writable, or say what is wrong."""
    try:
        os.makedirs(path, exist_ok=True)
        probe = os.path.join(path, ".write-test")
        with open(probe, "w") as f:
            f.write("ok")
        os.remove(probe)
    except OSError as e:
        raise UsageError(f"cannot write to --out {path!r}: {e.strerror or e}") from e


# ---------------------------------------------------------------- the run

class Run:
    """Everything one training run holds: data, model, batches, step, files."""

    def __init__(self, config, out_dir, quiet=False):
        self.config, self.out = config, out_dir
        self.data = load_dataset(config["dataset"], data_dir=config.get("data_dir"),
                                 quiet=quiet)
        backend.manual_seed(config["seed"])           # weight initialisation
        self.gan = gans.build(config, self.data.x.shape[1:], self.data.kind,
                              self.data.num_classes, seed=config["seed"] + 1)
        self.batches = BatchIterator(self.data.x, self.data.y,
                                     batch_size=min(config["batch_size"], len(self.data)),
                                     seed=config["seed"])
        self.step = 0

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
        save(self.state_dict(), os.path.join(self.out, "checkpoint.npz"))

    def load_checkpoint(self, path):
        state = load(path)
        if state.get("model_name") != self.config["model"]:
            raise UsageError(f"{path} is a checkpoint of {state.get('model_name')!r}, "
                             f"not {self.config['model']!r}")
        try:
            self.gan.load_state_dict(state["model"])
        except (KeyError, ValueError) as e:
            raise UsageError(f"{path} does not fit this model: {_one_line(e)}") from e
        self.batches.load_state_dict(state["batches"])
        self.step = int(state["step"])


def _one_line(error):
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


class NonFiniteLoss(Exception):
    pass


def train(run, progress=True):
    """Train until ``config['iterations']``; log losses, draw samples, and score and
    checkpoint on the way."""
    from . import report                      # plotting and metrics, at the edge
    config, gan = run.config, run.gan
    total = config["iterations"]
    bar = _progress_bar(run.step, total, progress)
    last = {}
    if run.step == 0:
        run.save_checkpoint()         # so that a run always has a last good checkpoint
    try:
        while run.step < total:
            t0 = time.perf_counter()
            set_learning_rates(run)
            losses = gan.train_step(run.next_batch)
            run.step += 1
            bad = [k for k, v in losses.items() if not math.isfinite(v)]
            if bad:
                raise NonFiniteLoss(f"{bad[0]} is {losses[bad[0]]} at step {run.step}")
            last = losses
            bar.update(1)
            bar.set_postfix({k: f"{v:.3f}" for k, v in losses.items()}, refresh=False)
            if run.step % config["log_every"] == 0 or run.step == total:
                report.log(run, dict(losses, seconds=time.perf_counter() - t0))
            if run.step % config["sample_every"] == 0 or run.step == total:
                report.samples(run)
            if run.step % config["checkpoint_every"] == 0 or run.step == total:
                if run.step < total:          # the last step is scored by report.final
                    report.checkpoint_scores(run)
                run.save_checkpoint()
    except KeyboardInterrupt:
        bar.close()
        run.save_checkpoint()
        print(f"\ninterrupted at step {run.step}: checkpoint written; continue with "
              f"python -m minigan.train --resume {run.out}", file=sys.stderr)
        return 130
    finally:
        bar.close()
    scores = report.final(run)
    summary = ", ".join(f"{k} {v:.4g}" for k, v in {**last, **scores}.items()
                        if isinstance(v, (int, float)))
    print(f"done: {run.step} steps in {run.out}; {summary}")
    return 0


def set_learning_rates(run):
    """The schedule: constant, or linear decay to 0 (a function of the step alone,
    so a resumed run follows the same schedule)."""
    config = run.config
    factor = 1.0
    if config.get("lr_decay") == "linear":
        factor = 1.0 - run.step / config["iterations"]
    run.gan.opt_g.lr = config["lr_g"] * factor
    if run.gan.opt_d is not None:             # srresnet has no discriminator
        run.gan.opt_d.lr = config["lr_d"] * factor


def _progress_bar(start, total, enabled):
    from tqdm import tqdm
    return tqdm(total=total, initial=start, disable=not enabled, unit="it",
                dynamic_ncols=True, leave=True)


# ------------------------------------------------------------------ main

def run_command(prog, body, argv):
    """Run ``body(argv)``; errors a user can fix become one line on stderr and exit 2."""
    try:
        return body(argv)
    except UsageError as e:
        message = str(e)
    except (DataError, backend.BackendError, CheckpointError) as e:
        message = _one_line(e)
    except NonFiniteLoss as e:
        print(f"{prog}: stopped: {e}; the last good checkpoint is kept", file=sys.stderr)
        return 1
    print(f"{prog}: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv=None):
    return run_command("minigan.train", _main, argv)


def _main(argv):
    # a diverging run overflows; the loop reports the first non-finite loss itself
    numpy.seterr(over="ignore", invalid="ignore", divide="ignore")
    args = make_parser().parse_args(argv)
    backend.use(args.backend)
    if args.resume:
        return _resume(args, argv or sys.argv[1:])
    config = resolve_config(args)
    out = args.out or os.path.join("runs", f"{args.model}-{args.dataset}")
    prepare_out_dir(out)
    if os.path.exists(os.path.join(out, "checkpoint.npz")):
        raise UsageError(f"{out} already holds a run; continue it with --resume {out} "
                         "or choose another --out")
    config["backend"] = args.backend
    run = Run(config, out)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    open(os.path.join(out, "metrics.jsonl"), "w").close()
    return train(run, progress=not args.no_progress)


def _resume(args, argv):
    """Reload config.json and checkpoint.npz from the run directory and continue."""
    out = args.resume
    config_path = os.path.join(out, "config.json")
    checkpoint = os.path.join(out, "checkpoint.npz")
    if not os.path.exists(config_path) or not os.path.exists(checkpoint):
        raise UsageError(f"--resume {out}: no config.json and checkpoint.npz there")
    with open(config_path) as f:
        config = json.load(f)
    given = {a.split("=")[0] for a in argv if a.startswith("--")}
    if "--model" in given and args.model != config["model"]:
        raise UsageError(f"--resume {out} is a {config['model']} run, not {args.model}")
    if args.iterations:
        config["iterations"] = args.iterations
    config["backend"] = args.backend
    prepare_out_dir(out)
    run = Run(config, out)
    run.load_checkpoint(checkpoint)
    with open(config_path, "w") as f:
        json.dump(config, f, indent=2)
    from . import report
    report.truncate_log(run)
    return train(run, progress=not args.no_progress)


if __name__ == "__main__":
    sys.exit(main())
