"""Explorer of chapter 3: training curves with and without batch norm.

``BatchNormExplorer()`` shows the loss and the test accuracy of the book's deep ReLU network
(5 hidden layers of 100 units) trained on a small MNIST subset without and with batch norm,
from the same initial weights and mini-batches. Controls: the learning rate and the initial
weight scale (log-spaced sliders that snap to a grid), and two check boxes that show or hide
each curve.

All the training happens once, before the first draw: :func:`dlcourse.plots.batchnorm.batchnorm_grid`
trains every (learning rate, initial std) pair of the grid at once, both ways. A control change
only looks the curves up and moves the lines (``set_data``), so it redraws in place in a few
milliseconds.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from dlcourse.figures import FigureView, new_figure, smooth
from dlcourse.plots.batchnorm import LEARNING_RATES, WEIGHT_SCALES, batchnorm_grid, grid_pair

__all__ = ["BatchNormExplorer", "LEARNING_RATES", "WEIGHT_SCALES"]


def _slider(values, value, description):
    options = [(f"{v:g}", float(v)) for v in values]
    matches = [v for _, v in options if np.isclose(v, float(value), rtol=1e-9, atol=0.0)]
    if not matches:
        raise ValueError(f"BatchNormExplorer: {description} {value!r} is not on the grid "
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
