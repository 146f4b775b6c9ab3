"""Run ``python -m minigan.train`` with one fault injected; used by test_faults.py.

    python tests/faultinject.py FAULT [FAULT ...] -- <minigan.train flags>

A FAULT is one of
    signal:SIGINT:SEED:A:B   send SIGINT (or SIGTERM) to this process after the k-th
                          parameter update, k drawn in [A, B) with SEED: between two
                          updates of an optimiser step, in the middle of a training step
    signal2:SIGINT:SEED:A:B  the same signal twice, the second after the next update
    kill-save:N:BYTES     SIGKILL this process after BYTES bytes of its N-th
                          checkpoint write (a power cut during a save)
    enospc-save:N:BYTES   the disk fills after BYTES bytes of the N-th checkpoint write
    enospc-log:N          the disk fills halfway through the N-th metrics.jsonl row
    nan:K                 after step K, one weight of G becomes NaN

The faults are real where it matters: signals are delivered by the kernel, the
kill is SIGKILL, and a full disk raises the OSError(ENOSPC) a write would raise,
after the bytes that fitted have reached the file.
"""
import builtins
import errno
import os
import random
import signal
import sys


class FailingFile:
    """A file object that lets ``budget`` more bytes through, then calls ``fail()``."""

    def __init__(self, f, budget, fail):
        self._f, self._budget, self._fail = f, budget, fail

    def write(self, data):
        if len(data) > self._budget:
            self._f.write(data[:self._budget])
            self._f.flush()
            os.fsync(self._f.fileno())
            self._budget = 0
            self._fail()
        self._budget -= len(data)
        return self._f.write(data)

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._f.__exit__(*exc)

    def __iter__(self):
        return iter(self._f)


def enospc():
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def kill_self():
    os.kill(os.getpid(), signal.SIGKILL)


def on_nth_save(n, budget, fail):
    """The n-th file that serialization.save opens fails after ``budget`` bytes."""
    from minigan import serialization
    real_fdopen, count = os.fdopen, [0]

    class FaultyOs:                 # serialization.os, with a faulty fdopen
        def __getattr__(self, name):
            return getattr(os, name)

        @staticmethod
        def fdopen(fd, *args, **kwargs):
            f = real_fdopen(fd, *args, **kwargs)
            count[0] += 1
            return FailingFile(f, budget, fail) if count[0] == n else f

    serialization.os = FaultyOs()


def on_nth_log(n):
    """The n-th append to metrics.jsonl fails halfway through its line."""
    real_open, count = builtins.open, [0]

    def faulty_open(file, mode="r", *args, **kwargs):
        f = real_open(file, mode, *args, **kwargs)
        if str(file).endswith("metrics.jsonl") and "a" in mode:
            count[0] += 1
            if count[0] == n:
                return FailingFile(f, 20, enospc)
        return f

    builtins.open = faulty_open


def signal_inside_a_step(signum, seed, low, high, twice=False):
    """Deliver ``signum`` after a random parameter update (of a random step)."""
    from minigan import optim
    target = random.Random(seed).randrange(low, high)
    count = [0]

    def wrap(cls):
        update = cls._update

        def counted(self, p, g, state):
            update(self, p, g, state)
            count[0] += 1
            if count[0] == target or (twice and count[0] == target + 1):
                os.kill(os.getpid(), signum)

        cls._update = counted

    for cls in (optim.SGD, optim.Adam, optim.RMSProp):
        wrap(cls)


def nan_after_step(k):
    """The model's k-th train_step ends with a NaN in G's first weight."""
    from minigan import gans
    real_build = gans.build

    def build(*args, **kwargs):
        gan = real_build(*args, **kwargs)
        real_step, steps = gan.train_step, [0]

        def train_step(next_batch):
            losses = real_step(next_batch)
            steps[0] += 1
            if steps[0] == k:
                next(iter(gan.G.parameters())).data[0, ...] = float("nan")
            return losses

        gan.train_step = train_step
        return gan

    gans.build = build


def install(fault):
    kind, *args = fault.split(":")
    if kind in ("signal", "signal2"):
        signal_inside_a_step(getattr(signal, args[0]), *map(int, args[1:4]),
                             twice=kind == "signal2")
    elif kind == "kill-save":
        on_nth_save(int(args[0]), int(args[1]), kill_self)
    elif kind == "enospc-save":
        on_nth_save(int(args[0]), int(args[1]), enospc)
    elif kind == "enospc-log":
        on_nth_log(int(args[0]))
    elif kind == "nan":
        nan_after_step(int(args[0]))
    else:
        raise SystemExit(f"unknown fault {fault}")


if __name__ == "__main__":
    split = sys.argv.index("--")
    for fault in sys.argv[1:split]:
        install(fault)
    from minigan import train
    sys.exit(train.main(sys.argv[split + 1:]))
