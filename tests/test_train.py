"""``python -m minigan.train`` and ``python -m minigan.sample`` end to end, in subprocesses.

Every flag is exercised through the real command; runs are a few iterations
long, so these tests check plumbing, files and errors, not sample quality
(see test_gan_quality.py for that).
"""
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pytest

import minigan as mg

TIMEOUT = 120
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(args, cwd, check=True, timeout=TIMEOUT):
    """Run ``python -m <args>`` and return the CompletedProcess (text output).

    timeout: seconds; the slow tests' full-length trainings pass their own."""
    path = os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, MINIGAN_CACHE=str(cwd / "cache"), MINIGAN_OFFLINE="1",
               PYTHONPATH=path)
    proc = subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def train(cwd, *flags, check=True, timeout=TIMEOUT):
    return run(["minigan.train", "--no-progress", *flags], cwd, check, timeout)


def main_in_process(args, cwd, capsys, check=True):
    """``python -m <args>`` through the module's ``main`` in this process, with the
    environment ``run`` gives the child: its exit code and output, as ``run`` returns
    them.  The same entry point without a new interpreter's imports (about a second),
    for a command's further outputs and its refusals; each command also runs for real in
    a subprocess (test_sample_command, the translation tests)."""
    module = importlib.import_module(args[0])
    capsys.readouterr()
    with mock.patch.dict(os.environ, MINIGAN_CACHE=str(cwd / "cache"), MINIGAN_OFFLINE="1"):
        code = module.main(args[1:])
    out, err = capsys.readouterr()
    if check and code != 0:
        raise AssertionError(f"exit {code}\n{out}\n{err}")
    return subprocess.CompletedProcess(args, code, out, err)


def train_in_process(cwd, capsys, *flags, check=True):
    """``train`` through minigan.train's main() in this process (main_in_process), for
    tests that read what a run writes, not how a process behaves."""
    return main_in_process(["minigan.train", "--no-progress", *flags], cwd, capsys, check)


def checkpoint_arrays(path):
    """Every array in a checkpoint, by key (parameters, buffers, optimiser moments)."""
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def assert_same_checkpoints(run_a, run_b):
    """The checkpoints of two run folders hold the same arrays, bit for bit."""
    a = checkpoint_arrays(run_a / "checkpoint.npz")
    b = checkpoint_arrays(run_b / "checkpoint.npz")
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


QUIET = ["--sample-every", "1000", "--checkpoint-every", "1000"]
"""No pictures or scores before the last step: for the tests that do not look at them
(a picture costs more than a toy step; test_looking_at_a_run_does_not_change_it shows
that drawing them does not change a run)."""


@pytest.fixture(scope="module")
def gan_ring_run(tmp_path_factory):
    """One short run (gan on the ring, seed 1, 3 steps, pictures and scores only at the
    end) that several tests read; a test that writes to a run takes a copy (``copy_run``)."""
    cwd = tmp_path_factory.mktemp("shared")
    train(cwd, "--model", "gan", "--dataset", "ring", "--iterations", "3", "--seed", "1",
          *QUIET, "--out", str(cwd / "gan-ring"))
    return cwd / "gan-ring"


CGAN_RING = ["--model", "cgan", "--dataset", "ring", "--iterations", "4", "--seed", "2"]


@pytest.fixture(scope="module")
def cgan_ring_run(tmp_path_factory):
    """A short cgan run on the ring that draws no pictures before the end (4 steps)."""
    cwd = tmp_path_factory.mktemp("shared")
    train(cwd, *CGAN_RING, "--sample-every", "100", "--checkpoint-every", "100",
          "--out", str(cwd / "cgan-ring"))
    return cwd / "cgan-ring"


def copy_run(run_dir, tmp_path):
    return Path(shutil.copytree(run_dir, tmp_path / "r"))


def one_error_line(proc):
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


# --------------------------------------------------------------- outputs

@pytest.mark.parametrize("model,dataset", [("gan", "gaussian"), ("wgan", "ring"),
                                           ("wgan-gp", "grid"), ("cgan", "ring"),
                                           ("dcgan", "ring")])
def test_toy_run_writes_every_output(tmp_path, model, dataset):
    out = tmp_path / "run"
    proc = train(tmp_path, "--model", model, "--dataset", dataset, "--iterations", "4",
                 "--batch-size", "32", "--sample-every", "2", "--checkpoint-every", "2",
                 "--out", str(out))
    assert "done: 4 steps" in proc.stdout
    for name in ("config.json", "metrics.jsonl", "losses.png", "checkpoint.npz",
                 "samples_000002.png", "samples_final.png"):
        assert (out / name).stat().st_size > 0, name
    assert not (out / "samples_000004.png").exists()    # the last step's is samples_final
    config = json.loads((out / "config.json").read_text())
    assert config["model"] == model and config["dataset"] == dataset
    assert config["batch_size"] == 32
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert any("loss_d" in r for r in records)
    scored = [r["step"] for r in records if ("ks" if dataset == "gaussian" else
                                              "modes_covered") in r]
    assert scored == [2, 4]                  # at the checkpoint and at the end


def test_knobs_reach_the_config_and_the_model(tmp_path, capsys):
    out = tmp_path / "run"
    train_in_process(tmp_path, capsys, "--model", "wgan", "--dataset", "ring", "--iterations", "2",
          "--batch-size", "16", "--lr-g", "0.001", "--lr-d", "0.002", "--latent-dim", "5",
          "--n-critic", "3", "--clip", "0.05", "--seed", "7", *QUIET, "--out", str(out))
    config = json.loads((out / "config.json").read_text())
    assert (config["lr_g"], config["lr_d"], config["latent_dim"], config["n_critic"],
            config["clip"], config["seed"]) == (0.001, 0.002, 5, 3, 0.05, 7)
    weights = checkpoint_arrays(out / "checkpoint.npz")
    g_first = [k for k in weights if k.startswith("model/G/") and k.endswith("weight")][0]
    assert weights[g_first].shape[1] == 5                      # latent_dim reached G
    critic = [v for k, v in weights.items() if k.startswith("model/D/")
              and k.endswith(("weight", "bias"))]
    assert max(np.abs(v).max() for v in critic) <= 0.05 + 1e-7   # clip reached the critic


def test_gp_lambda_hidden_and_lr_decay_flags(tmp_path, capsys):
    out = tmp_path / "gp"
    train_in_process(tmp_path, capsys, "--model", "wgan-gp", "--dataset", "ring", "--iterations", "4",
          "--gp-lambda", "3.5", "--hidden", "16,8", "--lr-decay", "linear", "--lr-d", "0.004",
          *QUIET, "--out", str(out))
    config = json.loads((out / "config.json").read_text())
    assert config["gp_lambda"] == 3.5 and config["lr_decay"] == "linear"
    state = mg.load(str(out / "checkpoint.npz"))
    assert state["model"]["G"]["net.0.weight"].shape == (16, 2)      # --hidden reached G
    assert state["model"]["G"]["net.2.weight"].shape == (8, 16)
    # the last of 4 steps ran at lr_d * (1 - 3/4), and the optimiser saved it
    assert state["model"]["opt_d"]["lr"] == pytest.approx(0.004 * 0.25)
    out = tmp_path / "minimax"
    train_in_process(tmp_path, capsys, "--model", "gan", "--dataset", "gaussian", "--iterations", "2",
          "--g-loss", "minimax", *QUIET, "--out", str(out))
    assert json.loads((out / "config.json").read_text())["g_loss"] == "minimax"


def test_same_seed_same_run_other_seed_other_run(tmp_path, gan_ring_run, capsys):
    """Run a (the shared run) in a subprocess, b and c in this process, after whatever
    the tests before them left in it."""
    runs = {"a": checkpoint_arrays(gan_ring_run / "checkpoint.npz")}      # seed 1
    for name, seed in (("b", "1"), ("c", "2")):
        train_in_process(tmp_path, capsys, "--model", "gan", "--dataset", "ring", "--iterations", "3",
              "--seed", seed, *QUIET, "--out", str(tmp_path / name))
        runs[name] = checkpoint_arrays(tmp_path / name / "checkpoint.npz")
    key = "model/G/net.0.weight"
    np.testing.assert_array_equal(runs["a"][key], runs["b"][key])
    assert not np.array_equal(runs["a"][key], runs["c"][key])


@pytest.mark.parametrize("model", ["dcgan", "wgan", "wgan-gp", "cgan"])
def test_image_models_train_on_the_bundled_digits(tmp_path, model):
    """Offline, --dataset mnist falls back to the bundled digits with a one-line notice."""
    out = tmp_path / "run"
    proc = train(tmp_path, "--model", model, "--dataset", "mnist", "--iterations", "2",
                 "--batch-size", "16", "--n-critic", "1", "--out", str(out))
    notice = [line for line in proc.stderr.splitlines() if "bundled" in line]
    assert len(notice) == 1
    assert (out / "samples_final.png").stat().st_size > 0
    final = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()][-1]
    assert final["final"] and final["fid"] > 0 and 1 <= final["digits"] <= 10
    if model == "cgan":
        assert 0 <= final["label_accuracy"] <= 1
    assert "fid" in proc.stdout                 # the scores are printed at the end
    # ... beside the floor measured when the classifier was trained (weights/README.md)
    assert "real digits against real digits score 12.6 at 1,000 samples, 13.7 at 500" \
        in proc.stdout.splitlines()[-1]


def test_data_dir_flag_reads_idx_files(tmp_path):
    """--data-dir with IDX files (here 64 tiny digits the test writes) is used before
    any download or the bundled sample; --backend numpy is the explicit default."""
    from minigan.data import write_idx
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (64, 28, 28), dtype=np.uint8)
    labels = (np.arange(64) % 10).astype(np.uint8)
    data = tmp_path / "idx"
    data.mkdir()
    write_idx(data / "train-images-idx3-ubyte", images)
    write_idx(data / "train-labels-idx1-ubyte", labels)
    out = tmp_path / "run"
    proc = train(tmp_path, "--model", "gan", "--dataset", "mnist", "--data-dir", str(data),
                 "--backend", "numpy", "--iterations", "2", "--batch-size", "16",
                 "--out", str(out))
    assert "bundled" not in proc.stderr
    assert json.loads((out / "config.json").read_text())["data_dir"] == str(data)


# ---------------------------------------------------------------- resume

def write_config_as_before_two_activation_keys(path):
    """config.json as runs wrote it before g_activation/d_activation: one "activation",
    which was D's (G's was ReLU on toy data, LeakyReLU on images)."""
    config = json.loads(path.read_text())
    config["activation"] = config.pop("d_activation")
    del config["g_activation"]
    path.write_text(json.dumps(config))


@pytest.mark.parametrize("model", ["gan", "wgan-gp", "dcgan"])
def test_resume_is_bit_identical(tmp_path, model):
    """N iterations, then resume to 2N, equals 2N straight: every array, bit for bit.

    With a constant learning rate: a linear decay (wgan-gp's toy default) is a function
    of --iterations, so lengthening a run on resume stretches its schedule by design.
    The gan run is resumed from a config.json written the old way, with one
    "activation": it resumes exactly too, and the rewritten config.json names both."""
    common = ["--model", model, "--dataset", "ring", "--batch-size", "32", "--seed", "3",
              "--lr-decay", "none", *QUIET]
    train(tmp_path, *common, "--iterations", "6", "--out", str(tmp_path / "straight"))
    train(tmp_path, *common, "--iterations", "3", "--out", str(tmp_path / "split"))
    config_path = tmp_path / "split" / "config.json"
    if model == "gan":
        write_config_as_before_two_activation_keys(config_path)
    train(tmp_path, "--resume", str(tmp_path / "split"), "--iterations", "6")
    config = json.loads(config_path.read_text())
    assert "activation" not in config
    assert (config["g_activation"], config["d_activation"]) == \
        (("relu", "relu") if model == "wgan-gp" else ("relu", "leaky_relu"))
    assert_same_checkpoints(tmp_path / "straight", tmp_path / "split")
    steps = [json.loads(line)["step"] for line in
             (tmp_path / "split" / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(steps) and steps[-1] == 6


def test_looking_at_a_run_does_not_change_it(tmp_path, cgan_ring_run, capsys):
    """Pictures and scores draw their own noise: sampling every step (here, in this
    process) or never (the shared run, in a subprocess) gives the same parameters (and
    so resuming, which scores at other steps, is exact)."""
    train_in_process(tmp_path, capsys, *CGAN_RING, "--sample-every", "1", "--checkpoint-every", "1",
          "--out", str(tmp_path / "often"))
    assert_same_checkpoints(tmp_path / "often", cgan_ring_run)


def test_refuses_to_overwrite_a_run(tmp_path, gan_ring_run):
    out = copy_run(gan_ring_run, tmp_path)
    proc = train(tmp_path, "--model", "gan", "--dataset", "ring", "--iterations", "1",
                 "--out", str(out), check=False)
    assert proc.returncode == 2 and "--resume" in one_error_line(proc)
    assert_same_checkpoints(out, gan_ring_run)                # the run is untouched


# ------------------------------------------------------- stops and errors

def test_nan_loss_stops_with_step_and_keeps_last_good_checkpoint(tmp_path):
    out = tmp_path / "nan"
    proc = train(tmp_path, "--model", "gan", "--dataset", "gaussian", "--iterations", "50",
                 "--lr-d", "1e30", "--lr-g", "1e30", "--checkpoint-every", "1",
                 "--out", str(out), check=False)
    assert proc.returncode == 1
    line = one_error_line(proc)
    assert "at step" in line and ("nan" in line or "inf" in line)
    bad_step = int(line.split("at step ")[1].split(";")[0])
    state = mg.load(str(out / "checkpoint.npz"))
    assert state["step"] == bad_step - 1


def test_ctrl_c_writes_a_checkpoint_and_exits_cleanly(tmp_path):
    out = tmp_path / "int"
    env = dict(os.environ, MINIGAN_CACHE=str(tmp_path / "cache"),
               PYTHONPATH=os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p))
    proc = subprocess.Popen([sys.executable, "-m", "minigan.train", "--no-progress",
                             "--model", "gan", "--dataset", "ring", "--iterations", "100000",
                             "--log-every", "1", "--out", str(out)],
                            cwd=tmp_path, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:       # wait until it is really training
        log = out / "metrics.jsonl"
        if log.exists() and len(log.read_text().splitlines()) >= 3:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 130
    assert "Traceback" not in err and "--resume" in err
    assert mg.load(str(out / "checkpoint.npz"))["step"] >= 3


@pytest.mark.parametrize("flags,message", [
    (["--model", "biggan"], "invalid choice"),
    (["--dataset", "cifar"], "invalid choice"),
    (["--iterations", "0"], "positive"),
    (["--lr-d", "-1"], "positive"),
    (["--hidden", "64,x"], "widths"),
    (["--frobnicate"], "unrecognized"),
    (["--model", "cgan", "--dataset", "gaussian"], "labelled"),
    (["--model", "gan", "--dataset", "ring", "--arch", "conv"], "needs images"),
    (["--backend", "cupy"], "cupy"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, flags, message):
    """Through main() in this process (main_in_process; the refusals below run the
    command for real), except --backend cupy, which would train where CuPy works."""
    args = ["minigan.train", "--no-progress", *flags, "--out", str(tmp_path / "r")]
    proc = run(args, tmp_path, check=False) if "--backend" in flags else \
        main_in_process(args, tmp_path, capsys, check=False)
    if flags == ["--backend", "cupy"] and proc.returncode == 0:
        pytest.skip("a GPU with CuPy is present")
    assert proc.returncode == 2
    assert message in one_error_line(proc).lower()


def test_unwritable_out(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    proc = train(tmp_path, "--model", "gan", "--dataset", "ring", "--iterations", "1",
                 "--out", str(blocker / "run"), check=False)
    assert proc.returncode == 2 and "cannot write" in one_error_line(proc)


def test_resume_with_another_model_or_shape_is_refused(tmp_path, gan_ring_run):
    out = copy_run(gan_ring_run, tmp_path)
    proc = train(tmp_path, "--resume", str(out), "--model", "wgan", check=False)
    assert proc.returncode == 2 and "--model wgan (the run has gan)" in one_error_line(proc)
    config = json.loads((out / "config.json").read_text())
    config["latent_dim"] = 9                          # the checkpoint no longer fits
    (out / "config.json").write_text(json.dumps(config))
    proc = train(tmp_path, "--resume", str(out), check=False)
    assert proc.returncode == 2 and "does not fit" in one_error_line(proc)
    proc = train(tmp_path, "--resume", str(tmp_path / "nowhere"), check=False)
    assert proc.returncode == 2 and "no config.json" in one_error_line(proc)


def test_corrupt_checkpoint_is_one_line(tmp_path, gan_ring_run):
    out = copy_run(gan_ring_run, tmp_path)
    (out / "checkpoint.npz").write_bytes(b"PK\x03\x04 not really a zip")
    proc = train(tmp_path, "--resume", str(out), "--iterations", "4", check=False)
    assert proc.returncode == 2 and "checkpoint.npz" in one_error_line(proc)


def test_help_lists_recipes_and_every_default():
    proc = subprocess.run([sys.executable, "-m", "minigan.train", "--help"], text=True,
                          capture_output=True, timeout=TIMEOUT,
                          env=dict(os.environ, PYTHONPATH=ROOT, COLUMNS="200"))
    assert proc.returncode == 0
    text = proc.stdout
    assert "wgan-gp" in text and "toy script" in text
    assert "``" not in text and ":func:" not in text            # no reStructuredText
    assert "default: dcgan" in text and "default: mnist" in text
    from minigan import gans
    for kind in ("image", "toy2d"):
        d = gans.DATA_DEFAULTS[kind]
        assert f"{d['iterations']} iterations" in text and f"batch size {d['batch_size']}" in text
    for model in gans.MODELS:
        recipe = gans.defaults(model, "image")
        line = [ln for ln in text.splitlines()
                if ln.split()[:2] == [model, recipe["optimizer"] + ","]][0]
        assert f"lr-g {recipe['lr_g']:g}" in line and f"lr-d {recipe['lr_d']:g}" in line
        assert f"n-critic {recipe['n_critic']}" in line


@pytest.mark.parametrize("model,absent,present", [
    ("gan", ("clip", "gp_lambda"), ("g_loss", "betas", "hidden")),
    ("wgan", ("gp_lambda", "g_loss", "betas"), ("clip", "hidden")),
    ("wgan-gp", ("clip", "g_loss"), ("gp_lambda", "betas")),
])
def test_config_json_holds_only_the_settings_the_model_uses(tmp_path, gan_ring_run, capsys,
                                                            model, absent, present):
    """(The gan case reads the shared run.)  Every MLP run records both activations."""
    out = gan_ring_run
    if model != "gan":
        out = tmp_path / "r"
        train_in_process(tmp_path, capsys, "--model", model, "--dataset", "ring", "--hidden", "8",
              "--iterations", "1", "--out", str(out))
    present += ("g_activation", "d_activation", "hidden")
    config = json.loads((out / "config.json").read_text())
    assert not [k for k in absent if k in config] and all(k in config for k in present)


def test_offline_notice_once_per_run(tmp_path):
    out = tmp_path / "r"
    first = train(tmp_path, "--model", "gan", "--dataset", "mnist", "--hidden", "16",
                  "--batch-size", "16", "--iterations", "1", "--out", str(out))
    notice = [line for line in first.stderr.splitlines() if "bundled" in line]
    assert len(notice) == 1 and len(notice[0]) < 160
    again = train(tmp_path, "--resume", str(out), "--iterations", "2")
    assert "bundled" not in again.stderr


# ---------------------------------------------------------------- sample

def test_sample_command(tmp_path, gan_ring_run, capsys):
    """The command in a subprocess once; the other outputs and the error through its
    entry point in this process (main_in_process)."""
    out = copy_run(gan_ring_run, tmp_path)
    run(["minigan.sample", "--run", str(out), "--n", "10", "--out", str(tmp_path / "s.npy")],
        tmp_path)
    x = np.load(tmp_path / "s.npy")
    assert x.shape == (10, 2) and x.dtype == np.float32
    assert (tmp_path / "s.png").stat().st_size > 0
    # the extension the user gave decides what is written, and the output says so
    proc = main_in_process(["minigan.sample", "--run", str(out), "--n", "10", "--out",
                            str(tmp_path / "pic.png")], tmp_path, capsys)
    assert sorted(p.name for p in tmp_path.glob("pic*")) == ["pic.png"]
    assert "pic.png" in proc.stdout
    main_in_process(["minigan.sample", "--run", str(out), "--n", "10", "--out",
                     str(tmp_path / "z.npz")], tmp_path, capsys)
    with np.load(tmp_path / "z.npz") as f:
        assert f["samples"].shape == (10, 2)
    proc = main_in_process(["minigan.sample", "--run", str(out), "--n", "3", "--label", "1",
                            "--out", str(tmp_path / "t.npy")], tmp_path, capsys, check=False)
    assert proc.returncode == 2 and "cgan" in one_error_line(proc)


def test_sample_command_with_label(tmp_path, cgan_ring_run, capsys):
    out = copy_run(cgan_ring_run, tmp_path)
    main_in_process(["minigan.sample", "--run", str(out), "--n", "5", "--label", "3",
                     "--out", str(tmp_path / "c3.npy")], tmp_path, capsys)
    assert np.load(tmp_path / "c3.npy").shape == (5, 2)
    proc = main_in_process(["minigan.sample", "--run", str(out), "--n", "5", "--label", "8",
                            "--out", str(tmp_path / "x.npy")], tmp_path, capsys, check=False)
    assert proc.returncode == 2 and "0..7" in one_error_line(proc)


def test_translate_names_the_shape_a_run_takes(tmp_path, monkeypatch, capsys):
    """Images of another size or channel count than the run was trained on: one line
    that names both shapes and what to give, not the U-Net's or a layer's complaint."""
    from minigan import train as train_command, translate
    monkeypatch.setenv("MINIGAN_OFFLINE", "1")
    monkeypatch.setenv("MINIGAN_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "p2p"
    assert train_command.main(["--model", "pix2pix", "--dataset", "mnist-edges", "--width", "4",
                               "--batch-size", "4", "--iterations", "1", "--no-progress",
                               "--out", str(out)]) == 0
    capsys.readouterr()
    assert translate.trained_input("srgan") == (1, 7, 7)         # 28x28 digits, 4x smaller
    for shape, said in (((2, 32, 32), "(1, 32, 32)"), ((2, 2, 28, 28), "(2, 28, 28)"),
                        ((2, 14, 14), "(1, 14, 14)")):
        np.save(tmp_path / "x.npy", np.zeros(shape, np.float32))
        code = translate.main(["--run", str(out), "--input", str(tmp_path / "x.npy"),
                               "--out", str(tmp_path / "y.npy")])
        err = capsys.readouterr().err
        assert code == 2 and len(err.splitlines()) == 1, err
        assert said in err and "pix2pix run" in err and "(N, 28, 28) or (N, 1, 28, 28)" in err
        assert not (tmp_path / "y.npy").exists()
    (tmp_path / "x.txt").write_text("0 0 0\n")               # not a .npy file
    assert translate.main(["--run", str(out), "--input", str(tmp_path / "x.txt"),
                           "--out", str(tmp_path / "y.npy")]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "np.save" in err, err
    np.save(tmp_path / "x.npy", np.zeros((2, 28, 28), np.float32))
    assert translate.main(["--run", str(out), "--input", str(tmp_path / "x.npy"),
                           "--out", str(tmp_path / "y.npy")]) == 0
    assert np.load(tmp_path / "y.npy").shape == (2, 1, 28, 28)


def test_a_labelled_picture_names_its_label():
    from minigan import report
    from minigan.data import load_dataset
    data = load_dataset("ring")
    assert report._label_note(np.full(16, 7), data) == ", label 7"
    assert report._label_note(None, data) == ""
