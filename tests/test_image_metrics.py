"""The sample-quality scores for digits: the Frechet distance against closed forms, the
shipped classifier against the held-out digits, and the scores of real digits, noise,
blank images and stand-in generators against the floors recorded in
minigan/weights/README.md.
"""
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

import minigan as mg
from minigan import image_metrics as im
from minigan.data import held_out_mask, load_mnist_sample

# The figures recorded in minigan/weights/README.md (scripts/train_classifier.py, seed 0).
RECORDED_ACCURACY = 0.982         # 491 of the 500 held-out digits
RECORDED_FLOOR_SHIPPED = 13.71    # FID of the 500 held-out digits against the shipped stats


# ------------------------------------------------------------ frechet_distance

def random_spd(rng, d):
    a = rng.standard_normal((d, d))
    return a @ a.T + 0.1 * np.eye(d)


def test_identical_gaussians_are_at_distance_zero():
    rng = np.random.default_rng(0)
    mu, sigma = rng.standard_normal(6), random_spd(rng, 6)
    assert im.frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0, abs=1e-9)


def test_diagonal_covariances_closed_form():
    """Commuting (diagonal) covariances: |dmu|^2 + sum_i (sqrt a_i - sqrt b_i)^2."""
    rng = np.random.default_rng(1)
    mu1, mu2 = rng.standard_normal(5), rng.standard_normal(5)
    a, b = rng.uniform(0.1, 3, 5), rng.uniform(0.1, 3, 5)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    got = im.frechet_distance(mu1, np.diag(a), mu2, np.diag(b))
    assert got == pytest.approx(expected, rel=1e-10)


def test_one_dimensional_closed_form():
    """N(m1, s1^2) and N(m2, s2^2): (m1 - m2)^2 + (s1 - s2)^2."""
    got = im.frechet_distance([1.0], [[4.0]], [-2.0], [[0.25]])
    assert got == pytest.approx(3.0 ** 2 + (2.0 - 0.5) ** 2, rel=1e-12)
    assert im.frechet_distance(np.array(1.0), np.array(4.0), np.array(-2.0),
                               np.array(0.25)) == pytest.approx(11.25, rel=1e-12)


def test_singular_covariances_are_handled_without_warnings():
    """Dead ReLU units give zero rows and columns; the closed form still holds, quietly."""
    a, b = np.array([0.0, 1.0, 2.0, 0.0]), np.array([0.0, 4.0, 0.5, 0.0])
    expected = np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = im.frechet_distance(np.zeros(4), np.diag(a), np.zeros(4), np.diag(b))
        assert im.frechet_distance(np.zeros(3), np.zeros((3, 3)), np.ones(3),
                                   np.zeros((3, 3))) == pytest.approx(3.0, rel=1e-9)
    assert got == pytest.approx(expected, rel=1e-6)


def test_general_covariances_against_the_symmetric_form():
    """Tr (S1 S2)^(1/2) = Tr (S1^(1/2) S2 S1^(1/2))^(1/2), computed here by eigenvalues."""
    rng = np.random.default_rng(2)
    s1, s2 = random_spd(rng, 7), random_spd(rng, 7)
    mu1, mu2 = rng.standard_normal(7), rng.standard_normal(7)
    w, v = np.linalg.eigh(s1)
    root1 = (v * np.sqrt(w)) @ v.T
    cross = np.sqrt(np.linalg.eigvalsh(root1 @ s2 @ root1)).sum()
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * cross
    assert im.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-9)
    assert im.frechet_distance(mu2, s2, mu1, s1) == pytest.approx(expected, rel=1e-9)


def test_non_finite_statistics_give_nan():
    assert np.isnan(im.frechet_distance([np.nan, 0.0], np.eye(2), [0.0, 0.0], np.eye(2)))


def test_mismatched_shapes_are_an_error():
    with pytest.raises(ValueError, match="shapes"):
        im.frechet_distance(np.zeros(3), np.eye(3), np.zeros(2), np.eye(2))


# ------------------------------------------------------------ the shipped classifier

@pytest.fixture(scope="module")
def held_out():
    """The 500 held-out digits, their labels, and the classifier's features and logits."""
    x, y = load_mnist_sample("held-out")
    mg.backend.use("numpy")
    features, logits = im.evaluate(x)
    return SimpleNamespace(x=x, y=y, features=features, predicted=logits.argmax(axis=1))


def test_held_out_accuracy_matches_the_recorded_figure(held_out):
    accuracy = np.mean(held_out.predicted == held_out.y)
    assert accuracy >= RECORDED_ACCURACY - 0.004         # two digits of slack
    info = im.load_classifier()[1]["info"]
    assert info["held_out_accuracy"] == pytest.approx(accuracy, abs=0.004)


def test_real_statistics_are_of_the_5000_digits():
    mu, sigma = im.real_statistics()
    assert mu.shape == (128,) and sigma.shape == (128, 128)
    assert mu.dtype == sigma.dtype == np.float64
    np.testing.assert_allclose(sigma, sigma.T)
    assert np.all(mu >= 0)                               # means of ReLU features


