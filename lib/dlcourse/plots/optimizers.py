"""Figures and experiments of chapter 4, optimizers (最適化手法).

Pure compute functions return NumPy data (tested directly); the ``plot_*`` functions draw
that data on a Matplotlib figure and return it.

- :func:`bowl` / :func:`bowl_grad`: the test function ``f(x, y) = x**2/20 + y**2`` of the book:
  a long, narrow valley, 20 times steeper across (y) than along (x); ``angle`` turns the valley
  (same shape, axes no longer aligned with the coordinates).
- :func:`make_optimizer`: one of SGD, Momentum, AdaGrad, RMSprop, Adam from
  :mod:`dlcourse.optimizers` by name.
- :func:`trajectory`: the points visited by an optimizer on ``f`` from ``(-7, 2)``.
- :func:`double_well` / :func:`momentum_basins`: which minimum of a one-dimensional loss with a
  shallow and a deep minimum gradient descent with momentum ends in, for each start and inertia.
- :func:`saddle` / :func:`saddle_runs`: how fast each optimizer leaves the saddle point of
  ``x**2/2 + y**4/4 - y**2/2``.
- :func:`compare_on_mnist`: the course note's comparison (784-40-20-10, sigmoid, weights with
  std 0.01, minibatches of 100) for several optimizers, trained through
  :func:`dlcourse.train.fit`; test accuracy every ``eval_every`` iterations.
- :func:`first_step_sizes`: why SGD is stuck there: the size of the first update per layer,
  SGD against Adam.
- :func:`lr_sweep_on_mnist`: the same comparison at several learning rates per optimizer.
- Learning-rate decay (学習率の減衰): :func:`noisy_bowl_runs` (SGD/Momentum with a schedule on
  :func:`bowl` with noisy gradients, through :func:`_descend`), :func:`noise_floor` (where a constant
  rate settles), :func:`expected_bowl_loss` (the exact mean, from the recursion of mean and
  variance), :func:`best_constant_rate`, :func:`schedule_rates`, and the figures
  :func:`plot_noise_floor`, :func:`plot_schedules`, :func:`plot_decay_comparison`,
  :func:`plot_decay_on_mnist`.
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
    "double_well",
    "double_well_grad",
    "momentum_basins",
    "plot_momentum_basins",
    "saddle",
    "saddle_grad",
    "saddle_runs",
    "plot_saddle",
    "lr_sweep_on_mnist",
    "plot_lr_sweep",
    "CURVATURES",
    "NOISE_STD",
    "DECAY_STEPS",
    "DECAY_SETTINGS",
    "SCHEDULES",
    "schedule_rates",
    "bowl_noise",
    "noisy_bowl_runs",
    "noise_floor",
    "expected_bowl_loss",
    "best_constant_rate",
    "noise_floor_runs",
    "plot_noise_floor",
    "decay_comparison",
    "plot_schedules",
    "plot_decay_comparison",
    "plot_decay_on_mnist",
]

#: The optimizers of the chapter, in the order they are taught.
OPTIMIZERS = ("SGD", "Momentum", "AdaGrad", "RMSprop", "Adam")

#: Learning rates that show each optimizer's character on :func:`bowl` in 30 steps
#: (the book's choices; RMSprop's is ours).
DEFAULT_LR = {"SGD": 0.95, "Momentum": 0.1, "AdaGrad": 1.5, "RMSprop": 0.15, "Adam": 0.3}

#: Start point of the trajectories (the book's).
START = (-7.0, 2.0)

_BOWL_SCALE = np.array([1.0 / 20.0, 1.0])


def _rotation(angle):
    """The 2x2 matrix that turns a vector by ``angle`` degrees (counter-clockwise)."""
    a = np.deg2rad(float(angle))
    return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])


def bowl(x, y, angle=0.0):
    """``f(x, y) = x**2 / 20 + y**2``; x, y: arrays of the same shape (or scalars).

    With ``angle`` (degrees) the same valley turned counter-clockwise: ``f(R(-angle) (x, y))``.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if angle:
        c, s = np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))
        x, y = c * x + s * y, -s * x + c * y
    return x * x / 20.0 + y * y


def bowl_grad(w, angle=0.0):
    """Gradient of :func:`bowl` at ``w = (x, y)``: ``(x / 10, 2 y)``; w: (2,) -> (2,)."""
    w = np.asarray(w, dtype=np.float64)
    if not angle:
        return 2.0 * _BOWL_SCALE * w
    R = _rotation(angle)
    return R @ (2.0 * _BOWL_SCALE * (R.T @ w))


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


