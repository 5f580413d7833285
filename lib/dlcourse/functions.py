"""Activations, softmax and losses (活性化関数 activation functions, 損失関数 loss functions).

Every function here

- accepts NumPy arrays (or anything ``np.asarray`` understands),
- keeps a floating dtype (float32 in -> float32 out); integer or boolean input is
  computed in float64,
- never modifies its inputs,
- is numerically safe for extreme but valid inputs (no overflow, no NumPy warnings):
  the sigmoid never evaluates ``exp`` of a positive number, ELU and SELU only ever take
  ``exp`` of ``min(x, 0)``, softmax subtracts the row maximum, and the fused
  softmax-cross-entropy uses log-sum-exp.

Losses return a NumPy scalar of the input's dtype (``np.float32`` or ``np.float64``).

Conventions for classification targets ``t``: integer class labels ``(N,)`` with values
in ``0 .. C-1``, or one-hot rows ``(N, C)`` (soft targets whose rows sum to 1 also work).

:data:`ACTIVATIONS` is the one table of the hidden-layer activations: each name maps to the
function, its derivative at the PRE-activation, and the range of its values. Networks,
figures and explorers look activations up there (:func:`activation`).
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import math

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "activation",
    "sigmoid",
    "sigmoid_grad",
    "tanh",
    "tanh_grad",
    "relu",
    "relu_grad",
    "leaky_relu",
    "leaky_relu_grad",
    "elu",
    "elu_grad",
    "SELU_ALPHA",
    "SELU_LAMBDA",
    "selu",
    "selu_grad",
    "gelu",
    "gelu_grad",
    "softmax",
    "log_softmax",
    "one_hot",
    "cross_entropy_error",
    "softmax_cross_entropy",
    "mean_squared_error",
]


# --------------------------------------------------------------------------- helpers


def as_float_array(x, name: str = "x") -> np.ndarray:
    """Return ``x`` as a floating ndarray without copying when it already is one.

    Floating dtypes are kept (float16/32/64); integers and booleans become float64.
    Complex, object and string arrays are rejected with a TypeError.
    """
    arr = np.asarray(x)
    kind = arr.dtype.kind
    if kind == "f":
        return arr
    if kind in "iub":
        return arr.astype(np.float64)
    raise TypeError(
        f"{name} must be a real numeric array, got dtype {arr.dtype}. "
        f"Convert it first, e.g. np.asarray({name}, dtype=np.float64)."
    )


def _check_labels(t: np.ndarray, n: int, num_classes: int, where: str) -> np.ndarray:
    """Validate integer labels ``t`` (N,) against a batch of ``n`` rows and C classes."""
    if not np.issubdtype(t.dtype, np.integer):
        raise TypeError(
            f"{where}: integer class labels were expected, got dtype {t.dtype} with shape "
            f"{t.shape}. Pass labels as integers (t.astype(np.int64)) or pass one-hot "
            f"targets of the same shape as the predictions."
        )
    if t.shape != (n,):
        raise ValueError(
            f"{where}: the labels t have shape {t.shape} but the predictions have {n} rows; "
            f"expected t of shape ({n},) (one label per row) or one-hot t of shape "
            f"({n}, {num_classes}). Check that x and t come from the same mini-batch."
        )
    if t.size and (t.min() < 0 or t.max() >= num_classes):
        raise ValueError(
            f"{where}: labels must lie in 0..{num_classes - 1} (there are {num_classes} "
            f"classes) but t ranges from {t.min()} to {t.max()}. Check the number of output "
            f"units or whether the labels are 1-based."
        )
    return t


def require_float_array(value, name: str, where: str, why: str) -> np.ndarray:
    """``value`` itself if it is a floating ndarray (one that will be used or changed IN PLACE,
    so no converted copy would do); a TypeError saying ``why`` otherwise."""
    if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
        raise TypeError(
            f"{where}: {name} must be a floating NumPy array ({why}); got {type(value).__name__}"
            f"{' of dtype ' + str(value.dtype) if isinstance(value, np.ndarray) else ''}. "
            f"Use {name} = np.asarray({name}, dtype=np.float64)."
        )
    return value


def targets_as_rows(y: np.ndarray, t, where: str):
    """Bring predictions ``y`` and targets ``t`` into batch form.

    Returns ``(y2, t2, is_labels)`` where ``y2`` is ``(N, C)`` and ``t2`` is either integer
    labels ``(N,)`` (``is_labels`` True) or a target matrix ``(N, C)`` in y's dtype.
    Accepted: y ``(N, C)`` with t ``(N,)`` labels or ``(N, C)`` one-hot; y ``(C,)`` with t a
    scalar label or ``(C,)`` one-hot.
    """
    t = np.asarray(t)
    if y.ndim == 1:
        y2 = y.reshape(1, -1)
        if t.ndim == 0:
            t = t.reshape(1)
        elif t.shape == y.shape:
            t = t.reshape(1, -1)
        else:
            raise ValueError(
                f"{where}: y has shape {y.shape} (one sample) so t must be a single integer "
                f"label or a one-hot vector of shape {y.shape}; got t of shape {t.shape}."
            )
    elif y.ndim == 2:
        y2 = y
    else:
        raise ValueError(
            f"{where}: predictions must be (N, C) or (C,), got shape {y.shape}. "
            f"Flatten the extra axes first, e.g. y.reshape(len(y), -1)."
        )
    n, c = y2.shape
    if n == 0 or c == 0:
        raise ValueError(
            f"{where}: the predictions have shape {y.shape}; a loss needs at least one sample "
            f"and one class. Check the mini-batch slicing."
        )
    if t.ndim == 2:
        if t.shape != y2.shape:
            raise ValueError(
                f"{where}: one-hot targets t have shape {t.shape} but the predictions have "
                f"shape {y2.shape}; they must match (N rows, C classes)."
            )
        if not (np.issubdtype(t.dtype, np.number) or t.dtype == np.bool_):
            raise TypeError(f"{where}: one-hot targets must be numeric, got dtype {t.dtype}.")
        return y2, t.astype(y2.dtype, copy=False), False
    if t.ndim == 1:
        return y2, _check_labels(t, n, c, where), True
    raise ValueError(
        f"{where}: targets t must be labels (N,) or one-hot (N, C); got shape {t.shape} "
        f"for predictions of shape {y.shape}."
    )


def one_hot(t, num_classes: int, dtype=np.float64) -> np.ndarray:
    """One-hot encode integer labels.

    t: (N,) integers in 0..num_classes-1  ->  (N, num_classes) with a single 1 per row.
    """
    t = np.asarray(t)
    if t.ndim != 1:
        raise ValueError(f"one_hot: labels must be 1-D (N,), got shape {t.shape}.")
    _check_labels(t, t.shape[0], int(num_classes), "one_hot")
    out = np.zeros((t.shape[0], int(num_classes)), dtype=dtype)
    out[np.arange(t.shape[0]), t] = 1
    return out


# --------------------------------------------------------------------------- activations


def sigmoid(x):
    """Logistic sigmoid, element-wise: ``1 / (1 + exp(-x))``.

    x: any shape -> same shape and floating dtype.

    Overflow-free for every finite input: with ``e = exp(-|x|)`` (always in (0, 1]) it
    returns ``1 / (1 + e)`` for ``x >= 0`` and ``e / (1 + e)`` for ``x < 0``. For very
    negative x the result underflows gracefully to 0 (no warning).
    """
    x = as_float_array(x)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(x))
        numerator = e * (x < 0) + (x >= 0)         # 1 for x >= 0, e for x < 0 (np.where is slower here)
        return (numerator / (1 + e)).astype(x.dtype, copy=False)


def sigmoid_grad(x):
    """Derivative of the sigmoid at the PRE-activation x: ``s(x) * (1 - s(x))``.

    x: any shape -> same shape and dtype. Maximum 0.25 at x = 0 (the reason deep sigmoid
    networks suffer 勾配消失 vanishing gradients). Computed as ``s(x) * s(-x)``, which is the
    same value without the cancellation of ``1 - s(x)`` for large x.
    """
    x = as_float_array(x)
    with np.errstate(under="ignore"):
        return sigmoid(x) * sigmoid(-x)


def tanh(x):
    """Hyperbolic tangent, element-wise: ``(exp(x) - exp(-x)) / (exp(x) + exp(-x))``.

    x: any shape -> same shape and floating dtype; values in (-1, 1), no overflow.
    """
    return np.tanh(as_float_array(x))


def tanh_grad(x):
    """Derivative of tanh at the PRE-activation x: ``1 - tanh(x)**2``.

    x: any shape -> same shape and dtype.
    """
    x = as_float_array(x)
    with np.errstate(under="ignore"):
        y = np.tanh(x)
        return 1 - y * y


def relu(x):
    """Rectified linear unit: ``max(x, 0)`` element-wise. x: any shape -> same shape."""
    x = as_float_array(x)
    return np.maximum(x, x.dtype.type(0))


def relu_grad(x):
    """Derivative of ReLU at the PRE-activation x: 1 where ``x > 0``, else 0 (so 0 at 0).

    x: any shape -> same shape and dtype.
    """
    x = as_float_array(x)
    return (x > 0).astype(x.dtype)


def leaky_relu(x, alpha=0.01):
    """Leaky ReLU, element-wise: ``x`` where ``x > 0``, ``alpha * x`` where ``x <= 0``.

    x: any shape -> same shape and floating dtype. ``alpha`` is the slope for negative inputs
    (PyTorch's ``negative_slope``, default 0.01 there too); ``alpha = 0`` is ReLU.
    """
    x = as_float_array(x)
    zero = x.dtype.type(0)
    # max(x, 0) + alpha * min(x, 0): exact on both sides, and faster than np.where on a random mask
    return np.maximum(x, zero) + x.dtype.type(alpha) * np.minimum(x, zero)


def leaky_relu_grad(x, alpha=0.01):
    """Derivative of leaky ReLU at the PRE-activation x: 1 where ``x > 0``, ``alpha`` where ``x <= 0``.

    x: any shape -> same shape and dtype. At the kink x = 0 the value is ``alpha``, the left
    branch, as ``relu_grad(0) = 0`` (PyTorch's leaky_relu backward does the same).
    """
    x = as_float_array(x)
    return x.dtype.type(alpha) * (x <= 0) + (x > 0)        # alpha + 0 or 0 + 1, exactly


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` where ``x > 0``, ``alpha * (exp(x) - 1)`` where ``x <= 0``.

    x: any shape -> same shape and dtype; values in ``(-alpha, inf)``. The exponential is only
    ever taken of ``min(x, 0)`` (with ``expm1``, accurate near 0), so large x cannot overflow.
    """
    x = as_float_array(x)
    zero = x.dtype.type(0)
    with np.errstate(under="ignore"):
        return np.maximum(x, zero) + x.dtype.type(alpha) * np.expm1(np.minimum(x, zero))


def elu_grad(x, alpha=1.0):
    """Derivative of ELU at the PRE-activation x: 1 where ``x > 0``, ``alpha * exp(x)`` where ``x <= 0``
    (``alpha`` at the kink, the left branch; with ``alpha = 1`` both sides agree there).

    x: any shape -> same shape and dtype; overflow-free (exp of ``min(x, 0)`` only).
    """
    x = as_float_array(x)
    with np.errstate(under="ignore"):
        neg = x.dtype.type(alpha) * np.exp(np.minimum(x, x.dtype.type(0)))
        return neg * (x <= 0) + (x > 0)                    # the left value or exactly 1


#: SELU's alpha and lambda (Klambauer et al., 2017, "Self-normalizing neural networks"), to the
#: digits PyTorch and TensorFlow use. They are not tuned: they are the solution of two equations,
#: E[selu(z)] = 0 and E[selu(z)**2] = 1 for z ~ N(0, 1), which make mean 0 and variance 1 a
#: fixed point of a fully connected SELU layer with LeCun-normal weights (chapter 1 derives them).
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_LAMBDA = 1.0507009873554804934193349852946


def selu(x):
    """Scaled ELU: ``lambda * x`` where ``x > 0``, ``lambda * alpha * (exp(x) - 1)`` where ``x <= 0``,
    with ``alpha`` = :data:`SELU_ALPHA` (about 1.6733) and ``lambda`` = :data:`SELU_LAMBDA` (about 1.0507).

    x: any shape -> same shape and dtype; values in ``(-lambda * alpha, inf)``, overflow-free.
    """
    x = as_float_array(x)
    return x.dtype.type(SELU_LAMBDA) * elu(x, SELU_ALPHA)


def selu_grad(x):
    """Derivative of SELU at the PRE-activation x: ``lambda`` where ``x > 0``,
    ``lambda * alpha * exp(x)`` where ``x <= 0``.

    x: any shape -> same shape and dtype. SELU has a kink at 0 (``lambda * alpha`` is about 1.758 on
    the left, ``lambda`` about 1.051 on the right); like PyTorch this takes the left branch there.
    """
    x = as_float_array(x)
    return x.dtype.type(SELU_LAMBDA) * elu_grad(x, SELU_ALPHA)


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_TANH_C = 0.044715


def _normal_cdf(x64):
    """Phi(x) of the standard normal for a float64 array, as ``erfc(-x / sqrt 2) / 2`` (accurate in
    both tails; NumPy has no erf, so the standard library's is applied element by element)."""
    z = (x64 * -math.sqrt(0.5)).ravel().tolist()
    return 0.5 * np.fromiter(map(math.erfc, z), dtype=np.float64, count=len(z)).reshape(np.shape(x64))


def gelu_exact_parts(x):
    """``(gelu(x), Phi(x))`` of the exact GELU for a floating array x, both in x's dtype: the layer keeps
    Phi for its backward pass (:func:`gelu_grad_from_cdf`), so that erfc is computed once."""
    x64 = x.astype(np.float64, copy=False)
    cdf = _normal_cdf(x64)
    with np.errstate(under="ignore"):
        return (x64 * cdf).astype(x.dtype, copy=False), cdf.astype(x.dtype, copy=False)


def gelu_grad_from_cdf(x, cdf):
    """The exact GELU's derivative ``Phi(x) + x * phi(x)`` given ``cdf = Phi(x)`` (x's dtype)."""
    x64 = x.astype(np.float64, copy=False)
    xc = np.clip(x64, -40.0, 40.0)                 # phi(40) is 0 already
    with np.errstate(under="ignore"):
        pdf = np.exp(-0.5 * xc * xc) / math.sqrt(2.0 * math.pi)
        return (cdf.astype(np.float64, copy=False) + xc * pdf).astype(x.dtype, copy=False)


def _check_approximate(approximate):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' (the exact x * Phi(x), PyTorch's default) or "
                         f"'tanh' (the tanh formula), got {approximate!r}.")


