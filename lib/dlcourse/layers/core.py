"""Fully connected layer, activations and the softmax-cross-entropy loss as pure functions.

Every ``*_forward`` returns ``(out, cache)`` and every ``*_backward`` takes ``(dout, cache)``.
The cache holds private copies (or freshly computed arrays), never references to the
caller's inputs, so changing ``x`` or ``W`` in place after the forward pass cannot corrupt
the backward pass. Nothing here modifies its inputs.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..functions import _targets_as_rows, as_float_array, log_softmax, sigmoid

__all__ = [
    "affine_forward",
    "affine_backward",
    "relu_forward",
    "relu_backward",
    "sigmoid_forward",
    "sigmoid_backward",
    "tanh_forward",
    "tanh_backward",
    "softmax_cross_entropy_forward",
    "softmax_cross_entropy_backward",
]


def check_dout(dout, expected_shape, where: str) -> np.ndarray:
    """Upstream gradients must have exactly the shape of the forward output."""
    dout = as_float_array(dout, "dout")
    if dout.shape != tuple(expected_shape):
        raise ValueError(
            f"{where}: dout has shape {dout.shape} but the forward output had shape "
            f"{tuple(expected_shape)}; the upstream gradient must have the output's shape. "
            f"Did the cache come from a different forward call?"
        )
    return dout


# --------------------------------------------------------------------------- affine


class AffineCache(NamedTuple):
    x_shape: tuple  # shape of the original x, restored in dx
    x2: np.ndarray  # (N, D) private copy of the flattened input
    W: np.ndarray  # (D, M) private copy of the weights


def affine_forward(x, W, b):
    """Fully connected (Affine) layer: ``out = x2 @ W + b`` with ``x2 = x.reshape(N, D)``.

    x: (N, D) or (N, d1, d2, ...) with D = d1*d2*... (images are flattened per sample);
    W: (D, M); b: (M,)  ->  out: (N, M), cache.
    """
    x = as_float_array(x, "x")
    W = as_float_array(W, "W")
    b = as_float_array(b, "b")
    if x.ndim < 1 or W.ndim != 2:
        raise ValueError(
            f"affine_forward: expected x (N, D) and W (D, M), got x {x.shape} and W {W.shape}."
        )
    n = x.shape[0]
    x2 = x.reshape(n, -1)
    if x2.shape[1] != W.shape[0]:
        raise ValueError(
            f"affine_forward: x has {x2.shape[1]} features per sample (x shape {x.shape}) but "
            f"W has shape {W.shape}, which expects {W.shape[0]}. W must be (D, M) = "
            f"({x2.shape[1]}, M): check the layer sizes, or whether W needs a transpose."
        )
    if b.shape != (W.shape[1],):
        raise ValueError(
            f"affine_forward: b has shape {b.shape} but W {W.shape} has {W.shape[1]} outputs; "
            f"b must be ({W.shape[1]},)."
        )
    out = x2 @ W + b
    return out, AffineCache(x.shape, x2.copy(), W.copy())


def affine_backward(dout, cache):
    """Gradients of the affine layer.

    dout: (N, M) -> dx: shape of the original x, dW: (D, M), db: (M,)
    ``dx = dout @ W.T``, ``dW = x2.T @ dout``, ``db = sum_n dout``.
    """
    x_shape, x2, W = cache
    dout = check_dout(dout, (x2.shape[0], W.shape[1]), "affine_backward")
    dx = (dout @ W.T).reshape(x_shape)
    dW = x2.T @ dout
    db = dout.sum(axis=0)
    return dx, dW, db


# --------------------------------------------------------------------------- activations


def relu_forward(x):
    """ReLU: ``out = max(x, 0)``. x: any shape -> out: same shape, cache = mask (x > 0)."""
    x = as_float_array(x, "x")
    mask = x > 0
    return np.where(mask, x, x.dtype.type(0)), mask


def relu_backward(dout, cache):
    """``dx = dout * (x > 0)``: the gradient passes only where the input was positive."""
    mask = cache
    dout = check_dout(dout, mask.shape, "relu_backward")
    return np.where(mask, dout, dout.dtype.type(0))


def sigmoid_forward(x):
    """Sigmoid: ``out = 1 / (1 + exp(-x))`` (overflow-free). cache = out."""
    out = sigmoid(as_float_array(x, "x"))
    return out, out.copy()


def sigmoid_backward(dout, cache):
    """``dx = dout * out * (1 - out)`` with out the forward output."""
    out = cache
    dout = check_dout(dout, out.shape, "sigmoid_backward")
    return dout * out * (1 - out)


def tanh_forward(x):
    """tanh: ``out = tanh(x)``. cache = out."""
    out = np.tanh(as_float_array(x, "x"))
    return out, out.copy()


def tanh_backward(dout, cache):
    """``dx = dout * (1 - out**2)`` with out the forward output."""
    out = cache
    dout = check_dout(dout, out.shape, "tanh_backward")
    return dout * (1 - out * out)


# --------------------------------------------------------------------------- loss


class SoftmaxCrossEntropyCache(NamedTuple):
    y: np.ndarray  # softmax probabilities, shape of the logits
    t_onehot: np.ndarray  # targets as rows, shape of the logits, logits' dtype
    n: int  # batch size used for the mean (1 for a single sample)


def softmax_cross_entropy_forward(logits, t):
    """Softmax followed by the cross-entropy loss, fused (log-sum-exp).

    logits: (N, C) or (C,); t: (N,) integer labels or (N, C) one-hot (soft targets whose
    rows sum to 1 also work)  ->  loss (scalar of the logits' dtype), cache.
    ``loss = -(1/N) * sum_n sum_k t_nk * log_softmax(logits)_nk``.
    """
    logits = as_float_array(logits, "logits")
    x2, t2, is_labels = _targets_as_rows(logits, t, "softmax_cross_entropy_forward")
    n = x2.shape[0]
    logp = log_softmax(x2)
    if is_labels:
        t_rows = np.zeros_like(x2)
        t_rows[np.arange(n), t2] = 1
    else:
        t_rows = t2.copy()
    loss = x2.dtype.type(-(t_rows * logp).sum() / n)
    with np.errstate(under="ignore"):
        y = np.exp(logp)
    shape = logits.shape
    return loss, SoftmaxCrossEntropyCache(y.reshape(shape), t_rows.reshape(shape), n)


def softmax_cross_entropy_backward(dout, cache):
    """Gradient of the mean softmax-cross-entropy loss with respect to the logits.

    dout: the scalar upstream gradient of the loss (1.0 when the loss is the final output);
    cache from :func:`softmax_cross_entropy_forward`  ->  dlogits: shape of the logits,
    ``dlogits = dout * (y - t_onehot) / N`` with y = softmax(logits).
    """
    if isinstance(dout, SoftmaxCrossEntropyCache) or not isinstance(cache, SoftmaxCrossEntropyCache):
        raise TypeError(
            "softmax_cross_entropy_backward(dout, cache): pass the upstream gradient first and the "
            "cache of softmax_cross_entropy_forward second, as for every *_backward (dout = 1.0 "
            "when the loss is the final output)."
        )
    y, t_rows, n = cache
    dout = np.asarray(dout)
    if dout.size != 1:
        raise ValueError(
            f"softmax_cross_entropy_backward: the loss is a scalar, so dout must be a scalar; "
            f"got shape {dout.shape}. (The order is (dout, cache), as for every *_backward.)"
        )
    return (y - t_rows) * (y.dtype.type(dout.item()) / y.dtype.type(n))