def _descend(opt, grad, start, steps):
    """The points visited by ``opt`` from ``start`` following ``grad``: an array (k, dim), k <= steps + 1.

    A run that blows up is stopped at the first non-finite (or astronomically large) point."""
    if not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}.")
    params = {"w": np.array(start, dtype=np.float64)}
    points = [params["w"].copy()]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            opt.update(params, {"w": grad(params["w"])})
            if not np.all(np.isfinite(params["w"])) or np.max(np.abs(params["w"])) > 1e150:
                break
            points.append(params["w"].copy())
    return np.array(points)


def trajectory(name, lr, steps=30, *, start=START, momentum=0.9, decay_rate=0.99,
               beta1=0.9, beta2=0.999, angle=0.0):
    """Run the optimizer ``name`` on :func:`bowl` from ``start``.

    Returns ``{"points": (steps + 1, 2), "loss": (steps + 1,)}``: the start and the point after
    each update, and ``f`` there. A run that blows up is stopped at the first non-finite point
    (the arrays are then shorter); no warnings are emitted. With ``angle`` the valley and the start
    are turned by ``angle`` degrees: the same problem, but its axes are no longer the coordinates.
    """
    opt = make_optimizer(name, lr, momentum=momentum, decay_rate=decay_rate, beta1=beta1, beta2=beta2)
    w = np.array(start, dtype=np.float64)
    if w.shape != (2,):
        raise ValueError(f"start must be a point (x, y), got {start!r}.")
    if angle:
        w = _rotation(angle) @ w
    points = _descend(opt, lambda v: bowl_grad(v, angle), w, steps)
    return {"points": points, "loss": bowl(points[:, 0], points[:, 1], angle)}


