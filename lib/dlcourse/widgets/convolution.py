"""Explorer of chapter 6: where a convolution filter lands, and the output size.

``ConvolutionExplorer()`` has sliders for the input size H, the filter size FH, the stride S
and the padding P (per side). It draws the padded input (padding cells grey), a dot at the
top-left corner of every filter placement, the filter at one chosen output pixel, and the
output grid, and it prints

    OH = (H + 2P - FH) / S + 1

or, when the filter does not tile the padded input, the error of
:func:`dlcourse.cnn.conv_output_size` together with the placement that would hang over the
edge (drawn dashed in red): the frameworks round the output size down and skip what that
placement would cover; this course raises instead. The default (6x6 input, 2x2 filter, stride 1,
pad 1) is the 確認テスト of the Day 2 course note: a 7x7 output.

:func:`filter_layout` is the pure computation behind the drawing (tested directly).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from dlcourse.cnn import conv_output_size
from dlcourse.figures import FigureView, new_figure

__all__ = ["filter_layout", "ConvolutionExplorer", "backward_layout", "ConvBackwardExplorer"]


def filter_layout(input_size, filter_size, stride, pad):
    """Where a square filter lands on a square, zero-padded input (one axis; the other is equal).

    Returns a dict:

    - ``"padded"``: ``input_size + 2*pad`` (padding on both sides);
    - ``"starts"``: int array of the first padded pixel of every placement that fits,
      ``0, S, 2S, ...`` up to ``padded - filter_size`` (empty when the filter is larger than
      the padded input);
    - ``"output_size"``: ``(input_size + 2*pad - filter_size) // stride + 1`` when the filter
      tiles the padded input, else ``None``;
    - ``"error"``: ``None``, or the message of the ``ValueError`` that
      :func:`dlcourse.cnn.conv_output_size` raises;
    - ``"uncovered"``: padded pixels at the far edge that no placement reaches (0 when it tiles);
    - ``"overhang"``: how many pixels the NEXT placement would hang over the edge (0 when it
      tiles; it is what a silent floor division throws away).
    """
    padded = int(input_size) + 2 * int(pad)
    try:
        out = conv_output_size(input_size, filter_size, stride, pad)
        error = None
    except ValueError as exc:
        out, error = None, str(exc)
    last = padded - int(filter_size)
    starts = np.arange(0, last + 1, int(stride)) if last >= 0 else np.zeros(0, dtype=int)
    if starts.size:
        uncovered = padded - (int(starts[-1]) + int(filter_size))
        overhang = 0 if uncovered == 0 else int(starts[-1]) + int(stride) + int(filter_size) - padded
    else:
        uncovered, overhang = padded, int(filter_size) - padded
    return {"padded": padded, "starts": starts, "output_size": out, "error": error,
            "uncovered": int(uncovered), "overhang": int(overhang)}


class _GeometrySliders:
    """The controls both explorers share: sliders for H, the filter size, S, P and an output pixel.

    Subclasses set ``MAX_INPUT``, ``MAX_FILTER``, ``MAX_STRIDE``, ``MAX_PAD``, call :meth:`_make_sliders`
    before drawing and :meth:`_finish` once their artists exist.
    """

    def _make_sliders(self, input_size, filter_size, stride, pad, *, min_input, filter_label):
        def slider(value, lo, hi, label):
            return widgets.IntSlider(value=value, min=lo, max=hi, step=1, description=label,
                                     continuous_update=True, style={"description_width": "initial"})

        self.input_size = slider(input_size, min_input, self.MAX_INPUT, "input size H")
        self.filter_size = slider(filter_size, 1, self.MAX_FILTER, filter_label)
        self.stride = slider(stride, 1, self.MAX_STRIDE, "stride S")
        self.pad = slider(pad, 0, self.MAX_PAD, "padding P (per side)")
        self.position = slider(0, 0, 0, "output pixel #")

    def _finish(self, axes):
        """Hide the ticks of ``axes``, draw once, connect the sliders and lay the widget out."""
        for ax in axes:
            ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        self.view = FigureView(self.fig)
        self.layout = None
        self.message = ""
        self._updating = False
        self.update()
        for control in (self.input_size, self.filter_size, self.stride, self.pad, self.position):
            control.observe(lambda change: self.update(), names="value")
        controls = widgets.VBox([widgets.HBox([self.input_size, self.filter_size]),
                                 widgets.HBox([self.stride, self.pad]), self.position])
        self.widget = widgets.VBox([controls, self.view.widget])


class ConvolutionExplorer(_GeometrySliders):
    """Input size, filter size, stride and padding -> the filter's placements and output size.

    Attributes: the sliders ``input_size``, ``filter_size``, ``stride``, ``pad`` and
    ``position`` (which output pixel, in raster order, to show the filter for); ``layout``
    (the last :func:`filter_layout`), ``message`` (the formula or the error shown in the
    title), ``widget``. Artists updated in place: ``padded_image``, ``corners``,
    ``filter_patch``, ``overhang_patch``, ``output_image``, ``output_patch``.
    """

    MAX_INPUT = 16
    MAX_FILTER = 7
    MAX_STRIDE = 4
    MAX_PAD = 3

    def __init__(self, input_size=6, filter_size=2, stride=1, pad=1):
        self._make_sliders(input_size, filter_size, stride, pad, min_input=1, filter_label="filter size FH")

        self.fig, (self.ax_in, self.ax_out) = new_figure(figsize=(9.5, 4.6), ncols=2)
        self.fig.subplots_adjust(left=0.04, right=0.98, top=0.74, bottom=0.03, wspace=0.15)
        # Beyond the padded input (where an oversized filter would reach): light red.
        self.ax_in.set_facecolor("#f6dede")
        grey = np.array([[0.0]])
        self.padded_image = self.ax_in.imshow(grey, cmap="Greys_r", vmin=0, vmax=1,
                                              interpolation="nearest")
        (self.corners,) = self.ax_in.plot([], [], "o", color="C0", markersize=3,
                                          label="top-left corner of a placement")
        self.filter_patch = Rectangle((0, 0), 1, 1, fill=True, facecolor=(0.12, 0.47, 0.71, 0.25),
                                      edgecolor="C0", linewidth=2.5)
        self.overhang_patch = Rectangle((0, 0), 1, 1, fill=False, edgecolor="red", linewidth=2,
                                        linestyle="--")
        self.ax_in.add_patch(self.filter_patch)
        self.ax_in.add_patch(self.overhang_patch)
        self.in_title = self.ax_in.set_title("", fontsize=9)
        self.output_image = self.ax_out.imshow(grey, cmap="Blues", vmin=0, vmax=1,
                                               interpolation="nearest")
        self.output_patch = Rectangle((0, 0), 1, 1, fill=False, edgecolor="C0", linewidth=2.5)
        self.ax_out.add_patch(self.output_patch)
        self.out_title = self.ax_out.set_title("", fontsize=9)
        self.no_output = self.ax_out.text(0.5, 0.5, "", ha="center", va="center", wrap=True,
                                          fontsize=9, color="red", transform=self.ax_out.transAxes)
        self.suptitle = self.fig.suptitle("", fontsize=9)
        self._finish((self.ax_in, self.ax_out))

    @classmethod
    def bench_cases(cls):
        """Controls and values whose callbacks the widget benchmark times."""
        return [("input_size", 7), ("stride", 2), ("pad", 0), ("filter_size", 3), ("position", 3)]

    # ------------------------------------------------------------------ drawing helpers
    @staticmethod
    def _grid(ax, n_rows, n_cols):
        ax.set_xticks(np.arange(n_cols + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(n_rows + 1) - 0.5, minor=True)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(which="minor", color="0.6", linewidth=0.5)
        ax.set_xlim(-0.5, n_cols - 0.5)
        ax.set_ylim(n_rows - 0.5, -0.5)

    def update(self):
        """Recompute the layout for the current sliders and redraw in place."""
        if self._updating:  # changing position.max below re-enters through the observer
            return
        self._updating = True
        try:
            self._update()
        finally:
            self._updating = False
        self.view.refresh()

    def _update(self):
        h, f, s, p = (int(c.value) for c in (self.input_size, self.filter_size, self.stride, self.pad))
        lay = filter_layout(h, f, s, p)
        self.layout = lay
        n = lay["padded"]
        starts = lay["starts"]
        # Padded input: 1 (white) for the image, 0.8 (grey) for the zero padding.
        img = np.full((n, n), 0.8)
        img[p:p + h, p:p + h] = 1.0
        self.padded_image.set_data(img)
        self.padded_image.set_extent((-0.5, n - 0.5, n - 0.5, -0.5))
        self._grid(self.ax_in, n, n)
        cy, cx = np.meshgrid(starts, starts, indexing="ij")
        self.corners.set_data(cx.ravel() - 0.5, cy.ravel() - 0.5)

        out = lay["output_size"]
        n_fit = starts.size
        # Placements that fit (n_fit per axis) are drawn even when the filter does not tile.
        n_pos = n_fit * n_fit
        self.position.max = max(n_pos - 1, 0)
        k = min(int(self.position.value), max(n_pos - 1, 0))
        if n_fit:
            i, j = divmod(k, n_fit)
            self.filter_patch.set_xy((starts[j] - 0.5, starts[i] - 0.5))
            self.filter_patch.set_width(f)
            self.filter_patch.set_height(f)
            self.filter_patch.set_visible(True)
        else:
            i = j = 0
            self.filter_patch.set_visible(False)
        if lay["error"] is not None and n_fit:
            # The next placement along the first row: where a floor division stops counting.
            self.overhang_patch.set_xy((starts[-1] + s - 0.5, -0.5 + (starts[i] if n_fit else 0)))
            self.overhang_patch.set_width(f)
            self.overhang_patch.set_height(f)
            self.overhang_patch.set_visible(True)
            self.ax_in.set_xlim(-0.5, max(n, starts[-1] + s + f) - 0.5)
        elif lay["error"] is not None:
            self.overhang_patch.set_xy((-0.5, -0.5))
            self.overhang_patch.set_width(f)
            self.overhang_patch.set_height(f)
            self.overhang_patch.set_visible(True)
            self.ax_in.set_xlim(-0.5, max(n, f) - 0.5)
            self.ax_in.set_ylim(max(n, f) - 0.5, -0.5)
        else:
            self.overhang_patch.set_visible(False)
        self.in_title.set_text(f"padded input {n}x{n} = {h} + 2*{p} (grey: padding)\n"
                               f"{f}x{f} filter, stride {s}: {n_fit} placement(s) per row")

        if out is not None:
            grid = np.zeros((out, out))
            grid[i, j] = 1.0
            self.output_image.set_data(grid)
            self.output_image.set_extent((-0.5, out - 0.5, out - 0.5, -0.5))
            self.output_image.set_visible(True)
            self._grid(self.ax_out, out, out)
            self.output_patch.set_xy((j - 0.5, i - 0.5))
            self.output_patch.set_visible(True)
            self.no_output.set_text("")
            self.out_title.set_text(f"output {out}x{out}; highlighted: pixel ({i}, {j})")
            self.message = f"OH = (H + 2P - FH) / S + 1 = ({h} + 2*{p} - {f}) / {s} + 1 = {out}"
        else:
            self.output_image.set_visible(False)
            self.output_patch.set_visible(False)
            self.ax_out.grid(False, which="both")
            if n_fit:
                why = (f"({h} + 2*{p} - {f}) = {n - f} is not a multiple of S = {s}:\n"
                       f"the last filter would hang {lay['overhang']} pixel(s) over the edge\n"
                       f"(red dashed), or {lay['uncovered']} pixel(s) would never be seen.")
            else:
                why = f"the {f}x{f} filter is larger than the {n}x{n} padded input."
            self.no_output.set_text("no valid output size:\n" + why +
                                    "\nChange the padding, the stride or the filter size.")
            self.out_title.set_text("output: none (conv_output_size raises ValueError)")
            self.message = lay["error"]
        headline = self.message if out is not None else f"ValueError: {self.message}"
        self.suptitle.set_text(_wrap(headline, 120))

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def _wrap(text, width):
    """Break ``text`` into lines of at most ``width`` characters at spaces."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(lines)


