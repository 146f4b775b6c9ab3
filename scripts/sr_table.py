"""The perception-distortion table of the README: bicubic, SRResNet, SRGAN on held-out digits.

    python scripts/sr_table.py runs/srresnet-mnist-sr runs/srgan-mnist-sr runs/srgan-mse-mnist-sr \
        [--figure docs/figures/srgan-mnist-sr.png]

Scores each run's final generator (its checkpoint.npz) and the bicubic baseline on the
held-out split of mnist-sr (the 500 bundled digits the classifier never saw), and the
targets themselves as the reference row; prints a Markdown table.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from minigan import backend, gans, sr_report              # noqa: E402
from minigan.serialization import load                    # noqa: E402


def load_run(run_dir):
    """The trained model of a run directory (config.json + checkpoint.npz)."""
    with open(os.path.join(run_dir, "config.json")) as f:
        config = json.load(f)
    model = gans.build(config, (1, 28, 28), "image")
    model.load_state_dict(load(os.path.join(run_dir, "checkpoint.npz"))["model"])
    return model, config


def row(name, scores):
    return (f"| {name} | {scores['psnr']:.2f} | {scores['ssim']:.3f} | "
            f"{100 * scores['accuracy']:.1f}% | {scores['fid']:.1f} |")


def figure(path, lr, hr, outputs, n=10):
    """Columns: input (pixels repeated), bicubic, each run's output, target; one digit a row."""
    import numpy as np
    from minigan import viz
    from minigan.data.superres import bicubic_upsample
    pick = np.linspace(0, len(hr) - 1, n).astype(int)
    columns = [lr[pick].repeat(4, axis=2).repeat(4, axis=3), bicubic_upsample(lr[pick])]
    columns += [out[pick] for out in outputs] + [hr[pick]]
    grid = np.stack(columns, axis=1).reshape((-1,) + hr.shape[1:])
    viz.save_image_grid(grid, path, nrow=len(columns))


def main(argv):
    figure_path = None
    if "--figure" in argv:
        i = argv.index("--figure")
        figure_path, argv = argv[i + 1], argv[:i] + argv[i + 2:]
    run_dirs = argv
    lr, hr, labels = sr_report.test_pairs()
    outputs = []
    print("| method | PSNR (dB) | SSIM | classifier accuracy | classifier FID |")
    print("|---|---:|---:|---:|---:|")
    print(row("bicubic (Keys, a = -0.5)", sr_report.bicubic_scores()))
    for run_dir in run_dirs:
        model, config = load_run(run_dir)
        name = config["model"]
        if name == "srgan":
            name += f" ({config['content_loss']} content loss)"
        outputs.append(backend.to_numpy(model.translate(lr)))
        print(row(f"{name}: `{run_dir}`", sr_report.score_outputs(outputs[-1], hr, labels)))
    reference = sr_report.score_outputs(hr, hr, labels)
    print(f"| the 28x28 targets | ∞ | 1 | {100 * reference['accuracy']:.1f}% | "
          f"{reference['fid']:.1f} |")
    if figure_path:
        figure(figure_path, lr, hr, outputs)


if __name__ == "__main__":
    main(sys.argv[1:])
