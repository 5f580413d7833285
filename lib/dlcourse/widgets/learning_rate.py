"""Explorer of chapter 7: the learning rate (学習率) on a log scale, and where training diverges.

:func:`lr_sweep` trains the same small network (same initial weights, same minibatches)
once per learning rate with plain SGD and records every minibatch loss; a run stops at its
first NaN/inf loss. ``LearningRateExplorer()`` precomputes a sweep from 1e-8 to 1e10 (half a
decade apart) on an MNIST subset in float32 (the dtype of most frameworks, and of the chainer
run in a learner's list of training troubles), then a log-scale slider picks one learning rate:

- left: its loss curve, with the iteration where the loss became NaN/inf marked in red and
  the warnings NumPy raised on the way (overflow, then "invalid value encountered in
  subtract": the ``inf - inf`` in the softmax of a Q&A post);
- right: the loss after training (on a fixed set of examples) of every learning rate, coloured
  by what happened (learning, no progress, loss went up), with the diverged range shaded red.

Moving the slider only redraws precomputed data.
"""

from __future__ import annotations

import warnings

import ipywidgets as widgets
import numpy as np

from dlcourse.figures import FigureView, new_figure
from dlcourse.optimizers import SGD
from dlcourse.plots.troubleshooting import LabNet
from dlcourse.train import Divergence, fit

__all__ = ["DEFAULT_EXPONENTS", "lr_sweep", "LearningRateExplorer"]

#: log10 of the learning rates of the default sweep: 1e-8, 10**-7.5, ..., 1e10.
DEFAULT_EXPONENTS = np.arange(-8.0, 10.0 + 0.25, 0.5)


def lr_sweep(x, t, lrs, *, iters=100, batch_size=64, hidden_size=32, seed=0, dtype=np.float32,
             eval_size=1000):
    """Train a ``784 - hidden_size - 10`` ReLU network with SGD once per learning rate.

    x: (N, D) inputs; t: (N,) integer labels; lrs: (K,) learning rates. Every run starts from
    the same weights (drawn with ``np.random.default_rng(seed)``) and sees the same
    minibatches, so runs differ only by the learning rate; each is trained through
    :func:`dlcourse.train.fit` and stops at its first NaN/inf loss. Returns a dict:

    - ``"lrs"``: (K,) float64;
    - ``"loss"``: (K, iters) float64 minibatch losses (the loss before each update), NaN after
      a run stopped;
    - ``"diverged_at"``: (K,) int, the 1-based iteration whose loss was NaN/inf, 0 if none;
    - ``"start_loss"``: the loss on a fixed evaluation set (the first ``min(N, eval_size)``
      samples) before training, the same for every run;
    - ``"end_loss"``: (K,) the loss on that set after the last update (NaN if the run diverged);
    - ``"warnings"``: list of K lists of the distinct NumPy warnings of each run, in order.
    """
    x = np.asarray(x)
    t = np.asarray(t)
    lrs = np.asarray(lrs, dtype=np.float64).ravel()
    if x.ndim != 2 or len(x) != len(t):
        raise ValueError(f"lr_sweep: expected x (N, D) and t (N,), got x {x.shape} and t {t.shape}.")
    if batch_size > len(x):
        raise ValueError(f"lr_sweep: batch_size={batch_size} is larger than the data ({len(x)} samples).")
    x = x.astype(dtype, copy=False)
    batches = np.random.default_rng(seed + 1).integers(0, len(x), size=(iters, batch_size))
    losses = np.full((len(lrs), iters), np.nan)
    diverged = np.zeros(len(lrs), dtype=int)
    end_loss = np.full(len(lrs), np.nan)
    start_loss = np.nan
    x_eval, t_eval = x[:eval_size], t[:eval_size]
    messages = []
    for k, lr in enumerate(lrs):
        net = LabNet(x.shape[1], hidden_size, 10, head="softmax", rng=np.random.default_rng(seed),
                     dtype=dtype)
        with warnings.catch_warnings(record=True) as caught, \
                np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
            warnings.simplefilter("always")
            if k == 0:
                start_loss = float(net.loss(x_eval, t_eval))
            history = fit(net, SGD(lr), x, t, iter(batches), iters=iters, stop=[Divergence(raise_error=False)],
                          numpy_errors=None)
            losses[k] = history.padded_loss(iters)
            diverged[k] = history.diverged_at or 0
            if not diverged[k]:
                end = float(net.loss(x_eval, t_eval))
                end_loss[k] = end if np.isfinite(end) else np.nan
        messages.append(list(dict.fromkeys(str(w.message) for w in caught)))
    return {"lrs": lrs, "loss": losses, "diverged_at": diverged, "start_loss": start_loss,
            "end_loss": end_loss, "warnings": messages}


