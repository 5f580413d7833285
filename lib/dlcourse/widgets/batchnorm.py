"""Explorer of chapter 3: training curves with and without batch norm.

``BatchNormExplorer()`` trains the book's deep ReLU network (5 hidden layers of 100 units)
on a small MNIST subset twice, without and with batch norm, from the same initial weights
and mini-batches, and shows the loss and the test accuracy. Controls: the learning rate and
the initial weight scale (sliders over a few values, ``continuous_update=False``), and two
check boxes that show or hide each curve. Each (learning rate, scale) pair is trained once
and cached, so going back to a setting redraws instantly; :meth:`precompute` fills the cache.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from dlcourse.plots.batchnorm import train_pair
from dlcourse.widgets.base import FigureView, new_figure

__all__ = ["BatchNormExplorer", "LEARNING_RATES", "WEIGHT_SCALES", "smooth"]

LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
WEIGHT_SCALES = (0.001, 0.01, 0.03, 0.1, 0.3, 1.0)


def smooth(values, width=10):
    """Moving average of the finite prefix of ``values`` (NaN after a divergence is dropped).

    Returns ``(x, y)``: 1-based iteration numbers of the window ends and the averages.
    """
    v = np.asarray(values, dtype=float)
    finite = np.isfinite(v)
    n = int(np.argmin(finite)) if not finite.all() else v.size
    v = v[:n]
    if n == 0:
        return np.array([]), np.array([])
    w = max(1, min(width, n))
    y = np.convolve(v, np.ones(w) / w, mode="valid")
    return np.arange(w, n + 1), y


class BatchNormExplorer:
    """Loss and test accuracy of a deep ReLU network with and without batch norm.

    Attributes: ``lr`` and ``scale`` (SelectionSliders), ``show_plain`` and ``show_bn``
    (Checkboxes), ``widget``, ``results`` (the current ``{"plain", "batchnorm"}`` curves),
    ``lines`` (dict of the Line2D artists), ``status`` (a Label saying what diverged).

    data: ``((x_train, t_train), (x_test, t_test))``; by default the first 1000 training
    and 1000 test images of MNIST. Other keyword arguments go to
    :func:`dlcourse.plots.batchnorm.train_pair` (``hidden``, ``iters``, ``batch_size``, ...).
    """

    def __init__(self, lr=0.01, scale=0.01, *, data=None, cache=None, **train_kw):
        if data is None:
            from dlcourse.plots.batchnorm import mnist_subset

            data = mnist_subset()
        self._data = data
        self._train_kw = {"iters": 200, "eval_every": 10, **train_kw}
        self.cache = {} if cache is None else cache
        self.lr = widgets.SelectionSlider(options=list(LEARNING_RATES), value=lr, description="learning rate",
                                          continuous_update=False)
        self.scale = widgets.SelectionSlider(options=list(WEIGHT_SCALES), value=scale,
                                             description="initial std", continuous_update=False)
        self.show_plain = widgets.Checkbox(value=True, description="without batch norm", indent=False)
        self.show_bn = widgets.Checkbox(value=True, description="with batch norm", indent=False)
        self.status = widgets.Label("")

        self.fig, (self.ax_loss, self.ax_acc) = new_figure(figsize=(10, 3.2), nrows=1, ncols=2)
        self.lines = {}
        for key, style, label in (("plain", "--", "without batch norm"), ("batchnorm", "-", "with batch norm")):
            color = "C1" if key == "plain" else "C0"
            (self.lines[f"{key}_loss"],) = self.ax_loss.plot([], [], style, color=color, label=label)
            (self.lines[f"{key}_acc"],) = self.ax_acc.plot([], [], style + "o", ms=3, color=color, label=label)
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
        """Controls and values whose callbacks the widget benchmark times (training included)."""
        return [("show_plain", False), ("scale", 0.1), ("lr", 0.1)]

    def compute(self, lr, scale):
        """Curves for one (learning rate, initial std) pair, trained once and cached."""
        key = (float(lr), float(scale))
        if key not in self.cache:
            self.cache[key] = train_pair(self._data, weight_init=float(scale), lr=float(lr), **self._train_kw)
        return self.cache[key]

    def precompute(self, lrs=LEARNING_RATES, scales=WEIGHT_SCALES):
        """Train every pair of the grid now, so that every slider position redraws instantly."""
        for lr in lrs:
            for scale in scales:
                self.compute(lr, scale)

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
        n = len(self.results["plain"]["loss"])
        self.ax_loss.set_xlim(0, n)
        self.ax_acc.set_xlim(0, n)
        self.ax_loss.set_ylim(0, max(top * 1.05, 0.5))
        self.ax_loss.set_title(f"learning rate {self.lr.value}, initial std {self.scale.value}", fontsize=9)
        self.status.value = "; ".join(notes)

    def update(self):
        """Train (or fetch from the cache) the current setting and redraw in place."""
        self.results = self.compute(self.lr.value, self.scale.value)
        self._draw()
        self.view.refresh()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