# --------------------------------------------------------------------------- the backward pass


def backward_layout(input_size, filter_size, stride, pad, position=0):
    """What flows back through a 1-channel convolution with the filter ``w[p, q] = p*F + q + 1``.

    Returns a dict:

    - ``"error"``: None, or the message of the ``ValueError`` that
      :func:`dlcourse.cnn.conv_output_size` raises (the filter does not tile the padded input); the
      results below then use the placements that fit, as a framework that rounds down would, or are
      None when the filter is larger than the padded input;
    - ``"output_size"``, ``"starts"`` (first padded pixel of every placement), ``"window"`` (the
      output pixel ``(i, j)`` chosen by ``position``, in raster order), ``"filter"`` (F, F);
    - ``"one"``: dL/dx_padded (padded size) for dout = 1 at that output pixel only: the filter
      pasted onto its window (the scatter view of the backward pass);
    - ``"added"``: dL/dx (H, H) for dout = 1 everywhere, overlapping copies ADDED (the right
      gradient, what :func:`dlcourse.cnn.col2im` computes; padding cropped);
    - ``"overwritten"``: what a col2im gives that writes each window's copy over the previous
      ones (windows in raster order), cropped the same way;
    - ``"wrong"``: how many pixels of ``"overwritten"`` differ; ``"max_error"``: the largest
      difference; ``"unreached"``: input pixels that no window covers (they get no gradient).
    """
    h, f, s, p = (int(v) for v in (input_size, filter_size, stride, pad))
    n = h + 2 * p
    try:
        conv_output_size(h, f, s, p)
        error = None
    except ValueError as exc:
        error = str(exc)
    if f > n:
        return {"error": error, "output_size": None}
    out = (n - f) // s + 1
    w = np.arange(1.0, f * f + 1).reshape(f, f)
    k = min(max(int(position), 0), out * out - 1)
    i, j = divmod(k, out)
    one = np.zeros((n, n))
    one[i * s:i * s + f, j * s:j * s + f] = w
    added, over, covered = np.zeros((n, n)), np.zeros((n, n)), np.zeros((n, n), dtype=bool)
    for a in range(out):
        for b in range(out):
            window = (slice(a * s, a * s + f), slice(b * s, b * s + f))
            added[window] += w
            over[window] = w
            covered[window] = True
    added, over = added[p:p + h, p:p + h], over[p:p + h, p:p + h]
    diff = np.abs(over - added)
    return {"error": error, "output_size": out, "starts": np.arange(out) * s, "window": (i, j), "filter": w,
            "one": one, "added": added, "overwritten": over, "wrong": int(np.count_nonzero(diff)),
            "max_error": float(diff.max()) if diff.size else 0.0,
            "unreached": int(np.count_nonzero(~covered[p:p + h, p:p + h]))}


