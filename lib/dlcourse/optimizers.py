"""Optimizers (最適化手法 optimization methods): SGD, Momentum, AdaGrad, RMSprop, Adam.

Two interfaces share one implementation of every formula:

- pure single-step functions (the chapter-4 exercises) that return NEW arrays
  and never touch their inputs::

      w, v    = momentum_step(w, g, v, lr, momentum)
      w, h    = adagrad_step(w, g, h, lr, eps)
      w, h    = rmsprop_step(w, g, h, lr, decay_rate, eps)
      w, m, v = adam_step(w, g, m, v, t, lr, beta1, beta2, eps)

- classes ``SGD``, ``Momentum``, ``AdaGrad``, ``RMSprop``, ``Adam`` whose
  ``update(params, grads)`` changes the arrays of ``params`` IN PLACE (the one
  documented exception to "never modify an input": it is what lets
  ``optimizer.update(net.params, grads)`` train a network whose layers hold
  the same arrays). Their state (``v``, ``h``, ``m``) is kept per key of
  ``params`` and created lazily, with the dtype and shape of the parameter,
  on the first update.

Formulas (``w`` weight, ``g = dL/dw``):

- SGD (確率的勾配降下法): ``w -= lr * g``
- Momentum (慣性): ``v = momentum * v - lr * g;  w += v``
- AdaGrad: ``h += g * g;  w -= lr * g / (sqrt(h) + eps)``
- RMSprop: ``h = decay_rate * h + (1 - decay_rate) * g * g;  w -= lr * g / (sqrt(h) + eps)``
- Adam (Kingma & Ba 2015, algorithm 1), ``t = 1, 2, ...``::

      m = beta1 * m + (1 - beta1) * g
      v = beta2 * v + (1 - beta2) * g * g
      m_hat = m / (1 - beta1**t);  v_hat = v / (1 - beta2**t)
      w -= lr * m_hat / (sqrt(v_hat) + eps)

Gradient-norm clipping (勾配クリッピング) acts on a whole gradient dict before any of them:
``clip_grad_norm(grads, max_norm)`` is the pure function, ``ClipGradNorm(optimizer, max_norm)``
wraps an optimizer so that every update is clipped (and records the norm before clipping).

The in-place kernels below (``_*_inplace``) work on preallocated arrays with
``out=`` arguments so that a training step allocates (almost) nothing.

``lr`` is a positive number, or an array of positive numbers that broadcasts against every
parameter: one learning rate per member of a stack of networks (shape ``(K, 1, 1)`` for the
parameters of ``MultiLayerNet(weight_init=[...K initialisations...])``).

Learning-rate schedules (学習率の減衰, chapter 4): ``step_decay(lr0, epoch, drop, every)`` and
``cosine_decay(lr0, t, T, lr_min)`` give the rate of epoch/update number ``t = 0, 1, ...`` (counted
from 0, as PyTorch's schedulers and Keras's schedules do); ``ScheduledOptimizer(optimizer, schedule)``
sets ``optimizer.lr = schedule(t)`` before its ``t``-th update.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "sgd_step",
    "momentum_step",
    "adagrad_step",
    "rmsprop_step",
    "adam_step",
    "Optimizer",
    "SGD",
    "Momentum",
    "AdaGrad",
    "RMSprop",
    "Adam",
    "clip_grad_norm",
    "ClipGradNorm",
    "step_decay",
    "cosine_decay",
    "ScheduledOptimizer",
]


# ----------------------------------------------------------------------------
# argument checks
# ----------------------------------------------------------------------------
def _check_real(value, name: str, *, low=None, high=None, low_open=False, high_open=False) -> float:
    """Return ``value`` as a float if it is a finite real number inside the given bounds."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r} of type {type(value).__name__}.")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}.")
    if low is not None and (value < low or (low_open and value == low)):
        bound = f"> {low}" if low_open else f">= {low}"
        raise ValueError(f"{name} must be {bound}, got {value}.")
    if high is not None and (value > high or (high_open and value == high)):
        bound = f"< {high}" if high_open else f"<= {high}"
        raise ValueError(f"{name} must be {bound}, got {value}.")
    return value


