"""Figures and experiments of chapter 8, the capstone: composing a network, debugging it, training it.

Every experiment uses the library's parts: :class:`dlcourse.network.MultiLayerNet` (the layers),
:mod:`dlcourse.optimizers` (Adam), :func:`dlcourse.train.train` (the minibatch loop) and
:mod:`dlcourse.gradcheck`. Pure compute functions return NumPy data (tested directly);
``plot_*`` functions draw it and return the figure.

- :func:`parameter_table`, :func:`plot_architecture`: what a ``FullyConnectedNet`` holds and how
  its layers compose (forward with caches, backward in reverse).
- The debugging plan: :func:`initial_losses` (step 1, the loss before training is about ln C),
  :func:`overfit_tiny_batch` (step 2, learn a few examples by heart), :func:`gradcheck_vs_step`
  (step 3, why the gradient check uses h = 1e-5 and float64).
- Learning-rate schedules: :func:`cosine_decay`, :func:`step_decay`, :class:`ScheduledOptimizer`
  (those of :mod:`dlcourse.optimizers`, chapter 4: an optimizer whose rate follows a schedule),
  :func:`plot_schedules`.
- Training: :func:`train_run` (one run with Adam and a schedule), :func:`lr_grid` (the explorer's
  precomputed runs), :func:`plot_run`, and :func:`plot_training` for the history dict of the graded
  notebook's own training loop.
"""

from __future__ import annotations

import time

import numpy as np

from dlcourse.figures import new_figure, smooth
from dlcourse.optimizers import ScheduledOptimizer, cosine_decay, step_decay

__all__ = [
    "capstone_data",
    "parameter_table",
    "plot_architecture",
    "initial_losses",
    "overfit_tiny_batch",
    "plot_overfit",
    "gradcheck_vs_step",
    "plot_gradcheck_vs_step",
    "cosine_decay",
    "step_decay",
    "SCHEDULES",
    "schedule_curves",
    "plot_schedules",
    "ScheduledOptimizer",
    "train_run",
    "plot_run",
    "LEARNING_RATES",
    "lr_grid",
    "plot_training",
]


def _net(hidden_dims, use_batchnorm=False, dropout=0.0, weight_init="he", seed=0, input_dim=784, num_classes=10,
         dtype=np.float64):
    from dlcourse.network import MultiLayerNet

    return MultiLayerNet(input_dim, list(hidden_dims), num_classes, weight_init=weight_init,
                         use_batchnorm=use_batchnorm, dropout_ratio=dropout, rng=np.random.default_rng(seed),
                         dtype=dtype)


# --------------------------------------------------------------------------- data
def capstone_data(n_val=4345, n_train=None):
    """MNIST split for the lecture's experiments: the last ``n_val`` training images are held out.

    Returns a dict with ``x_train, t_train`` (the first ``n_train`` of the rest, all by default),
    ``x_val, t_val`` and ``x_test, t_test`` (the 10,000 test images). Hyperparameters are chosen on the
    validation images; the test images are looked at once, at the end.
    """
    from dlcourse.data import load_mnist

    (x, t), (x_test, t_test) = load_mnist(normalize=True, flatten=True, one_hot=False)
    if not 0 < n_val < len(x):
        raise ValueError(f"capstone_data: n_val must be between 1 and {len(x) - 1} (the training set has {len(x)} "
                         f"images), got {n_val}.")
    x_fit, t_fit = x[:-n_val], t[:-n_val]
    if n_train is not None:
        x_fit, t_fit = x_fit[:n_train], t_fit[:n_train]
    return {"x_train": x_fit, "t_train": t_fit, "x_val": x[-n_val:], "t_val": t[-n_val:],
            "x_test": x_test, "t_test": t_test}


