"""Explorer of chapter 1: how activation, depth and weight scale decide the gradient of each layer.

:func:`dlcourse.plots.activations.layer_statistics` is the pure compute part (re-exported here): a
deep fully connected network of equal-width hidden layers, fed a fixed batch of random inputs, with
a softmax cross-entropy output; it returns the mean |dE/dW| of every layer, the mean |dE/du| that
reaches each hidden layer (the backward signal), the histograms of the hidden activations and their
per-layer statistics. :class:`ActivationExplorer` draws them and redraws in place when a control
changes; its activation control offers every activation of :data:`dlcourse.functions.ACTIVATIONS`.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..figures import FigureView, new_figure
from ..functions import ACTIVATIONS
from ..plots.activations import layer_statistics

__all__ = ["layer_statistics", "ActivationExplorer"]


class ActivationExplorer:
    """Sliders for activation, depth and weight scale; plots of gradient per layer and activation histograms.

    ``explorer = ActivationExplorer(); explorer`` in a notebook shows it. Controls: ``activation``
    (ToggleButtons), ``depth`` (IntSlider), ``init_std`` (FloatLogSlider). ``update()`` recomputes
    and redraws in place; ``stats`` holds the last :func:`layer_statistics` result.
    """

    MAX_DEPTH = 12

    def __init__(self, activation: str = "sigmoid", depth: int = 5, init_std: float = 0.01, width: int = 100,
                 n_samples: int = 500, seed: int = 0):
        self._kw = dict(width=width, n_samples=n_samples, seed=seed, max_depth=self.MAX_DEPTH)
        self.activation = widgets.ToggleButtons(options=list(ACTIVATIONS), value=activation,
                                                description="activation")
        self.depth = widgets.IntSlider(value=depth, min=1, max=self.MAX_DEPTH, description="hidden layers",
                                       continuous_update=False)
        self.init_std = widgets.FloatLogSlider(value=init_std, base=10, min=-3, max=0.5, step=0.05,
                                               description="weight std", readout_format=".3g",
                                               continuous_update=False)
        self.info = widgets.HTML()
        fig, (self.ax_grad, self.ax_hist) = new_figure(figsize=(10.0, 3.8), ncols=2)
        self.fig = fig
        (self.grad_line,) = self.ax_grad.semilogy([1], [1.0], "o-", color="tab:blue", label="mean |dE/dW| (weights)")
        (self.delta_line,) = self.ax_grad.semilogy([1], [1.0], "s--", color="tab:orange", ms=4,
                                                   label="mean |dE/du| (backward signal)")
        self.ax_grad.legend(loc="lower right", fontsize=8)
        self.ax_grad.set_xlabel("layer (1 = next to the input)")
        self.ax_grad.set_ylabel("gradient size (log)")
        self.ax_grad.grid(alpha=0.3, which="both")
        self.ax_hist.set_xlabel("activation value")
        self.ax_hist.set_ylabel("hidden layer")
        self.hist_lines = [self.ax_hist.plot([], [], color="tab:blue", lw=1.2)[0] for _ in range(self.MAX_DEPTH)]
        self.view = FigureView(fig)
        for control in (self.activation, self.depth, self.init_std):
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.activation]), widgets.HBox([self.depth, self.init_std]),
                                    self.info, self.view.widget])
        self.stats: dict = {}
        self.update()

    @classmethod
    def bench_cases(cls):
        return [("activation", "relu"), ("activation", "tanh"), ("activation", "selu"), ("activation", "gelu"),
                ("depth", 10), ("init_std", 0.1)]

    def _on_change(self, _change) -> None:
        self.update()

    def update(self) -> None:
        """Recompute with the controls' values and redraw the artists in place."""
        st = layer_statistics(self.activation.value, self.depth.value, self.init_std.value, **self._kw)
        self.stats = st
        depth = st["depth"]
        g = np.maximum(st["grad_mean_abs"], 1e-300)
        d = np.maximum(st["delta_mean_abs"], 1e-300)
        layers = np.arange(1, depth + 2)
        self.grad_line.set_data(layers, g)
        self.delta_line.set_data(layers[:-1], d)
        self.ax_grad.set_xlim(0.5, depth + 1.5)
        self.ax_grad.set_xticks(layers, [str(k) for k in layers[:-1]] + ["out"])
        lo, hi = float(min(np.min(g), np.min(d))), float(max(np.max(g), np.max(d)))
        self.ax_grad.set_ylim(lo / 3, hi * 3)
        self.ax_grad.set_title(f"{st['activation']}: |dE/dW| of layer 1 / output layer = {g[0] / g[-1]:.2g}",
                               fontsize=10)
        centers = 0.5 * (st["edges"][1:] + st["edges"][:-1])
        colors = _layer_colors(depth)
        for k, line in enumerate(self.hist_lines):
            if k < depth:
                h = st["hist"][k].astype(float)
                h = h / h.max() * 0.9 if h.max() > 0 else h
                line.set_data(centers, h + (depth - 1 - k))       # layer 1 at the top
                line.set_color(colors[k])
                line.set_visible(True)
            else:
                line.set_visible(False)
        self.ax_hist.set_xlim(st["edges"][0], st["edges"][-1])
        self.ax_hist.set_ylim(-0.1, depth)
        self.ax_hist.set_yticks(np.arange(depth) + 0.3, [str(depth - k) for k in range(depth)])
        self.ax_hist.set_title("activation histograms (each scaled to its peak)")
        ratio = np.exp(np.mean(np.log(d[:-1] / d[1:]))) if depth > 1 else float("nan")
        self.info.value = (f"<small>mean |dE/dW|: layer 1 = {g[0]:.3g}, output layer = {g[-1]:.3g}. "
                           f"Backward signal |dE/du|: multiplied by {ratio:.3g} per layer on its way down (geometric mean). "
                           f"Activation std per layer: {', '.join(f'{v:.2g}' for v in st['act_std'])}.</small>")
        self.view.refresh()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def _layer_colors(depth: int):
    import matplotlib

    cmap = matplotlib.colormaps["viridis"]
    return [cmap(k / max(depth - 1, 1) * 0.85) for k in range(depth)]
