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

import json
import re
from pathlib import Path

import numpy as np

from dlcourse.figures import new_figure, smooth, static_figure
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
    "NOTE_LOG",
    "NOTE_VARIANTS",
    "NOTE_STYLE",
    "init_label",
    "NOTE_LRS",
    "NOTE_INITS",
    "NOTE_SEEDS",
    "WeightsAndBiasesOnly",
    "note_data",
    "note_run",
    "note_runs",
    "note_sweep",
    "save_note_sweep",
    "load_note_sweep",
    "sweep_curves",
    "final_accuracy",
    "first_batch_gradients",
    "sweep_summary",
    "plot_note_experiment",
    "plot_lr_sweep",
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


# --------------------------------------------------------------------------- the course note's experiment
# The Day 2 course note trains a 784-40-20-10 sigmoid network on MNIST with plain SGD (learning rate 0.01,
# minibatches of 100 drawn with replacement, 1000 iterations; its loop updates W1..W3 and b1..b3 only) and
# prints the test accuracy (on the 10,000 test images) every 10 iterations.
NOTE_HIDDEN = (40, 20)
NOTE_ACTIVATION = "sigmoid"
NOTE_LR = 0.01
NOTE_BATCH_SIZE = 100
NOTE_ITERS = 1000
#: the training images every machine of the course has (the first 24,345 of MNIST's 60,000): the experiment
#: uses exactly these, so that a machine with the full training set computes the same numbers as the others
NOTE_N_TRAIN = 24_345
NOTE_N_TEST = 10_000

#: the note's printed test accuracy, iterations 10, 20, ..., 1000: its run WITH batch norm (the 80.51 %), and
#: its SGD run of the same network without batch norm (its optimizer section, initial std 0.01)
NOTE_LOG = {
    "iters": tuple(range(10, 1001, 10)),
    "batchnorm": (
        0.2072, 0.2847, 0.3116, 0.3368, 0.3558, 0.3755, 0.3891, 0.4013, 0.4161, 0.43, 0.4415, 0.4514, 0.4682,
        0.4802, 0.4978, 0.5089, 0.5232, 0.5312, 0.5481, 0.564, 0.5725, 0.5859, 0.5961, 0.6057, 0.6171, 0.6282,
        0.6376, 0.6497, 0.6608, 0.6645, 0.6751, 0.6799, 0.686, 0.6943, 0.6961, 0.7011, 0.7088, 0.7186, 0.7229,
        0.7299, 0.7357, 0.7392, 0.7403, 0.7409, 0.7474, 0.7436, 0.7446, 0.7503, 0.7521, 0.7541, 0.7567, 0.7572,
        0.7624, 0.7677, 0.7693, 0.767, 0.7697, 0.7726, 0.7729, 0.7756, 0.7714, 0.7766, 0.7744, 0.7797, 0.7792,
        0.7788, 0.7803, 0.7833, 0.7834, 0.7826, 0.7848, 0.784, 0.7882, 0.7881, 0.7854, 0.7838, 0.7872, 0.7867,
        0.7876, 0.7913, 0.7859, 0.7892, 0.7915, 0.7942, 0.7961, 0.7969, 0.7972, 0.7983, 0.801, 0.8024, 0.8008,
        0.7989, 0.7991, 0.801, 0.8012, 0.8044, 0.8042, 0.8031, 0.8035, 0.8051),
    "plain": (0.1032,) * 5 + (0.0958,) + (0.1135,) * 94,
}

#: the three ways of training the note's network that the experiment compares
NOTE_VARIANTS = {
    "plain": "without batch norm",
    "batchnorm": "batch norm, the note's loop (γ, β never trained)",
    "batchnorm_all": "batch norm, γ and β trained too",
}
NOTE_LRS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
#: "xavier" (1/sqrt(n_in)) reproduces the note's curve; 0.01 is the std of the note's printed code
NOTE_INITS = ("xavier", 0.01)
NOTE_SEEDS = (0, 1, 2, 3, 4)
NOTE_EVAL_EVERY = 50
NOTE_LOSS_BLOCK = 10
NOTE_SWEEP_FILE = Path(__file__).with_name("results") / "batchnorm_note_sweep.npz"


