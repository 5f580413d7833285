"""Figures and experiments of chapter 1, vanishing gradients (勾配消失問題) and activations beyond ReLU.

- :func:`activation_curves` / :func:`plot_activations`: sigmoid, tanh and ReLU with their derivatives
  (the sigmoid's derivative peaks at 0.25, the 確認テスト).
- :func:`plot_derivative_bound`: the bound 0.25**k on the product of k sigmoid derivatives.
- :func:`run_note_experiment` / :func:`plot_note_experiment`: the experiment of the Day 2 course note, a
  784-40-20-10 network, weights drawn with std 0.01, SGD with learning rate 0.1, 2000 iterations of
  batch 100 on MNIST; sigmoid hidden layers stay at chance level while ReLU learns, and the per-layer
  gradient magnitudes show why.
- :func:`layer_statistics`: a deep network of equal-width layers on random inputs, its per-layer gradient
  sizes, activation histograms and statistics (the explorer's compute part, and the data of
  :func:`plot_self_normalisation`).
- Beyond ReLU: :func:`plot_activation_family` (tanh, Leaky ReLU, ELU, SELU, GELU and their derivatives,
  GELU's tanh formula against the exact one), :func:`normal_moments` and :func:`selu_constants` (where
  SELU's alpha and lambda come from), :func:`self_normalisation_runs` / :func:`plot_self_normalisation`
  (SELU's fixed point and what breaks it), :func:`dead_units_experiment` (dead ReLUs on MNIST and what
  Leaky ReLU changes) and :func:`time_activations` (what each costs).
"""

from __future__ import annotations

import math
import time

import numpy as np
from matplotlib.figure import Figure

from ..figures import smooth, static_figure
from ..functions import (ACTIVATIONS, GELU_ARGMIN, GELU_MIN, SELU_ALPHA, SELU_LAMBDA, activation as lookup_activation,
                         gelu, gelu_grad, leaky_relu, leaky_relu_grad)
from ..layers import (activation_layer, affine_backward, affine_forward, batchnorm_backward, batchnorm_forward,
                      softmax_cross_entropy_backward, softmax_cross_entropy_forward)
from ..network import MultiLayerNet
from ..optimizers import SGD
from ..train import Minibatches, accuracy_on, fit

__all__ = ["activation_curves", "plot_activations", "plot_derivative_bound", "run_note_experiment",
           "plot_note_experiment", "LAYER_COLORS", "layer_statistics", "plot_activation_family", "normal_moments",
           "selu_constants", "self_normalisation_runs", "plot_self_normalisation", "dead_units_experiment",
           "time_activations"]

LAYER_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


def activation_curves(x=None, names=("sigmoid", "tanh", "relu")) -> dict[str, np.ndarray]:
    """Values and derivatives of activations of :data:`dlcourse.functions.ACTIVATIONS` on a grid.

    x: (M,) grid, default ``np.linspace(-6, 6, 601)``; names: the activations.
    Returns ``{"x", name, name + "_grad", ...}``, each (M,), e.g. ``"sigmoid"``, ``"sigmoid_grad"``.
    """
    x = np.linspace(-6.0, 6.0, 601) if x is None else np.asarray(x, dtype=float)
    curves = {"x": x}
    for name in names:
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


# ----------------------------------------------------------------------------- a deep network's statistics
class _Setup:
    """Fixed random inputs, labels and unit-variance weight matrices, drawn once per (width, depth, seed)."""

    def __init__(self, width: int, max_depth: int, n_samples: int, n_classes: int, seed: int):
        rng = np.random.default_rng(seed)
        self.x = rng.standard_normal((n_samples, width))
        self.t = np.arange(n_samples) % n_classes
        self.W = [rng.standard_normal((width, width)) for _ in range(max_depth)]
        self.W_out = rng.standard_normal((width, n_classes))


_SETUPS: dict[tuple, _Setup] = {}


def _setup(width, max_depth, n_samples, n_classes, seed) -> _Setup:
    key = (width, max_depth, n_samples, n_classes, seed)
    if key not in _SETUPS:
        if len(_SETUPS) >= 4:                   # the explorer's and the figures' networks, a few at a time
            _SETUPS.pop(next(iter(_SETUPS)))
        _SETUPS[key] = _Setup(*key)
    return _SETUPS[key]


def layer_statistics(activation: str = "sigmoid", depth: int = 5, init_std: float = 0.01, *, width: int = 100,
                     n_samples: int = 500, n_classes: int = 10, bins: int = 30, seed: int = 0,
                     max_depth: int = 12, input_std: float = 1.0, bn_gamma: float | None = None) -> dict:
    """Forward and backward pass of a deep network; per-layer gradient sizes and activation histograms.

    Network: x (n_samples, width) -> depth x [affine (width, width), zero bias -> activation]
    -> affine (width, n_classes) -> softmax cross-entropy with labels ``arange(n_samples) % n_classes``.
    Every weight matrix is ``init_std * (standard normal)``; the normal draws are fixed by the random
    seed ``seed``, so changing ``init_std`` rescales the same matrices. The inputs are
    ``input_std * (standard normal)``. ``bn_gamma``: None (no batch norm), or a number: batch norm
    (training mode, ``gamma = bn_gamma``, ``beta = 0``) between each hidden affine layer and its
    activation.

    Returns a dict:
      ``"grad_mean_abs"`` (depth + 1,) mean |dE/dW_l| for the hidden layers 1..depth and the output layer;
      ``"delta_mean_abs"`` (depth,) mean |dE/du_l| (the signal that reaches each hidden layer);
      ``"hist"`` (depth, bins) histogram counts of each hidden layer's activations;
      ``"edges"`` (bins + 1,) the common bin edges; ``"act_mean"``, ``"act_std"`` (depth,): the mean and
      standard deviation of each hidden layer's activations (over all its units and samples together);
      ``"act_zero"`` (depth,) the fraction of activations that are exactly 0.
    """
    lookup_activation(activation)  # a ValueError naming the choices
    depth = int(depth)
    if not 1 <= depth <= max_depth:
        raise ValueError(f"depth must be between 1 and {max_depth}, got {depth}.")
    if not (np.isfinite(init_std) and init_std > 0):
        raise ValueError(f"init_std must be a positive number, got {init_std!r}.")
    if not (np.isfinite(input_std) and input_std > 0):
        raise ValueError(f"input_std must be a positive number, got {input_std!r}.")
    s = _setup(width, max_depth, n_samples, n_classes, seed)
    act_forward, act_backward = activation_layer(activation)
    zero = np.zeros(width)
    gamma = None if bn_gamma is None else np.full(width, float(bn_gamma))
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        h = input_std * s.x
        caches, acts = [], []
        for W in s.W[:depth]:
            u, affine_cache = affine_forward(h, init_std * W, zero, copy=False)
            bn_cache = None
            if gamma is not None:
                u, bn_cache = batchnorm_forward(u, gamma, zero)
            h, act_cache = act_forward(u)
            caches.append((affine_cache, bn_cache, act_cache))
            acts.append(h)
        logits, out_cache = affine_forward(h, init_std * s.W_out, np.zeros(n_classes), copy=False)
        _, loss_cache = softmax_cross_entropy_forward(logits, s.t)
        d, dW, _ = affine_backward(softmax_cross_entropy_backward(1.0, loss_cache), out_cache)
        grad_mean_abs = np.zeros(depth + 1)
        grad_mean_abs[depth] = np.mean(np.abs(dW))
        delta_mean_abs = np.zeros(depth)
        for layer in range(depth - 1, -1, -1):
            affine_cache, bn_cache, act_cache = caches[layer]
            du = act_backward(d, act_cache)                      # dE/du of hidden layer `layer`
            if bn_cache is not None:
                du = batchnorm_backward(du, bn_cache)[0]
            delta_mean_abs[layer] = np.mean(np.abs(du))
            d, dW, _ = affine_backward(du, affine_cache, need_dx=layer > 0)
            grad_mean_abs[layer] = np.mean(np.abs(dW))
        A = np.array(acts)
        lo, hi = ACTIVATIONS[activation].output_range
        if not (np.isfinite(lo) and np.isfinite(hi)):            # unbounded: the 1st / 99th percentile
            finite = A[np.isfinite(A)]
            if not np.isfinite(hi):
                hi = float(np.percentile(finite, 99)) if finite.size else 1.0
                hi = hi if hi > 0 else 1.0
            if not np.isfinite(lo):                              # leaky ReLU
                lo = float(np.percentile(finite, 1)) if finite.size else -1.0
                lo = lo if lo < 0 else -0.01 * hi
        edges = np.linspace(lo, hi, bins + 1)
        hist = np.array([np.histogram(np.clip(a, lo, hi), bins=edges)[0] for a in acts])
    return {"activation": activation, "depth": depth, "init_std": float(init_std),
            "grad_mean_abs": grad_mean_abs, "delta_mean_abs": delta_mean_abs, "hist": hist, "edges": edges,
            "act_mean": A.reshape(depth, -1).mean(axis=1), "act_std": A.reshape(depth, -1).std(axis=1),
            "act_zero": (A.reshape(depth, -1) == 0).mean(axis=1)}