def _check_lr(lr):
    """A positive learning rate, or an array of them (one per member of a stacked network)."""
    if isinstance(lr, np.ndarray) and lr.ndim > 0:
        if lr.dtype.kind not in "fiu" or lr.size == 0 or not np.all(np.isfinite(lr)) or np.any(lr <= 0):
            raise ValueError(f"lr (learning rate) as an array must hold positive finite numbers, got {lr!r}.")
        return lr.astype(np.float64)
    return _check_real(lr, "lr (learning rate)", low=0.0, low_open=True)


def _check_unit(value, name: str) -> float:
    """A decay rate in [0, 1)."""
    return _check_real(value, name, low=0.0, high=1.0, high_open=True)


def _check_eps(eps) -> float:
    return _check_real(eps, "eps", low=0.0)


def _float_copy(a, name: str) -> np.ndarray:
    """A fresh floating-point copy of ``a`` (integers become float64)."""
    arr = np.array(a, copy=True)
    if arr.dtype.kind != "f":
        if arr.dtype.kind not in "biu":
            raise ValueError(f"{name} must be a numeric array, got dtype {arr.dtype}.")
        arr = arr.astype(np.float64)
    return arr


def _fresh(w, g, **states):
    """The pure functions' inputs: a float copy of ``w``, ``g`` checked, and a copy of each state
    array (named by its description) in w's dtype; nothing the caller holds is changed later."""
    w = _float_copy(w, "w")
    g = _check_same_shape(w, g, "g (gradient)")
    return (w, g, *(_check_same_shape(w, s, name).astype(w.dtype, copy=True) for name, s in states.items()))


def _check_same_shape(w: np.ndarray, other, name: str, wname: str = "w") -> np.ndarray:
    other = np.asarray(other)
    if other.shape != w.shape:
        raise ValueError(
            f"{name} must have the shape of {wname} {w.shape}, got {other.shape}. "
            f"Each parameter needs its own gradient/state array of the same shape."
        )
    return other


# ----------------------------------------------------------------------------
# in-place kernels, shared by the pure functions and the classes
# ----------------------------------------------------------------------------
def _sgd_inplace(w, g, lr, buf):
    """w -= lr * g, using ``buf`` (shape of w) as scratch."""
    np.multiply(g, lr, out=buf, casting="same_kind")
    np.subtract(w, buf, out=w)


def _momentum_inplace(w, g, v, lr, momentum, buf):
    """v = momentum * v - lr * g; w += v."""
    np.multiply(g, lr, out=buf, casting="same_kind")
    v *= momentum
    v -= buf
    w += v


def _adaptive_step(w, g, h, lr, eps, buf):
    """w -= lr * g / (sqrt(h) + eps): the step of AdaGrad and RMSprop."""
    np.sqrt(h, out=buf)
    buf += eps
    np.divide(g, buf, out=buf, casting="same_kind")
    buf *= lr
    w -= buf


def _adagrad_inplace(w, g, h, lr, eps, buf):
    """h += g*g; w -= lr * g / (sqrt(h) + eps)."""
    np.multiply(g, g, out=buf, casting="same_kind")
    h += buf
    _adaptive_step(w, g, h, lr, eps, buf)


def _rmsprop_inplace(w, g, h, lr, decay_rate, eps, buf):
    """h = decay_rate*h + (1-decay_rate)*g*g; w -= lr * g / (sqrt(h) + eps)."""
    np.multiply(g, g, out=buf, casting="same_kind")
    buf *= 1.0 - decay_rate
    h *= decay_rate
    h += buf
    _adaptive_step(w, g, h, lr, eps, buf)


