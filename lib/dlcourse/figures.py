"""What the figures (:mod:`dlcourse.plots`) and the explorers (:mod:`dlcourse.widgets`) share:
figures that update in place, static figures, and the smoothing of training curves.

In JupyterLab with ``%matplotlib widget`` (ipympl) a figure's canvas is itself
a widget: changing an artist's data and calling ``draw_idle`` repaints only
that canvas, which keeps a slider's round trip well under the 100 ms compute
budget. Under any other backend (Agg in tests, ``%matplotlib inline``) the
figure is rendered to a PNG inside an ``Image`` widget instead.

    fig = new_figure(figsize=(8, 3), ncols=2)
    view = FigureView(fig)
    ...change artists...
    view.refresh()

:func:`static_figure` makes a bare ``Figure`` (constrained layout) for the figures that are
drawn once; :func:`smooth` is the moving average of a training curve.
"""

from __future__ import annotations

import io
from typing import Any

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.figure import Figure

__all__ = ["new_figure", "static_figure", "FigureView", "is_interactive_backend", "smooth"]


def is_interactive_backend() -> bool:
    """True when matplotlib draws through ipympl (``%matplotlib widget``)."""
    backend = matplotlib.get_backend().lower()
    return "ipympl" in backend or backend.endswith("widget")


def new_figure(figsize: tuple[float, float] = (8.0, 3.5), nrows: int = 1, ncols: int = 1,
               **subplot_kw: Any) -> tuple[Figure, Any]:
    """Create ``(fig, axes)`` without showing the figure automatically.

    With ipympl the figure is created through pyplot (so it gets an
    interactive canvas) inside ``plt.ioff()``; otherwise a bare ``Figure``
    is made, which never leaks into pyplot's global state.
    """
    if is_interactive_backend():
        import matplotlib.pyplot as plt

        with plt.ioff():
            fig, axes = plt.subplots(nrows, ncols, figsize=figsize, **subplot_kw)
        fig.canvas.header_visible = False
        fig.canvas.toolbar_visible = False
        fig.canvas.footer_visible = False
        fig.canvas.resizable = False
        return fig, axes
    fig = Figure(figsize=figsize)
    axes = fig.subplots(nrows, ncols, **subplot_kw)
    return fig, axes


def static_figure(figsize: tuple[float, float], nrows: int = 1, ncols: int = 1, *,
                  layout: str | None = "constrained", **subplot_kw: Any) -> tuple[Figure, Any]:
    """``(fig, axes)``: a bare ``Figure`` (never registered with pyplot) for a figure drawn once."""
    fig = Figure(figsize=figsize, layout=layout)
    return fig, fig.subplots(nrows, ncols, **subplot_kw)


def smooth(values, width=10):
    """Moving average of the finite prefix of ``values`` (a NaN/inf tail after a divergence is dropped).

    values: (T,). Returns ``(x, y)``: 1-based iteration numbers of the window ends and the
    averages ``y_i = mean(values[i - w + 1 .. i])`` with ``w = min(width, finite length)``.
    """
    v = np.asarray(values, dtype=float)
    finite = np.isfinite(v)
    n = int(np.argmin(finite)) if not finite.all() else v.size
    v = v[:n]
    if n == 0:
        return np.array([]), np.array([])
    w = max(1, min(int(width), n))
    y = np.convolve(v, np.ones(w) / w, mode="valid")
    return np.arange(w, n + 1), y


class FigureView:
    """Show ``fig`` as a widget and redraw it in place with :meth:`refresh`.

    ``view.widget`` is the ipympl canvas when the backend is interactive,
    else an ``Image`` widget holding a PNG of the figure.
    ``view.draw_count`` counts refreshes (useful in tests and benchmarks).
    Setting the class attribute ``FigureView.deferred = True`` makes :meth:`refresh` only count
    (as ipympl's ``draw_idle`` returns at once and paints later): the benchmark uses it to time
    a callback's compute apart from rendering.
    """

    deferred = False

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self.draw_count = 0
        # ipympl's canvas is a DOMWidget; Agg's and inline's are not.
        self._interactive = isinstance(fig.canvas, widgets.DOMWidget)
        if self._interactive:
            self.widget = fig.canvas
        else:
            self._image = widgets.Image(format="png")
            self.widget = self._image
        self.refresh()

    def render_png(self) -> bytes:
        """The figure as PNG bytes (what a non-interactive view shows)."""
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi=self.fig.dpi)
        return buf.getvalue()

    def refresh(self) -> None:
        """Redraw after artists changed: in place on ipympl, a new PNG otherwise."""
        self.draw_count += 1
        if FigureView.deferred:
            return
        if self._interactive:
            self.fig.canvas.draw_idle()
        else:
            self._image.value = self.render_png()
