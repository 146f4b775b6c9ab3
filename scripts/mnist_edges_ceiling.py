"""How much of the 95% digit-accuracy target can the mnist-edges input carry at all?

pix2pix on mnist-edges is scored by the digit classifier's accuracy on its outputs
for the 500 held-out outlines (README, "Image-to-image translation").  The input is a
14x14 trace, so some digits may not be recoverable from it by any generator.  This
script measures reference points, each with the same classifier on the same 500
held-out digits (none of them a proof of a bound, since a generator could draw
something the classifier reads better than any image below):

    the targets themselves                   what a perfect translation scores
    14x14 grey block means, back to 28x28    the resolution the outline is drawn at,
                                             before thresholding
    14x14 thresholded ink, back to 28x28     what the outline is the boundary of:
                                             the outline is a function of it, so it
                                             holds at most this much
    the outline itself                       the input, read as if it were a digit
    nearest training outline's target        a lookup: the held-out outline's nearest
                                             training outline (Euclidean, = Hamming
                                             on a +-1 image), and its digit
    k-nearest outlines' label vote           the same, the neighbours' labels voting

Usage: MINIGAN_OFFLINE=1 python scripts/mnist_edges_ceiling.py   (seconds, one core)
"""
import numpy as np

from minigan import image_metrics as im
from minigan.data import load_dataset, translation


def blocks_back_to_28(coarse):
    """(N, 14, 14) -> (N, 1, 28, 28), each pixel drawn as a block (as the outline)."""
    return translation.blocks_to_full(coarse)[:, None]


def main():
    data = load_dataset("mnist-edges", download=False, quiet=True)
    a, b, y = data.test_x[:, :1], data.test_x[:, 1:], data.test_y

    def accuracy(images):
        return 100 * float(np.mean(im.evaluate(images)[1].argmax(1) == y))

    pixels = np.rint((b[:, 0] + 1) * 127.5)                          # 0..255, as outline() sees
    coarse = translation.block_means(pixels)
    rows = [("the targets themselves", accuracy(b)),
            ("14x14 grey block means", accuracy(blocks_back_to_28(coarse / 127.5 - 1))),
            (f"14x14 thresholded ink (>= {translation.INK_THRESHOLD})",
             accuracy(blocks_back_to_28(
                 np.where(coarse >= translation.INK_THRESHOLD, 1.0, -1.0)))),
            ("the outline itself (the input)", accuracy(a))]
    train_a = data.x[:, 0].reshape(len(data.x), -1).astype(np.float64)
    query = a.reshape(len(a), -1).astype(np.float64)
    dist = (query ** 2).sum(1)[:, None] - 2 * query @ train_a.T + (train_a ** 2).sum(1)
    order = np.argsort(dist, axis=1, kind="stable")
    rows.append(("nearest training outline's target", accuracy(data.x[order[:, 0], 1:])))
    for k in (5, 15):
        votes = [np.bincount(data.y[i], minlength=10).argmax() for i in order[:, :k]]
        rows.append((f"{k} nearest outlines' label vote", 100 * float(np.mean(votes == y))))
    for name, value in rows:
        print(f"{name:36s} {value:5.1f}%")


if __name__ == "__main__":
    main()
