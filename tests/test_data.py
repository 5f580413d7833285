"""Tests of dlcourse.data: the local folder, the IDX checks and the download cache.

The download tests run a real HTTP server on 127.0.0.1 (a random free port) that serves
small synthetic but valid IDX files; the expected MD5 checksums are patched to theirs.
Nothing here needs the internet.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

import dlcourse.data as data
from dlcourse.data import MNISTError, load_mnist, load_mnist_subset
from dlcourse.data import download as dl
from dlcourse.data.idx import MNISTDownloadError, MNISTFilesMissingError

NAMES = data.FILES  # role -> file name
TRAIN_IMAGES, TRAIN_LABELS = NAMES["train_images"], NAMES["train_labels"]
TEST_IMAGES, TEST_LABELS = NAMES["test_images"], NAMES["test_labels"]


# ----------------------------------------------------------------------------- helpers

def idx_images(images: np.ndarray) -> bytes:
    """Raw IDX bytes for uint8 images (n, rows, cols), written independently of the loader."""
    n, rows, cols = images.shape
    header = (2051).to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in (n, rows, cols))
    return header + images.astype(np.uint8).tobytes()


def idx_labels(labels: np.ndarray) -> bytes:
    return (2049).to_bytes(4, "big") + len(labels).to_bytes(4, "big") + labels.astype(np.uint8).tobytes()


def synthetic_arrays(n_train=7, n_test=4):
    """Deterministic small images and labels (no randomness): pixel values cover 0..255."""
    xtr = (np.arange(n_train * 784) % 256).astype(np.uint8).reshape(n_train, 28, 28)
    xte = ((np.arange(n_test * 784) * 7 + 3) % 256).astype(np.uint8).reshape(n_test, 28, 28)
    ttr = (np.arange(n_train) * 3 % 10).astype(np.uint8)
    tte = (np.arange(n_test) * 7 % 10).astype(np.uint8)
    return xtr, ttr, xte, tte


def synthetic_files(n_train=7, n_test=4) -> dict[str, bytes]:
    """{file name: gzip bytes} for the four files; gzip mtime fixed so bytes (and MD5) are stable."""
    xtr, ttr, xte, tte = synthetic_arrays(n_train, n_test)
    raw = {TRAIN_IMAGES: idx_images(xtr), TRAIN_LABELS: idx_labels(ttr),
           TEST_IMAGES: idx_images(xte), TEST_LABELS: idx_labels(tte)}
    return {name: gzip.compress(b, mtime=0) for name, b in raw.items()}


def write_folder(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


def leftovers(folder: Path, allowed=()) -> list[str]:
    """Files in the cache folder other than ``allowed`` (temporary ``.part`` files included)."""
    if not folder.exists():
        return []
    return sorted(p.name for p in folder.iterdir() if p.name not in set(allowed))


def assert_cache_clean(folder: Path, allowed=()):
    extra = leftovers(folder, allowed)
    assert extra == [], (
        f"after a failed download the cache {folder} should hold only {sorted(allowed)}, but it also "
        f"holds {extra}: a partial or temporary file was left behind (the temporary file must be "
        "deleted on failure and only os.replace-d in after the checksum passes)."
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.routes[path] = (body, declared_length)``; unknown paths give 404."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.server.requests.append(self.path)
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404, "Not Found")
            return
        body, declared = route
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(declared))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True  # with declared > len(body): the connection drops mid-file

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def mirror_factory(monkeypatch):
    """``make(files, drop=(), prefix="/mnist/") -> base URL`` of a fresh local server.

    ``files``: {name: bytes}; names in ``drop`` are announced with their full length, but
    the connection is closed after half of the bytes.
    """
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    servers = []

    def make(files: dict[str, bytes], drop=(), prefix="/mnist/"):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.requests = []
        server.routes = {prefix + name: (body[: len(body) // 2] if name in drop else body, len(body))
                         for name, body in files.items()}
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        base = f"http://127.0.0.1:{server.server_address[1]}{prefix}"
        make.servers[base] = server
        return base

    make.servers = {}
    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def cache_env(monkeypatch, tmp_path):
    """An empty per-user cache under tmp_path, no DLCOURSE_MNIST_DIR, good MD5s for the synthetic files."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("DLCOURSE_MNIST_DIR", raising=False)
    monkeypatch.delenv("DLCOURSE_MNIST_MIRRORS", raising=False)
    files = synthetic_files()
    for name, content in files.items():
        monkeypatch.setitem(dl.MD5, name, hashlib.md5(content).hexdigest())
    cache = tmp_path / "xdg" / "dlcourse" / "mnist"
    assert data.default_cache_dir() == cache
    return cache, files


