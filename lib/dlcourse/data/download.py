"""The MNIST download cache: several mirrors, MD5 verification, atomic moves, nothing half-written.

Each missing file is fetched from the mirrors in order. A download is streamed into a
temporary file *inside the cache folder* (``.<name>.<random>.part``) while its MD5 is
computed; only when the length matches the server's ``Content-Length`` and the MD5 matches
the official checksum is it moved into place with ``os.replace`` (atomic on one file
system, so another process never sees half a file). Any failure (HTTP error, refused or
dropped connection, timeout, checksum mismatch, Ctrl-C) deletes the temporary file; the
next mirror is then tried (except after Ctrl-C, which is re-raised). When every mirror
fails, :class:`MNISTDownloadError` lists each mirror's failure and says how to get the
files by hand.

Mirrors: the ``mirrors=`` argument, else the environment variable
``DLCOURSE_MNIST_MIRRORS`` (base URLs separated by spaces or commas), else
:data:`DEFAULT_MIRRORS`. Only the standard library's ``urllib`` is used.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from tqdm.auto import tqdm

from .idx import MNISTDownloadError
from .locations import ENV_DIR, FILES, default_cache_dir

__all__ = ["DEFAULT_MIRRORS", "ENV_MIRRORS", "MD5", "DEFAULT_TIMEOUT", "get_mirrors", "download_file",
           "ensure_downloaded"]

DEFAULT_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
ENV_MIRRORS = "DLCOURSE_MNIST_MIRRORS"

#: MD5 of the complete official files (looked up at call time, so tests may patch it).
MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

DEFAULT_TIMEOUT = 30.0  # seconds without data before a mirror is given up
_CHUNK = 1 << 16
_STALE_SECONDS = 24 * 3600  # temporary files older than this were left by a killed process


class _MirrorFailed(Exception):
    """One mirror did not deliver a good file; the message says why."""


def get_mirrors(mirrors: Sequence[str] | None = None) -> list[str]:
    """The base URLs to try, in order: ``mirrors``, else ``$DLCOURSE_MNIST_MIRRORS``, else the defaults."""
    if mirrors is None:
        env = os.environ.get(ENV_MIRRORS, "").strip()
        mirrors = re.split(r"[\s,]+", env) if env else DEFAULT_MIRRORS
    elif isinstance(mirrors, str):
        mirrors = [mirrors]
    out = [m.rstrip("/") + "/" for m in mirrors if m]
    if not out:
        raise MNISTDownloadError(f"No MNIST mirror configured (mirrors={mirrors!r}, {ENV_MIRRORS}).")
    return out


def _remove_stale_parts(folder: Path) -> None:
    now = time.time()
    for part in folder.glob(".*.part"):
        try:
            if now - part.stat().st_mtime > _STALE_SECONDS:
                part.unlink()
        except OSError:
            pass  # another process took care of it, or it is not ours to delete


def _fetch(url: str, out, expected_md5: str, timeout: float, progress: bool, desc: str) -> None:
    """Stream ``url`` into the open binary file ``out``; raise :class:`_MirrorFailed` on any problem."""
    try:
        resp = urllib.request.urlopen(url, timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise _MirrorFailed(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise _MirrorFailed(f"cannot connect ({exc.reason})") from None
    except (OSError, http.client.HTTPException) as exc:  # timeouts, resets, bad status lines
        raise _MirrorFailed(f"cannot connect ({type(exc).__name__}: {exc})") from None

    digest = hashlib.md5(usedforsecurity=False)
    received = 0
    with resp:
        length = resp.headers.get("Content-Length")
        total = int(length) if length and length.strip().isdigit() else None
        with tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024,
                  disable=not progress, leave=False) as bar:
            try:
                while chunk := resp.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
            except (OSError, http.client.HTTPException) as exc:
                raise _MirrorFailed(
                    f"connection lost after {received} bytes ({type(exc).__name__}: {exc})"
                ) from None
    if total is not None and received != total:
        raise _MirrorFailed(f"connection dropped: got {received} of {total} bytes")
    got = digest.hexdigest()
    if got != expected_md5:
        raise _MirrorFailed(
            f"checksum mismatch: MD5 {got}, expected {expected_md5} (damaged or not the official file)"
        )


def download_file(
    name: str,
    cache_dir: str | os.PathLike,
    mirrors: Sequence[str] | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    progress: bool = True,
) -> Path:
    """Download one of the four files into ``cache_dir``, verified, and return its path.

    Tries each mirror in turn; raises :class:`MNISTDownloadError` listing every failure.
    """
    if name not in MD5:
        raise ValueError(f"Unknown MNIST file {name!r}; expected one of {sorted(MD5)}.")
    folder = Path(cache_dir)
    final = folder / name
    failures: list[str] = []
    for base in get_mirrors(mirrors):
        url = base + name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
        except OSError as exc:
            raise MNISTDownloadError(
                f"Cannot write into the MNIST cache folder {str(folder)!r} ({exc}). Fix: make it "
                f"writable, or set XDG_CACHE_HOME to a writable place, or put the files in a folder "
                f"of your own and set {ENV_DIR} to it."
            ) from exc
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                _fetch(url, out, MD5[name], timeout, progress, desc=name)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, final)
            return final
        except _MirrorFailed as exc:
            failures.append(f"  - {url}: {exc}")
        except OSError as exc:  # writing into the cache folder failed (disk full, permissions)
            failures.append(f"  - {url}: could not write into {str(folder)!r} ({exc})")
        finally:
            tmp.unlink(missing_ok=True)  # no-op after a successful os.replace
    raise MNISTDownloadError(_all_failed_message(name, folder, failures))


def _all_failed_message(name: str, folder: Path, failures: list[str]) -> str:
    return (
        f"Could not download the MNIST file {name} from any mirror:\n" + "\n".join(failures) + "\n"
        f"Nothing half-written was left in the cache {str(folder)!r}.\n"
        "What to do: check your internet connection and try again; or get the four files "
        f"{', '.join(FILES.values())} by hand (for example from one of the URLs above, on another "
        f"machine) and either put them into {str(folder)!r}, or put them into any folder and set "
        f"the environment variable {ENV_DIR} to that folder (or pass data_dir= to load_mnist). "
        f"Other mirrors can be given in {ENV_MIRRORS} (base URLs separated by spaces)."
    )


def ensure_downloaded(
    cache_dir: str | os.PathLike | None = None,
    mirrors: Sequence[str] | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    progress: bool = True,
) -> Path:
    """Make sure the cache folder holds the four files, downloading the missing ones; return the folder.

    ``cache_dir`` defaults to :func:`default_cache_dir`. Files already present are
    trusted (they were verified when downloaded; a damaged one is reported when parsed).
    """
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    if folder.is_dir():
        _remove_stale_parts(folder)
    for name in FILES.values():
        if not (folder / name).is_file():
            download_file(name, folder, mirrors, timeout=timeout, progress=progress)
    return folder
