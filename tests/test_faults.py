"""Never lose a run: the faults a long training run meets, injected on purpose.

Each test backs one of the README's reliability promises:
- Ctrl-C / SIGTERM at any moment inside a step: exit 130 / 143 after the step, and
  the resumed run equals an uninterrupted one, array by array and row by row;
  a second signal stops at once and writes nothing.
- kill -9 during a checkpoint write: the previous checkpoint stays whole, the
  temporary file is removed at the next start, resume is exact.
- A full disk (ENOSPC) in the checkpoint or the metrics writer: one line naming the
  file and the free space, exit 2, no half checkpoint or half row, resume is exact.
- A NaN in a weight: the run stops naming the step and the net; every checkpoint
  on disk is finite; minigan.sample and --resume refuse a non-finite checkpoint.
- Two processes on one run folder: the second is refused, naming the first's pid.
- Every bad input of issue 11 (items 5, 8, 9): one line on stderr, exit 2, nothing
  changed.
The faults are injected by tests/faultinject.py in a child process; tiny models
(an 8x8 MLP GAN on the ring) keep the whole file fast.
"""
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import minigan as mg
from minigan import report, sample, train, translate

ROOT = Path(__file__).resolve().parents[1]
INJECT = str(ROOT / "tests" / "faultinject.py")
TIMEOUT = 300
N = 120                                    # steps of the reference run
TOY = ["--model", "gan", "--dataset", "ring", "--hidden", "8,8", "--batch-size", "32",
       "--seed", "5", "--log-every", "5", "--checkpoint-every", "20",
       "--sample-every", "100000", "--no-progress"]


# ---------------------------------------------------------------- helpers

