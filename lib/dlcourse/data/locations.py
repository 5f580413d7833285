"""Where MNIST lives: the four file names, the environment variable naming a local folder, and the
per-user download cache. Read by :mod:`.mnist` (loading) and :mod:`.download` (the cache).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ENV_DIR", "FILES", "default_cache_dir"]

ENV_DIR = "DLCOURSE_MNIST_DIR"

#: The four standard files, by role.
FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


def default_cache_dir() -> Path:
    """The per-user cache folder: ``$XDG_CACHE_HOME/dlcourse/mnist``, else ``~/.cache/dlcourse/mnist``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dlcourse" / "mnist"
