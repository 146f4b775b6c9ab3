"""The image-to-image ablations through the real command (slow: minutes each on one core).

What is asserted is what the README's tables report for these exact commands
(seed 0, the bundled digits), with margins for rounding differences between
machines; where a target of issue 14 was not met the README says so.
"""
import json

import pytest

from test_train import train

LONG = 3600   # seconds for one full-length training (minutes on one core; the default 120 is too short)


def final_scores(out):
    lines = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return [line for line in lines if line.get("final")][-1]


@pytest.mark.slow
def test_pix2pix_ablation_directions(tmp_path):
    scores = {}
    for objective in ("l1+cgan", "l1", "cgan"):
        out = tmp_path / objective
        train(tmp_path, "--model", "pix2pix", "--dataset", "mnist-edges", "--objective",
              objective, "--out", str(out), timeout=LONG)
        scores[objective] = final_scores(out)
    full, l1, cgan = scores["l1+cgan"], scores["l1"], scores["cgan"]
    # issue 14's targets are not met (README): scored as the paper tests, the full loss
    # reads 95.2 / 94.4 / 95.0% of the digits right on seeds 0 / 1 / 2 (the target: 95%)
    # and its FID is not below L1 alone's (19.1 against 18.3), so neither is asserted.
    # What reproduces: the L1 term keeps the digit that cGAN alone loses (seed 0: 95.2%
    # and 95.0% against 93.4%) ...
    assert min(full["accuracy"], l1["accuracy"]) > cgan["accuracy"] + 0.005
    # ... and brings the output to the target: cGAN alone is the farthest pixel by pixel
    # (README Table 1: 0.0511 against 0.0425; 0.0366 for L1 alone)
    assert full["l1"] < 0.9 * cgan["l1"] and l1["l1"] < full["l1"]
    # L1 alone blurs (less sharp than the real digits); the adversarial term draws as
    # sharp as real digits (seed 0: 0.146, 0.162 and 0.164 against the real 0.161)
    assert l1["sharpness"] < 0.95 * l1["sharpness_target"]
    for sharp in (full, cgan):
        assert sharp["sharpness"] > 1.05 * l1["sharpness"]
        assert abs(sharp["sharpness"] / sharp["sharpness_target"] - 1) < 0.05


@pytest.mark.slow
def test_cyclegan_keeps_the_digit_only_with_the_cycle(tmp_path):
    """The default (eq. 3, 4,800 iterations) against the identity term and no cycle."""
    scores = {}
    for objective in ("cycle", "full", "gan"):
        out = tmp_path / objective
        flags = () if objective == "cycle" else ("--objective", objective)   # the default
        train(tmp_path, "--model", "cyclegan", "--dataset", "mnist-thickness", *flags,
              "--out", str(out), timeout=LONG)
        scores[objective] = final_scores(out)
    cycle, full, gan = scores["cycle"], scores["full"], scores["gan"]
    for d in ("a2b", "b2a"):
        ink_error = {name: abs(s[f"ink_{d}"] / s[f"ink_target_{d}"] - 1)
                     for name, s in scores.items()}
        # issue 14's targets, met by eq. 3 at 4,800 iterations on seeds 0, 1 and 2
        # (accuracy >= 91.6%, ink within 2%, L1 at most 0.22 of the identity map's)
        assert cycle[f"accuracy_{d}"] >= 0.9
        assert ink_error["cycle"] < 0.1
        assert cycle[f"l1_{d}"] < 0.5 * cycle[f"l1_identity_{d}"]
        # the identity term keeps the digit but holds the thickening back
        # (seed 0: ink -9.6% / +8.7% against eq. 3's +0.5% / +1.4%; seed 1: -10.3% / +7.6%)
        assert full[f"accuracy_{d}"] >= 0.9
        assert ink_error["full"] > ink_error["cycle"] + 0.04
    # without a cycle nothing ties a translation to its input (lesson 13): at least one
    # direction loses the digit, its L1 above the identity map's.  Which one is the run's
    # draw: 10.8% / 10.0% in README Table 4's run, 90.2% / 10.0% on the re-run below it
    lost = [d for d in ("a2b", "b2a")
            if gan[f"accuracy_{d}"] < cycle[f"accuracy_{d}"] - 0.5
            and gan[f"l1_{d}"] > gan[f"l1_identity_{d}"]]
    assert lost