def test_fid_of_real_digits_is_near_the_floor_and_noise_is_far(held_out):
    fid_real = im._fid_of_features(held_out.features)
    assert fid_real == pytest.approx(RECORDED_FLOOR_SHIPPED, rel=0.05)
    rng = np.random.default_rng(0)
    noise = rng.uniform(-1, 1, (300, 1, 28, 28)).astype(np.float32)
    blank = -np.ones((50, 1, 28, 28), dtype=np.float32)
    assert im.classifier_fid(noise) > 20 * fid_real
    assert im.classifier_fid(blank) > 20 * fid_real


def test_class_distribution_of_real_digits_and_of_ones(held_out):
    counts = np.bincount(held_out.predicted, minlength=10)
    full = im._distribution(held_out.predicted, im.APPEAR_SHARE)
    assert full["digits"] == 10 and full["counts"] == counts.tolist()
    x, y = load_mnist_sample("all")
    ones = x[y == 1]                  # 500 ones: a stray 2 among them is under the 2% bar
    only_ones = im.class_distribution(ones)
    assert only_ones["digits"] == 1 and only_ones["appearing"] == [1]
    assert sum(only_ones["counts"]) == len(ones)


def test_appearing_rule():
    """A digit appears with at least min_share of its fair share N / 10 (2% by default)."""
    predicted = np.repeat(np.arange(10), [300, 300, 300, 20, 19, 1, 60, 0, 0, 0])  # N = 1000
    d = im._distribution(predicted, 0.2)
    assert d["appearing"] == [0, 1, 2, 3, 6] and d["digits"] == 5


def test_label_accuracy_of_real_digits(held_out):
    sample = slice(0, None, 5)        # 100 digits, 10 of each class
    assert im.label_accuracy(held_out.x[sample], held_out.y[sample]) >= 0.95
    wrong = (held_out.y[sample] + 1) % 10
    assert im.label_accuracy(held_out.x[sample], wrong) <= 0.05


def test_images_of_the_wrong_size_are_refused():
    with pytest.raises(ValueError, match="28"):
        im.classifier_features(np.zeros((2, 1, 32, 32), dtype=np.float32))


@pytest.mark.both_backends
def test_features_are_the_same_on_the_device(backend_name, held_out):
    """The classifier runs on the active backend; host in, host float64 out."""
    features = im.classifier_features(held_out.x[:20])
    assert isinstance(features, np.ndarray) and features.dtype == np.float64
    np.testing.assert_allclose(features, held_out.features[:20], rtol=1e-4, atol=1e-4)


# ------------------------------------------------------------ image_scores on a run

class RealDigitsGAN:
    """Stands in for a trained GAN: 'generates' real digits of the bundled sample, as
    device arrays, picked with its own ``rng`` unless given one, as the real GANs draw
    their noise (so the test can check that scoring leaves that generator alone).
    """

    def __init__(self):
        self.x, self.y = load_mnist_sample("all")
        self.rng = mg.backend.default_rng(0)

    def generate(self, n, labels=None, rng=None):
        rng = self.rng if rng is None else rng
        if labels is None:
            idx = mg.backend.to_numpy(rng.choice(len(self.x), n, replace=False))
        else:
            labels = mg.backend.to_numpy(labels)
            idx = np.array([np.flatnonzero(self.y == k)[i] for i, k in enumerate(labels)])
        return mg.backend.asarray(self.x[idx])


def make_run(model, dataset="mnist"):
    return SimpleNamespace(gan=RealDigitsGAN(), config={"model": model, "dataset": dataset},
                           data=SimpleNamespace(num_classes=10))


def test_image_scores_of_a_perfect_generator():
    run = make_run("dcgan")
    rng = run.gan.rng
    scores = im.image_scores(run, n=500)
    assert set(scores) == {"fid", "digits"}
    assert isinstance(scores["fid"], float) and isinstance(scores["digits"], int)
    # 500 random real digits score 21 +- 4 (README); noise scores about 4,000
    assert scores["fid"] < 2.5 * RECORDED_FLOOR_SHIPPED
    assert scores["digits"] == 10
    assert run.gan.rng is rng                               # training's noise untouched
    assert im.image_scores(run, n=500) == scores            # the same noise every time


def test_image_scores_of_a_conditional_generator():
    scores = im.image_scores(make_run("cgan"), n=200)
    assert set(scores) == {"fid", "digits", "label_accuracy"}
    assert scores["label_accuracy"] >= 0.95 and scores["digits"] == 10


def test_image_scores_skip_fashion_mnist():
    assert im.image_scores(make_run("dcgan", dataset="fashion-mnist")) == {}


def test_held_out_split_is_the_one_the_classifier_never_saw():
    _, labels = load_mnist_sample("all")
    assert held_out_mask(labels).sum() == 500