def draw_contours(ax, xlim=(-10, 10), ylim=(-5, 5), angle=0.0):
    """Contours of :func:`bowl` (turned by ``angle`` degrees) on ``ax``, with its minimum marked."""
    xs = np.linspace(*xlim, 201)
    ys = np.linspace(*ylim, 101)
    X, Y = np.meshgrid(xs, ys)
    ax.contour(X, Y, bowl(X, Y, angle), levels=[0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 22],
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


def plot_trajectories(names=OPTIMIZERS, lrs=None, steps=30, fig=None, angle=0.0):
    """One panel per optimizer: its path on :func:`bowl` from (-7, 2) with :data:`DEFAULT_LR`
    (on the valley turned by ``angle`` degrees, from the turned start, when ``angle`` is given)."""
    from matplotlib.figure import Figure

    lrs = dict(DEFAULT_LR, **(lrs or {}))
    fig = fig or Figure(figsize=(12, 5.5))
    axes = np.atleast_1d(fig.subplots(2, 3)).ravel()
    for ax, name in zip(axes, names):
        run = trajectory(name, lrs[name], steps, angle=angle)
        draw_contours(ax, angle=angle)
        p = run["points"]
        ax.plot(p[:, 0], p[:, 1], "o-", color="C3", markersize=3, linewidth=1)
        ax.set_title(f"{name} (lr {lrs[name]:g}): f = {run['loss'][-1]:.2g} after {len(p) - 1} steps",
                     fontsize=10)
    ax = axes[len(names)] if len(names) < len(axes) else None
    if ax is not None:
        for name in names:
            run = trajectory(name, lrs[name], steps, angle=angle)
            ax.semilogy(np.arange(len(run["loss"])), np.maximum(run["loss"], 1e-12), label=name)
        ax.set_xlabel("step")
        ax.set_ylabel("f (log scale)")
        ax.legend(fontsize=8)
        ax.set_title("f along each path" + (f" (valley turned by {angle:g}°)" if angle else ""), fontsize=10)
        for extra in axes[len(names) + 1:]:
            extra.set_visible(False)
    fig.tight_layout()
    return fig


def compare_on_mnist(x_train, t_train, x_test, t_test, optimizers, *, iters=1000, batch_size=100,
                     eval_every=100, eval_samples=2000, hidden_sizes=(40, 20), activation="sigmoid",
                     weight_init=0.01, seed=0, dtype=np.float32):
    """Train the course note's network once per optimizer and record its learning curves.

    x_train: (N, 784), t_train: (N,) labels (or one-hot); the same for the test set.
    optimizers: dict ``label -> (name, lr, kwargs)``, e.g. ``{"Adam": ("Adam", 0.01, {})}``; ``kwargs`` may
    hold a ``"schedule"``: a function of the iteration 0, 1, ... that returns its learning rate.
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
        kwargs = dict(kwargs)
        schedule = kwargs.pop("schedule", None)        # a function of the iteration 0, 1, ... -> its rate
        opt = make_optimizer(name, lr, **kwargs)
        if schedule is not None:
            opt = optim.ScheduledOptimizer(opt, schedule)
        history = fit(net, opt, x_train, t_train, iter(batches), iters=iters,
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


# ----------------------------------------------------------------------------
# what the optimizers do not guarantee: two minima, a saddle point, the learning rate
# ----------------------------------------------------------------------------
#: the tilt of :func:`double_well`: it makes the left minimum the deeper (global) one
WELL_TILT = 0.3


def double_well(x):
    """``f(x) = (x**2 - 1)**2 + 0.3 x``: a deep (global) minimum near x = -1.04 and a shallow
    (local) one near x = 0.96, separated by a hump near x = 0.08."""
    x = np.asarray(x, dtype=np.float64)
    return (x * x - 1.0) ** 2 + WELL_TILT * x


def double_well_grad(x):
    """``f'(x) = 4 x (x**2 - 1) + 0.3`` for :func:`double_well` (any shape)."""
    x = np.asarray(x, dtype=np.float64)
    return 4.0 * x * (x * x - 1.0) + WELL_TILT


def momentum_basins(starts=np.linspace(-2.0, 2.0, 41), mus=(0.0, 0.5, 0.8, 0.9, 0.95), lr=0.02, steps=2000):
    """Gradient descent with momentum on :func:`double_well` from every start, for every inertia.

    All starts of one inertia run together (one array of parameters). Returns ``{"starts": (S,),
    "mus": (M,), "ends": (M, S) final x, "global": (M, S) bool, True where the run ended in the
    deep minimum}`` (x < the hump counts as the deep minimum's basin).
    """
    starts = np.asarray(starts, dtype=np.float64)
    hump = _hump()
    ends = np.empty((len(mus), len(starts)))
    for i, mu in enumerate(mus):
        opt = make_optimizer("Momentum", lr, momentum=mu) if mu else make_optimizer("SGD", lr)
        params = {"w": starts.copy()}
        for _ in range(int(steps)):
            opt.update(params, {"w": double_well_grad(params["w"])})
        ends[i] = params["w"]
    return {"starts": starts, "mus": np.asarray(mus, dtype=np.float64), "ends": ends, "global": ends < hump,
            "lr": lr, "steps": int(steps)}


def _hump():
    """The local maximum of :func:`double_well` (between its two minima)."""
    roots = np.roots([4.0, 0.0, -4.0, WELL_TILT]).real
    return float(np.sort(roots)[1])


def well_path(x0, lr=0.02, mu=0.0, steps=150):
    """The points x_0, x_1, ... of one run on :func:`double_well` (SGD when ``mu`` is 0)."""
    opt = make_optimizer("Momentum", lr, momentum=mu) if mu else make_optimizer("SGD", lr)
    return _descend(opt, double_well_grad, [float(x0)], steps)[:, 0]


def plot_momentum_basins(basins=None, example_start=-1.8, fig=None):
    """Left: one start, plain gradient descent vs momentum 0.9, on :func:`double_well`.
    Right: for every start (columns) and inertia (rows), which minimum the run ends in."""
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    basins = basins or momentum_basins()
    fig = fig or Figure(figsize=(12, 3.8))
    ax_f, ax_map = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]})
    xs = np.linspace(-1.9, 1.9, 400)
    ax_f.plot(xs, double_well(xs), color="0.5", linewidth=1)
    for mu, color in ((0.0, "C0"), (0.9, "C3")):
        path = well_path(example_start, basins["lr"], mu, steps=300)
        end = path[-1]
        label = f"{'SGD' if not mu else f'momentum {mu:g}'}: ends at x = {end:.2f} " \
                f"({'deep' if end < _hump() else 'shallow'} minimum)"
        ax_f.plot(path, double_well(path) + (0.03 if mu else 0.0), ".-", color=color, markersize=3,
                  linewidth=0.6, alpha=0.8, label=label)
    ax_f.plot([example_start], [double_well(example_start)], "ks", markersize=5)
    ax_f.set_xlabel("x")
    ax_f.set_ylabel("f(x) = (x² − 1)² + 0.3x")
    ax_f.set_ylim(-0.6, 2.2)
    ax_f.legend(fontsize=8, loc="upper center")
    ax_f.set_title(f"one start, x₀ = {example_start:g} (lr {basins['lr']:g})", fontsize=10)
    s, m = basins["starts"], basins["mus"]
    step = s[1] - s[0] if len(s) > 1 else 1.0
    ax_map.imshow(basins["global"].astype(float), aspect="auto", origin="lower",
                  cmap=ListedColormap(["#f4a261", "#2a9d8f"]), vmin=0, vmax=1,
                  extent=(s[0] - step / 2, s[-1] + step / 2, -0.5, len(m) - 0.5))
    ax_map.set_yticks(range(len(m)))
    ax_map.set_yticklabels([f"{v:g}" for v in m])
    ax_map.set_ylabel("inertia μ (0 = SGD)")
    ax_map.set_xlabel("start x₀")
    share = basins["global"].mean(axis=1)
    for i, frac in enumerate(share):
        ax_map.text(s[-1] + step, i, f"{100 * frac:.0f}%", va="center", fontsize=8)
    ax_map.set_title("green: ends in the deep minimum, orange: in the shallow one "
                     "(share of starts at the right)", fontsize=9)
    fig.tight_layout()
    return fig


