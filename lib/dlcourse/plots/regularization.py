"""Figures and experiments of chapter 5, regularisation (正則化) against overfitting (過学習).

Pure compute functions return NumPy data (tested directly); the ``plot_*`` functions draw that
data on a Matplotlib figure and return it.

- :func:`split_overfitting_data`: the book's setting, 300 training images, plus a validation set
  (other training images) and a test subset.
- :func:`train_regularized`: a deep ReLU network (6 hidden layers of 100 units, He init, SGD) on
  those 300 images, with weight decay (L2), an L1 penalty and/or dropout; learning curves.
- :func:`regularization_grid`: :func:`train_regularized` for every (lambda, dropout ratio) pair,
  all from the same initial weights and minibatches (what the explorer shows).
- :func:`early_stopping_point`: where early stopping (早期終了) with a patience would stop.
- :func:`constrained_minimum`: the L1 / L2 geometry: minimum of a quadratic loss inside a
  diamond or a disc.
- :func:`regularization_paths`: ridge (closed form) and lasso (coordinate descent) coefficients
  of a linear regression as lambda grows.
"""

from __future__ import annotations

import numbers

import numpy as np

from dlcourse.figures import static_figure
from dlcourse.functions import softmax_cross_entropy
from dlcourse.network import MultiLayerNet
from dlcourse.optimizers import SGD
from dlcourse.train import Minibatches, fit

__all__ = [
    "split_overfitting_data",
    "train_regularized",
    "regularization_grid",
    "early_stopping_point",
    "constrained_minimum",
    "regularization_paths",
    "plot_curves",
    "plot_early_stopping",
    "plot_weight_histograms",
    "plot_l1_l2_geometry",
    "plot_regularization_paths",
]


# ----------------------------------------------------------------------------
# the overfitting experiment
# ----------------------------------------------------------------------------
def split_overfitting_data(x_train, t_train, x_test, t_test, *, n_train=300, n_val=1000, n_test=2000, seed=0):
    """The book's overfitting setting: the FIRST ``n_train`` training images, plus ``n_val``
    other training images as a validation set and a random subset of ``n_test`` test images.

    Returns ``{"x_train", "t_train", "x_val", "t_val", "x_test", "t_test"}``.
    """
    if n_train + n_val > len(x_train):
        raise ValueError(f"n_train + n_val = {n_train + n_val} exceeds the {len(x_train)} training images.")
    rng = np.random.default_rng(seed)
    val = n_train + np.sort(rng.choice(len(x_train) - n_train, size=n_val, replace=False))
    test = np.sort(rng.choice(len(x_test), size=min(n_test, len(x_test)), replace=False))
    return {"x_train": x_train[:n_train], "t_train": t_train[:n_train],
            "x_val": x_train[val], "t_val": t_train[val],
            "x_test": x_test[test], "t_test": t_test[test]}


def _check_nonneg(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}.")
    return float(value)


def train_regularized(data, *, weight_decay=0.0, l1=0.0, dropout_ratio=0.0, hidden_sizes=(100,) * 6,
                      lr=0.05, epochs=100, batch_size=100, eval_every=5, seed=0, dtype=np.float32,
                      keep_weights=False):
    """Train a ReLU network (He init, plain SGD) on ``data["x_train"]`` and record learning curves.

    data: a dict from :func:`split_overfitting_data`. ``weight_decay`` is the L2 lambda
    (loss + 0.5*lambda*sum W², gradient + lambda*W) and ``l1`` the L1 lambda (loss +
    lambda*sum|W|, gradient + lambda*sign(W)), both done by ``MultiLayerNet`` on every weight
    matrix; ``dropout_ratio`` is the probability of dropping a hidden unit. Initial weights,
    minibatch order (epochs) and dropout masks come from the random seed ``seed``: runs that
    differ only in lambda start from the same weights. Trained through :func:`dlcourse.train.fit`.

    Every ``eval_every`` epochs (and after the last) records, in test mode:
    ``epochs`` (k,), ``train_acc``, ``val_acc``, ``test_acc`` (k,), ``val_loss`` (k,)
    (cross-entropy without the penalty). With ``keep_weights`` the final weight matrices are
    returned too (``weights``: list of arrays).
    """
    weight_decay = _check_nonneg(weight_decay, "weight_decay")
    l1 = _check_nonneg(l1, "l1")
    x, t = data["x_train"], data["t_train"]
    n = len(x)
    if n < batch_size:
        raise ValueError(f"batch_size {batch_size} is larger than the {n} training samples.")
    net = MultiLayerNet(x.shape[1], list(hidden_sizes), 10, activation="relu", weight_init="he",
                        weight_decay=weight_decay, l1_decay=l1, dropout_ratio=dropout_ratio,
                        rng=np.random.default_rng(seed), dtype=dtype)
    batches = Minibatches(n, batch_size, np.random.default_rng([seed, 1]))
    per_epoch = batches.iters_per_epoch
    eval_epochs = sorted({*range(eval_every, epochs + 1, eval_every), epochs})

    def evaluate(net):
        return {"train_acc": net.accuracy(x, t), "val_acc": net.accuracy(data["x_val"], data["t_val"]),
                "test_acc": net.accuracy(data["x_test"], data["t_test"]),
                "val_loss": float(softmax_cross_entropy(net.predict(data["x_val"]), data["t_val"]))}

    history = fit(net, SGD(lr), x, t, batches, iters=epochs * per_epoch, evaluate=evaluate,
                  eval_at=[e * per_epoch for e in eval_epochs], numpy_errors=None, iters_per_epoch=per_epoch)
    out = {"epochs": history.epochs.astype(int), **history.metrics}
    out.update(weight_decay=weight_decay, l1=l1, dropout_ratio=float(dropout_ratio))
    if keep_weights:
        out["weights"] = [net.params[f"W{i}"].copy() for i in range(1, net.n_layers + 1)]
    return out


def regularization_grid(data, lams=(0.0, 0.03, 0.1), ratios=(0.0, 0.15, 0.3), **kwargs):
    """:func:`train_regularized` for every weight decay in ``lams`` and dropout ratio in ``ratios``.

    Returns ``{(lam, ratio): run}``; every run uses the same random seed ``seed`` (same initial weights and
    minibatch order), so the curves differ only by the regularisation. ``kwargs`` go to
    :func:`train_regularized` (e.g. ``epochs``).
    """
    return {(float(lam), float(r)): train_regularized(data, weight_decay=lam, dropout_ratio=r, **kwargs)
            for lam in lams for r in ratios}


def early_stopping_point(values, patience, mode="min"):
    """Where early stopping with ``patience`` evaluations would stop, and the best evaluation.

    values: (k,) a validation metric in evaluation order (a loss with ``mode="min"``, an
    accuracy with ``mode="max"``). Training stops at the first index where the best value so far
    has not improved for ``patience`` evaluations in a row. Returns ``(stop, best)``: indices
    into ``values`` (``stop = k - 1`` when it never triggers); ``best`` is the best index up to
    ``stop``, the one whose weights one keeps.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(f"values must be a non-empty 1-D sequence, got shape {values.shape}.")
    if not isinstance(patience, numbers.Integral) or patience < 1:
        raise ValueError(f"patience must be an integer >= 1, got {patience!r}.")
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}.")
    sign = 1.0 if mode == "min" else -1.0
    best, stale = 0, 0
    for i in range(1, len(values)):
        if sign * values[i] < sign * values[best]:
            best, stale = i, 0
        else:
            stale += 1
            if stale >= patience:
                return i, best
    return len(values) - 1, best


# ----------------------------------------------------------------------------
# L1 / L2 geometry and linear-regression paths
# ----------------------------------------------------------------------------
def constrained_minimum(kind, center, hessian, budget, n_points=20001):
    """Minimum of ``0.5 (w - center)^T H (w - center)`` over ``|w1| + |w2| <= budget`` (``"l1"``)
    or ``w1² + w2² <= budget²`` (``"l2"``).

    center: (2,), hessian: (2, 2) symmetric positive definite. When ``center`` lies outside the
    region the minimum is on its boundary, found on ``n_points`` boundary points (accurate to
    about ``budget / n_points``; the L1 diamond's corners are always among them).
    Returns ``(w (2,), loss)``.
    """
    center = np.asarray(center, dtype=np.float64)
    H = np.asarray(hessian, dtype=np.float64)

    def loss(w):
        d = w - center
        return 0.5 * np.einsum("...i,ij,...j->...", d, H, d)

    if kind == "l1":
        inside = np.sum(np.abs(center)) <= budget
        s = np.linspace(0.0, 4.0, n_points)            # walk the diamond: 4 edges, corners at integers
        edge = np.floor(s).astype(int) % 4
        f = s - np.floor(s)
        corners = budget * np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0], [1.0, 0.0]])
        boundary = corners[edge] * (1 - f)[:, None] + corners[edge + 1] * f[:, None]
    elif kind == "l2":
        inside = np.hypot(*center) <= budget
        a = np.linspace(0.0, 2 * np.pi, n_points)
        boundary = budget * np.stack([np.cos(a), np.sin(a)], axis=1)
    else:
        raise ValueError(f"kind must be 'l1' or 'l2', got {kind!r}.")
    if inside:
        return center.copy(), 0.0
    values = loss(boundary)
    i = int(np.argmin(values))
    return boundary[i].copy(), float(values[i])


def _lasso_cd(X, y, lam, iters=500, tol=1e-10):
    """Coordinate descent for 0.5/n ||y - X w||² + lam ||w||_1 (X centred, no intercept)."""
    n, d = X.shape
    w = np.zeros(d)
    col_sq = np.sum(X * X, axis=0) / n
    r = y - X @ w
    for _ in range(iters):
        w_old = w.copy()
        for j in range(d):
            r += X[:, j] * w[j]
            rho = X[:, j] @ r / n
            w[j] = np.sign(rho) * max(abs(rho) - lam, 0.0) / col_sq[j]
            r -= X[:, j] * w[j]
        if np.max(np.abs(w - w_old)) < tol:
            break
    return w


def regularization_paths(X, y, lams):
    """Coefficients of ridge and lasso regression for each lambda in ``lams``.

    X: (n, d), y: (n,); both are centred first, so the intercept is not penalised.
    Ridge minimises ``0.5/n ||y - Xw||² + 0.5 lam ||w||²``: ``w = (X^T X / n + lam I)^-1 X^T y / n``.
    Lasso minimises ``0.5/n ||y - Xw||² + lam ||w||_1`` (coordinate descent, soft thresholding).
    Returns ``{"lams": (L,), "ridge": (L, d), "lasso": (L, d)}``.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    X = X - X.mean(axis=0)
    y = y - y.mean()
    n, d = X.shape
    lams = np.asarray(lams, dtype=np.float64)
    G = X.T @ X / n
    b = X.T @ y / n
    ridge = np.array([np.linalg.solve(G + lam * np.eye(d), b) for lam in lams])
    lasso = np.array([_lasso_cd(X, y, lam) for lam in lams])
    return {"lams": lams, "ridge": ridge, "lasso": lasso}


# ----------------------------------------------------------------------------
# figures
# ----------------------------------------------------------------------------
def _new(figsize, ncols=1, nrows=1):
    fig, axes = static_figure(figsize, nrows, ncols, layout=None, squeeze=False)
    return fig, axes.ravel()


def plot_curves(runs, fig=None):
    """One panel per run: training (solid) and test (dashed) accuracy against the epoch.

    runs: dict ``title -> run`` from :func:`train_regularized`.
    """
    fig, axes = _new((4.0 * len(runs), 3.4), ncols=len(runs))
    for ax, (title, run) in zip(axes, runs.items()):
        ax.plot(run["epochs"], run["train_acc"], color="C0", label="train (300 images)")
        ax.plot(run["epochs"], run["test_acc"], "--", color="C1", label="test")
        gap = run["train_acc"][-1] - run["test_acc"][-1]
        ax.set_title(f"{title}\ntrain {run['train_acc'][-1]:.2f}, test {run['test_acc'][-1]:.2f}, "
                     f"gap {gap:.2f}", fontsize=10)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("accuracy")
    axes[0].legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def plot_early_stopping(run, patience=5, metric="val_loss"):
    """Validation loss and accuracies of ``run`` with where early stopping would stop.

    metric: ``"val_loss"`` (stop when the validation loss stops decreasing) or ``"val_acc"``
    (when the validation accuracy stops increasing); ``patience`` counts evaluations.
    """
    if metric not in ("val_loss", "val_acc"):
        raise ValueError(f"metric must be 'val_loss' or 'val_acc', got {metric!r}.")
    stop, best = early_stopping_point(run[metric], patience, mode="min" if metric == "val_loss" else "max")
    fig, (ax_loss, ax_acc) = _new((10, 3.4), ncols=2)
    e = run["epochs"]
    ax_loss.plot(e, run["val_loss"], color="C2", label="validation loss")
    ax_acc.plot(e, run["train_acc"], color="C0", label="train")
    ax_acc.plot(e, run["val_acc"], color="C2", label="validation")
    ax_acc.plot(e, run["test_acc"], "--", color="C1", label="test")
    for ax in (ax_loss, ax_acc):
        ax.axvline(e[best], color="k", linestyle=":", label=f"best (epoch {e[best]})")
        ax.axvline(e[stop], color="C3", linestyle="-.", label=f"stop (epoch {e[stop]})")
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    ax_loss.set_title(f"early stopping on {metric.replace('_', ' ')}, patience {patience} evaluations",
                      fontsize=10)
    ax_acc.set_title(f"test accuracy at the best epoch {run['test_acc'][best]:.3f} "
                     f"(at the end {run['test_acc'][-1]:.3f})", fontsize=10)
    ax_acc.set_ylim(0, 1.02)
    fig.tight_layout()
    return fig


def plot_weight_histograms(runs, layer=1, fig=None):
    """Histograms of the weights of hidden layer ``layer`` (1-based) for runs made with
    ``keep_weights=True``; the share of near-zero weights (|w| < 1e-3) is in the legend."""
    fig, (ax,) = _new((7, 3.2))
    edges = np.linspace(-0.3, 0.3, 121)
    for i, (label, run) in enumerate(runs.items()):
        W = run["weights"][layer - 1].ravel()
        small = np.mean(np.abs(W) < 1e-3)
        ax.hist(np.clip(W, edges[0], edges[-1]), bins=edges, histtype="step", color=f"C{i}",
                label=f"{label}: {100 * small:.0f}% of |w| < 0.001", density=True)
    ax.set_yscale("log")
    ax.set_xlabel(f"weights of W{layer}")
    ax.set_ylabel("density (log)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


#: The loss of the geometry figure: its L1 solution is the corner (1, 0), its L2 solution is not on an axis.
GEOMETRY = {"center": (2.2, 1.0), "hessian": ((1.0, 0.4), (0.4, 1.0)), "budget": 1.0}


def plot_l1_l2_geometry(center=GEOMETRY["center"], hessian=GEOMETRY["hessian"], budget=GEOMETRY["budget"]):
    """The classic figure: contours of a quadratic loss around its unconstrained minimum, the L2
    disc (ridge, left) and the L1 diamond (lasso, right), and where they first touch."""
    fig, axes = _new((10, 4.6), ncols=2)
    center = np.asarray(center, dtype=np.float64)
    H = np.asarray(hessian, dtype=np.float64)
    xs = np.linspace(-1.6, 3.6, 261)
    ys = np.linspace(-1.6, 2.6, 211)
    X, Y = np.meshgrid(xs, ys)
    D = np.stack([X - center[0], Y - center[1]], axis=-1)
    Z = 0.5 * np.einsum("...i,ij,...j->...", D, H, D)
    for ax, kind, title in [(axes[0], "l2", "L2 (ridge)"), (axes[1], "l1", "L1 (lasso)")]:
        w, level = constrained_minimum(kind, center, H, budget)
        ax.contour(X, Y, Z, levels=np.linspace(0.25, 8, 12), colors="0.7", linewidths=0.7)
        ax.contour(X, Y, Z, levels=[level], colors="C3", linewidths=1.5)
        if kind == "l2":
            a = np.linspace(0, 2 * np.pi, 200)
            ax.fill(budget * np.cos(a), budget * np.sin(a), color="C0", alpha=0.3)
        else:
            ax.fill([budget, 0, -budget, 0], [0, budget, 0, -budget], color="C0", alpha=0.3)
        ax.plot(*center, "k+", markersize=10)
        ax.annotate("unregularised\nminimum", center, xytext=(8, 8), textcoords="offset points", fontsize=8)
        ax.plot(*w, "o", color="C3")
        ax.annotate(f"w = ({w[0]:.2f}, {w[1]:.2f})", w, xytext=(8, -14), textcoords="offset points", fontsize=9)
        ax.axhline(0, color="k", linewidth=0.5)
        ax.axvline(0, color="k", linewidth=0.5)
        ax.set_aspect("equal")
        ax.set_xlim(xs[0], xs[-1])
        ax.set_ylim(ys[0], ys[-1])
        ax.set_xlabel("$w_1$")
        ax.set_ylabel("$w_2$")
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_regularization_paths(paths):
    """Ridge and lasso coefficients against lambda (log scale) from :func:`regularization_paths`."""
    fig, axes = _new((10, 3.6), ncols=2)
    for ax, key, title in [(axes[0], "ridge", "ridge (L2): shrinks smoothly"),
                           (axes[1], "lasso", "lasso (L1): exact zeros")]:
        for j in range(paths[key].shape[1]):
            ax.semilogx(paths["lams"], paths[key][:, j], color=f"C{j % 10}")
        ax.axhline(0, color="k", linewidth=0.5)
        ax.set_xlabel("λ")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("coefficient")
    fig.tight_layout()
    return fig
