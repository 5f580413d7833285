"""Thin layer classes around the pure forward/backward functions, as in the book.

The classes that keep state between calls live here: :class:`BatchNorm` (running
statistics) and :class:`Dropout` (its random generator), used by ``MultiLayerNet``; and the
layers of the troubleshooting lab's network (``dlcourse.plots.troubleshooting.LabNet``),
built from objects the way the book builds its networks: :class:`Affine`, :class:`ReLU`,
:class:`Sigmoid` and :class:`SoftmaxWithLoss`.

Every layer has ``forward(x, train=True) -> out`` and ``backward(dout) -> dx``, plus two
dicts: ``params`` (the learnable arrays, keyed ``"W"``, ``"b"``, ``"gamma"``, ``"beta"``)
and ``grads`` (same keys, filled by ``backward``). Parameter-free layers have empty dicts.

Parameters are held BY REFERENCE: ``Affine(W, b).params["W"] is W``. An optimizer that
updates ``params[key]`` in place (``p -= lr * g``, as every ``dlcourse.optimizers`` class
does) therefore changes the layer, and a network can collect its layers' ``params`` into
one dict without copying. Do not rebind ``layer.params["W"] = new_array`` unless you mean
to replace the array the layer uses (the layer always reads ``self.params``).

Randomness: a :class:`Dropout` layer owns the ``numpy.random.Generator`` passed to its
constructor and draws a fresh mask from it on every training-mode forward call, so one
seeded generator (shared by all dropout layers of a network) makes a run reproducible.
"""

from __future__ import annotations

import numpy as np

from ..functions import require_float_array
from .batchnorm import batchnorm_backward, batchnorm_forward, batchnorm_inference
from .conv import (avg_pool_backward, avg_pool_forward, conv2d_backward, conv2d_forward, max_pool_backward,
                   max_pool_forward)
from .core import (affine_backward, affine_forward, relu_backward, relu_forward, sigmoid_backward, sigmoid_forward,
                   softmax_cross_entropy_backward, softmax_cross_entropy_forward, tanh_backward, tanh_forward)
from .dropout import check_rng, dropout_backward, dropout_forward

__all__ = ["Layer", "Affine", "ReLU", "Sigmoid", "Tanh", "BatchNorm", "Dropout", "Conv2d", "MaxPool2d", "AvgPool2d",
           "Flatten", "SoftmaxWithLoss"]


def _param(value, name: str, owner: str) -> np.ndarray:
    why = "the layer keeps a reference to it so that optimizers can update it in place"
    return require_float_array(value, name, owner, why)


class Layer:
    """Base class: no parameters, ``forward``/``backward`` implemented by subclasses."""

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.cache = None

    def _cache(self):
        if self.cache is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward was called before forward (or after a "
                f"train=False forward, which keeps no cache). Call forward(x, train=True) first."
            )
        return self.cache

    def __repr__(self):
        shapes = ", ".join(f"{k}={v.shape}" for k, v in self.params.items())
        return f"{type(self).__name__}({shapes})"


class Affine(Layer):
    """Fully connected layer ``out = x.reshape(N, -1) @ W + b``; W: (D, M), b: (M,)."""

    def __init__(self, W, b):
        super().__init__()
        self.params = {"W": _param(W, "W", "Affine"), "b": _param(b, "b", "Affine")}

    def forward(self, x, train=True):
        out, self.cache = affine_forward(x, self.params["W"], self.params["b"])
        return out

    def backward(self, dout):
        dx, self.grads["W"], self.grads["b"] = affine_backward(dout, self._cache())
        return dx


class _Activation(Layer):
    _forward = None
    _backward = None

    def forward(self, x, train=True):
        out, self.cache = type(self)._forward(x)
        return out

    def backward(self, dout):
        return type(self)._backward(dout, self._cache())


class ReLU(_Activation):
    """ReLU activation ``max(x, 0)``."""

    _forward = staticmethod(relu_forward)
    _backward = staticmethod(relu_backward)


class Sigmoid(_Activation):
    """Sigmoid activation ``1 / (1 + exp(-x))``."""

    _forward = staticmethod(sigmoid_forward)
    _backward = staticmethod(sigmoid_backward)


class Tanh(_Activation):
    """tanh activation."""

    _forward = staticmethod(tanh_forward)
    _backward = staticmethod(tanh_backward)


class BatchNorm(Layer):
    """Batch normalisation with running statistics.

    gamma, beta: (D,) for (N, D) input, or (C,) for images (N, C, H, W) (per channel), or
    (K, 1, D) for a stack of K networks' batches (K, N, D).
    ``running_mean`` starts at 0 and ``running_var`` at 1 (in gamma's dtype); each training
    forward updates ``running = momentum * running + (1 - momentum) * batch`` with the biased
    batch variance. ``forward(x, train=False)`` normalises with the running statistics.
    """

    def __init__(self, gamma, beta, momentum=0.9, eps=1e-5):
        super().__init__()
        self.params = {"gamma": _param(gamma, "gamma", "BatchNorm"),
                       "beta": _param(beta, "beta", "BatchNorm")}
        if gamma.shape != beta.shape or not (gamma.ndim == 1 or (gamma.ndim == 3 and gamma.shape[1] == 1)):
            raise ValueError(
                f"BatchNorm: gamma and beta must both be (D,) (or (K, 1, D) for a stack of K "
                f"networks), got {gamma.shape} and {beta.shape}."
            )
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNorm: momentum must be in [0, 1], got {momentum}.")
        self.momentum = momentum
        self.eps = eps
        self.running_mean = np.zeros_like(gamma)
        self.running_var = np.ones_like(gamma)

    def forward(self, x, train=True):
        gamma, beta = self.params["gamma"], self.params["beta"]
        if not train:
            self.cache = None
            return batchnorm_inference(x, gamma, beta, self.running_mean, self.running_var, self.eps)
        out, self.cache = batchnorm_forward(x, gamma, beta, self.eps)
        m = self.momentum
        self.running_mean = (m * self.running_mean + (1 - m) * self.cache.mean).astype(gamma.dtype)
        self.running_var = (m * self.running_var + (1 - m) * self.cache.var).astype(gamma.dtype)
        return out

    def backward(self, dout):
        dx, self.grads["gamma"], self.grads["beta"] = batchnorm_backward(dout, self._cache())
        return dx