def _adam_inplace(w, g, m, v, t, lr, beta1, beta2, eps, buf):
    """One Adam step with bias correction; ``t`` is the step number (1 for the first step).

    m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
    w -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
    """
    # m = beta1 * m + (1 - beta1) * g
    np.multiply(g, 1.0 - beta1, out=buf, casting="same_kind")
    m *= beta1
    m += buf
    # v = beta2 * v + (1 - beta2) * g * g
    np.multiply(g, g, out=buf, casting="same_kind")
    buf *= 1.0 - beta2
    v *= beta2
    v += buf
    # denominator sqrt(v_hat) + eps = sqrt(v) / sqrt(1 - beta2^t) + eps
    np.sqrt(v, out=buf)
    buf *= 1.0 / math.sqrt(1.0 - beta2**t)
    buf += eps
    # w -= (lr / (1 - beta1^t)) * m / denominator
    np.divide(m, buf, out=buf)
    buf *= lr / (1.0 - beta1**t)
    w -= buf


# ----------------------------------------------------------------------------
# pure single-step functions (chapter 4 exercises)
# ----------------------------------------------------------------------------
def sgd_step(w, g, lr):
    """One SGD step, pure: returns the new ``w`` (a new array).

    w, g: any shape, the same. ``w_new = w - lr * g``.
    """
    lr = _check_lr(lr)
    w, g = _fresh(w, g)
    _sgd_inplace(w, g, lr, np.empty_like(w))
    return w


def momentum_step(w, g, v, lr, momentum):
    """One Momentum step, pure: returns new ``(w, v)``.

    w, g, v: any shape, the same (``v`` the velocity, zeros at the start).
    ``v_new = momentum * v - lr * g``; ``w_new = w + v_new``.
    """
    lr = _check_lr(lr)
    momentum = _check_unit(momentum, "momentum")
    w, g, v = _fresh(w, g, **{"v (velocity)": v})
    _momentum_inplace(w, g, v, lr, momentum, np.empty_like(w))
    return w, v


def adagrad_step(w, g, h, lr, eps):
    """One AdaGrad step, pure: returns new ``(w, h)``.

    w, g, h: any shape, the same (``h`` the sum of squared gradients, zeros at the start).
    ``h_new = h + g*g``; ``w_new = w - lr * g / (sqrt(h_new) + eps)``.
    """
    lr = _check_lr(lr)
    eps = _check_eps(eps)
    w, g, h = _fresh(w, g, **{"h (sum of squared gradients)": h})
    _adagrad_inplace(w, g, h, lr, eps, np.empty_like(w))
    return w, h


def rmsprop_step(w, g, h, lr, decay_rate, eps):
    """One RMSprop step, pure: returns new ``(w, h)``.

    w, g, h: any shape, the same (``h`` the running mean of g², zeros at the start).
    ``h_new = decay_rate*h + (1-decay_rate)*g*g``; ``w_new = w - lr * g / (sqrt(h_new) + eps)``.
    """
    lr = _check_lr(lr)
    decay_rate = _check_unit(decay_rate, "decay_rate")
    eps = _check_eps(eps)
    w, g, h = _fresh(w, g, **{"h (running mean of squared gradients)": h})
    _rmsprop_inplace(w, g, h, lr, decay_rate, eps, np.empty_like(w))
    return w, h


def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    """One Adam step (Kingma & Ba, algorithm 1), pure: returns new ``(w, m, v)``.

    w, g, m, v: any shape, the same (``m``, ``v`` zeros at the start).
    t: the number of THIS step, counted from 1 (the first call uses t=1).
    ``m_new = beta1*m + (1-beta1)*g``, ``v_new = beta2*v + (1-beta2)*g*g``,
    ``m_hat = m_new/(1-beta1**t)``, ``v_hat = v_new/(1-beta2**t)``,
    ``w_new = w - lr * m_hat / (sqrt(v_hat) + eps)``.
    """
    if isinstance(t, (bool, np.bool_)) or not isinstance(t, numbers.Integral) or t < 1:
        raise ValueError(
            f"t is the step number and must be an integer >= 1 (the first step is t=1; "
            f"t=0 would divide by 1 - beta**0 = 0), got {t!r}."
        )
    lr = _check_lr(lr)
    beta1 = _check_unit(beta1, "beta1")
    beta2 = _check_unit(beta2, "beta2")
    eps = _check_eps(eps)
    w, g, m, v = _fresh(w, g, **{"m (first moment)": m, "v (second moment)": v})
    _adam_inplace(w, g, m, v, int(t), lr, beta1, beta2, eps, np.empty_like(w))
    return w, m, v