def child_env(cwd):
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return dict(os.environ, PYTHONPATH=path, MINIGAN_OFFLINE="1",
                MINIGAN_CACHE=str(cwd / "cache"), OMP_NUM_THREADS="1",
                OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")


def start(cwd, *flags, faults=()):
    """minigan.train in a child process, with faults injected (see faultinject.py)."""
    command = [INJECT, *faults, "--"] if faults else ["-m", "minigan.train"]
    return subprocess.Popen([sys.executable, *command, *flags], cwd=cwd, env=child_env(cwd),
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_as_in_a_terminal)


def _as_in_a_terminal():
    """Ctrl-C's default action in the child, even when pytest itself runs in the
    background (where the shell starts it with SIGINT ignored, which minigan keeps)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def finish(proc, timeout=TIMEOUT):
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def run_all(cwd, jobs):
    """Start every (flags, faults) job at once (two cores), then wait for them all."""
    procs = [start(cwd, *flags, faults=faults) for flags, faults in jobs]
    return [finish(p) for p in procs]


def one_line(err):
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def arrays(run_dir):
    """Every array of a checkpoint, the JSON of the tree (step, random state) included."""
    with np.load(run_dir / "checkpoint.npz") as f:
        return {k: f[k] for k in f.files}


def step_of(run_dir):
    return int(mg.load(str(run_dir / "checkpoint.npz"))["step"])


def rows(run_dir):
    """metrics.jsonl without the timings; fails on a torn line."""
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    return [{k: v for k, v in json.loads(line).items() if k != "seconds"} for line in lines]


def leftovers(run_dir):
    return sorted(p.name for p in run_dir.iterdir() if p.name.startswith(".tmp-")
                  or p.name.endswith(".tmp"))


def assert_same_run(run_dir, reference):
    """The run in run_dir equals the uninterrupted reference, array by array."""
    a, b = arrays(run_dir), reference["arrays"]
    assert a.keys() == b.keys()
    different = [k for k in a if not np.array_equal(a[k], b[k])]
    assert not different, f"{len(different)} arrays differ: {different[:5]}"
    assert rows(run_dir) == reference["rows"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run every faulty run is compared with."""
    cwd = tmp_path_factory.mktemp("reference")
    (code, out, err), = run_all(cwd, [([*TOY, "--iterations", str(N), "--out", "ref"], ())])
    assert code == 0, err
    return {"arrays": arrays(cwd / "ref"), "rows": rows(cwd / "ref"), "dir": cwd / "ref"}


# ------------------------------------------------------- signals in a step

SIGNALS = {"SIGINT": 130, "SIGTERM": 143}


def test_signals_inside_steps_then_resume_is_exact(tmp_path, reference):
    """SIGINT or SIGTERM after a random parameter update (mid-step), for several
    seeds; two of the runs are interrupted twice.  Each stops after its step
    with one line, and resuming gives the reference run exactly."""
    plans = {1: ["SIGINT", "SIGTERM"], 2: ["SIGTERM", "SIGINT"], 3: ["SIGINT"], 4: ["SIGTERM"]}
    flags = {s: [*TOY, "--iterations", str(N), "--out", f"r{s}"] for s in plans}
    for phase in range(3):
        jobs = {}
        for seed, signals in plans.items():
            if phase < len(signals):
                # parameter updates: 12 a step here; the second signal comes sooner
                fault = f"signal:{signals[phase]}:{seed * 10 + phase}:30:{600 - 300 * phase}"
                jobs[seed] = (flags[seed] if phase == 0 else
                              ["--resume", f"r{seed}", "--no-progress"], [fault])
            elif phase == len(signals):
                jobs[seed] = (["--resume", f"r{seed}", "--no-progress"], [])
        results = run_all(tmp_path, list(jobs.values()))
        for seed, (code, out, err) in zip(jobs, results):
            run_dir = tmp_path / f"r{seed}"
            if phase < len(plans[seed]):
                assert code == SIGNALS[plans[seed][phase]], err
                line = one_line(err)
                stopped = int(line.split("after step ")[1].split()[0])
                assert f"--resume r{seed}" in line and 0 < stopped < N
                assert step_of(run_dir) == stopped            # a whole step, no more
                assert max(r["step"] for r in rows(run_dir)) <= stopped
            else:
                assert code == 0, err
                assert_same_run(run_dir, reference)
                assert not leftovers(run_dir)


def test_a_second_signal_stops_at_once_and_writes_nothing(tmp_path, reference):
    (code, out, err), = run_all(tmp_path, [([*TOY, "--iterations", str(N), "--out", "r"],
                                            ["signal2:SIGINT:7:30:600"])])
    assert code == 130 and "at once" in one_line(err)
    assert step_of(tmp_path / "r") % 20 == 0         # only the last regular checkpoint
    assert not leftovers(tmp_path / "r")
    (code, out, err), = run_all(tmp_path, [(["--resume", "r", "--no-progress"], [])])
    assert code == 0, err
    assert_same_run(tmp_path / "r", reference)


# ------------------------------------------------ crashes and a full disk

def test_kill_9_during_a_checkpoint_write(tmp_path, reference):
    """SIGKILL a third of the way into the save of step 40: checkpoint.npz is still
    step 20's; a torn metrics row (a kill during a log write) is dropped on resume;
    the orphan temporary file is removed; the resumed run is exact."""
    (code, out, err), = run_all(tmp_path, [([*TOY, "--iterations", str(N), "--out", "r"],
                                            ["kill-save:3:1000"])])
    run_dir = tmp_path / "r"
    assert code == -signal.SIGKILL
    assert step_of(run_dir) == 20                    # the previous checkpoint, whole
    orphans = leftovers(run_dir)
    assert len(orphans) == 1 and (run_dir / orphans[0]).stat().st_size > 0
    with open(run_dir / "metrics.jsonl", "a") as f:
        f.write('{"step": 45, "loss_')                # as if killed inside a row
    (code, out, err), = run_all(tmp_path, [(["--resume", "r", "--no-progress"], [])])
    assert code == 0, err
    assert orphans[0] in err and not leftovers(run_dir)
    assert_same_run(run_dir, reference)


@pytest.mark.parametrize("fault,name", [("enospc-save:3:1000", "checkpoint.npz"),
                                        ("enospc-log:7", "metrics.jsonl")])
def test_full_disk_is_one_line_and_loses_nothing(tmp_path, reference, fault, name):
    (code, out, err), = run_all(tmp_path, [([*TOY, "--iterations", str(N), "--out", "r"],
                                            [fault])])
    run_dir = tmp_path / "r"
    line = one_line(err)
    assert code == 2
    assert name in line and os.strerror(errno.ENOSPC) in line and "free" in line
    assert "--resume r" in line
    assert not leftovers(run_dir)                    # no half checkpoint
    rows(run_dir)                                    # no half row
    assert step_of(run_dir) == 20
    (code, out, err), = run_all(tmp_path, [(["--resume", "r", "--no-progress"], [])])
    assert code == 0, err
    assert_same_run(run_dir, reference)


FULL_DISK = """
set -e
mount -t tmpfs -o size=1m tmpfs disk && cd disk
python -m minigan.train $TOY --iterations 5 --out a > /dev/null 2>&1
fill() { python -c "import shutil; open('filler', 'wb').write(bytes(max(0, shutil.disk_usage('.').free - $1)))"; }
fill 0                                             # not one byte free
set +e
python -m minigan.train $TOY --iterations 5 --out b 2> ../b.err; echo $? > ../b.rc
rm filler; fill 49152                              # room for a few more saves
python -m minigan.train --resume a --iterations 200 --log-every 1 --no-progress 2> ../a.err
echo $? > ../a.rc
cp -a a ../a-full; rm filler
python -m minigan.train --resume a --iterations 200 --no-progress > /dev/null 2> ../again.err
echo $? > ../again.rc
ls -A b > ../b.ls; cp -a a ../a-after
"""


def _can_mount_tmpfs():
    if not shutil.which("unshare") or not sys.platform.startswith("linux"):
        return False
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                            "mount -t tmpfs tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs unshare and a user namespace")
def test_a_real_full_disk(tmp_path):
    """The same on a real disk that fills up: a 1 MB tmpfs in a private mount namespace.
    A new run on a full disk leaves nothing; a run that meets a full disk stops with
    one line, keeps a whole checkpoint and whole rows, and resumes once there is room."""
    (tmp_path / "disk").mkdir()
    env = dict(child_env(tmp_path), TOY=" ".join(TOY))
    subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", FULL_DISK],
                   cwd=tmp_path, env=env, timeout=TIMEOUT, check=True)
    read = lambda name: (tmp_path / name).read_text()  # noqa: E731
    assert read("b.rc").strip() == "2" and not read("b.ls").strip()   # no .write-test left
    line = one_line(read("b.err"))
    assert os.strerror(errno.ENOSPC) in line and "free" in line
    assert read("a.rc").strip() == "2"
    line = one_line(read("a.err"))
    assert os.strerror(errno.ENOSPC) in line and "--resume a" in line
    full = tmp_path / "a-full"
    assert not leftovers(full) and step_of(full) >= 5
    assert max(r["step"] for r in rows(full)) > 5                     # it trained on
    assert read("again.rc").strip() == "0", read("again.err")
    assert step_of(tmp_path / "a-after") == 200 and rows(tmp_path / "a-after")


