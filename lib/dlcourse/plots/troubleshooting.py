"""Chapter 7 (troubleshooting): reproduce training failures on purpose, and show them.

A small laboratory:

- :class:`LabNet`: a ``784 - hidden - 10`` ReLU network built from the layer objects of
  :mod:`dlcourse.layers` (as the book builds its networks), whose output "head" can be the
  correct fused softmax-cross-entropy or one of the buggy heads that learners' reports describe:
  ``"batched_softmax"`` (a learner's report: the softmax normalised over the whole batch),
  ``"sigmoid_logits"`` (a Q&A post's model: a sigmoid in front of a loss that expects raw scores)
  and ``"squared_error"`` (a learner's list of training troubles: squared error instead of
  cross-entropy).
- :func:`run_lab`: trains a :class:`LabNet` with plain SGD through :func:`dlcourse.train.train`
  (divergence recorded, not raised) and returns the history and NumPy's warnings.
- :func:`capture_warnings`: run anything and return its result with the warnings it raised.
- the wrong output activation (a learner's list of training troubles: a sigmoid output for
  targets of 100 and 300, a ReLU output for negative targets): :class:`RegressionNet` (a
  ``1 - hidden - 1`` network whose output activation is ``"identity"``, ``"sigmoid"`` or
  ``"relu"``), :func:`regression_data`, :func:`run_regression`, :func:`plot_output_heads`.
- sanity checks before training for real: :func:`initial_losses` and
  :func:`expected_initial_loss` (the loss at initialisation, about ln C), :func:`plot_initial_loss`,
  :func:`plot_tiny_batch` (overfitting a tiny batch); :func:`run_lab` records the gradient norm of
  every update and clips it with ``max_norm``.
- figures: :func:`plot_runs`, :func:`plot_softmax_rows`, :func:`plot_sigmoid_float32`,
  :func:`plot_uint8_pitfalls`, :func:`plot_overfitting`.

Every plotting function returns the ``Figure`` it drew.
"""

from __future__ import annotations

import warnings

import numpy as np

from dlcourse.figures import static_figure
from dlcourse.functions import mean_squared_error, one_hot, sigmoid, softmax, softmax_cross_entropy
from dlcourse.init import init_weights
from dlcourse.layers import Affine, ReLU, Sigmoid, SoftmaxWithLoss

__all__ = [
    "HEADS", "batched_softmax", "LabNet", "run_lab", "capture_warnings", "plot_runs",
    "plot_softmax_rows", "plot_sigmoid_float32", "plot_uint8_pitfalls", "plot_overfitting",
    "OUTPUT_RANGES", "regression_data", "RegressionNet", "run_regression", "plot_output_heads",
    "initial_losses", "expected_initial_loss", "plot_initial_loss", "plot_tiny_batch",
]

#: The output heads of :class:`LabNet` and what they reproduce.
HEADS = {
    "softmax": "correct: fused softmax + cross-entropy of the raw scores (log-sum-exp)",
    "batched_softmax": "a learner's report: softmax normalised over the WHOLE batch, backward (y - t)/N",
    "sigmoid_logits": "a Q&A post's model: sigmoid applied to the scores before a softmax-cross-entropy",
    "squared_error": "a learner's list of troubles: softmax + squared error instead of cross-entropy",
}


def batched_softmax(a):
    """The buggy softmax of a learner's report: ``exp(a - max(a)) / sum(exp(a - max(a)))`` over ALL entries.

    a: (N, C) -> (N, C) whose entries sum to 1 over the whole batch, so each row sums to
    about 1/N instead of 1. (Correct for a single sample (C,), which is why it hides.)
    """
    c = np.max(a)
    e = np.exp(a - c)
    return e / np.sum(e)


class LabNet:
    """``x (N, 784) -> affine -> ReLU -> affine -> head``, for reproducing failures.

    head: one of :data:`HEADS`, or a function ``probabilities(z)`` used in place of the softmax
    (backpropagated as if it were one: ``(y - t) / N``, the cross-entropy of its output as the
    loss), which is what ``"batched_softmax"`` does with :func:`batched_softmax`.
    hidden_size: the width of the hidden layer, or a sequence of widths (several ReLU layers).
    ``params``: ``W1 (784, H)``, ``b1 (H,)``, ``W2 (H, 10)``, ``b2 (10,)``, ..., He-initialised
    with ``rng``, in ``dtype``; they are the arrays of the layer objects in ``layers``. Has the
    interface that :func:`dlcourse.train.train` needs: ``loss(x, t)``, ``gradient(x, t) ->
    dict`` (the gradient the head's backward pass computes: for ``"batched_softmax"`` that is
    the report's ``(y - t)/N``, which is NOT the derivative of its loss; ``last_loss`` keeps the
    loss of that forward pass), ``accuracy(x, t)``, ``params``. t: integer labels (N,).
    """

    def __init__(self, input_size=784, hidden_size=50, output_size=10, *, head="softmax", rng,
                 dtype=np.float32):
        if not callable(head) and head not in HEADS:
            raise ValueError(f"LabNet: head must be one of {sorted(HEADS)} or a function, got {head!r}.")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"LabNet: rng must be a numpy.random.Generator, got {type(rng).__name__}.")
        self.head = head
        self.dtype = np.dtype(dtype)
        hidden = [hidden_size] if np.ndim(hidden_size) == 0 else list(hidden_size)
        weights = init_weights([input_size, *hidden, output_size], "he", rng, dtype)
        self.layers, self.params = [], {}
        for i, (W, b) in enumerate(weights, start=1):
            self.layers += [Affine(W, b), ReLU()] if i < len(weights) else [Affine(W, b)]
            self.params[f"W{i}"], self.params[f"b{i}"] = W, b
        self.last_loss = None

    def predict(self, x):
        """Scores (N, 10) before the head; their arg-max is the predicted class for every head."""
        z = np.asarray(x)
        if z.dtype != self.dtype:
            z = z.astype(self.dtype)
        for layer in self.layers:
            z = layer.forward(z)
        return z

    def accuracy(self, x, t):
        return float(np.mean(np.argmax(self.predict(x), axis=1) == np.asarray(t)))

    def _head(self, z, t):
        """(loss, backward) of the head for scores z (N, C) and labels t (N,); ``backward()`` -> dz."""
        if self.head == "softmax":
            last = SoftmaxWithLoss()
            return last.forward(z, t), last.backward
        if self.head == "sigmoid_logits":
            sig, last = Sigmoid(), SoftmaxWithLoss()
            loss = last.forward(sig.forward(z), t)
            return loss, lambda: sig.backward(last.backward())
        n, c = z.shape
        oh = one_hot(t, c, dtype=z.dtype)
        if self.head == "squared_error":
            y = softmax(z)
            dy = (y - oh) / n
            return 0.5 * np.sum((y - oh) ** 2) / n, lambda: y * (dy - np.sum(dy * y, axis=1, keepdims=True))
        y = (batched_softmax if self.head == "batched_softmax" else self.head)(z)
        return -np.sum(oh * np.log(y + 1e-7)) / n, lambda: (y - oh) / n

    def loss(self, x, t):
        return self._head(self.predict(x), np.asarray(t))[0]

    def gradient(self, x, t):
        self.last_loss, backward = self._head(self.predict(x), np.asarray(t))
        d = backward()
        for layer in reversed(self.layers):
            d = layer.backward(d)
        grads = {}
        for i, layer in enumerate(layer for layer in self.layers if isinstance(layer, Affine)):
            grads[f"W{i + 1}"], grads[f"b{i + 1}"] = layer.grads["W"], layer.grads["b"]
        return grads


def capture_warnings(fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)``; return ``(result, messages)`` with every warning it raised.

    NumPy's floating-point problems are turned into warnings for the call
    (``np.errstate(over/invalid/divide="warn")``) so that they are listed, never printed.
    """
    with warnings.catch_warnings(record=True) as caught, \
            np.errstate(over="warn", invalid="warn", divide="warn"):
        warnings.simplefilter("always")
        out = fn(*args, **kwargs)
    return out, [f"{w.category.__name__}: {w.message}" for w in caught]


def run_lab(x_train, t_train, x_test=None, t_test=None, *, head="softmax", lr=0.1, iters=300,
            batch_size=100, hidden_size=50, rng, eval_every=50, eval_samples=1000, patience=None,
            dtype=np.float32, max_norm=None):
    """Train a :class:`LabNet` with SGD(lr) and record what happens.

    x_*: (N, 784) (any numeric dtype: a failure may be exactly that the pixels are uint8 or
    0..255); t_*: (N,) labels. Divergence stops training and is recorded (never raised).
    ``max_norm``: clip every gradient to this global norm before the update
    (:class:`dlcourse.optimizers.ClipGradNorm`; None: no clipping).
    Returns ``{"history": History, "warnings": [...], "net": LabNet, "lr": lr, "head": head,
    "grad_norms": (n_updates,) the gradient norm of every update BEFORE clipping, "clipped": how
    many updates were clipped, "max_norm": max_norm}``; ``history.stop_reason`` explains a
    divergence, ``warnings`` holds the summary warnings of :func:`dlcourse.train.train` when NumPy
    complained but the loss stayed finite.
    """
    from dlcourse.optimizers import SGD, ClipGradNorm
    from dlcourse.train import train

    net = LabNet(x_train.shape[1], hidden_size, 10, head=head, rng=rng, dtype=dtype)
    optimizer = ClipGradNorm(SGD(lr=lr), max_norm)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = train(net, optimizer, x_train, t_train, x_test, t_test, iters=iters,
                        batch_size=batch_size, rng=rng, eval_every=eval_every,
                        eval_samples=eval_samples, progress=False, raise_on_divergence=False,
                        patience=patience)
    return {"history": history, "warnings": [str(w.message) for w in caught], "net": net,
            "lr": lr, "head": head, "grad_norms": np.asarray(optimizer.norms, dtype=np.float64),
            "clipped": optimizer.clipped, "max_norm": max_norm}


# --------------------------------------------------------------------------- figures


def plot_runs(runs, title=""):
    """Compare runs of :func:`run_lab`: minibatch loss (log scale) and test accuracy.

    runs: dict label -> run (or History). A run that diverged ends with an "x" at the
    iteration whose loss was NaN/inf (drawn at the top of the axis).
    """
    fig, (ax_loss, ax_acc) = static_figure((10, 3.4), 1, 2)
    top = 0.0
    for k, (label, run) in enumerate(runs.items()):
        h = run["history"] if isinstance(run, dict) else run
        color = f"C{k % 10}"
        finite = np.isfinite(h.loss)
        if finite.any():
            top = max(top, float(np.max(h.loss[finite])))
        ax_loss.plot(h.iterations[finite], h.loss[finite], color=color, linewidth=0.9, label=label)
        acc = h.test_acc if h.test_acc is not None else h.train_acc
        if len(acc):
            ax_acc.plot(h.eval_iters, acc, "o-", color=color, markersize=3, label=label)
    for k, (label, run) in enumerate(runs.items()):
        h = run["history"] if isinstance(run, dict) else run
        if h.diverged_at is not None:
            ax_loss.plot([h.diverged_at], [top * 1.5 if top > 0 else 1.0], "x", color=f"C{k % 10}",
                         markersize=10, markeredgewidth=2)
            ax_loss.annotate(f"{h.loss[-1]} at {h.diverged_at}", (h.diverged_at, top * 1.5 or 1.0),
                             textcoords="offset points", xytext=(5, -12), fontsize=8, color=f"C{k % 10}")
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("iteration")
    ax_loss.set_ylabel("minibatch loss")
    ax_acc.axhline(0.1, color="0.5", linestyle=":", linewidth=1)
    ax_acc.text(0.01, 0.11, "chance (10%)", fontsize=8, color="0.4", transform=ax_acc.get_yaxis_transform())
    ax_acc.set_ylim(0, 1)
    ax_acc.set_xlabel("iteration")
    ax_acc.set_ylabel("test accuracy")
    ax_acc.legend(fontsize=8, loc="lower right")
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def plot_softmax_rows(logits):
    """Correct softmax vs the batched bug for a batch of scores (N, C): values and row sums."""
    logits = np.asarray(logits, dtype=np.float64)
    good = softmax(logits)
    bad = batched_softmax(logits)
    fig, axes = static_figure((9, 0.5 * len(logits) + 2), 1, 2)
    for ax, y, name in ((axes[0], good, "softmax per row"), (axes[1], bad, "the report's softmax: over the whole batch")):
        ax.imshow(y, cmap="Blues", vmin=0, vmax=1, aspect="auto")
        for (i, j), v in np.ndenumerate(y):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8)
        ax.set_yticks(range(len(y)), [f"row {i}: sum {s:.2f}" for i, s in enumerate(y.sum(axis=1))])
        ax.set_xticks(range(y.shape[1]), [f"class {j}" for j in range(y.shape[1])])
        ax.set_title(name, fontsize=10)
    return fig


def plot_sigmoid_float32(x_min=-120.0, x_max=40.0):
    """Where a float32 sigmoid becomes exactly 0 or 1, and what that does to a binary cross-entropy.

    Left: sigmoid(x) and 1 - sigmoid(x) in float64 and float32 (log scale; exact zeros are not
    drawn). Right: the binary cross-entropy for target 0, computed naively as
    ``-log(1 - sigmoid(x))`` in float32 (inf from x ~ 17 on) and from the logit as
    ``max(x, 0) + log1p(exp(-|x|))`` (finite everywhere).
    """
    x64 = np.linspace(x_min, x_max, 2001)
    x32 = x64.astype(np.float32)
    with np.errstate(all="ignore"):
        s64 = sigmoid(x64)
        s32 = sigmoid(x32)
        one_minus32 = np.float32(1) - s32
        naive = -np.log(one_minus32)
        stable = np.maximum(x64, 0) + np.log1p(np.exp(-np.abs(x64)))
    fig, (ax_s, ax_l) = static_figure((10, 3.4), 1, 2)
    ax_s.plot(x64, s64, color="C0", linewidth=2.5, alpha=0.5, label="sigmoid, float64")
    ax_s.plot(x64, np.where(s32 > 0, s32, np.nan), color="C0", linewidth=1, label="sigmoid, float32")
    ax_s.plot(x64, 1 - s64, color="C1", linewidth=2.5, alpha=0.5, label="1 - sigmoid, float64")
    ax_s.plot(x64, np.where(one_minus32 > 0, one_minus32, np.nan), color="C1", linewidth=1,
              label="1 - sigmoid, float32")
    zero_at = float(x64[np.argmax(s32 > 0)])
    one_at = float(x64[np.argmax(one_minus32 == 0)])
    ax_s.axvline(zero_at, color="C0", linestyle=":")
    ax_s.axvline(one_at, color="C1", linestyle=":")
    ax_s.text(zero_at, 1e-30, f" float32 sigmoid = 0\n below x = {zero_at:.0f}", fontsize=8, color="C0")
    ax_s.text(one_at, 1e-20, f" float32 sigmoid = 1\n above x = {one_at:.1f}", fontsize=8, color="C1")
    ax_s.set_yscale("log")
    ax_s.set_ylim(1e-50, 10)
    ax_s.set_xlabel("x")
    ax_s.legend(fontsize=7, loc="lower center")
    ax_s.set_title("float32 rounds the sigmoid to exactly 0 or 1", fontsize=10)
    ax_l.plot(x64, stable, color="C2", linewidth=2.5, alpha=0.6, label="from the logit (log1p), finite")
    finite = np.isfinite(naive)
    ax_l.plot(x64[finite], naive[finite], color="C3", linewidth=1, label="-log(1 - sigmoid(x)), float32")
    first_inf = float(x64[np.argmax(~finite)]) if (~finite).any() else None
    if first_inf is not None:
        ax_l.axvline(first_inf, color="C3", linestyle=":")
        ax_l.text(first_inf, 0.6 * stable.max(), f" inf from\n x = {first_inf:.1f}", color="C3", fontsize=8)
    ax_l.set_xlabel("logit x (target t = 0)")
    ax_l.set_ylabel("binary cross-entropy")
    ax_l.legend(fontsize=8, loc="upper left")
    ax_l.set_title("the naive loss becomes inf, the logit form does not", fontsize=10)
    return fig


def plot_uint8_pitfalls(image):
    """One uint8 image (H, W) through common uint8 mistakes, next to the correct scaling.

    Panels: ``x / 255`` (correct, float), ``x * 2`` computed in uint8 (wraps around above
    127), ``x - 128`` in uint8 (wraps below 128), and ``x // 255`` (integer division: only
    0 and 1 survive).
    """
    x = np.asarray(image)
    if x.dtype != np.uint8:
        raise TypeError(f"plot_uint8_pitfalls: expected a uint8 image, got dtype {x.dtype}.")
    panels = [
        ("x / 255 (float, correct)", x / 255),
        ("x * 2 in uint8 (wraps)", x * np.uint8(2)),
        ("x - 128 in uint8 (wraps)", x - np.uint8(128)),
        ("x // 255 (integer division)", x // 255),
    ]
    fig, axes = static_figure((10, 2.9), 1, len(panels))
    for ax, (name, img) in zip(axes, panels):
        ax.imshow(img, cmap="gray")
        ax.set_title(f"{name}\nvalues {img.min():g}..{img.max():g}, {img.dtype}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def plot_overfitting(history, title="", patience=None):
    """Train vs test accuracy of a History; marks the best test accuracy (early stopping's choice).

    With ``patience``, also marks where early stopping with that patience would have stopped.
    """
    fig, ax = static_figure((8, 3.2))
    ep = history.eval_iters
    ax.plot(ep, history.train_acc, "-", label="train")
    ax.plot(ep, history.test_acc, "-", label="validation")
    best = int(np.argmax(history.test_acc))
    ax.plot([ep[best]], [history.test_acc[best]], "*", color="C3", markersize=14,
            label=f"best validation {history.test_acc[best]:.3f} (iteration {ep[best]})")
    if patience is not None:
        stop = _early_stop_index(history.test_acc, patience)
        ax.axvline(ep[stop], color="C3", linestyle=":", label=f"early stopping, patience {patience}")
    ax.set_xlabel("iteration")
    ax.set_ylabel("accuracy")
    ax.set_ylim(min(0.5, float(np.min(history.test_acc)) - 0.05), 1.01)
    ax.legend(fontsize=8, loc="lower right")
    gap = history.train_acc[-1] - history.test_acc[-1]
    ax.set_title(title or f"train - validation gap at the end: {100 * gap:.1f} points", fontsize=10)
    return fig


def _early_stop_index(acc, patience):
    """Index of the evaluation at which early stopping with ``patience`` stops (or the last)."""
    best, stale = -np.inf, 0
    for i, a in enumerate(acc):
        if a > best:
            best, stale = a, 0
        else:
            stale += 1
            if stale >= patience:
                return i
    return len(acc) - 1


# --------------------------------------------------------------------------- the output activation

#: What a network ending in each output activation can output: the interval (low, high).
OUTPUT_RANGES = {"identity": (-np.inf, np.inf), "sigmoid": (0.0, 1.0), "relu": (0.0, np.inf)}


def regression_data(n=256, *, rng):
    """A 1-D regression problem whose targets lie in the hundreds, like the prices of 100 and 300
    that a learner's list of training troubles tried to predict through a sigmoid.

    x: (n, 1) uniform in [-1, 1], sorted; t: (n, 1) = 200 + 80 sin(3x) + noise with standard
    deviation 5 (so t stays between about 105 and 295). Both float64.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"regression_data: rng must be a numpy.random.Generator, got {type(rng).__name__}.")
    x = np.sort(rng.uniform(-1.0, 1.0, (n, 1)), axis=0)
    t = 200.0 + 80.0 * np.sin(3.0 * x) + rng.normal(0.0, 5.0, (n, 1))
    return x, t


