"""Figures and experiments of chapter 4, optimizers (最適化手法).

Pure compute functions return NumPy data (tested directly); the ``plot_*`` functions draw
that data on a Matplotlib figure and return it.

- :func:`bowl` / :func:`bowl_grad`: the test function ``f(x, y) = x**2/20 + y**2`` of the book:
  a long, narrow valley, 20 times steeper across (y) than along (x).
- :func:`make_optimizer`: one of SGD, Momentum, AdaGrad, RMSprop, Adam from
  :mod:`dlcourse.optimizers` by name.
- :func:`trajectory`: the points visited by an optimizer on ``f`` from ``(-7, 2)``.
- :func:`compare_on_mnist`: the course note's comparison (784-40-20-10, sigmoid, weights with
  std 0.01, minibatches of 100) for several optimizers, trained through
  :func:`dlcourse.train.fit`; test accuracy every ``eval_every`` iterations.
- :func:`first_step_sizes`: why SGD is stuck there: the size of the first update per layer,
  SGD against Adam.
"""

from __future__ import annotations

import numbers

import numpy as np

import dlcourse.optimizers as optim
from dlcourse.figures import smooth
from dlcourse.network import MultiLayerNet
from dlcourse.train import accuracy_on, fit

__all__ = [
    "OPTIMIZERS",
    "DEFAULT_LR",
    "START",
    "bowl",
    "bowl_grad",
    "make_optimizer",
    "trajectory",
    "draw_contours",
    "plot_bowl",
    "plot_trajectories",
    "compare_on_mnist",
    "plot_mnist_comparison",
    "first_step_sizes",
]

#: The optimizers of the chapter, in the order they are taught.
OPTIMIZERS = ("SGD", "Momentum", "AdaGrad", "RMSprop", "Adam")

#: Learning rates that show each optimizer's character on :func:`bowl` in 30 steps
#: (the book's choices; RMSprop's is ours).
DEFAULT_LR = {"SGD": 0.95, "Momentum": 0.1, "AdaGrad": 1.5, "RMSprop": 0.15, "Adam": 0.3}

#: Start point of the trajectories (the book's).
START = (-7.0, 2.0)

_BOWL_SCALE = np.array([1.0 / 20.0, 1.0])


def bowl(x, y):
    """``f(x, y) = x**2 / 20 + y**2``; x, y: arrays of the same shape (or scalars)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return x * x / 20.0 + y * y


def bowl_grad(w):
    """Gradient of :func:`bowl` at ``w = (x, y)``: ``(x / 10, 2 y)``; w: (2,) -> (2,)."""
    w = np.asarray(w, dtype=np.float64)
    return 2.0 * _BOWL_SCALE * w


def make_optimizer(name, lr, *, momentum=0.9, decay_rate=0.99, beta1=0.9, beta2=0.999):
    """The optimizer ``name`` (one of :data:`OPTIMIZERS`, case-insensitive) with these settings.

    ``momentum`` is used by Momentum, ``decay_rate`` by RMSprop, ``beta1``/``beta2`` by Adam.
    """
    key = str(name).strip().lower()
    table = {
        "sgd": lambda: optim.SGD(lr),
        "momentum": lambda: optim.Momentum(lr, momentum=momentum),
        "adagrad": lambda: optim.AdaGrad(lr),
        "rmsprop": lambda: optim.RMSprop(lr, decay_rate=decay_rate),
        "adam": lambda: optim.Adam(lr, beta1=beta1, beta2=beta2),
    }
    if key not in table:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}.")
    return table[key]()


def trajectory(name, lr, steps=30, *, start=START, momentum=0.9, decay_rate=0.99,
               beta1=0.9, beta2=0.999):
    """Run the optimizer ``name`` on :func:`bowl` from ``start``.

    Returns ``{"points": (steps + 1, 2), "loss": (steps + 1,)}``: the start and the point after
    each update, and ``f`` there. A run that blows up is stopped at the first non-finite point
    (the arrays are then shorter); no warnings are emitted.
    """
    if not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}.")
    opt = make_optimizer(name, lr, momentum=momentum, decay_rate=decay_rate, beta1=beta1, beta2=beta2)
    w = np.array(start, dtype=np.float64)
    if w.shape != (2,):
        raise ValueError(f"start must be a point (x, y), got {start!r}.")
    params = {"w": w}
    points = [w.copy()]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            opt.update(params, {"w": bowl_grad(params["w"])})
            if not np.all(np.isfinite(params["w"])) or np.max(np.abs(params["w"])) > 1e150:
                break
            points.append(params["w"].copy())
    points = np.array(points)
    return {"points": points, "loss": bowl(points[:, 0], points[:, 1])}


def draw_contours(ax, xlim=(-10, 10), ylim=(-5, 5)):
    """Contours of :func:`bowl` on ``ax``, with its minimum marked."""
    xs = np.linspace(*xlim, 201)
    ys = np.linspace(*ylim, 101)
    X, Y = np.meshgrid(xs, ys)
    ax.contour(X, Y, bowl(X, Y), levels=[0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 22],
               colors="0.75", linewidths=0.7)
    ax.plot(0, 0, marker="+", color="k", markersize=8)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("x")
    ax.set_ylabel("y")


def plot_bowl(fig=None):
    """Contours of ``f(x, y) = x**2/20 + y**2`` with its gradients at a few points."""
    from matplotlib.figure import Figure

    fig = fig or Figure(figsize=(7, 3.5))
    ax = fig.subplots()
    draw_contours(ax)
    gx, gy = np.meshgrid(np.linspace(-9, 9, 10), np.linspace(-4, 4, 7))
    # -grad f = (-x / 10, -2 y)
    ax.quiver(gx, gy, -gx / 10.0, -2.0 * gy, color="C0", alpha=0.6, angles="xy", scale_units="xy",
              scale=10, width=0.004)
    ax.set_title("f(x, y) = x²/20 + y²: the arrows are −∇f (steep across, flat along the valley)", fontsize=10)
    fig.tight_layout()
    return fig


def plot_trajectories(names=OPTIMIZERS, lrs=None, steps=30, fig=None):
    """One panel per optimizer: its path on :func:`bowl` from (-7, 2) with :data:`DEFAULT_LR`."""
    from matplotlib.figure import Figure

    lrs = dict(DEFAULT_LR, **(lrs or {}))
    fig = fig or Figure(figsize=(12, 5.5))
    axes = np.atleast_1d(fig.subplots(2, 3)).ravel()
    for ax, name in zip(axes, names):
        run = trajectory(name, lrs[name], steps)
        draw_contours(ax)
        p = run["points"]
        ax.plot(p[:, 0], p[:, 1], "o-", color="C3", markersize=3, linewidth=1)
        ax.set_title(f"{name} (lr {lrs[name]:g}): f = {run['loss'][-1]:.2g} after {len(p) - 1} steps",
                     fontsize=10)
    ax = axes[len(names)] if len(names) < len(axes) else None
    if ax is not None:
        for name in names:
            run = trajectory(name, lrs[name], steps)
            ax.semilogy(np.arange(len(run["loss"])), np.maximum(run["loss"], 1e-12), label=name)
        ax.set_xlabel("step")
        ax.set_ylabel("f (log scale)")
        ax.legend(fontsize=8)
        ax.set_title("f along each path", fontsize=10)
        for extra in axes[len(names) + 1:]:
            extra.set_visible(False)
    fig.tight_layout()
    return fig


def compare_on_mnist(x_train, t_train, x_test, t_test, optimizers, *, iters=1000, batch_size=100,
                     eval_every=100, eval_samples=2000, hidden_sizes=(40, 20), activation="sigmoid",
                     weight_init=0.01, seed=0, dtype=np.float32):
    """Train the course note's network once per optimizer and record its learning curves.

    x_train: (N, 784), t_train: (N,) labels (or one-hot); the same for the test set.
    optimizers: dict ``label -> (name, lr, kwargs)``, e.g. ``{"Adam": ("Adam", 0.01, {})}``.
    Each run uses the same initial weights and the same minibatches (drawn with replacement,
    as in the note) from ``np.random.default_rng(seed)``. The test accuracy is measured every
    ``eval_every`` iterations on a fixed subset of ``eval_samples`` test images, and at the
    end on the whole test set.

    Returns ``{label: {"loss": (iters,), "eval_iters": (k,), "test_acc": (k,),
    "final_test_acc": float, "final_train_acc": float}}``.
    """
    x_train = np.asarray(x_train)
    x_test = np.asarray(x_test)
    rng = np.random.default_rng(seed)
    n = len(x_train)
    batches = rng.integers(0, n, size=(iters, batch_size))
    sub = np.sort(rng.choice(len(x_test), size=min(eval_samples, len(x_test)), replace=False))
    train_sub = np.sort(rng.choice(n, size=min(eval_samples, n), replace=False))
    init_seed = int(rng.integers(2**31))
    results = {}
    for label, (name, lr, kwargs) in optimizers.items():
        net = MultiLayerNet(x_train.shape[1], list(hidden_sizes), 10, activation=activation,
                            weight_init=weight_init, rng=np.random.default_rng(init_seed), dtype=dtype)
        history = fit(net, make_optimizer(name, lr, **kwargs), x_train, t_train, iter(batches), iters=iters,
                      evaluate=accuracy_on(test_acc=(x_test[sub], t_test[sub])),
                      eval_at=range(eval_every, iters + 1, eval_every), numpy_errors=None)
        results[label] = {
            "loss": history.loss,
            "eval_iters": history.eval_iters,
            "test_acc": history.test_acc,
            "final_test_acc": float(net.accuracy(x_test, t_test, batch_size=2000)),
            "final_train_acc": float(net.accuracy(x_train[train_sub], t_train[train_sub])),
        }
    return results


def plot_mnist_comparison(results, fig=None):
    """Loss (smoothed over 20 iterations) and test accuracy of each run of :func:`compare_on_mnist`."""
    from matplotlib.figure import Figure

    fig = fig or Figure(figsize=(11, 3.8))
    ax_loss, ax_acc = fig.subplots(1, 2)
    for i, (label, r) in enumerate(results.items()):
        ax_loss.plot(*smooth(r["loss"], 20), color=f"C{i}", label=label)
        ax_acc.plot(r["eval_iters"], r["test_acc"], "o-", color=f"C{i}", markersize=3,
                    label=f"{label}: {100 * r['final_test_acc']:.1f}%")
    ax_loss.set_xlabel("iteration")
    ax_loss.set_ylabel("training loss (mean of 20 batches)")
    ax_loss.legend(fontsize=8)
    ax_acc.set_xlabel("iteration")
    ax_acc.set_ylabel("test accuracy")
    ax_acc.set_ylim(0, 1)
    ax_acc.legend(fontsize=8, loc="center right", title="final, whole test set", title_fontsize=8)
    fig.tight_layout()
    return fig


def first_step_sizes(x_batch, t_batch, *, lr=0.01, hidden_sizes=(40, 20), activation="sigmoid",
                     weight_init=0.01, seed=0):
    """How far the FIRST update moves each weight matrix of the note's network, SGD vs Adam.

    x_batch: (N, 784), t_batch: (N,). Returns ``{"layers": ["W1", ...], "grad": (L,) mean |g|,
    "sgd": (L,) mean |lr * g|, "adam": (L,) mean |Adam's first step|}``. Adam's first step is
    about ``lr`` for every weight whatever the size of its gradient (bias correction makes
    ``m_hat / sqrt(v_hat) = g / |g|``); SGD's is ``lr * |g|``, tiny when the gradients vanish.
    """
    net = MultiLayerNet(np.shape(x_batch)[1], list(hidden_sizes), 10, activation=activation,
                        weight_init=weight_init, rng=np.random.default_rng(seed))
    grads = net.gradient(x_batch, t_batch)
    layers = [k for k in net.params if k.startswith("W")]
    out = {"layers": layers, "grad": [], "sgd": [], "adam": []}
    for k in layers:
        w, g = net.params[k], grads[k]
        w_adam, _, _ = optim.adam_step(w, g, np.zeros_like(w), np.zeros_like(w), 1, lr, 0.9, 0.999, 1e-8)
        out["grad"].append(float(np.mean(np.abs(g))))
        out["sgd"].append(float(np.mean(np.abs(lr * g))))
        out["adam"].append(float(np.mean(np.abs(w_adam - w))))
    return {k: (np.array(v) if k != "layers" else v) for k, v in out.items()}
