"""MNIST and Fashion-MNIST: find the IDX files, or download them, or fall back.

MNIST (LeCun, Cortes and Burges) and Fashion-MNIST (Xiao, Rasul and Vollgraf 2017,
arXiv:1708.07747) come as the same four IDX files, gzipped or not:

    train-images-idx3-ubyte  train-labels-idx1-ubyte   60,000 examples
    t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte    10,000 examples

Where the files are looked for, first match wins (see search_dirs):
    1. data_dir (the --data-dir flag), its subfolder <name>/ first, then itself;
    2. $MINIGAN_DATA, likewise <name>/ first, then itself;
    3. the cache, <cache root>/<name>/, where the cache root is $MINIGAN_CACHE, else
       $XDG_CACHE_HOME/minigan, else ~/.cache/minigan;
    4. for fashion-mnist, /usr/share/datasets/fashion-mnist/, where Debian's package
       dataset-fashion-mnist installs the four .gz files.
A folder given by the user holds one data set's files, or one subfolder per data set
named mnist/ and fashion-mnist/: the files do not say which data set they are.

Otherwise the .gz files are downloaded into the cache: each is streamed into a
temporary file beside its final place, checked against the length the server
announced and the published SHA-256, and only then renamed into place (os.replace is
atomic), so the cache never holds half a file. If that fails, MNIST falls back to
the 5,000 digits bundled with minigan, with a one-line notice; Fashion-MNIST stops
with a DataError that says how to get the files.
"""
import hashlib
import http.client
import os
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from .errors import DataError
from .idx import IMAGES_MAGIC, LABELS_MAGIC, damaged, read_idx
from .sample import held_out_mask, load_mnist_sample_uint8, scale_images

NAMES = ("mnist", "fashion-mnist")

# split -> (images file, labels file), without the ".gz"
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

# Base URLs, tried in order. Tests replace them with a local server.
MIRRORS = {
    "mnist": ["https://ossci-datasets.s3.amazonaws.com/mnist/",
              "http://yann.lecun.com/exdb/mnist/"],
    "fashion-mnist": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
}

# SHA-256 of the published .gz files, as listed in TensorFlow Datasets'
# url_checksums/mnist.txt and url_checksums/fashion_mnist.txt (tensorflow/datasets on
# GitHub) and matching many other projects. They belong to the files whose MD5 sums the
# MNIST page (e.g. f68b3c2d... for train-images) and the Fashion-MNIST README publish.
SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    },
}

# Debian's dataset-fashion-mnist installs the four .gz files here. (Debian re-gzipped
# them, so their SHA-256 differs from the ones above; files found on disk are checked
# by the IDX reader, not by checksum.)
SYSTEM_DIRS = {"fashion-mnist": ["/usr/share/datasets/fashion-mnist"]}

DOWNLOAD_TIMEOUT = 30        # seconds without data before a download gives up
CHUNK_SIZE = 1 << 16
USER_AGENT = "minigan-data/0.1"


# ---- where the files are -------------------------------------------------------------

