"""Figures and experiments of chapter 3, batch normalisation (バッチ正規化).

Pure compute functions return NumPy data (tested directly); ``plot_*`` functions draw it.

- :func:`normalisation_demo`: a skewed mini-batch before and after batch norm.
- :func:`backward_paths`: the exact dx next to the dx of each path alone, for a tiny batch.
- :func:`running_stats_demo`: how ``running_mean`` / ``running_var`` (momentum 0.9 on the
  old value, biased batch variance) follow the batch statistics, and what test mode gives.
- :func:`compare_batchnorm`: the book's experiment. Deep ReLU networks (5 hidden layers of
  100 units) trained with SGD on a small MNIST subset, with and without batch norm, for
  several initial weight scales (one network after another, with ``MultiLayerNet``).
- :func:`train_grid` / :func:`batchnorm_grid`: the same experiment for a whole grid of
  (learning rate, initial std) pairs at once. The K networks of a grid are one stacked
  ``MultiLayerNet`` (weights with a leading axis K) trained together through
  :func:`dlcourse.train.fit` (one matrix product per layer for all of them, each with its own
  learning rate), which is what lets the explorer show every grid point without training on a
  slider change. :func:`grid_pair` reads one point back in :func:`train_pair`'s format.
"""

from __future__ import annotations

import numpy as np

from dlcourse.figures import new_figure
from dlcourse.init import init_weights
from dlcourse.layers import BatchNorm, batchnorm_backward, batchnorm_forward
from dlcourse.network import MultiLayerNet
from dlcourse.optimizers import SGD
from dlcourse.plots.initialization import parse_method, train_curves
from dlcourse.train import Divergence, Minibatches, accuracy_on, fit

__all__ = [
    "normalisation_demo",
    "plot_normalisation_demo",
    "backward_paths",
    "running_stats_demo",
    "plot_running_stats",
    "mnist_subset",
    "train_pair",
    "compare_batchnorm",
    "plot_batchnorm_comparison",
    "LEARNING_RATES",
    "WEIGHT_SCALES",
    "train_grid",
    "batchnorm_grid",
    "grid_pair",
    "plot_grid_accuracy",
]

# The explorer's grid: log-spaced, about x3 apart. The book's setting (learning rate 0.01,
# initial std 0.01 ... 1) is on it.
LEARNING_RATES = (0.01, 0.03, 0.1, 0.3, 1.0)
WEIGHT_SCALES = (0.01, 0.03, 0.1, 0.3, 1.0)