def gelu(x, approximate="none"):
    """Gaussian error linear unit: ``x * Phi(x)``, Phi the standard normal CDF.

    x: any shape -> same shape and dtype. ``approximate="none"`` (the default, as in PyTorch's
    ``nn.GELU``) computes Phi exactly through erfc; ``approximate="tanh"`` uses the formula
    ``0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x**3)))``, which differs from the exact
    value by less than 5e-4. Values in ``(-0.170, inf)``: the minimum is at x = -0.7518.
    """
    _check_approximate(approximate)
    x = as_float_array(x)
    f = x.dtype.type
    with np.errstate(under="ignore"):              # tiny values round to 0, also in the float32 cast
        if approximate == "tanh":                  # in the input's dtype
            xc = np.clip(x, f(-10.0), f(10.0))     # beyond |x| = 10 the tanh is exactly +-1
            return f(0.5) * x * (f(1.0) + np.tanh(f(_SQRT_2_OVER_PI) * (xc + f(_GELU_TANH_C) * xc * xc * xc)))
        return gelu_exact_parts(x)[0]


def gelu_grad(x, approximate="none"):
    """Derivative of GELU at the PRE-activation x.

    Exact: ``Phi(x) + x * phi(x)`` with phi the standard normal density. ``approximate="tanh"``:
    the derivative of the tanh formula, ``0.5 * (1 + t) + 0.5 * x * (1 - t**2) * sqrt(2/pi) *
    (1 + 3 * 0.044715 * x**2)`` with t the tanh. x: any shape -> same shape and dtype. GELU is
    smooth: no kink, no convention needed. The derivative is negative for x < -0.7518 (down to
    -0.129 at x = -sqrt 2) and exceeds 1 for x > 0.7518 (up to 1.129 at x = sqrt 2).
    """
    _check_approximate(approximate)
    x = as_float_array(x)
    f = x.dtype.type
    with np.errstate(under="ignore"):
        if approximate == "tanh":                  # in the input's dtype; 1 - t**2 is 0 beyond |x| = 10
            xc = np.clip(x, f(-10.0), f(10.0))
            t = np.tanh(f(_SQRT_2_OVER_PI) * (xc + f(_GELU_TANH_C) * xc * xc * xc))
            return (f(0.5) * (f(1.0) + t)
                    + f(0.5 * _SQRT_2_OVER_PI) * xc * (f(1.0) - t * t) * (f(1.0) + f(3 * _GELU_TANH_C) * xc * xc))
        return gelu_grad_from_cdf(x, _normal_cdf(x.astype(np.float64, copy=False)))