# -------------------------------------------------------- finite numbers

def _all_finite(run_dir):
    return all(np.isfinite(v).all() for v in arrays(run_dir).values() if v.dtype.kind == "f")


def test_non_finite_weights_stop_the_run_and_are_never_saved(tmp_path):
    jobs = [([*TOY, "--iterations", str(N), "--out", "nan"], ["nan:30"]),
            ([*TOY, "--lr-g", "1e300", "--iterations", "1", "--out", "huge"], []),
            ([*TOY, "--lr-g", "1e6", "--lr-d", "1e6", "--iterations", "50",
              "--checkpoint-every", "1", "--out", "diverge"], [])]
    (c1, _, e1), (c2, _, e2), (c3, _, e3) = run_all(tmp_path, jobs)
    line = one_line(e1)
    assert c1 == 1 and "G.net.0.weight" in line and "step 30" in line and "step 20" in line
    assert step_of(tmp_path / "nan") == 20
    line = one_line(e2)
    assert c2 == 1 and "step 1" in line and "G." in line
    assert step_of(tmp_path / "huge") == 0
    line = one_line(e3)
    assert c3 == 1 and " at step " in line and "last finite checkpoint" in line
    for name in ("nan", "huge", "diverge"):
        assert _all_finite(tmp_path / name), name


def test_sample_and_resume_refuse_a_non_finite_checkpoint(tmp_path, reference, capsys):
    run_dir = tmp_path / "r"
    shutil.copytree(reference["dir"], run_dir)
    state = mg.load(str(run_dir / "checkpoint.npz"))
    state["model"]["G"]["net.0.weight"][0, 0] = np.nan
    mg.save(state, str(run_dir / "checkpoint.npz"))
    assert sample.main(["--run", str(run_dir), "--n", "4", "--out",
                        str(tmp_path / "s.npy")]) == 2
    assert "non-finite" in one_line(capsys.readouterr().err)
    assert not (tmp_path / "s.npy").exists()
    assert train.main(["--resume", str(run_dir), "--no-progress"]) == 2
    assert "non-finite" in one_line(capsys.readouterr().err)


