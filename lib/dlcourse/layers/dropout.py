"""Inverted dropout (ドロップアウト) as pure functions.

``ratio`` is the probability of DROPPING a unit. Dropout is inverted: the kept units are
scaled by ``1 / (1 - ratio)`` at training time, so the expected activation is unchanged and
test mode is the identity.

The mask returned by :func:`dropout_forward` holds the SCALE FACTORS, i.e. each entry is
either 0 (dropped) or ``1 / (1 - ratio)`` (kept), in x's dtype. Then
``out = x * mask`` and ``dx = dout * mask``. In test mode (``train=False``) the output is a
copy of x and the mask is ``None`` (nothing was dropped); ``dropout_backward(dout, None)``
returns a copy of dout.
"""

from __future__ import annotations

import numpy as np

from ..functions import as_float_array
from .core import check_dout

__all__ = ["dropout_forward", "dropout_backward", "check_rng"]


def check_rng(rng, where: str) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{where}: rng must be a numpy.random.Generator, got {type(rng).__name__}. "
            f"Create one with rng = np.random.default_rng(seed) and pass it explicitly "
            f"(the global np.random state is never used)."
        )
    return rng


def _check_ratio(ratio, where: str) -> float:
    ratio = float(ratio)
    if not 0.0 <= ratio < 1.0:
        raise ValueError(
            f"{where}: ratio is the probability of dropping a unit and must satisfy "
            f"0 <= ratio < 1, got {ratio}. (ratio=0.5 drops half the units.)"
        )
    return ratio


def dropout_forward(x, ratio, train, rng):
    """Inverted dropout.

    x: any shape; ratio: drop probability in [0, 1); train: bool; rng: numpy Generator
    (may be None when ``train`` is False)  ->  out: shape of x, mask.

    Training: ``keep = rng.random(x.shape) >= ratio`` (one uniform draw per entry, in float64
    whatever x's dtype, so the same seed gives the same mask in float32 and float64),
    ``mask = keep / (1 - ratio)``, ``out = x * mask``. Test: ``out = x.copy()``, ``mask = None``.
    """
    x = as_float_array(x, "x")
    ratio = _check_ratio(ratio, "dropout_forward")
    if not train:
        return x.copy(), None
    rng = check_rng(rng, "dropout_forward")
    keep = rng.random(x.shape) >= ratio
    mask = np.where(keep, x.dtype.type(1.0 / (1.0 - ratio)), x.dtype.type(0)).astype(x.dtype)
    return x * mask, mask


def dropout_backward(dout, mask):
    """``dx = dout * mask`` (mask = scale factors from :func:`dropout_forward`); with
    ``mask=None`` (test mode) dx is a copy of dout."""
    dout = as_float_array(dout, "dout")
    if mask is None:
        return dout.copy()
    dout = check_dout(dout, mask.shape, "dropout_backward")
    return dout * mask
