"""What every minigan command shares: its argument parser, one-line errors, exit codes
and the way it stops on a signal.

    from minigan import cli

    parser = cli.Parser(prog="python -m minigan.something", description="...")
    parser.add_argument("--n", type=cli.positive_int, default=64)
    sys.exit(cli.run_command("minigan.something", body, argv))

A mistake the user can fix (a bad flag, a damaged file, a full disk) is one line
on stderr and exit code 2; nothing in this module prints a traceback for them.
"""
import argparse
import difflib
import errno
import math
import os
import re
import shutil
import signal
import sys

EXIT_FAILED = 1                 # the run itself failed (a diverged model)
EXIT_BAD_INPUT = 2              # the user can fix it: a flag, a file, the disk
EXIT_SIGNAL = 128               # + the signal number, as the shell reports it (130, 143)


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


class Interrupted(KeyboardInterrupt):
    """A second SIGINT/SIGTERM: stop at once, write nothing more."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


# ----------------------------------------------------------------- arguments

# "-1e-3", "-.5", "-inf": argparse would take these for flags and answer "expected one
# argument"; reading them as values lets the type check say what is wrong with them.
_NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-(inf|infinity|nan)$",
                              re.IGNORECASE)


class Parser(argparse.ArgumentParser):
    """argparse, with every error as one line (``UsageError``) instead of a usage block."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_NUMBER

    def error(self, message):
        raise UsageError(f"{message} (see --help)")


def positive_int(text):
    """An integer > 0 (argparse type)."""
    return _integer(text, 1, "a positive integer")


def nonnegative_int(text):
    """An integer >= 0 (argparse type)."""
    return _integer(text, 0, "an integer >= 0")


def _integer(text, low, what):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None
    if value < low:
        raise argparse.ArgumentTypeError(f"must be {what}, got {text}")
    return value


def positive_float(text):
    """A finite number > 0 (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}") from None
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def sizes(text):
    """Comma-separated positive widths, e.g. '128,128' -> (128, 128) (argparse type)."""
    try:
        widths = tuple(int(n) for n in text.split(","))
    except ValueError:
        widths = ()
    if not widths or min(widths) <= 0:
        raise argparse.ArgumentTypeError(f"must be positive widths like 128,128, got {text!r}")
    return widths


# ------------------------------------------------------------------ errors

def one_line(error):
    """The first line of an exception's message (or its type's name)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def run_files(flag, path):
    """(config.json, checkpoint.npz) of the run in ``path``, named by ``flag`` (--run or
    --resume); a folder without both is a one-line UsageError (``_no_run``)."""
    config, checkpoint = os.path.join(path, "config.json"), os.path.join(path, "checkpoint.npz")
    if not (os.path.exists(config) and os.path.exists(checkpoint)):
        raise UsageError(_no_run(flag, path))
    return config, checkpoint


def _no_run(flag, path):
    """The one line for a --run or --resume folder that holds no run, with the runs beside
    it (a misspelt name is the usual cause) or, when there are none, what to give."""
    parent = os.path.dirname(os.path.normpath(path)) or "."
    try:
        runs = sorted(name for name in os.listdir(parent)
                      if os.path.isfile(os.path.join(parent, name, "checkpoint.npz")))
    except OSError:
        runs = []
    close = difflib.get_close_matches(os.path.basename(os.path.normpath(path)), runs, n=1)
    if close:
        hint = f"did you mean {os.path.join(parent, close[0])}?"
    elif runs:
        listed = ", ".join(runs[:6]) + (", ..." if len(runs) > 6 else "")
        hint = f"the runs in {os.path.join(parent, '')} are {listed}"
    else:
        hint = "give a folder that minigan.train wrote, such as runs/dcgan-mnist"
    return f"{flag} {path}: no config.json and checkpoint.npz there; {hint}"


def free_space(path):
    """Free bytes on the disk holding ``path`` (or the nearest folder above that exists)."""
    path = os.path.abspath(path)
    while not os.path.exists(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


def human_bytes(n):
    """1536 -> '1.5 KB' (powers of 1024)."""
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024


def write_failed(path, error):
    """One line for an OSError met while writing ``path``: the file, the reason, free space."""
    return f"cannot write {path}: {_reason(error, path)}"


def _reason(error, path=None):
    """The OS's words for an error, with the free space when the disk is full."""
    reason = error.strerror or one_line(error)
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        free = free_space(path or error.filename)
        if free is not None:
            reason += f", {human_bytes(free)} free on that disk"
    return reason


def run_command(prog, body, argv):
    """Run ``body(argv)`` and return its exit code; what a user can fix becomes one line.

    UsageError, a file the user gave that cannot be read or written, or too little
    memory: ``prog: error: ...`` and exit 2.  A second Ctrl-C (``Interrupted``) or a
    Ctrl-C outside the training loop: one line, exit 128 + the signal number.
    """
    from . import backend
    from .data import DataError
    from .serialization import CheckpointError
    try:
        return body(argv)
    except UsageError as e:
        message = str(e)
    except (DataError, backend.BackendError, CheckpointError) as e:
        message = one_line(e)
    except OSError as e:                 # a file the user named, or the disk
        message = f"{e.filename}: {_reason(e)}" if e.filename else one_line(e)
    except MemoryError:
        message = "not enough memory (try a smaller --batch-size or --n)"
    except KeyboardInterrupt as e:
        signum = getattr(e, "signum", signal.SIGINT)
        print(f"{prog}: {signal.Signals(signum).name}: stopped at once, nothing more written",
              file=sys.stderr)
        return EXIT_SIGNAL + signum
    print(f"{prog}: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


# ----------------------------------------------------------------- signals

class StopSignals:
    """SIGINT (Ctrl-C) and SIGTERM (``kill``, ``timeout``, ``docker stop``) as a request.

    Inside ``with StopSignals() as stop:`` the first signal only sets
    ``stop.signum``; the training loop looks at it between steps, so a checkpoint
    never holds half a step.  A second signal raises ``Interrupted`` at once.
    Outside the main thread (where Python cannot install handlers) it does nothing.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.signum = None
        self._previous = {}

    def __enter__(self):
        try:
            for s in self.SIGNALS:
                if signal.getsignal(s) is not signal.SIG_IGN:   # nohup'd, '&': left ignored
                    self._previous[s] = signal.signal(s, self._handle)
        except ValueError:                  # not the main thread
            pass
        return self

    def __exit__(self, *exc):
        for s, handler in self._previous.items():
            signal.signal(s, handler)
        self._previous = {}

    def _handle(self, signum, frame):
        if self.signum is not None:
            raise Interrupted(signum)
        self.signum = signum

    @property
    def name(self):
        return signal.Signals(self.signum).name if self.signum else None
