"""Figures and experiments of chapter 2, weight initialisation (重みの初期値).

Pure compute functions return NumPy data (tested directly); the ``plot_*``
functions draw that data on a Matplotlib figure and return it.

- :func:`layer_activations`: the book's experiment. 1000 samples of 100
  standard-normal features go through 5 fully connected layers of 100 units
  (no bias); the activations of every layer are returned.
- :func:`activation_histograms`: per-layer histograms of those activations on
  fixed bins (values outside the range are clipped into the edge bins).
- :func:`symmetry_demo`: trains a small network from all-zero weights and
  counts how many hidden units are still different from each other (the
  確認テスト: zero initialisation never breaks the symmetry).
- :func:`compare_inits_on_mnist`: the Day 2 course note's MNIST experiment
  (784-40-20-10, batch 100, learning rate 0.1) for several (initialisation,
  activation) pairs, trained through :func:`dlcourse.train.fit` (:func:`train_curves`).
"""

from __future__ import annotations

import numbers

import numpy as np

from dlcourse.figures import new_figure, smooth
from dlcourse.functions import ACTIVATIONS, activation as lookup_activation
from dlcourse.init import weight_std
from dlcourse.network import MultiLayerNet
from dlcourse.optimizers import SGD
from dlcourse.train import Divergence, Minibatches, accuracy_on, fit

__all__ = [
    "ACTIVATION_RANGES",
    "METHOD_LABELS",
    "resolve_std",
    "parse_method",
    "layer_activations",
    "activation_histograms",
    "layer_stats",
    "plot_activation_histograms",
    "plot_activation_grid",
    "distinct_units",
    "symmetry_demo",
    "train_curves",
    "compare_inits_on_mnist",
    "plot_training_curves",
]

#: Histogram range per activation: the range of its values (the book uses (0, 1) for the
#: sigmoid), with ReLU's unbounded values cut at 2.
ACTIVATION_RANGES = {name: (a.output_range[0], min(a.output_range[1], 2.0)) for name, a in ACTIVATIONS.items()}

#: Readable names of the initialisation methods.
METHOD_LABELS = {
    "xavier": "Xavier 1/sqrt(n) (LeCun)",
    "he": "He sqrt(2/n)",
    "glorot": "Glorot sqrt(2/(n_in+n_out))",
    "zero": "zero",
}


def resolve_std(method, n_in: int, n_out: int) -> float:
    """Standard deviation that ``method`` gives a ``(n_in, n_out)`` weight matrix.

    ``method`` is ``"xavier"``, ``"he"``, ``"glorot"``, ``"zero"`` or a float std
    (also accepted as a string such as ``"0.01"``).
    """
    if isinstance(method, str):
        try:
            method = float(method)
        except ValueError:
            return weight_std(method, n_in, n_out)
    if isinstance(method, numbers.Real) and float(method) == 0.0:
        return 0.0
    return weight_std(float(method), n_in, n_out)


def method_label(method) -> str:
    """Human-readable label of an initialisation method (a name or a std)."""
    if isinstance(method, str) and method in METHOD_LABELS:
        return METHOD_LABELS[method]
    return f"std {float(method):g}"


def layer_activations(method="xavier", activation="sigmoid", *, n_layers: int = 5,
                      n_units: int = 100, n_samples: int = 1000, rng=None, x=None, unit_weights=None):
    """Activations of a deep stack of fully connected layers at initialisation.

    x: (n_samples, n_units) input batch; by default standard normal, drawn from ``rng``.
    Every layer is ``a = z @ W`` with ``W: (n_in, n_units)`` drawn as
    ``std * standard_normal`` (``std`` from ``method``, see :func:`resolve_std`),
    then ``z = activation(a)`` (from :data:`dlcourse.functions.ACTIVATIONS`). No biases
    (they start at 0 anyway). ``unit_weights``: the standard normal matrices to scale instead
    of drawing them (one per layer; the explorer keeps them fixed while the std changes).

    Returns a list of ``n_layers`` arrays ``(n_samples, n_units)`` (``len(unit_weights)``
    with ``unit_weights``), the activations after layers 1..n_layers.
    """
    f = lookup_activation(activation).function
    rng = np.random.default_rng(0) if rng is None else rng
    if x is None:
        x = rng.standard_normal((n_samples, n_units))
    z = np.asarray(x, dtype=float)
    acts = []
    for layer in range(n_layers if unit_weights is None else len(unit_weights)):
        U = rng.standard_normal((z.shape[1], n_units)) if unit_weights is None else unit_weights[layer]
        z = f(z @ (resolve_std(method, U.shape[0], U.shape[1]) * U))
        acts.append(z)
    return acts