class WeightsAndBiasesOnly:
    """An optimizer that updates only the weights and biases ``W1, b1, W2, ...`` of ``params``.

    It is the course note's loop, which names ``W1 .. W3`` and ``b1 .. b3`` and nothing else: the
    batch-norm parameters ``gamma``/``beta`` keep their initial values 1 and 0. ``optimizer`` (e.g.
    :class:`dlcourse.optimizers.SGD`) does the update of the arrays it is given; a stack's members are
    dropped from it as from the optimizer itself.
    """

    _KEY = re.compile(r"[Wb][0-9]+")

    def __init__(self, optimizer):
        if not hasattr(optimizer, "update"):
            raise TypeError(f"WeightsAndBiasesOnly wraps an optimizer (with update(params, grads)), "
                            f"got {type(optimizer).__name__}.")
        self.optimizer = optimizer

    @property
    def lr(self):
        return self.optimizer.lr

    def update(self, params, grads):
        self.optimizer.update({k: v for k, v in params.items() if self._KEY.fullmatch(k)}, grads)

    def keep_members(self, index):
        self.optimizer.keep_members(index)

    def __repr__(self):
        return f"WeightsAndBiasesOnly({self.optimizer!r})"


def note_data(data_dir=None):
    """The note's data as every machine of the course has it: the first :data:`NOTE_N_TRAIN` training
    images and all 10,000 test images of MNIST (flattened, float32 in [0, 1], integer labels)."""
    from dlcourse.data import load_mnist

    (x, t), (xt, tt) = load_mnist(normalize=True, flatten=True, one_hot=False, data_dir=data_dir)
    if len(x) < NOTE_N_TRAIN:
        raise ValueError(f"note_data: the MNIST training file holds {len(x)} images; the experiment uses the "
                         f"first {NOTE_N_TRAIN:,}. Point DLCOURSE_MNIST_DIR at a complete copy (or at the "
                         "course's 24,345-image subset).")
    return (x[:NOTE_N_TRAIN], t[:NOTE_N_TRAIN]), (xt, tt)


def _note_rngs(seed):
    """Two independent generators for random seed ``seed``: the initial weights, the minibatches."""
    init_seq, batch_seq = np.random.SeedSequence(int(seed)).spawn(2)
    return np.random.default_rng(init_seq), np.random.default_rng(batch_seq)


def _check_variant(variant):
    if variant not in NOTE_VARIANTS:
        raise ValueError(f"variant must be one of {list(NOTE_VARIANTS)}, got {variant!r}.")


def _note_fit(data, net, optimizer, batch_rng, iters, eval_every):
    (x, t), (xt, tt) = data
    steps = np.arange(0, iters + 1, eval_every)
    history = fit(net, optimizer, x, t, Minibatches(len(x), NOTE_BATCH_SIZE, batch_rng, replace=True),
                  iters=iters, evaluate=accuracy_on(test_acc=(xt, tt)), eval_at=steps,
                  stop=[Divergence(raise_error=False)])
    return steps, history


def note_run(data, *, variant="batchnorm", init="xavier", lr=NOTE_LR, seed=0, iters=NOTE_ITERS,
             eval_every=NOTE_EVAL_EVERY, dtype=np.float64):
    """Train ONE network of the note's experiment (a ``MultiLayerNet``, through :func:`dlcourse.train.fit`).

    data: ``((x_train, t_train), (x_test, t_test))``, e.g. :func:`note_data`; variant: a key of
    :data:`NOTE_VARIANTS`; init: ``"xavier"`` or a standard deviation; seed: the random seed of the
    initial weights and of the minibatches (independent streams of ``SeedSequence(seed)``).
    Returns ``{"iters": (E,), "loss": (iters,), "test_acc": (E,), "net"}``: the minibatch loss of every
    iteration and the test accuracy before training and every ``eval_every`` iterations.
    """
    _check_variant(variant)
    init_rng, batch_rng = _note_rngs(seed)
    net = MultiLayerNet(data[0][0].shape[1], list(NOTE_HIDDEN), 10, activation=NOTE_ACTIVATION,
                        weight_init=parse_method(init), use_batchnorm=variant != "plain", rng=init_rng, dtype=dtype)
    optimizer = SGD(lr) if variant == "batchnorm_all" else WeightsAndBiasesOnly(SGD(lr))
    steps, history = _note_fit(data, net, optimizer, batch_rng, iters, eval_every)
    return {"iters": steps, "loss": history.padded_loss(iters), "test_acc": history.metric("test_acc", len(steps)),
            "net": net}