def _default_data(n=2000):
    from dlcourse.data import load_mnist_subset

    (x, t), _ = load_mnist_subset(n, 1)  # n_test=0 fails in load_mnist_subset (reported)
    return x, t


class LearningRateExplorer:
    """A log-scale learning-rate slider over a precomputed :func:`lr_sweep`.

    ``LearningRateExplorer()`` sweeps 1e-8 .. 1e10 on the first 2000 MNIST training images;
    pass ``data=(x, t)`` (flat inputs, labels) or ``sweep=`` (a :func:`lr_sweep` result) to use
    something else. Attributes: ``lr`` (FloatLogSlider), ``sweep``, ``index`` (the sweep row
    shown), ``message``, ``widget``; artists ``curve``, ``nan_line``, ``points``, ``diverged_points``,
    ``marker``, ``status``.
    """

    def __init__(self, lr=0.1, *, data=None, sweep=None, exponents=DEFAULT_EXPONENTS, iters=100,
                 batch_size=64, hidden_size=32, seed=0):
        if sweep is None:
            x, t = _default_data() if data is None else data
            sweep = lr_sweep(x, t, 10.0 ** np.asarray(exponents), iters=iters, batch_size=batch_size,
                             hidden_size=hidden_size, seed=seed)
        self.sweep = sweep
        log_lrs = np.log10(sweep["lrs"])
        step = float(np.min(np.diff(log_lrs))) if len(log_lrs) > 1 else 1.0
        self.lr = widgets.FloatLogSlider(value=lr, base=10, min=float(log_lrs.min()),
                                         max=float(log_lrs.max()), step=step, description="learning rate",
                                         readout_format=".0e", continuous_update=True,
                                         style={"description_width": "initial"},
                                         layout=widgets.Layout(width="520px"))
        self.fig, (self.ax_curve, self.ax_sweep) = new_figure(figsize=(10, 3.8), ncols=2)
        self.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.8, wspace=0.28)
        loss = sweep["loss"]
        finite = loss[np.isfinite(loss)]
        # Losses of runaway runs reach 1e30 before they turn NaN; the axes stop at 1e8.
        self._ymax = min(float(finite.max()) * 3, 1e8) if finite.size else 10.0
        self._ymin = max(float(finite.min()) / 3, 1e-3) if finite.size else 1e-2
        iters_done = np.arange(1, loss.shape[1] + 1)
        for row in loss:  # all runs, faint, for context
            self.ax_curve.plot(iters_done, row, color="0.85", linewidth=0.6, zorder=1)
        (self.curve,) = self.ax_curve.plot(iters_done, loss[0], color="C0", linewidth=1.8, zorder=3)
        self.nan_line = self.ax_curve.axvline(1, color="red", linestyle="--", zorder=4)
        self.ax_curve.set_yscale("log")
        self.ax_curve.set_ylim(self._ymin, self._ymax)
        self.ax_curve.set_xlim(0, loss.shape[1] + 1)
        self.ax_curve.set_xlabel("iteration")
        self.ax_curve.set_ylabel("minibatch loss")
        self.curve_title = self.ax_curve.set_title("", fontsize=9)

        final = sweep["end_loss"]
        verdicts = np.array([self.verdict(k) for k in range(len(sweep["lrs"]))])
        div = verdicts == "diverged"
        self.verdicts = verdicts
        styles = {"learning": ("o", "C0", "learning"), "went up": ("o", "C1", "loss went up"),
                  "no progress": ("o", "0.55", "no progress")}
        self.points = {}
        for name, (marker, color, label) in styles.items():
            sel = verdicts == name
            (self.points[name],) = self.ax_sweep.plot(sweep["lrs"][sel], final[sel], marker, color=color,
                                                      markersize=5, label=label, linestyle="none")
        (self.diverged_points,) = self.ax_sweep.plot(sweep["lrs"][div], np.full(div.sum(), self._ymax / 3),
                                                     "x", color="red", markersize=8, label="NaN/inf (diverged)",
                                                     linestyle="none")
        self.ax_sweep.plot(sweep["lrs"], final, "-", color="0.8", linewidth=0.8, zorder=0)
        if div.any():
            self.ax_sweep.axvspan(sweep["lrs"][div].min() / 10 ** (step / 2), sweep["lrs"].max() * 10 ** (step / 2),
                                  color="red", alpha=0.08, zorder=0)
        self.marker = self.ax_sweep.axvline(lr, color="C1", linewidth=2)
        self.ax_sweep.set_xscale("log")
        self.ax_sweep.set_yscale("log")
        self.ax_sweep.set_ylim(self._ymin, self._ymax)
        self.ax_sweep.set_xlabel("learning rate")
        self.ax_sweep.set_ylabel("loss after training (fixed set)")
        self.ax_sweep.legend(fontsize=7, loc="upper left")
        self.ax_sweep.set_title("every learning rate of the sweep", fontsize=9)
        self.status = self.fig.suptitle("", fontsize=9)
        self.view = FigureView(self.fig)
        self.index = 0
        self.message = ""
        self.update()
        self.lr.observe(lambda change: self.update(), names="value")
        self.widget = widgets.VBox([self.lr, self.view.widget])

    @classmethod
    def bench_cases(cls):
        """Controls and values whose callbacks the widget benchmark times."""
        return [("lr", 1e-7), ("lr", 1e9), ("lr", 10.0)]

    def verdict(self, k):
        """What run ``k`` of the sweep did: "diverged", "no progress", "went up" or "learning".

        Compares the loss on the sweep's fixed evaluation set after training (``end_loss``) with
        the same loss before training (``start_loss``): "no progress" when they differ by less
        than 5% of the start, else "went up" or "learning". A NaN/inf loss is "diverged".
        """
        end = self.sweep["end_loss"][k]
        if self.sweep["diverged_at"][k] or not np.isfinite(end):
            return "diverged"
        start = self.sweep["start_loss"]
        if abs(end - start) < 0.05 * abs(start):
            return "no progress"
        return "went up" if end > start else "learning"

    def update(self):
        """Show the sweep row nearest (in log scale) to the slider's learning rate."""
        log_lrs = np.log10(self.sweep["lrs"])
        self.index = k = int(np.argmin(np.abs(log_lrs - np.log10(float(self.lr.value)))))
        lr = self.sweep["lrs"][k]
        row = self.sweep["loss"][k]
        self.curve.set_ydata(row)
        div = int(self.sweep["diverged_at"][k])
        warns = self.sweep["warnings"][k]
        verdict = self.verdict(k)
        self.nan_line.set_visible(verdict == "diverged")
        start, end = float(self.sweep["start_loss"]), float(self.sweep["end_loss"][k])
        if verdict == "diverged":
            self.nan_line.set_xdata([div, div])
            self.curve.set_color("C3")
            text = f"lr = {lr:.0e}: DIVERGED, loss = {row[div - 1]} at iteration {div}"
        elif verdict == "no progress":
            self.curve.set_color("0.4")
            best = self.sweep["lrs"][int(np.nanargmin(self.sweep["end_loss"]))]
            if lr < best:
                why = "steps far too small"
            elif abs(end - np.log(10)) < 0.1:
                why = "the first huge steps threw the weights away; log(10) = 2.30 is the loss of a uniform guess"
            else:
                why = "steps too large to settle anywhere"
            text = f"lr = {lr:.0e}: no progress, loss {start:.3g} -> {end:.3g} ({why})"
        elif verdict == "went up":
            self.curve.set_color("C1")
            text = f"lr = {lr:.0e}: the loss went UP ({start:.3g} -> {end:.3g}) but stayed finite"
        else:
            self.curve.set_color("C0")
            text = f"lr = {lr:.0e}: learning (loss {start:.3g} -> {end:.3g})"
        self.message = text + (("\nNumPy warned: " + "; ".join(warns)) if warns else "")
        self.curve_title.set_text(f"learning rate {lr:.0e}")
        self.status.set_text(self.message)
        self.marker.set_xdata([lr, lr])
        self.view.refresh()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
