"""MNIST for the course: ``from dlcourse.data import load_mnist``.

- :mod:`.idx`       reading IDX files, :class:`MNISTError` and its subclasses
- :mod:`.mnist`     ``load_mnist``, ``load_mnist_subset``, which source wins
- :mod:`.locations` the file names, the environment variable and the cache folder
- :mod:`.download`  the download cache: several mirrors, MD5 check, atomic moves
"""

from .idx import MNISTDownloadError, MNISTError, MNISTFilesMissingError, read_idx_images, read_idx_labels
from .mnist import (
    ENV_DIR,
    FILES,
    clear_memory_cache,
    default_cache_dir,
    load_mnist,
    load_mnist_subset,
    mnist_is_available,
)

__all__ = [
    "load_mnist",
    "load_mnist_subset",
    "MNISTError",
    "MNISTFilesMissingError",
    "MNISTDownloadError",
    "read_idx_images",
    "read_idx_labels",
    "default_cache_dir",
    "clear_memory_cache",
    "mnist_is_available",
    "ENV_DIR",
    "FILES",
]