def cache_root():
    """The folder under which downloads are kept: $MINIGAN_CACHE, or the XDG cache."""
    if os.environ.get("MINIGAN_CACHE"):
        return Path(os.environ["MINIGAN_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg) / "minigan"


def search_dirs(name, data_dir=None, cache_dir=None):
    """The folders to look in for data set `name`, in order (see the module docstring)."""
    dirs = []
    for root in (data_dir, os.environ.get("MINIGAN_DATA")):
        if root:
            dirs += [Path(root) / name, Path(root)]
    dirs.append(Path(cache_dir) if cache_dir else cache_root() / name)
    dirs += [Path(d) for d in SYSTEM_DIRS.get(name, [])]
    return dirs


def find_split(directory, split):
    """(images path, labels path) of `split` in `directory`, or None if either is missing."""
    paths = []
    for stem in FILES[split]:
        candidates = [directory / stem, directory / f"{stem}.gz"]
        found = [path for path in candidates if path.is_file()]
        if not found:
            return None
        paths.append(found[0])
    return tuple(paths)


def read_split(images_path, labels_path):
    """Read and check an images/labels pair: uint8 (N, 28, 28) and int64 (N,)."""
    images = read_idx(images_path, expected_magic=IMAGES_MAGIC)
    labels = read_idx(labels_path, expected_magic=LABELS_MAGIC)
    if images.shape[1:] != (28, 28):
        raise damaged(images_path, f"images of {images.shape[1]}x{images.shape[2]} "
                                   f"pixels, expected 28x28")
    if len(images) == 0:
        raise DataError(f"{images_path}: a valid IDX file that holds 0 images; nothing to "
                        f"train on: replace it with the real file")
    if len(labels) != len(images):
        raise DataError(f"{labels_path}: {len(labels)} labels for the {len(images)} images "
                        f"of {images_path}; the two files do not belong together: "
                        f"replace them with a matching pair")
    if len(labels) and labels.max() > 9:
        raise damaged(labels_path, f"label {labels.max()} outside 0..9")
    return images, labels.astype("int64")


# ---- downloading ---------------------------------------------------------------------

def download_split(name, split, directory, mirrors=None, checksums=None,
                   timeout=DOWNLOAD_TIMEOUT, quiet=False):
    """Download the two .gz files of `split` into `directory`; return their paths.

    mirrors:   base URLs to try in order (default MIRRORS[name]).
    checksums: file name -> SHA-256 hex digest (default SHA256[name]).
    Raises DataError if a file cannot be had from any mirror; files that were
    completely downloaded and verified stay, nothing else does.
    """
    mirrors = MIRRORS[name] if mirrors is None else mirrors
    checksums = SHA256[name] if checksums is None else checksums
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"cannot create the cache folder {directory} ({error}); set "
                        f"MINIGAN_CACHE to a writable folder") from None
    paths = []
    for stem in FILES[split]:
        path = directory / f"{stem}.gz"
        if not path.is_file():
            download_from_mirrors(path, mirrors, checksums[path.name], timeout, quiet)
        paths.append(path)
    return paths


def download_from_mirrors(path, mirrors, sha256, timeout, quiet):
    """Try each mirror in turn until one gives the file with the right checksum."""
    problems = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + path.name
        try:
            download_file(url, path, sha256, timeout=timeout, quiet=quiet)
            return
        except DataError as error:
            problems.append(str(error))
    # Each problem names its URL, hence the file.
    raise DataError(f"could not download {'; '.join(problems)}")


def download_file(url, path, sha256, timeout=DOWNLOAD_TIMEOUT, quiet=False):
    """Download url to path, atomically, if its SHA-256 is sha256; else raise DataError.

    The bytes go to a temporary file in the same folder (so the final rename stays
    on one file system and is atomic); the temporary file is removed whatever happens.
    """
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                             suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as out:
            digest = fetch(url, out, timeout, quiet, label=path.name)
        if digest != sha256:
            raise DataError(f"{url}: wrong SHA-256 {digest}, expected {sha256} (a bad "
                            f"mirror or a changed file)")
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def fetch(url, out, timeout, quiet, label):
    """Stream url into the open file `out` with a progress bar; return the SHA-256 hex digest.

    Raises DataError on an HTTP error, a refused or timed-out connection, or a body
    shorter than its Content-Length.
    """
    digest, received, expected = hashlib.sha256(), 0, None
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            expected = int(length) if length is not None else None
            with progress_bar(expected, label, quiet) as bar:
                while chunk := response.read(CHUNK_SIZE):
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
    except urllib.error.HTTPError as error:
        raise DataError(f"{url}: HTTP error {error.code} ({error.reason})") from None
    except urllib.error.URLError as error:
        raise DataError(f"{url}: cannot connect ({error.reason})") from None
    except http.client.IncompleteRead:
        # Raised for a chunked body cut short; a plain body cut short just ends,
        # and the length check below catches it.
        raise DataError(f"{url}: the connection closed early, after {received} "
                        f"bytes") from None
    except TimeoutError:
        raise DataError(f"{url}: no data for {timeout} s, gave up after "
                        f"{received} bytes") from None
    except (http.client.HTTPException, OSError) as error:
        raise DataError(f"{url}: download failed after {received} bytes ({error})") from None
    if expected is not None and received != expected:
        raise DataError(f"{url}: got {received} bytes, the server announced {expected}")
    return digest.hexdigest()


def progress_bar(total, label, quiet):
    """A tqdm byte counter on stderr (imported here: only downloads need it)."""
    from tqdm import tqdm
    return tqdm(total=total, desc=label, unit="B", unit_scale=True, unit_divisor=1024,
                disable=quiet, leave=False, file=sys.stderr)


# ---- putting it together -------------------------------------------------------------

def load_mnist(name="mnist", split="train", data_dir=None, download=True, quiet=False,
               cache_dir=None, mirrors=None, checksums=None, timeout=DOWNLOAD_TIMEOUT):
    """Load MNIST or Fashion-MNIST, scaled for a tanh generator.

    name:      "mnist" or "fashion-mnist".  split: "train" or "test".
    data_dir:  a folder to look in first (the --data-dir flag).
    download:  whether to download missing files into the cache (never when the
               environment variable MINIGAN_OFFLINE is set, as the tests do).
    quiet:     no progress bar, no fallback notice.
    cache_dir: the folder for this data set's downloads (default <cache root>/<name>).
    mirrors, checksums, timeout: see download_split.
    Returns x float32 (N, 1, 28, 28) in [-1, 1], y int64 (N,), and where they came from.
    """
    if name not in NAMES:
        raise ValueError(f"unknown image data set {name!r}; choose one of {', '.join(NAMES)}")
    if split not in FILES:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    cache_dir = Path(cache_dir) if cache_dir else cache_root() / name
    dirs = search_dirs(name, data_dir, cache_dir)
    for directory in dirs:
        found = find_split(directory, split)
        if found:
            images, labels = read_split(*found)
            return scale_images(images), labels, str(directory)
    try:
        if not download:
            raise DataError("downloading is turned off")
        if os.environ.get("MINIGAN_OFFLINE"):
            raise DataError("offline: $MINIGAN_OFFLINE is set")
        paths = download_split(name, split, cache_dir, mirrors, checksums, timeout, quiet)
    except DataError as error:
        return fall_back(name, split, dirs, error, quiet)
    images, labels = read_split(*paths)
    return scale_images(images), labels, str(cache_dir)


def fall_back(name, split, dirs, reason, quiet):
    """No files and no download: the bundled sample for MNIST, a clear error otherwise."""
    if name != "mnist":
        files = ", ".join(f"{stem}.gz" for pair in FILES.values() for stem in pair)
        raise DataError(f"{name}: no IDX files found in {', '.join(map(str, dirs))}, and "
                        f"{reason}; put the four files ({files}) in --data-dir or "
                        f"$MINIGAN_DATA, or run `apt install dataset-fashion-mnist`")
    if not quiet:
        print(f"minigan: using the 5,000 bundled MNIST digits (no IDX files found; "
              f"{reason}); --data-dir for all 60,000", file=sys.stderr)
    images, labels = load_mnist_sample_uint8()
    if split == "test":
        # The sample has no test set; its held-out part is the nearest thing.
        keep = held_out_mask(labels)
        images, labels = images[keep], labels[keep]
    return scale_images(images), labels, "bundled sample"
