"""``load_mnist``: MNIST as NumPy arrays, from a local folder, the user cache or a verified download.

Where the files come from, first match wins:

1. the ``data_dir`` argument;
2. the environment variable ``DLCOURSE_MNIST_DIR``;
3. the per-user cache ``$XDG_CACHE_HOME/dlcourse/mnist`` (default ``~/.cache/dlcourse/mnist``);
   missing files are downloaded there (see :mod:`dlcourse.data.download`).

Decisions:

- A folder named explicitly (1 or 2) is only read, never written: when files are
  missing there, :class:`MNISTFilesMissingError` names the folder, the missing files
  and the fix, instead of downloading into someone's folder.
- Local folders may hold valid IDX files of any length (a subset of the training set,
  say); they are checked for structure (magic numbers, 28x28, sizes, matching counts)
  but not for checksums. Checksums are verified for downloads only.
- Each file may be gzip-compressed (``name.gz``, the standard) or already unpacked
  (``name`` without ``.gz``, or a ``.gz`` name holding raw bytes).
- Parsed files are kept in memory for the life of the process, keyed by the resolved
  path, modification time and size, so notebooks that load MNIST repeatedly pay the
  cost once. Every call returns fresh, writable arrays: changing them cannot corrupt
  the cache or another caller's data.
- Labels are ``int64`` (not MNIST's ``uint8``): arithmetic on uint8 labels wraps
  around silently, and int64 works for fancy indexing ``y[np.arange(N), t]``.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from .download import ensure_downloaded
from .idx import (
    IMAGES_MAGIC,
    LABELS_MAGIC,
    NUM_CLASSES,
    MNISTError,
    MNISTFilesMissingError,
    parse_idx,
)
from .locations import ENV_DIR, FILES, default_cache_dir

__all__ = [
    "ENV_DIR",
    "FILES",
    "default_cache_dir",
    "resolve_mnist_dir",
    "load_mnist",
    "load_mnist_subset",
    "clear_memory_cache",
    "mnist_is_available",
]

def _find(folder: Path, name: str) -> Path | None:
    """``folder/name`` if it exists, else the unpacked ``folder/name`` without ``.gz``, else None."""
    for candidate in (folder / name, folder / name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    return None


def _missing_message(folder: Path, origin: str, missing: list[str]) -> str:
    return (
        f"MNIST files missing in {str(folder)!r} (the folder given by {origin}): "
        f"{', '.join(missing)}. This folder is only read, never downloaded into. Fix: put the "
        f"four files {', '.join(FILES.values())} there (gzip-compressed or unpacked), or point "
        f"{origin} at a folder that has them, or leave both data_dir and {ENV_DIR} unset to "
        f"use the download cache {str(default_cache_dir())!r}."
    )


def resolve_mnist_dir(data_dir: str | os.PathLike | None = None, *, progress: bool = True) -> dict[str, Path]:
    """Find (and if needed download) the four MNIST files; return ``{role: path}``.

    Roles are the keys of :data:`FILES`. See the module docstring for the order of sources.
    """
    if data_dir is not None:
        origin, folder = "the data_dir argument", Path(data_dir).expanduser()
    elif os.environ.get(ENV_DIR):
        origin, folder = f"the environment variable {ENV_DIR}", Path(os.environ[ENV_DIR]).expanduser()
    else:
        folder = ensure_downloaded(progress=progress)
        return {role: folder / name for role, name in FILES.items()}

    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise MNISTFilesMissingError(
            f"MNIST folder {str(folder)!r} (given by {origin}) {what}. Fix: correct the path, or "
            f"leave both data_dir and {ENV_DIR} unset to use the download cache "
            f"{str(default_cache_dir())!r}."
        )
    found = {role: _find(folder, name) for role, name in FILES.items()}
    missing = [FILES[role] for role, path in found.items() if path is None]
    if missing:
        raise MNISTFilesMissingError(_missing_message(folder, origin, missing))
    return found  # type: ignore[return-value]


def mnist_is_available(data_dir: str | os.PathLike | None = None) -> bool:
    """True when the four files can be read without a download (same order of sources as load_mnist).

    Only checks that the files exist; it does not parse them.
    """
    if data_dir is None and not os.environ.get(ENV_DIR):
        folder = default_cache_dir()
        return all((folder / name).is_file() for name in FILES.values())
    try:
        resolve_mnist_dir(data_dir)
    except MNISTFilesMissingError:
        return False
    return True


def _fix_for(path: Path) -> str:
    if path.parent.resolve() == default_cache_dir().resolve():
        return "Fix: delete this file and load again to download it afresh."
    return (
        "Fix: check the folder and replace the file with a fresh copy of the official file "
        "(or unset data_dir / " + ENV_DIR + " to use the download cache)."
    )


@functools.lru_cache(maxsize=8)
def _parse_cached(path: str, mtime_ns: int, size: int, magic: int) -> np.ndarray:
    # mtime_ns and size are part of the key only: a changed file is parsed again.
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise MNISTError(f"MNIST file {path!r} cannot be read ({exc}). {_fix_for(p)}") from exc
    return parse_idx(p, raw, magic, _fix_for(p))


def _read_cached(path: Path, magic: int) -> np.ndarray:
    resolved = path.resolve()
    st = resolved.stat()
    return _parse_cached(str(resolved), st.st_mtime_ns, st.st_size, magic)


def clear_memory_cache() -> None:
    """Forget the parsed files kept in memory (files on disk are untouched)."""
    _parse_cached.cache_clear()


def _load_raw(data_dir) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The cached, read-only uint8 arrays ``((x_train, t_train), (x_test, t_test))``, images ``(n, 28, 28)``."""
    paths = resolve_mnist_dir(data_dir)
    out = []
    for split in ("train", "test"):
        img_path, lab_path = paths[f"{split}_images"], paths[f"{split}_labels"]
        x = _read_cached(img_path, IMAGES_MAGIC)
        t = _read_cached(lab_path, LABELS_MAGIC)
        if len(x) != len(t):
            raise MNISTError(
                f"MNIST {split} files disagree: {str(img_path)!r} holds {len(x)} images but "
                f"{str(lab_path)!r} holds {len(t)} labels. The two files of a split must come "
                f"from the same source. {_fix_for(img_path)}"
            )
        out.append((x, t))
    return out[0], out[1]


