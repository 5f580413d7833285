"""Explorer of chapter 1: how activation, depth and weight scale decide the gradient of each layer.

:func:`layer_statistics` is the pure compute part (tested directly): a deep fully connected
network of equal-width hidden layers, fed a fixed batch of random inputs, with a softmax
cross-entropy output, composed of the layer functions of :mod:`dlcourse.layers`; it returns the
mean |dE/dW| of every layer, the mean |dE/du| that reaches each hidden layer (the backward signal)
and the histograms of the hidden activations.
:class:`ActivationExplorer` draws them and redraws in place when a control changes.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..figures import FigureView, new_figure
from ..functions import ACTIVATIONS, activation as lookup_activation
from ..layers import (
    activation_layer,
    affine_backward,
    affine_forward,
    batchnorm_backward,
    batchnorm_forward,
    softmax_cross_entropy_backward,
    softmax_cross_entropy_forward,
)

__all__ = ["layer_statistics", "ActivationExplorer"]


class _Setup:
    """Fixed random inputs, labels and unit-variance weight matrices, drawn once per (width, depth, seed)."""

    def __init__(self, width: int, max_depth: int, n_samples: int, n_classes: int, seed: int):
        rng = np.random.default_rng(seed)
        self.x = rng.standard_normal((n_samples, width))
        self.t = np.arange(n_samples) % n_classes
        self.W = [rng.standard_normal((width, width)) for _ in range(max_depth)]
        self.W_out = rng.standard_normal((width, n_classes))


_SETUPS: dict[tuple, _Setup] = {}


def _setup(width, max_depth, n_samples, n_classes, seed) -> _Setup:
    key = (width, max_depth, n_samples, n_classes, seed)
    if key not in _SETUPS:
        _SETUPS.clear()
        _SETUPS[key] = _Setup(*key)
    return _SETUPS[key]


def layer_statistics(activation: str = "sigmoid", depth: int = 5, init_std: float = 0.01, *, width: int = 100,
                     n_samples: int = 500, n_classes: int = 10, bins: int = 30, seed: int = 0,
                     max_depth: int = 12, input_std: float = 1.0, bn_gamma: float | None = None) -> dict:
    """Forward and backward pass of a deep network; per-layer gradient sizes and activation histograms.

    Network: x (n_samples, width) -> depth x [affine (width, width), zero bias -> activation]
    -> affine (width, n_classes) -> softmax cross-entropy with labels ``arange(n_samples) % n_classes``.
    Every weight matrix is ``init_std * (standard normal)``; the normal draws are fixed by the random
    seed ``seed``, so changing ``init_std`` rescales the same matrices. The inputs are
    ``input_std * (standard normal)``. ``bn_gamma``: None (no batch norm), or a number: batch norm
    (training mode, ``gamma = bn_gamma``, ``beta = 0``) between each hidden affine layer and its
    activation.

    Returns a dict:
      ``"grad_mean_abs"`` (depth + 1,) mean |dE/dW_l| for the hidden layers 1..depth and the output layer;
      ``"delta_mean_abs"`` (depth,) mean |dE/du_l| (the signal that reaches each hidden layer);
      ``"hist"`` (depth, bins) histogram counts of each hidden layer's activations;
      ``"edges"`` (bins + 1,) the common bin edges; ``"act_mean"``, ``"act_std"`` (depth,): the mean and
      standard deviation of each hidden layer's activations (over all its units and samples together);
      ``"act_zero"`` (depth,) the fraction of activations that are exactly 0.
    """
    lookup_activation(activation)  # a ValueError naming the choices
    depth = int(depth)
    if not 1 <= depth <= max_depth:
        raise ValueError(f"depth must be between 1 and {max_depth}, got {depth}.")
    if not (np.isfinite(init_std) and init_std > 0):
        raise ValueError(f"init_std must be a positive number, got {init_std!r}.")
    if not (np.isfinite(input_std) and input_std > 0):
        raise ValueError(f"input_std must be a positive number, got {input_std!r}.")
    s = _setup(width, max_depth, n_samples, n_classes, seed)
    act_forward, act_backward = activation_layer(activation)
    zero = np.zeros(width)
    gamma = None if bn_gamma is None else np.full(width, float(bn_gamma))
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        h = input_std * s.x
        caches, acts = [], []
        for W in s.W[:depth]:
            u, affine_cache = affine_forward(h, init_std * W, zero, copy=False)
            bn_cache = None
            if gamma is not None:
                u, bn_cache = batchnorm_forward(u, gamma, zero)
            h, act_cache = act_forward(u)
            caches.append((affine_cache, bn_cache, act_cache))
            acts.append(h)
        logits, out_cache = affine_forward(h, init_std * s.W_out, np.zeros(n_classes), copy=False)
        _, loss_cache = softmax_cross_entropy_forward(logits, s.t)
        d, dW, _ = affine_backward(softmax_cross_entropy_backward(1.0, loss_cache), out_cache)
        grad_mean_abs = np.zeros(depth + 1)
        grad_mean_abs[depth] = np.mean(np.abs(dW))
        delta_mean_abs = np.zeros(depth)
        for layer in range(depth - 1, -1, -1):
            affine_cache, bn_cache, act_cache = caches[layer]
            du = act_backward(d, act_cache)                      # dE/du of hidden layer `layer`
            if bn_cache is not None:
                du = batchnorm_backward(du, bn_cache)[0]
            delta_mean_abs[layer] = np.mean(np.abs(du))
            d, dW, _ = affine_backward(du, affine_cache, need_dx=layer > 0)
            grad_mean_abs[layer] = np.mean(np.abs(dW))
        A = np.array(acts)
        lo, hi = ACTIVATIONS[activation].output_range
        if not (np.isfinite(lo) and np.isfinite(hi)):            # unbounded: the 1st / 99th percentile
            finite = A[np.isfinite(A)]
            if not np.isfinite(hi):
                hi = float(np.percentile(finite, 99)) if finite.size else 1.0
                hi = hi if hi > 0 else 1.0
            if not np.isfinite(lo):                              # leaky ReLU
                lo = float(np.percentile(finite, 1)) if finite.size else -1.0
                lo = lo if lo < 0 else -0.01 * hi
        edges = np.linspace(lo, hi, bins + 1)
        hist = np.array([np.histogram(np.clip(a, lo, hi), bins=edges)[0] for a in acts])
    return {"activation": activation, "depth": depth, "init_std": float(init_std),
            "grad_mean_abs": grad_mean_abs, "delta_mean_abs": delta_mean_abs, "hist": hist, "edges": edges,
            "act_mean": A.reshape(depth, -1).mean(axis=1), "act_std": A.reshape(depth, -1).std(axis=1),
            "act_zero": (A.reshape(depth, -1) == 0).mean(axis=1)}


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
