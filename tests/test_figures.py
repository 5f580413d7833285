"""dlcourse.figures: what figures and explorers share."""

from __future__ import annotations

import matplotlib
import numpy as np

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from dlcourse.figures import FigureView, new_figure, smooth, static_figure  # noqa: E402


def test_static_figure_is_a_bare_constrained_figure():
    fig, (a, b) = static_figure((4, 2), 1, 2)
    assert isinstance(fig, Figure) and fig.get_layout_engine() is not None and a is not b


def test_smooth_is_a_moving_average_over_the_finite_prefix():
    x, y = smooth(np.arange(10.0), 4)
    np.testing.assert_array_equal(x, np.arange(4, 11))
    np.testing.assert_allclose(y, np.arange(10.0)[3:] - 1.5)
    x, y = smooth([1.0, 3.0, np.inf, 2.0], 10)
    np.testing.assert_array_equal(x, [2])                  # the inf and what follows are dropped
    np.testing.assert_allclose(y, [2.0])


def test_figure_view_redraws_into_a_png_without_ipympl():
    fig, ax = new_figure(figsize=(2, 1))
    view = FigureView(fig)
    first = view.widget.value
    assert first[:4] == b"\x89PNG" and view.draw_count == 1
    ax.plot([0, 1], [1, 0])
    view.refresh()
    assert view.draw_count == 2 and view.widget.value != first
