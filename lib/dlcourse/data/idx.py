"""Reading MNIST's IDX files (gzip-compressed or raw) into NumPy arrays, with clear errors.

The IDX format (LeCun's) is a big-endian header followed by the raw bytes:

- images: magic ``2051`` (``0x00000803``: unsigned bytes, 3 dimensions), then
  ``n``, ``rows``, ``cols`` as 4-byte unsigned integers, then ``n * rows * cols`` pixels;
- labels: magic ``2049`` (``0x00000801``: unsigned bytes, 1 dimension), then ``n``,
  then ``n`` labels.

Every problem (corrupt gzip, a truncated file, a wrong magic number, a wrong size,
image and label counts that disagree) raises :class:`MNISTError`, whose message names
the file and says what to do about it.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

__all__ = [
    "MNISTError",
    "MNISTFilesMissingError",
    "MNISTDownloadError",
    "IMAGES_MAGIC",
    "LABELS_MAGIC",
    "read_idx_images",
    "read_idx_labels",
    "parse_idx",
]

IMAGES_MAGIC = 2051  # 0x00000803: unsigned byte, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: unsigned byte, 1 dimension
IMAGE_SIDE = 28
NUM_CLASSES = 10

_GZIP_MAGIC = b"\x1f\x8b"


class MNISTError(ValueError):
    """A MNIST file is missing, corrupt, truncated or inconsistent; the message says which and what to do."""


class MNISTFilesMissingError(MNISTError, FileNotFoundError):
    """Files are missing from a folder given explicitly (``data_dir`` or ``DLCOURSE_MNIST_DIR``)."""


class MNISTDownloadError(MNISTError, ConnectionError):
    """Every mirror failed; the message lists each mirror's failure and how to get the files by hand."""


def _fail(path: Path, problem: str, fix: str) -> MNISTError:
    return MNISTError(f"MNIST file {str(path)!r}: {problem}. {fix}")


def _decompress(path: Path, raw: bytes, fix: str) -> bytes:
    """Gunzip ``raw`` if it starts with the gzip magic bytes, else return it unchanged.

    Accepting uncompressed files as well covers the common case of a browser that
    unpacked a ``.gz`` download but kept its name.
    """
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except EOFError as exc:
        raise _fail(path, f"the gzip stream ends early, the file is truncated ({exc})", fix) from exc
    except (OSError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise _fail(path, f"the gzip data is corrupt ({exc})", fix) from exc


def parse_idx(path: Path, raw: bytes, expected_magic: int, fix: str) -> np.ndarray:
    """Parse the bytes ``raw`` of an IDX file into a read-only uint8 array.

    ``expected_magic`` is :data:`IMAGES_MAGIC` (result ``(n, 28, 28)``) or
    :data:`LABELS_MAGIC` (result ``(n,)``, values checked to be 0..9). ``path`` is used
    only in error messages; ``fix`` is the advice appended to them.
    """
    path = Path(path)
    data = _decompress(path, raw, fix)
    kind = "images" if expected_magic == IMAGES_MAGIC else "labels"
    ndim = 3 if expected_magic == IMAGES_MAGIC else 1
    header_len = 4 + 4 * ndim
    if len(data) < 4:
        raise _fail(path, f"it holds only {len(data)} bytes, not even an IDX header", fix)
    magic = int.from_bytes(data[:4], "big")
    if magic != expected_magic:
        if data.lstrip()[:1] == b"<":
            what = "it looks like an HTML page (an error page saved instead of the data?)"
        elif magic in (IMAGES_MAGIC, LABELS_MAGIC):
            other = "images" if magic == IMAGES_MAGIC else "labels"
            what = f"it is an IDX {other} file where a {kind} file was expected (files swapped or renamed?)"
        else:
            what = "it is not an IDX file"
        raise _fail(
            path,
            f"wrong magic number {magic} (expected {expected_magic} for {kind}); {what}",
            fix,
        )
    if len(data) < header_len:
        raise _fail(path, f"the header is cut short ({len(data)} of {header_len} bytes)", fix)
    dims = np.frombuffer(data, dtype=">u4", count=ndim, offset=4).astype(np.int64)
    if ndim == 3 and (dims[1] != IMAGE_SIDE or dims[2] != IMAGE_SIDE):
        raise _fail(
            path,
            f"images are {dims[1]}x{dims[2]}, but MNIST images are {IMAGE_SIDE}x{IMAGE_SIDE} "
            "(a different data set?)",
            fix,
        )
    expected_payload = int(np.prod(dims))
    payload = len(data) - header_len
    if payload != expected_payload:
        state = "truncated" if payload < expected_payload else "longer than its header says"
        raise _fail(
            path,
            f"the header announces {dims[0]} {kind} ({expected_payload} bytes of data) but the file "
            f"holds {payload} bytes: it is {state}",
            fix,
        )
    arr = np.frombuffer(data, dtype=np.uint8, offset=header_len).reshape(tuple(dims))
    if ndim == 1 and arr.size and int(arr.max()) >= NUM_CLASSES:
        raise _fail(path, f"it contains the label {int(arr.max())}, but MNIST labels are 0..9", fix)
    # np.frombuffer on bytes is already read-only; say so explicitly for callers caching it.
    arr.flags.writeable = False
    return arr


def _read(path: Path, expected_magic: int, fix: str) -> np.ndarray:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise MNISTFilesMissingError(f"MNIST file {str(path)!r} does not exist. {fix}") from exc
    except OSError as exc:
        raise MNISTError(f"MNIST file {str(path)!r} cannot be read ({exc}). {fix}") from exc
    return parse_idx(path, raw, expected_magic, fix)


def read_idx_images(path: str | os.PathLike, fix: str = "Replace it with a fresh copy.") -> np.ndarray:
    """Read an IDX images file. Returns a read-only uint8 array ``(n, 28, 28)``."""
    return _read(Path(path), IMAGES_MAGIC, fix)


def read_idx_labels(path: str | os.PathLike, fix: str = "Replace it with a fresh copy.") -> np.ndarray:
    """Read an IDX labels file. Returns a read-only uint8 array ``(n,)`` with values 0..9."""
    return _read(Path(path), LABELS_MAGIC, fix)
