"""Figures and small experiments of chapter 0, the review (Day 1 の復習).

- :func:`softmax_whole_batch`: the batched-softmax BUG of a learner's report (a softmax that normalises
  over the whole batch), kept here on purpose to show it.
- :func:`plot_batched_softmax_bug`: per-row probabilities of a batch, correct versus the bug.
- :func:`note_backward` / :func:`note_gradient_check`: the backward pass of the Day 2 course note, which
  applies ``d_sigmoid`` to z (the activation's OUTPUT), compared with correct backpropagation and with
  numerical gradients.
- :func:`train_with_softmax` / :func:`plot_softmax_training`: the same network trained with the correct
  softmax and with the batched bug.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..figures import static_figure
from ..functions import one_hot, sigmoid, softmax, softmax_cross_entropy
from ..gradcheck import relative_error
from ..layers import affine_forward, sigmoid_forward
from ..network import MultiLayerNet
from ..optimizers import SGD
from ..train import Divergence, Minibatches, fit
from .troubleshooting import LabNet, batched_softmax

__all__ = ["softmax_whole_batch", "plot_batched_softmax_bug", "note_backward", "note_gradient_check",
           "plot_gradient_check", "train_with_softmax", "plot_softmax_training"]


#: THE BUG of a learner's report (do not use): ``exp(x - max) / sum(exp(x - max))`` over the whole
#: array; :func:`dlcourse.plots.troubleshooting.batched_softmax`. For one vector (C,) it is the
#: softmax; for a batch it divides by the sum over all N*C entries, so the rows no longer sum to 1
#: and each row depends on the other rows.
softmax_whole_batch = batched_softmax


def plot_batched_softmax_bug(x=None) -> Figure:
    """Bars of softmax probabilities for a small batch: correct (row by row) and the whole-batch bug.

    x: (N, C) logits, default a 3 x 4 batch.
    """
    if x is None:
        x = np.array([[2.0, 1.0, 0.1, -1.0], [0.5, 2.5, 0.0, 0.0], [-1.0, 0.0, 1.0, 3.0]])
    x = np.asarray(x, dtype=float)
    n, c = x.shape
    good, bad = softmax(x), softmax_whole_batch(x)
    fig, axes = static_figure((10.0, 3.2), 1, n, sharey=True)
    width = 0.38
    for i, ax in enumerate(np.atleast_1d(axes)):
        k = np.arange(c)
        ax.bar(k - width / 2, good[i], width, color="tab:blue", label="softmax per row")
        ax.bar(k + width / 2, bad[i], width, color="tab:red", label="whole-batch bug")
        ax.set_title(f"sample {i}: row sums {good[i].sum():.2f} vs {bad[i].sum():.2f}", fontsize=9)
        ax.set_xticks(k)
        ax.set_xlabel("class")
        ax.grid(alpha=0.3, axis="y")
    np.atleast_1d(axes)[0].set_ylabel("probability")
    np.atleast_1d(axes)[0].legend(fontsize=8)
    return fig


def _forward(params, x):
    z1, _ = sigmoid_forward(affine_forward(x, params["W1"], params["b1"])[0])
    z2, _ = sigmoid_forward(affine_forward(z1, params["W2"], params["b2"])[0])
    y = softmax(affine_forward(z2, params["W3"], params["b3"])[0])
    return z1, z2, y


def note_backward(params, x, t):
    """The backward pass of the Day 2 course note, reproduced with its mistake.

    params: W1 (D, H1), b1, W2 (H1, H2), b2, W3 (H2, C), b3 of a sigmoid 3-layer network; x (N, D); t (N,) labels.
    Uses ``d_sigmoid(v) = sigmoid(v) * (1 - sigmoid(v))`` on z (the activation's OUTPUT) as the note's
    code does, i.e. ``delta2 = (delta3 @ W3.T) * d_sigmoid(z2)``: sigma'(z) instead of sigma'(u).
    Returns the gradient dict W1..b3.
    """
    z1, z2, y = _forward(params, x)
    d = one_hot(t, y.shape[1], dtype=y.dtype)

    def d_sigmoid(v):
        return (1.0 - sigmoid(v)) * sigmoid(v)

    grad = {}
    delta3 = (y - d) / x.shape[0]
    grad["b3"], grad["W3"] = delta3.sum(axis=0), z2.T @ delta3
    delta2 = (delta3 @ params["W3"].T) * d_sigmoid(z2)
    grad["b2"], grad["W2"] = delta2.sum(axis=0), z1.T @ delta2
    delta1 = (delta2 @ params["W2"].T) * d_sigmoid(z1)
    grad["b1"], grad["W1"] = delta1.sum(axis=0), x.T @ delta1
    return grad


def note_gradient_check(sizes=(8, 6, 5, 4), n_samples: int = 10, weight_std: float = 1.0, seed: int = 0) -> dict:
    """Relative errors against numerical gradients: correct backprop versus the note's ``d_sigmoid(z)``.

    A small sigmoid network ``sizes`` (input, hidden1, hidden2, classes) in float64, random inputs and labels
    from ``np.random.default_rng(seed)``. Returns ``{"keys": [...], "correct": [...], "note": [...]}`` with
    one relative error (:func:`dlcourse.gradcheck.relative_error`) per parameter ("note": the note's code).
    """
    rng = np.random.default_rng(seed)
    net = MultiLayerNet(sizes[0], list(sizes[1:-1]), sizes[-1], activation="sigmoid", weight_init=weight_std,
                        rng=rng, dtype=np.float64)
    x = rng.standard_normal((n_samples, sizes[0]))
    t = rng.integers(0, sizes[-1], n_samples)
    numeric = net.numerical_gradient(x, t)
    correct = net.gradient(x, t)
    buggy = note_backward(net.params, x, t)
    keys = ["W1", "b1", "W2", "b2", "W3", "b3"]
    return {"keys": keys,
            "correct": [relative_error(correct[k], numeric[k]) for k in keys],
            "note": [relative_error(buggy[k], numeric[k]) for k in keys]}


def plot_gradient_check(check: dict) -> Figure:
    """Bars (log scale) of the relative errors returned by :func:`note_gradient_check`."""
    keys = check["keys"]
    k = np.arange(len(keys))
    fig, ax = static_figure((6.5, 3.2))
    ax.bar(k - 0.2, np.maximum(check["correct"], 1e-16), 0.4, color="tab:blue", label="sigma'(u) = z(1 - z)")
    ax.bar(k + 0.2, np.maximum(check["note"], 1e-16), 0.4, color="tab:red", label="course note: d_sigmoid(z)")
    ax.set_yscale("log")
    ax.axhline(1e-6, color="gray", ls=":", lw=1)
    ax.set_xticks(k, keys)
    ax.set_ylabel("relative error vs numerical gradient")
    ax.set_title("gradient check of the 3-layer sigmoid network")
    ax.grid(alpha=0.3, axis="y", which="both")
    ax.legend(fontsize=8)
    return fig


def train_with_softmax(softmax_fn, data, *, iters: int = 300, batch_size: int = 100, lr: float = 0.1,
                       hidden_sizes=(40, 20), eval_every: int = 5, eval_samples: int = 1000, seed: int = 0) -> dict:
    """Train a ReLU network (He initialisation, SGD) whose output uses ``softmax_fn`` and ``(y - t) / N``.

    This is the training loop of the learner's report on the batched softmax, in miniature:
    backpropagation assumes a correct softmax, so a wrong ``softmax_fn`` silently gives wrong gradients
    (a :class:`dlcourse.plots.troubleshooting.LabNet` with ``softmax_fn`` as its head, trained through
    :func:`dlcourse.train.fit`). The loss and the accuracy are always MEASURED with the correct softmax
    cross-entropy, to compare the runs fairly.
    data: ``((x_train, t_train), (x_test, t_test))`` with integer labels.
    Returns ``{"iters", "loss", "test_acc"}`` (evaluations before training and every ``eval_every``
    iterations); a run whose parameters become NaN/inf stops there (``"diverged_at"`` is that
    iteration, else None).
    """
    (x_train, t_train), (x_test, t_test) = data
    rng = np.random.default_rng(seed)
    net = LabNet(x_train.shape[1], hidden_sizes, 10, head=softmax_fn, rng=rng, dtype=np.float64)
    xs, ts = x_test[:eval_samples], t_test[:eval_samples]

    def evaluate(net):
        logits = net.predict(xs)
        if not np.all(np.isfinite(logits)):
            return {"loss": np.nan, "test_acc": np.nan}
        return {"loss": float(softmax_cross_entropy(logits, ts)), "test_acc": float(np.mean(np.argmax(logits, axis=1) == ts))}

    history = fit(net, SGD(lr), x_train, t_train, Minibatches(len(x_train), batch_size, rng, replace=True),
                  iters=iters, evaluate=evaluate, eval_at=range(0, iters + 1, eval_every),
                  stop=[Divergence(raise_error=False)])
    loss, done = history.metric("loss"), history.eval_iters
    bad = np.flatnonzero(~np.isfinite(loss))
    keep = bad[0] if bad.size else len(loss)
    diverged_at = int(done[keep]) if bad.size else history.diverged_at
    return {"iters": done[:keep], "loss": loss[:keep], "test_acc": history.metric("test_acc")[:keep],
            "diverged_at": diverged_at}


def plot_softmax_training(runs: dict) -> Figure:
    """Loss (log scale) and test accuracy of :func:`train_with_softmax` runs, ``{label: result}``."""
    fig, (ax_l, ax_a) = static_figure((10.0, 3.4), 1, 2)
    for label, r in runs.items():
        suffix = f" (NaN at iteration {r['diverged_at']})" if r["diverged_at"] else ""
        ax_l.semilogy(r["iters"], r["loss"], "o-", ms=3, label=label + suffix)
        ax_a.plot(r["iters"], r["test_acc"], "o-", ms=3, label=label)
    ax_l.set_title("cross-entropy (measured with the correct softmax)")
    ax_a.set_title("test accuracy")
    ax_a.set_ylim(0, 1)
    for ax in (ax_l, ax_a):
        ax.set_xlabel("iteration")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    return fig
