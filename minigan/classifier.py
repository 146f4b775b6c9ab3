"""A small convolutional MNIST classifier: the judge behind minigan's sample-quality scores.

minigan trains it itself (scripts/train_classifier.py) on 4,500 of the 5,000 bundled
digits and ships the weights in minigan/weights/mnist_classifier.npz; see the README
there for its held-out accuracy.  minigan.image_metrics uses it twice:

  * its 128 penultimate activations ("features") play the role that the Inception
    network's pool features play in the FID of Heusel et al. (2017): the classifier
    FID is the Frechet distance between Gaussians fitted to the features of
    generated and of real digits;
  * its predicted classes say which digits a generator draws, and, for a
    conditional GAN, whether it draws the digit it was asked for.

    x (N, 1, 28, 28) in [-1, 1]
      Conv 1->32,  k3 s1 p1, ReLU    (N, 32, 28, 28)
      Conv 32->32, k4 s2 p1, ReLU    (N, 32, 14, 14)
      Conv 32->64, k4 s2 p1, ReLU    (N, 64, 7, 7)
      Flatten, Linear 3136->128, ReLU (N, 128)   the features
      Linear 128->10                 (N, 10)    the logits
"""
from . import nn

NUM_CLASSES = 10
FEATURE_DIM = 128


class DigitClassifier(nn.Module):
    """Conv-conv-conv-linear digit classifier; ``body`` gives features, ``head`` logits.

    state_dict keys: ``body.0.weight`` ... ``body.7.bias`` and ``head.weight``, ``head.bias``.
    """

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, stride=1, padding=1), nn.ReLU(),
            nn.Conv2d(32, 32, 4, stride=2, padding=1), nn.ReLU(),    # 28 -> 14
            nn.Conv2d(32, 64, 4, stride=2, padding=1), nn.ReLU(),    # 14 -> 7
            nn.Flatten(),
            nn.Linear(64 * 7 * 7, FEATURE_DIM), nn.ReLU(),
        )
        self.head = nn.Linear(FEATURE_DIM, NUM_CLASSES)

    def features(self, x):
        """x: (N, 1, 28, 28) Tensor -> the penultimate activations (N, 128), all >= 0."""
        return self.body(x)

    def logits(self, x):
        """x: (N, 1, 28, 28) Tensor -> unnormalised class scores (N, 10)."""
        return self.head(self.features(x))

    def forward(self, x):
        return self.logits(x)
