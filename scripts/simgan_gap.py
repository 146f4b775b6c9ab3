"""What is the gap between the synthetic and the real digits made of?  (README, SimGAN)

    python scripts/simgan_gap.py --seeds 0 1 2

SimGAN's refiner is local and self-regularised: it can change how a digit is drawn
(stroke width, edge profile, blur), not which shape it has.  So before training one,
measure how much of the synthetic-to-real gap is appearance and how much is shape.
Each row trains the same classifier as the SimGAN table (simgan_report.TaskNet, 5
epochs, one run per seed) on a training set and tests it on the 500 held-out real
digits, after the same appearance change applied to both:

    synthetic                    the 5,000 synthetic digits as rendered (SimGAN's input)
    synthetic, random pen        the same poses drawn with a random pen width
    binarised + blurred          both domains thresholded at 0, then blurred (sigma 1)
    skeleton, one pen            both domains thinned to a 1-pixel skeleton (Zhang and
                                 Suen 1984) and redrawn with one 3x3 pen: only the
                                 shapes are left
    real                         the 4,500 real training digits with their labels
                                 (used only here, as the ceiling)
    real, drawn with the pen     real shapes with the synthetic look: upsampled 4x,
                                 thresholded and drawn with the synthetic renderer's pen
    real, drawn with random pen  the same with the random pen

Real (ceiling) minus "real, drawn with the pen" is what the synthetic appearance costs
on real shapes: all a perfect refiner could win.  The rest of the gap is shape.
"""
import argparse
import os
import sys

import numpy as np
from scipy import ndimage

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from minigan import simgan_report                                    # noqa: E402
from minigan.data import load_dataset                                # noqa: E402
from minigan.data import synthetic                                   # noqa: E402


def binarise_blur(x):
    """x: (N, 1, 28, 28) -> thresholded at 0 and blurred by a Gaussian of sigma 1."""
    return ndimage.gaussian_filter(np.where(x > 0, 1.0, -1.0), (0, 0, 1, 1)).astype(np.float32)


def thin(x):
    """Zhang and Suen (1984)'s thinning of the ink x > 0: bool (N, 28, 28) skeletons.

    Repeatedly peel, in two alternating sub-steps, the boundary pixels whose removal
    keeps the stroke connected (one 0->1 transition around them), that are not line ends
    (2 to 6 ink neighbours) and that face the outside (south-east, then north-west).
    """
    ink = np.pad(x[:, 0] > 0, ((0, 0), (1, 1), (1, 1)))
    ring = [(-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1)]  # P2..P9
    changed = True
    while changed:
        changed = False
        for sub in (0, 1):
            p = [np.roll(ink, (-dy, -dx), axis=(1, 2)) for dy, dx in ring]
            neighbours = sum(q.astype(int) for q in p)
            transitions = sum((~p[i] & p[(i + 1) % 8]).astype(int) for i in range(8))
            p2, p4, p6, p8 = p[0], p[2], p[4], p[6]
            faces = (~(p2 & p4 & p6) & ~(p4 & p6 & p8)) if sub == 0 else \
                (~(p2 & p4 & p8) & ~(p2 & p6 & p8))
            peel = ink & (neighbours >= 2) & (neighbours <= 6) & (transitions == 1) & faces
            if peel.any():
                ink, changed = ink & ~peel, True
    return ink[:, 1:-1, 1:-1]


def skeleton_one_pen(x):
    """x: (N, 1, 28, 28) -> its skeleton redrawn with a 3x3 pen, lightly blurred."""
    drawn = ndimage.binary_dilation(thin(x), structure=np.ones((1, 3, 3), bool))
    return ndimage.gaussian_filter(np.where(drawn, 1.0, -1.0)[:, None],
                                   (0, 0, 0.7, 0.7)).astype(np.float32)


def redraw_with_pen(x, pens):
    """Real digits drawn with the synthetic renderer's pen: upsampled 4x (bilinear),
    thresholded at 0, grown (or thinned) by pens[i] pixels, area-sampled back."""
    k = synthetic.SUPER
    out = []
    for image, pen in zip(x[:, 0], pens):
        mask = ndimage.zoom(image, k, order=1) > 0
        steps = int(round(abs(pen) * k))
        if steps:
            grow = ndimage.binary_dilation if pen > 0 else ndimage.binary_erosion
            mask = grow(mask, iterations=steps)
        out.append(mask.reshape(28, k, 28, k).mean(axis=(1, 3)) * 2 - 1)
    return np.stack(out)[:, None].astype(np.float32)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = p.parse_args(argv)
    syn = load_dataset("synthetic-digits")
    randomised_x, _ = synthetic.synthetic_digits(len(syn.x), 0, random_pen=True)
    real = load_dataset("mnist-sr", split="train", download=False, quiet=True)
    test = load_dataset("mnist-sr", split="test", download=False, quiet=True)
    pens = np.random.default_rng(0).uniform(*synthetic.RANDOM_PEN, len(real.x))
    rows = [("synthetic, as rendered (SimGAN's input)", syn.x, syn.y, test.x),
            ("synthetic, random pen (domain randomisation)", randomised_x, syn.y, test.x),
            ("both binarised + blurred", binarise_blur(syn.x), syn.y, binarise_blur(test.x)),
            ("both thinned to a skeleton, one pen", skeleton_one_pen(syn.x), syn.y,
             skeleton_one_pen(test.x)),
            ("real training digits (ceiling)", real.x, real.y, test.x),
            ("real, drawn with the synthetic pen",
             redraw_with_pen(real.x, np.full(len(real.x), synthetic.PEN)), real.y, test.x),
            ("real, drawn with the random pen", redraw_with_pen(real.x, pens), real.y, test.x)]
    print(f"| training set | accuracy on real held-out digits, {len(args.seeds)} seeds | range |")
    print("|---|---:|---:|")
    for name, x, y, test_x in rows:
        accs = [simgan_report.accuracy(simgan_report.train_task_net(x, y, seed), test_x, test.y)
                for seed in args.seeds]
        print(f"| {name} | {100 * np.mean(accs):.1f}% ± {100 * np.std(accs):.1f} "
              f"| {100 * min(accs):.1f}–{100 * max(accs):.1f} |", flush=True)
        print(f"  (accuracies {accs})", file=sys.stderr)


if __name__ == "__main__":
    main()
