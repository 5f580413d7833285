"""Convolution and pooling (畳み込み層, プーリング層) as pure functions, via im2col.

Images are ``(N, C, H, W)``, filters ``(FN, C, FH, FW)``, padding is per side, and
output sizes come from :func:`dlcourse.cnn.conv_output_size` (a clear ValueError when the
filter does not tile the padded input).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..cnn import col2im, conv_output_size, im2col
from ..functions import as_float_array
from .core import check_dout

__all__ = [
    "conv2d_forward",
    "conv2d_backward",
    "max_pool_forward",
    "max_pool_backward",
    "avg_pool_forward",
    "avg_pool_backward",
]


def _check_images(x, where: str) -> np.ndarray:
    x = as_float_array(x, "x")
    if x.ndim != 4:
        raise ValueError(
            f"{where}: x must be images (N, C, H, W), got shape {x.shape}. For flat MNIST "
            f"rows use x.reshape(-1, 1, 28, 28); for one image use x[None]."
        )
    return x


# --------------------------------------------------------------------------- convolution


class ConvCache(NamedTuple):
    x_shape: tuple  # (N, C, H, W)
    col: np.ndarray  # (N*OH*OW, C*FH*FW) im2col of the input
    W: np.ndarray  # (FN, C, FH, FW) private copy
    stride: int
    pad: int


def conv2d_forward(x, W, b, stride=1, pad=0):
    """2-D convolution (cross-correlation, as in every DL library) via im2col.

    x: (N, C, H, W); W: (FN, C, FH, FW); b: (FN,) -> out: (N, FN, OH, OW), cache, with
    ``out[n, f, i, j] = sum_{c,p,q} x_pad[n, c, i*stride + p, j*stride + q] * W[f, c, p, q] + b[f]``
    and ``OH = (H + 2*pad - FH) / stride + 1`` (likewise OW).
    """
    x = _check_images(x, "conv2d_forward")
    W = as_float_array(W, "W")
    b = as_float_array(b, "b")
    if W.ndim != 4:
        raise ValueError(f"conv2d_forward: W must be (FN, C, FH, FW), got shape {W.shape}.")
    n, c, h, w = x.shape
    fn, wc, fh, fw = W.shape
    if wc != c:
        raise ValueError(
            f"conv2d_forward: x has {c} channels (shape {x.shape}) but W {W.shape} expects "
            f"{wc}; W must be (FN, C, FH, FW) with C = {c}."
        )
    if b.shape != (fn,):
        raise ValueError(f"conv2d_forward: b must be ({fn},) (one bias per filter), got {b.shape}.")
    oh = conv_output_size(h, fh, stride, pad)
    ow = conv_output_size(w, fw, stride, pad)
    col = im2col(x, fh, fw, stride, pad)  # (N*OH*OW, C*FH*FW), a new array
    out = col @ W.reshape(fn, -1).T + b  # (N*OH*OW, FN)
    out = np.ascontiguousarray(out.reshape(n, oh, ow, fn).transpose(0, 3, 1, 2))
    return out, ConvCache(x.shape, col, W.copy(), int(stride), int(pad))


def conv2d_backward(dout, cache, *, need_dx=True):
    """Gradients of the convolution.

    dout: (N, FN, OH, OW) -> dx: (N, C, H, W), dW: (FN, C, FH, FW), db: (FN,).
    With ``d = dout`` as rows (N*OH*OW, FN): ``dW = (col.T @ d).T``, ``db = sum d``,
    ``dx = col2im(d @ W_rows)`` (overlapping patches add up). ``need_dx=False`` returns
    ``None`` for dx (the first layer of a network: no col2im).
    """
    x_shape, col, W, stride, pad = cache
    n, c, h, w = x_shape
    fn, _, fh, fw = W.shape
    oh = conv_output_size(h, fh, stride, pad)
    ow = conv_output_size(w, fw, stride, pad)
    dout = check_dout(dout, (n, fn, oh, ow), "conv2d_backward")
    d = dout.transpose(0, 2, 3, 1).reshape(-1, fn)
    db = d.sum(axis=0)
    dW = (d.T @ col).reshape(W.shape)
    if not need_dx:
        return None, dW, db
    dcol = d @ W.reshape(fn, -1)
    dx = col2im(dcol, x_shape, fh, fw, stride, pad)
    return dx, dW, db


# --------------------------------------------------------------------------- pooling


class PoolCache(NamedTuple):
    x_shape: tuple  # (N, C, H, W)
    pool_h: int
    pool_w: int
    stride: int
    argmax: np.ndarray | None  # (N*OH*OW*C,) index of the max in each window; None for avg
    dtype: np.dtype


def _pool_windows(x, pool_h, pool_w, stride, where):
    """(N, C, H, W) -> windows (N*OH*OW*C, pool_h*pool_w) and the output size."""
    x = _check_images(x, where)
    n, c, h, w = x.shape
    oh = conv_output_size(h, pool_h, stride, 0)
    ow = conv_output_size(w, pool_w, stride, 0)
    windows = im2col(x, pool_h, pool_w, stride, 0).reshape(-1, pool_h * pool_w)
    return x, windows, (n, c, oh, ow)


def _rows_to_images(rows, n, c, oh, ow):
    """(N*OH*OW*C,) -> (N, C, OH, OW)."""
    return np.ascontiguousarray(rows.reshape(n, oh, ow, c).transpose(0, 3, 1, 2))


def _pool_dout(dout, cache, where):
    """Check the upstream gradient (N, C, OH, OW); return it as (N*OH*OW*C,), one value per
    pooling window, in the windows' order."""
    n, c, h, w = cache.x_shape
    oh = conv_output_size(h, cache.pool_h, cache.stride, 0)
    ow = conv_output_size(w, cache.pool_w, cache.stride, 0)
    return check_dout(dout, (n, c, oh, ow), where).transpose(0, 2, 3, 1).reshape(-1)