def _gelu_minimum() -> tuple[float, float]:
    """(x, gelu(x)) at GELU's minimum: the root of Phi(x) + x phi(x) = 0 in [-1, -0.5], by bisection."""
    lo, hi = -1.0, -0.5
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        slope = 0.5 * math.erfc(-mid / math.sqrt(2)) + mid * math.exp(-0.5 * mid * mid) / math.sqrt(2 * math.pi)
        lo, hi = (mid, hi) if slope < 0 else (lo, mid)
    return lo, lo * 0.5 * math.erfc(-lo / math.sqrt(2))


GELU_ARGMIN, GELU_MIN = _gelu_minimum()


# --------------------------------------------------------------------------- the activation table


class Activation(NamedTuple):
    """One hidden-layer activation: ``function(x)``, ``derivative(x)`` at the PRE-activation x,
    and ``output_range``, the ``(low, high)`` bounds of its values (``high`` may be ``inf``)."""

    function: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]
    output_range: tuple[float, float]


#: The activations of the course, by name.
ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(sigmoid, sigmoid_grad, (0.0, 1.0)),
    "tanh": Activation(tanh, tanh_grad, (-1.0, 1.0)),
    "relu": Activation(relu, relu_grad, (0.0, np.inf)),
    # the defaults: slope 0.01 (PyTorch's), ELU's alpha = 1, GELU exact (PyTorch's approximate="none")
    "leaky_relu": Activation(leaky_relu, leaky_relu_grad, (-np.inf, np.inf)),
    "elu": Activation(elu, elu_grad, (-1.0, np.inf)),
    "selu": Activation(selu, selu_grad, (-SELU_LAMBDA * SELU_ALPHA, np.inf)),
    "gelu": Activation(gelu, gelu_grad, (GELU_MIN, np.inf)),
}