class RegressionNet:
    """``x (N, 1) -> Affine -> ReLU -> Affine -> output activation -> y (N, 1)`` with the squared
    error ``E = 0.5 * sum((y - t)**2) / N`` (:func:`dlcourse.functions.mean_squared_error`).

    output: ``"identity"`` (y = z, the right choice for a regression), ``"sigmoid"`` (y in (0, 1))
    or ``"relu"`` (y >= 0); z is the output's pre-activation. Built from the layer classes of
    :mod:`dlcourse.layers`, He-initialised with ``rng``. Has the interface of
    :func:`dlcourse.train.train` (``loss``, ``gradient`` (which sets ``last_loss``), ``params``,
    ``accuracy``: the share of predictions within 10 % of the targets' standard deviation from
    their target). Every ``gradient`` call also records, for the output's pre-activation, the
    norm of dE/dz (``out_grad_norms``) and the share of samples whose dE/dz is exactly 0
    (``out_grad_zero``): the gradient that dies.
    """

    def __init__(self, hidden_size=32, output="identity", *, rng, dtype=np.float64):
        if output not in OUTPUT_RANGES:
            raise ValueError(f"RegressionNet: output must be one of {sorted(OUTPUT_RANGES)}, got {output!r}.")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"RegressionNet: rng must be a numpy.random.Generator, got {type(rng).__name__}.")
        (W1, b1), (W2, b2) = init_weights([1, hidden_size, 1], "he", rng, dtype)
        self.output = output
        self.dtype = np.dtype(dtype)
        self.params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
        self.layers = [Affine(W1, b1), ReLU(), Affine(W2, b2)]
        self.out_layer = {"identity": None, "sigmoid": Sigmoid(), "relu": ReLU()}[output]
        self.last_loss = None
        self.out_grad_norms: list[float] = []
        self.out_grad_zero: list[float] = []

    def predict(self, x):
        y = np.asarray(x, dtype=self.dtype)
        for layer in self.layers:
            y = layer.forward(y)
        return y if self.out_layer is None else self.out_layer.forward(y)

    def loss(self, x, t):
        return mean_squared_error(self.predict(x), np.asarray(t, dtype=self.dtype))

    def accuracy(self, x, t):
        t = np.asarray(t, dtype=self.dtype)
        return float(np.mean(np.abs(self.predict(x) - t) <= 0.1 * np.std(t)))

    def gradient(self, x, t):
        t = np.asarray(t, dtype=self.dtype)
        y = self.predict(x)
        self.last_loss = mean_squared_error(y, t)
        dz = (y - t) / len(y)
        if self.out_layer is not None:
            dz = self.out_layer.backward(dz)
        self.out_grad_norms.append(float(np.sqrt(np.sum(dz * dz))))
        self.out_grad_zero.append(float(np.mean(dz == 0)))
        for layer in reversed(self.layers):
            dz = layer.backward(dz)
        a1, a2 = self.layers[0], self.layers[2]
        return {"W1": a1.grads["W"], "b1": a1.grads["b"], "W2": a2.grads["W"], "b2": a2.grads["b"]}


