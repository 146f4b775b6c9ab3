"""Train the digit classifier behind minigan's sample-quality scores, with minigan itself.

    python scripts/train_classifier.py        # about 2 minutes on 2 idle CPU cores

It trains minigan.classifier.DigitClassifier with Adam on the 4,500 training digits
of the bundled MNIST sample (random shifts of up to 2 pixels as augmentation),
reports the accuracy on the 500 held-out digits, and writes
minigan/weights/mnist_classifier.npz:

    "model"          the classifier's state_dict
    "real_features"  {"mean": (128,), "cov": (128, 128)} float64: the feature
                     statistics of all 5,000 bundled digits, the FID's reference
    "info"           seed, epochs, held-out accuracy, training time, FID floors

It ends by printing the real-vs-real floors of the classifier FID that
minigan/weights/README.md records.  Everything is seeded: the same command on the
same backend gives the same weights.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import minigan as mg                                              # noqa: E402
import minigan.functional as F                                    # noqa: E402
from minigan import image_metrics                                 # noqa: E402
from minigan.classifier import DigitClassifier                    # noqa: E402
from minigan.data import held_out_mask, load_mnist_sample         # noqa: E402

DEFAULT_OUT = os.path.join(os.path.dirname(image_metrics.__file__), "weights",
                           "mnist_classifier.npz")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate (a tenth "
                   "of it for the last third of the epochs)")
    p.add_argument("--shift", type=int, default=2, help="augmentation: random shifts of up "
                   "to this many pixels (0: none)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--backend", default="numpy", choices=["numpy", "cupy"])
    p.add_argument("--out", default=DEFAULT_OUT)
    return p.parse_args(argv)


def random_shift(x, max_shift, rng):
    """x: (N, 1, 28, 28) -> each image moved by up to max_shift pixels in each direction.

    The border that comes in is background (-1).  A digit shifted by a pixel or two
    is the same digit: this teaches the classifier that, and lets 4,500 digits go further.
    """
    if max_shift == 0:
        return x
    m = max_shift
    padded = np.pad(x, ((0, 0), (0, 0), (m, m), (m, m)), constant_values=-1.0)
    dy, dx = rng.integers(0, 2 * m + 1, (2, len(x)))
    return np.stack([padded[i, :, dy[i]:dy[i] + 28, dx[i]:dx[i] + 28] for i in range(len(x))])


def train(model, x, y, x_test, y_test, args):
    rng = np.random.default_rng(args.seed)
    opt = mg.optim.Adam(model.parameters(), lr=args.lr)
    steps = len(x) // args.batch_size
    for epoch in range(1, args.epochs + 1):
        if epoch > args.epochs - args.epochs // 3:
            opt.lr = args.lr / 10     # small last steps settle the weights in a minimum
        model.train()
        order, start, total, correct = rng.permutation(len(x)), time.time(), 0.0, 0
        for step in range(steps):
            idx = order[step * args.batch_size:(step + 1) * args.batch_size]
            xb = mg.tensor(random_shift(x[idx], args.shift, rng))
            logits = model(xb)
            loss = F.cross_entropy(logits, mg.backend.asarray(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
            correct += int((mg.backend.to_numpy(logits.data).argmax(axis=1) == y[idx]).sum())
        model.eval()
        accuracy = np.mean(image_metrics.evaluate(x_test, model)[1].argmax(axis=1) == y_test)
        print(f"epoch {epoch}/{args.epochs}  loss {total / steps:.4f}  "
              f"train acc {correct / (steps * args.batch_size):.4f}  "
              f"held-out acc {accuracy:.4f}  ({time.time() - start:.0f} s)", flush=True)
    return accuracy


def fid_between(f1, f2):
    return image_metrics.frechet_distance(*image_metrics.gaussian_statistics(f1),
                                          *image_metrics.gaussian_statistics(f2))


def fid_floors(features, held_out):
    """Real-vs-real classifier FIDs: what a perfect generator would score.

    FID is biased upwards at small N, so the floor depends on the number of samples.
    """
    rng = np.random.default_rng(0)
    floors = {"held_out_500_vs_train_4500": fid_between(features[held_out], features[~held_out])}
    halves = rng.permutation(len(features))
    floors["half_2500_vs_half_2500"] = fid_between(features[halves[:2500]],
                                                   features[halves[2500:]])
    # the setting of image_scores: 1,000 samples; here real ones against the other 4,000
    folds = [fid_between(features[halves[k::5]], features[np.setdiff1d(halves, halves[k::5])])
             for k in range(5)]
    floors["real_1000_vs_other_4000_mean"] = float(np.mean(folds))
    floors["real_1000_vs_other_4000_max"] = float(np.max(folds))
    # what the test recomputes: the held-out digits against the shipped statistics of all 5,000
    mu, sigma = image_metrics.gaussian_statistics(features)
    floors["held_out_500_vs_shipped"] = image_metrics.frechet_distance(
        *image_metrics.gaussian_statistics(features[held_out]), mu, sigma)
    return floors


def main(argv=None):
    args = parse_args(argv)
    mg.backend.use(args.backend)
    mg.backend.manual_seed(args.seed)
    x_all, y_all = load_mnist_sample("all")
    held_out = held_out_mask(y_all)
    x, y = x_all[~held_out], y_all[~held_out]
    x_test, y_test = x_all[held_out], y_all[held_out]
    print(f"training on {len(x)} digits, testing on {len(x_test)} "
          f"({args.epochs} epochs, batch {args.batch_size}, seed {args.seed}, {args.backend})")

    model = DigitClassifier()
    start = time.time()
    accuracy = train(model, x, y, x_test, y_test, args)
    seconds = time.time() - start

    features, _ = image_metrics.evaluate(x_all, model)
    mu, sigma = image_metrics.gaussian_statistics(features)
    floors = fid_floors(features, held_out)
    info = {"seed": args.seed, "epochs": args.epochs, "batch_size": args.batch_size,
            "lr": args.lr, "shift": args.shift, "backend": args.backend,
            "held_out_accuracy": float(accuracy), "train_seconds": round(seconds, 1),
            "fid_floors": floors}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    mg.save({"model": model.state_dict(), "real_features": {"mean": mu, "cov": sigma},
             "info": info}, args.out)

    print(f"\nheld-out accuracy {accuracy:.4f} ({int(round(accuracy * len(y_test)))}"
          f"/{len(y_test)}), training {seconds:.0f} s; wrote {args.out}")
    print("classifier FID, real vs real:")
    for name, value in floors.items():
        print(f"  {name:32s} {value:8.3f}")


if __name__ == "__main__":
    main()