def saddle(x, y):
    """``f(x, y) = x**2/2 + y**4/4 - y**2/2``: a saddle point at (0, 0), minima at (0, ±1)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return 0.5 * x * x + 0.25 * y ** 4 - 0.5 * y * y


def saddle_grad(w):
    """Gradient of :func:`saddle` at ``w = (x, y)``: ``(x, y**3 - y)``."""
    w = np.asarray(w, dtype=np.float64)
    return np.array([w[0], w[1] ** 3 - w[1]])


#: Learning rates for :func:`saddle_runs`: each method's first step is about 0.1 long
#: (RMSprop's first step is lr / sqrt(1 - 0.99) = 10 lr, having no bias correction).
SADDLE_LR = {"SGD": 0.1, "Momentum": 0.1, "AdaGrad": 0.1, "RMSprop": 0.01, "Adam": 0.1}


def saddle_runs(y0=1e-4, steps=200, lrs=None, x0=2.0):
    """Every optimizer from ``(x0, y0)``, just off the saddle's ridge, on :func:`saddle`.

    Returns ``{name: {"points": (k, 2), "escape": the first step with |y| > 0.5, or None}}``.
    """
    lrs = dict(SADDLE_LR, **(lrs or {}))
    runs = {}
    for name in OPTIMIZERS:
        pts = _descend(make_optimizer(name, lrs[name]), saddle_grad, [x0, y0], steps)
        away = np.flatnonzero(np.abs(pts[:, 1]) > 0.5)
        runs[name] = {"points": pts, "escape": int(away[0]) if away.size else None, "lr": lrs[name]}
    return runs


def plot_saddle(runs=None, fig=None):
    """Left: the paths on the contours of :func:`saddle`. Right: |y|, the distance from the ridge."""
    from matplotlib.figure import Figure

    runs = runs or saddle_runs()
    fig = fig or Figure(figsize=(12, 3.8))
    ax_p, ax_y = fig.subplots(1, 2)
    X, Y = np.meshgrid(np.linspace(-2.5, 2.5, 201), np.linspace(-1.5, 1.5, 121))
    ax_p.contour(X, Y, saddle(X, Y), levels=np.linspace(-0.25, 3, 14), colors="0.75", linewidths=0.7)
    ax_p.plot(0, 0, "kx")
    for i, (name, r) in enumerate(runs.items()):
        p = r["points"]
        ax_p.plot(p[:, 0], p[:, 1], ".-", color=f"C{i}", markersize=2, linewidth=0.8, label=name)
        esc = "never" if r["escape"] is None else f"step {r['escape']}"
        ax_y.semilogy(np.arange(len(p)), np.maximum(np.abs(p[:, 1]), 1e-12), color=f"C{i}",
                      label=f"{name} (lr {r['lr']:g}): |y| > 0.5 at {esc}")
    ax_p.set_xlabel("x")
    ax_p.set_ylabel("y")
    ax_p.set_title("f = x²/2 + y⁴/4 − y²/2: saddle at (0, 0), minima at (0, ±1)", fontsize=10)
    ax_p.legend(fontsize=8, loc="lower left")
    ax_y.axhline(0.5, color="0.6", linestyle=":", linewidth=1)
    ax_y.set_xlabel("step")
    ax_y.set_ylabel("|y| (log scale)")
    ax_y.set_title(f"leaving the saddle from y₀ = {runs['SGD']['points'][0, 1]:g}", fontsize=10)
    ax_y.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def lr_sweep_on_mnist(x_train, t_train, x_test, t_test, *, names=OPTIMIZERS, lrs=(1e-3, 1e-2, 1e-1, 1.0),
                      reuse=None, **kwargs):
    """:func:`compare_on_mnist` for every optimizer at every learning rate (same weights, same
    minibatches for all). Returns ``{"names", "lrs", "acc": (len(names), len(lrs)) final test
    accuracy, "runs": the results keyed "<name> <lr>"}``.

    ``reuse``: runs already made with the same data and ``kwargs``, keyed like ``"Adam 0.01"``
    (e.g. the comparison at the course note's learning rate); they are not trained again.
    """
    reuse = dict(reuse or {})
    settings = {f"{name} {lr:g}": (name, lr, {}) for name in names for lr in lrs
                if f"{name} {lr:g}" not in reuse}
    runs = dict(reuse)
    if settings:
        runs.update(compare_on_mnist(x_train, t_train, x_test, t_test, settings, **kwargs))
    acc = np.array([[runs[f"{name} {lr:g}"]["final_test_acc"] for lr in lrs] for name in names])
    return {"names": list(names), "lrs": np.asarray(lrs, dtype=np.float64), "acc": acc, "runs": runs}


def plot_lr_sweep(sweep, mark=0.01, fig=None):
    """Final test accuracy against the learning rate, one line per optimizer; the note's 0.01 marked."""
    from matplotlib.figure import Figure

    fig = fig or Figure(figsize=(8, 3.8))
    ax = fig.subplots()
    for i, name in enumerate(sweep["names"]):
        color = f"C{OPTIMIZERS.index(name)}" if name in OPTIMIZERS else f"C{i}"   # the colours of the other figures
        ax.semilogx(sweep["lrs"], sweep["acc"][i], "o-", color=color, label=name)
    ax.axvline(mark, color="0.5", linestyle=":", linewidth=1)
    ax.text(mark, 1.02, f" the note's lr {mark:g}", fontsize=8, color="0.3")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("test accuracy after the run")
    ax.set_ylim(0, 1.08)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------
# learning-rate decay (学習率の減衰) on the valley with noisy gradients
# ----------------------------------------------------------------------------
#: The curvatures of :func:`bowl` along x and y (the eigenvalues of its Hessian).
CURVATURES = (0.1, 2.0)

#: The lecture's and the graded notebook's setting: noise of standard deviation 1 on each
#: coordinate of the gradient, 200 updates, the schedules' settings.
NOISE_STD = 1.0
DECAY_STEPS = 200
DECAY_SETTINGS = {"lr0": 0.4, "drop": 0.5, "every": 40, "lr_min": 0.0}

#: The schedules compared, in the order (and colours) of the figures.
SCHEDULES = ("constant", "step", "cosine")


def schedule_rates(kind, steps, lr0, *, drop=0.5, every=40, lr_min=0.0):
    """The learning rates of updates t = 0 .. steps-1 of one schedule: (steps,) float64.

    ``kind``: "constant" (lr0 throughout), "step" (:func:`dlcourse.optimizers.step_decay` with
    ``drop``/``every``, counted in updates) or "cosine" (:func:`dlcourse.optimizers.cosine_decay`
    from lr0 to ``lr_min`` over T = ``steps``).
    """
    t = np.arange(int(steps), dtype=np.float64)
    if kind == "constant":
        return np.full(len(t), float(lr0))
    if kind == "step":
        return optim.step_decay(lr0, t, drop, every)
    if kind == "cosine":
        return optim.cosine_decay(lr0, t, max(int(steps), 1), lr_min)
    raise ValueError(f"unknown schedule {kind!r}; choose one of {', '.join(SCHEDULES)}.")


def bowl_noise(steps, runs, seed=0):
    """Standard normal draws (steps, runs, 2) for :func:`noisy_bowl_runs` (scaled there by the noise std)."""
    return np.random.default_rng(seed).standard_normal((int(steps), int(runs), 2))


def noisy_bowl_runs(rates, *, noise_std=NOISE_STD, momentum=0.0, runs=500, seed=0, noise=None, start=START):
    """``runs`` independent runs of SGD (``momentum`` 0) or Momentum on :func:`bowl` from ``start``,
    the learning rate of update t being ``rates[t]``, with noisy gradients

        g_t = grad f(w_{t-1}) + noise_std * xi_t,    xi_t ~ N(0, I), independent,

    as a minibatch gradient is the true gradient plus noise. ``noise``: the draws xi, (steps, runs, 2),
    so that several schedules can share them (by default :func:`bowl_noise` with the random ``seed``). Every run
    follows :func:`_descend` with a :class:`dlcourse.optimizers.ScheduledOptimizer`.

    Returns ``{"points": (k, runs, 2), "loss": (k, runs), "mean_loss": (k,), "lr": (steps,)}``,
    k = steps + 1 unless the runs blew up.
    """
    rates = np.asarray(rates, dtype=np.float64).ravel()
    steps = len(rates)
    xi = bowl_noise(steps, runs, seed) if noise is None else np.asarray(noise, dtype=np.float64)
    if xi.ndim != 3 or xi.shape[0] < steps or xi.shape[2] != 2:
        raise ValueError(f"noise must have the shape (steps, runs, 2) with at least {steps} steps, got {xi.shape}.")
    draws = iter(noise_std * xi)
    base = make_optimizer("Momentum", 1.0, momentum=momentum) if momentum else make_optimizer("SGD", 1.0)
    opt = optim.ScheduledOptimizer(base, lambda t: rates[t])
    w0 = np.broadcast_to(np.asarray(start, dtype=np.float64), (xi.shape[1], 2))
    points = _descend(opt, lambda w: bowl_grad(w) + next(draws), w0, steps)
    loss = bowl(points[..., 0], points[..., 1])
    return {"points": points, "loss": loss, "mean_loss": loss.mean(axis=1), "lr": rates}


def noise_floor(lr, *, noise_std=NOISE_STD, momentum=0.0, curvatures=CURVATURES):
    """The mean of f where SGD/Momentum with a CONSTANT rate settles on ``f = sum_i lam_i w_i**2 / 2``
    with gradient noise of std ``noise_std`` per coordinate:

        sum_i  lr sigma**2 (1 + mu) / (2 (1 - mu) (2 (1 + mu) - lr lam_i))

    (for mu = 0: lr sigma**2 / (2 (2 - lr lam_i)) per direction, about lr sigma**2 / 4 when lr lam_i is
    small). ``inf`` where a direction is unstable (lr lam_i >= 2 (1 + mu)). ``lr`` may be an array.
    """
    lr = np.asarray(lr, dtype=np.float64)
    mu = float(momentum)
    total = np.zeros_like(lr)
    for lam in curvatures:
        denom = 2.0 * (1.0 - mu) * (2.0 * (1.0 + mu) - lr * lam)
        with np.errstate(divide="ignore"):
            total = total + np.where(denom > 0, lr * noise_std ** 2 * (1.0 + mu) / np.where(denom > 0, denom, 1.0),
                                     np.inf)
    return total if total.ndim else float(total)


def expected_bowl_loss(rates, *, noise_std=NOISE_STD, momentum=0.0, curvatures=CURVATURES, start=START):
    """The exact mean of f(w_t), t = 0 .. n, over infinitely many runs of :func:`noisy_bowl_runs`.

    Each direction i is a linear recursion in the state (w, v) driven by noise, so its mean and
    its covariance follow exactly:  mean' = A mean,  C' = A C A^T + b b^T  with
    A = [[1 - lr lam, mu], [-lr lam, mu]] and b = -lr sigma (1, 1); E[f] = sum_i lam_i (mean_w**2 + C_ww) / 2.
    ``rates`` (..., n): one schedule, or many at once (leading axes); ``momentum`` broadcasts against
    those axes. Returns (..., n + 1).
    """
    rates = np.asarray(rates, dtype=np.float64)
    shape = rates.shape[:-1]
    mu = np.broadcast_to(np.asarray(momentum, dtype=np.float64), shape)
    out = np.zeros(shape + (rates.shape[-1] + 1,))
    with np.errstate(over="ignore", invalid="ignore"):
        for lam, w0 in zip(curvatures, start):
            mw, mv = np.full(shape, float(w0)), np.zeros(shape)
            p, q, s = np.zeros(shape), np.zeros(shape), np.zeros(shape)     # E[w w], E[w v], E[v v] about the mean
            out[..., 0] += 0.5 * lam * mw ** 2
            for k in range(rates.shape[-1]):
                a = rates[..., k] * lam
                n2 = (rates[..., k] * noise_std) ** 2
                mw, mv = (1 - a) * mw + mu * mv, -a * mw + mu * mv
                p, q, s = ((1 - a) ** 2 * p + 2 * (1 - a) * mu * q + mu ** 2 * s + n2,
                           -a * (1 - a) * p + mu * (1 - 2 * a) * q + mu ** 2 * s + n2,
                           a * a * p - 2 * a * mu * q + mu ** 2 * s + n2)
                out[..., k + 1] += 0.5 * lam * (mw ** 2 + p)
    return out


def best_constant_rate(steps=DECAY_STEPS, *, noise_std=NOISE_STD, momenta=(0.0,), lrs=np.geomspace(1e-4, 1.2, 300)):
    """The constant learning rate (and momentum among ``momenta``) with the lowest exact mean f after
    ``steps`` updates (:func:`expected_bowl_loss`), searched on the grid ``lrs`` x ``momenta``.

    Returns ``{"loss": float, "lr": float, "momentum": float, "grid": (len(momenta), len(lrs)) losses,
    "lrs", "momenta"}``.
    """
    lrs = np.asarray(lrs, dtype=np.float64)
    mus = np.asarray(momenta, dtype=np.float64)
    rates = np.broadcast_to(lrs[None, :, None], (len(mus), len(lrs), int(steps)))
    grid = expected_bowl_loss(rates, noise_std=noise_std, momentum=mus[:, None])[..., -1]
    grid = np.where(np.isfinite(grid), grid, np.inf)
    i, j = np.unravel_index(int(np.argmin(grid)), grid.shape)
    return {"loss": float(grid[i, j]), "lr": float(lrs[j]), "momentum": float(mus[i]), "grid": grid,
            "lrs": lrs, "momenta": mus}


def noise_floor_runs(lrs=(0.05, 0.2, 0.5), steps=400, *, noise_std=NOISE_STD, runs=500, seed=0):
    """SGD with each constant rate of ``lrs`` on the noisy valley (the same noise for all).

    Returns ``{"lrs", "steps", "mean_loss": (len(lrs), steps + 1) measured, "expected": the same from
    :func:`expected_bowl_loss`, "floor": (len(lrs),) from :func:`noise_floor`}``.
    """
    xi = bowl_noise(steps, runs, seed)
    measured = np.array([noisy_bowl_runs(np.full(steps, lr), noise_std=noise_std, noise=xi)["mean_loss"] for lr in lrs])
    expected = expected_bowl_loss(np.repeat(np.asarray(lrs, dtype=np.float64)[:, None], steps, axis=1),
                                  noise_std=noise_std)
    return {"lrs": np.asarray(lrs, dtype=np.float64), "steps": int(steps), "runs": int(runs), "mean_loss": measured,
            "expected": expected, "floor": noise_floor(np.asarray(lrs, dtype=np.float64), noise_std=noise_std)}


def plot_noise_floor(result=None, fig=None):
    """Mean f of SGD at each constant rate (solid: measured over the runs; dashed: the predicted floor)."""
    from matplotlib.figure import Figure

    result = result or noise_floor_runs()
    fig = fig or Figure(figsize=(8, 3.8))
    ax = fig.subplots()
    t = np.arange(result["steps"] + 1)
    for i, lr in enumerate(result["lrs"]):
        ax.semilogy(t, result["mean_loss"][i], color=f"C{i}", label=f"lr {lr:g}: floor {result['floor'][i]:.3g}")
        ax.axhline(result["floor"][i], color=f"C{i}", linestyle="--", linewidth=1)
    ax.set_xlabel("update t")
    ax.set_ylabel(f"mean f over {result['runs']} runs (log)")
    ax.set_title("SGD with a constant rate and noisy gradients: each rate levels off at its own floor "
                 "(dashed: the prediction)", fontsize=9)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def decay_comparison(steps=DECAY_STEPS, *, lr0=DECAY_SETTINGS["lr0"], drop=DECAY_SETTINGS["drop"],
                     every=DECAY_SETTINGS["every"], lr_min=DECAY_SETTINGS["lr_min"], noise_std=NOISE_STD,
                     momentum=0.0, runs=1000, seed=0):
    """A constant rate, step decay and cosine decay, all starting at ``lr0``, on the noisy valley with
    the same noise. Returns ``{name: {"lr", "mean_loss" (measured), "expected", "path" (run 0's points)}}``
    for every name of :data:`SCHEDULES`, plus ``"settings"``.
    """
    xi = bowl_noise(steps, runs, seed)
    out = {"settings": {"steps": int(steps), "lr0": lr0, "drop": drop, "every": every, "lr_min": lr_min,
                        "noise_std": noise_std, "momentum": momentum, "runs": int(runs)}}
    for kind in SCHEDULES:
        rates = schedule_rates(kind, steps, lr0, drop=drop, every=every, lr_min=lr_min)
        run = noisy_bowl_runs(rates, noise_std=noise_std, momentum=momentum, noise=xi)
        out[kind] = {"lr": rates, "mean_loss": run["mean_loss"], "path": run["points"][:, 0],
                     "expected": expected_bowl_loss(rates, noise_std=noise_std, momentum=momentum)}
    return out


def plot_schedules(steps=DECAY_STEPS, *, lr0=DECAY_SETTINGS["lr0"], drop=DECAY_SETTINGS["drop"],
                   every=DECAY_SETTINGS["every"], lr_min=DECAY_SETTINGS["lr_min"], fig=None):
    """The learning rate of each schedule of :data:`SCHEDULES` over ``steps`` updates."""
    from matplotlib.figure import Figure

    fig = fig or Figure(figsize=(8, 3.2))
    ax = fig.subplots()
    labels = {"constant": f"constant {lr0:g}", "step": f"step: × {drop:g} every {every:g} updates",
              "cosine": f"cosine: {lr0:g} → {lr_min:g} over T = {steps}"}
    for i, kind in enumerate(SCHEDULES):
        ax.step(np.arange(steps), schedule_rates(kind, steps, lr0, drop=drop, every=every, lr_min=lr_min),
                where="post", color=f"C{i}", label=labels[kind])
    ax.set_xlabel("update t (counted from 0)")
    ax.set_ylabel("learning rate")
    ax.set_ylim(0, lr0 * 1.1)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_decay_comparison(result=None, best=None, fig=None):
    """Left: mean f of each schedule (solid: measured; dotted: exact). Right: the exact mean f after
    the run for every CONSTANT rate (one line per momentum of ``best['grid']``) against the schedules'."""
    from matplotlib.figure import Figure

    result = result or decay_comparison()
    s = result["settings"]
    fig = fig or Figure(figsize=(13, 4))
    ax_t, ax_c = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.1]})
    t = np.arange(s["steps"] + 1)
    for i, kind in enumerate(SCHEDULES):
        r = result[kind]
        ax_t.semilogy(t, r["mean_loss"], color=f"C{i}", label=f"{kind}: f = {r['mean_loss'][-1]:.3g} at the end")
        ax_t.semilogy(t, r["expected"], color=f"C{i}", linestyle=":", linewidth=1)
    ax_t.set_xlabel("update t")
    ax_t.set_ylabel(f"mean f over {s['runs']} runs (log)")
    ax_t.set_title(f"all start at lr {s['lr0']:g}, noise std {s['noise_std']:g} (dotted: exact mean)", fontsize=9)
    ax_t.grid(True, which="major", alpha=0.3)
    ax_t.legend(fontsize=8)
    if best is not None:
        for k, mu in enumerate(best["momenta"]):
            ax_c.loglog(best["lrs"], best["grid"][k], color=f"C{3 + k}", label=f"constant rate, momentum {mu:g}")
        ax_c.plot([best["lr"]], [best["loss"]], "ko", markersize=4)
        ax_c.annotate(f"best constant: {best['loss']:.3g}", (best["lr"], best["loss"]), textcoords="offset points",
                      xytext=(5, -14), fontsize=8)
    for i, kind in enumerate(SCHEDULES[1:], start=1):
        ax_c.axhline(result[kind]["expected"][-1], color=f"C{i}", linestyle="--", linewidth=1,
                     label=f"{kind} decay from {s['lr0']:g}: {result[kind]['expected'][-1]:.3g}")
    ax_c.set_ylim(0.02, 10)
    ax_c.set_xlabel("constant learning rate (log)")
    ax_c.set_ylabel(f"exact mean f after {s['steps']} updates")
    ax_c.grid(True, which="major", alpha=0.3)
    ax_c.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


