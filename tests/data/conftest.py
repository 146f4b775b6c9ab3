"""Fixtures for the data tests: an isolated environment, small IDX files, a local HTTP server.

Nothing here reaches beyond this machine: every mirror points at 127.0.0.1.
"""
import gzip
import hashlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from minigan.data import mnist
from minigan.data.idx import write_idx

FILES = [stem for pair in mnist.FILES.values() for stem in pair]


def dead_port():
    """A local port with nothing listening on it (bound, read, released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dead_url():
    """A base URL on 127.0.0.1 where nothing listens: connections are refused at once."""
    return f"http://127.0.0.1:{dead_port()}/"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No test sees the user's data, cache or system folders, or the internet."""
    monkeypatch.setenv("MINIGAN_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("MINIGAN_DATA", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(mnist, "SYSTEM_DIRS", {})
    nowhere = f"http://127.0.0.1:{dead_port()}/"
    monkeypatch.setattr(mnist, "MIRRORS", {"mnist": [nowhere], "fashion-mnist": [nowhere]})


def small_idx_arrays(n, seed=0):
    """(images uint8 (n, 28, 28), labels uint8 (n,)) of random pixels and digits."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = (np.arange(n) % 10).astype(np.uint8)
    return images, labels


@pytest.fixture
def make_idx_set():
    """Write the four MNIST-named IDX files with n train and n test examples into a folder.

    Returns (train images, train labels); gz=False writes uncompressed files.
    """
    def make(directory, n=12, gz=True, seed=0):
        directory.mkdir(parents=True, exist_ok=True)
        suffix = ".gz" if gz else ""
        images, labels = small_idx_arrays(n, seed)
        for split in ("train", "test"):
            images_stem, labels_stem = mnist.FILES[split]
            write_idx(directory / f"{images_stem}{suffix}", images)
            write_idx(directory / f"{labels_stem}{suffix}", labels)
        return images, labels
    return make


@pytest.fixture
def served_files():
    """The four .gz files of a small data set as bytes, and their SHA-256 digests."""
    images, labels = small_idx_arrays(16, seed=1)
    header = {"images": bytes([0, 0, 8, 3]) + b"".join(d.to_bytes(4, "big") for d in images.shape),
              "labels": bytes([0, 0, 8, 1]) + len(labels).to_bytes(4, "big")}
    body = {"images": header["images"] + images.tobytes(),
            "labels": header["labels"] + labels.tobytes()}
    files = {}
    for stem in FILES:
        kind = "images" if "images" in stem else "labels"
        files[f"{stem}.gz"] = gzip.compress(body[kind], mtime=0)
    checksums = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    return files, checksums, (images, labels)


class Handler(BaseHTTPRequestHandler):
    """Serves server.files; server.mode picks a failure: ok, truncate, chunked-truncate,
    error, hang."""

    def do_GET(self):
        server = self.server
        name = self.path.lstrip("/")
        server.requests.append(name)
        if server.mode == "error":
            self.send_error(500, "Internal Server Error")
            return
        if name not in server.files:
            self.send_error(404, "Not Found")
            return
        if server.mode == "hang":
            server.release.wait(10)   # the client times out long before this
            return
        body = server.files[name]
        if server.mode == "chunked-truncate":
            self.send_chunked_and_hang_up(body)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if server.mode == "truncate":
            body = body[:len(body) // 2]   # announce it all, send half, hang up
        self.wfile.write(body)
        self.close_connection = True

    def send_chunked_and_hang_up(self, body):
        """One chunk that announces the whole body but carries half of it, then close."""
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(f"{len(body):x}\r\n".encode() + body[:len(body) // 2])
        self.close_connection = True

    def log_message(self, *args):
        pass   # keep test output clean


@pytest.fixture
def http_server():
    """Start local servers: start(files, mode="ok") -> (base URL, server); all stop after."""
    servers = []

    def start(files, mode="ok"):
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.files, server.mode, server.requests = files, mode, []
        server.release = threading.Event()
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_address[1]}/", server

    yield start
    for server, thread in servers:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
