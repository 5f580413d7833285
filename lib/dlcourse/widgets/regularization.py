"""Explorer of chapter 5: how weight decay and dropout change the learning curves.

Training a network takes about a second, far too slow for a slider, so the explorer shows a
grid of runs computed beforehand with :func:`dlcourse.plots.regularization.regularization_grid`
(every run from the same initial weights and minibatches). The two sliders pick the weight
decay lambda and the dropout ratio among the grid's values; moving them only swaps the data
of the drawn lines.

    grid = regularization_grid(data)          # ~10 s: 9 trainings
    RegularizationExplorer(grid)

``RegularizationExplorer()`` without a grid loads MNIST and computes the default grid itself.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from dlcourse.figures import FigureView, new_figure

__all__ = ["RegularizationExplorer", "grid_axes", "final_table"]


def grid_axes(grid):
    """The sorted lambdas and dropout ratios of a grid ``{(lam, ratio): run}``; checks it is complete."""
    if not grid:
        raise ValueError("the grid is empty: compute it with regularization_grid(data).")
    lams = sorted({float(k[0]) for k in grid})
    ratios = sorted({float(k[1]) for k in grid})
    missing = [(lam, r) for lam in lams for r in ratios if (lam, r) not in grid]
    if missing:
        raise ValueError(f"the grid has no run for (lambda, ratio) = {missing}; "
                         "compute every pair with regularization_grid(data, lams, ratios).")
    return lams, ratios


def final_table(grid, key="test_acc"):
    """``(len(lams), len(ratios))`` array of the last recorded ``key`` of every run of ``grid``."""
    lams, ratios = grid_axes(grid)
    return np.array([[grid[(lam, r)][key][-1] for r in ratios] for lam in lams])


class RegularizationExplorer:
    """Learning curves of the runs of a precomputed (lambda, dropout ratio) grid.

    Attributes: ``lam`` and ``ratio`` (SelectionSliders over the grid's values), ``grid``,
    ``run`` (the selected run), ``train_line``, ``test_line``, ``val_loss_line`` (updated in
    place; grey lines show the unregularised run), ``marker`` (the selected cell of the table
    of final test accuracies), ``widget``.
    """

    def __init__(self, grid=None, *, data=None, lam=None, ratio=None, **train_kwargs):
        if grid is None:
            from dlcourse.plots.regularization import regularization_grid, split_overfitting_data

            if data is None:
                from dlcourse.data import load_mnist

                (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, flatten=True)
                data = split_overfitting_data(x_train, t_train, x_test, t_test)
            grid = regularization_grid(data, **train_kwargs)
        self.grid = grid
        self.lams, self.ratios = grid_axes(grid)
        self.lam = widgets.SelectionSlider(options=[(f"{v:g}", v) for v in self.lams],
                                           value=self.lams[0] if lam is None else float(lam),
                                           description="λ (L2)", continuous_update=True)
        self.ratio = widgets.SelectionSlider(options=[(f"{v:g}", v) for v in self.ratios],
                                             value=self.ratios[0] if ratio is None else float(ratio),
                                             description="dropout ratio", continuous_update=True)
        self.ratio.style.description_width = "90px"

        self.fig, axes = new_figure(figsize=(12, 3.6), ncols=3,
                                    gridspec_kw={"width_ratios": [1.2, 1.2, 1.0]})
        self.ax_acc, self.ax_loss, self.ax_table = axes
        base = grid[(self.lams[0], self.ratios[0])]
        self.ax_acc.plot(base["epochs"], base["train_acc"], color="0.8", linewidth=1)
        self.ax_acc.plot(base["epochs"], base["test_acc"], "--", color="0.8", linewidth=1)
        (self.train_line,) = self.ax_acc.plot([], [], color="C0", label="train (300 images)")
        (self.test_line,) = self.ax_acc.plot([], [], "--", color="C1", label="test")
        self.ax_acc.set_ylim(0, 1.02)
        self.ax_acc.set_xlim(0, base["epochs"][-1])
        self.ax_acc.set_xlabel("epoch")
        self.ax_acc.set_ylabel("accuracy")
        self.ax_acc.legend(loc="lower right", fontsize=8, title="grey: no regularisation", title_fontsize=8)
        self.ax_acc.grid(alpha=0.3)

        self.ax_loss.plot(base["epochs"], base["val_loss"], color="0.8", linewidth=1)
        (self.val_loss_line,) = self.ax_loss.plot([], [], color="C2", label="validation loss")
        top = max(float(np.max(run["val_loss"])) for run in grid.values())
        self.ax_loss.set_ylim(0, min(top * 1.05, 3.0))
        self.ax_loss.set_xlim(0, base["epochs"][-1])
        self.ax_loss.set_xlabel("epoch")
        self.ax_loss.set_ylabel("cross-entropy (validation)")
        self.ax_loss.legend(fontsize=8)
        self.ax_loss.grid(alpha=0.3)

        table = final_table(grid)
        self.ax_table.imshow(table, cmap="viridis", vmin=0, vmax=1, aspect="auto", origin="lower")
        for i in range(len(self.lams)):
            for j in range(len(self.ratios)):
                self.ax_table.text(j, i, f"{table[i, j]:.2f}", ha="center", va="center", fontsize=8,
                                   color="w" if table[i, j] < 0.6 else "k")
        self.ax_table.set_xticks(range(len(self.ratios)), [f"{v:g}" for v in self.ratios])
        self.ax_table.set_yticks(range(len(self.lams)), [f"{v:g}" for v in self.lams])
        self.ax_table.set_xlabel("dropout ratio")
        self.ax_table.set_ylabel("λ")
        self.ax_table.set_title("final test accuracy", fontsize=10)
        (self.marker,) = self.ax_table.plot([], [], "s", markersize=22, markerfacecolor="none",
                                            markeredgecolor="C3", markeredgewidth=2)
        self.title = self.ax_acc.set_title("", fontsize=10)
        self.loss_title = self.ax_loss.set_title("", fontsize=10)
        self.fig.tight_layout()
        self.view = FigureView(self.fig)
        self.update()
        for control in (self.lam, self.ratio):
            control.observe(lambda change: self.update(), names="value")
        self.widget = widgets.VBox([widgets.HBox([self.lam, self.ratio]), self.view.widget])

    @classmethod
    def bench_cases(cls):
        """Controls and values whose callbacks the widget benchmark times (the default grid)."""
        return [("lam", 0.1), ("ratio", 0.15), ("lam", 0.03), ("ratio", 0.3)]

    def update(self):
        """Show the run of the selected (lambda, ratio) and redraw in place."""
        lam, ratio = float(self.lam.value), float(self.ratio.value)
        self.run = run = self.grid[(lam, ratio)]
        self.train_line.set_data(run["epochs"], run["train_acc"])
        self.test_line.set_data(run["epochs"], run["test_acc"])
        self.val_loss_line.set_data(run["epochs"], run["val_loss"])
        self.marker.set_data([self.ratios.index(ratio)], [self.lams.index(lam)])
        gap = run["train_acc"][-1] - run["test_acc"][-1]
        self.title.set_text(f"λ = {lam:g}, dropout {ratio:g}: train {run['train_acc'][-1]:.2f}, "
                            f"test {run['test_acc'][-1]:.2f} (gap {gap:.2f})")
        best = int(np.argmin(run["val_loss"]))
        self.loss_title.set_text(f"lowest {run['val_loss'][best]:.2f} at epoch {run['epochs'][best]}, "
                                 f"last {run['val_loss'][-1]:.2f}")
        self.view.refresh()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