def _windows_to_images(dwin, cache):
    """Gradients per window entry (N*OH*OW*C, pool_h*pool_w) -> dx (N, C, H, W); overlapping
    windows add up (col2im)."""
    c = cache.x_shape[1]
    return col2im(dwin.reshape(-1, c * cache.pool_h * cache.pool_w), cache.x_shape, cache.pool_h,
                  cache.pool_w, cache.stride, 0)


def max_pool_forward(x, pool_h, pool_w, stride):
    """Max pooling (no padding).

    x: (N, C, H, W) -> out: (N, C, OH, OW), cache; ``out[n, c, i, j]`` is the maximum of
    ``x[n, c, i*stride : i*stride + pool_h, j*stride : j*stride + pool_w]``,
    ``OH = (H - pool_h) / stride + 1``. Typical: ``pool_h = pool_w = stride = 2``.
    """
    x, windows, (n, c, oh, ow) = _pool_windows(x, pool_h, pool_w, stride, "max_pool_forward")
    argmax = windows.argmax(axis=1)
    out = windows[np.arange(windows.shape[0]), argmax]
    cache = PoolCache(x.shape, int(pool_h), int(pool_w), int(stride), argmax, x.dtype)
    return _rows_to_images(out, n, c, oh, ow), cache


def max_pool_backward(dout, cache):
    """Gradient of max pooling: each window's upstream gradient goes to the position of its
    maximum (the first one in row-major order when there are ties); windows that overlap
    add their contributions.

    dout: (N, C, OH, OW) -> dx: (N, C, H, W).
    """
    d = _pool_dout(dout, cache, "max_pool_backward")
    dwin = np.zeros((cache.argmax.size, cache.pool_h * cache.pool_w), dtype=d.dtype)
    dwin[np.arange(cache.argmax.size), cache.argmax] = d
    return _windows_to_images(dwin, cache)


def avg_pool_forward(x, pool_h, pool_w, stride):
    """Average pooling (no padding).

    x: (N, C, H, W) -> out: (N, C, OH, OW), cache; ``out[n, c, i, j]`` is the mean of the
    ``pool_h x pool_w`` window at ``(i*stride, j*stride)``.
    """
    x, windows, (n, c, oh, ow) = _pool_windows(x, pool_h, pool_w, stride, "avg_pool_forward")
    out = windows.mean(axis=1)
    cache = PoolCache(x.shape, int(pool_h), int(pool_w), int(stride), None, x.dtype)
    return _rows_to_images(out, n, c, oh, ow), cache


def avg_pool_backward(dout, cache):
    """Gradient of average pooling: each window spreads ``dout / (pool_h * pool_w)`` evenly
    over its entries; overlapping windows add up.

    dout: (N, C, OH, OW) -> dx: (N, C, H, W).
    """
    d = _pool_dout(dout, cache, "avg_pool_backward")
    size = cache.pool_h * cache.pool_w
    return _windows_to_images(np.repeat((d / d.dtype.type(size))[:, None], size, axis=1), cache)