# --------------------------------------------------------------------------- composition
def parameter_table(hidden_dims, use_batchnorm, input_dim=784, num_classes=10):
    """Rows ``(key, shape, count)`` of the parameters of such a network, in the order of ``params``,
    read from the library's network; the last row is ``("total", None, count)``."""
    net = _net(hidden_dims, use_batchnorm, input_dim=input_dim, num_classes=num_classes)
    rows = [(key, tuple(value.shape), int(value.size)) for key, value in net.params.items()]
    rows.append(("total", None, sum(r[2] for r in rows)))
    return rows


def _layer_boxes(hidden_dims, use_batchnorm, dropout):
    """The boxes of the architecture figure: (label, parameters or "", kind) in forward order."""
    boxes = []
    for i, width in enumerate(hidden_dims, start=1):
        boxes.append((f"affine\n{width} units", f"W{i}, b{i}", "affine"))
        if use_batchnorm:
            boxes.append(("batch\nnorm", f"γ{i}, β{i}", "bn"))
        boxes.append(("ReLU", "", "act"))
        if dropout > 0:
            boxes.append((f"dropout\n{dropout:g}", "", "drop"))
    last = len(hidden_dims) + 1
    boxes.append(("affine\nscores", f"W{last}, b{last}", "affine"))
    boxes.append(("softmax\ncross-entropy", "", "loss"))
    return boxes


def plot_architecture(hidden_dims=(100, 50), use_batchnorm=True, dropout=0.2, fig=None):
    """The layers of a FullyConnectedNet as boxes: the forward pass (top arrows, each layer keeping a
    cache) and the backward pass (bottom arrows, in reverse, each layer returning the gradients of its
    parameters)."""
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    boxes = _layer_boxes(list(hidden_dims), use_batchnorm, dropout)
    colours = {"affine": "#cfe2f3", "bn": "#d9ead3", "act": "#fff2cc", "drop": "#f4cccc", "loss": "#e6e6e6"}
    if fig is None:
        fig, ax = new_figure((max(8.0, 1.15 * len(boxes) + 1.5), 2.6))
    else:
        ax = fig.subplots()
    n = len(boxes)
    ax.set_xlim(-1.2, n + 0.3)
    ax.set_ylim(-1.25, 1.35)
    ax.axis("off")
    ax.text(-0.85, 0.0, "x\n(N, 784)", ha="center", va="center", fontsize=8)
    for i, (label, params, kind) in enumerate(boxes):
        ax.add_patch(FancyBboxPatch((i - 0.38, -0.42), 0.76, 0.84, boxstyle="round,pad=0.03",
                                    fc=colours[kind], ec="0.3", lw=0.8))
        ax.text(i, 0.0, label, ha="center", va="center", fontsize=7.5)
        if params:
            ax.text(i, -0.58, params, ha="center", va="top", fontsize=7, color="0.25")
    for i in range(-1, n - 1):
        left = i + 0.42 if i >= 0 else -0.62
        ax.add_patch(FancyArrowPatch((left, 0.25), (i + 1 - 0.42, 0.25), arrowstyle="-|>", mutation_scale=8,
                                     color="C0", lw=1))
        ax.add_patch(FancyArrowPatch((i + 1 - 0.42, -0.25), (left, -0.25), arrowstyle="-|>", mutation_scale=8,
                                     color="C3", lw=1, linestyle="--"))
    ax.text(n - 1 + 0.45, 0.05, "L", fontsize=10, va="center")
    ax.text(n / 2 - 0.5, 1.05, "forward: each layer returns (out, cache)", ha="center", fontsize=8, color="C0")
    ax.text(n / 2 - 0.5, -1.1, "backward, in reverse: each layer takes dout and its cache, returns dx and its "
                               "parameters' gradients", ha="center", fontsize=8, color="C3")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- debugging plan
