"""Figures and the MNIST experiment of chapter 1, vanishing gradients (勾配消失問題).

- :func:`activation_curves` / :func:`plot_activations`: sigmoid, tanh and ReLU with their derivatives
  (the sigmoid's derivative peaks at 0.25, the 確認テスト).
- :func:`plot_derivative_bound`: the bound 0.25**k on the product of k sigmoid derivatives.
- :func:`run_note_experiment` / :func:`plot_note_experiment`: the experiment of the Day 2 course note, a
  784-40-20-10 network, weights drawn with std 0.01, SGD with learning rate 0.1, 2000 iterations of
  batch 100 on MNIST; sigmoid hidden layers stay at chance level while ReLU learns, and the per-layer
  gradient magnitudes show why.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..figures import smooth, static_figure
from ..functions import ACTIVATIONS
from ..network import MultiLayerNet
from ..optimizers import SGD
from ..train import Minibatches, accuracy_on, fit

__all__ = ["activation_curves", "plot_activations", "plot_derivative_bound", "run_note_experiment",
           "plot_note_experiment", "LAYER_COLORS"]

LAYER_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


def activation_curves(x=None) -> dict[str, np.ndarray]:
    """Values and derivatives of the three activations on a grid.

    x: (M,) grid, default ``np.linspace(-6, 6, 601)``.
    Returns ``{"x", "sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad"}``, each (M,).
    """
    x = np.linspace(-6.0, 6.0, 601) if x is None else np.asarray(x, dtype=float)
    curves = {"x": x}
    for name in ("sigmoid", "tanh", "relu"):
        curves[name] = ACTIVATIONS[name].function(x)
        curves[name + "_grad"] = ACTIVATIONS[name].derivative(x)
    return curves


def plot_activations(x=None) -> Figure:
    """Left: sigmoid, tanh, ReLU. Right: their derivatives, with the sigmoid's maximum 0.25 marked."""
    c = activation_curves(x)
    fig, (ax_f, ax_d) = static_figure((9.0, 3.4), ncols=2)
    for name, color in (("sigmoid", "tab:blue"), ("tanh", "tab:green"), ("relu", "tab:red")):
        ax_f.plot(c["x"], c[name], color=color, label=name)
        ax_d.plot(c["x"], c[name + "_grad"], color=color, label=f"{name}'")
    ax_f.set_ylim(-1.2, 3.0)
    ax_f.set_title("activation functions")
    ax_d.axhline(0.25, color="tab:blue", ls=":", lw=1)
    ax_d.annotate("max sigmoid' = 0.25 at x = 0", xy=(0.0, 0.25), xytext=(1.0, 0.45),
                  arrowprops={"arrowstyle": "->"}, fontsize=9)
    ax_d.set_ylim(-0.05, 1.1)
    ax_d.set_title("derivatives (the factor each layer contributes)")
    for ax in (ax_f, ax_d):
        ax.set_xlabel("pre-activation u")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    return fig


def plot_derivative_bound(max_depth: int = 10) -> Figure:
    """The largest possible product of k sigmoid derivatives, 0.25**k, next to ReLU's 1**k."""
    k = np.arange(1, max_depth + 1)
    fig, ax = static_figure((5.5, 3.2))
    ax.semilogy(k, 0.25 ** k, "o-", color="tab:blue", label="sigmoid: at most 0.25**k")
    ax.semilogy(k, np.ones_like(k, dtype=float), "s-", color="tab:red", label="ReLU (active unit): 1**k")
    ax.set_xlabel("number of layers k the gradient passes through")
    ax.set_ylabel("product of activation derivatives")
    ax.set_title("the chain rule multiplies one derivative per layer")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return fig


def run_note_experiment(activation: str, data, *, iters: int = 2000, batch_size: int = 100, lr: float = 0.1,
                        weight_std: float = 0.01, hidden_sizes=(40, 20), eval_every: int = 100,
                        eval_samples: int | None = None, seed: int = 0, dtype=np.float32) -> dict:
    """Train the course note's network with plain SGD and record accuracy and gradient sizes.

    activation: "sigmoid", "relu" or "tanh" (hidden layers); data: ``((x_train, t_train), (x_test, t_test))``
    as returned by :func:`dlcourse.data.load_mnist` (labels, not one-hot).
    Mini-batches are drawn with replacement from the random generator ``np.random.default_rng(seed)``
    (like the note's ``np.random.choice``); the weights come from the same generator. Trained through
    :func:`dlcourse.train.fit`. The test accuracy is measured on the first ``eval_samples`` test
    images (default: all of them), the training accuracy on the first ``eval_samples`` training
    images (default: 2000).

    Returns a dict:
      ``"iters"`` (E,) iteration numbers of the evaluations (0: before training, then every
      ``eval_every``), ``"test_acc"`` (E,) accuracy on the test images, ``"train_acc"`` (E,) on the
      training images, ``"grad_mean_abs"`` (iters, L) mean |dE/dW_l| of every weight matrix at every
      iteration, ``"loss"`` (iters,) the minibatch losses, ``"activation"``,
      ``"pred_counts"`` (10,) how many test images the final network assigns to each digit, and
      ``"class_share"`` (10,) the share of each digit among those test images.
    """
    (x_train, t_train), (x_test, t_test) = data
    rng = np.random.default_rng(seed)
    net = MultiLayerNet(x_train.shape[1], list(hidden_sizes), 10, activation=activation,
                        weight_init=weight_std, rng=rng, dtype=dtype)
    n_layers = len(hidden_sizes) + 1
    grad_mean_abs = np.zeros((iters, n_layers))
    xs, ts = (x_test, t_test) if eval_samples is None else (x_test[:eval_samples], t_test[:eval_samples])
    n_train_eval = 2000 if eval_samples is None else eval_samples

    def record(it, loss, grads):
        grad_mean_abs[it - 1] = [np.mean(np.abs(grads[f"W{k}"])) for k in range(1, n_layers + 1)]

    steps = np.arange(0, iters + 1, eval_every)
    evaluate = accuracy_on(test_acc=(xs, ts), train_acc=(x_train[:n_train_eval], t_train[:n_train_eval]))
    history = fit(net, SGD(lr), x_train, t_train, Minibatches(len(x_train), batch_size, rng, replace=True),
                  iters=iters, evaluate=evaluate, eval_at=steps, on_step=record, numpy_errors=None)
    pred_counts = np.bincount(np.argmax(net.predict(xs), axis=1), minlength=10)
    return {"activation": activation, "iters": steps, "test_acc": history.test_acc,
            "train_acc": history.train_acc, "grad_mean_abs": grad_mean_abs, "loss": history.loss,
            "pred_counts": pred_counts, "class_share": np.bincount(ts, minlength=10) / len(ts)}


def plot_note_experiment(results, width: int = 20) -> Figure:
    """Left: test accuracy of each run. Right: mean |dE/dW| per layer over the iterations (log scale).

    results: a list of dicts from :func:`run_note_experiment` (e.g. sigmoid and ReLU); the gradient
    curves are moving averages over ``width`` iterations. A run whose final
    network answers one digit for every test image gets a dotted line at that digit's share of the test
    images: the accuracy of always giving that answer.
    """
    fig, (ax_a, ax_g) = static_figure((10.0, 3.6), ncols=2)
    styles = ("-", "--", ":", "-.")
    for r, ls in zip(results, styles):
        ax_a.plot(r["iters"], r["test_acc"], ls, marker="o", ms=3, label=f"{r['activation']} (test)")
        g = r["grad_mean_abs"]
        for layer in range(g.shape[1]):
            ax_g.semilogy(*smooth(g[:, layer], width), ls,
                          color=LAYER_COLORS[layer % len(LAYER_COLORS)],
                          label=f"{r['activation']}: W{layer + 1}")
    for r in results:
        counts = r["pred_counts"]
        if counts.max() == counts.sum():                   # one answer for every test image
            k = int(np.argmax(counts))
            share = float(r["class_share"][k])
            ax_a.axhline(share, color="gray", lw=1, ls=":")
            ax_a.annotate(f"{100 * share:.2f} %: always answering '{k}'", xy=(0, share), xytext=(600, 0.03),
                          fontsize=8, color="gray")
    ax_a.set_ylim(0, 1)
    ax_a.set_xlabel("iteration")
    ax_a.set_ylabel("accuracy")
    ax_a.set_title("784-40-20-10, std 0.01, SGD lr 0.1")
    ax_g.set_xlabel("iteration")
    ax_g.set_ylabel("mean |dE/dW| (smoothed)")
    ax_g.set_title("gradient reaching each layer")
    for ax in (ax_a, ax_g):
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7, ncols=2)
    return fig
