"""The IDX reader and writer, on hand-made good and damaged files."""
import gzip

import numpy as np
import pytest

from minigan.data import DataError, read_idx, write_idx
from minigan.data.idx import IMAGES_MAGIC, LABELS_MAGIC
from minigan.data.mnist import read_split


def raw_idx(code, shape, payload):
    """IDX bytes by hand: two zeros, type code, ndim, big-endian sizes, payload."""
    header = bytes([0, 0, code, len(shape)]) + b"".join(d.to_bytes(4, "big") for d in shape)
    return header + payload


def assert_damaged(path, match):
    """read_idx(path) raises a one-line DataError naming the file and saying what to do."""
    with pytest.raises(DataError, match=match) as caught:
        read_idx(path)
    message = str(caught.value)
    assert str(path) in message and "\n" not in message
    assert "delete it and download it again" in message


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_round_trip_uint8_raw_and_gzipped(tmp_path, name):
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    write_idx(tmp_path / name, images)
    assert (tmp_path / name).read_bytes().startswith(b"\x1f\x8b") == name.endswith(".gz")
    back = read_idx(tmp_path / name, expected_magic=IMAGES_MAGIC)
    assert back.dtype == np.uint8 and np.array_equal(back, images)
    back[0, 0, 0] = 1   # the result is a writable copy


def test_reads_the_format_byte_for_byte(tmp_path):
    (tmp_path / "labels").write_bytes(raw_idx(0x08, (3,), bytes([7, 0, 9])))
    assert read_idx(tmp_path / "labels", expected_magic=LABELS_MAGIC).tolist() == [7, 0, 9]
    (tmp_path / "int16").write_bytes(raw_idx(0x0B, (2,), b"\x01\x00\xff\xfe"))
    assert read_idx(tmp_path / "int16").tolist() == [256, -2]   # big-endian


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.float32, np.float64])
def test_round_trip_other_types(tmp_path, dtype):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    write_idx(tmp_path / "a.idx", array)
    back = read_idx(tmp_path / "a.idx")
    assert back.dtype == dtype and np.array_equal(back, array)


def test_gzip_is_recognised_by_content_not_name(tmp_path):
    labels = np.arange(10, dtype=np.uint8)
    write_idx(tmp_path / "gzipped-but-named-raw", labels, compress=True)
    write_idx(tmp_path / "raw-but-named.gz", labels, compress=False)
    assert np.array_equal(read_idx(tmp_path / "gzipped-but-named-raw"), labels)
    assert np.array_equal(read_idx(tmp_path / "raw-but-named.gz"), labels)


def test_gzip_output_is_reproducible(tmp_path):
    write_idx(tmp_path / "a.gz", np.arange(5, dtype=np.uint8))
    write_idx(tmp_path / "b.gz", np.arange(5, dtype=np.uint8))
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()


def test_bad_magic(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"\x12\x34\x08\x01" + bytes(8))
    assert_damaged(path, "bad magic number 0x12340801")


def test_wrong_magic_for_the_expected_kind(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(raw_idx(0x08, (3,), bytes(3)))       # a labels file
    with pytest.raises(DataError, match="magic number 0x00000801, expected 0x00000803"):
        read_idx(path, expected_magic=IMAGES_MAGIC)


def test_unknown_type_code(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte"
    path.write_bytes(raw_idx(0x07, (3,), bytes(3)))
    assert_damaged(path, "unknown IDX data type code 0x07")


def test_zero_dimensions_and_short_headers(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(bytes([0, 0, 8, 0]))
    assert_damaged(path, "zero dimensions")
    path.write_bytes(bytes([0, 0]))
    assert_damaged(path, "too short")
    path.write_bytes(bytes([0, 0, 8, 3, 0, 0, 0, 2]))
    assert_damaged(path, "truncated inside the header")


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_payload(tmp_path, gz):
    path = tmp_path / ("train-images-idx3-ubyte" + (".gz" if gz else ""))
    data = raw_idx(0x08, (2, 28, 28), bytes(2 * 28 * 28 - 100))
    path.write_bytes(gzip.compress(data) if gz else data)
    assert_damaged(path, "truncated: 1468 bytes of data where the header")


@pytest.mark.parametrize("gz", [False, True])
def test_extra_bytes(tmp_path, gz):
    path = tmp_path / ("train-labels-idx1-ubyte" + (".gz" if gz else ""))
    data = raw_idx(0x08, (4,), bytes(7))
    path.write_bytes(gzip.compress(data) if gz else data)
    assert_damaged(path, "3 extra bytes")


def test_truncated_gzip_stream(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    whole = gzip.compress(raw_idx(0x08, (2, 28, 28), bytes(range(256)) * 6 + bytes(32)))
    path.write_bytes(whole[:len(whole) // 2])
    assert_damaged(path, "bad gzip data")


def test_corrupt_gzip_stream(tmp_path):
    path = tmp_path / "labels.gz"
    whole = bytearray(gzip.compress(raw_idx(0x08, (300,), bytes(range(256)) + bytes(44))))
    whole[-6] ^= 0xFF   # damage the CRC
    path.write_bytes(bytes(whole))
    assert_damaged(path, "bad gzip data")


def test_missing_file_names_it(tmp_path):
    with pytest.raises(DataError, match="not-there.*not found"):
        read_idx(tmp_path / "not-there")


def test_mnist_checks_size_count_and_label_range(tmp_path):
    images, labels = tmp_path / "images", tmp_path / "labels"
    write_idx(images, np.zeros((3, 28, 28), np.uint8))
    write_idx(labels, np.array([1, 2, 3], np.uint8))
    x, y = read_split(images, labels)
    assert x.shape == (3, 28, 28) and y.dtype == np.int64
    write_idx(labels, np.array([1, 2], np.uint8))
    with pytest.raises(DataError, match="2 labels for the 3 images"):
        read_split(images, labels)
    write_idx(labels, np.array([1, 2, 12], np.uint8))
    with pytest.raises(DataError, match="label 12 outside 0..9"):
        read_split(images, labels)
    write_idx(images, np.zeros((3, 32, 32), np.uint8))
    with pytest.raises(DataError, match="32x32 pixels, expected 28x28"):
        read_split(images, labels)