# ------------------------------------------------------ one run per folder

def test_two_processes_on_one_folder(tmp_path):
    first = start(tmp_path, *TOY, "--iterations", "100000", "--log-every", "1", "--out", "r")
    others = []
    try:
        log = tmp_path / "r" / "metrics.jsonl"
        deadline = time.time() + TIMEOUT
        while time.time() < deadline and not (log.exists() and log.read_text().count("\n") >= 3):
            time.sleep(0.02)
        others = [start(tmp_path, "--resume", "r", "--no-progress"),
                  start(tmp_path, *TOY, "--out", "r")]
        for proc in others:
            code, out, err = finish(proc, timeout=60)
            assert code == 2 and f"in use by process {first.pid}" in one_line(err)
        first.send_signal(signal.SIGTERM)             # at a random moment, from outside
        code, out, err = finish(first)
        assert code == 143 and "SIGTERM" in one_line(err)
    finally:
        for proc in (first, *others):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    stopped = step_of(tmp_path / "r")
    assert max(r["step"] for r in rows(tmp_path / "r")) <= stopped


# ------------------------------------------------ one-line errors (in process)

@pytest.fixture
def small_run(tmp_path, capsys):
    """A finished 4-step run in tmp_path / 'run'."""
    out = tmp_path / "run"
    assert train.main([*TOY, "--iterations", "4", "--out", str(out)]) == 0
    capsys.readouterr()
    return out


def _error(capsys, code, expected):
    err = capsys.readouterr().err
    assert code == 2, err
    line = one_line(err)
    for text in expected:
        assert text in line, line
    return line


@pytest.mark.parametrize("flags,expected", [
    (["--seed", "-1"], ["--seed", ">= 0", "-1"]),
    (["--lr-g", "-1e-3"], ["--lr-g", "positive", "-1e-3"]),
    (["--iterations", "x"], ["--iterations", "positive integer", "'x'"]),
    (["--clip", "0.1"], ["--clip", "only to wgan"]),
    (["--gp-lambda", "1"], ["--gp-lambda", "only to wgan-gp"]),
    (["--data-dir", "nowhere"], ["--data-dir nowhere", "no such folder"]),
])
def test_bad_flags_are_one_line(tmp_path, capsys, flags, expected):
    code = train.main(["--model", "gan", "--dataset", "ring", *flags,
                       "--out", str(tmp_path / "r")])
    line = _error(capsys, code, expected)
    assert "_positive" not in line and "expected one argument" not in line
    assert not (tmp_path / "r").exists()


def _idx_folder(path, n):
    from minigan.data import write_idx
    path.mkdir()
    write_idx(path / "train-images-idx3-ubyte", np.zeros((n, 28, 28), np.uint8))
    write_idx(path / "train-labels-idx1-ubyte", (np.arange(n) % 10).astype(np.uint8))
    return str(path)


def test_idx_files_with_no_images_or_too_few(tmp_path, capsys):
    empty = _idx_folder(tmp_path / "empty", 0)
    code = train.main(["--model", "gan", "--dataset", "mnist", "--data-dir", empty,
                       "--out", str(tmp_path / "a")])
    _error(capsys, code, ["train-images-idx3-ubyte", "0 images"])
    few = _idx_folder(tmp_path / "few", 20)
    code = train.main(["--model", "gan", "--dataset", "mnist", "--data-dir", few,
                       "--batch-size", "64", "--out", str(tmp_path / "b")])
    _error(capsys, code, ["batch size 64", "20 examples", "--batch-size 20"])
    assert not (tmp_path / "b" / "config.json").exists()


@pytest.mark.parametrize("content", ["", '{"model": "gan", "data'])
def test_damaged_config_json(small_run, tmp_path, capsys, content):
    (small_run / "config.json").write_text(content)
    _error(capsys, train.main(["--resume", str(small_run), "--iterations", "6"]),
           ["config.json", "damaged"])
    _error(capsys, sample.main(["--run", str(small_run), "--out", str(tmp_path / "s.npy")]),
           ["config.json", "damaged"])


