"""Fully connected layer, activations and the softmax-cross-entropy loss as pure functions.

Every ``*_forward`` returns ``(out, cache)`` and every ``*_backward`` takes ``(dout, cache)``.
By default the cache holds private copies (or freshly computed arrays), never references to
the caller's inputs, so changing ``x`` or ``W`` in place after the forward pass cannot corrupt
the backward pass. Nothing here modifies its inputs.

Stacks of networks: the affine layer, the activations, batch norm and the loss also take a
leading STACK axis of K independent networks of the same shape, trained side by side (one
matrix product per layer for all of them): weights ``W`` (K, D, M), biases ``b`` (K, 1, M),
activations (K, N, M); the input batch may be shared, ``x`` (N, D). Everything else follows
from broadcasting, and the gradients of member k are those of member k alone.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..functions import (activation, as_float_array, gelu_exact_parts, gelu_grad_from_cdf, relu, sigmoid, tanh,
                         targets_as_rows)

__all__ = [
    "affine_forward",
    "affine_backward",
    "relu_forward",
    "relu_backward",
    "sigmoid_forward",
    "sigmoid_backward",
    "tanh_forward",
    "tanh_backward",
    "leaky_relu_forward",
    "leaky_relu_backward",
    "elu_forward",
    "elu_backward",
    "selu_forward",
    "selu_backward",
    "gelu_forward",
    "gelu_backward",
    "activation_layer",
    "softmax_cross_entropy_forward",
    "softmax_cross_entropy_backward",
    "check_dout",
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
    x2: np.ndarray  # (N, D) the flattened input (a stack: (N, D) shared or (K, N, D))
    W: np.ndarray  # (D, M) the weights (a stack: (K, D, M))


def _affine_shapes(x, W, b):
    """Check the shapes; return x as rows: (N, D), or for a stack (N, D) / (K, N, D)."""
    if W.ndim == 2:
        if x.ndim < 1:
            raise ValueError("affine_forward: x must be a batch (N, D), got a scalar.")
        x2 = x if x.ndim == 2 else x.reshape(x.shape[0], -1)
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
        return x2
    if W.ndim == 3:
        k, d, m = W.shape
        if not (x.ndim == 2 or (x.ndim == 3 and x.shape[0] == k)) or x.shape[-1] != d:
            raise ValueError(
                f"affine_forward: W {W.shape} is a stack of {k} layers, so x must be one batch "
                f"(N, {d}) shared by the stack or one batch per member ({k}, N, {d}); got {x.shape}."
            )
        if b.shape != (k, 1, m):
            raise ValueError(f"affine_forward: for a stack W {W.shape} the biases b must be "
                             f"({k}, 1, {m}), got {b.shape}.")
        return x
    raise ValueError(
        f"affine_forward: expected x (N, D) and W (D, M) (or a stack W (K, D, M)), got x {x.shape} "
        f"and W {W.shape}."
    )


def affine_forward(x, W, b, *, copy=True):
    """Fully connected (Affine) layer: ``out = x2 @ W + b`` with ``x2 = x.reshape(N, D)``.

    x: (N, D) or (N, d1, d2, ...) with D = d1*d2*... (images are flattened per sample);
    W: (D, M); b: (M,)  ->  out: (N, M), cache. A stack: W (K, D, M), b (K, 1, M),
    x (N, D) or (K, N, D) -> out (K, N, M).
    ``copy=False`` keeps references to x and W in the cache instead of copies: faster, for
    callers (the networks) that leave both unchanged until the backward call.
    """
    x = as_float_array(x, "x")
    W = as_float_array(W, "W")
    b = as_float_array(b, "b")
    x2 = _affine_shapes(x, W, b)
    out = x2 @ W
    if b.dtype == out.dtype:
        out += b
    else:
        out = out + b
    if copy:
        return out, AffineCache(x.shape, x2.copy(), W.copy())
    return out, AffineCache(x.shape, x2, W)


def affine_backward(dout, cache, *, need_dx=True):
    """Gradients of the affine layer.

    dout: (N, M) -> dx: shape of the original x, dW: (D, M), db: (M,)
    ``dx = dout @ W.T``, ``dW = x2.T @ dout``, ``db = sum_n dout``. A stack: dout (K, N, M),
    dW (K, D, M), db (K, 1, M); dx of a shared input adds the members' contributions.
    ``need_dx=False`` returns ``None`` for dx (the first layer of a network: a third less work).
    """
    x_shape, x2, W = cache
    stacked = W.ndim == 3
    n = x2.shape[-2]
    expected = (W.shape[0], n, W.shape[2]) if stacked else (n, W.shape[1])
    dout = check_dout(dout, expected, "affine_backward")
    dW = x2.swapaxes(-1, -2) @ dout
    db = np.add.reduce(dout, axis=-2, keepdims=stacked)
    if not need_dx:
        return None, dW, db
    dx = dout @ W.swapaxes(-1, -2)
    if stacked and x2.ndim == 2:
        dx = np.add.reduce(dx, axis=0)
    return dx.reshape(x_shape), dW, db


# --------------------------------------------------------------------------- activations


def relu_forward(x):
    """ReLU: ``out = max(x, 0)``. x: any shape -> out: same shape, cache = mask (x > 0)."""
    x = as_float_array(x, "x")
    return relu(x), x > 0


def relu_backward(dout, cache):
    """``dx = dout * (x > 0)``: the gradient passes only where the input was positive (the cache
    is that mask)."""
    return check_dout(dout, cache.shape, "relu_backward") * cache


def sigmoid_forward(x):
    """Sigmoid: ``out = 1 / (1 + exp(-x))`` (overflow-free). cache = out."""
    out = sigmoid(as_float_array(x, "x"))
    return out, out.copy()


def sigmoid_backward(dout, cache):
    """``dx = dout * out * (1 - out)`` with out the forward output (the cache)."""
    return check_dout(dout, cache.shape, "sigmoid_backward") * cache * (1 - cache)


def tanh_forward(x):
    """tanh: ``out = tanh(x)``. cache = out."""
    out = tanh(as_float_array(x, "x"))
    return out, out.copy()


def tanh_backward(dout, cache):
    """``dx = dout * (1 - out**2)`` with out the forward output (the cache)."""
    return check_dout(dout, cache.shape, "tanh_backward") * (1 - cache * cache)


def _from_table(name):
    """The forward/backward pair of an element-wise activation of the table whose derivative is
    computed from its input: the cache is a copy of the pre-activation x, and
    ``dx = dout * derivative(x)``."""
    act = activation(name)

    def forward(x):
        x = as_float_array(x, "x")
        return act.function(x), x.copy()

    def backward(dout, cache):
        return check_dout(dout, cache.shape, f"{name}_backward") * act.derivative(cache)

    forward.__name__, backward.__name__ = f"{name}_forward", f"{name}_backward"
    forward.__qualname__, backward.__qualname__ = forward.__name__, backward.__name__
    forward.__doc__ = (f"{name}: ``out = {name}(x)`` (:data:`dlcourse.functions.ACTIVATIONS`). x: any shape -> "
                       f"out: same shape, cache = a copy of x (the pre-activation).")
    backward.__doc__ = f"``dx = dout * {name}_grad(x)`` with x the pre-activation kept in the cache."
    return forward, backward


leaky_relu_forward, leaky_relu_backward = _from_table("leaky_relu")
elu_forward, elu_backward = _from_table("elu")
selu_forward, selu_backward = _from_table("selu")


class GeluCache(NamedTuple):
    x: np.ndarray  # a copy of the pre-activation
    cdf: np.ndarray  # Phi(x), kept so that the backward pass needs no second erfc


def gelu_forward(x):
    """GELU (exact): ``out = x * Phi(x)``. x: any shape -> out: same shape, cache = (x, Phi(x))."""
    x = as_float_array(x, "x")
    out, cdf = gelu_exact_parts(x)
    return out, GeluCache(x.copy(), cdf)


def gelu_backward(dout, cache):
    """``dx = dout * (Phi(x) + x * phi(x))`` with x and Phi(x) from the cache."""
    return check_dout(dout, cache.x.shape, "gelu_backward") * gelu_grad_from_cdf(cache.x, cache.cdf)


def activation_layer(name):
    """The pure functions of the activation ``name`` (a key of
    :data:`dlcourse.functions.ACTIVATIONS`): ``(relu_forward, relu_backward)`` for ``"relu"``,
    and likewise ``sigmoid_*``, ``tanh_*``, ``leaky_relu_*``, ``elu_*``, ``selu_*``, ``gelu_*``."""
    activation(name)  # a clear error for unknown names
    return globals()[f"{name}_forward"], globals()[f"{name}_backward"]


# --------------------------------------------------------------------------- loss


class SoftmaxCrossEntropyCache(NamedTuple):
    y: np.ndarray  # softmax probabilities, shape of the logits
    t: np.ndarray  # targets: labels (N,) or rows (N, C) in the logits' dtype (shared by a stack)
    n: int  # batch size used for the mean (1 for a single sample)


def softmax_cross_entropy_forward(logits, t):
    """Softmax followed by the cross-entropy loss, fused (log-sum-exp).

    logits: (N, C) or (C,); t: (N,) integer labels or (N, C) one-hot (soft targets whose
    rows sum to 1 also work)  ->  loss (scalar of the logits' dtype), cache.
    ``loss = -(1/N) * sum_n sum_k t_nk * log_softmax(logits)_nk``, computed as
    ``mean_n (log sum_k exp z_nk - sum_k t_nk z_nk)`` with ``z = logits - max_k logits``.
    A stack: logits (K, N, C) with targets shared by the members -> loss (K,), one per member.
    """
    logits = as_float_array(logits, "logits")
    stacked = logits.ndim == 3
    first = logits[0] if stacked else logits
    x2, t2, is_labels = targets_as_rows(first, t, "softmax_cross_entropy_forward")
    n = x2.shape[0]
    z = (logits if stacked else x2) - (logits if stacked else x2).max(axis=-1, keepdims=True)
    with np.errstate(under="ignore"):
        e = np.exp(z)
    total = e.sum(axis=-1, keepdims=True)
    if is_labels:
        target_scores = z[..., np.arange(n), t2].sum(axis=-1)
        log_norm = np.log(total).sum(axis=(-2, -1))
    else:  # sum_k t_nk (log total_n - z_nk); rows of t normally sum to 1
        target_scores = (t2 * z).sum(axis=(-2, -1))
        log_norm = (np.log(total) * t2).sum(axis=(-2, -1))
    loss = (log_norm - target_scores) / x2.dtype.type(n)
    loss = loss.astype(x2.dtype, copy=False) if stacked else x2.dtype.type(loss)
    e /= total  # the softmax
    return loss, SoftmaxCrossEntropyCache(e.reshape(logits.shape), t2 if is_labels else t2.copy(), n)


def softmax_cross_entropy_backward(dout, cache=None):
    """Gradient of the mean softmax-cross-entropy loss with respect to the logits.

    dout: the scalar upstream gradient of the loss (1.0 when the loss is the final output);
    cache from :func:`softmax_cross_entropy_forward`  ->  dlogits: shape of the logits,
    ``dlogits = dout * (y - t_onehot) / N`` with y = softmax(logits). A stack: dout a
    scalar or one value per member (K,). ``softmax_cross_entropy_backward(cache)`` (the loss
    as the final output) is the same as ``softmax_cross_entropy_backward(1.0, cache)``.
    """
    if cache is None and isinstance(dout, SoftmaxCrossEntropyCache):
        dout, cache = 1.0, dout
    if isinstance(dout, SoftmaxCrossEntropyCache) or not isinstance(cache, SoftmaxCrossEntropyCache):
        raise TypeError(
            "softmax_cross_entropy_backward(dout, cache): pass the upstream gradient first and the "
            "cache of softmax_cross_entropy_forward second, as for every *_backward (dout = 1.0 "
            "when the loss is the final output)."
        )
    y, t, n = cache
    dtype = y.dtype.type
    dout = np.asarray(dout)
    if y.ndim == 3 and dout.shape == (y.shape[0],):
        scale = (dout / n).astype(y.dtype)[:, None, None]
    elif dout.size == 1:
        scale = dtype(dout.item()) / dtype(n)
    else:
        members = f" or one value per member ({y.shape[0]},)" if y.ndim == 3 else ""
        raise ValueError(
            f"softmax_cross_entropy_backward: the loss is a scalar, so dout must be a scalar"
            f"{members}; got shape {dout.shape}."
        )
    d = y * scale if y.ndim != 1 else (y * scale).reshape(1, -1)
    if t.ndim == 1:  # labels: subtract the one-hot rows
        d[..., np.arange(n), t] -= scale if np.ndim(scale) == 0 else scale[..., 0]
    else:
        d -= t * scale
    return d.reshape(y.shape)