def note_runs(data, members, *, variant="batchnorm", seed=0, iters=NOTE_ITERS, eval_every=NOTE_EVAL_EVERY,
              dtype=np.float64):
    """:func:`note_run` for several ``(init, lr)`` pairs at once: one stacked ``MultiLayerNet``.

    members: sequence of ``(init, lr)``. Member k is the network :func:`note_run` trains with
    ``init=members[k][0], lr=members[k][1]`` and the same ``variant`` and random ``seed`` (the stack draws the
    same standard normal numbers for every member and they share the minibatches), computed together.
    Returns ``{"iters": (E,), "loss": (M, iters), "test_acc": (M, E)}``.
    """
    _check_variant(variant)
    members = [(init, float(lr)) for init, lr in members]
    if not members or any(lr <= 0 for _, lr in members):
        raise ValueError(f"note_runs: members must be a non-empty list of (init, lr) with lr > 0, got {members}.")
    init_rng, batch_rng = _note_rngs(seed)
    net = MultiLayerNet(data[0][0].shape[1], list(NOTE_HIDDEN), 10, activation=NOTE_ACTIVATION,
                        weight_init=[parse_method(init) for init, _ in members], use_batchnorm=variant != "plain",
                        rng=init_rng, dtype=dtype)
    sgd = SGD(np.array([lr for _, lr in members], dtype=dtype)[:, None, None])
    optimizer = sgd if variant == "batchnorm_all" else WeightsAndBiasesOnly(sgd)
    steps, history = _note_fit(data, net, optimizer, batch_rng, iters, eval_every)
    return {"iters": steps, "loss": history.padded_loss(iters).T, "test_acc": history.metric("test_acc", len(steps)).T}


def _sweep_settings(lrs, inits, seeds, variants, iters, eval_every, loss_block, dtype, n_train, n_test):
    return {"hidden": list(NOTE_HIDDEN), "activation": NOTE_ACTIVATION, "batch_size": NOTE_BATCH_SIZE,
            "n_train": int(n_train), "n_test": int(n_test), "iters": int(iters), "eval_every": int(eval_every),
            "loss_block": int(loss_block), "dtype": np.dtype(dtype).name, "lrs": [float(v) for v in lrs],
            "inits": [v if isinstance(v, str) else float(v) for v in inits], "random_seeds": [int(s) for s in seeds],
            "variants": list(variants)}