def test_a_new_run_writes_over_no_one_elses_files(tmp_path, small_run, capsys):
    """--out at a folder of the user's own files is refused before anything there is
    touched; an empty folder, or a run that died before its first checkpoint (its own
    config.json), is started in; a resume removes only minigan's temporary files."""
    mine = tmp_path / "mine"
    mine.mkdir()
    files = {"config.json": '{"my": "settings"}', "metrics.jsonl": "my numbers\n",
             "losses.png": "my plot", "report.tmp": "a draft"}
    for name, text in files.items():
        (mine / name).write_text(text)
    _error(capsys, train.main([*TOY, "--iterations", "2", "--out", str(mine)]),
           [f"--out {mine}", "not a minigan run", "config.json", "new or empty folder"])
    assert {p.name: p.read_text() for p in mine.iterdir()} == files     # not even a .lock
    (tmp_path / "empty").mkdir()
    died = tmp_path / "died"
    died.mkdir()
    shutil.copy(small_run / "config.json", died / "config.json")
    for out in ("empty", "died"):
        assert train.main([*TOY, "--iterations", "2", "--out", str(tmp_path / out)]) == 0
        assert step_of(tmp_path / out) == 2
    orphans = [".tmp-k2j4.npz", ".tmp-config.json", "samples_final.png.4242.tmp"]
    for name in [*orphans, "notes.tmp", "plot.2024.tmp"]:
        (small_run / name).write_text("x")
    assert train.main(["--resume", str(small_run), "--iterations", "5"]) == 0
    err = capsys.readouterr().err
    assert all(name in err and not (small_run / name).exists() for name in orphans)
    assert (small_run / "notes.tmp").exists() and (small_run / "plot.2024.tmp").exists()


def test_a_run_folder_that_is_not_there_names_the_runs_that_are(small_run, tmp_path, capsys):
    """A misspelt --resume/--run: the nearest run beside it, else the runs there, else
    what to give; the same line from all three commands."""
    typo = str(tmp_path / "rnu")
    commands = (lambda run: train.main(["--resume", run]),
                lambda run: sample.main(["--run", run, "--out", str(tmp_path / "s.npy")]),
                lambda run: translate.main(["--run", run, "--input", str(tmp_path / "x.npy"),
                                            "--out", str(tmp_path / "y.npy")]))
    for command in commands:
        _error(capsys, command(typo), [typo, "no config.json", f"did you mean {small_run}?"])
    _error(capsys, commands[0](str(tmp_path / "zzzz")), [f"the runs in {tmp_path}/ are run"])
    _error(capsys, commands[1](str(tmp_path / "run" / "a" / "b")),
           ["give a folder that minigan.train wrote"])


def test_resume_rules(small_run, capsys):
    config = (small_run / "config.json").read_text()
    _error(capsys, train.main(["--resume", str(small_run), "--iterations", "1"]),
           ["--iterations 1", "already at step 4", "give 4 or more"])
    _error(capsys, train.main(["--resume", str(small_run), "--batch-size", "7", "--seed", "9",
                               "--dataset", "grid", "--hidden", "8,8"]),
           ["--batch-size 7", "--seed 9", "--dataset grid", "cannot change"])
    _error(capsys, train.main(["--resume", str(small_run), "--out", "elsewhere"]),
           ["--out elsewhere"])
    assert (small_run / "config.json").read_text() == config    # nothing changed
    assert train.main(["--resume", str(small_run), "--iterations", "6", "--lr-g", "0.001",
                       "--log-every", "1"]) == 0
    out = capsys.readouterr().out
    assert "at step 4" in out and "lr-g 0.0002 -> 0.001" in out and "iterations 4 -> 6" in out
    saved = json.loads((small_run / "config.json").read_text())
    assert saved["lr_g"] == 0.001 and saved["iterations"] == 6
    assert saved["resumed"] == [{"step": 4, "changed": {"iterations": [4, 6],
                                                        "lr_g": [0.0002, 0.001],
                                                        "log_every": [5, 1]}}]
    assert mg.load(str(small_run / "checkpoint.npz"))["model"]["opt_g"]["lr"] == 0.001


def test_a_checkpoint_of_another_data_set_is_refused(small_run, tmp_path, capsys):
    grid = tmp_path / "grid"
    assert train.main(["--model", "gan", "--dataset", "grid", "--hidden", "8,8",
                       "--iterations", "2", "--no-progress", "--out", str(grid)]) == 0
    shutil.copy(small_run / "checkpoint.npz", grid / "checkpoint.npz")
    _error(capsys, train.main(["--resume", str(grid), "--iterations", "5"]),
           ["trained on ring", "grid"])


