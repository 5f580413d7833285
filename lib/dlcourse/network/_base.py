"""What MultiLayerNet and SimpleConvNet share: lean kernels, inputs, targets, gradient checks.

Lean kernels
------------
A network's ``gradient(x, t)`` runs its forward pass and its backward pass inside ONE call,
so the intermediate arrays it creates are private to that call. The kernels below use that:
their caches hold references (not copies) to ``x`` and ``W``, and the backward functions work
in place on upstream gradients that the network itself has just created. Outside such a
call use the safe, copying functions of :mod:`dlcourse.layers`; the tests check that both
give the same numbers.

- ``dense_forward(x, W, b) -> (out, (x, W))``: ``out = x @ W + b``; x: (N, D), W: (D, M).
- ``dense_backward(dout, cache, need_dx) -> (dx | None, dW, db)``: ``dW = x.T @ dout``,
  ``db = sum_n dout``, ``dx = dout @ W.T`` (skipped for the first layer, whose dx nobody
  needs: that saves a third of the work of a 784-100 layer).
- activations ``forward(a) -> out`` (may overwrite ``a``, which must be a fresh array) and
  ``backward_(dout, out)`` (multiplies ``dout`` in place by the derivative written with the
  OUTPUT: ReLU ``out > 0``, sigmoid ``out * (1 - out)``, tanh ``1 - out**2``).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..functions import sigmoid
from ..gradcheck import numerical_gradient as _numerical_gradient
from ..layers import softmax_cross_entropy_forward

__all__ = ["ACTIVATIONS", "dense_forward", "dense_backward", "softmax_ce_with_grad", "NetBase"]


# ----------------------------------------------------------------------------- kernels
def dense_forward(x, W, b):
    """x: (N, D), W: (D, M), b: (M,) -> out: (N, M) = x @ W + b (a new array), cache (x, W)."""
    out = x @ W
    out += b
    return out, (x, W)


def dense_backward(dout, cache, need_dx=True):
    """dout: (N, M) -> dx: (N, D) or None, dW: (D, M) = x.T @ dout, db: (M,) = sum_n dout."""
    x, W = cache
    dW = x.T @ dout
    db = np.add.reduce(dout, axis=0)  # (the .sum method adds a Python-level wrapper)
    dx = dout @ W.T if need_dx else None
    return dx, dW, db


def _relu_forward(a):
    return np.maximum(a, 0, out=a)


def _relu_backward_(dout, out):
    # ReLU's output is positive exactly where its input was: no need to keep the input.
    np.multiply(dout, out > 0, out=dout)


def _sigmoid_forward(a):
    return sigmoid(a)


def _sigmoid_backward_(dout, out):
    d = 1 - out
    d *= out
    dout *= d


def _tanh_forward(a):
    return np.tanh(a, out=a)


def _tanh_backward_(dout, out):
    d = out * out
    np.subtract(1, d, out=d)
    dout *= d


def softmax_ce_with_grad(logits, t):
    """Fused softmax-cross-entropy: loss and its gradient in one pass over the logits.

    logits: (N, C), a fresh array that is overwritten (it becomes dlogits); t: labels (N,)
    (already checked to be integers) or one-hot (N, C). Returns ``(loss, dlogits)`` with
    ``loss = mean_n (log sum_k exp z_nk - sum_k t_nk z_nk)``, ``z = logits - max_k logits``
    (log-sum-exp, finite for any finite logits) and ``dlogits = (softmax(logits) - t) / N``,
    the same numbers as :func:`dlcourse.layers.softmax_cross_entropy_forward` / ``_backward``.
    """
    n, c = logits.shape
    z = logits
    z -= z.max(axis=1, keepdims=True)
    with np.errstate(under="ignore"):
        e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    log_s = np.log(s)
    scale = z.dtype.type(1.0 / n)
    if t.ndim == 1:
        if n and (t.min() < 0 or t.max() >= c):
            raise ValueError(
                f"labels must lie in 0..{c - 1} ({c} output units) but t ranges from {t.min()} "
                f"to {t.max()}. Check output_size or whether the labels are 1-based."
            )
        rows = np.arange(n)
        loss = (log_s.sum() - z[rows, t].sum()) * scale
        e /= s
        e[rows, t] -= 1
    else:
        t = t.astype(z.dtype, copy=False)
        # sum_k t_nk (log s_n - z_nk); rows of t normally sum to 1
        loss = ((log_s * t).sum() - (t * z).sum()) * scale
        e /= s
        e -= t
    e *= scale
    return z.dtype.type(loss), e


#: name -> (forward(a) -> out, backward_(dout, out) in place)
ACTIVATIONS = {
    "relu": (_relu_forward, _relu_backward_),
    "sigmoid": (_sigmoid_forward, _sigmoid_backward_),
    "tanh": (_tanh_forward, _tanh_backward_),
}


# ----------------------------------------------------------------------------- base class
def _check_rng(rng, owner: str) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"{owner}: rng must be a numpy.random.Generator or None, got {type(rng).__name__}. "
            f"Make one with rng=np.random.default_rng(0) (any integer seed) for reproducible runs."
        )
    return rng


def _check_dtype(dtype, owner: str) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise ValueError(f"{owner}: dtype must be np.float32 or np.float64, got {dtype!r}.") from err
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"{owner}: dtype must be np.float32 or np.float64, got {dt}.")
    return dt


def _check_size(value, name: str, owner: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}.")
    return int(value)


class NetBase:
    """Shared behaviour. Subclasses set ``params``, ``dtype``, ``rng``, ``output_size`` and
    implement ``_forward(x, train, keep)`` (returns logits; ``keep`` asks it to keep what
    backward needs), ``_backward(dlogits)`` (returns the gradient dict), ``_input(x)`` and
    ``_l2_weights()`` (the arrays the weight-decay term covers)."""

    weight_decay = 0.0

    # -- inputs and targets ------------------------------------------------------------
    def _targets(self, t, n: int):
        """Labels (n,) or one-hot (n, C); returns t unchanged (the loss checks values)."""
        t = np.asarray(t)
        c = self.output_size
        if t.ndim == 1:
            if t.shape[0] != n:
                raise ValueError(
                    f"{type(self).__name__}: x has {n} samples but t has {t.shape[0]} labels; "
                    f"x and t must come from the same mini-batch (same index array)."
                )
            if not np.issubdtype(t.dtype, np.integer):
                raise ValueError(
                    f"{type(self).__name__}: labels t must be integers (got dtype {t.dtype}); "
                    f"use t.astype(np.int64), or pass one-hot targets of shape ({n}, {c})."
                )
            return t
        if t.ndim == 2:
            if t.shape != (n, c):
                raise ValueError(
                    f"{type(self).__name__}: one-hot t must have shape ({n}, {c}) for {n} samples "
                    f"and {c} classes, got {t.shape}."
                )
            return t
        raise ValueError(
            f"{type(self).__name__}: t must be integer labels (N,) or one-hot (N, {c}), got shape {t.shape}."
        )

    def _l2_term(self):
        if self.weight_decay == 0.0:
            return 0.0
        total = 0.0
        for W in self._l2_weights():
            total += float(np.vdot(W, W))
        return 0.5 * self.weight_decay * total

    # -- public interface ----------------------------------------------------------------
    def predict(self, x, train=False):
        """Logits (N, output_size) in the network's dtype (no softmax).

        ``train=False`` (default): dropout off, batch norm uses its running statistics.
        """
        return self._forward(self._input(x), train, keep=False)

    def loss(self, x, t, train=True):
        """Mean softmax cross-entropy of the batch plus ``0.5 * weight_decay * sum(W**2)``.

        t: integer labels (N,) or one-hot (N, C). ``train=True`` (the default, as in the
        book) means dropout draws masks and batch norm uses (and updates the running averages
        with) batch statistics; pass ``train=False`` to monitor a test set.
        """
        x = self._input(x)
        t = self._targets(t, x.shape[0])
        logits = self._forward(x, train, keep=False)
        data_loss, _ = softmax_cross_entropy_forward(logits, t)
        return data_loss + logits.dtype.type(self._l2_term())

    def accuracy(self, x, t, batch_size=None):
        """Fraction of samples whose largest logit is the true class (test mode, a float).

        t: labels (N,) or one-hot (N, C). ``batch_size`` (optional) evaluates in chunks to
        bound the memory of big test sets.
        """
        x = self._input(x)
        t = self._targets(t, x.shape[0])
        labels = t if t.ndim == 1 else np.argmax(t, axis=1)
        n = x.shape[0]
        if n == 0:
            raise ValueError(f"{type(self).__name__}.accuracy: the batch is empty.")
        step = n if batch_size is None else _check_size(batch_size, "batch_size", "accuracy")
        correct = 0
        for i in range(0, n, step):
            pred = np.argmax(self._forward(x[i : i + step], False, keep=False), axis=1)
            correct += int(np.count_nonzero(pred == labels[i : i + step]))
        return correct / n

    def gradient(self, x, t):
        """Gradients of :meth:`loss` (train mode) by backpropagation: a dict with the keys of
        ``params``, arrays of the same shapes and dtype. The weight-decay term adds
        ``weight_decay * W`` to each weight gradient. ``self.last_loss`` holds the loss of
        this forward pass (so a training loop needs no second forward)."""
        x = self._input(x)
        t = self._targets(t, x.shape[0])
        logits = self._forward(x, True, keep=True)
        try:
            data_loss, dlogits = softmax_ce_with_grad(logits, t)
        except ValueError as err:
            self._caches = None
            raise ValueError(f"{type(self).__name__}.gradient: {err}") from None
        grads = self._backward(dlogits)
        self.last_loss = data_loss + logits.dtype.type(self._l2_term())
        return grads

    def _random_state(self):
        """Everything a training-mode forward changes besides the parameters."""
        return self.rng.bit_generator.state

    def _set_random_state(self, state):
        self.rng.bit_generator.state = state

    def numerical_gradient(self, x, t, h=1e-5):
        """Central-difference gradients of :meth:`loss` (train mode) for every parameter,
        via :func:`dlcourse.gradcheck.numerical_gradient`: a dict like :meth:`gradient`.

        Dropout: every one of the ~2 * (number of parameters) loss evaluations starts from
        the state ``self.rng`` had when this method was called, so all of them use the SAME
        masks, the ones a ``gradient(x, t)`` call from that state draws. To compare::

            state = net.rng.bit_generator.state
            grads = net.gradient(x, t)
            net.rng.bit_generator.state = state
            num = net.numerical_gradient(x, t)

        Afterwards the rng is where one forward pass leaves it, and batch-norm running
        statistics are restored (the many evaluations do not move them). Slow: use tiny
        networks, float64 (float32 rounding makes differences meaningless).
        """
        x = self._input(x)
        t = self._targets(t, x.shape[0])
        start = self._random_state()
        saved = self._save_running_stats()

        def f(_):
            self._set_random_state(start)
            return self.loss(x, t, train=True)

        try:
            grads = {
                key: _numerical_gradient(f, p, h).astype(p.dtype, copy=False)
                for key, p in self.params.items()
            }
        finally:
            self._restore_running_stats(saved)
        return grads

    def _save_running_stats(self):
        return None

    def _restore_running_stats(self, saved):
        pass

    @staticmethod
    def weight_gradient_norms(grads):
        """Frobenius norm of each weight gradient, in layer order: ``[|dW1|, |dW2|, ...]``.

        grads: a dict from :meth:`gradient`. Vanishing gradients (勾配消失) show up as norms
        that shrink towards the first layer.
        """
        norms = []
        i = 1
        while f"W{i}" in grads:
            norms.append(float(np.linalg.norm(grads[f"W{i}"])))
            i += 1
        return norms
