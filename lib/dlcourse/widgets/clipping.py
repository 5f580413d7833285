"""Chapter 7: gradient-norm clipping (勾配クリッピング), what it prevents and what it hides.

:func:`clip_sweep` trains the laboratory's ``784 - 50 - 10`` network
(:func:`dlcourse.plots.troubleshooting.run_lab`, i.e. :func:`dlcourse.train.train` with
:class:`dlcourse.optimizers.ClipGradNorm`) once per setting and clipping threshold, all runs from
the same weights and minibatches. :class:`ClippingExplorer` shows one run at a time: a
threshold slider and the setting (a good learning rate, a learning rate that is too high, pixels
that were never scaled), every run precomputed so that a control change only redraws.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import NullLocator

from dlcourse.plots.troubleshooting import run_lab
from dlcourse.figures import FigureView, new_figure

__all__ = ["SETTINGS", "MAX_NORMS", "clip_sweep", "ClippingExplorer"]

#: The settings of the sweep: label -> (learning rate, factor applied to the pixels in [0, 1]).
SETTINGS = {
    "lr 0.1": (0.1, 1.0),
    "lr 3 (too high)": (3.0, 1.0),
    "pixels 0..255, lr 0.1": (0.1, 255.0),
}

#: The clipping thresholds of the sweep; ``inf`` means no clipping.
MAX_NORMS = (0.1, 0.3, 1.0, 3.0, 10.0, np.inf)


def clip_sweep(x, t, x_test, t_test, *, settings=None, max_norms=MAX_NORMS, iters=150, batch_size=64,
               hidden_size=50, seed=0):
    """Train once per setting and clipping threshold; return everything the explorer shows.

    x: (N, 784) pixels in [0, 1], t: (N,) labels; the same for the test set. settings: dict label
    -> (lr, pixel factor), default :data:`SETTINGS`; max_norms: thresholds (``inf``: no clipping).
    Every run starts from the weights of ``np.random.default_rng(seed)`` and sees the same
    minibatches. Returns a dict: ``"settings"`` (S labels), ``"max_norms"`` (K,), ``"loss"`` and
    ``"norms"`` (S, K, iters): the minibatch loss and the gradient norm BEFORE clipping of every
    iteration (NaN after a divergence), ``"clipped"`` (S, K): the share of updates that were
    clipped, ``"test_acc"`` (S, K): the test accuracy at the end (NaN if the run diverged),
    ``"diverged_at"`` (S, K): the iteration whose loss was NaN/inf, 0 if none.
    """
    settings = dict(SETTINGS if settings is None else settings)
    norms_grid = np.asarray(max_norms, dtype=np.float64)
    shape = (len(settings), len(norms_grid))
    out = {"settings": list(settings), "max_norms": norms_grid, "loss": np.full(shape + (iters,), np.nan),
           "norms": np.full(shape + (iters,), np.nan), "clipped": np.zeros(shape), "test_acc": np.full(shape, np.nan),
           "diverged_at": np.zeros(shape, dtype=int)}
    for i, (lr, factor) in enumerate(settings.values()):
        xs, xts = np.asarray(x, np.float32) * np.float32(factor), np.asarray(x_test, np.float32) * np.float32(factor)
        for k, c in enumerate(norms_grid):
            run = run_lab(xs, t, xts, t_test, lr=lr, iters=iters, batch_size=batch_size, hidden_size=hidden_size,
                          rng=np.random.default_rng(seed), eval_every=iters, eval_samples=None,
                          max_norm=None if np.isinf(c) else float(c))
            h = run["history"]
            out["loss"][i, k, :len(h.loss)] = h.loss
            out["norms"][i, k, :len(run["grad_norms"])] = run["grad_norms"]
            out["clipped"][i, k] = run["clipped"] / max(1, len(run["grad_norms"]))
            out["diverged_at"][i, k] = h.diverged_at or 0
            if h.diverged_at is None and len(h.test_acc):
                out["test_acc"][i, k] = h.test_acc[-1]
    return out


def _default_data():
    from dlcourse.data import load_mnist_subset

    (x, t), (x_test, t_test) = load_mnist_subset(2000, 1000)
    return x, t, x_test, t_test


def _label(c):
    return "off" if np.isinf(c) else f"{c:g}"


class ClippingExplorer:
    """A clipping-threshold slider over a precomputed :func:`clip_sweep`.

    ``ClippingExplorer()`` sweeps :data:`SETTINGS` x :data:`MAX_NORMS` on the first 2000 MNIST
    training images (test accuracy on the first 1000 test images); pass ``data=(x, t, x_test,
    t_test)`` or ``sweep=`` to use something else. Controls: ``max_norm`` (SelectionSlider over
    the thresholds, "off" = no clipping) and ``setting`` (ToggleButtons). Attributes: ``sweep``,
    ``index`` ((setting, threshold) shown), ``message``, ``widget``; artists ``loss_line``,
    ``base_loss_line``, ``norm_line``, ``base_norm_line``, ``threshold_line``, ``status``.
    """

    def __init__(self, max_norm=np.inf, setting="lr 3 (too high)", *, data=None, sweep=None):
        if sweep is None:
            sweep = clip_sweep(*(_default_data() if data is None else data))
        self.sweep = sweep
        if setting not in sweep["settings"]:
            raise ValueError(f"ClippingExplorer: setting must be one of {sweep['settings']}, got {setting!r}.")
        grid = [float(c) for c in sweep["max_norms"]]
        if float(max_norm) not in grid:
            raise ValueError(f"ClippingExplorer: max_norm must be one of {grid}, got {max_norm!r}.")
        self.max_norm = widgets.SelectionSlider(options=[(_label(c), c) for c in grid], value=float(max_norm),
                                                description="max_norm", continuous_update=True,
                                                style={"description_width": "initial"},
                                                layout=widgets.Layout(width="420px"))
        self.setting = widgets.ToggleButtons(options=list(sweep["settings"]), value=setting, description="setting",
                                             style={"button_width": "170px"})
        iters = sweep["loss"].shape[-1]
        its = np.arange(1, iters + 1)
        self.fig, (self.ax_loss, self.ax_norm) = new_figure(figsize=(10, 3.8), ncols=2)
        self.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.78, wspace=0.25)
        (self.base_loss_line,) = self.ax_loss.plot(its, np.full(iters, np.nan), color="0.65", linewidth=1,
                                                   label="no clipping")
        (self.loss_line,) = self.ax_loss.plot(its, np.full(iters, np.nan), color="C0", linewidth=1.4,
                                              label="clipped")
        self.ax_loss.set_yscale("log")
        loss = sweep["loss"][np.isfinite(sweep["loss"])]
        self.ax_loss.set_ylim(max(float(loss.min()) / 2, 1e-3), min(float(loss.max()) * 2, 1e4))
        self.ax_loss.set_xlim(0, iters + 1)
        self.ax_loss.set_xlabel("iteration")
        self.ax_loss.set_ylabel("minibatch loss")
        self.ax_loss.legend(fontsize=8, loc="upper right")
        (self.base_norm_line,) = self.ax_norm.plot(its, np.full(iters, np.nan), color="0.65", linewidth=1,
                                                   label="no clipping")
        (self.norm_line,) = self.ax_norm.plot(its, np.full(iters, np.nan), color="C0", linewidth=1.2,
                                              label="norm before clipping")
        self.threshold_line = self.ax_norm.axhline(1.0, color="C3", linestyle="--", linewidth=1.2,
                                                   label="max_norm")
        self.ax_norm.set_yscale("log")
        norms = sweep["norms"][np.isfinite(sweep["norms"]) & (sweep["norms"] > 0)]
        self.ax_norm.set_ylim(max(float(norms.min()) / 2, 1e-4), float(norms.max()) * 2)
        self.ax_norm.set_xlim(0, iters + 1)
        self.ax_norm.set_xlabel("iteration")
        self.ax_norm.set_ylabel("gradient norm ||g||")
        self.ax_norm.legend(fontsize=8, loc="upper right")
        for ax in (self.ax_loss, self.ax_norm):  # no minor ticks on the log axes: a third less to draw per update
            ax.yaxis.set_minor_locator(NullLocator())
        self.status = self.fig.suptitle("", fontsize=9)
        self.view = FigureView(self.fig)
        self.index = (0, 0)
        self.message = ""
        self.update()
        self.max_norm.observe(lambda change: self.update(), names="value")
        self.setting.observe(lambda change: self.update(), names="value")
        self.widget = widgets.VBox([self.setting, self.max_norm, self.view.widget])

    @classmethod
    def bench_cases(cls):
        """Controls and values whose callbacks the widget benchmark times."""
        return [("max_norm", 0.3), ("max_norm", 10.0), ("setting", "pixels 0..255, lr 0.1")]

    def describe(self, i, k):
        """Two lines on run (setting i, threshold k): what clipping did there."""
        s = self.sweep
        c = float(s["max_norms"][k])
        name = s["settings"][i]
        off = int(np.flatnonzero(np.isinf(s["max_norms"]))[0]) if np.isinf(s["max_norms"]).any() else None
        norms = s["norms"][i, k][np.isfinite(s["norms"][i, k])]
        med = float(np.median(norms)) if norms.size else float("nan")
        if s["diverged_at"][i, k]:
            result = f"DIVERGED at iteration {s['diverged_at'][i, k]}"
        else:
            result = f"test accuracy {s['test_acc'][i, k]:.2f}"
        base = ""
        if off is not None and k != off:
            b = s["test_acc"][i, off]
            base = f" (no clipping: {'diverged' if s['diverged_at'][i, off] else f'{b:.2f}'})"
        clip = "no clipping" if np.isinf(c) else f"max_norm {c:g}: {100 * s['clipped'][i, k]:.0f}% of the updates clipped"
        return f"{name}, {clip};\n{result}{base}; median gradient norm before clipping {med:.3g}"

    def update(self):
        """Show the run of the selected setting and threshold."""
        s = self.sweep
        i = s["settings"].index(self.setting.value)
        k = [float(c) for c in s["max_norms"]].index(float(self.max_norm.value))
        self.index = (i, k)
        off = np.flatnonzero(np.isinf(s["max_norms"]))
        base = int(off[0]) if off.size else k
        self.loss_line.set_ydata(s["loss"][i, k])
        self.norm_line.set_ydata(s["norms"][i, k])
        self.base_loss_line.set_ydata(s["loss"][i, base])
        self.base_norm_line.set_ydata(s["norms"][i, base])
        c = float(s["max_norms"][k])
        self.threshold_line.set_visible(not np.isinf(c))
        if not np.isinf(c):
            self.threshold_line.set_ydata([c, c])
        self.loss_line.set_color("C3" if s["diverged_at"][i, k] else "C0")
        self.message = self.describe(i, k)
        self.status.set_text(self.message)
        self.view.refresh()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