def initial_losses(x, t, scales=(1e-3, "he", 0.1, 1.0), hidden_dims=(100, 100), use_batchnorm=False, seed=0):
    """Step 1 of the plan: the loss of an untrained network for each initial weight scale.

    x: (N, 784), t: (N,). ``scales``: a float standard deviation or a name of
    :func:`dlcourse.init.init_weights`. Returns ``{scale: loss}``; with tiny weights every class gets
    probability about 1/C, so the loss is about ln C (ln 10 = 2.303 for MNIST).
    """
    return {scale: float(_net(hidden_dims, use_batchnorm, weight_init=scale, seed=seed).loss(x, t))
            for scale in scales}


def overfit_tiny_batch(x, t, lrs=(1e-5, 1e-2, 1.0), n=50, iters=100, hidden_dims=(100,), seed=0):
    """Step 2 of the plan: train on ``n`` examples only (full batch, Adam), once per learning rate.

    Returns ``{lr: History}`` (:class:`dlcourse.train.History`, accuracy measured on those same
    examples every 5 iterations). A correct network with a sensible rate learns them by heart.
    """
    from dlcourse.optimizers import Adam
    from dlcourse.train import train

    xs, ts = x[:n], t[:n]
    runs = {}
    for lr in lrs:
        net = _net(hidden_dims, seed=seed)
        runs[lr] = train(net, Adam(lr), xs, ts, iters=iters, batch_size=n, rng=np.random.default_rng(seed + 1),
                         eval_every=5, progress=False, raise_on_divergence=False)
    return runs


def plot_overfit(runs, fig=None):
    """Loss and training accuracy of :func:`overfit_tiny_batch`'s runs."""
    if fig is None:
        fig, (ax_loss, ax_acc) = new_figure((10, 3.2), 1, 2)
    else:
        ax_loss, ax_acc = fig.subplots(1, 2)
    for i, (lr, h) in enumerate(runs.items()):
        ax_loss.semilogy(h.iterations, np.where(np.isfinite(h.loss), h.loss, np.nan), color=f"C{i}", label=f"lr {lr:g}")
        ax_acc.plot(h.eval_iters, h.train_acc, "o-", ms=3, color=f"C{i}", label=f"lr {lr:g}")
    ax_loss.set_xlabel("iteration")
    ax_loss.set_ylabel("training loss (log scale)")
    ax_acc.set_xlabel("iteration")
    ax_acc.set_ylabel("accuracy on the tiny batch")
    ax_acc.set_ylim(0, 1.05)
    ax_acc.legend(fontsize=8)
    fig.tight_layout()
    return fig


def gradcheck_vs_step(hs=None, dtypes=(np.float64, np.float32), hidden_dims=(6, 5), seed=0):
    """Step 3 of the plan: the largest relative error of the gradient check as a function of the step h.

    A small ReLU network (12 inputs, 4 classes, 5 examples) in each dtype; its backprop gradient
    (:meth:`MultiLayerNet.gradient`) against central differences
    (:func:`dlcourse.gradcheck.numerical_gradient`), the relative error
    (:func:`dlcourse.gradcheck.relative_error`) maximised over all parameters. Returns
    ``{"h": (K,), dtype name: (K,) errors}``: truncation error ~ h**2 on the right, rounding ~ eps/h on
    the left.
    """
    from dlcourse.gradcheck import numerical_gradient, relative_error

    hs = np.logspace(-1, -10, 19) if hs is None else np.asarray(hs, dtype=float)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((5, 12))
    t = np.array([0, 3, 1, 2, 3])
    out = {"h": hs}
    for dtype in dtypes:
        net = _net(hidden_dims, weight_init=0.5, seed=seed, input_dim=12, num_classes=4, dtype=dtype)
        grads = net.gradient(x, t)
        errors = []
        for h in hs:
            worst = 0.0
            with np.errstate(invalid="ignore", divide="ignore"):  # float32: x + h may round to x itself
                for key, value in net.params.items():
                    num = numerical_gradient(lambda _: float(net.loss(x, t)), value, h=float(h))
                    worst = max(worst, relative_error(grads[key].astype(np.float64), np.nan_to_num(num)))
            errors.append(worst)
        out[np.dtype(dtype).name] = np.array(errors)
    return out