class Dropout(Layer):
    """Inverted dropout; ``ratio`` is the probability of DROPPING a unit.

    rng: the ``numpy.random.Generator`` this layer draws its masks from (required for
    training; may be None for a layer only used with ``train=False``). ``forward(x,
    train=False)`` returns a copy of x. ``self.mask`` holds the last scale factors.
    """

    def __init__(self, ratio=0.5, rng=None):
        super().__init__()
        if not 0.0 <= float(ratio) < 1.0:
            raise ValueError(f"Dropout: ratio must satisfy 0 <= ratio < 1, got {ratio}.")
        if rng is not None:
            check_rng(rng, "Dropout")
        self.ratio = float(ratio)
        self.rng = rng

    @property
    def mask(self):
        return self.cache

    def forward(self, x, train=True):
        if train and self.rng is None:
            raise TypeError(
                "Dropout: this layer has no rng, so it cannot draw a training mask. Construct it "
                "as Dropout(ratio, rng=np.random.default_rng(seed))."
            )
        out, mask = dropout_forward(x, self.ratio, train, self.rng)
        self.cache = mask if train else None
        return out

    def backward(self, dout):
        return dropout_backward(dout, self._cache())


class Conv2d(Layer):
    """Convolution layer around :func:`conv2d_forward`: W: (FN, C, FH, FW), b: (FN,), ``pad`` per side.

    ``forward(x)``: x (N, C, H, W) -> (N, FN, OH, OW); ``backward(dout)`` -> dx, and fills
    ``grads["W"]``, ``grads["b"]``.
    """

    def __init__(self, W, b, stride=1, pad=0):
        super().__init__()
        self.params = {"W": _param(W, "W", "Conv2d"), "b": _param(b, "b", "Conv2d")}
        self.stride, self.pad = int(stride), int(pad)

    def forward(self, x, train=True):
        out, self.cache = conv2d_forward(x, self.params["W"], self.params["b"], self.stride, self.pad)
        return out

    def backward(self, dout):
        dx, self.grads["W"], self.grads["b"] = conv2d_backward(dout, self._cache())
        return dx


class _Pool(Layer):
    _forward = None
    _backward = None

    def __init__(self, pool_h=2, pool_w=2, stride=2):
        super().__init__()
        self.pool_h, self.pool_w, self.stride = int(pool_h), int(pool_w), int(stride)

    def forward(self, x, train=True):
        out, self.cache = type(self)._forward(x, self.pool_h, self.pool_w, self.stride)
        return out

    def backward(self, dout):
        return type(self)._backward(dout, self._cache())


class MaxPool2d(_Pool):
    """Max pooling around :func:`max_pool_forward` (no padding): x (N, C, H, W) -> (N, C, OH, OW)."""

    _forward = staticmethod(max_pool_forward)
    _backward = staticmethod(max_pool_backward)


class AvgPool2d(_Pool):
    """Average pooling around :func:`avg_pool_forward` (no padding): x (N, C, H, W) -> (N, C, OH, OW)."""

    _forward = staticmethod(avg_pool_forward)
    _backward = staticmethod(avg_pool_backward)


class Flatten(Layer):
    """x: (N, ...) -> (N, D) with D the product of the other axes; ``backward`` restores the shape."""

    def forward(self, x, train=True):
        x = np.asarray(x)
        self.cache = x.shape
        return x.reshape(x.shape[0], -1).copy()

    def backward(self, dout):
        shape = self._cache()
        dout = np.asarray(dout)
        if dout.shape != (shape[0], int(np.prod(shape[1:], dtype=np.int64))):
            raise ValueError(f"Flatten.backward: dout must be ({shape[0]}, {int(np.prod(shape[1:]))}) for an input "
                             f"of shape {shape}, got {dout.shape}.")
        return dout.reshape(shape).copy()


class SoftmaxWithLoss(Layer):
    """Softmax followed by mean cross-entropy (the output layer during training).

    ``forward(x, t)`` takes logits x (N, C) and targets t (labels (N,) or one-hot (N, C)) and
    returns the scalar loss; ``backward(dout=1.0)`` returns ``dout * (y - t_onehot) / N``.
    ``self.y`` holds the last softmax probabilities.
    """

    def __init__(self):
        super().__init__()
        self.loss = None

    @property
    def y(self):
        return None if self.cache is None else self.cache.y

    def forward(self, x, t, train=True):
        self.loss, self.cache = softmax_cross_entropy_forward(x, t)
        return self.loss

    def backward(self, dout=1.0):
        return softmax_cross_entropy_backward(dout, self._cache())
