"""Scores and pictures of SimGAN runs, and the classifier experiment of the paper.

    run_scores(model, run)      at each checkpoint: how real the refined test digits look
                                (classifier FID), how often they keep their label, how
                                far R moved them (mean |R(x) - x|)
    run_picture(model, run, p)  synthetic | refined pairs
    TaskNet, train_task_net     the downstream classifier of the paper's result: trained
                                on synthetic or refined digits only, tested on real ones

The label check uses minigan's bundled digit classifier (trained on real digits):
``label_kept`` is the share of refined digits it reads as the synthetic label, the
measure of label drift that the self-regularisation term is there to prevent.
"""
import numpy as np

from . import backend, image_metrics, nn, optim, viz
from . import functional as F
from .autograd import Tensor, no_grad
from .data import BatchIterator, load_dataset

PICTURE_PAIRS = 20
_cache = {}


def synthetic_test(seed=0):
    """500 synthetic digits (x, y) that the refiner never trains on."""
    if seed not in _cache:
        data = load_dataset("synthetic-digits", split="test", seed=seed)
        _cache[seed] = (data.x, data.y)
    return _cache[seed]


def refinement_scores(x, refined, labels):
    """{"fid", "label_kept", "l1"} of refined digits against the real ones."""
    features, logits = image_metrics.evaluate(refined)
    return {"fid": image_metrics._fid_of_features(features),
            "label_kept": float(np.mean(logits.argmax(axis=1) == labels)),
            "l1": float(np.abs(refined - x).mean())}


def run_scores(model, run):
    x, y = synthetic_test(run.config["seed"])
    return refinement_scores(x, backend.to_numpy(model.translate(x)), y)


def run_picture(model, run, path, title=None):
    """Pairs (synthetic | refined), four pairs per row."""
    x, _ = synthetic_test(run.config["seed"])
    x = x[:PICTURE_PAIRS]
    pairs = np.stack([x, backend.to_numpy(model.translate(x))], axis=1).reshape((-1,) + x.shape[1:])
    viz.save_image_grid(pairs, path, nrow=8, title=title)


# ---------------------------------------------------------------- the experiment

class TaskNet(nn.Module):
    """The downstream digit classifier: conv 5x5 s2 (16), conv 5x5 s2 (32), linear.

    Smaller than the bundled judge so that each of the experiment's many trainings
    takes seconds: (N, 1, 28, 28) -> (N, 10) logits.
    """

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, 16, 5, stride=2, padding=2), nn.ReLU(),
                                 nn.Conv2d(16, 32, 5, stride=2, padding=2), nn.ReLU(),
                                 nn.Flatten(), nn.Linear(32 * 7 * 7, 10))

    def forward(self, x):
        return self.net(x)


def train_task_net(x, y, seed, epochs=5, batch_size=64, lr=1e-3):
    """Train a TaskNet on (x, y) host arrays with Adam and cross-entropy; seeded."""
    backend.manual_seed(seed)
    net = TaskNet()
    opt = optim.Adam(net.parameters(), lr=lr)
    batches = BatchIterator(x, y, batch_size=batch_size, seed=seed)
    for _ in range(epochs * len(batches)):
        xb, yb = batches.next()
        loss = F.cross_entropy(net(Tensor(backend.asarray(xb))), backend.asarray(yb))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net


def accuracy(net, x, y):
    """Share of x that net classifies as y."""
    with no_grad():
        logits = np.concatenate([backend.to_numpy(net(Tensor(backend.asarray(x[i:i + 250]))).data)
                                 for i in range(0, len(x), 250)])
    return float(np.mean(logits.argmax(axis=1) == y))
