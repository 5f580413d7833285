"""Explorers of chapter 3: training curves with and without batch norm.

``BatchNormExplorer()`` shows the loss and the test accuracy of the book's deep ReLU network
(5 hidden layers of 100 units) trained on a small MNIST subset without and with batch norm,
from the same initial weights and mini-batches. Controls: the learning rate and the initial
weight scale (log-spaced sliders that snap to a grid), and two check boxes that show or hide
each curve.

All the training happens once, before the first draw: :func:`dlcourse.plots.batchnorm.batchnorm_grid`
trains every (learning rate, initial std) pair of the grid at once, both ways. A control change
only looks the curves up and moves the lines (``set_data``), so it redraws in place in a few
milliseconds.

``NoteSweepExplorer()`` shows the course note's experiment (a 784-40-20-10 sigmoid network, SGD) at
every learning rate of a stored sweep (:func:`dlcourse.plots.batchnorm.load_note_sweep`: 270 networks,
five random seeds per setting), without and with batch norm; it only looks results up.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from dlcourse.figures import FigureView, new_figure, smooth
from dlcourse.plots.batchnorm import (LEARNING_RATES, NOTE_LOG, NOTE_LR, NOTE_STYLE, NOTE_VARIANTS, WEIGHT_SCALES,
                                      init_label, batchnorm_grid, final_accuracy, grid_pair, load_note_sweep,
                                      sweep_curves)

__all__ = ["BatchNormExplorer", "NoteSweepExplorer", "LEARNING_RATES", "WEIGHT_SCALES"]


def _slider(values, value, description, owner="BatchNormExplorer"):
    options = [(f"{v:g}", float(v)) for v in values]
    matches = [v for _, v in options if np.isclose(v, float(value), rtol=1e-9, atol=0.0)]
    if not matches:
        raise ValueError(f"{owner}: {description} {value!r} is not on the grid "
                         f"{[v for _, v in options]}; pick one of those values.")
    return widgets.SelectionSlider(options=options, value=matches[0], description=description,
                                   continuous_update=True)


class BatchNormExplorer:
    """Loss and test accuracy of a deep ReLU network with and without batch norm.

    Attributes: ``lr`` and ``scale`` (SelectionSliders over the grid's values), ``show_plain``
    and ``show_bn`` (Checkboxes), ``widget``, ``grid`` (see
    :func:`dlcourse.plots.batchnorm.batchnorm_grid`), ``results`` (the current
    ``{"plain", "batchnorm"}`` curves, as :func:`dlcourse.plots.batchnorm.grid_pair` gives them),
    ``lines`` (dict of the Line2D artists), ``status`` (a Label saying what diverged).

    grid: a precomputed :func:`~dlcourse.plots.batchnorm.batchnorm_grid` (the lecture notebook
    passes the one it already plotted). Without it the grid is trained here, on ``data``
    (default: the first 1000 training and 1000 test images of MNIST), with the other keyword
    arguments going to :func:`~dlcourse.plots.batchnorm.batchnorm_grid` (``lrs``, ``scales``,
    ``hidden``, ``iters``, ...).
    """

    def __init__(self, lr=0.01, scale=0.01, *, grid=None, data=None, **grid_kw):
        if grid is None:
            grid = batchnorm_grid(data, **grid_kw)
        elif data is not None or grid_kw:
            raise ValueError("BatchNormExplorer: pass either a precomputed grid or data/training options, not both.")
        self.grid = grid
        self.lr = _slider(grid["lrs"], lr, "learning rate")
        self.scale = _slider(grid["scales"], scale, "initial std")
        self.show_plain = widgets.Checkbox(value=True, description="without batch norm", indent=False)
        self.show_bn = widgets.Checkbox(value=True, description="with batch norm", indent=False)
        self.status = widgets.Label("")

        self.fig, (self.ax_loss, self.ax_acc) = new_figure(figsize=(10, 3.2), nrows=1, ncols=2)
        self.lines = {}
        for key, style, label in (("plain", "--", "without batch norm"), ("batchnorm", "-", "with batch norm")):
            color = "C1" if key == "plain" else "C0"
            (self.lines[f"{key}_loss"],) = self.ax_loss.plot([], [], style, color=color, label=label)
            (self.lines[f"{key}_acc"],) = self.ax_acc.plot([], [], style + "o", ms=3, color=color, label=label)
        n = int(grid["plain"]["loss"].shape[-1])
        self.ax_loss.set_xlim(0, n)
        self.ax_acc.set_xlim(0, n)
        self.ax_loss.set_xlabel("iteration")
        self.ax_loss.set_ylabel("training loss (moving average)")
        self.ax_acc.set_xlabel("iteration")
        self.ax_acc.set_ylabel("test accuracy")
        self.ax_acc.set_ylim(0, 1)
        self.ax_acc.legend(loc="upper left", fontsize=8)
        self.fig.tight_layout()
        self.results = self.compute(self.lr.value, self.scale.value)
        self.view = FigureView(self.fig)
        self._draw()
        self.view.refresh()
        for control in (self.lr, self.scale, self.show_plain, self.show_bn):
            control.observe(lambda change: self.update(), names="value")
        self.widget = widgets.VBox([widgets.HBox([self.lr, self.scale]),
                                    widgets.HBox([self.show_plain, self.show_bn, self.status]),
                                    self.view.widget])

    @classmethod
    def bench_cases(cls):
        """Controls and values whose callbacks the widget benchmark times."""
        return [("show_plain", False), ("scale", 0.1), ("lr", 0.1), ("scale", 1.0), ("lr", 1.0)]

    def compute(self, lr, scale):
        """The precomputed curves of one grid point: ``{"plain", "batchnorm"}`` (no training)."""
        return grid_pair(self.grid, lr, scale)

    def _draw(self):
        top = 0.0
        notes = []
        for key, show in (("plain", self.show_plain.value), ("batchnorm", self.show_bn.value)):
            r = self.results[key]
            x, y = smooth(r["loss"])
            self.lines[f"{key}_loss"].set_data(x, y)
            ok = np.isfinite(r["test_acc"])
            self.lines[f"{key}_acc"].set_data(r["iters"][ok], r["test_acc"][ok])
            self.lines[f"{key}_loss"].set_visible(show)
            self.lines[f"{key}_acc"].set_visible(show)
            if show and y.size:
                top = max(top, float(np.max(y)))
            if not np.all(np.isfinite(r["loss"])):
                at = int(np.argmin(np.isfinite(r["loss"]))) + 1
                notes.append(f"{'with' if key == 'batchnorm' else 'without'} batch norm: the loss became NaN/inf "
                             f"at iteration {at} (diverged)")
        # a diverging run leaves through the top (the status line says so) instead of squashing the rest
        self.ax_loss.set_ylim(0, min(max(top * 1.05, 2.5), 12.0))
        self.ax_loss.set_title(f"learning rate {self.lr.value:g}, initial std {self.scale.value:g}", fontsize=9)
        self.status.value = "; ".join(notes)

    def update(self):
        """Look the current setting up in the grid and redraw in place."""
        self.results = self.compute(self.lr.value, self.scale.value)
        self._draw()
        self.view.refresh()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


class NoteSweepExplorer:
    """The course note's batch-norm experiment at every learning rate of the stored sweep.

    Left: the test accuracy over the iterations for the chosen learning rate and initialisation, one thin
    line per random seed and their mean (bold), for each variant (without batch norm; batch norm with the
    note's loop, which never trains gamma and beta; batch norm with gamma and beta trained too). Right: the
    final test accuracy against the learning rate (mean over the random seeds, band: their range), with the chosen
    learning rate marked. Controls: ``lr`` (SelectionSlider over the sweep's learning rates), ``init``
    (ToggleButtons: Xavier or std 0.01) and one Checkbox per variant (``show``).

    sweep: a :func:`dlcourse.plots.batchnorm.load_note_sweep` result (default: the stored one). Nothing is
    trained here: a control change looks the curves up and moves the lines (``set_data`` / ``set_visible``).
    Attributes: ``widget``, ``sweep``, ``lines`` (``{(variant, k)}``: k = the index of a random seed, or "mean"),
    ``summary`` (``{(variant, init)}``: the right panel's line and band), ``marker``, ``status`` (a Label
    with the final accuracies).
    """

    def __init__(self, lr=NOTE_LR, init="xavier", *, sweep=None):
        self.sweep = load_note_sweep() if sweep is None else sweep
        s = self.sweep
        self.lr = _slider(s["lrs"], lr, "learning rate", "NoteSweepExplorer")
        if init not in s["inits"]:
            raise ValueError(f"NoteSweepExplorer: init {init!r} is not in the sweep {list(s['inits'])}.")
        self.init = widgets.ToggleButtons(options=[(init_label(v), v) for v in s["inits"]], value=init,
                                          description="initial W")
        self.show = {v: widgets.Checkbox(value=True, description=NOTE_VARIANTS[v], indent=False)
                     for v in s["variants"]}
        self.status = widgets.HTML("")
        self._final = final_accuracy(s)                     # (V, I, L, S)

        self.fig, (self.ax_acc, self.ax_lr) = new_figure(figsize=(10.5, 3.4), nrows=1, ncols=2)
        self.lines = {}
        for variant in s["variants"]:
            color, style = NOTE_STYLE[variant]
            for k in range(len(s["random_seeds"])):
                (self.lines[variant, k],) = self.ax_acc.plot([], [], "-", color=color, lw=0.6, alpha=0.45)
            (self.lines[variant, "mean"],) = self.ax_acc.plot([], [], style, color=color, lw=2,
                                                              label=NOTE_VARIANTS[variant])
        self.ax_acc.plot(NOTE_LOG["iters"], NOTE_LOG["batchnorm"], ".", ms=2, color="k",
                         label="the note's log (learning rate 0.01)")
        self.ax_acc.set_xlim(0, int(s["eval_iters"][-1]))
        self.ax_acc.set_ylim(0, 1)
        self.ax_acc.set_xlabel("iteration")
        self.ax_acc.set_ylabel("test accuracy")
        self.ax_acc.legend(fontsize=7, loc="lower right")
        lrs = np.array(s["lrs"])
        self.summary = {}
        for i, init_value in enumerate(s["inits"]):
            for v, variant in enumerate(s["variants"]):
                color, style = NOTE_STYLE[variant]
                acc = self._final[v, i]
                band = self.ax_lr.fill_between(lrs, np.nanmin(acc, axis=1), np.nanmax(acc, axis=1), color=color,
                                               alpha=0.2, lw=0)
                (line,) = self.ax_lr.plot(lrs, np.nanmean(acc, axis=1), style + "o", ms=3, color=color)
                self.summary[variant, init_value] = (line, band)
        self.marker = self.ax_lr.axvline(self.lr.value, color="0.4", lw=1, ls=":")
        self.ax_lr.set_xscale("log")
        self.ax_lr.set_ylim(0, 1)
        self.ax_lr.set_xlabel("learning rate")
        self.ax_lr.set_ylabel(f"test accuracy after {int(s['eval_iters'][-1])} iterations")
        self.ax_lr.grid(alpha=0.3)
        self.fig.tight_layout()
        self._draw()
        self.view = FigureView(self.fig)
        for control in (self.lr, self.init, *self.show.values()):
            control.observe(lambda change: self.update(), names="value")
        self.widget = widgets.VBox([widgets.HBox([self.lr, self.init]), widgets.HBox(list(self.show.values())),
                                    self.status, self.view.widget])

    @classmethod
    def bench_cases(cls):
        """Controls and values whose callbacks the widget benchmark times."""
        return [("lr", 1.0), ("init", 0.01), ("lr", 0.001)]

    def curves(self, variant, lr=None, init=None):
        """The stored curves of one variant at ``lr`` and ``init`` (default: the controls' values)."""
        return sweep_curves(self.sweep, variant, self.init.value if init is None else init,
                            self.lr.value if lr is None else lr)

    def _draw(self):
        s = self.sweep
        i = s["inits"].index(self.init.value)
        a = int(np.argmin(np.abs(np.log(np.array(s["lrs"]) / self.lr.value))))
        parts = []
        for v, variant in enumerate(s["variants"]):
            shown = self.show[variant].value
            c = self.curves(variant)
            for k in range(len(s["random_seeds"])):
                ok = np.isfinite(c["test_acc"][k])
                self.lines[variant, k].set_data(c["eval_iters"][ok], c["test_acc"][k][ok])
                self.lines[variant, k].set_visible(shown)
            self.lines[variant, "mean"].set_data(c["eval_iters"], np.nanmean(c["test_acc"], axis=0))
            self.lines[variant, "mean"].set_visible(shown)
            for (name, init_value), (line, band) in self.summary.items():
                if name == variant:
                    line.set_visible(shown and init_value == self.init.value)
                    band.set_visible(shown and init_value == self.init.value)
            final = self._final[v, i, a]
            diverged = int(np.sum(~np.isfinite(final)))
            text = (f"{NOTE_VARIANTS[variant]}: <b>{np.nanmean(final):.1%}</b> "
                    f"({np.nanmin(final):.1%} to {np.nanmax(final):.1%})" if diverged < final.size
                    else f"{NOTE_VARIANTS[variant]}: every run diverged")
            if 0 < diverged < final.size:
                text += f", {diverged} of {final.size} runs diverged"
            parts.append(text)
        self.marker.set_xdata([self.lr.value, self.lr.value])
        self.ax_lr.set_title(f"every learning rate, initial weights {init_label(self.init.value)}", fontsize=9)
        self.ax_acc.set_title(f"learning rate {self.lr.value:g}, initial weights {init_label(self.init.value)}: "
                              f"{len(s['random_seeds'])} random seeds (thin) and their mean", fontsize=9)
        self.status.value = (f"test accuracy after {int(s['eval_iters'][-1])} iterations, mean over "
                             f"{len(s['random_seeds'])} random seeds (range): " + "; ".join(parts))

    def update(self):
        """Look the current setting up in the stored sweep and redraw in place."""
        self._draw()
        self.view.refresh()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