# --------------------------------------------------------------------------- forward
def normalisation_demo(n=200, rng=None):
    """A batch x (n, 3) whose features have very different means and scales, and its normalisation.

    Returns ``{"x", "xhat", "out"}``: ``xhat`` with gamma = 1, beta = 0; ``out`` with
    gamma = (2, 0.5, 1), beta = (1, -1, 0), all from :func:`dlcourse.layers.batchnorm_forward`.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    x = np.column_stack([5.0 + 0.5 * rng.standard_normal(n),       # shifted, narrow
                         40.0 * rng.standard_normal(n),            # wide
                         rng.exponential(2.0, n) - 3.0])           # skewed
    xhat, _ = batchnorm_forward(x, np.ones(3), np.zeros(3))
    out, _ = batchnorm_forward(x, np.array([2.0, 0.5, 1.0]), np.array([1.0, -1.0, 0.0]))
    return {"x": x, "xhat": xhat, "out": out}


def plot_normalisation_demo(demo=None, fig=None):
    """Histograms of the three features before (top) and after (bottom) normalisation."""
    demo = normalisation_demo() if demo is None else demo
    if fig is None:
        fig, axes = new_figure((10, 4.2), 2, 3)
    else:
        axes = fig.subplots(2, 3)
    for j in range(3):
        ax = axes[0, j]
        ax.hist(demo["x"][:, j], bins=25, color="C0")
        ax.set_title(f"feature {j + 1}: mean {demo['x'][:, j].mean():.2f}, std {demo['x'][:, j].std():.2f}",
                     fontsize=9)
        ax = axes[1, j]
        ax.hist(demo["xhat"][:, j], bins=25, color="C1")
        ax.set_title(f"x̂: mean {demo['xhat'][:, j].mean():.2f}, std {demo['xhat'][:, j].std():.2f}",
                     fontsize=9)
        ax.set_xlim(-4, 4)
    axes[0, 0].set_ylabel("before (x)")
    axes[1, 0].set_ylabel("after (x̂)")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- backward
def backward_paths(x, gamma, dout, eps=1e-5):
    """Split the exact dx of batch norm into its three paths.

    x, dout: (N, D); gamma: (D,). With ``dxhat = dout * gamma`` and ``s = sqrt(var + eps)``:
    ``direct = dxhat / s`` (x - mu in the numerator), ``mean = -mean(dxhat) / s`` (through mu),
    ``variance = -xhat * mean(dxhat * xhat) / s`` (through var). The compact formula is exact
    (also with eps). Returns ``{"direct", "mean", "variance", "exact"}``, each (N, D);
    ``exact`` comes from :func:`dlcourse.layers.batchnorm_backward` and equals the sum.
    """
    x = np.asarray(x, dtype=float)
    mu = x.mean(axis=0)
    s = np.sqrt(x.var(axis=0) + eps)
    xhat = (x - mu) / s
    dxhat = dout * gamma
    _, cache = batchnorm_forward(x, gamma, np.zeros_like(gamma), eps)
    exact, _, _ = batchnorm_backward(dout, cache)
    return {"direct": dxhat / s,
            "mean": np.broadcast_to(-dxhat.mean(axis=0) / s, x.shape).copy(),
            "variance": -xhat * np.mean(dxhat * xhat, axis=0) / s,
            "exact": exact}


# --------------------------------------------------------------------------- running statistics
def running_stats_demo(steps=60, batch_size=32, true_mean=3.0, true_std=2.0, momentum=0.9, rng=None):
    """Feed ``steps`` batches of one feature ~ N(true_mean, true_std²) to a BatchNorm layer.

    Returns ``{"batch_mean", "batch_var", "running_mean", "running_var"}`` (steps,) arrays
    (the running values after each step) and ``{"test_x", "test_train_mode", "test_eval_mode"}``:
    a batch of ONE example normalised in training mode (always beta: useless) and in test
    mode (with the running statistics).
    """
    rng = np.random.default_rng(0) if rng is None else rng
    bn = BatchNorm(np.ones(1), np.zeros(1), momentum=momentum)
    rec = {k: np.empty(steps) for k in ("batch_mean", "batch_var", "running_mean", "running_var")}
    for i in range(steps):
        xb = true_mean + true_std * rng.standard_normal((batch_size, 1))
        bn.forward(xb, train=True)
        rec["batch_mean"][i] = xb.mean()
        rec["batch_var"][i] = xb.var()
        rec["running_mean"][i] = bn.running_mean[0]
        rec["running_var"][i] = bn.running_var[0]
    test_x = np.array([[true_mean + true_std]])       # one example, one std above the mean
    probe = BatchNorm(np.ones(1), np.zeros(1), momentum=momentum)
    rec["test_x"] = float(test_x[0, 0])
    rec["test_train_mode"] = float(probe.forward(test_x, train=True)[0, 0])
    rec["test_eval_mode"] = float(bn.forward(test_x, train=False)[0, 0])
    rec["true_mean"], rec["true_var"] = true_mean, true_std ** 2
    return rec


def plot_running_stats(rec=None, fig=None):
    """Batch statistics (dots) and their running averages (lines) over training steps."""
    rec = running_stats_demo() if rec is None else rec
    if fig is None:
        fig, (a1, a2) = new_figure((10, 3.0), 1, 2)
    else:
        a1, a2 = fig.subplots(1, 2)
    steps = np.arange(1, len(rec["batch_mean"]) + 1)
    for ax, key, true, name in ((a1, "mean", rec["true_mean"], "mean"), (a2, "var", rec["true_var"], "variance")):
        ax.plot(steps, rec[f"batch_{key}"], ".", color="C0", label=f"batch {name}")
        ax.plot(steps, rec[f"running_{key}"], "-", color="C1", label=f"running_{key}")
        ax.axhline(true, color="gray", ls=":", label=f"true {name}")
        ax.set_xlabel("training step")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- MNIST experiments
def mnist_subset(n_train=1000, n_test=1000):
    """The first ``n_train`` training and ``n_test`` test images of MNIST (flattened, in [0, 1])."""
    from dlcourse.data import load_mnist

    (x, t), (xt, tt) = load_mnist(normalize=True, flatten=True, one_hot=False)
    return (x[:n_train], t[:n_train]), (xt[:n_test], tt[:n_test])


def train_pair(data, *, weight_init=0.1, lr=0.01, hidden=(100, 100, 100, 100, 100), iters=200,
               batch_size=100, eval_every=20, n_eval=500, seed=0, dtype=np.float32):
    """Train the same ReLU network twice, without and with batch norm, from the same weights.

    Both networks start from identical weights (the same random seed) and see the same mini-batches.
    Returns ``{"plain": curves, "batchnorm": curves}`` (see
    :func:`dlcourse.plots.initialization.train_curves`; accuracy measured on the test part of
    ``data``).
    """
    out = {}
    for key, use_bn in (("plain", False), ("batchnorm", True)):
        net = MultiLayerNet(data[0][0].shape[1], list(hidden), 10, activation="relu",
                            weight_init=parse_method(weight_init), use_batchnorm=use_bn,
                            rng=np.random.default_rng(seed), dtype=dtype)
        out[key] = train_curves(net, data, iters=iters, batch_size=batch_size, lr=lr,
                                eval_every=eval_every, n_eval=n_eval, rng=np.random.default_rng(seed + 1))
    return out


def compare_batchnorm(weight_inits=(1.0, 0.1, 0.03, 0.01), data=None, **kw):
    """:func:`train_pair` for each initial weight scale: ``{weight_init: {"plain", "batchnorm"}}``."""
    data = mnist_subset() if data is None else data
    return {w: train_pair(data, weight_init=w, **kw) for w in weight_inits}


def plot_batchnorm_comparison(results, fig=None):
    """One panel per initial weight scale: test accuracy with (solid) and without (dashed) batch norm."""
    n = len(results)
    if fig is None:
        fig, axes = new_figure((2.6 * n, 2.8), 1, n, sharey=True)
    else:
        axes = fig.subplots(1, n, sharey=True)
    axes = np.atleast_1d(axes)
    for ax, (w, pair) in zip(axes, results.items()):
        ax.plot(pair["batchnorm"]["iters"], pair["batchnorm"]["test_acc"], "-", color="C0", label="with batch norm")
        ax.plot(pair["plain"]["iters"], pair["plain"]["test_acc"], "--", color="C1", label="without")
        if not np.all(np.isfinite(pair["plain"]["loss"])):
            at = int(np.argmin(np.isfinite(pair["plain"]["loss"]))) + 1
            ax.text(0.5, 0.5, f"without batch norm:\ndiverged (NaN loss)\nat iteration {at}",
                    transform=ax.transAxes, ha="center", fontsize=8, color="C1")
        ax.set_title(f"initial std {w}", fontsize=9)
        ax.set_xlabel("iteration")
        ax.set_ylim(0, 1)
    axes[0].set_ylabel("test accuracy")
    axes[0].legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- a whole grid at once
def _labels(t, name):
    t = np.asarray(t)
    if t.ndim == 2:
        t = t.argmax(axis=1)
    if t.ndim != 1 or not np.issubdtype(t.dtype, np.integer):
        raise ValueError(f"train_grid: {name} must be integer class labels (N,) (or one-hot (N, C)); "
                         f"got dtype {t.dtype} and shape {t.shape}.")
    return t


def train_grid(data, lrs, scales, *, use_batchnorm, hidden=(100, 100, 100, 100, 100), iters=200,
               batch_size=100, eval_every=20, n_eval=500, seed=0, dtype=np.float32):
    """Train one ReLU network per (learning rate, initial std) pair, all at once.

    data: ``((x_train (N, D), t_train (N,)), (x_test, t_test))``; lrs: (A,), scales: (B,).
    Network (a, b) is exactly what :func:`train_pair` trains for ``lr=lrs[a]``,
    ``weight_init=scales[b]`` (same architecture, the same standard normal draws from
    ``default_rng(seed)`` scaled by the std, the same mini-batches from ``default_rng(seed + 1)``,
    plain SGD, batch-norm momentum 0.9 and eps 1e-5, loss recorded at every iteration, test
    accuracy on the first ``n_eval`` test images before training and after every
    ``eval_every`` iterations), only computed for all A*B networks together: one
    ``MultiLayerNet`` stack of A*B members (``weight_init`` the list of their stds), trained by
    ``SGD`` with one learning rate per member through :func:`dlcourse.train.fit`. Input pixels
    that are 0 in every training and evaluation image are left out of the stack (its first
    layer gets the other rows of the weights a full-size network draws): their weights get no
    gradient and multiply 0, so this changes nothing but the work. A network whose loss becomes
    NaN/inf is stopped there (the rest of its curves stay NaN).

    Returns ``{"lrs", "scales", "iters": (E,), "loss": (A, B, iters), "test_acc": (A, B, E)}``.
    """
    (x_train, t_train), (x_test, t_test) = data
    lrs = np.asarray(lrs, dtype=float).ravel()
    scales = np.asarray(scales, dtype=float).ravel()
    if lrs.size == 0 or scales.size == 0 or np.any(lrs <= 0) or np.any(scales <= 0):
        raise ValueError(f"train_grid: lrs and scales must be non-empty lists of positive numbers, "
                         f"got lrs={lrs.tolist()} and scales={scales.tolist()}.")
    if iters < 1 or batch_size < 1 or eval_every < 1 or n_eval < 1:
        raise ValueError("train_grid: iters, batch_size, eval_every and n_eval must be positive integers.")
    x_train = np.asarray(x_train).reshape(len(x_train), -1)
    t_train, t_eval = _labels(t_train, "t_train"), _labels(t_test, "t_test")[:n_eval]
    x_eval = np.asarray(x_test[:n_eval]).reshape(len(t_eval), -1)
    used = np.any(x_train != 0, axis=0) | np.any(x_eval != 0, axis=0)
    x_train, x_eval = x_train[:, used], x_eval[:, used]
    shape = (lrs.size, scales.size)
    inits = list(np.tile(scales, lrs.size))
    net = MultiLayerNet(int(used.sum()), list(hidden), 10, activation="relu", weight_init=inits,
                        use_batchnorm=use_batchnorm, rng=np.random.default_rng(seed), dtype=dtype)
    full = init_weights([len(used), *hidden, 10], inits, np.random.default_rng(seed), dtype)
    for i, (W, _) in enumerate(full, start=1):
        net.params[f"W{i}"][...] = W[:, used] if i == 1 else W
    steps = np.arange(0, iters + 1, eval_every)
    history = fit(net, SGD(lr=np.repeat(lrs, scales.size)[:, None, None]), x_train, t_train,
                  Minibatches(len(x_train), batch_size, np.random.default_rng(seed + 1), replace=True),
                  iters=iters, evaluate=accuracy_on(test_acc=(x_eval, t_eval)), eval_at=steps,
                  stop=[Divergence(raise_error=False)])
    loss = history.padded_loss(iters).T                       # (A*B, iters)
    test_acc = history.metric("test_acc", len(steps)).T       # (A*B, E)
    return {"lrs": tuple(lrs.tolist()), "scales": tuple(scales.tolist()), "iters": steps,
            "loss": loss.reshape(*shape, iters), "test_acc": test_acc.reshape(*shape, len(steps))}


def batchnorm_grid(data=None, lrs=LEARNING_RATES, scales=WEIGHT_SCALES, **kw):
    """:func:`train_grid` without and with batch norm (same weights, same mini-batches).

    data: as in :func:`train_grid`, default :func:`mnist_subset`. Other keywords go to
    :func:`train_grid` (``hidden``, ``iters``, ``batch_size``, ``eval_every``, ``n_eval``, ...).
    Returns ``{"lrs", "scales", "iters": (E,), "plain": {"loss": (A, B, iters),
    "test_acc": (A, B, E)}, "batchnorm": {...}}``.
    """
    data = mnist_subset() if data is None else data
    out = {}
    for key, use_bn in (("plain", False), ("batchnorm", True)):
        r = train_grid(data, lrs, scales, use_batchnorm=use_bn, **kw)
        out[key] = {"loss": r["loss"], "test_acc": r["test_acc"]}
    return {"lrs": r["lrs"], "scales": r["scales"], "iters": r["iters"], **out}


def _grid_index(values, value, name):
    hits = np.flatnonzero(np.isclose(values, float(value), rtol=1e-9, atol=0.0))
    if hits.size == 0:
        raise ValueError(f"grid_pair: {name} {value!r} is not on the grid {list(values)}; "
                         f"pick one of those (or compute a grid that contains it).")
    return int(hits[0])


def grid_pair(grid, lr, scale):
    """The curves of one grid point in :func:`train_pair`'s format.

    Returns ``{"plain": {"iters" (E,), "loss" (iters,), "test_acc" (E,)}, "batchnorm": {...}}``
    (read-only views into ``grid``).
    """
    a = _grid_index(grid["lrs"], lr, "learning rate")
    b = _grid_index(grid["scales"], scale, "initial std")
    out = {}
    for key in ("plain", "batchnorm"):
        curves = {"iters": grid["iters"], "loss": grid[key]["loss"][a, b], "test_acc": grid[key]["test_acc"][a, b]}
        out[key] = {k: _read_only(v) for k, v in curves.items()}
    return out


def _read_only(a):
    v = a.view()
    v.flags.writeable = False
    return v


def plot_grid_accuracy(grid, fig=None):
    """Final test accuracy over the grid: without (left) and with (right) batch norm.

    Rows: learning rate, columns: initial std; a cell is marked "NaN" where training diverged.
    """
    if fig is None:
        fig, axes = new_figure((10, 3.4), 1, 2)
    else:
        axes = fig.subplots(1, 2)
    lrs, scales = grid["lrs"], grid["scales"]
    for ax, key, title in ((axes[0], "plain", "without batch norm"), (axes[1], "batchnorm", "with batch norm")):
        acc = grid[key]["test_acc"][..., -1]
        image = ax.imshow(np.nan_to_num(acc, nan=0.0), vmin=0, vmax=1, cmap="viridis", origin="lower",
                          aspect="auto")
        for a in range(len(lrs)):
            for b in range(len(scales)):
                v = acc[a, b]
                text = "NaN" if not np.isfinite(v) else f"{v:.2f}"
                ax.text(b, a, text, ha="center", va="center", fontsize=8,
                        color="white" if not np.isfinite(v) or v < 0.6 else "black")
        ax.set_xticks(range(len(scales)), [f"{s:g}" for s in scales])
        ax.set_yticks(range(len(lrs)), [f"{v:g}" for v in lrs])
        ax.set_xlabel("initial std")
        ax.set_title(f"{title}: test accuracy after {grid['iters'][-1]} iterations", fontsize=9)
    axes[0].set_ylabel("learning rate")
    fig.colorbar(image, ax=list(axes), fraction=0.03)
    return fig
