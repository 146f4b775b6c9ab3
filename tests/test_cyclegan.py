"""CycleGAN: the history pool against its rule, residual blocks, the least-squares
losses and the objective's weights by hand, the schedule, the command with exact
resume (history pool included) and translation both ways."""
import json

import numpy as np
import pytest

import minigan as mg
from minigan.autograd import Tensor
from minigan.gans import img2img
from minigan.gans.cyclegan import (ImagePool, ResidualBlock, ResnetGenerator, lsgan_d,
                                   lsgan_g)
from test_train import checkpoint_arrays, main_in_process, run, train


def test_image_pool_follows_its_rule():
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    pool = ImagePool(3, rng_a)
    history, returned = [], []
    for step in range(6):
        fakes = np.full((2, 1, 2, 2), float(step)) + np.arange(2)[:, None, None, None] * 0.1
        returned.append(pool.query(fakes))
        expected = []                       # the rule, written out again
        for image in fakes:
            if len(history) < 3:
                history.append(image.copy())
                expected.append(image)
            elif rng_b.random() < 0.5:
                i = int(rng_b.integers(0, 3))
                expected.append(history[i])
                history[i] = image.copy()
            else:
                expected.append(image)
        np.testing.assert_array_equal(returned[-1], np.stack(expected))
    assert any((r[:, 0, 0, 0] < step).any() for step, r in enumerate(returned))  # old fakes
    state = pool.state_dict()
    other = ImagePool(3, np.random.default_rng(0))
    other.load_state_dict(state)
    np.testing.assert_array_equal(np.stack(other.images), np.stack(history))


def test_residual_block_with_zero_weights_is_the_identity_and_generator_shapes():
    block = ResidualBlock(4)
    for p in block.parameters():
        p.data[...] = 0
    x = mg.tensor(np.random.default_rng(0).standard_normal((2, 4, 7, 7)).astype("float32"))
    np.testing.assert_allclose(block(x).data, x.data, atol=1e-6)
    G = ResnetGenerator(1, 4, 2)
    y = G(mg.tensor(np.zeros((3, 1, 28, 28), "float32")))
    assert y.shape == (3, 1, 28, 28)


def test_least_squares_losses_by_hand():
    real, fake = np.array([[0.5, 2.0]]), np.array([[0.25, -1.0]])
    expected_d = 0.5 * (np.mean((real - 1) ** 2) + np.mean(fake ** 2))
    assert abs(lsgan_d(Tensor(real), Tensor(fake)).item() - expected_d) < 1e-12
    assert abs(lsgan_g(Tensor(fake)).item() - np.mean((fake - 1) ** 2)) < 1e-12


def _model(objective):
    config = dict(img2img.defaults("cyclegan"), model="cyclegan", objective=objective,
                  width=4, d_width=4, n_blocks=1)
    mg.backend.manual_seed(0)
    return img2img.build(config, (2, 28, 28), "unpaired", seed=0)


@pytest.fixture(scope="module")
def batch():
    rng = np.random.default_rng(0)
    x = np.tanh(rng.standard_normal((4, 2, 28, 28))).astype("float32")
    return lambda: (x, None)


def test_objectives_weigh_the_losses_as_the_paper(batch):
    full = _model("full").train_step(batch)
    expected = (full["loss_g_gan"] + 10 * (full["loss_cycle_a"] + full["loss_cycle_b"])
                + 0.5 * 10 * full["loss_identity"])
    assert abs(full["loss_g"] - expected) < 1e-4 * full["loss_g"]
    gan = _model("gan").train_step(batch)
    assert set(gan) == {"loss_g_gan", "loss_g", "loss_d"}
    cycle = _model("cycle").train_step(batch)         # eq. 3: no identity term
    assert set(cycle) == {"loss_g_gan", "loss_cycle_a", "loss_cycle_b", "loss_g", "loss_d"}
    assert abs(cycle["loss_g"] - (cycle["loss_g_gan"] + 10 * (cycle["loss_cycle_a"]
                                                              + cycle["loss_cycle_b"]))) \
        < 1e-4 * cycle["loss_g"]
    forward = _model("gan+forward").train_step(batch)
    assert set(forward) == {"loss_g_gan", "loss_cycle_a", "loss_g", "loss_d"}
    with pytest.raises(ValueError):
        _model("l1")


def test_hold_linear_schedule():
    from minigan.train import set_learning_rates

    class R:
        config = dict(lr_decay="hold-linear", iterations=100, lr_g=2e-4, lr_d=1e-4)
        gan = _model("gan")
    for step, factor in ((0, 1.0), (50, 1.0), (75, 0.5), (99, 0.02)):
        R.step = step
        set_learning_rates(R)
        assert abs(R.gan.opt_g.lr - 2e-4 * factor) < 1e-12
        assert abs(R.gan.opt_d.lr - 1e-4 * factor) < 1e-12


FAST = ["--model", "cyclegan", "--dataset", "mnist-thickness", "--width", "4",
        "--batch-size", "4", "--seed", "1", "--checkpoint-every", "100", "--sample-every", "100"]


def test_command_resumes_exactly_with_the_pool_and_translates_both_ways(tmp_path, capsys):
    # "full" was the default before eq. 3 (cycle) became it: a run made then records
    # "objective": "full" in config.json and must resume as full, identity term and
    # all, not switch to today's default; the straight run gives --objective full,
    # the resume gives no --objective, and the last two steps must still agree
    train(tmp_path, *FAST, "--objective", "full", "--iterations", "4", "--log-every", "1",
          "--out", str(tmp_path / "straight"))
    train(tmp_path, *FAST, "--objective", "full", "--iterations", "2", "--log-every", "1",
          "--out", str(tmp_path / "split"))
    train(tmp_path, "--resume", str(tmp_path / "split"), "--iterations", "4")
    a = checkpoint_arrays(tmp_path / "straight" / "checkpoint.npz")
    b = checkpoint_arrays(tmp_path / "split" / "checkpoint.npz")
    assert a.keys() == b.keys() and any("pool_a" in k for k in a)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    resumed = [json.loads(line) for line in (tmp_path / "split" / "metrics.jsonl")
               .read_text().splitlines()]
    after = [r for r in resumed if r.get("step", 0) >= 2 and "loss_g" in r]
    assert after and all("loss_identity" in r for r in after)
    x = np.tanh(np.random.default_rng(0).standard_normal((3, 28, 28))).astype("float32")
    np.save(tmp_path / "x.npy", x)
    translate = ["minigan.translate", "--run", str(tmp_path / "straight"), "--input",
                 str(tmp_path / "x.npy"), "--out"]
    run([*translate, str(tmp_path / "a2b.npy"), "--direction", "a2b"], tmp_path)
    main_in_process([*translate, str(tmp_path / "b2a.npy"), "--direction", "b2a"], tmp_path,
                    capsys)                       # the same entry point, in this process
    for direction in ("a2b", "b2a"):
        assert np.load(tmp_path / f"{direction}.npy").shape == (3, 1, 28, 28)
    assert not np.array_equal(np.load(tmp_path / "a2b.npy"), np.load(tmp_path / "b2a.npy"))


def test_default_objective_is_eq3_without_the_identity_term(tmp_path, capsys):
    """The default trains the paper's eq. (3): both cycle losses logged, no identity
    loss (the README's Table 4 marks this row as the default).  Through main() in this
    process: the run is read, not watched (the test above runs the command)."""
    out = tmp_path / "default"
    main_in_process(["minigan.train", "--no-progress", *FAST, "--iterations", "1",
                     "--log-every", "1", "--out", str(out)], tmp_path, capsys)
    assert json.loads((out / "config.json").read_text())["objective"] == "cycle"
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    losses = [r for r in rows if "loss_g" in r]
    assert losses and all("loss_cycle_a" in r and "loss_cycle_b" in r
                          and "loss_identity" not in r for r in losses)
