"""MultiLayerNet: a fully connected network with optional batch norm, dropout and weight decay,
composed of the pure functions of :mod:`dlcourse.layers`; one network or a stack of them."""

from __future__ import annotations

import numbers

import numpy as np

from ..functions import activation as check_activation
from ..init import init_weights
from ..layers import BatchNorm, Dropout, activation_layer, affine_backward, affine_forward
from .base import NetBase, check_dtype, check_rng, check_size

__all__ = ["MultiLayerNet"]


class MultiLayerNet(NetBase):
    """Fully connected network for classification (多層パーセプトロン).

    Each hidden layer l = 1 .. L-1 is::

        affine (W_l, b_l) -> batch norm (gamma_l, beta_l; if use_batchnorm)
                          -> activation -> dropout (if dropout_ratio > 0)

    and the last layer is affine (W_L, b_L) -> softmax-cross-entropy.

    Parameters
    ----------
    input_size, output_size: int
        Features per sample (784 for MNIST) and classes (10).
    hidden_sizes: sequence of int
        Widths of the hidden layers, e.g. ``[100, 100]`` (may be empty: softmax regression).
    activation: a name of :data:`dlcourse.functions.ACTIVATIONS`: ``"relu"``, ``"sigmoid"``, ``"tanh"``,
        ``"leaky_relu"`` (slope 0.01), ``"elu"``, ``"selu"`` or ``"gelu"`` (exact). For SELU's
        self-normalising regime use ``weight_init="xavier"`` (the course's 1/sqrt(n_in), LeCun-normal)
        and no batch norm.
    weight_init: ``"he"`` (default), ``"xavier"``, ``"glorot"``, ``"zero"`` or a positive float
        standard deviation such as 0.01, exactly as :func:`dlcourse.init.init_weights`.
        A SEQUENCE of K of those builds a stack of K networks trained side by side (see below).
    weight_decay: float >= 0
        L2 strength lambda: the loss gets ``0.5 * lambda * sum_l sum(W_l**2)`` (weights only,
        not biases or gamma/beta) and each weight gradient ``lambda * W_l``.
    l1_decay: float >= 0
        L1 strength lambda: the loss gets ``lambda * sum_l sum(|W_l|)`` and each weight gradient
        ``lambda * sign(W_l)`` (the subgradient 0 at W = 0).
    use_batchnorm: bool
        Batch norm (``gamma`` = 1, ``beta`` = 0 at the start, running-average momentum 0.9).
    dropout_ratio: float in [0, 1)
        Probability of DROPPING a hidden unit (inverted dropout); 0 switches dropout off.
    rng: numpy.random.Generator or None
        Source of the initial weights and of the dropout masks. ``None`` means a fresh
        ``np.random.default_rng()`` (different every run); pass ``np.random.default_rng(seed)``
        for reproducible experiments. The generator is kept as ``self.rng``.
    dtype: np.float64 (default) or np.float32; parameters, activations, gradients and the loss
        all have this dtype, and inputs are converted to it.

    Attributes
    ----------
    params: dict ``"W1", "b1", ("gamma1", "beta1",) "W2", ...`` -> the arrays the layers
        compute with (not copies): ``optimizer.update(net.params, net.gradient(x, t))`` trains
        the network.
    activations: list of the hidden layers' outputs (after the activation, before dropout),
        shapes ``(N, hidden_sizes[l])``, from the most recent forward pass (``predict``,
        ``loss``, ``accuracy`` or ``gradient``). Histograms of these show vanishing activations.
    batchnorms, dropouts: the :class:`dlcourse.layers.BatchNorm` / ``Dropout`` layer objects
        of the hidden layers (empty lists when switched off); ``batchnorms[l].running_mean``.
    last_loss: loss of the forward pass of the most recent :meth:`gradient` call.

    Per-layer gradient magnitudes: ``net.weight_gradient_norms(net.gradient(x, t))`` gives
    ``[|dW1|, |dW2|, ...]``.

    A stack (``weight_init`` a sequence of K initialisations; ``stack == K``): K networks of this
    shape whose parameters carry a leading axis K (``W1`` (K, D, H1), ``b1`` (K, 1, H1), ...),
    drawn from the same standard normal numbers (member k is exactly the network
    ``weight_init=weight_init[k]`` would build from the same ``rng``). They share every input
    batch; ``loss`` and ``last_loss`` are (K,), ``accuracy`` is (K,), ``predict`` is (K, N, C),
    and the gradient of member k is the gradient of its own loss. An optimizer with one learning
    rate per member (an array of shape (K, 1, 1)) trains K settings at the cost of one network
    with K times wider matrix products.
    """

    def __init__(self, input_size, hidden_sizes, output_size, activation="relu", weight_init="he",
                 weight_decay=0.0, use_batchnorm=False, dropout_ratio=0.0, rng=None, dtype=np.float64,
                 l1_decay=0.0):
        owner = "MultiLayerNet"
        self.input_size = check_size(input_size, "input_size", owner)
        self.output_size = check_size(output_size, "output_size", owner)
        if isinstance(hidden_sizes, numbers.Integral):
            raise ValueError(
                f"{owner}: hidden_sizes must be a list of widths, e.g. [{hidden_sizes}] for one "
                f"hidden layer of {hidden_sizes} units; got the integer {hidden_sizes}."
            )
        self.hidden_sizes = [check_size(h, f"hidden_sizes[{i}]", owner) for i, h in enumerate(hidden_sizes)]
        try:
            check_activation(activation)
        except ValueError as err:
            raise ValueError(f"{owner}: {err}") from None
        self.activation = activation
        self._act_forward, self._act_backward = activation_layer(activation)
        for name, value in (("weight_decay", weight_decay), ("l1_decay", l1_decay)):
            if not np.isfinite(float(value)) or float(value) < 0:
                raise ValueError(f"{owner}: {name} must be a finite number >= 0, got {value!r}.")
        self.weight_decay = float(weight_decay)
        self.l1_decay = float(l1_decay)
        ratio = float(dropout_ratio)
        if not 0.0 <= ratio < 1.0:
            raise ValueError(
                f"{owner}: dropout_ratio is the probability of dropping a unit and must satisfy "
                f"0 <= dropout_ratio < 1, got {dropout_ratio!r}."
            )
        self.dropout_ratio = ratio
        self.use_batchnorm = bool(use_batchnorm)
        self.weight_init = weight_init
        self.rng = check_rng(rng, owner)
        self.dtype = check_dtype(dtype, owner)
        if isinstance(weight_init, (list, tuple, np.ndarray)):
            self.stack = len(weight_init)

        sizes = [self.input_size, *self.hidden_sizes, self.output_size]
        self.n_layers = len(sizes) - 1  # affine layers
        weights = init_weights(sizes, weight_init, self.rng, self.dtype)
        self.params = {}
        self.batchnorms = []
        self.dropouts = []
        for i, (W, b) in enumerate(weights, start=1):
            self.params[f"W{i}"] = W
            self.params[f"b{i}"] = b
            if i < self.n_layers and self.use_batchnorm:
                gamma = np.ones_like(b)       # (H,), or (K, 1, H) for a stack
                beta = np.zeros_like(b)
                self.params[f"gamma{i}"] = gamma
                self.params[f"beta{i}"] = beta
                self.batchnorms.append(BatchNorm(gamma, beta, momentum=0.9))
            if i < self.n_layers and self.dropout_ratio > 0.0:
                self.dropouts.append(Dropout(self.dropout_ratio, rng=self.rng))
        self.activations = []
        self.last_loss = None
        self._caches = None

    # -- helpers -----------------------------------------------------------------------
    def _input(self, x):
        x = self._in_dtype(x)
        if x.ndim != 2:
            if x.ndim >= 2 and int(np.prod(x.shape[1:])) == self.input_size:
                x = x.reshape(x.shape[0], -1)
            else:
                raise ValueError(
                    f"MultiLayerNet: x must be a batch (N, {self.input_size}), got shape {x.shape}. "
                    f"For a single sample use x[None, :] (shape (1, {self.input_size}))."
                )
        if x.shape[1] != self.input_size:
            raise ValueError(
                f"MultiLayerNet: x has {x.shape[1]} features per sample but the network was built "
                f"with input_size={self.input_size}. Flatten images to (N, {self.input_size}) or "
                f"build the network with input_size={x.shape[1]}."
            )
        return x

    def _l2_weights(self):
        return [self.params[f"W{i}"] for i in range(1, self.n_layers + 1)]

    def _save_running_stats(self):
        return [(bn.running_mean.copy(), bn.running_var.copy()) for bn in self.batchnorms]

    def _restore_running_stats(self, saved):
        for bn, (mean, var) in zip(self.batchnorms, saved):
            bn.running_mean, bn.running_var = mean, var

    def keep_members(self, index):
        """A stack: keep only the members ``index`` (indices, or a boolean mask of length K), in
        that order, and drop the others (a training loop drops members whose loss diverged, to
        stop paying for them). Parameters and batch-norm running statistics become NEW arrays:
        an optimizer must follow (``optimizer.keep_members(index)``). Returns the network."""
        if self.stack is None:
            raise ValueError("keep_members: this MultiLayerNet is one network, not a stack.")
        index = np.arange(self.stack)[index]
        for key, p in self.params.items():
            self.params[key] = p[index]
        for i, bn in enumerate(self.batchnorms, start=1):
            bn.params["gamma"], bn.params["beta"] = self.params[f"gamma{i}"], self.params[f"beta{i}"]
            bn.running_mean, bn.running_var = bn.running_mean[index], bn.running_var[index]
        self.weight_init = [self.weight_init[i] for i in index]
        self.stack = len(index)
        return self

    # -- forward / backward ----------------------------------------------------------------
    def _forward(self, x, train, keep):
        p = self.params
        h = x
        activations = []
        caches = []
        for i in range(1, self.n_layers):
            a, affine_cache = affine_forward(h, p[f"W{i}"], p[f"b{i}"], copy=False)
            if self.use_batchnorm:
                a = self.batchnorms[i - 1].forward(a, train=train)
            out, act_cache = self._act_forward(a)
            activations.append(out)
            h = self.dropouts[i - 1].forward(out, train=train) if self.dropouts else out
            caches.append((affine_cache, act_cache))
        L = self.n_layers
        logits, affine_cache = affine_forward(h, p[f"W{L}"], p[f"b{L}"], copy=False)
        caches.append((affine_cache, None))
        self.activations = activations
        self._caches = caches if keep else None
        return logits

    def _backward(self, dlogits):
        p = self.params
        caches = self._caches
        self._caches = None  # they refer to this call's arrays only
        grads = {}
        L = self.n_layers
        d = dlogits
        for i in range(L, 0, -1):
            affine_cache, act_cache = caches[i - 1]
            if i < L:
                if self.dropouts:
                    d = self.dropouts[i - 1].backward(d)
                d = self._act_backward(d, act_cache)
                if self.use_batchnorm:
                    bn = self.batchnorms[i - 1]
                    d = bn.backward(d)
                    grads[f"gamma{i}"] = bn.grads["gamma"]
                    grads[f"beta{i}"] = bn.grads["beta"]
            d, dW, db = affine_backward(d, affine_cache, need_dx=i > 1)
            if self.weight_decay:
                dW += self.weight_decay * p[f"W{i}"]  # a Python float keeps float32 float32
            if self.l1_decay:
                dW += self.l1_decay * np.sign(p[f"W{i}"])
            grads[f"W{i}"] = dW
            grads[f"b{i}"] = db
        # same key order as params
        return {k: grads[k] for k in p}

    def __repr__(self):
        parts = [f"{self.input_size}", *map(str, self.hidden_sizes), f"{self.output_size}"]
        extras = []
        if self.use_batchnorm:
            extras.append("batchnorm")
        if self.dropouts:
            extras.append(f"dropout={self.dropout_ratio}")
        if self.weight_decay:
            extras.append(f"weight_decay={self.weight_decay}")
        if self.l1_decay:
            extras.append(f"l1_decay={self.l1_decay}")
        if self.stack is not None:
            extras.append(f"stack={self.stack}")
        return (f"MultiLayerNet({'-'.join(parts)}, activation={self.activation!r}, "
                f"weight_init={self.weight_init!r}, dtype={self.dtype.name}"
                f"{', ' + ', '.join(extras) if extras else ''})")