def note_sweep(data=None, *, lrs=NOTE_LRS, inits=NOTE_INITS, seeds=NOTE_SEEDS, variants=tuple(NOTE_VARIANTS),
               iters=NOTE_ITERS, eval_every=NOTE_EVAL_EVERY, loss_block=NOTE_LOSS_BLOCK, dtype=np.float64,
               progress=False):
    """The learning-rate sweep of the note's experiment: every variant x init x learning rate x random seed.

    One :func:`note_runs` stack per (variant, seed), all ``(init, lr)`` pairs as its members. The full
    default sweep (3 x 2 x 9 x 5 = 270 networks of 1000 iterations, float64) takes about a quarter of an
    hour on 2 cores; the lecture reads the stored result (:func:`load_note_sweep`).
    Returns ``{"settings", "lrs", "inits", "random_seeds", "variants", "eval_iters": (E,),
    "test_acc": (V, I, L, S, E), "loss": (V, I, L, S, iters // loss_block)}``; ``loss`` holds the means of
    the minibatch loss over blocks of ``loss_block`` iterations (NaN once a run diverged).
    """
    data = note_data() if data is None else data
    if iters % loss_block:
        raise ValueError(f"note_sweep: iters ({iters}) must be a multiple of loss_block ({loss_block}).")
    members = [(init, lr) for init in inits for lr in lrs]
    shape = (len(variants), len(inits), len(lrs), len(seeds))
    test_acc = loss = None
    for v, variant in enumerate(variants):
        for s, seed in enumerate(seeds):
            if progress:
                print(f"note_sweep: {variant}, random seed {seed}", flush=True)
            r = note_runs(data, members, variant=variant, seed=seed, iters=iters, eval_every=eval_every, dtype=dtype)
            if test_acc is None:
                test_acc = np.full(shape + (len(r["iters"]),), np.nan)
                loss = np.full(shape + (iters // loss_block,), np.nan)
            test_acc[v, :, :, s] = r["test_acc"].reshape(len(inits), len(lrs), -1)
            blocks = r["loss"].reshape(len(members), -1, loss_block).mean(axis=2)
            loss[v, :, :, s] = blocks.reshape(len(inits), len(lrs), -1)
    settings = _sweep_settings(lrs, inits, seeds, variants, iters, eval_every, loss_block, dtype, len(data[0][0]),
                               len(data[1][0]))
    return {"settings": settings,
            "lrs": tuple(float(v) for v in lrs), "inits": tuple(inits), "random_seeds": tuple(int(s) for s in seeds),
            "variants": tuple(variants), "eval_iters": np.arange(0, iters + 1, eval_every),
            "test_acc": test_acc, "loss": loss}


def save_note_sweep(sweep, path=NOTE_SWEEP_FILE):
    """Store a :func:`note_sweep` result (compressed ``.npz``; the loss in float32)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, settings=json.dumps(sweep["settings"], sort_keys=True),
                        eval_iters=sweep["eval_iters"], test_acc=sweep["test_acc"],
                        loss=sweep["loss"].astype(np.float32))
    return path


def load_note_sweep(path=NOTE_SWEEP_FILE):
    """The stored sweep of the note's experiment (see :func:`note_sweep` for its layout).

    It was computed by ``save_note_sweep(note_sweep(progress=True))`` with this module's settings;
    a file made with other settings is refused with a message saying how to recompute it.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"load_note_sweep: {path} is missing. Compute it (about a quarter of an hour on "
                                "2 cores) with: from dlcourse.plots import batchnorm as P; "
                                "P.save_note_sweep(P.note_sweep(progress=True))")
    with np.load(path, allow_pickle=False) as f:
        settings = json.loads(str(f["settings"]))
        stored = {k: f[k] for k in ("eval_iters", "test_acc", "loss")}
    expected = _sweep_settings(NOTE_LRS, NOTE_INITS, NOTE_SEEDS, tuple(NOTE_VARIANTS), NOTE_ITERS, NOTE_EVAL_EVERY,
                               NOTE_LOSS_BLOCK, np.float64, NOTE_N_TRAIN, NOTE_N_TEST)
    if settings != expected:
        changed = sorted(k for k in set(settings) | set(expected) if settings.get(k) != expected.get(k))
        raise ValueError(f"load_note_sweep: {path} was computed with other settings ({', '.join(changed)} differ "
                         "from this module's). Recompute it: P.save_note_sweep(P.note_sweep(progress=True)).")
    shape = (len(settings["variants"]), len(settings["inits"]), len(settings["lrs"]), len(settings["random_seeds"]))
    n_evals = settings["iters"] // settings["eval_every"] + 1
    if (stored["test_acc"].shape != shape + (n_evals,)
            or stored["loss"].shape != shape + (settings["iters"] // settings["loss_block"],)):
        raise ValueError(f"load_note_sweep: {path} holds arrays of the wrong shape "
                         f"({stored['test_acc'].shape}, {stored['loss'].shape}); recompute it.")
    sweep = {"settings": settings, "lrs": tuple(settings["lrs"]), "inits": tuple(settings["inits"]),
             "random_seeds": tuple(settings["random_seeds"]), "variants": tuple(settings["variants"]), **stored}
    for key in ("eval_iters", "test_acc", "loss"):
        sweep[key].flags.writeable = False
    return sweep


def _index(values, value, what):
    for i, v in enumerate(values):
        if (isinstance(v, str) or isinstance(value, str)) and v == value:
            return i
        if not isinstance(v, str) and not isinstance(value, str) and np.isclose(v, float(value), rtol=1e-9, atol=0):
            return i
    raise ValueError(f"{what} {value!r} is not in the sweep {list(values)}; pick one of those.")


def sweep_curves(sweep, variant, init, lr):
    """The curves of one setting of the sweep, for every random seed.

    Returns ``{"eval_iters": (E,), "test_acc": (S, E), "loss_iters": (B,), "loss": (S, B)}``
    (read-only views; ``loss_iters`` are the last iterations of the loss blocks).
    """
    v = _index(sweep["variants"], variant, "variant")
    i = _index(sweep["inits"], init, "init")
    a = _index(sweep["lrs"], lr, "learning rate")
    block = sweep["settings"]["loss_block"]
    loss = sweep["loss"][v, i, a]
    return {"eval_iters": sweep["eval_iters"], "test_acc": _read_only(sweep["test_acc"][v, i, a]),
            "loss_iters": np.arange(block, block * loss.shape[-1] + 1, block), "loss": _read_only(loss)}


def final_accuracy(sweep):
    """``(V, I, L, S)``: the test accuracy after the last iteration of every run of the sweep."""
    return sweep["test_acc"][..., -1]


def first_batch_gradients(data, inits=NOTE_INITS, seed=0):
    """What the first SGD step of :func:`note_run` sees, before any update, with and without batch norm.

    Returns ``{(init, use_batchnorm): {"grad_norms": (|dL/dW1|, |dL/dW2|, |dL/dW3|), "batch_std": (s1, s2)}}``:
    Frobenius norms of the gradients on the first minibatch, and the mean over the features of each hidden
    layer's batch standard deviation ``s = sqrt(var + eps)`` of its pre-activations (the number batch norm
    divides by, forward and backward; ``None`` without batch norm). Both networks start from the same
    weights and see the same minibatch.
    """
    out = {}
    for init in inits:
        for use_bn in (False, True):
            init_rng, batch_rng = _note_rngs(seed)
            net = MultiLayerNet(data[0][0].shape[1], list(NOTE_HIDDEN), 10, activation=NOTE_ACTIVATION,
                                weight_init=parse_method(init), use_batchnorm=use_bn, rng=init_rng, dtype=np.float64)
            idx = next(Minibatches(len(data[0][0]), NOTE_BATCH_SIZE, batch_rng, replace=True))
            grads = net.gradient(data[0][0][idx], data[0][1][idx])
            stds = tuple(float(np.mean(np.sqrt(bn.cache.var + bn.eps))) for bn in net.batchnorms) if use_bn else None
            out[init, use_bn] = {"grad_norms": tuple(float(np.linalg.norm(grads[f"W{i}"])) for i in (1, 2, 3)),
                                 "batch_std": stds}
    return out


def sweep_summary(sweep, threshold=0.9):
    """The sweep in numbers: for every (variant, init), the final test accuracy at each learning rate (mean,
    min and max over the random seeds), the best learning rate (highest mean) and the learning rates whose
    mean reaches ``threshold``.

    Returns ``{(variant, init): {"mean": (L,), "min": (L,), "max": (L,), "best_lr", "best": (mean, min, max),
    "good_lrs": tuple}}``.
    """
    final = final_accuracy(sweep)
    out = {}
    for v, variant in enumerate(sweep["variants"]):
        for i, init in enumerate(sweep["inits"]):
            acc = final[v, i]
            mean, low, high = np.nanmean(acc, axis=1), np.nanmin(acc, axis=1), np.nanmax(acc, axis=1)
            b = int(np.nanargmax(mean))
            out[variant, init] = {"mean": mean, "min": low, "max": high, "best_lr": sweep["lrs"][b],
                                  "best": (float(mean[b]), float(low[b]), float(high[b])),
                                  "good_lrs": tuple(lr for lr, m in zip(sweep["lrs"], mean) if m >= threshold)}
    return out


#: colour and line style of each variant in every figure of the experiment
NOTE_STYLE = {"plain": ("C1", "--"), "batchnorm": ("C0", "-"), "batchnorm_all": ("C2", "-.")}


def init_label(init):
    """How the figures name an initialisation of the experiment."""
    return "Xavier (1/√n_in)" if init == "xavier" else f"std {init:g}"


def plot_note_experiment(runs, sweep, fig=None):
    """The note's run next to ours: test accuracy (left) and training loss (right) over the iterations.

    runs: ``{variant: note_run(...)}`` at the note's setting (Xavier, learning rate 0.01; solid lines);
    sweep: :func:`load_note_sweep`, whose 5 random seeds at the same setting give the shaded band (their
    range) and, for the initial std 0.01 of the note's printed code, a dotted band. The note's own log
    is drawn as points.
    """
    if fig is None:
        fig, (ax_acc, ax_loss) = static_figure((11, 4.6), 1, 2)
    else:
        ax_acc, ax_loss = fig.subplots(1, 2)
    log_iters = np.array(NOTE_LOG["iters"])
    ax_acc.plot(log_iters, NOTE_LOG["batchnorm"], ".", ms=3, color="k", label="the note's log, with batch norm")
    ax_acc.plot(log_iters, NOTE_LOG["plain"], "x", ms=3, color="0.5", label="the note's log, without (std 0.01)")
    for variant, run in runs.items():
        color, style = NOTE_STYLE[variant]
        band = sweep_curves(sweep, variant, "xavier", NOTE_LR)
        ax_acc.fill_between(band["eval_iters"], band["test_acc"].min(axis=0), band["test_acc"].max(axis=0),
                            color=color, alpha=0.2, lw=0)
        ax_acc.plot(run["iters"], run["test_acc"], style, color=color, label=f"{NOTE_VARIANTS[variant]} (seed 0)")
        x, y = smooth(run["loss"], NOTE_LOSS_BLOCK)
        ax_loss.plot(x, y, style, color=color, label=NOTE_VARIANTS[variant])
        ax_loss.fill_between(band["loss_iters"], band["loss"].min(axis=0), band["loss"].max(axis=0), color=color,
                             alpha=0.2, lw=0)
    small = sweep_curves(sweep, "batchnorm", 0.01, NOTE_LR)
    ax_acc.fill_between(small["eval_iters"], small["test_acc"].min(axis=0), small["test_acc"].max(axis=0),
                        facecolor="none", edgecolor="C0", hatch="....", lw=0.0,
                        label="batch norm, std 0.01: range over 5 random seeds")
    ax_acc.set_ylim(0, 1)
    ax_acc.set_xlabel("iteration")
    ax_acc.set_ylabel("test accuracy (10,000 images)")
    ax_acc.set_title("Xavier init., learning rate 0.01; shaded: range over 5 random seeds", fontsize=9)
    ax_acc.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2)
    ax_loss.set_xlabel("iteration")
    ax_loss.set_ylabel(f"training loss (mean of {NOTE_LOSS_BLOCK} iterations)")
    ax_loss.set_ylim(0, 2.5)
    ax_loss.set_title("training loss; shaded: range over 5 random seeds", fontsize=9)
    ax_loss.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=1)
    return fig


def plot_lr_sweep(sweep, fig=None):
    """Final test accuracy against the learning rate, one panel per initialisation: the mean over the random
    seeds (line) and their range (band), for each variant; the note's 80.51 % is the black point."""
    inits = sweep["inits"]
    if fig is None:
        fig, axes = static_figure((11, 4.0), 1, len(inits), sharey=True)
    else:
        axes = fig.subplots(1, len(inits), sharey=True)
    axes = np.atleast_1d(axes)
    final = final_accuracy(sweep)
    lrs = np.array(sweep["lrs"])
    for i, (ax, init) in enumerate(zip(axes, inits)):
        for v, variant in enumerate(sweep["variants"]):
            color, style = NOTE_STYLE[variant]
            acc = final[v, i]                                  # (L, S)
            ax.fill_between(lrs, np.nanmin(acc, axis=1), np.nanmax(acc, axis=1), color=color, alpha=0.2, lw=0)
            ax.plot(lrs, np.nanmean(acc, axis=1), style + "o", ms=3, color=color, label=NOTE_VARIANTS[variant])
        ax.plot([NOTE_LR], [NOTE_LOG["batchnorm"][-1]], "o", color="k", ms=5, label="the note: 80.51 %")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_title(f"initial weights: {init_label(init)}", fontsize=9)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"test accuracy after {sweep['settings']['iters']} iterations")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, loc="outside lower center", ncol=4)
    return fig