def activation(name: str) -> Activation:
    """The :class:`Activation` called ``name`` (a key of :data:`ACTIVATIONS`); a ValueError
    naming the choices for anything else."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"activation must be one of {', '.join(repr(k) for k in ACTIVATIONS)}, got {name!r}."
        ) from None


# --------------------------------------------------------------------------- softmax


def _check_softmax_input(x, where: str) -> np.ndarray:
    x = as_float_array(x)
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ValueError(
            f"{where}: expected a vector (C,) or a batch (N, C) with C >= 1, got shape "
            f"{x.shape}."
        )
    return x


def softmax(x):
    """Softmax along the last axis: ``exp(x_i - max x) / sum_j exp(x_j - max x)``.

    x: (C,) or (N, C) (more leading axes also work) -> same shape and dtype; every row
    sums to 1. Each row is normalised on its own (never over the whole batch), and the row
    maximum is subtracted first so large logits do not overflow.
    """
    x = _check_softmax_input(x, "softmax")
    z = x - x.max(axis=-1, keepdims=True)
    with np.errstate(under="ignore"):
        e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(x):
    """Logarithm of the softmax along the last axis, by log-sum-exp:

    ``log_softmax(x)_i = (x_i - m) - log(sum_j exp(x_j - m))`` with ``m = max_j x_j``.

    x: (C,) or (N, C) -> same shape and dtype. Finite whenever x is finite.
    """
    x = _check_softmax_input(x, "log_softmax")
    z = x - x.max(axis=-1, keepdims=True)
    with np.errstate(under="ignore"):
        lse = np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return z - lse


# --------------------------------------------------------------------------- losses


def cross_entropy_error(y, t):
    """Cross-entropy (交差エントロピー誤差) of predicted probabilities, averaged over the batch.

    y: (N, C) or (C,) probabilities (rows sum to 1).
    t: (N,) integer labels, or (N, C) one-hot; for y (C,) a single label or (C,) one-hot.

    ``E = -(1/N) * sum_n sum_k t_nk * log(y_nk)`` (N = 1 for a single sample).

    To stay finite when a probability is exactly 0, y is clipped from below to the
    smallest positive normal number of its dtype (``np.finfo(y.dtype).tiny``: about 1e-38
    for float32, 2e-308 for float64), so ``log(0)`` becomes about -87 (float32) or -708
    (float64) instead of ``-inf``. Returns a scalar of y's dtype.
    """
    y = as_float_array(y, "y")
    y2, t2, is_labels = targets_as_rows(y, t, "cross_entropy_error")
    n = y2.shape[0]
    tiny = np.finfo(y2.dtype).tiny
    if is_labels:
        picked = y2[np.arange(n), t2]
        log_p = np.log(np.maximum(picked, tiny))
        total = -log_p.sum()
    else:
        log_y = np.log(np.maximum(y2, tiny))
        total = -(t2 * log_y).sum()
    return y2.dtype.type(total / n)


def softmax_cross_entropy(logits, t):
    """Fused softmax + cross-entropy of raw scores, averaged over the batch.

    logits: (N, C) or (C,); t: (N,) labels or (N, C) one-hot (a label or (C,) for one sample).

    ``E = -(1/N) * sum_n sum_k t_nk * log_softmax(logits)_nk``, computed with log-sum-exp
    so it is finite for any finite logits (e.g. +-1000 or 1e4) and never takes log(0).
    Returns a scalar of the logits' dtype.
    """
    logits = as_float_array(logits, "logits")
    x2, t2, is_labels = targets_as_rows(logits, t, "softmax_cross_entropy")
    n = x2.shape[0]
    logp = log_softmax(x2)
    if is_labels:
        total = -logp[np.arange(n), t2].sum()
    else:
        total = -(t2 * logp).sum()
    return x2.dtype.type(total / n)


def mean_squared_error(y, t):
    """Sum-of-squares error averaged over the batch (2乗和誤差):

    ``E = 0.5 * sum((y - t)**2) / N`` with N = y.shape[0] for (N, ...) input, N = 1 for 1-D.

    y, t: the same shape (no broadcasting, which would silently hide a shape bug).
    Returns a scalar of y's floating dtype.
    """
    y = as_float_array(y, "y")
    t = np.asarray(t)
    if t.shape != y.shape:
        raise ValueError(
            f"mean_squared_error: y has shape {y.shape} but t has shape {t.shape}; they must "
            f"be identical. If t holds integer labels, one-hot encode them first "
            f"(dlcourse.functions.one_hot(t, num_classes))."
        )
    t = as_float_array(t, "t").astype(y.dtype, copy=False)
    n = y.shape[0] if y.ndim >= 2 else 1
    if n == 0:
        raise ValueError(f"mean_squared_error: the batch is empty (y shape {y.shape}).")
    d = y - t
    return y.dtype.type(0.5 * np.sum(d * d) / n)
