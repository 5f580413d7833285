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
- figures: :func:`plot_runs`, :func:`plot_softmax_rows`, :func:`plot_sigmoid_float32`,
  :func:`plot_uint8_pitfalls`, :func:`plot_overfitting`.

Every plotting function returns the ``Figure`` it drew.
"""

from __future__ import annotations

import warnings

import numpy as np

from dlcourse.figures import static_figure
from dlcourse.functions import one_hot, sigmoid, softmax
from dlcourse.init import init_weights
from dlcourse.layers import Affine, ReLU, Sigmoid, SoftmaxWithLoss

__all__ = [
    "HEADS", "batched_softmax", "LabNet", "run_lab", "capture_warnings", "plot_runs",
    "plot_softmax_rows", "plot_sigmoid_float32", "plot_uint8_pitfalls", "plot_overfitting"
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
            dtype=np.float32):
    """Train a :class:`LabNet` with SGD(lr) and record what happens.

    x_*: (N, 784) (any numeric dtype: a failure may be exactly that the pixels are uint8 or
    0..255); t_*: (N,) labels. Divergence stops training and is recorded (never raised).
    Returns ``{"history": History, "warnings": [...], "net": LabNet, "lr": lr, "head": head}``;
    ``history.stop_reason`` explains a divergence, ``warnings`` holds the summary warnings of
    :func:`dlcourse.train.train` when NumPy complained but the loss stayed finite.
    """
    from dlcourse.optimizers import SGD
    from dlcourse.train import train

    net = LabNet(x_train.shape[1], hidden_size, 10, head=head, rng=rng, dtype=dtype)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = train(net, SGD(lr=lr), x_train, t_train, x_test, t_test, iters=iters,
                        batch_size=batch_size, rng=rng, eval_every=eval_every,
                        eval_samples=eval_samples, progress=False, raise_on_divergence=False,
                        patience=patience)
    return {"history": history, "warnings": [str(w.message) for w in caught], "net": net,
            "lr": lr, "head": head}


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