# ----------------------------------------------------------------------------- beyond ReLU
#: The activations of the "beyond ReLU" section, with their colours.
FAMILY = (("tanh", "tab:green"), ("relu", "tab:red"), ("leaky_relu", "tab:orange"), ("elu", "tab:purple"),
          ("selu", "tab:blue"), ("gelu", "tab:brown"))


def plot_activation_family(x=None, leaky_alpha: float = 0.1) -> Figure:
    """Three panels: the activations of :data:`FAMILY`, their derivatives at the pre-activation (with the
    value each takes at its kink x = 0 as a filled dot and the other side's limit as an open one), and
    GELU's tanh formula minus the exact GELU.

    Leaky ReLU is drawn with the slope ``leaky_alpha`` (0.1: the library's default 0.01 would be invisible).
    """
    x = np.linspace(-4.0, 3.0, 1401) if x is None else np.asarray(x, dtype=float)
    fig, (ax_f, ax_d, ax_g) = static_figure((13.0, 3.6), ncols=3)
    for name, color in FAMILY:
        if name == "leaky_relu":
            f, d, label = leaky_relu(x, leaky_alpha), leaky_relu_grad(x, leaky_alpha), f"leaky ReLU ({leaky_alpha:g})"
        else:
            f, d, label = ACTIVATIONS[name].function(x), ACTIVATIONS[name].derivative(x), name
        ax_f.plot(x, f, color=color, label=label)
        ax_d.plot(np.where(x == 0, np.nan, x), d, color=color, label=label)     # no vertical line at a kink
    kinks = {"relu": (0.0, 1.0, "tab:red"), "leaky_relu": (leaky_alpha, 1.0, "tab:orange"),
             "selu": (SELU_LAMBDA * SELU_ALPHA, SELU_LAMBDA, "tab:blue")}
    for taken, other, color in kinks.values():
        ax_d.plot([0], [taken], "o", color=color, ms=5)
        ax_d.plot([0], [other], "o", mfc="white", color=color, ms=5)
    ax_f.plot([GELU_ARGMIN], [GELU_MIN], "v", color="tab:brown", ms=5)
    ax_f.set_ylim(-2.0, 3.0)
    ax_f.set_title("activations")
    ax_d.set_ylim(-0.25, 1.9)
    ax_d.set_title("derivatives at the pre-activation\n(filled: the value taken at 0)", fontsize=10)
    g = np.linspace(-6.0, 6.0, 2401)
    ax_g.plot(g, 1e4 * (gelu(g, approximate="tanh") - gelu(g)), color="tab:brown")
    ax_g.set_title("GELU: tanh formula - exact x Phi(x)  (x 1e-4)", fontsize=10)
    for ax in (ax_f, ax_d, ax_g):
        ax.set_xlabel("pre-activation u")
        ax.grid(alpha=0.3)
    ax_f.legend(loc="upper left", fontsize=8)
    return fig


def normal_moments(f, std: float = 1.0, *, half_width: float = 12.0, n: int = 120_000) -> tuple[float, float]:
    """``(E[f(z)], E[f(z)**2])`` for ``z ~ N(0, std**2)``: Simpson's rule on ``[0, half_width * std]`` for z
    and for -z, so that a kink of f at 0 is an end point (accurate to about 1e-15 for the course's
    activations). f: a function of an array."""
    z = np.linspace(0.0, half_width * std, n + 1)
    w = np.ones_like(z)
    w[1:-1:2], w[2:-1:2] = 4.0, 2.0
    w *= (z[1] - z[0]) / 3 * np.exp(-0.5 * (z / std) ** 2) / (std * math.sqrt(2 * math.pi))
    right, left = np.asarray(f(z), dtype=float), np.asarray(f(-z), dtype=float)
    return float(np.sum(w * (right + left))), float(np.sum(w * (right ** 2 + left ** 2)))


def selu_constants() -> tuple[float, float]:
    """SELU's ``(alpha, lambda)`` solved from E[selu(z)] = 0 and E[selu(z)**2] = 1 for z ~ N(0, 1).

    With Phi the standard normal CDF, E[z; z > 0] = 1/sqrt(2 pi), E[z**2; z > 0] = 1/2,
    E[e**z; z <= 0] = e**(1/2) Phi(-1), E[e**(2z); z <= 0] = e**2 Phi(-2), so

    - mean 0 (lambda cancels): ``alpha = (1/sqrt(2 pi)) / (1/2 - e**(1/2) Phi(-1))``;
    - mean square 1: ``lambda = 1 / sqrt(1/2 + alpha**2 (e**2 Phi(-2) - 2 e**(1/2) Phi(-1) + 1/2))``.
    """
    def phi(v):
        return 0.5 * math.erfc(-v / math.sqrt(2.0))

    alpha = (1.0 / math.sqrt(2.0 * math.pi)) / (0.5 - math.exp(0.5) * phi(-1.0))
    left_square = math.exp(2.0) * phi(-2.0) - 2.0 * math.exp(0.5) * phi(-1.0) + 0.5
    lam = 1.0 / math.sqrt(0.5 + alpha ** 2 * left_square)
    return alpha, lam


