"""Figures and the MNIST experiment of chapter 1, vanishing gradients (勾配消失問題).

- :func:`activation_curves` / :func:`plot_activations`: sigmoid, tanh and ReLU with their derivatives
  (the sigmoid's derivative peaks at 0.25, the 確認テスト).
- :func:`plot_derivative_bound`: the bound 0.25**k on the product of k sigmoid derivatives.
- :func:`run_seed_experiment` / :func:`plot_seed_experiment`: the course note's experiment, a
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

__all__ = ["activation_curves", "plot_activations", "plot_derivative_bound", "run_seed_experiment",
           "plot_seed_experiment", "LAYER_COLORS"]

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


def run_seed_experiment(activation: str, data, *, iters: int = 2000, batch_size: int = 100, lr: float = 0.1,
                        weight_std: float = 0.01, hidden_sizes=(40, 20), eval_every: int = 100,
                        eval_samples: int = 2000, seed: int = 0, dtype=np.float32) -> dict:
    """Train the course note's network with plain SGD and record accuracy and gradient sizes.

    activation: "sigmoid", "relu" or "tanh" (hidden layers); data: ``((x_train, t_train), (x_test, t_test))``
    as returned by :func:`dlcourse.data.load_mnist` (labels, not one-hot).
    Mini-batches are drawn with replacement from ``np.random.default_rng(seed)`` (the seed's
    ``np.random.choice``); the weights come from the same generator. Trained through
    :func:`dlcourse.train.fit`.

    Returns a dict:
      ``"iters"`` (E,) iteration numbers of the evaluations (0: before training, then every
      ``eval_every``), ``"test_acc"`` (E,) accuracy on the first ``eval_samples`` test images,
      ``"train_acc"`` (E,) on the first ``eval_samples`` training images,
      ``"grad_mean_abs"`` (iters, L) mean |dE/dW_l| of every weight matrix at every iteration,
      ``"loss"`` (iters,) the minibatch losses, ``"activation"``.
    """
    (x_train, t_train), (x_test, t_test) = data
    rng = np.random.default_rng(seed)
    net = MultiLayerNet(x_train.shape[1], list(hidden_sizes), 10, activation=activation,
                        weight_init=weight_std, rng=rng, dtype=dtype)
    n_layers = len(hidden_sizes) + 1
    grad_mean_abs = np.zeros((iters, n_layers))

    def record(it, loss, grads):
        grad_mean_abs[it - 1] = [np.mean(np.abs(grads[f"W{k}"])) for k in range(1, n_layers + 1)]

    steps = np.arange(0, iters + 1, eval_every)
    history = fit(net, SGD(lr), x_train, t_train, Minibatches(len(x_train), batch_size, rng, replace=True),
                  iters=iters, evaluate=accuracy_on(test_acc=(x_test[:eval_samples], t_test[:eval_samples]),
                                                    train_acc=(x_train[:eval_samples], t_train[:eval_samples])),
                  eval_at=steps, on_step=record, numpy_errors=None)
    return {"activation": activation, "iters": steps, "test_acc": history.test_acc,
            "train_acc": history.train_acc, "grad_mean_abs": grad_mean_abs, "loss": history.loss}


def plot_seed_experiment(results, width: int = 20) -> Figure:
    """Left: test accuracy of each run. Right: mean |dE/dW| per layer over the iterations (log scale).

    results: a list of dicts from :func:`run_seed_experiment` (e.g. sigmoid and ReLU); the
    gradient curves are moving averages over ``width`` iterations.
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
    ax_a.axhline(0.1135, color="gray", lw=1, ls=":")
    ax_a.annotate("11.35 %: always answering '1'", xy=(0, 0.1135), xytext=(600, 0.03), fontsize=8, color="gray")
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
