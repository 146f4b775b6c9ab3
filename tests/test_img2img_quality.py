"""The image-to-image ablations through the real command (slow: minutes each on one core).

What is asserted is what the README's tables report for these exact commands
(seed 0, the bundled digits), with margins for rounding differences between
machines; where a target of issue 14 was not met the README says so.
"""
import json

import pytest

from test_train import train


def final_scores(out):
    lines = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return [line for line in lines if line.get("final")][-1]


@pytest.mark.slow
def test_pix2pix_ablation_directions(tmp_path):
    scores = {}
    for objective in ("l1+cgan", "l1", "cgan"):
        out = tmp_path / objective
        train(tmp_path, "--model", "pix2pix", "--dataset", "mnist-edges", "--objective",
              objective, "--out", str(out))
        scores[objective] = final_scores(out)
    full, l1, cgan = scores["l1+cgan"], scores["l1"], scores["cgan"]
    assert full["accuracy"] > 0.9 and l1["accuracy"] > 0.9
    assert full["fid"] < 0.8 * cgan["fid"]          # the L1 term fixes cGAN's content
    assert full["l1"] < cgan["l1"]
    # L1 alone blurs (less sharp than the real digits); the adversarial term sharpens
    assert l1["sharpness"] < 0.95 * l1["sharpness_target"]
    assert full["sharpness"] > 1.1 * l1["sharpness"] and cgan["sharpness"] > 1.1 * l1["sharpness"]


@pytest.mark.slow
def test_cyclegan_keeps_the_digit_only_with_the_cycle(tmp_path):
    scores = {}
    for objective in ("full", "cycle", "gan"):
        out = tmp_path / objective
        train(tmp_path, "--model", "cyclegan", "--dataset", "mnist-thickness", "--objective",
              objective, "--out", str(out))
        scores[objective] = final_scores(out)
    full, cycle, gan = scores["full"], scores["cycle"], scores["gan"]
    for d in ("a2b", "b2a"):
        assert full[f"accuracy_{d}"] > gan[f"accuracy_{d}"] + 0.3
        assert full[f"l1_{d}"] < full[f"l1_identity_{d}"]
        # the paper's eq. (3): the digit kept and the thickness matched (issue 14's
        # targets, on seeds 0 and 1); its L1 to the true partner is under half the
        # identity map's on seed 0 (0.058) but not on seed 1 (0.097), so only "well under"
        assert cycle[f"accuracy_{d}"] > 0.9
        assert abs(cycle[f"ink_{d}"] / cycle[f"ink_target_{d}"] - 1) < 0.1
        assert cycle[f"l1_{d}"] < 0.8 * cycle[f"l1_identity_{d}"]
        # the identity term: the thickness falls short (A -> B) or overshoots (B -> A)
        assert abs(full[f"ink_{d}"] / full[f"ink_target_{d}"] - 1) > 0.1
