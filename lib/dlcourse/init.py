"""Weight initialisation (重みの初期値 initial weights): Xavier, Glorot, He.

Every weight matrix ``W`` has shape ``(n_in, n_out)`` (a batch ``x`` of shape
``(N, n_in)`` is multiplied as ``x @ W``) and is drawn as
``std * standard_normal((n_in, n_out))``; every bias ``b`` has shape
``(n_out,)`` and starts at zero.

The standard deviations (``n_in`` = number of inputs of the layer, its
"fan-in"):

- ``xavier_std(n_in) = 1 / sqrt(n_in)``: what this course calls "Xavier",
  following the Day 2 course note and the book "Deep Learning from Scratch".
  It is a convention of those two: frameworks call ``1 / sqrt(n_in)`` **LeCun**
  initialisation (Keras ``lecun_normal``), and their ``xavier_*`` / ``glorot_*``
  (PyTorch ``torch.nn.init.xavier_normal_``, Keras ``glorot_normal``) mean
  Glorot's ``sqrt(2 / (n_in + n_out))``, which is :func:`glorot_std` here. It keeps
  the variance of a tanh layer's pre-activation near that of its input.
- ``glorot_std(n_in, n_out) = sqrt(2 / (n_in + n_out))``: Glorot & Bengio's
  original compromise between forward and backward variance.
- ``he_std(n_in) = sqrt(2 / n_in)``: He et al., for ReLU, which zeroes half of
  its inputs and so halves their mean square (PyTorch ``kaiming_normal_``,
  Keras ``he_normal``).

``"zero"`` gives all-zero weights, which makes every unit of a layer compute
the same thing forever (the symmetry problem of the 確認テスト).
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["xavier_std", "glorot_std", "he_std", "init_weights", "weight_std", "METHODS"]

#: The method names that :func:`init_weights` accepts (besides a float std).
METHODS = ("xavier", "glorot", "he", "zero")


def _check_count(value, name: str) -> int:
    """Return ``value`` as an int if it is a positive integer, else raise a clear ValueError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(
            f"{name} must be a positive integer (a number of units), got {value!r} "
            f"of type {type(value).__name__}."
        )
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer (a number of units), got {value}.")
    return int(value)


def xavier_std(n_in: int) -> float:
    """Xavier standard deviation in this course's convention: ``1 / sqrt(n_in)``.

    n_in: number of inputs of the layer (rows of ``W``).

    The convention is the Day 2 course note's and the book's. Frameworks call this value
    LeCun initialisation (Keras ``lecun_normal``); their Xavier/Glorot initialisers
    (PyTorch ``xavier_normal_``, Keras ``glorot_normal``) use ``sqrt(2 / (n_in + n_out))``,
    which is :func:`glorot_std` here.
    """
    n_in = _check_count(n_in, "n_in")
    return float(1.0 / np.sqrt(n_in))


def glorot_std(n_in: int, n_out: int) -> float:
    """Glorot (Glorot & Bengio 2010) standard deviation: ``sqrt(2 / (n_in + n_out))``.

    n_in, n_out: number of inputs and outputs of the layer (``W`` is ``(n_in, n_out)``).
    """
    n_in = _check_count(n_in, "n_in")
    n_out = _check_count(n_out, "n_out")
    return float(np.sqrt(2.0 / (n_in + n_out)))


def he_std(n_in: int) -> float:
    """He (He et al. 2015) standard deviation, for ReLU layers: ``sqrt(2 / n_in)``.

    n_in: number of inputs of the layer (rows of ``W``).
    """
    n_in = _check_count(n_in, "n_in")
    return float(np.sqrt(2.0 / n_in))