# ----------------------------------------------------------------------------- the shared folder

def _shared_mnist_dir() -> Path:
    env = os.environ.get("DLCOURSE_MNIST_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


SHARED = _shared_mnist_dir()
needs_shared = pytest.mark.skipif(
    not all((SHARED / n).is_file() for n in NAMES.values()),
    reason=f"the MNIST folder {SHARED} is absent (set DLCOURSE_MNIST_DIR to a folder with the four IDX files)",
)


@pytest.mark.mnist
@needs_shared
@pytest.mark.parametrize("via", ["data_dir", "env"])
def test_shared_folder_default_layout(via, monkeypatch):
    if via == "env":
        monkeypatch.setenv("DLCOURSE_MNIST_DIR", str(SHARED))
        (x, t), (xt, tt) = load_mnist()
    else:
        monkeypatch.setenv("DLCOURSE_MNIST_DIR", str(SHARED / "does-not-exist"))  # data_dir must win
        (x, t), (xt, tt) = load_mnist(data_dir=SHARED)
    assert isinstance(x, np.ndarray) and x.dtype == np.float32, (
        f"normalised images should be float32, got {type(x).__name__} {getattr(x, 'dtype', None)}")
    assert t.dtype == np.int64, f"labels should be int64 (documented decision), got {t.dtype}"
    assert x.shape == (24345, 784) and t.shape == (24345,), (
        f"the shared training subset has 24,345 images of 784 pixels; got {x.shape}, {t.shape}")
    assert xt.shape == (10000, 784) and tt.shape == (10000,), f"test set: got {xt.shape}, {tt.shape}"
    assert 0.0 <= x.min() and x.max() <= 1.0 and x.max() == 1.0, (
        f"normalised pixels should lie in [0, 1] and reach 1; got [{x.min()}, {x.max()}]")
    assert set(np.unique(t)) == set(range(10)) and set(np.unique(tt)) == set(range(10)), "labels 0..9"
    # Well-known first training labels of MNIST: checks that images and labels line up in order.
    assert t[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4], f"first labels: {t[:10].tolist()}"


@pytest.mark.mnist
@needs_shared
def test_shared_folder_variants():
    (xn, tn), (xtn, _) = load_mnist(data_dir=SHARED)
    (xu, tu), (xtu, ttu) = load_mnist(normalize=False, flatten=False, one_hot=True, data_dir=SHARED)
    assert xu.dtype == np.uint8 and xu.shape == (24345, 1, 28, 28), f"got {xu.dtype} {xu.shape}"
    assert xtu.shape == (10000, 1, 28, 28) and xu.max() == 255 and xu.min() == 0
    np.testing.assert_array_equal(xn, xu.reshape(24345, 784).astype(np.float32) / np.float32(255),
                                  err_msg="normalised pixels should be exactly uint8 / 255")
    assert tu.dtype == np.float32 and tu.shape == (24345, 10) and ttu.shape == (10000, 10)
    np.testing.assert_array_equal(tu.sum(axis=1), 1.0, err_msg="each one-hot row has exactly one 1")
    np.testing.assert_array_equal(tu.argmax(axis=1), tn, err_msg="one-hot must encode the same labels")
    (_, _), (x4, _) = load_mnist(flatten=False, data_dir=SHARED)
    assert x4.dtype == np.float32 and x4.shape == (10000, 1, 28, 28)
    np.testing.assert_array_equal(x4.reshape(10000, 784), xtn)


# ----------------------------------------------------------------------------- local folders (synthetic)

def test_local_synthetic_folder_round_trip(tmp_path):
    xtr, ttr, xte, tte = synthetic_arrays()
    folder = write_folder(tmp_path / "m", synthetic_files())
    (x, t), (xt, tt) = load_mnist(normalize=False, data_dir=folder)
    np.testing.assert_array_equal(x, xtr.reshape(7, 784))
    np.testing.assert_array_equal(t, ttr)
    np.testing.assert_array_equal(xt, xte.reshape(4, 784))
    np.testing.assert_array_equal(tt, tte)


def test_unpacked_files_are_accepted(tmp_path):
    """Files without .gz (or a .gz name holding raw bytes, as some browsers save them)."""
    xtr, ttr, xte, tte = synthetic_arrays()
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "train-images-idx3-ubyte").write_bytes(idx_images(xtr))
    (folder / "train-labels-idx1-ubyte").write_bytes(idx_labels(ttr))
    (folder / TEST_IMAGES).write_bytes(idx_images(xte))  # raw bytes under the .gz name
    (folder / TEST_LABELS).write_bytes(gzip.compress(idx_labels(tte)))
    (x, t), (xt, tt) = load_mnist(normalize=False, flatten=False, data_dir=folder)
    np.testing.assert_array_equal(x[:, 0], xtr)
    np.testing.assert_array_equal(tt, tte)