def activation_histograms(acts, activation="sigmoid", bins: int = 30, value_range=None):
    """Per-layer histograms of activations on fixed bins.

    acts: list of arrays (any shape), e.g. from :func:`layer_activations`.
    Values outside ``value_range`` (default :data:`ACTIVATION_RANGES`) are clipped
    into the first/last bin, so saturation shows at the edges.

    Returns ``(edges, counts)``: ``edges`` (bins + 1,), ``counts`` (n_layers, bins)
    as fractions of the values of each layer (each row sums to 1).
    """
    lo, hi = value_range if value_range is not None else ACTIVATION_RANGES[activation]
    edges = np.linspace(lo, hi, bins + 1)
    counts = np.empty((len(acts), bins))
    for i, a in enumerate(acts):
        values = np.ravel(a)
        # equal-width bins: the bin index is a scaled floor (faster than np.histogram)
        idx = np.floor((values - lo) * (bins / (hi - lo)))
        idx = np.clip(idx, 0, bins - 1).astype(np.intp)
        counts[i] = np.bincount(idx, minlength=bins) / max(values.size, 1)
    return edges, counts


def layer_stats(acts, activation="sigmoid"):
    """Per-layer summary: ``{"mean", "std", "saturated"}`` arrays of shape (n_layers,).

    ``saturated`` is the fraction of units whose local gradient is almost zero:
    sigmoid output below 0.01 or above 0.99, tanh beyond ±0.99, ReLU exactly 0.
    """
    means = np.array([float(np.mean(a)) for a in acts])
    stds = np.array([float(np.std(a)) for a in acts])
    if activation == "sigmoid":
        sat = [float(np.mean((a < 0.01) | (a > 0.99))) for a in acts]
    elif activation == "tanh":
        sat = [float(np.mean(np.abs(a) > 0.99)) for a in acts]
    else:
        sat = [float(np.mean(a <= 0.0)) for a in acts]
    return {"mean": means, "std": stds, "saturated": np.array(sat)}


def plot_activation_histograms(method="xavier", activation="sigmoid", *, rng=None, bins=30, fig=None):
    """Draw the histograms of the 5 layers for one (method, activation) pair; return the figure."""
    acts = layer_activations(method, activation, rng=rng)
    edges, counts = activation_histograms(acts, activation, bins=bins)
    stats = layer_stats(acts, activation)
    if fig is None:
        fig, axes = new_figure((11, 2.4), 1, len(acts), sharey=True)
    else:
        axes = fig.subplots(1, len(acts), sharey=True)
    for i, ax in enumerate(np.atleast_1d(axes)):
        ax.bar(edges[:-1], counts[i], width=np.diff(edges), align="edge", color="C0")
        ax.set_title(f"layer {i + 1}\nstd {stats['std'][i]:.3g}", fontsize=9)
        ax.set_xlim(edges[0], edges[-1])
        ax.set_ylim(0, 1)
    fig.suptitle(f"{activation}, {method_label(method)}", fontsize=10)
    fig.tight_layout()
    return fig


def plot_activation_grid(methods, activation="sigmoid", *, seed=0, bins=30, fig=None):
    """One row of per-layer histograms per initialisation method (the book's figures 6-10 to 6-14).

    Every row uses the same input batch and the same standard-normal draws (random seed
    ``seed``), so the rows differ only in the scale of the weights. Returns the figure.
    """
    methods = list(methods)
    if fig is None:
        fig, axes = new_figure((11, 2.0 * len(methods) + 0.4), len(methods), 5, sharey=True)
    else:
        axes = fig.subplots(len(methods), 5, sharey=True)
    axes = np.asarray(axes).reshape(len(methods), 5)
    sat_name = "zero" if activation == "relu" else "saturated"
    for row, method in enumerate(methods):
        acts = layer_activations(method, activation, rng=np.random.default_rng(seed))
        edges, counts = activation_histograms(acts, activation, bins=bins)
        stats = layer_stats(acts, activation)
        for i, ax in enumerate(axes[row]):
            ax.bar(edges[:-1], counts[i], width=np.diff(edges), align="edge", color=f"C{row}")
            ax.set_xlim(edges[0], edges[-1])
            ax.set_ylim(0, 1)
            ax.set_title(f"layer {i + 1}: std {stats['std'][i]:.2g}, {sat_name} {100 * stats['saturated'][i]:.0f}%",
                         fontsize=8)
        axes[row, 0].set_ylabel(method_label(method), fontsize=9)
    fig.suptitle(f"activations of 5 {activation} layers of 100 units", fontsize=10)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- symmetry (zero init)

def distinct_units(W, tol: float = 1e-10) -> int:
    """Number of different columns of ``W: (n_in, n_out)`` (hidden units), up to ``tol``.

    Two units are "the same" when their incoming weights differ by at most
    ``tol * (1 + max|W|)`` everywhere.
    """
    W = np.asarray(W, dtype=float)
    scale = tol * (1.0 + float(np.max(np.abs(W)))) if W.size else tol
    reps = []
    for j in range(W.shape[1]):
        col = W[:, j]
        if not any(np.max(np.abs(col - r)) <= scale for r in reps):
            reps.append(col)
    return len(reps)


