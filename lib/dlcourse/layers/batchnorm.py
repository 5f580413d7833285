"""Batch normalisation (バッチ正規化) as pure functions.

Training mode normalises each feature with the statistics of the current mini-batch
(biased variance, divided by N); :func:`batchnorm_inference` uses given running statistics.
Inputs may be ``(N, D)`` (per feature) or images ``(N, C, H, W)`` (per channel, statistics
over N, H and W together: "spatial" batch norm), or a stack of K networks' batches
``(K, N, D)`` with ``gamma``, ``beta`` of shape ``(K, 1, D)`` (each member normalised over
its own batch axis N).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..functions import as_float_array
from .core import check_dout

__all__ = ["batchnorm_forward", "batchnorm_backward", "batchnorm_inference"]


class BatchNormCache(NamedTuple):
    xhat: np.ndarray  # (M, D) normalised input, M = N (2-D) or N*H*W (4-D); a stack: (K, N, D)
    gamma: np.ndarray  # (D,) private copy (a stack: (K, 1, D))
    std: np.ndarray  # shape of gamma: sqrt(var + eps)
    mean: np.ndarray  # shape of gamma: batch mean (used by the BatchNorm class for running stats)
    var: np.ndarray  # shape of gamma: biased batch variance
    x_shape: tuple  # original input shape (2-D, 3-D or 4-D)


def _to_rows(x, where: str) -> np.ndarray:
    """(N, D) and stacks (K, N, D) -> themselves; (N, C, H, W) -> (N*H*W, C) so that features
    are columns. The statistics are taken over axis -2 of the result."""
    if x.ndim in (2, 3):
        return x
    if x.ndim == 4:
        return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])
    raise ValueError(
        f"{where}: x must be (N, D), images (N, C, H, W) or a stack (K, N, D), got shape {x.shape}. "
        f"Flatten other inputs to (N, D) first."
    )


def _from_rows(rows, x_shape):
    if len(x_shape) != 4:
        return rows
    n, c, h, w = x_shape
    return rows.reshape(n, h, w, c).transpose(0, 3, 1, 2)


def _sum_over_batch(a, b):
    """``sum_n a * b`` over the batch axis -2, kept as a length-1 axis (no (M, D) temporary)."""
    return np.expand_dims(np.einsum("...nd,...nd->...d", a, b), -2)


def _check_params(rows, gamma, beta, where: str):
    d = rows.shape[-1]
    shape = (rows.shape[0], 1, d) if rows.ndim == 3 else (d,)
    for name, p in (("gamma", gamma), ("beta", beta)):
        if p.shape != shape:
            raise ValueError(
                f"{where}: {name} has shape {p.shape} but x has {d} features/channels; {name} "
                f"must be {shape} (one value per feature for (N, D), per channel for "
                f"(N, C, H, W), per member and feature (K, 1, D) for a stack (K, N, D))."
            )


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    """Batch normalisation, training mode.

    x: (N, D) [or (N, C, H, W), per channel; or a stack (K, N, D)]; gamma, beta: (D,) [or (C,);
    (K, 1, D) for a stack] -> out: shape of x, cache.
    ``mu = mean_n x``, ``var = mean_n (x - mu)**2`` (biased), ``xhat = (x - mu) / sqrt(var + eps)``,
    ``out = gamma * xhat + beta``. The cache carries ``mean`` and ``var`` for running statistics.
    """
    x = as_float_array(x, "x")
    gamma = as_float_array(gamma, "gamma")
    beta = as_float_array(beta, "beta")
    rows = _to_rows(x, "batchnorm_forward")
    _check_params(rows, gamma, beta, "batchnorm_forward")
    if rows.shape[-2] == 0:
        raise ValueError("batchnorm_forward: the batch is empty; batch statistics need N >= 1.")
    m = rows.shape[-2]
    mean = rows.mean(axis=-2, keepdims=True)
    xhat = rows - mean                                      # x - mu, normalised in place below
    var = _sum_over_batch(xhat, xhat) / m
    std = np.sqrt(var + eps).astype(rows.dtype, copy=False)
    xhat /= std
    out = gamma * xhat
    out += beta
    shape = gamma.shape
    cache = BatchNormCache(xhat, gamma.copy(), std.reshape(shape), mean.reshape(shape), var.reshape(shape), x.shape)
    return _from_rows(out, x.shape), cache


def batchnorm_backward(dout, cache):
    """Gradients of training-mode batch norm (compact form).

    dout: shape of x -> dx: shape of x, dgamma: (D,), dbeta: (D,). With M rows per feature,
    ``dxhat = dout * gamma``:
    ``dx = (M*dxhat - sum(dxhat) - xhat * sum(dxhat * xhat)) / (M * std)``
    ``= gamma / std * (dout - dbeta / M - xhat * dgamma / M)``,
    ``dgamma = sum(dout * xhat)``, ``dbeta = sum(dout)`` (sums over the batch axis).
    """
    xhat, gamma, std, _mean, _var, x_shape = cache
    dout = check_dout(dout, x_shape, "batchnorm_backward")
    d = _to_rows(dout, "batchnorm_backward")
    m = d.shape[-2]
    dbeta = d.sum(axis=-2, keepdims=True)
    dgamma = _sum_over_batch(d, xhat)
    # the compact formula with dxhat = d * gamma, sum(dxhat) = gamma * dbeta and
    # sum(dxhat * xhat) = gamma * dgamma:  dx = gamma / std * (d - dbeta/M - xhat * dgamma/M)
    dx = d - dbeta / m
    dx -= xhat * (dgamma / m)
    dx *= gamma / std
    shape = gamma.shape
    return _from_rows(dx, x_shape), dgamma.reshape(shape), dbeta.reshape(shape)


def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=1e-5):
    """Batch normalisation, test mode: ``gamma * (x - running_mean) / sqrt(running_var + eps) + beta``.

    x: (N, D) or (N, C, H, W); gamma, beta, running_mean, running_var: (D,) or (C,) -> shape of x
    (a stack: x (K, N, D), the others (K, 1, D)).
    """
    x = as_float_array(x, "x")
    gamma = as_float_array(gamma, "gamma")
    beta = as_float_array(beta, "beta")
    rows = _to_rows(x, "batchnorm_inference")
    _check_params(rows, gamma, beta, "batchnorm_inference")
    mean = np.asarray(running_mean, dtype=rows.dtype)
    std = np.sqrt(np.asarray(running_var, dtype=rows.dtype) + eps).astype(rows.dtype, copy=False)
    scale = gamma / std  # one multiply-add per entry: gamma * (x - mean) / std + beta
    out = rows * scale
    out += beta - mean * scale
    return _from_rows(out, x.shape)