def plot_gradcheck_vs_step(result, threshold=1e-6, fig=None):
    """:func:`gradcheck_vs_step`'s errors against h, log-log, with the threshold and h = 1e-5 marked."""
    if fig is None:
        fig, ax = new_figure((6.5, 3.4))
    else:
        ax = fig.subplots()
    for i, name in enumerate(k for k in result if k != "h"):
        ax.loglog(result["h"], result[name], "o-", ms=3, color=f"C{i}", label=name)
    ax.axhline(threshold, color="0.5", ls="--", lw=1)
    ax.text(0.99, threshold * 1.5, f"threshold {threshold:g}", ha="right", fontsize=8, color="0.3",
            transform=ax.get_yaxis_transform())
    ax.axvline(1e-5, color="C2", ls=":", lw=1)
    ax.set_xlabel("step h of the central difference")
    ax.set_ylabel("largest relative error")
    ax.invert_xaxis()
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- schedules
# cosine_decay, step_decay and ScheduledOptimizer are dlcourse.optimizers' (chapter 4), imported above.


#: the schedules the lecture compares: name -> rate at step t of T, for a start rate lr0
SCHEDULES = {
    "constant": lambda lr0, t, T: lr0,
    "step": lambda lr0, t, T: step_decay(lr0, t, 0.3, max(1, -(-T // 3))),
    "cosine": lambda lr0, t, T: cosine_decay(lr0, t, T, 0.0),
}


def schedule_curves(lr0=1e-3, T=1000):
    """``{"t": (T,), name: (T,) rates}`` of every schedule of :data:`SCHEDULES`."""
    t = np.arange(T)
    return {"t": t, **{name: np.array([f(lr0, k, T) for k in t]) for name, f in SCHEDULES.items()}}


def plot_schedules(curves=None, fig=None):
    """The learning rate of each schedule over a run."""
    curves = schedule_curves() if curves is None else curves
    if fig is None:
        fig, ax = new_figure((6.5, 3.0))
    else:
        ax = fig.subplots()
    for i, name in enumerate(k for k in curves if k != "t"):
        ax.plot(curves["t"], curves[name], color=f"C{i}", label=name)
    ax.set_xlabel("iteration t")
    ax.set_ylabel("learning rate")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- training
def train_run(data, *, hidden_dims=(100,), use_batchnorm=True, dropout=0.0, lr=1e-3, schedule="cosine",
              epochs=3, batch_size=100, seed=0, eval_samples=None, dtype=np.float64):
    """One training run with Adam and a learning-rate schedule, with the library's loop.

    data: a dict as :func:`capstone_data` returns; schedule: a name of :data:`SCHEDULES`. Accuracy on
    the training and validation images once per epoch (at most ``eval_samples`` of each). Returns a dict:
    ``history`` (:class:`dlcourse.train.History`), ``rates`` (the rate of every iteration), ``net`` and
    ``seconds`` (wall-clock time of the training).
    """
    from dlcourse.optimizers import Adam
    from dlcourse.train import train

    if schedule not in SCHEDULES:
        raise ValueError(f"train_run: schedule must be one of {sorted(SCHEDULES)}, got {schedule!r}.")
    x, t = data["x_train"], data["t_train"]
    iters = epochs * (len(x) // batch_size)
    net = _net(hidden_dims, use_batchnorm, dropout, seed=seed, dtype=dtype)
    opt = ScheduledOptimizer(Adam(lr), lambda k: SCHEDULES[schedule](lr, k, iters))
    start = time.perf_counter()
    history = train(net, opt, x, t, data["x_val"], data["t_val"], iters=iters, batch_size=batch_size,
                    rng=np.random.default_rng(seed + 1), eval_samples=eval_samples, progress=False,
                    raise_on_divergence=False)
    return {"history": history, "rates": np.array(opt.rates), "net": net, "seconds": time.perf_counter() - start}


def plot_run(run, fig=None):
    """A :func:`train_run`: training loss per iteration, training and validation accuracy per epoch."""
    h = run["history"]
    if fig is None:
        fig, (ax_loss, ax_acc) = new_figure((10, 3.2), 1, 2)
    else:
        ax_loss, ax_acc = fig.subplots(1, 2)
    ax_loss.plot(h.iterations, h.loss, color="C0", alpha=0.25, lw=0.8)
    xs, ys = smooth(h.loss, 20)
    ax_loss.plot(xs, ys, color="C0")
    ax_loss.set_xlabel("iteration")
    ax_loss.set_ylabel("training loss")
    ax_acc.plot(h.epochs, h.train_acc, "o-", ms=3, label="training images")
    ax_acc.plot(h.epochs, h.test_acc, "s-", ms=3, label="validation images")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    ax_acc.legend(fontsize=8)
    fig.tight_layout()
    return fig


#: the explorer's learning rates (Adam), about x3 apart
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2)


def lr_grid(data=None, lrs=LEARNING_RATES, schedules=("constant", "cosine"), batchnorm=(False, True), *,
            n_train=4000, n_val=1000, hidden_dims=(100,), epochs=3, batch_size=100, seed=0):
    """:func:`train_run` for every (learning rate, schedule, batch norm) of the grid, same initial weights
    and minibatches in every run.

    data: as :func:`capstone_data` (loaded when None), of which the first ``n_train`` training and
    ``n_val`` validation images are used. Returns ``{"lrs", "schedules", "batchnorm",
    "runs": {(lr, schedule, bn): {"loss", "val_acc", "epochs", "rates"}}}``.
    """
    data = capstone_data() if data is None else data
    small = {**data, "x_train": data["x_train"][:n_train], "t_train": data["t_train"][:n_train],
             "x_val": data["x_val"][:n_val], "t_val": data["t_val"][:n_val]}
    runs = {}
    for bn in batchnorm:
        for schedule in schedules:
            for lr in lrs:
                run = train_run(small, hidden_dims=hidden_dims, use_batchnorm=bn, lr=lr, schedule=schedule,
                                epochs=epochs, batch_size=batch_size, seed=seed, eval_samples=n_val)
                h = run["history"]
                runs[(float(lr), schedule, bool(bn))] = {"loss": h.loss, "val_acc": h.test_acc, "epochs": h.epochs,
                                                         "rates": run["rates"]}
    return {"lrs": tuple(float(v) for v in lrs), "schedules": tuple(schedules), "batchnorm": tuple(batchnorm),
            "runs": runs}


def plot_training(history, test_acc=None, fig=None):
    """The history dict ``{"loss": [...], "lr": [...]}`` of the graded notebook's ``train``: the loss of
    every iteration (and its moving average) and the learning rate."""
    losses = np.asarray(history["loss"], dtype=float)
    rates = np.asarray(history["lr"], dtype=float)
    if fig is None:
        fig, (ax_loss, ax_lr) = new_figure((10, 3.0), 1, 2)
    else:
        ax_loss, ax_lr = fig.subplots(1, 2)
    k = np.arange(len(losses))
    ax_loss.plot(k, losses, color="C0", alpha=0.25, lw=0.8)
    xs, ys = smooth(losses, max(1, len(losses) // 50))
    ax_loss.plot(xs - 1, ys, color="C0")
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("iteration")
    ax_loss.set_ylabel("training loss (log scale)")
    if test_acc is not None:
        ax_loss.set_title(f"test accuracy {test_acc:.2%}", fontsize=9)
    ax_lr.plot(np.arange(len(rates)), rates, color="C1")
    ax_lr.set_xlabel("iteration")
    ax_lr.set_ylabel("learning rate")
    fig.tight_layout()
    return fig