#: The runs of :func:`self_normalisation_runs`: label -> (activation, tau = width * Var(w), input std,
#: batch-norm gamma or None). tau = 1: LeCun normal; 2: He; 1/3: PyTorch's default for nn.Linear,
#: uniform on +-1/sqrt(n_in), whose variance is 1/(3 n_in).
SELF_NORMALISATION_CASES = {
    "SELU, LeCun (tau = 1)": ("selu", 1.0, 1.0, None),
    "SELU, LeCun, inputs of std 3": ("selu", 1.0, 3.0, None),
    "SELU, LeCun, inputs of std 0.3": ("selu", 1.0, 0.3, None),
    "SELU, He (tau = 2)": ("selu", 2.0, 1.0, None),
    "SELU, PyTorch's nn.Linear default (tau = 1/3)": ("selu", 1.0 / 3.0, 1.0, None),
    "SELU, He + batch norm (gamma = 1.5)": ("selu", 2.0, 1.0, 1.5),
    "ReLU, He": ("relu", 2.0, 1.0, None),
    "ReLU, He, inputs of std 3": ("relu", 2.0, 3.0, None),
}


def self_normalisation_runs(depth: int = 30, width: int = 100, cases=None) -> dict[str, dict]:
    """Per-layer mean and variance of the activations (all units and samples together) of deep networks,
    measured with :func:`layer_statistics` (the explorer's network: width ``width``, 500 random inputs).

    cases: label -> (activation, tau, input std, batch-norm gamma or None), default
    :data:`SELF_NORMALISATION_CASES`; the weights have standard deviation ``sqrt(tau / width)``.
    Returns label -> ``{"mean": (depth,), "var": (depth,), "zero": (depth,)}`` (``zero``: the share of
    activations that are exactly 0).
    """
    runs = {}
    for label, (act, tau, input_std, gamma) in (cases or SELF_NORMALISATION_CASES).items():
        st = layer_statistics(act, depth, math.sqrt(tau / width), width=width, max_depth=depth, input_std=input_std,
                              bn_gamma=gamma)
        runs[label] = {"mean": st["act_mean"], "var": st["act_std"] ** 2, "zero": st["act_zero"]}
    return runs


def plot_self_normalisation(runs) -> Figure:
    """Left: the variance of each layer's activations (log scale); right: their mean. runs: from
    :func:`self_normalisation_runs`. SELU runs are solid, ReLU runs dashed, batch norm dotted."""
    fig, (ax_v, ax_m) = static_figure((11.0, 4.0), ncols=2)
    colors = {"SELU, LeCun (tau = 1)": "tab:blue", "SELU, LeCun, inputs of std 3": "tab:cyan",
              "SELU, LeCun, inputs of std 0.3": "tab:purple", "SELU, He (tau = 2)": "tab:red",
              "SELU, PyTorch's nn.Linear default (tau = 1/3)": "tab:gray",
              "SELU, He + batch norm (gamma = 1.5)": "tab:olive", "ReLU, He": "tab:orange",
              "ReLU, He, inputs of std 3": "tab:brown"}
    for label, r in runs.items():
        layers = np.arange(1, len(r["var"]) + 1)
        ls = ":" if "batch norm" in label else ("--" if label.startswith("ReLU") else "-")
        lw = 2.4 if label.startswith("SELU, LeCun (") else 1.5
        ax_v.semilogy(layers, np.maximum(r["var"], 1e-12), ls, color=colors.get(label), lw=lw, label=label)
        ax_m.plot(layers, r["mean"], ls, color=colors.get(label), lw=lw, label=label)
    ax_v.axhline(1.0, color="0.6", lw=0.8, zorder=0)
    ax_m.axhline(0.0, color="0.6", lw=0.8, zorder=0)
    ax_v.set_ylim(1e-4, 1e3)
    ax_m.set_ylim(-0.5, 4.0)
    ax_v.set_title("variance of each layer's activations")
    ax_m.set_title("mean of each layer's activations")
    for ax in (ax_v, ax_m):
        ax.set_xlabel("hidden layer")
        ax.grid(alpha=0.3, which="both")
    ax_v.legend(fontsize=7, loc="lower left", ncols=2)
    return fig