def test_resuming_a_finished_run_equals_one_long_run(tmp_path, capsys):
    """No stale "final" row: 5 steps, then a resume to 10, equals 10 steps straight."""
    assert train.main([*TOY, "--iterations", "5", "--out", str(tmp_path / "run")]) == 0
    assert train.main(["--resume", str(tmp_path / "run"), "--iterations", "10"]) == 0
    assert train.main([*TOY, "--iterations", "10", "--out", str(tmp_path / "straight")]) == 0
    assert rows(tmp_path / "run") == rows(tmp_path / "straight")
    a, b = arrays(tmp_path / "run"), arrays(tmp_path / "straight")
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_sample_errors_and_large_n(small_run, tmp_path, capsys):
    _error(capsys, sample.main(["--run", str(small_run), "--n", str(10 ** 15),
                                "--out", str(tmp_path / "big.npy")]),
           ["--n 1000000000000000", "free on that disk"])
    _error(capsys, sample.main(["--run", str(small_run), "--out", str(tmp_path / "s.txt")]),
           [".npy, .npz or .png"])
    assert not list(tmp_path.glob("*.npy")) and not list(tmp_path.glob(".tmp-*"))
    # drawn in batches of sample.BATCH from one noise stream: the first 10 of 5,000
    # are the 10 of a run of 10 (up to the rounding of a product of another size)
    for n, name in ((10, "a.npy"), (5000, "b.npz")):
        assert sample.main(["--run", str(small_run), "--n", str(n), "--out",
                            str(tmp_path / name)]) == 0
    a, b = np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npz")["samples"]
    assert 5000 > sample.BATCH and b.shape == (5000, 2)
    np.testing.assert_allclose(a, b[:10], rtol=1e-5, atol=1e-6)
    # and all 5,000 are one draw of 5,000 from the seed's stream, across the batches
    gan = sample.load_run(str(small_run)).gan
    whole = mg.backend.to_numpy(gan.generate(5000, rng=mg.backend.default_rng(0)))
    np.testing.assert_allclose(b, whole, rtol=1e-5, atol=1e-6)


def test_sample_writes_over_no_file_of_a_run(small_run, tmp_path, capsys):
    """--out naming the run's checkpoint (or a picture landing on one of its pictures)
    is refused and the run is unchanged; other names, in or out of a run folder, work."""
    files = {p.name: p.read_bytes() for p in small_run.iterdir() if p.name != ".lock"}
    assert {"config.json", "metrics.jsonl", "checkpoint.npz", "losses.png",
            "samples_final.png"} <= files.keys()
    assert all(report.RUN_FILE.fullmatch(name) for name in files)     # the list is whole
    for out in ("checkpoint.npz", "losses.npy", "samples_final.png"):
        _error(capsys, sample.main(["--run", str(small_run), "--out", str(small_run / out)]),
               ["would write over", "a file of the run"])
    assert {p.name: p.read_bytes() for p in small_run.iterdir() if p.name != ".lock"} == files
    for out in (small_run / "mine.npz", tmp_path / "elsewhere" / "checkpoint.npz"):
        assert sample.main(["--run", str(small_run), "--n", "3", "--out", str(out)]) == 0
        assert np.load(out)["samples"].shape == (3, 2)


@pytest.mark.both_backends
def test_the_finite_check_names_the_array_on_every_backend(backend_name):
    """first_nonfinite runs on the device (one reduction per array, one transfer): on
    the strict stand-in for CuPy it mixes no host arrays in, and it names the array."""
    from minigan import gans
    config = dict(gans.defaults("wgan-gp", "toy2d"), model="wgan-gp", hidden=(4,))
    gan = gans.build(config, (2,), "toy2d")
    x = mg.backend.asarray(np.random.default_rng(0).normal(size=(8, 2)).astype("float32"))
    gan.train_step(lambda: (x, None))
    assert train.first_nonfinite(gan) is None
    xp = mg.backend.xp
    gan.opt_d.state[1]["exp_avg_sq"][0] = xp.asarray(np.float32(np.inf))
    assert train.first_nonfinite(gan) == "opt_d exp_avg_sq of parameter 1"
    big = gan.G.net[0].weight.data
    big[...] = xp.asarray(np.float32(3e38))        # finite, but its sum overflows
    assert train.first_nonfinite(gan) == "opt_d exp_avg_sq of parameter 1"
