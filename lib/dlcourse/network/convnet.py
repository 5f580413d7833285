"""SimpleConvNet: conv - relu - max pool - affine - relu - affine - softmax (the CNN chapter),
composed of the pure functions of :mod:`dlcourse.layers`."""

from __future__ import annotations

import numpy as np

from ..cnn import conv_output_size
from ..init import init_weights, weight_std
from ..layers import (
    affine_backward,
    affine_forward,
    conv2d_backward,
    conv2d_forward,
    max_pool_backward,
    max_pool_forward,
    relu_backward,
    relu_forward,
)
from .base import NetBase, check_dtype, check_rng, check_size

__all__ = ["SimpleConvNet"]

_DEFAULT_CONV = {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1}


class SimpleConvNet(NetBase):
    """A small convolutional network (畳み込みニューラルネットワーク)::

        x (N, C, H, W) -> conv (W1: (FN, C, FS, FS), b1: (FN,); stride, pad) -> ReLU
          -> max pool 2x2, stride 2 -> flatten (N, FN*PH*PW)
          -> affine (W2, b2) -> ReLU -> affine (W3, b3) -> softmax-cross-entropy

    with ``OH = (H + 2*pad - FS) / stride + 1`` (likewise OW) and ``PH = OH / 2``.

    Parameters
    ----------
    input_dim: (C, H, W), default (1, 28, 28).
    conv_param: dict with ``filter_num`` (FN), ``filter_size`` (FS), ``pad`` (per side) and
        ``stride``; missing keys take the defaults 30, 5, 0, 1.
    hidden_size, output_size: widths of the two affine layers (100, 10).
    weight_init: as :func:`dlcourse.init.init_weights` (``"he"``, ``"xavier"``, ``"glorot"``,
        ``"zero"`` or a float std). For the convolution ``n_in = C*FS*FS`` and
        ``n_out = FN*FS*FS``.
    rng: numpy.random.Generator, or None for a fresh ``np.random.default_rng()``.
    dtype: np.float64 or np.float32 (everything, including the loss, stays in this dtype).

    ``params`` holds ``W1, b1, W2, b2, W3, b3`` (the arrays used by the forward pass).
    ``activations`` after a forward pass: ``[conv output after ReLU (N, FN, OH, OW),
    hidden layer output (N, hidden_size)]``.
    """

    def __init__(self, input_dim=(1, 28, 28), conv_param=None, hidden_size=100, output_size=10,
                 weight_init="he", rng=None, dtype=np.float64):
        owner = "SimpleConvNet"
        if len(tuple(input_dim)) != 3:
            raise ValueError(f"{owner}: input_dim must be (C, H, W), got {input_dim!r}.")
        c, h, w = (check_size(v, f"input_dim[{i}]", owner) for i, v in enumerate(input_dim))
        cp = dict(_DEFAULT_CONV)
        if conv_param is not None:
            unknown = set(conv_param) - set(_DEFAULT_CONV)
            if unknown:
                raise ValueError(
                    f"{owner}: unknown conv_param keys {sorted(unknown)}; use {sorted(_DEFAULT_CONV)}."
                )
            cp.update(conv_param)
        fn = check_size(cp["filter_num"], "conv_param['filter_num']", owner)
        fs = check_size(cp["filter_size"], "conv_param['filter_size']", owner)
        stride = check_size(cp["stride"], "conv_param['stride']", owner)
        pad = int(cp["pad"])
        if pad < 0:
            raise ValueError(f"{owner}: conv_param['pad'] must be >= 0, got {cp['pad']!r}.")
        oh = conv_output_size(h, fs, stride, pad)
        ow = conv_output_size(w, fs, stride, pad)
        if oh % 2 or ow % 2:
            raise ValueError(
                f"{owner}: the convolution output is {oh}x{ow}, which a 2x2 pooling with stride 2 "
                f"cannot tile; choose filter_size/pad/stride so that both sides are even "
                f"(e.g. 28x28 input, 5x5 filter, pad 0 -> 24x24)."
            )
        self.input_dim = (c, h, w)
        self.conv_param = {"filter_num": fn, "filter_size": fs, "pad": pad, "stride": stride}
        self.hidden_size = check_size(hidden_size, "hidden_size", owner)
        self.output_size = check_size(output_size, "output_size", owner)
        self.weight_init = weight_init
        self.rng = check_rng(rng, owner)
        self.dtype = check_dtype(dtype, owner)
        pool_size = fn * (oh // 2) * (ow // 2)

        std = weight_std(weight_init, c * fs * fs, fn * fs * fs)
        if std == 0.0:
            W1 = np.zeros((fn, c, fs, fs), dtype=self.dtype)
        else:
            W1 = (self.rng.standard_normal((fn, c, fs, fs)) * std).astype(self.dtype)
        (W2, b2), (W3, b3) = init_weights([pool_size, self.hidden_size, self.output_size],
                                          weight_init, self.rng, self.dtype)
        self.params = {"W1": W1, "b1": np.zeros(fn, dtype=self.dtype),
                       "W2": W2, "b2": b2, "W3": W3, "b3": b3}
        self.activations = []
        self.last_loss = None
        self._caches = None

    def _input(self, x):
        x = self._in_dtype(x)
        c, h, w = self.input_dim
        if x.ndim == 2 and x.shape[1] == c * h * w:
            x = x.reshape(-1, c, h, w)  # flattened MNIST rows
        if x.ndim != 4 or x.shape[1:] != (c, h, w):
            raise ValueError(
                f"SimpleConvNet: x must be images (N, {c}, {h}, {w}) (or rows (N, {c * h * w})), "
                f"got shape {x.shape}. Load MNIST with flatten=False or reshape(-1, {c}, {h}, {w})."
            )
        return x

    def _l2_weights(self):
        return [self.params["W1"], self.params["W2"], self.params["W3"]]

    def _forward(self, x, train, keep):
        p = self.params
        stride, pad = self.conv_param["stride"], self.conv_param["pad"]
        a, conv_cache = conv2d_forward(x, p["W1"], p["b1"], stride, pad)       # (N, FN, OH, OW)
        conv, relu1_cache = relu_forward(a)
        pooled, pool_cache = max_pool_forward(conv, 2, 2, 2)                    # (N, FN, OH/2, OW/2)
        a2, affine2_cache = affine_forward(pooled, p["W2"], p["b2"], copy=False)  # flattened per sample
        hid, relu2_cache = relu_forward(a2)
        logits, affine3_cache = affine_forward(hid, p["W3"], p["b3"], copy=False)
        self.activations = [conv, hid]
        self._caches = (conv_cache, relu1_cache, pool_cache, affine2_cache, relu2_cache, affine3_cache) if keep else None
        return logits

    def _backward(self, dlogits):
        conv_cache, relu1_cache, pool_cache, affine2_cache, relu2_cache, affine3_cache = self._caches
        self._caches = None
        dh, dW3, db3 = affine_backward(dlogits, affine3_cache)
        dpooled, dW2, db2 = affine_backward(relu_backward(dh, relu2_cache), affine2_cache)
        dconv = max_pool_backward(dpooled, pool_cache)
        _, dW1, db1 = conv2d_backward(relu_backward(dconv, relu1_cache), conv_cache, need_dx=False)
        return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2, "W3": dW3, "b3": db3}

    def __repr__(self):
        c, h, w = self.input_dim
        cp = self.conv_param
        return (f"SimpleConvNet(input_dim=({c}, {h}, {w}), filters={cp['filter_num']}x"
                f"{cp['filter_size']}x{cp['filter_size']}, stride={cp['stride']}, pad={cp['pad']}, "
                f"hidden={self.hidden_size}, output={self.output_size}, dtype={self.dtype.name})")