def test_returned_arrays_are_fresh_and_file_changes_are_seen(tmp_path):
    folder = write_folder(tmp_path / "m", synthetic_files())
    (x, t), _ = load_mnist(normalize=False, data_dir=folder)
    x[:] = 0
    t[:] = 0
    (x2, t2), _ = load_mnist(normalize=False, data_dir=folder)
    assert x2.max() == 255 and t2.max() > 0, (
        "changing a returned array changed what the next call returns: the in-memory cache was handed out")
    # Replace a file (different content and modification time): the memory cache must notice.
    _, ttr, _, _ = synthetic_arrays()
    new_labels = (ttr + 1) % 10
    path = folder / TRAIN_LABELS
    path.write_bytes(gzip.compress(idx_labels(new_labels)))
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    (_, t3), _ = load_mnist(data_dir=folder)
    np.testing.assert_array_equal(t3, new_labels, err_msg="a changed file was not re-read")


def test_subset(tmp_path):
    folder = write_folder(tmp_path / "m", synthetic_files())
    xtr, ttr, _, _ = synthetic_arrays()
    (x, t), (xt, tt) = load_mnist_subset(3, 2, data_dir=folder, normalize=False)
    np.testing.assert_array_equal(x, xtr[:3].reshape(3, 784))
    assert xt.shape == (2, 784) and tt.shape == (2,)
    (xa, ta), _ = load_mnist_subset(5, rng=np.random.default_rng(0), data_dir=folder, normalize=False)
    (xb, tb), (xtb, _) = load_mnist_subset(5, rng=np.random.default_rng(0), data_dir=folder, normalize=False)
    np.testing.assert_array_equal(xa, xb)
    assert xtb.shape == (4, 784), "n_test=None keeps the whole test set"
    rows = {bytes(r) for r in xtr.reshape(7, 784)}
    assert all(bytes(r) in rows for r in xa) and len({bytes(r) for r in xa}) == 5, "drawn without replacement"
    np.testing.assert_array_equal(ta, [ttr[list(map(bytes, xtr.reshape(7, 784))).index(bytes(r))] for r in xa])
    with pytest.raises(ValueError, match="n_train"):
        load_mnist_subset(8, data_dir=folder)


def test_missing_files_in_explicit_folder_name_folder_and_files(tmp_path, monkeypatch):
    files = synthetic_files()
    del files[TEST_LABELS]
    folder = write_folder(tmp_path / "partial", files)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    with pytest.raises(MNISTFilesMissingError) as info:
        load_mnist(data_dir=folder)
    msg = str(info.value)
    assert str(folder) in msg and TEST_LABELS in msg and TRAIN_IMAGES in msg, msg
    assert "data_dir" in msg and "DLCOURSE_MNIST_DIR" in msg, msg
    assert isinstance(info.value, MNISTError) and isinstance(info.value, FileNotFoundError)
    assert leftovers(folder) == sorted(files), "an explicit folder must never be written into"
    assert not (tmp_path / "xdg").exists(), "an explicit folder must not fall back to a download"

    monkeypatch.setenv("DLCOURSE_MNIST_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(MNISTFilesMissingError, match="does not exist") as info:
        load_mnist()
    assert "DLCOURSE_MNIST_DIR" in str(info.value) and "nowhere" in str(info.value)


# ----------------------------------------------------------------------------- corrupt files

def _corrupt_cases():
    xtr, ttr, _, _ = synthetic_arrays()
    good_images = gzip.compress(idx_images(xtr), mtime=0)
    return {
        "corrupt gzip": (TRAIN_IMAGES, good_images[:10] + bytes(b ^ 0x5A for b in good_images[10:]),
                         "corrupt"),
        "truncated gzip": (TRAIN_IMAGES, good_images[: len(good_images) // 2], "truncated"),
        "truncated payload": (TRAIN_IMAGES, gzip.compress(idx_images(xtr)[:-100]), "truncated"),
        "wrong magic": (TRAIN_IMAGES, gzip.compress(idx_labels(ttr)), "magic"),
        "html page": (TRAIN_LABELS, b"<!DOCTYPE html><html>Not found</html>", "HTML"),
        "wrong size": (TRAIN_IMAGES, gzip.compress(idx_images(np.zeros((2, 32, 32), np.uint8))), "32x32"),
        "bad label": (TRAIN_LABELS, gzip.compress(idx_labels(np.array([1, 2, 12, 3, 4, 5, 6]))), "label 12"),
        "count mismatch": (TRAIN_LABELS, gzip.compress(idx_labels(ttr[:6])), "disagree"),
    }


@pytest.mark.parametrize("case", list(_corrupt_cases()))
def test_bad_local_file_raises_mnist_error_naming_it(case, tmp_path):
    name, content, keyword = _corrupt_cases()[case]
    folder = write_folder(tmp_path / "m", synthetic_files())
    (folder / name).write_bytes(content)
    with pytest.raises(MNISTError) as info:
        load_mnist(data_dir=folder)
    msg = str(info.value)
    assert isinstance(info.value, ValueError)
    assert name in msg, f"the error should name the bad file {name}: {msg}"
    assert keyword.lower() in msg.lower(), f"the error should say what is wrong ({keyword!r}): {msg}"
    assert "Fix" in msg, f"the error should say what to do: {msg}"


def test_bad_file_in_cache_suggests_deleting_it(cache_env):
    cache, files = cache_env
    write_folder(cache, files)
    (cache / TEST_IMAGES).write_bytes(files[TEST_IMAGES][:50])
    with pytest.raises(MNISTError, match="delete this file") as info:
        load_mnist()
    assert str(cache / TEST_IMAGES) in str(info.value)


# ----------------------------------------------------------------------------- downloads

def test_download_good_files_then_use_cache(cache_env, mirror_factory, monkeypatch):
    cache, files = cache_env
    base = mirror_factory(files)
    monkeypatch.setenv("DLCOURSE_MNIST_MIRRORS", base)
    (x, t), (xt, tt) = load_mnist(normalize=False)
    xtr, ttr, xte, tte = synthetic_arrays()
    np.testing.assert_array_equal(x, xtr.reshape(7, 784))
    np.testing.assert_array_equal(tt, tte)
    assert leftovers(cache) == sorted(files), f"cache should hold exactly the four files: {leftovers(cache)}"
    for name, content in files.items():
        assert (cache / name).read_bytes() == content
    server = mirror_factory.servers[base]
    assert len(server.requests) == 4
    load_mnist()
    assert len(server.requests) == 4, "files already in the cache must not be downloaded again"


def test_only_missing_files_are_downloaded(cache_env, mirror_factory):
    cache, files = cache_env
    write_folder(cache, {TRAIN_IMAGES: files[TRAIN_IMAGES], TEST_LABELS: files[TEST_LABELS]})
    base = mirror_factory(files)
    dl.ensure_downloaded(cache, [base], progress=False, timeout=5)
    assert sorted(mirror_factory.servers[base].requests) == sorted(
        ["/mnist/" + TRAIN_LABELS, "/mnist/" + TEST_IMAGES])
    assert leftovers(cache) == sorted(files)


def test_first_mirror_404_second_works(cache_env, mirror_factory):
    cache, files = cache_env
    empty = mirror_factory({})
    good = mirror_factory(files)
    path = dl.download_file(TRAIN_IMAGES, cache, [empty, good], progress=False, timeout=5)
    assert path == cache / TRAIN_IMAGES and path.read_bytes() == files[TRAIN_IMAGES]
    assert mirror_factory.servers[empty].requests == ["/mnist/" + TRAIN_IMAGES]
    assert_cache_clean(cache, {TRAIN_IMAGES})


def test_first_mirror_refused_second_works(cache_env, mirror_factory):
    cache, files = cache_env
    good = mirror_factory(files)
    refused = f"http://127.0.0.1:{free_port()}/mnist/"
    path = dl.download_file(TEST_LABELS, cache, [refused, good], progress=False, timeout=5)
    assert path.read_bytes() == files[TEST_LABELS]
    assert_cache_clean(cache, {TEST_LABELS})


def test_checksum_mismatch_moves_on_then_fails_cleanly(cache_env, mirror_factory):
    cache, files = cache_env
    tampered = dict(files)
    tampered[TRAIN_LABELS] = gzip.compress(idx_labels(np.zeros(7, np.uint8)), mtime=0)  # valid IDX, wrong MD5
    bad = mirror_factory(tampered)
    good = mirror_factory(files)
    path = dl.download_file(TRAIN_LABELS, cache, [bad, good], progress=False, timeout=5)
    assert path.read_bytes() == files[TRAIN_LABELS], "the file from the second (good) mirror should be kept"
    path.unlink()
    with pytest.raises(MNISTDownloadError, match="checksum mismatch") as info:
        dl.download_file(TRAIN_LABELS, cache, [bad], progress=False, timeout=5)
    assert bad + TRAIN_LABELS in str(info.value)
    assert_cache_clean(cache)


def test_connection_dropped_mid_file(cache_env, mirror_factory):
    cache, files = cache_env
    dropping = mirror_factory(files, drop={TRAIN_IMAGES})
    with pytest.raises(MNISTDownloadError) as info:
        dl.download_file(TRAIN_IMAGES, cache, [dropping], progress=False, timeout=5)
    msg = str(info.value)
    size = len(files[TRAIN_IMAGES])
    assert "dropped" in msg or "connection lost" in msg, msg
    assert f"{size // 2} of {size} bytes" in msg, f"the message should say how much arrived: {msg}"
    assert_cache_clean(cache)
    good = mirror_factory(files)
    dl.download_file(TRAIN_IMAGES, cache, [dropping, good], progress=False, timeout=5)
    assert_cache_clean(cache, {TRAIN_IMAGES})


def test_all_mirrors_fail_message_lists_them(cache_env, mirror_factory, monkeypatch):
    cache, files = cache_env
    empty = mirror_factory({})
    refused = f"http://127.0.0.1:{free_port()}/mnist/"
    monkeypatch.setenv("DLCOURSE_MNIST_MIRRORS", f"{empty} , {refused}")
    with pytest.raises(MNISTDownloadError) as info:
        load_mnist()
    msg = str(info.value)
    assert isinstance(info.value, MNISTError)
    for expected in (empty + TRAIN_IMAGES, "404", refused + TRAIN_IMAGES, "DLCOURSE_MNIST_DIR", str(cache)):
        assert expected in msg, f"the all-mirrors-failed message should mention {expected!r}:\n{msg}"
    assert_cache_clean(cache)


def test_interrupted_download_leaves_nothing(cache_env, mirror_factory, monkeypatch):
    cache, files = cache_env
    good = mirror_factory(files)

    class InterruptingBar:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def update(self, n):
            raise KeyboardInterrupt

    monkeypatch.setattr(dl, "tqdm", InterruptingBar)
    with pytest.raises(KeyboardInterrupt):
        dl.download_file(TRAIN_IMAGES, cache, [good, good], progress=False, timeout=5)
    assert_cache_clean(cache)
    assert len(mirror_factory.servers[good].requests) == 1, "Ctrl-C must stop, not try the next mirror"


def test_stale_temporary_files_are_removed(cache_env, mirror_factory):
    cache, files = cache_env
    write_folder(cache, files)
    stale, fresh = cache / f".{TRAIN_IMAGES}.abc.part", cache / f".{TRAIN_IMAGES}.def.part"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"in progress elsewhere")
    os.utime(stale, (0, 0))
    dl.ensure_downloaded(cache, ["http://127.0.0.1:9/unused/"], progress=False)
    assert not stale.exists(), "a day-old temporary file was left by a killed process and should go"
    assert fresh.exists(), "a recent temporary file may belong to a download running in another process"


def test_mirror_list_sources(monkeypatch):
    monkeypatch.delenv("DLCOURSE_MNIST_MIRRORS", raising=False)
    assert dl.get_mirrors() == list(dl.DEFAULT_MIRRORS)
    monkeypatch.setenv("DLCOURSE_MNIST_MIRRORS", "http://a/x  http://b/y/,http://c")
    assert dl.get_mirrors() == ["http://a/x/", "http://b/y/", "http://c/"]
    assert dl.get_mirrors(["http://d"]) == ["http://d/"]
    with pytest.raises(MNISTDownloadError):
        dl.get_mirrors([])


def test_mnist_is_available_never_downloads(cache_env, monkeypatch, tmp_path):
    cache, files = cache_env
    monkeypatch.setenv("DLCOURSE_MNIST_MIRRORS", f"http://127.0.0.1:{free_port()}/")
    assert not data.mnist_is_available(), "empty cache, no folder: not available"
    assert not cache.exists(), "checking availability must not create or fill the cache"
    write_folder(cache, files)
    monkeypatch.setenv("DLCOURSE_MNIST_DIR", "")  # an empty variable counts as unset
    assert data.mnist_is_available()
    monkeypatch.setenv("DLCOURSE_MNIST_DIR", str(tmp_path / "nowhere"))
    assert not data.mnist_is_available()
    folder = write_folder(tmp_path / "mine", files)
    assert data.mnist_is_available(folder)


def test_read_idx_functions(tmp_path):
    xtr, ttr, _, _ = synthetic_arrays()
    folder = write_folder(tmp_path / "m", synthetic_files())
    images = data.read_idx_images(folder / TRAIN_IMAGES)
    labels = data.read_idx_labels(folder / TRAIN_LABELS)
    assert images.dtype == np.uint8 and images.shape == (7, 28, 28)
    np.testing.assert_array_equal(images, xtr)
    np.testing.assert_array_equal(labels, ttr)
    with pytest.raises(MNISTError, match="magic"):
        data.read_idx_labels(folder / TRAIN_IMAGES)



@pytest.mark.mnist
@needs_shared
def test_subset_with_no_test_images():
    from dlcourse.data import load_mnist_subset

    (x, t), (xt, tt) = load_mnist_subset(5, 0, data_dir=SHARED)
    assert x.shape == (5, 784) and xt.shape == (0, 784) and tt.shape == (0,)
    (x, t), (xt, tt) = load_mnist_subset(0, 2, data_dir=SHARED, flatten=False)
    assert x.shape == (0, 1, 28, 28) and xt.shape == (2, 1, 28, 28)
