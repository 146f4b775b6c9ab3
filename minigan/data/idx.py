"""Read and write the IDX format in which MNIST and Fashion-MNIST are distributed.

The format is described on the MNIST page of Y. LeCun, C. Cortes and C. J. C. Burges
(http://yann.lecun.com/exdb/mnist/, section "The IDX file format"):

    bytes 0-1   two zero bytes
    byte  2     the type of the data: 0x08 unsigned byte, 0x09 signed byte,
                0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
    byte  3     the number of dimensions, ndim
    then        ndim sizes, each a big-endian unsigned 32-bit integer
    then        the data, big-endian, last dimension varying fastest (C order)

So the first four bytes, read as one big-endian integer, are the "magic number":
0x00000803 for MNIST images (uint8, 3 dimensions: N, 28, 28) and 0x00000801 for
labels (uint8, 1 dimension: N). Files are often gzipped; we recognise that by the
two gzip magic bytes 0x1f 0x8b (RFC 1952), not by the ".gz" in the name, because
people unpack and rename files.

Every check failure raises DataError with a one-line message that names the file.
"""
import gzip
import math
import struct
import zlib
from pathlib import Path

import numpy as np

from .errors import DataError

GZIP_MAGIC = b"\x1f\x8b"

IMAGES_MAGIC = 0x00000803   # uint8, 3 dimensions
LABELS_MAGIC = 0x00000801   # uint8, 1 dimension

# IDX type code -> NumPy dtype, big-endian ('>') as the format stores it.
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def damaged(path, problem):
    """The DataError for a bad file: what is wrong, then what to do about it."""
    return DataError(f"{path}: {problem}; the file is damaged or not an IDX file: "
                     f"delete it and download it again, or replace it with a good copy")


def read_idx(path, expected_magic=None):
    """Read an IDX file, gzipped or not, into a NumPy array in native byte order.

    path:           the file.
    expected_magic: if given (e.g. IMAGES_MAGIC), the file's magic number must equal it.
    Returns an array of the shape and type the header states, e.g. uint8 (60000, 28, 28).
    Raises DataError if the header is malformed or the data is shorter or longer
    than the header promises.
    """
    path = Path(path)
    raw = read_maybe_gzipped(path)
    dtype, shape, offset = parse_header(path, raw)
    magic = int.from_bytes(raw[:4], "big")
    if expected_magic is not None and magic != expected_magic:
        raise damaged(path, f"magic number 0x{magic:08x}, expected 0x{expected_magic:08x}")

    count = math.prod(shape)
    expected = count * dtype.itemsize
    payload = len(raw) - offset
    if payload < expected:
        raise damaged(path, f"truncated: {payload} bytes of data where the header "
                            f"{shape} promises {expected}")
    if payload > expected:
        raise damaged(path, f"{payload - expected} extra bytes after the {expected} "
                            f"bytes of data the header {shape} promises")

    array = np.frombuffer(raw, dtype=dtype, count=count, offset=offset).reshape(shape)
    # astype copies: the result is writable and in the machine's byte order.
    return array.astype(dtype.newbyteorder("="))


def read_maybe_gzipped(path):
    """Return the bytes of a file, decompressed if it starts with the gzip magic bytes."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    if not raw.startswith(GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as error:
        # EOFError: the gzip stream stops early (a truncated download);
        # OSError (BadGzipFile) or zlib.error: a damaged stream or CRC.
        raise damaged(path, f"bad gzip data ({error})") from None


def parse_header(path, raw):
    """Check the IDX header in raw; return (dtype, shape, offset of the data)."""
    if len(raw) < 4:
        raise damaged(path, f"only {len(raw)} bytes, too short for an IDX header")
    if raw[0] != 0 or raw[1] != 0:
        raise damaged(path, f"bad magic number 0x{raw[:4].hex()} (an IDX file starts "
                            f"with two zero bytes)")
    code, ndim = raw[2], raw[3]
    if code not in IDX_DTYPES:
        raise damaged(path, f"unknown IDX data type code 0x{code:02x}")
    if ndim == 0:
        raise damaged(path, "the IDX header declares zero dimensions")
    offset = 4 + 4 * ndim
    if len(raw) < offset:
        raise damaged(path, f"truncated inside the header ({len(raw)} bytes, "
                            f"{offset} needed for {ndim} dimensions)")
    shape = struct.unpack(f">{ndim}I", raw[4:offset])
    return IDX_DTYPES[code], shape, offset


def write_idx(path, array, compress=None):
    """Write array to path in the IDX format; gzip it if compress (default: name ends in .gz).

    array: any shape, with a dtype from IDX_DTYPES (uint8 for images and labels).
    The gzip header carries no time stamp, so the same array gives the same bytes.
    """
    path = Path(path)
    array = np.asarray(array)
    code = idx_type_code(array.dtype)
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.astype(IDX_DTYPES[code], copy=False).tobytes(order="C")
    if compress is None:
        compress = path.name.endswith(".gz")
    if compress:
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)


def idx_type_code(dtype):
    """The IDX type code for a NumPy dtype, e.g. uint8 -> 0x08."""
    for code, idx_dtype in IDX_DTYPES.items():
        if np.dtype(dtype).newbyteorder(">") == idx_dtype:
            return code
    raise ValueError(f"the IDX format cannot store dtype {np.dtype(dtype)}")