def _loss_floor(t, output):
    """The squared error of the best prediction the output can make: each target moved into its range."""
    low, high = OUTPUT_RANGES[output]
    return float(mean_squared_error(np.clip(t, low, high), t))


def run_regression(x, t, output, *, lr=0.1, iters=2000, batch_size=32, hidden_size=32, rng, standardize=True):
    """Train a :class:`RegressionNet` with SGD(lr) on ``(x, t)`` through :func:`dlcourse.train.train`.

    x, t: (N, 1). ``standardize``: train on ``(t - mean) / std`` (the targets the network sees),
    else on t as it is. Divergence is recorded, not raised. Returns a dict with ``"history"``,
    ``"net"``, ``"output"``, ``"target"`` (the targets trained on), ``"mean"``, ``"std"`` (the
    standardisation; 0 and 1 without it), ``"floor"`` (the lowest squared error the output can
    reach on those targets), ``"loss"`` (the squared error on the whole set after training),
    ``"prediction"`` ((N, 1), in the units of ``t``), ``"out_grad_norm"`` and ``"out_grad_zero"``
    ((iters,) each, see :class:`RegressionNet`).
    """
    from dlcourse.optimizers import SGD
    from dlcourse.train import train

    t = np.asarray(t, dtype=np.float64)
    mean, std = (float(t.mean()), float(t.std())) if standardize else (0.0, 1.0)
    target = (t - mean) / std
    net = RegressionNet(hidden_size, output, rng=rng)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        history = train(net, SGD(lr=lr), x, target, iters=iters, batch_size=batch_size, rng=rng,
                        eval_every=max(1, iters // 4), progress=False, raise_on_divergence=False)
    with np.errstate(all="ignore"):
        prediction = net.predict(x)
        loss = float(mean_squared_error(prediction, target))
    return {"history": history, "net": net, "output": output, "target": target, "mean": mean, "std": std,
            "floor": _loss_floor(target, output), "loss": loss, "prediction": prediction * std + mean,
            "out_grad_norm": np.asarray(net.out_grad_norms), "out_grad_zero": np.asarray(net.out_grad_zero)}


def plot_output_heads(runs, x, t):
    """Runs of :func:`run_regression` on the data ``(x, t)``: what each output activation does.

    Left: the data and each run's prediction (in the units of t). Middle: the training loss
    relative to the loss of predicting the mean of the targets (1 = no better than the mean;
    log scale), with each run's floor dashed (none for a floor of 0). Right: the norm of dE/dz at the output's
    pre-activation (log scale); an "x" marks where it became exactly 0 for every sample.
    """
    fig, (ax_fit, ax_loss, ax_grad) = static_figure((12, 3.6), 1, 3)
    ax_fit.plot(x[:, 0], t[:, 0], ".", color="0.6", markersize=3, label="data")
    for k, (label, run) in enumerate(runs.items()):
        color = f"C{k % 10}"
        ax_fit.plot(x[:, 0], run["prediction"][:, 0], color=color, linewidth=2, label=label)
        base = 0.5 * float(np.var(run["target"]))
        h = run["history"]
        ax_loss.plot(h.iterations, h.loss / base, color=color, linewidth=0.8, alpha=0.8)
        if run["floor"] > 0:  # an identity output has no floor: a log axis cannot show 0
            ax_loss.axhline(run["floor"] / base, color=color, linestyle="--", linewidth=1.2)
        g = run["out_grad_norm"]
        its = np.arange(1, len(g) + 1)
        alive = g > 0
        ax_grad.plot(its[alive], g[alive], color=color, linewidth=0.8, label=label)
        dead = np.flatnonzero(run["out_grad_zero"] == 1.0)
        if dead.size:
            first = int(dead[0])
            floor_y = max(float(g[alive].min()) if alive.any() else 1e-6, 1e-8)
            ax_grad.plot([its[first]], [floor_y], "x", color=color, markersize=10, markeredgewidth=2)
            ax_grad.annotate("exactly 0 from here", (its[first], floor_y), textcoords="offset points",
                             xytext=(6, 4), fontsize=8, color=color)
    ax_fit.set_xlabel("x")
    ax_fit.set_ylabel("target / prediction")
    ax_fit.legend(fontsize=7, loc="lower right", bbox_to_anchor=(1.0, 0.04))
    ax_fit.set_title("what each output can predict", fontsize=10)
    ax_loss.set_yscale("log")
    ax_loss.axhline(1.0, color="0.5", linestyle=":", linewidth=1)
    ax_loss.text(0.99, 1.15, "predicting the mean", fontsize=8, color="0.4", ha="right",
                 transform=ax_loss.get_yaxis_transform())
    ax_loss.set_xlabel("iteration")
    ax_loss.set_ylabel("loss / loss of the mean")
    ax_loss.set_title("training loss; dashed: the floor of each output", fontsize=10)
    ax_grad.set_yscale("log")
    ax_grad.set_xlabel("iteration")
    ax_grad.set_ylabel("||dE/dz|| at the output")
    ax_grad.set_title("the gradient that reaches the network", fontsize=10)
    return fig


# --------------------------------------------------------------------------- sanity checks


def initial_losses(x, t, weight_stds, *, hidden_size=50, rng):
    """The loss of a :class:`LabNet` at initialisation, for weights of every layer drawn from
    N(0, std²) (biases 0), for each std of ``weight_stds``.

    x: (N, 784), t: (N,) labels. Returns ``{"weight_std": (K,), "loss": (K,), "logit_std": (K,)}``:
    the mean softmax cross-entropy on ``(x, t)`` before any update, and the standard deviation of
    the logits (the scores before the softmax).
    """
    stds = np.asarray(weight_stds, dtype=np.float64).ravel()
    loss, logit_std = np.empty(len(stds)), np.empty(len(stds))
    for k, std in enumerate(stds):
        net = LabNet(x.shape[1], hidden_size, 10, rng=rng)
        for name, p in net.params.items():
            p[...] = rng.normal(0.0, std, p.shape) if name.startswith("W") else 0.0
        z = net.predict(x)
        loss[k] = float(softmax_cross_entropy(z, t))
        logit_std[k] = float(np.std(z))
    return {"weight_std": stds, "loss": loss, "logit_std": logit_std}


def expected_initial_loss(logit_std, n_classes=10, samples=5000, seed=0):
    """The expected softmax cross-entropy when the C logits of a sample are independent
    N(0, s²): E[log sum_j exp(z_j) - z_true] (Monte Carlo with ``samples`` draws of a fixed
    ``numpy.random.default_rng(seed)``). logit_std: a number or an array of s values.

    It is ln C at s = 0, lies between ln C and ln C + s²/2 (Jensen's inequality, both ways), and
    grows like s * E[max_j xi_j - xi_true] for large s (xi standard normal).
    """
    s = np.atleast_1d(np.asarray(logit_std, dtype=np.float64))
    xi = np.random.default_rng(seed).standard_normal((samples, n_classes))
    out = np.empty(len(s))
    for k, sk in enumerate(s):
        z = sk * xi
        m = z.max(axis=1)
        out[k] = float(np.mean(m + np.log(np.exp(z - m[:, None]).sum(axis=1)) - z[:, 0]))
    return out if np.ndim(logit_std) else float(out[0])


def plot_initial_loss(sweep, marks=None, n_classes=10):
    """The loss at initialisation. Left: an :func:`initial_losses` sweep against the weight
    standard deviation, with ln C. Right: the loss against the logits' standard deviation s:
    :func:`expected_initial_loss`, its bounds ln C and ln C + s²/2, and the measured networks of
    the sweep and of ``marks`` (dict label -> (logit_std, loss)).
    """
    ln_c = np.log(n_classes)
    fig, (ax_w, ax_s) = static_figure((11, 3.6), 1, 2)
    ax_w.plot(sweep["weight_std"], sweep["loss"], "o-", color="C0", markersize=4)
    ax_w.axhline(ln_c, color="C3", linestyle="--", linewidth=1)
    ax_w.text(0.01, ln_c * 1.08, f"ln {n_classes} = {ln_c:.3f}", fontsize=8, color="C3",
              transform=ax_w.get_yaxis_transform())
    ax_w.set_xscale("log")
    ax_w.set_yscale("log")
    ax_w.set_xlabel("standard deviation of every weight")
    ax_w.set_ylabel("loss before the first update")
    ax_w.set_title("the first loss: ln C, unless the weights are large", fontsize=10)
    known = np.concatenate([sweep["logit_std"], [m[0] for m in (marks or {}).values()]])
    s = np.logspace(np.log10(min(1e-2, 0.5 * float(np.min(known)))), np.log10(max(30.0, 2.0 * float(np.max(known)))), 40)
    ax_s.plot(s, expected_initial_loss(s, n_classes), color="C0", linewidth=2, label="expected loss (independent logits)")
    ax_s.plot(s, np.full_like(s, ln_c), color="C3", linestyle="--", linewidth=1, label=f"ln {n_classes}")
    ax_s.plot(s, ln_c + s ** 2 / 2, color="C1", linestyle=":", linewidth=1.2, label=f"ln {n_classes} + s²/2")
    ax_s.plot(sweep["logit_std"], sweep["loss"], "o", color="C0", markersize=4, alpha=0.6, label="the sweep on the left")
    for k, (label, (sx, lx)) in enumerate((marks or {}).items()):
        ax_s.plot([sx], [lx], "*", color=f"C{(k + 2) % 10}", markersize=11, label=label)
    ax_s.set_xscale("log")
    ax_s.set_yscale("log")
    ax_s.set_ylim(ln_c / 1.5, 3.0 * float(expected_initial_loss(s[-1], n_classes)))
    ax_s.set_xlabel("standard deviation s of the logits")
    ax_s.set_ylabel("loss before the first update")
    ax_s.legend(fontsize=7, loc="upper left")
    ax_s.set_title("what the first loss says about the logits", fontsize=10)
    return fig


def plot_tiny_batch(runs, target=0.05, top=100.0):
    """Runs of :func:`run_lab` on one tiny batch: their loss (log scale, cut at ``top``) against
    the iteration, with the ``target`` a correct network gets below. A run that diverged ends
    with an "x"."""
    fig, ax = static_figure((9, 3.4))
    for k, (label, run) in enumerate(runs.items()):
        h = run["history"] if isinstance(run, dict) else run
        color = f"C{k % 10}"
        finite = np.isfinite(h.loss)
        last = h.loss[finite][-1] if finite.any() else np.nan
        ax.plot(h.iterations[finite], h.loss[finite], color=color, linewidth=1.2,
                label=f"{label}: {'nan at ' + str(h.diverged_at) if h.diverged_at else f'{last:.3g}'}")
        if h.diverged_at is not None and finite.any():
            ax.plot([h.iterations[finite][-1]], [last], "x", color=color, markersize=9, markeredgewidth=2)
    ax.axhline(target, color="0.4", linestyle="--", linewidth=1)
    ax.text(0.99, target * 0.7, f"target {target:g}", fontsize=8, color="0.3", ha="right",
            transform=ax.get_yaxis_transform())
    ax.set_yscale("log")
    ax.set_ylim(None, top)
    ax.set_xlabel("iteration (the same batch every time)")
    ax.set_ylabel("loss on the tiny batch")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title("overfit one tiny batch: a correct network drives its loss towards 0", fontsize=10)
    return fig
