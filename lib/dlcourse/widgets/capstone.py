"""Explorer of chapter 8: the learning rate of Adam, a constant or a decaying rate, with or without batch norm.

``TrainingExplorer()`` shows the training loss and the validation accuracy of a small MNIST network
(784-100-10, Adam, 3 epochs of 4,000 images) for one point of a grid: the learning rate (a log-spaced
slider), the schedule (constant or cosine decay) and batch norm (a check box). The other schedule is
drawn faintly for comparison. All runs of the grid are trained once, before the first draw, by
:func:`dlcourse.plots.capstone.lr_grid` (same initial weights and minibatches in every run); a control
change only swaps the data of the lines.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from dlcourse.plots.capstone import LEARNING_RATES, lr_grid
from dlcourse.figures import FigureView, new_figure, smooth

__all__ = ["TrainingExplorer", "LEARNING_RATES"]


def _final(run):
    """The last validation accuracy of a run (-1 when it has none: it diverged before its first evaluation)."""
    acc = run["val_acc"]
    return float(acc[-1]) if acc is not None and len(acc) and np.isfinite(acc[-1]) else -1.0


class TrainingExplorer:
    """Loss and validation accuracy of precomputed runs; controls ``lr`` (SelectionSlider),
    ``schedule`` (ToggleButtons) and ``batchnorm`` (Checkbox).

    grid: a precomputed :func:`~dlcourse.plots.capstone.lr_grid` (the lecture passes its own);
    without it the grid is trained here on ``data`` with the other keyword arguments of ``lr_grid``.
    Attributes: ``widget``, ``grid``, ``lines`` (the Line2D artists), ``status`` (a Label with the final
    validation accuracy of the current run and the best of the grid).
    """

    def __init__(self, lr=1e-3, schedule="cosine", batchnorm=True, *, grid=None, data=None, **grid_kw):
        if grid is None:
            grid = lr_grid(data, **grid_kw)
        elif data is not None or grid_kw:
            raise ValueError("TrainingExplorer: pass either a precomputed grid or data/training options, not both.")
        self.grid = grid
        options = [(f"{v:g}", float(v)) for v in grid["lrs"]]
        matches = [v for _, v in options if np.isclose(v, float(lr), rtol=1e-9, atol=0.0)]
        if not matches:
            raise ValueError(f"TrainingExplorer: learning rate {lr!r} is not on the grid {list(grid['lrs'])}.")
        if schedule not in grid["schedules"]:
            raise ValueError(f"TrainingExplorer: schedule {schedule!r} is not on the grid {list(grid['schedules'])}.")
        if bool(batchnorm) not in grid["batchnorm"]:
            raise ValueError(f"TrainingExplorer: batchnorm={batchnorm!r} is not on the grid {list(grid['batchnorm'])}.")
        self.lr = widgets.SelectionSlider(options=options, value=matches[0], description="learning rate",
                                          continuous_update=True)
        self.schedule = widgets.ToggleButtons(options=list(grid["schedules"]), value=schedule, description="schedule")
        self.batchnorm = widgets.Checkbox(value=bool(batchnorm), description="batch norm", indent=False,
                                          disabled=len(grid["batchnorm"]) < 2)
        self.status = widgets.Label("")

        self.fig, (self.ax_loss, self.ax_acc) = new_figure(figsize=(10, 3.2), nrows=1, ncols=2)
        self.lines = {}
        for key, style, alpha in (("current", "-", 1.0), ("other", "--", 0.35)):
            (self.lines[f"{key}_loss"],) = self.ax_loss.plot([], [], style, color="C0", alpha=alpha)
            (self.lines[f"{key}_acc"],) = self.ax_acc.plot([], [], style + "o", ms=3, color="C1", alpha=alpha)
        runs = list(grid["runs"].values())
        self.ax_loss.set_xlim(0, max(len(r["loss"]) for r in runs))
        self.ax_loss.set_ylim(0, 2.5)
        self.ax_loss.set_xlabel("iteration")
        self.ax_loss.set_ylabel("training loss (moving average)")
        self.ax_acc.set_xlim(0, max(float(np.max(r["epochs"], initial=0.0)) for r in runs) + 0.2)
        self.ax_acc.set_ylim(0.5, 1.0)
        self.ax_acc.set_xlabel("epoch")
        self.ax_acc.set_ylabel("validation accuracy")
        self.legend = self.ax_loss.legend(handles=[self.lines["current_loss"], self.lines["other_loss"]],
                                          labels=["", ""], fontsize=8, loc="upper right")
        self.fig.tight_layout()
        self._draw()
        self.view = FigureView(self.fig)
        for control in (self.lr, self.schedule, self.batchnorm):
            control.observe(lambda change: self.update(), names="value")
        self.widget = widgets.VBox([widgets.HBox([self.lr, self.batchnorm]), self.schedule, self.status,
                                    self.view.widget])

    @classmethod
    def bench_cases(cls):
        """Controls and values whose callbacks the widget benchmark times."""
        return [("lr", 1e-2), ("schedule", "constant"), ("batchnorm", False), ("lr", 3e-4)]

    def run(self, lr=None, schedule=None, batchnorm=None):
        """The precomputed run of a grid point (default: the current controls)."""
        key = (float(self.lr.value if lr is None else lr), self.schedule.value if schedule is None else schedule,
               bool(self.batchnorm.value if batchnorm is None else batchnorm))
        return self.grid["runs"][key]

    def _draw(self):
        other = next((s for s in self.grid["schedules"] if s != self.schedule.value), self.schedule.value)
        for key, schedule in (("current", self.schedule.value), ("other", other)):
            r = self.run(schedule=schedule)
            x, y = smooth(r["loss"], 10)
            self.lines[f"{key}_loss"].set_data(x, y)
            self.lines[f"{key}_acc"].set_data(r["epochs"], r["val_acc"])
            self.legend.get_texts()[0 if key == "current" else 1].set_text(schedule)
        current = self.run()
        best_key, best = max(self.grid["runs"].items(), key=lambda kv: _final(kv[1]))
        diverged = not np.all(np.isfinite(current["loss"]))
        self.ax_loss.set_title(f"Adam, learning rate {self.lr.value:g}, {self.schedule.value}, "
                               f"{'with' if self.batchnorm.value else 'without'} batch norm", fontsize=9)
        reached = (f"validation accuracy {_final(current):.2%} at the end" if len(current["val_acc"]) else
                   "no validation accuracy")
        self.status.value = (reached + (" (the loss became NaN: training diverged)" if diverged else "")
                             + f"; best of the grid: {_final(best):.2%} (learning rate {best_key[0]:g}, "
                               f"{best_key[1]}, {'with' if best_key[2] else 'without'} batch norm)")

    def update(self):
        """Look the current setting up in the grid and redraw in place."""
        self._draw()
        self.view.refresh()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