class ConvBackwardExplorer(_GeometrySliders):
    """Sliders for H, F, S, P and an output pixel -> the gradient that flows back to the input.

    Left: dout = 1 at one output pixel sends the filter's weights back onto the window it read
    (padding dotted; the part kept, the input, framed). Middle: dout = 1 at every output pixel:
    dx is the sum of all these copies (what col2im computes). Right: a col2im that overwrites
    instead of adding: wrong wherever windows overlap (stride < filter size), framed in red.
    When the filter does not tile the padded input, the headline says so and the panels use the
    windows that fit, as a framework that rounds the output size down does.

    Attributes: the sliders ``input_size``, ``filter_size``, ``stride``, ``pad``, ``position``;
    ``layout`` (the last :func:`backward_layout`), ``message`` (the figure's headline), ``widget``.
    """

    MAX_INPUT = 9
    MAX_FILTER = 5
    MAX_STRIDE = 4
    MAX_PAD = 2

    def __init__(self, input_size=5, filter_size=3, stride=2, pad=0):
        self._make_sliders(input_size, filter_size, stride, pad, min_input=2, filter_label="filter size F")

        self.fig, axes = new_figure(figsize=(11, 4.4), ncols=3)
        self.ax_one, self.ax_add, self.ax_over = axes
        self.fig.subplots_adjust(left=0.02, right=0.98, top=0.78, bottom=0.03, wspace=0.12)
        empty = np.zeros((1, 1))
        self.images = [ax.imshow(empty, cmap="Oranges", vmin=0, vmax=1, interpolation="nearest")
                       for ax in axes]
        self.window_patch = Rectangle((0, 0), 1, 1, fill=False, edgecolor="C0", linewidth=2.5)
        self.crop_patch = Rectangle((0, 0), 1, 1, fill=False, edgecolor="k", linewidth=1.5, linestyle="--")
        self.ax_one.add_patch(self.window_patch)
        self.ax_one.add_patch(self.crop_patch)
        self.titles = [ax.set_title("", fontsize=9) for ax in axes]
        self.texts: list = []
        self.marks: list = []
        self.suptitle = self.fig.suptitle("", fontsize=9)
        self._finish(axes)

    @classmethod
    def bench_cases(cls):
        """Controls and values whose callbacks the widget benchmark times."""
        return [("stride", 1), ("filter_size", 5), ("pad", 1), ("input_size", 7), ("position", 2)]

    def update(self):
        """Recompute for the current sliders and redraw in place."""
        if self._updating:  # changing position.max re-enters through the observer
            return
        self._updating = True
        try:
            self._update()
        finally:
            self._updating = False
        self.view.refresh()

    def _show(self, k, ax, a, vmax, numbers=True):
        img = self.images[k]
        img.set_data(a)
        img.set_clim(0, vmax)
        n_rows, n_cols = a.shape
        img.set_extent((-0.5, n_cols - 0.5, n_rows - 0.5, -0.5))
        img.set_visible(True)
        ConvolutionExplorer._grid(ax, n_rows, n_cols)
        if numbers and np.count_nonzero(a) <= 36:  # a number costs ~1.5 ms to draw: only a few of them
            size = 9 if max(n_rows, n_cols) <= 6 else 8
            for (i, j), v in np.ndenumerate(a):
                if v:
                    self.texts.append(ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=size))

    def _update(self):
        for artist in self.texts + self.marks:
            artist.remove()
        self.texts, self.marks = [], []
        h, f, s, p = (int(c.value) for c in (self.input_size, self.filter_size, self.stride, self.pad))
        lay = backward_layout(h, f, s, p, self.position.value)
        self.layout = lay
        if lay["output_size"] is None:
            for img in self.images:
                img.set_visible(False)
            self.window_patch.set_visible(False)
            self.crop_patch.set_visible(False)
            for t in self.titles:
                t.set_text("")
            self.message = f"ValueError: {lay['error']}"
            self.suptitle.set_text(_wrap(self.message, 140))
            return
        out = lay["output_size"]
        self.position.max = out * out - 1
        n = h + 2 * p
        i, j = lay["window"]
        top = float(max(lay["added"].max(), lay["one"].max(), 1.0))
        self._show(0, self.ax_one, lay["one"], top)
        self.window_patch.set_xy((j * s - 0.5, i * s - 0.5))
        self.window_patch.set_width(f)
        self.window_patch.set_height(f)
        self.window_patch.set_visible(True)
        self.crop_patch.set_xy((p - 0.5, p - 0.5))
        self.crop_patch.set_width(h)
        self.crop_patch.set_height(h)
        self.crop_patch.set_visible(p > 0)
        if p:
            pad_mask = np.ones((n, n), dtype=bool)
            pad_mask[p:p + h, p:p + h] = False
            ys, xs = np.nonzero(pad_mask)
            (dots,) = self.ax_one.plot(xs + 0.3, ys - 0.3, "s", color="0.6", markersize=3)
            self.marks.append(dots)
        self._show(1, self.ax_add, lay["added"], top)
        self._show(2, self.ax_over, lay["overwritten"], top)
        wrong = np.nonzero(lay["overwritten"] != lay["added"])
        if wrong[0].size:
            (frames,) = self.ax_over.plot(wrong[1], wrong[0], "s", markersize=max(4, 120 // h),
                                          markerfacecolor="none", markeredgecolor="red", markeredgewidth=1.5)
            self.marks.append(frames)
        self.titles[0].set_text(f"dout = 1 at output pixel ({i}, {j}) of {out}x{out}:\n"
                                f"the filter goes back onto its window"
                                + ("\n(dots: padding, cropped away)" if p else ""))
        self.titles[1].set_text("dout = 1 everywhere: dx = sum of all copies\n(col2im adds)")
        self.titles[2].set_text("a col2im that overwrites\n(red: wrong)")
        if f > s and out > 1:
            self.message = (f"stride {s} < filter size {f}: windows overlap; the overwriting col2im is wrong at "
                            f"{lay['wrong']} of {h * h} pixels (largest error {lay['max_error']:g}).")
        else:
            why = f"stride {s} >= filter size {f}" if out > 1 else "one window only"
            self.message = (f"{why}: no pixel is in two windows, so overwriting happens to give the same dx "
                            f"({lay['wrong']} pixels differ).")
            if lay["unreached"] and lay["error"] is None:
                self.message += (f" With the stride larger than the filter, {lay['unreached']} input pixel(s) lie "
                                 "between the windows and get no gradient.")
        if lay["error"] is not None:
            left = (f"{lay['unreached']} input pixel(s) lie in no window and get no gradient at all"
                    if lay["unreached"] else "only padding is left out")
            self.message += (f" Not tiling: {h} + 2*{p} - {f} = {n - f} is not a multiple of {s}; this course "
                             f"raises, PyTorch rounds down and keeps the {out}x{out} placements that fit: {left}.")
        self.suptitle.set_text(_wrap(self.message, 140))

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
