"""The toy wgan-gp default is the quick recipe; the authors' toy script is one flag away.

The README's ring result (8/8 modes, >= 90% high quality) is measured with the
default command, so the default must be exactly the configuration that was
measured; the slow test in test_gan_quality.py trains it.
"""
import pytest

from minigan import gans, train


def resolved(*flags):
    return train.resolve_config(train.make_parser().parse_args(list(flags)))


def test_toy_wgan_gp_default_is_the_quick_recipe():
    config = resolved("--model", "wgan-gp", "--dataset", "ring")
    assert (config["hidden"], config["lr_g"], config["lr_d"], config["lr_decay"],
            config["iterations"]) == ((128, 128, 128), 1e-3, 1e-3, "linear", 4000)
    # the toy script's penalty, betas and activation are kept
    assert (config["gp_lambda"], tuple(config["betas"]), config["activation"],
            config["n_critic"]) == (0.1, (0.5, 0.9), "relu", 5)


def test_recipe_paper_is_the_authors_toy_script():
    config = resolved("--model", "wgan-gp", "--dataset", "ring", "--recipe", "paper")
    assert (config["hidden"], config["lr_g"], config["lr_d"], config["lr_decay"]) == \
        ((512, 512, 512), 1e-4, 1e-4, "none")
    assert (config["gp_lambda"], tuple(config["betas"])) == (0.1, (0.5, 0.9))


@pytest.mark.parametrize("model", gans.MODELS)
@pytest.mark.parametrize("kind", ["toy2d", "image"])
def test_recipes_differ_only_for_toy_wgan_gp(model, kind):
    same = gans.defaults(model, kind, "paper") == gans.defaults(model, kind)
    assert same == (not (model == "wgan-gp" and kind == "toy2d"))


def test_flags_still_override_the_recipe():
    config = resolved("--model", "wgan-gp", "--dataset", "ring", "--recipe", "paper",
                      "--hidden", "64,64", "--lr-d", "3e-4")
    assert config["hidden"] == (64, 64) and config["lr_d"] == 3e-4 and config["lr_g"] == 1e-4


def test_unknown_recipe_is_refused():
    with pytest.raises(ValueError, match="recipe"):
        gans.defaults("gan", "toy2d", "fast")