def _dead_first_layer(net, x) -> np.ndarray:
    """(H,) True for the first-layer units whose pre-activation is <= 0 for every row of x."""
    u = x @ net.params["W1"] + net.params["b1"]
    return np.all(u <= 0, axis=0)


def dead_units_experiment(data, *, hidden=(100, 100), burst_lr: float = 1.0, burst_iters: int = 20,
                          lr: float = 0.1, iters: int = 1000, batch_size: int = 100, seed: int = 0,
                          dtype=np.float32) -> dict:
    """Dead ReLUs on MNIST, and what Leaky ReLU changes about them.

    A 784-hidden-10 ReLU network (He init) takes ``burst_iters`` SGD steps with the too-large learning
    rate ``burst_lr``; some first-layer units end up with a pre-activation <= 0 for every training image
    ("dead"). From exactly these weights, two networks continue for ``iters`` steps with ``lr`` on the
    same mini-batches: one with ReLU, one with Leaky ReLU (slope 0.01). Everything is trained through
    :func:`dlcourse.train.fit`; random numbers come from ``np.random.default_rng(seed)``.

    Returns ``{"dead": int, "hidden": int, "burst_test_acc": float, "runs": {activation: {...}}}`` where each
    run has ``"still_dead"`` (of the dead units, how many are still dead at the end), ``"unchanged"`` (how
    many of them have bit-for-bit the same incoming weights and bias as after the burst), ``"mean_change"``
    (the mean |change| of those weights), ``"mean_change_alive"`` (the same for the other units) and
    ``"test_acc"``.
    """
    (x_train, t_train), (x_test, t_test) = data
    rng = np.random.default_rng(seed)
    net = MultiLayerNet(x_train.shape[1], list(hidden), 10, activation="relu", weight_init="he", rng=rng, dtype=dtype)
    fit(net, SGD(burst_lr), x_train, t_train, Minibatches(len(x_train), batch_size, rng), iters=burst_iters)
    dead = _dead_first_layer(net, x_train)
    state = {k: v.copy() for k, v in net.params.items()}
    batches = [idx for idx, _ in zip(Minibatches(len(x_train), batch_size, rng), range(iters))]
    runs = {}
    for act in ("relu", "leaky_relu"):
        cont = MultiLayerNet(x_train.shape[1], list(hidden), 10, activation=act, weight_init="he",
                             rng=np.random.default_rng(0), dtype=dtype)
        for key, value in state.items():
            cont.params[key][...] = value
        fit(cont, SGD(lr), x_train, t_train, iter(batches), iters=iters)
        change = np.abs(cont.params["W1"] - state["W1"])
        unchanged = np.all(change[:, dead] == 0, axis=0) & (cont.params["b1"][dead] == state["b1"][dead])
        runs[act] = {"still_dead": int(np.sum(_dead_first_layer(cont, x_train)[dead])),
                     "unchanged": int(np.sum(unchanged)),
                     "mean_change": float(change[:, dead].mean()) if dead.any() else 0.0,
                     "mean_change_alive": float(change[:, ~dead].mean()) if (~dead).any() else 0.0,
                     "test_acc": float(cont.accuracy(x_test, t_test))}
    return {"dead": int(dead.sum()), "hidden": int(hidden[0]), "burst_test_acc": float(net.accuracy(x_test, t_test)),
            "runs": runs}


def time_activations(names=("relu", "leaky_relu", "tanh", "sigmoid", "elu", "selu", "gelu", "gelu_tanh"),
                     n: int = 200_000, repeats: int = 20, seed: int = 0) -> dict[str, float]:
    """Seconds to compute each activation and its derivative on ``n`` float32 standard normal numbers, divided by
    the time of ReLU measured in the same run (best of ``repeats``: the least disturbed run). A ratio, not an
    absolute time: the machine's speed cancels out. ``"gelu_tanh"`` is GELU with ``approximate="tanh"``."""
    x = np.random.default_rng(seed).standard_normal(n).astype(np.float32)

    def best(name):
        if name == "gelu_tanh":
            def f(v):
                return gelu(v, approximate="tanh"), gelu_grad(v, approximate="tanh")
        else:
            act = ACTIVATIONS[name]

            def f(v):
                return act.function(v), act.derivative(v)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            f(x)
            times.append(time.perf_counter() - start)
        return min(times)

    base = best("relu")
    return {name: best(name) / base for name in names}
