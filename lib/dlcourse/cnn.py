"""Convolution helpers: output sizes (出力サイズ), ``im2col`` and ``col2im``.

Images are ``(N, C, H, W)``; filters are ``(FN, C, FH, FW)``; padding is zero padding of
``pad`` pixels on EACH side; the stride is the same in both directions.

``im2col`` unrolls every filter-sized patch of the (padded) input into one row, so that a
convolution becomes one matrix product (the layout of "Deep Learning from Scratch"):

    col[(n*OH + i)*OW + j, (c*FH + p)*FW + q] = x_padded[n, c, i*stride + p, j*stride + q]

``col2im`` is its adjoint (転置): it scatters rows back onto the image and ADDS the
contributions of overlapping patches, which is exactly what the backward pass needs.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["conv_output_size", "im2col", "col2im"]


def _check_int(value, name: str, minimum: int, where: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{where}: {name} must be an integer, got {value!r} of type "
            f"{type(value).__name__}. Sizes, strides and paddings count pixels; use int(...)."
        )
    value = int(value)
    if value < minimum:
        what = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{where}: {name} must be {what} (>= {minimum}), got {value}.")
    return value


def _suggest(input_size: int, filter_size: int, stride: int, pad: int) -> str:
    """Name the smallest changes that make the filter tile the padded input."""
    hints = []
    for p in range(pad, pad + stride + 1):
        if (input_size + 2 * p - filter_size) % stride == 0 and filter_size <= input_size + 2 * p:
            hints.append(f"pad={p}")
            break
    padded = input_size + 2 * pad
    for f in range(filter_size + 1, min(filter_size + stride, padded) + 1):
        if (padded - f) % stride == 0:
            hints.append(f"filter_size={f}")
            break
    for f in range(filter_size - 1, 0, -1):
        if (padded - f) % stride == 0:
            hints.append(f"filter_size={f}")
            break
    divisors = [s for s in range(1, padded - filter_size + 1) if (padded - filter_size) % s == 0]
    if divisors:
        hints.append("stride in {" + ", ".join(str(s) for s in divisors[:6]) + "}")
    return " or ".join(hints) if hints else "a different pad, stride or filter size"


def conv_output_size(input_size, filter_size, stride=1, pad=0) -> int:
    """Output length of a convolution or pooling along one axis.

    ``OH = (H + 2*pad - FH) / stride + 1`` (pad per side).

    Raises ValueError (naming the numbers and what to change) when the filter is larger than
    the padded input or when ``H + 2*pad - FH`` is not divisible by the stride, i.e. the
    filter would not tile the padded input exactly; TypeError/ValueError when an argument is
    not an integer of the right sign (sizes and stride >= 1, pad >= 0).

    Raising is this course's convention, so that a layer that ignores part of its input is
    noticed. The frameworks round down instead: PyTorch (``nn.Conv2d``, ``nn.MaxPool2d``) and
    Keras (``padding="valid"``) return ``floor((H + 2*pad - FH) / stride) + 1`` and skip the
    pixels after the last placement (H=28, FH=5, stride 2, pad 0 gives 12 there).

    Example (確認テスト): 6x6 input, 2x2 filter, stride 1, pad 1 -> (6 + 2 - 2)/1 + 1 = 7.
    """
    where = "conv_output_size"
    input_size = _check_int(input_size, "input_size", 1, where)
    filter_size = _check_int(filter_size, "filter_size", 1, where)
    stride = _check_int(stride, "stride", 1, where)
    pad = _check_int(pad, "pad", 0, where)
    padded = input_size + 2 * pad
    if filter_size > padded:
        raise ValueError(
            f"{where}: the filter ({filter_size}) is larger than the padded input "
            f"(input_size + 2*pad = {input_size} + 2*{pad} = {padded}). Use a filter of at most "
            f"{padded} or pad={-(-(filter_size - input_size) // 2)} or more."
        )
    span = padded - filter_size
    if span % stride:
        raise ValueError(
            f"{where}: input_size + 2*pad - filter_size = {input_size} + 2*{pad} - "
            f"{filter_size} = {span} is not divisible by stride={stride}, so the filter does "
            f"not tile the padded input (the output size {span}/{stride} + 1 would not be an "
            f"integer). Change to {_suggest(input_size, filter_size, stride, pad)}."
        )
    return span // stride + 1


def _check_image_batch(x, where: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(
            f"{where}: x must be a batch of images (N, C, H, W), got shape {x.shape}. "
            f"For one image use x[None]; for flat MNIST rows use x.reshape(-1, 1, 28, 28)."
        )
    return x


def im2col(x, filter_h, filter_w, stride=1, pad=0):
    """Unroll filter-sized patches of a batch of images into rows.

    x: (N, C, H, W) -> col: (N*OH*OW, C*FH*FW), same dtype as x, with
    ``OH = conv_output_size(H, FH, stride, pad)``, ``OW = conv_output_size(W, FW, stride, pad)``.
    Row ``(n*OH + i)*OW + j`` holds the patch under output pixel (i, j) of image n, ordered
    channel, then filter row, then filter column. x is not modified.
    """
    x = _check_image_batch(x, "im2col")
    n, c, h, w = x.shape
    oh = conv_output_size(h, filter_h, stride, pad)
    ow = conv_output_size(w, filter_w, stride, pad)
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    # windows: (N, C, H', W', FH, FW) view -> take every stride-th window position.
    windows = sliding_window_view(x, (filter_h, filter_w), axis=(2, 3))
    windows = windows[:, :, : (oh - 1) * stride + 1 : stride, : (ow - 1) * stride + 1 : stride]
    # (N, C, OH, OW, FH, FW) -> (N, OH, OW, C, FH, FW) -> rows; reshape copies.
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * filter_h * filter_w)


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    """Adjoint of :func:`im2col`: scatter rows back onto images, adding overlaps.

    col: (N*OH*OW, C*FH*FW); input_shape: (N, C, H, W) of the original x -> (N, C, H, W) in
    col's dtype. Every pixel receives the sum of all patch entries that were copied from it
    (the padding border is dropped), so ``<im2col(x), c> == <x, col2im(c)>`` for all x, c.
    """
    col = np.asarray(col)
    if len(input_shape) != 4:
        raise ValueError(f"col2im: input_shape must be (N, C, H, W), got {tuple(input_shape)}.")
    n, c, h, w = (int(s) for s in input_shape)
    oh = conv_output_size(h, filter_h, stride, pad)
    ow = conv_output_size(w, filter_w, stride, pad)
    expected = (n * oh * ow, c * filter_h * filter_w)
    if col.shape != expected:
        raise ValueError(
            f"col2im: col has shape {col.shape} but input_shape {tuple(input_shape)} with a "
            f"{filter_h}x{filter_w} filter, stride {stride}, pad {pad} needs {expected}. Pass "
            f"the same filter size, stride and pad that im2col used."
        )
    dtype = col.dtype if np.issubdtype(col.dtype, np.floating) else np.float64
    patches = col.reshape(n, oh, ow, c, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=dtype)
    # One vectorised add per filter offset (p, q): the output pixels that see offset (p, q)
    # touch distinct image pixels, so a plain += never loses a contribution.
    for p in range(filter_h):
        p_end = p + stride * (oh - 1) + 1
        for q in range(filter_w):
            q_end = q + stride * (ow - 1) + 1
            img[:, :, p:p_end:stride, q:q_end:stride] += patches[:, :, p, q]
    return img[:, :, pad : pad + h, pad : pad + w].copy() if pad else img