def weight_std(method, n_in: int, n_out: int) -> float:
    """Standard deviation used by :func:`init_weights` for a ``(n_in, n_out)`` matrix.

    ``method``: ``"xavier"``, ``"glorot"``, ``"he"``, ``"zero"`` (std 0) or a
    positive float (used as the std directly).
    """
    if isinstance(method, str):
        key = method.lower()
        if key == "xavier":
            return xavier_std(n_in)
        if key == "glorot":
            return glorot_std(n_in, n_out)
        if key == "he":
            return he_std(n_in)
        if key == "zero":
            return 0.0
        raise ValueError(
            f"Unknown weight initialisation method {method!r}. Use one of "
            f"{', '.join(repr(m) for m in METHODS)} or a positive float standard deviation "
            f"such as 0.01."
        )
    if isinstance(method, (bool, np.bool_)) or not isinstance(method, numbers.Real):
        raise ValueError(
            f"method must be a name ({', '.join(repr(m) for m in METHODS)}) or a positive float "
            f"standard deviation, got {method!r} of type {type(method).__name__}."
        )
    std = float(method)
    if not np.isfinite(std) or std <= 0.0:
        raise ValueError(
            f"A float method is used as the standard deviation of the weights and must be a "
            f"positive finite number, got {method!r}. For all-zero weights use method='zero'."
        )
    return std


def init_weights(sizes, method, rng, dtype=np.float64):
    """Draw the weights and biases of a fully connected network.

    sizes: sequence of layer widths ``[n_0, n_1, ..., n_L]`` (at least two
        positive integers), e.g. ``[784, 100, 10]``.
    method: ``"xavier"`` (``1/sqrt(n_in)``), ``"glorot"``
        (``sqrt(2/(n_in+n_out))``), ``"he"`` (``sqrt(2/n_in)``), ``"zero"`` or a
        positive float standard deviation.
    rng: a ``numpy.random.Generator`` (``np.random.default_rng(seed)``).
    dtype: floating dtype of the arrays (default float64).

    Returns a list of ``L`` pairs ``(W, b)`` with ``W: (n_{l-1}, n_l)`` drawn as
    ``std * rng.standard_normal((n_{l-1}, n_l))`` and ``b: (n_l,)`` zeros.
    Layers are drawn in order, so a fixed ``rng`` state gives the same weights.

    A sequence of K methods draws a STACK of K networks: ``W: (K, n_{l-1}, n_l)`` and
    ``b: (K, 1, n_l)``, member k scaled by ``method[k]``'s std from the SAME standard normal
    numbers, so member k equals what ``init_weights(sizes, method[k], rng)`` draws from the same
    ``rng`` state (a ``"zero"`` member excepted: with other members, the numbers are drawn).
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"rng must be a numpy.random.Generator, got {type(rng).__name__}. "
            f"Make one with rng = np.random.default_rng(0) (any integer seed) and pass it in; "
            f"the course never uses the global np.random state."
        )
    try:
        dtype = np.dtype(dtype)
    except TypeError as err:
        raise ValueError(f"dtype must be a floating dtype such as np.float32, got {dtype!r}.") from err
    if dtype.kind != "f":
        raise ValueError(
            f"dtype must be a floating dtype such as np.float32 or np.float64, got {dtype}. "
            f"Integer weights cannot be trained by gradient descent."
        )
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise ValueError(
            f"sizes must be a list of layer widths such as [784, 100, 10], got {sizes!r}."
        )
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"sizes needs at least two widths (input and output), e.g. [784, 10]; got {sizes!r}."
        )
    sizes = [_check_count(n, f"sizes[{i}]") for i, n in enumerate(sizes)]

    stacked = isinstance(method, (list, tuple, np.ndarray))
    if stacked and len(method) == 0:
        raise ValueError("method must be a name, a positive standard deviation, or a non-empty sequence "
                         "of those (a stack of networks); got an empty sequence.")
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        stds = [weight_std(m, n_in, n_out) for m in method] if stacked else [weight_std(method, n_in, n_out)]
        z = rng.standard_normal((n_in, n_out), dtype=np.float64) if any(stds) else None
        Ws = [np.zeros((n_in, n_out), dtype=dtype) if std == 0.0 else (z * std).astype(dtype, copy=False)
              for std in stds]
        if stacked:
            layers.append((np.stack(Ws), np.zeros((len(stds), 1, n_out), dtype=dtype)))
        else:
            layers.append((Ws[0], np.zeros(n_out, dtype=dtype)))
    return layers
