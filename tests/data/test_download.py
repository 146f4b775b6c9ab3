"""Downloads against a local HTTP server on 127.0.0.1: success, and each way to fail.

After every failure the error is one clear line and the cache holds nothing:
no temporary file, no half-written file.
"""
import numpy as np
import pytest

from minigan.data import DataError, load_dataset
from minigan.data.mnist import download_file, download_split

TIMEOUT = 5   # seconds; no test can hang longer


def cache_contents(tmp_path):
    return sorted(p.name for p in (tmp_path / "cache").rglob("*") if p.is_file())


def download_fails(tmp_path, url, checksums, match, timeout=TIMEOUT):
    """load_dataset("fashion-mnist") from url raises a one-line DataError matching `match`."""
    with pytest.raises(DataError, match=match) as caught:
        load_dataset("fashion-mnist", mirrors=[url], checksums=checksums, timeout=timeout,
                     quiet=True)
    message = str(caught.value)
    assert "\n" not in message and "train-images-idx3-ubyte.gz" in message
    assert "--data-dir" in message   # and it says what to do
    assert cache_contents(tmp_path) == []


def test_success_lands_in_the_cache_and_loads(tmp_path, http_server, served_files):
    files, checksums, (images, labels) = served_files
    url, server = http_server(files)
    data = load_dataset("mnist", mirrors=[url], checksums=checksums, timeout=TIMEOUT, quiet=True)
    assert data.source == str(tmp_path / "cache" / "mnist")
    assert np.array_equal(data.y, labels)
    assert np.array_equal(data.x[:, 0], images.astype(np.float32) / 127.5 - 1)
    assert cache_contents(tmp_path) == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    assert (tmp_path / "cache" / "mnist" / "train-images-idx3-ubyte.gz").read_bytes() == \
        files["train-images-idx3-ubyte.gz"]
    # A second load reads the cache and asks the server for nothing.
    requests = len(server.requests)
    load_dataset("mnist", mirrors=[url], checksums=checksums, timeout=TIMEOUT, quiet=True)
    assert len(server.requests) == requests


def test_progress_bar_goes_to_stderr(tmp_path, http_server, served_files, capsys):
    files, checksums, _ = served_files
    url, _ = http_server(files)
    load_dataset("mnist", split="test", mirrors=[url], checksums=checksums, timeout=TIMEOUT)
    captured = capsys.readouterr()
    assert captured.out == "" and "t10k-images-idx3-ubyte.gz" in captured.err


def test_a_dead_mirror_is_skipped(tmp_path, http_server, served_files, dead_url):
    files, checksums, _ = served_files
    url, _ = http_server(files)
    data = load_dataset("fashion-mnist", mirrors=[dead_url, url], checksums=checksums,
                        timeout=TIMEOUT, quiet=True)
    assert len(data) == 16


def test_wrong_checksum(tmp_path, http_server, served_files):
    files, checksums, _ = served_files
    url, _ = http_server(files)
    wrong = dict(checksums, **{"train-images-idx3-ubyte.gz": "0" * 64})
    download_fails(tmp_path, url, wrong, "wrong SHA-256")


def test_truncated_body(tmp_path, http_server, served_files):
    files, checksums, _ = served_files
    url, _ = http_server(files, mode="truncate")
    size = len(files["train-images-idx3-ubyte.gz"])
    download_fails(tmp_path, url, checksums, f"{size // 2} .*{size}")


def test_truncated_chunked_body(tmp_path, http_server, served_files):
    files, checksums, _ = served_files
    url, _ = http_server(files, mode="chunked-truncate")
    download_fails(tmp_path, url, checksums, "closed early")


def test_server_error(tmp_path, http_server, served_files):
    files, checksums, _ = served_files
    url, _ = http_server(files, mode="error")
    download_fails(tmp_path, url, checksums, "HTTP error 500")


def test_missing_file_on_the_server(tmp_path, http_server, served_files):
    files, checksums, _ = served_files
    url, _ = http_server({})
    download_fails(tmp_path, url, checksums, "HTTP error 404")


def test_no_server(tmp_path, served_files, dead_url):
    _, checksums, _ = served_files
    download_fails(tmp_path, dead_url, checksums, "cannot connect")


def test_timeout(tmp_path, http_server, served_files):
    files, checksums, _ = served_files
    url, _ = http_server(files, mode="hang")
    download_fails(tmp_path, url, checksums, "no data for 0.3 s", timeout=0.3)


def test_a_verified_file_stays_when_its_partner_fails(tmp_path, http_server, served_files):
    files, checksums, _ = served_files
    url, _ = http_server({"train-images-idx3-ubyte.gz": files["train-images-idx3-ubyte.gz"]})
    with pytest.raises(DataError, match="train-labels-idx1-ubyte.gz.*404"):
        download_split("mnist", "train", tmp_path / "cache" / "mnist", [url], checksums,
                       timeout=TIMEOUT, quiet=True)
    assert cache_contents(tmp_path) == ["train-images-idx3-ubyte.gz"]


def test_download_file_never_replaces_a_good_file_with_a_bad_one(tmp_path, http_server):
    url, _ = http_server({"f.gz": b"new bytes"})
    target = tmp_path / "f.gz"
    target.write_bytes(b"old bytes")
    with pytest.raises(DataError, match="wrong SHA-256"):
        download_file(url + "f.gz", target, "0" * 64, timeout=TIMEOUT, quiet=True)
    assert target.read_bytes() == b"old bytes"
    assert [p.name for p in tmp_path.iterdir()] == ["f.gz"]


def test_unwritable_cache_is_a_clear_error(tmp_path, served_files, dead_url):
    _, checksums, _ = served_files
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(DataError, match="cannot create the cache folder.*MINIGAN_CACHE"):
        download_split("mnist", "train", blocker / "mnist", [dead_url], checksums)
