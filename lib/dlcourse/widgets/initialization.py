"""Explorer of chapter 2: how the initial weights shape the activations of a deep network.

``InitExplorer()`` shows one histogram per layer of the book's experiment
(1000 standard-normal samples, 5 layers of 100 units) and lets the student pick
the initialisation (std 0.01, Xavier, He, Glorot or a custom std) and the
activation (sigmoid, tanh, ReLU). Bars are updated in place; the input batch
and the standard-normal draws of the weights are fixed once, so moving a
control changes only the scale of the weights, never the random numbers.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from dlcourse.figures import FigureView, new_figure
from dlcourse.plots.initialization import (
    ACTIVATION_RANGES,
    activation_histograms,
    layer_activations,
    layer_stats,
    method_label,
    resolve_std,
)

__all__ = ["InitExplorer", "histogram_data"]

METHOD_OPTIONS = [("std 0.01", "0.01"), ("Xavier 1/sqrt(n) (LeCun)", "xavier"), ("He sqrt(2/n)", "he"),
                  ("Glorot sqrt(2/(n_in+n_out))", "glorot"), ("custom std (slider)", "custom")]


def histogram_data(method, activation, *, x, unit_weights, bins=30):
    """Histograms of every layer for fixed input ``x`` and fixed unit-variance draws.

    x: (N, n) input; unit_weights: list of (n, n) standard-normal matrices, one per layer.
    Layer ``l`` uses ``W_l = std * unit_weights[l]`` with ``std`` from ``method``
    (a name or a float std). Returns ``{"edges", "counts" (L, bins), "std" (L,),
    "saturated" (L,), "weight_std" (L,)}``.
    """
    acts = layer_activations(method, activation, x=x, unit_weights=unit_weights)
    wstd = [resolve_std(method, U.shape[0], U.shape[1]) for U in unit_weights]
    edges, counts = activation_histograms(acts, activation, bins=bins)
    stats = layer_stats(acts, activation)
    return {"edges": edges, "counts": counts, "std": stats["std"],
            "saturated": stats["saturated"], "weight_std": np.array(wstd)}


class InitExplorer:
    """Histograms of the activations of 5 layers of 100 units; controls: method, std, activation.

    Attributes: ``method`` (Dropdown), ``std`` (FloatLogSlider, used when method is
    "custom"), ``activation`` (Dropdown), ``widget`` (the whole explorer), ``data``
    (last :func:`histogram_data` result), ``bars`` (one BarContainer per layer).
    """

    def __init__(self, method="xavier", activation="sigmoid", std=1.0, *, n_layers=5, n_units=100,
                 n_samples=1000, bins=30, seed=0):
        rng = np.random.default_rng(seed)
        self._x = rng.standard_normal((n_samples, n_units))
        self._unit = [rng.standard_normal((n_units, n_units)) for _ in range(n_layers)]
        self._bins = bins
        self.method = widgets.Dropdown(options=METHOD_OPTIONS, value=method, description="init")
        self.std = widgets.FloatLogSlider(value=std, base=10, min=-3, max=1, step=0.05,
                                          description="custom std", continuous_update=True,
                                          readout_format=".3g")
        self.activation = widgets.Dropdown(options=[("sigmoid", "sigmoid"), ("tanh", "tanh"),
                                                    ("ReLU", "relu")],
                                           value=activation, description="activation")
        self.fig, axes = new_figure(figsize=(11, 2.8), nrows=1, ncols=n_layers, sharey=True)
        self.axes = list(np.atleast_1d(axes))
        self.data = self._compute()
        edges = self.data["edges"]
        self.bars = []
        self.titles = []
        for i, ax in enumerate(self.axes):
            bars = ax.bar(edges[:-1], self.data["counts"][i], width=np.diff(edges), align="edge",
                          color="C0")
            self.bars.append(bars)
            self.titles.append(ax.set_title("", fontsize=9))
            ax.set_ylim(0, 1)
            ax.set_xlabel("activation")
        self.axes[0].set_ylabel("fraction of values")
        self.suptitle = self.fig.suptitle("", fontsize=10)
        self.fig.subplots_adjust(left=0.06, right=0.99, bottom=0.2, top=0.75, wspace=0.1)
        self.view = FigureView(self.fig)
        self._draw()
        for control in (self.method, self.std, self.activation):
            control.observe(lambda change: self.update(), names="value")
        self.widget = widgets.VBox([widgets.HBox([self.method, self.std, self.activation]),
                                    self.view.widget])

    @classmethod
    def bench_cases(cls):
        """Controls and values whose callbacks the widget benchmark times."""
        return [("method", "he"), ("activation", "relu"), ("method", "custom"), ("std", 0.5)]

    def current_method(self):
        """The method passed to the computation: a name, or the slider's std for "custom"."""
        return float(self.std.value) if self.method.value == "custom" else self.method.value

    def _compute(self):
        return histogram_data(self.current_method(), self.activation.value, x=self._x,
                              unit_weights=self._unit, bins=self._bins)

    def _draw(self):
        d = self.data
        edges = d["edges"]
        widths = np.diff(edges)
        lo, hi = ACTIVATION_RANGES[self.activation.value]
        sat_name = "zero" if self.activation.value == "relu" else "saturated"
        for i, bars in enumerate(self.bars):
            for rect, left, width, h in zip(bars.patches, edges[:-1], widths, d["counts"][i]):
                rect.set_x(left)
                rect.set_width(width)
                rect.set_height(h)
            self.axes[i].set_xlim(lo, hi)
            self.titles[i].set_text(f"layer {i + 1}\nstd {d['std'][i]:.3g}, "
                                    f"{sat_name} {100 * d['saturated'][i]:.0f}%")
        self.suptitle.set_text(f"{self.activation.value}, weights {method_label(self.current_method())}"
                               f" (std of layer-1 weights {d['weight_std'][0]:.3g})")
        self.std.disabled = self.method.value != "custom"

    def update(self):
        """Recompute the histograms for the current controls and redraw in place."""
        self.data = self._compute()
        self._draw()
        self.view.refresh()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