def _format(x: np.ndarray, t: np.ndarray, normalize: bool, flatten: bool, one_hot: bool):
    """Fresh arrays in the requested layout from read-only uint8 images ``(n, 28, 28)`` and labels ``(n,)``."""
    n = len(x)
    # Explicit sizes (not -1): an empty selection (n = 0) must still reshape.
    x = x.reshape(n, x.shape[1] * x.shape[2]) if flatten else x.reshape(n, 1, x.shape[1], x.shape[2])
    # Both branches allocate new memory: the cached arrays are never handed out.
    x = x.astype(np.float32) / np.float32(255.0) if normalize else x.copy()
    if one_hot:
        t_out = np.zeros((n, NUM_CLASSES), dtype=np.float32)
        t_out[np.arange(n), t] = 1.0
    else:
        t_out = t.astype(np.int64)
    return x, t_out


def load_mnist(normalize: bool = True, flatten: bool = True, one_hot: bool = False, data_dir=None):
    """Load MNIST: ``((x_train, t_train), (x_test, t_test))``.

    - ``x``: ``(N, 784)`` if ``flatten`` else ``(N, 1, 28, 28)``; float32 in ``[0, 1]``
      (pixel / 255) if ``normalize`` else the raw uint8 pixels 0..255.
    - ``t``: int64 labels ``(N,)`` in 0..9, or float32 one-hot ``(N, 10)`` if ``one_hot``.

    ``data_dir`` (or ``DLCOURSE_MNIST_DIR``) names a folder holding the four standard
    IDX files; without either, the user cache is used and filled by a verified download.
    Returned arrays are fresh copies, yours to modify. Raises :class:`MNISTError` (a
    ``ValueError``) for missing, corrupt or inconsistent files, naming the file and the fix.
    """
    (xtr, ttr), (xte, tte) = _load_raw(data_dir)
    return _format(xtr, ttr, normalize, flatten, one_hot), _format(xte, tte, normalize, flatten, one_hot)


def load_mnist_subset(
    n_train: int,
    n_test: int | None = None,
    *,
    rng: np.random.Generator | None = None,
    normalize: bool = True,
    flatten: bool = True,
    one_hot: bool = False,
    data_dir=None,
):
    """A smaller MNIST for quick tests and notebooks, same layout as :func:`load_mnist`.

    Takes ``n_train`` training and ``n_test`` test samples (``None``: the whole test set).
    With ``rng`` (a ``numpy.random.Generator``) the samples are drawn at random without
    replacement; with ``rng=None`` they are the first ones in file order (no randomness).
    """
    (xtr, ttr), (xte, tte) = _load_raw(data_dir)

    def pick(x, t, n, split):
        if n is None:
            return x, t
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= len(x):
            raise ValueError(f"n_{split} must be an integer between 0 and {len(x)} (the size of the "
                             f"{split} set here), got {n!r}.")
        idx = np.arange(n) if rng is None else rng.choice(len(x), size=n, replace=False)
        return x[idx], t[idx]

    xtr, ttr = pick(xtr, ttr, n_train, "train")
    xte, tte = pick(xte, tte, n_test, "test")
    return _format(xtr, ttr, normalize, flatten, one_hot), _format(xte, tte, normalize, flatten, one_hot)