# ----------------------------------------------------------------------------
# classes
# ----------------------------------------------------------------------------
class Optimizer:
    """Base class: ``update(params, grads)`` changes every array of ``params`` in place.

    params: dict name -> float ndarray (e.g. ``net.params``); its arrays are modified.
    grads: dict with (at least) the same keys and arrays of the same shapes.
    A subclass names its in-place kernel (``_kernel(w, g, *states, *counters, lr, *hyper,
    buf)``), the dicts of its per-key state arrays (``_states``, created lazily as zeros with the
    shape and dtype of the parameter) and its hyperparameters after ``lr`` (``_hyper``).
    """

    _kernel = None
    _states: tuple = ()
    _hyper: tuple = ()

    def __init__(self, lr):
        self.lr = _check_lr(lr)
        self._buf: dict = {}
        for name in self._states:
            setattr(self, name, {})

    def _scratch(self, key, w):
        buf = self._buf.get(key)
        if buf is None or buf.shape != w.shape or buf.dtype != w.dtype:
            buf = np.empty_like(w)
            self._buf[key] = buf
        return buf

    @staticmethod
    def _state(store: dict, key, w):
        s = store.get(key)
        if s is None:
            s = np.zeros_like(w)
            store[key] = s
        elif s.shape != w.shape:
            raise ValueError(
                f"Parameter {key!r} changed shape from {s.shape} to {w.shape} between updates; "
                f"use a new optimizer for a new network."
            )
        return s

    def _before_update(self):
        """Hook called once per update (Adam counts its step here)."""

    def _counters(self) -> tuple:
        """Arguments of the kernel between the states and ``lr`` (Adam's step count)."""
        return ()

    def update(self, params, grads):
        """Apply one step to every array in ``params`` (in place) using ``grads``."""
        if not isinstance(params, dict) or not isinstance(grads, dict):
            raise ValueError(
                f"update(params, grads) takes two dicts name -> array (e.g. net.params and "
                f"net.gradient(x, t)), got {type(params).__name__} and {type(grads).__name__}."
            )
        missing = [k for k in params if k not in grads]
        if missing:
            raise ValueError(
                f"grads has no entry for {missing}; it must have the keys of params "
                f"{list(params)}. Did you pass the gradient dict of another network?"
            )
        for key, w in params.items():
            g = grads[key]
            if not isinstance(w, np.ndarray) or w.dtype.kind != "f":
                raise ValueError(
                    f"params[{key!r}] must be a float ndarray that can be changed in place, "
                    f"got {type(w).__name__}{'' if not isinstance(w, np.ndarray) else ' ' + str(w.dtype)}."
                )
            if np.shape(g) != w.shape:
                raise ValueError(
                    f"grads[{key!r}] has shape {np.shape(g)} but params[{key!r}] has shape "
                    f"{w.shape}; a gradient has the shape of its parameter."
                )
        self._before_update()
        hyper = [getattr(self, name) for name in self._hyper]
        for key, w in params.items():
            states = [self._state(getattr(self, name), key, w) for name in self._states]
            type(self)._kernel(w, grads[key], *states, *self._counters(), self.lr, *hyper, self._scratch(key, w))

    def keep_members(self, index):
        """For a stack of networks that keeps only its members ``index`` (see
        ``MultiLayerNet.keep_members``): keep their learning rates (when ``lr`` has one per member)
        and their state, drop the others'."""
        if isinstance(self.lr, np.ndarray) and self.lr.ndim:
            self.lr = self.lr[index]
        for name in self._states:
            store = getattr(self, name)
            for key in store:
                store[key] = store[key][index]
        self._buf.clear()

    def __repr__(self):
        settings = ", ".join(f"{name}={getattr(self, name)}" for name in ("lr", *self._hyper))
        return f"{type(self).__name__}({settings})"


class SGD(Optimizer):
    """Stochastic gradient descent: ``w -= lr * g``."""

    _kernel = staticmethod(_sgd_inplace)

    def __init__(self, lr=0.01):
        super().__init__(lr)


class Momentum(Optimizer):
    """Momentum: ``v = momentum * v - lr * g; w += v`` (``v`` starts at 0, one per key in ``self.v``)."""

    _kernel, _states, _hyper = staticmethod(_momentum_inplace), ("v",), ("momentum",)

    def __init__(self, lr=0.01, momentum=0.9):
        super().__init__(lr)
        self.momentum = _check_unit(momentum, "momentum")


class AdaGrad(Optimizer):
    """AdaGrad: ``h += g*g; w -= lr * g / (sqrt(h) + eps)`` (``h`` per key in ``self.h``)."""

    _kernel, _states, _hyper = staticmethod(_adagrad_inplace), ("h",), ("eps",)

    def __init__(self, lr=0.01, eps=1e-7):
        super().__init__(lr)
        self.eps = _check_eps(eps)


class RMSprop(Optimizer):
    """RMSprop: ``h = decay_rate*h + (1-decay_rate)*g*g; w -= lr * g / (sqrt(h) + eps)``."""

    _kernel, _states, _hyper = staticmethod(_rmsprop_inplace), ("h",), ("decay_rate", "eps")

    def __init__(self, lr=0.01, decay_rate=0.99, eps=1e-7):
        super().__init__(lr)
        self.decay_rate = _check_unit(decay_rate, "decay_rate")
        self.eps = _check_eps(eps)


class Adam(Optimizer):
    """Adam (Kingma & Ba, algorithm 1) with bias correction.

    ``self.t`` counts the updates: it is 0 before the first and 1 during it.
    ``m``, ``v`` per key in ``self.m`` and ``self.v``.
    """

    _kernel, _states, _hyper = staticmethod(_adam_inplace), ("m", "v"), ("beta1", "beta2", "eps")

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr)
        self.beta1 = _check_unit(beta1, "beta1")
        self.beta2 = _check_unit(beta2, "beta2")
        self.eps = _check_eps(eps)
        self.t = 0

    def _before_update(self):
        self.t += 1

    def _counters(self):
        return (self.t,)


# ----------------------------------------------------------------------------
# gradient-norm clipping
# ----------------------------------------------------------------------------
def _global_norm(grads, where, strict=True):
    """(float arrays, their global L2 norm accumulated in float64) of a gradient dict; with ``strict``,
    a NaN/inf norm raises ValueError."""
    if not isinstance(grads, dict) or not grads:
        raise ValueError(f"{where}: grads must be a non-empty dict name -> array (e.g. net.gradient(x, t)), "
                         f"got {type(grads).__name__}.")
    arrays = {}
    for key, g in grads.items():
        g = np.asarray(g)
        if g.dtype.kind != "f":
            raise ValueError(f"{where}: grads[{key!r}] must be a float array, got dtype {g.dtype}.")
        arrays[key] = g
    total = 0.0
    for g in arrays.values():
        flat = g.astype(np.float64, copy=False).ravel()
        total += float(np.dot(flat, flat))
    norm = math.sqrt(total)
    if strict and not math.isfinite(norm):
        bad = [k for k, g in arrays.items() if not np.all(np.isfinite(g))]
        raise ValueError(
            f"{where}: the gradient norm is {norm}"
            + (f" (non-finite entries in {bad})" if bad else " (the squares overflow even float64)")
            + ". Clipping cannot repair a NaN/inf gradient: find the operation that produced it "
            "(an overflowing exp, log(0), a learning rate that is far too high).")
    return arrays, norm


def clip_grad_norm(grads, max_norm):
    """Clip the global norm of a gradient dict. grads: dict name -> float array (any shapes);
    max_norm > 0  ->  (clipped, norm).

    ``norm = sqrt(sum over every array of sum(g**2))``, one norm over all arrays together,
    accumulated in float64 (the squares of float32 entries above about 1.8e19 overflow float32);
    ``clipped[name] = g * min(1, max_norm / norm)``: new arrays of g's dtype, every array scaled by
    the same factor, so the direction of the whole gradient is kept. A zero gradient comes back
    unchanged. ``norm`` (a float) is the norm BEFORE clipping: log it, it is the diagnostic.

    Frameworks: ``torch.nn.utils.clip_grad_norm_`` does the same in place (dividing by
    ``norm + 1e-6``), Keras's ``global_clipnorm`` likewise. A NaN or infinite norm raises
    ``ValueError``: clipping cannot repair a gradient that is already non-finite.
    """
    max_norm = _check_real(max_norm, "max_norm", low=0.0, low_open=True)
    arrays, norm = _global_norm(grads, "clip_grad_norm")
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {k: g * g.dtype.type(scale) for k, g in arrays.items()}, norm


class ClipGradNorm:
    """An optimizer that clips the gradient to a global norm of ``max_norm``, then lets ``optimizer``
    update: ``ClipGradNorm(SGD(lr=0.1), max_norm=1.0).update(params, grads)``.

    ``max_norm=None`` clips nothing and only records. ``norms``: the norm before clipping of every
    update (a list of floats), ``clipped``: how many updates were scaled down. ``lr`` is the wrapped
    optimizer's learning rate. A NaN/inf gradient is recorded and passed on unclipped (clipping
    cannot repair it; the loss becomes NaN and the training loop's divergence stop reports it).
    For one network: a stack of networks would get one norm over all its members.
    """

    def __init__(self, optimizer, max_norm=None):
        if not callable(getattr(optimizer, "update", None)):
            raise TypeError(f"ClipGradNorm wraps an optimizer with update(params, grads), got {type(optimizer).__name__}.")
        self.optimizer = optimizer
        self.max_norm = None if max_norm is None else _check_real(max_norm, "max_norm", low=0.0, low_open=True)
        self.norms: list[float] = []
        self.clipped = 0

    @property
    def lr(self):
        return getattr(self.optimizer, "lr", None)

    def update(self, params, grads):
        """Clip ``grads`` (a new dict; the caller's arrays are untouched), record, then update ``params``."""
        norm = _global_norm(grads, "ClipGradNorm", strict=False)[1]
        if self.max_norm is not None and math.isfinite(norm) and norm > self.max_norm:
            self.clipped += 1
            grads = clip_grad_norm(grads, self.max_norm)[0]
        self.norms.append(norm)
        self.optimizer.update(params, grads)

    def __repr__(self):
        return f"ClipGradNorm({self.optimizer!r}, max_norm={self.max_norm})"


# ----------------------------------------------------------------------------
# learning-rate schedules (学習率の減衰)
# ----------------------------------------------------------------------------
def _check_counter(value, name: str):
    """An epoch/update counter: a real number >= 0, or an array of them (returned as float64)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "fiu" or not np.all(np.isfinite(value)) or np.any(value < 0):
            raise ValueError(f"{name} must hold finite numbers >= 0 (counted from 0), got {value!r}.")
        return value.astype(np.float64)
    return _check_real(value, f"{name} (counted from 0)", low=0.0)


def step_decay(lr0, epoch, drop, every):
    """Step decay: the rate of epoch ``epoch`` (counted from 0) when the rate is multiplied by ``drop``
    once every ``every`` epochs.

    lr0 > 0; epoch >= 0 (a number, or an array of them); 0 < drop <= 1; every > 0.

        lr = lr0 * drop ** floor(epoch / every)

    Epochs 0 .. every-1 use lr0. PyTorch's ``StepLR(optimizer, step_size=every, gamma=drop)`` gives
    the same rates when ``scheduler.step()`` is called once at the end of every epoch; Keras's
    ``ExponentialDecay(lr0, every, drop, staircase=True)`` too, with ``epoch`` counting optimizer steps.
    Returns a float (an array of the shape of ``epoch`` for an array).
    """
    lr0 = _check_real(lr0, "lr0 (the rate of the first epochs)", low=0.0, low_open=True)
    epoch = _check_counter(epoch, "epoch")
    drop = _check_real(drop, "drop (the factor the rate is multiplied by)", low=0.0, high=1.0, low_open=True)
    every = _check_real(every, "every (epochs between two drops)", low=0.0, low_open=True)
    return lr0 * drop ** np.floor(epoch / every) if isinstance(epoch, np.ndarray) else \
        lr0 * drop ** math.floor(epoch / every)


def cosine_decay(lr0, t, T, lr_min=0.0):
    """Cosine decay: half a cosine from ``lr0`` at ``t = 0`` down to ``lr_min`` at ``t = T``, then
    ``lr_min`` for every ``t >= T`` (this course's convention, as Keras's ``CosineDecay``).

    lr0 >= lr_min >= 0; t >= 0 (a number, or an array of them); T > 0.

        lr = lr_min + (lr0 - lr_min) * (1 + cos(pi * min(t, T) / T)) / 2

    PyTorch's ``CosineAnnealingLR(optimizer, T_max=T, eta_min=lr_min)`` gives the same rates for
    ``t <= T`` but does not stop there: stepped further, its rate climbs back up to ``lr0`` at ``2T``
    (the cosine is periodic). Returns a float (an array of the shape of ``t`` for an array).
    """
    lr0 = _check_real(lr0, "lr0 (the rate at t = 0)", low=0.0)
    lr_min = _check_real(lr_min, "lr_min (the rate from t = T on)", low=0.0)
    if lr_min > lr0:
        raise ValueError(f"lr_min ({lr_min}) must not exceed lr0 ({lr0}): the schedule decays from lr0 to lr_min.")
    t = _check_counter(t, "t")
    T = _check_real(T, "T (the number of updates of the decay)", low=0.0, low_open=True)
    if isinstance(t, np.ndarray):
        return lr_min + (lr0 - lr_min) * 0.5 * (1.0 + np.cos(np.pi * np.minimum(t, T) / T))
    return lr_min + (lr0 - lr_min) * 0.5 * (1.0 + math.cos(math.pi * min(t, T) / T))


class ScheduledOptimizer:
    """An optimizer whose learning rate follows a schedule: before its update number ``t``
    (0, 1, 2, ...), ``optimizer.lr = schedule(t)``; then the optimizer's own update.

    ``schedule`` is a function of ``t`` returning a finite rate >= 0, for example
    ``lambda t: cosine_decay(0.3, t, 200)``. ``t`` counts the updates made so far, ``rates`` lists
    the rate of each. The state of the wrapped optimizer (velocity, moments, Adam's step count) is
    kept: only the learning rate changes. Works wherever an optimizer does
    (``update(params, grads)``).
    """

    def __init__(self, optimizer, schedule):
        if not hasattr(optimizer, "update") or not hasattr(optimizer, "lr"):
            raise ValueError(f"optimizer must be an optimizer with .lr and .update(params, grads) (e.g. SGD(0.1)), "
                             f"got {type(optimizer).__name__}.")
        if not callable(schedule):
            raise ValueError(f"schedule must be a function of the update number t = 0, 1, ... returning the "
                             f"learning rate, got {type(schedule).__name__}.")
        self.optimizer = optimizer
        self.schedule = schedule
        self.t = 0
        self.rates: list[float] = []

    @property
    def lr(self):
        """The rate of the last update (the optimizer's own rate before the first)."""
        return self.optimizer.lr

    def update(self, params, grads):
        rate = self.schedule(self.t)
        rate = _check_real(rate, f"the schedule's learning rate at t = {self.t}", low=0.0)
        self.optimizer.lr = rate
        self.rates.append(rate)
        self.t += 1
        self.optimizer.update(params, grads)

    def keep_members(self, index):
        """Pass on to the wrapped optimizer which members of a stacked network survive (see dlcourse.train)."""
        if hasattr(self.optimizer, "keep_members"):
            self.optimizer.keep_members(index)

    def __repr__(self):
        return f"ScheduledOptimizer({self.optimizer!r}, t={self.t})"