def symmetry_demo(x, t, *, method="zero", activation="sigmoid", hidden=(40, 20), iters=300,
                  batch_size=100, lr=0.1, rng=None):
    """Train a small network from ``method`` and count its distinct hidden units.

    x: (N, D) inputs; t: (N,) integer labels (or one-hot). SGD on minibatches drawn with
    replacement from ``rng`` (which also draws the initial weights), through :func:`dlcourse.train.fit`.
    Returns ``{"distinct": [units per hidden layer that are still different],
    "hidden": hidden sizes, "accuracy": training accuracy at the end}``.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    x = np.asarray(x, dtype=float)
    t = np.asarray(t)
    net = MultiLayerNet(x.shape[1], list(hidden), int(np.max(t)) + 1 if t.ndim == 1 else t.shape[1],
                        activation=activation, weight_init=method, rng=rng)
    fit(net, SGD(lr=lr), x, t, Minibatches(len(x), batch_size, rng, replace=True), iters=iters)
    distinct = [distinct_units(net.params[f"W{i + 1}"]) for i in range(len(hidden))]
    return {"distinct": distinct, "hidden": list(hidden), "accuracy": float(net.accuracy(x, t))}


# --------------------------------------------------------------------------- MNIST experiment

def train_curves(net, data, *, iters=2000, batch_size=100, lr=0.1, eval_every=100, n_eval=1000,
                 rng=None, optimizer=None):
    """Train ``net`` with mini-batch SGD (or ``optimizer``) and record its curves.

    data: ``((x_train, t_train), (x_test, t_test))``, integer labels.
    Every iteration draws ``batch_size`` random training examples (with replacement) with
    ``rng`` and records the mini-batch loss, through :func:`dlcourse.train.fit`. Before training
    (iteration 0) and after every ``eval_every`` iterations, the accuracy on the first ``n_eval``
    training and test examples is recorded. Training stops early (the rest stays NaN) if the
    loss becomes NaN or infinite.

    Returns ``{"iters" (E,), "loss" (iters,), "train_acc" (E,), "test_acc" (E,)}``.
    """
    (x_train, t_train), (x_test, t_test) = data
    rng = np.random.default_rng(0) if rng is None else rng
    steps = np.arange(0, iters + 1, eval_every)
    history = fit(net, SGD(lr=lr) if optimizer is None else optimizer, x_train, t_train,
                  Minibatches(len(x_train), batch_size, rng, replace=True), iters=iters,
                  evaluate=accuracy_on(train_acc=(x_train[:n_eval], t_train[:n_eval]),
                                       test_acc=(x_test[:n_eval], t_test[:n_eval])),
                  eval_at=steps, stop=[Divergence(raise_error=False)])
    return {"iters": steps, "loss": history.padded_loss(iters),
            "train_acc": history.metric("train_acc", len(steps)), "test_acc": history.metric("test_acc", len(steps))}


def parse_method(method):
    """An initialisation method as :func:`dlcourse.init.init_weights` takes it: ``"0.01"`` -> 0.01;
    names and numbers stay as they are."""
    if isinstance(method, str):
        try:
            return float(method)
        except ValueError:
            return method
    return method


def compare_inits_on_mnist(configs=(("0.01", "sigmoid"), ("xavier", "sigmoid"), ("he", "relu")), *,
                           data=None, hidden=(40, 20), iters=2000, batch_size=100, lr=0.1,
                           eval_every=100, n_eval=1000, rng=None, dtype=np.float32):
    """The Day 2 course note's experiment: train 784-40-20-10 networks with plain SGD, one per config.

    configs: pairs ``(method, activation)``; method as in :func:`resolve_std`.
    data: ``((x_train, t_train), (x_test, t_test))`` with integer labels; by
        default :func:`dlcourse.data.load_mnist`.
    See :func:`train_curves` for what is recorded. float32 networks by default (twice as
    fast as float64; the curves look the same).

    Returns ``{label: curves}``, ``label = "<method> + <activation>"``.
    """
    if data is None:
        from dlcourse.data import load_mnist

        data = load_mnist(normalize=True, flatten=True, one_hot=False)
    rng = np.random.default_rng(0) if rng is None else rng
    results = {}
    for method, activation in configs:
        run_rng = np.random.default_rng(rng.integers(2**32))
        net = MultiLayerNet(data[0][0].shape[1], list(hidden), 10, activation=activation,
                            weight_init=parse_method(method), rng=run_rng, dtype=dtype)
        results[f"{method} + {activation}"] = train_curves(
            net, data, iters=iters, batch_size=batch_size, lr=lr, eval_every=eval_every,
            n_eval=n_eval, rng=run_rng)
    return results


def plot_training_curves(results, *, fig=None, title="test accuracy"):
    """Loss (left) and test accuracy (right) of each run of :func:`compare_inits_on_mnist`."""
    if fig is None:
        fig, (ax_loss, ax_acc) = new_figure((10, 3.2), 1, 2)
    else:
        ax_loss, ax_acc = fig.subplots(1, 2)
    for k, (label, r) in enumerate(results.items()):
        ax_loss.plot(*smooth(r["loss"], 20), color=f"C{k}", label=label)
        ax_acc.plot(r["iters"], r["test_acc"], "o-", ms=3, color=f"C{k}", label=label)
    ax_loss.set_xlabel("iteration")
    ax_loss.set_ylabel("training loss (moving average)")
    ax_acc.set_xlabel("iteration")
    ax_acc.set_ylabel(title)
    ax_acc.set_ylim(0, 1)
    ax_acc.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig
