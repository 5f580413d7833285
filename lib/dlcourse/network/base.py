"""What MultiLayerNet and SimpleConvNet share: argument checks, targets, loss, accuracy,
gradient, numerical gradient.

A network subclass implements ``_input(x)`` (checks and converts a batch), ``_forward(x,
train, keep)`` (logits; with ``keep`` it keeps the caches its ``_backward(dlogits)`` needs)
and ``_l2_weights()``, by composing the pure functions of :mod:`dlcourse.layers`. Inside
one ``gradient`` call the parameters and the batch stay unchanged from the forward to the
backward pass, so the networks ask the affine layer for caches by reference
(``affine_forward(..., copy=False)``) and skip the input gradient of the first layer
(``affine_backward(..., need_dx=False)``), which nobody needs.

A network may be a STACK of K members of the same shape (``MultiLayerNet`` with a sequence of
initialisations): parameters with a leading axis K, ``loss`` and ``last_loss`` of shape (K,),
``accuracy`` (K,), and ``predict`` (K, N, C). The members share the input batch and the
targets; their gradients are their own.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..gradcheck import numerical_gradient as central_differences
from ..layers import softmax_cross_entropy_backward, softmax_cross_entropy_forward

__all__ = ["NetBase", "check_dtype", "check_rng", "check_size"]


# ----------------------------------------------------------------------------- base class
def check_rng(rng, owner: str) -> np.random.Generator:
    """``rng`` itself, or a fresh ``np.random.default_rng()`` for None; a ValueError otherwise."""
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"{owner}: rng must be a numpy.random.Generator or None, got {type(rng).__name__}. "
            f"Make one with rng=np.random.default_rng(0) (any integer seed) for reproducible runs."
        )
    return rng


def check_dtype(dtype, owner: str) -> np.dtype:
    """float32 or float64 as a ``np.dtype``; a ValueError otherwise."""
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise ValueError(f"{owner}: dtype must be np.float32 or np.float64, got {dtype!r}.") from err
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"{owner}: dtype must be np.float32 or np.float64, got {dt}.")
    return dt


def check_size(value, name: str, owner: str) -> int:
    """A positive integer; a ValueError naming ``name`` otherwise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}.")
    return int(value)


class NetBase:
    """Shared behaviour. Subclasses set ``params``, ``dtype``, ``rng``, ``output_size`` and
    implement ``_forward(x, train, keep)`` (returns logits; ``keep`` asks it to keep what
    backward needs), ``_backward(dlogits)`` (returns the gradient dict), ``_input(x)`` and
    ``_l2_weights()`` (the arrays the weight-decay term covers)."""

    weight_decay = 0.0
    l1_decay = 0.0
    stack = None  # K for a stack of K networks

    # -- inputs and targets ------------------------------------------------------------
    def _in_dtype(self, x):
        """x as an array of the network's dtype (numbers only)."""
        x = np.asarray(x)
        if x.dtype != self.dtype:
            if not (np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_):
                raise ValueError(f"{type(self).__name__}: x must be numeric, got dtype {x.dtype}.")
            x = x.astype(self.dtype)
        return x

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

    def _penalty(self):
        """``0.5 * weight_decay * sum(W**2) + l1_decay * sum(|W|)``: a float, or (K,) for a stack."""
        total = 0.0
        for W in self._l2_weights():
            if self.stack is not None:
                total = total + 0.5 * self.weight_decay * np.einsum("kij,kij->k", W, W)
                total = total + self.l1_decay * np.abs(W).sum(axis=(1, 2))
            else:
                total += 0.5 * self.weight_decay * float(np.vdot(W, W)) + self.l1_decay * float(np.abs(W).sum())
        return total

    def _with_penalty(self, data_loss, dtype):
        """The data loss plus the weight-decay terms, in the network's dtype."""
        if self.weight_decay == 0.0 and self.l1_decay == 0.0:
            return data_loss
        penalty = self._penalty()
        return data_loss + (penalty.astype(dtype) if self.stack is not None else dtype.type(penalty))

    # -- public interface ----------------------------------------------------------------
    def predict(self, x, train=False):
        """Logits (N, output_size) in the network's dtype (no softmax).

        ``train=False`` (default): dropout off, batch norm uses its running statistics.
        """
        return self._forward(self._input(x), train, keep=False)

    def loss(self, x, t, train=True):
        """Mean softmax cross-entropy of the batch plus ``0.5 * weight_decay * sum(W**2)``
        (and ``l1_decay * sum(|W|)``).

        t: integer labels (N,) or one-hot (N, C). ``train=True`` (the default, as in the
        book) means dropout draws masks and batch norm uses (and updates the running averages
        with) batch statistics; pass ``train=False`` to monitor a test set.
        """
        x = self._input(x)
        t = self._targets(t, x.shape[0])
        logits = self._forward(x, train, keep=False)
        data_loss, _ = softmax_cross_entropy_forward(logits, t)
        return self._with_penalty(data_loss, logits.dtype)

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
        step = n if batch_size is None else check_size(batch_size, "batch_size", "accuracy")
        correct = 0
        for i in range(0, n, step):
            pred = np.argmax(self._forward(x[i : i + step], False, keep=False), axis=-1)
            correct += np.count_nonzero(pred == labels[i : i + step], axis=-1)
        return correct / n if self.stack is not None else int(correct) / n

    def gradient(self, x, t):
        """Gradients of :meth:`loss` (train mode) by backpropagation: a dict with the keys of
        ``params``, arrays of the same shapes and dtype. The weight-decay term adds
        ``weight_decay * W`` to each weight gradient. ``self.last_loss`` holds the loss of
        this forward pass (so a training loop needs no second forward)."""
        x = self._input(x)
        t = self._targets(t, x.shape[0])
        logits = self._forward(x, True, keep=True)
        try:
            data_loss, cache = softmax_cross_entropy_forward(logits, t)
        except ValueError as err:
            self._caches = None
            raise ValueError(f"{type(self).__name__}.gradient: {err}") from None
        grads = self._backward(softmax_cross_entropy_backward(1.0, cache))
        self.last_loss = self._with_penalty(data_loss, logits.dtype)
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
            return np.sum(self.loss(x, t, train=True))  # a stack: the members' sum

        try:
            grads = {
                key: central_differences(f, p, h).astype(p.dtype, copy=False)
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
