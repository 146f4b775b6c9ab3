"""How much of a pix2pix run's score is the draw of its test-time dropout masks.

pix2pix translates as the paper tests, dropout on (pix2pix.translate), with masks from
a generator seeded with pix2pix.TEST_SEED (0), so a run's score is one draw of masks.
This scores each run's last checkpoint on the 500 held-out outlines with mask seeds
0..9: seed 0 gives the run's own final score; the spread over the ten is the part of
a difference between two checkpoints or two runs that is the masks, not the model.

Usage: MINIGAN_OFFLINE=1 python scripts/pix2pix_mask_noise.py RUN_DIR [RUN_DIR ...]
"""
import statistics
import sys

import numpy as np

from minigan import image_metrics as im
from minigan.data import load_dataset
from minigan.gans import pix2pix
from minigan.translate import load_model

MASK_SEEDS = range(10)


def main(runs):
    data = load_dataset("mnist-edges", download=False, quiet=True)
    a, y = data.test_x[:, :1], data.test_y
    for run in runs:
        model = load_model(run)
        accuracy, fid = [], []
        for seed in MASK_SEEDS:
            pix2pix.TEST_SEED = seed                  # read by run_as_in_training
            features, logits = im.evaluate(np.asarray(model.translate(a)))
            accuracy.append(100 * float(np.mean(logits.argmax(1) == y)))
            fid.append(im._fid_of_features(features))
        pix2pix.TEST_SEED = 0
        print(f"{run}: mask seed 0 {accuracy[0]:.1f}%, FID {fid[0]:.1f}; seeds 0-9 "
              f"{statistics.mean(accuracy):.1f} +- {statistics.stdev(accuracy):.1f}% "
              f"({min(accuracy):.1f}-{max(accuracy):.1f}), FID {statistics.mean(fid):.1f} "
              f"+- {statistics.stdev(fid):.1f} ({min(fid):.1f}-{max(fid):.1f})")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