def plot_decay_on_mnist(results, fig=None, width=50):
    """Learning curves of :func:`compare_on_mnist` runs that differ by their schedule: the training loss
    (mean of ``width`` minibatches, log scale) and the test accuracy, zoomed in on the last points."""
    from matplotlib.figure import Figure

    fig = fig or Figure(figsize=(12, 3.8))
    ax_loss, ax_acc = fig.subplots(1, 2)
    accs = []
    for i, (label, r) in enumerate(results.items()):
        ax_loss.semilogy(*smooth(r["loss"], width), color=f"C{i}", label=label)
        ax_acc.plot(r["eval_iters"], 100 * r["test_acc"], "o-", color=f"C{i}", markersize=3,
                    label=f"{label}: {100 * r['final_test_acc']:.1f}% (whole test set)")
        accs.append(r["test_acc"][len(r["test_acc"]) // 4:])
    ax_loss.set_xlabel("iteration")
    ax_loss.set_ylabel(f"training loss (mean of {width} batches, log)")
    ax_loss.grid(True, which="both", alpha=0.3)
    ax_loss.legend(fontsize=8)
    low = 100 * min(float(np.min(a)) for a in accs)
    ax_acc.set_ylim(np.floor(low - 0.5), 100 * max(float(np.max(a)) for a in accs) + 0.6)
    ax_acc.set_xlabel("iteration")
    ax_acc.set_ylabel("test accuracy (%), 2000 test images")
    ax_acc.grid(True, alpha=0.3)
    ax_acc.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig
