"""Gradient checking (勾配確認): numerical gradients and relative errors.

- :func:`numerical_gradient` central differences of a scalar function, as in the book.
- :func:`relative_error` the CS231n-style element-wise relative error, maximised.
- :func:`check_layer_backward` compares a ``backward`` function with numerical gradients
  of ``loss = sum(forward(...) * dout)`` for a random upstream gradient ``dout``.

A correct backward pass in float64 typically gives relative errors below 1e-7; errors
around 1e-2 or more almost always mean a bug. float32 cannot be checked this precisely
(rounding alone gives ~1e-3), which is why checks run in float64.
"""

from __future__ import annotations

import numpy as np

from .functions import require_float_array

__all__ = ["numerical_gradient", "relative_error", "check_layer_backward"]


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of a scalar function ``f`` at the array ``x``.

    f: called as ``f(x)`` (the book's convention) and must return a scalar; it may also
    ignore its argument and read ``x`` through a closure (``lambda _: net.loss(xb, tb)``),
    because x is perturbed IN PLACE. x: floating ndarray, any shape -> grad: float64, shape of x.

    ``grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2h)``. Each entry is restored exactly
    after use (also when f raises). Differences are evaluated in float64; for a float32 x
    the step actually taken (``fl(x+h) - fl(x-h)``, which rounding makes differ from 2h)
    is used as the denominator, but float32 gradients stay coarse: check in float64.
    """
    require_float_array(x, "x", "numerical_gradient", "it is perturbed in place")
    if not x.flags.writeable:
        raise ValueError("numerical_gradient: x is read-only; pass a writable array (x.copy()).")
    if not h > 0:
        raise ValueError(f"numerical_gradient: the step h must be positive, got {h}.")
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        old = x[idx].copy()
        try:
            x[idx] = np.float64(old) + h
            x_plus = np.float64(x[idx])
            f_plus = _scalar(f(x))
            x[idx] = np.float64(old) - h
            x_minus = np.float64(x[idx])
            f_minus = _scalar(f(x))
        finally:
            x[idx] = old
        grad[idx] = (f_plus - f_minus) / (x_plus - x_minus)
    return grad


def _directional_gradient(forward, work, name, dout, h):
    """Central differences of ``L = sum(forward(**work)[0] * dout)`` with respect to
    ``work[name]``, evaluated as ``sum((out_plus - out_minus) * dout) / (2h)``.

    Mathematically this is ``numerical_gradient`` of L; subtracting the two outputs BEFORE
    summing cancels the outputs that the perturbation does not touch exactly, which removes
    the rounding error of the large sum (about 10x more accurate for convolutions).
    """
    x = work[name]
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        old = x[idx].copy()
        try:
            x[idx] = old + h
            out_plus = np.asarray(forward(**work)[0], dtype=np.float64)
            x[idx] = old - h
            out_minus = np.asarray(forward(**work)[0], dtype=np.float64)
        finally:
            x[idx] = old
        grad[idx] = np.sum((out_plus - out_minus) * dout) / (2 * h)
    return grad


def _scalar(value) -> np.float64:
    arr = np.asarray(value)
    if arr.size != 1:
        raise ValueError(
            f"numerical_gradient: f must return a scalar (the loss), got an array of shape "
            f"{arr.shape}. Sum or average it, e.g. f = lambda x: np.sum(layer(x) * dout)."
        )
    return np.float64(arr.reshape(()))


def relative_error(a, b) -> float:
    """``max_i |a_i - b_i| / max(1e-8, |a_i| + |b_i|)`` for arrays of the same shape.

    0 for identical arrays; about 1e-7 or less means the gradients agree in float64.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(
            f"relative_error: the arrays have different shapes {a.shape} and {b.shape}; a "
            f"gradient must have the shape of the array it belongs to."
        )
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def check_layer_backward(forward, backward, inputs, rng, *, wrt=None, h=1e-5):
    """Compare a layer's backward pass with numerical gradients.

    forward: ``forward(**inputs) -> (out, cache)``; bind other arguments (stride, pad, a
        fixed rng, ...) with a lambda or functools.partial.
    backward: ``backward(dout, cache)`` -> the gradient of each name in ``wrt``, in order
        (a single array when ``wrt`` has one name, else a tuple; extra trailing outputs are
        an error).
    inputs: dict name -> array, e.g. ``{"x": x, "W": W, "b": b}``. The arrays are copied to
        float64 first; the caller's arrays are never modified.
    rng: ``numpy.random.Generator`` that draws the upstream gradient ``dout`` (standard
        normal, the shape of out) once.
    wrt: names whose gradients ``backward`` returns (default: all of ``inputs``, in order).
    h: finite-difference step.

    The scalar checked is ``L = sum(out * dout)``, whose gradient with respect to out is
    exactly ``dout``; a random dout exercises every output entry. Its central differences
    are taken as ``sum((out(x + h e_i) - out(x - h e_i)) * dout) / (2h)`` (the same number
    as ``numerical_gradient`` of L, with less rounding error). Returns a dict
    name -> :func:`relative_error` between backward's and the numerical gradient.

    Keep the inputs small (a few dozen entries): the forward pass runs twice per entry.
    The relative error floors ``|a| + |b|`` at 1e-8, so a gradient entry that happens to be
    tiny (say 1e-4) can show ~1e-7 from rounding alone; use inputs of order 1 and avoid
    kinks (ReLU at 0, ties in max pooling) closer than h.

    Example::

        errs = check_layer_backward(
            lambda x, W, b: conv2d_forward(x, W, b, stride=2, pad=1),
            conv2d_backward, {"x": x, "W": W, "b": b}, np.random.default_rng(0))
        assert max(errs.values()) < 1e-7, errs
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"check_layer_backward: rng must be a numpy.random.Generator, got "
            f"{type(rng).__name__}; use np.random.default_rng(seed)."
        )
    if not h > 0:
        raise ValueError(f"check_layer_backward: the step h must be positive, got {h}.")
    work = {k: np.array(v, dtype=np.float64, copy=True) for k, v in inputs.items()}
    names = list(work) if wrt is None else list(wrt)
    unknown = [n for n in names if n not in work]
    if unknown:
        raise ValueError(f"check_layer_backward: wrt names {unknown} are not keys of inputs {list(work)}.")

    out, cache = forward(**work)
    out = np.asarray(out)
    dout = rng.standard_normal(out.shape)
    if out.ndim == 0:
        dout = np.float64(dout)
    grads = backward(dout, cache)
    if len(names) == 1 and not isinstance(grads, tuple):
        grads = (grads,)
    grads = tuple(grads)
    if len(grads) != len(names):
        raise ValueError(
            f"check_layer_backward: backward returned {len(grads)} gradients but wrt names "
            f"{len(names)} ({names}); pass wrt=... in the order backward returns them."
        )

    errors = {}
    for name, analytic in zip(names, grads):
        analytic = np.asarray(analytic)
        if analytic.shape != work[name].shape:
            raise ValueError(
                f"check_layer_backward: the gradient for {name!r} has shape {analytic.shape} "
                f"but {name} has shape {work[name].shape}; a gradient has its variable's shape."
            )
        numeric = _directional_gradient(forward, work, name, dout, h)
        errors[name] = relative_error(analytic, numeric)
    return errors
