"""Chapter 6 (CNN): the graded notebook grades correctly (nbgrader round trip), the explorer, the figures' helpers.

The grading tests come from the chapter's record (chapters/ch06_cnn.py): the source solution and the
alternative correct answers get full marks; each known mistake loses points in the cells it names, with a
message that names it.
"""

from __future__ import annotations

import numpy as np
import pytest

from chapterkit import ChapterGradingTests
from conftest import REPO


class TestGrading(ChapterGradingTests):
    chapter = "ch06_cnn"


# --------------------------------------------------------------------------- explorer


def test_filter_layout_matches_the_formula():
    from dlcourse.widgets.convolution import filter_layout

    lay = filter_layout(6, 2, 1, 1)  # the 確認テスト
    assert lay["padded"] == 8 and lay["output_size"] == 7 and lay["error"] is None
    assert list(lay["starts"]) == list(range(7)) and lay["uncovered"] == 0 and lay["overhang"] == 0
    lay = filter_layout(7, 4, 2, 0)  # 3 is not a multiple of 2
    assert lay["output_size"] is None and "not divisible" in lay["error"]
    assert list(lay["starts"]) == [0, 2] and lay["uncovered"] == 1 and lay["overhang"] == 1
    lay = filter_layout(3, 7, 1, 1)  # filter larger than the padded input (5)
    assert lay["output_size"] is None and lay["starts"].size == 0 and "larger" in lay["error"]
    for h in range(1, 13):
        for f in range(1, 6):
            for s in range(1, 4):
                for p in range(0, 3):
                    lay = filter_layout(h, f, s, p)
                    n = h + 2 * p
                    brute = [a for a in range(n) if a % s == 0 and a + f <= n]
                    assert list(lay["starts"]) == brute
                    tiles = bool(brute) and brute[-1] + f == n
                    assert (lay["output_size"] == len(brute)) if tiles else lay["output_size"] is None


def test_convolution_explorer_redraws_for_every_control():
    from dlcourse.widgets.convolution import ConvolutionExplorer

    e = ConvolutionExplorer()
    assert "= 7" in e.message and e.output_image.get_array().shape == (7, 7)
    assert e.position.max == 48
    draws = e.view.draw_count

    e.position.value = 10  # output pixel (1, 3): the filter starts at padded pixel (1, 3)
    assert tuple(e.filter_patch.get_xy()) == (2.5, 0.5) and e.output_image.get_array()[1, 3] == 1
    e.input_size.value = 7  # 7 + 2 - 2 + 1 = 8
    assert e.output_image.get_array().shape == (8, 8) and e.padded_image.get_array().shape == (9, 9)
    e.pad.value = 0  # 7 - 2 + 1 = 6; padding cells disappear
    assert e.output_image.get_array().shape == (6, 6) and np.all(e.padded_image.get_array() == 1)
    e.stride.value = 2  # 7 - 2 = 5 is odd: does not tile
    assert e.layout["output_size"] is None and e.message.startswith("conv_output_size")
    assert e.overhang_patch.get_visible() and not e.output_image.get_visible()
    assert "hang 1 pixel" in e.no_output.get_text()
    e.filter_size.value = 3  # 7 - 3 = 4 is even: (4)/2 + 1 = 3
    assert e.layout["output_size"] == 3 and not e.overhang_patch.get_visible()
    corners = np.column_stack(e.corners.get_data())
    assert sorted(set(corners[:, 0] + 0.5)) == [0, 2, 4]
    assert e.view.draw_count >= draws + 5
    for attr, value in ConvolutionExplorer.bench_cases():
        getattr(e, attr).value = value


# --------------------------------------------------------------------------- figures' helpers


def test_alexnet_shapes_follow_the_output_size_formula():
    from dlcourse.plots.convolution import alexnet_shapes

    rows = {r["layer"]: r for r in alexnet_shapes(227)}
    assert rows["conv1"]["shape"] == (96, 55, 55) and rows["pool1"]["shape"] == (96, 27, 27)
    assert rows["pool5"]["shape"] == (256, 6, 6) and rows["fc8"]["shape"] == (1000,)
    assert rows["conv1"]["params"] == 96 * 3 * 11 * 11 + 96
    assert rows["fc6"]["params"] == 256 * 6 * 6 * 4096 + 4096
    with pytest.raises(ValueError, match="224"):
        alexnet_shapes(224)


def test_figures_draw():
    import matplotlib

    from dlcourse.plots import convolution as pc

    rng = np.random.default_rng(0)
    img = rng.random((12, 12))
    figs = [pc.plot_edge_filters(img), pc.plot_pooling(), pc.plot_im2col(), pc.plot_ilsvrc(), pc.plot_channels(),
            pc.plot_filters(rng.standard_normal((6, 1, 5, 5))),
            pc.plot_feature_maps(img, rng.standard_normal((3, 1, 3, 3)), np.zeros(3))]
    for fig in figs:
        assert isinstance(fig, matplotlib.figure.Figure)
        fig.canvas.draw()
    # the pooling figure shows the max-pooled values of its default grid
    texts = {t.get_text() for t in figs[1].axes[1].texts}
    assert texts == {"6", "2", "3", "9"}


def test_ilsvrc_figure_and_lecture_table_print_the_same_numbers():
    """The figure's labels are the published errors of the table, and the lecture's table prints them too."""
    import json

    from dlcourse.plots import convolution as pc

    fig = pc.plot_ilsvrc()
    labels = " ".join(t.get_text() for t in fig.axes[0].texts)
    lecture = "".join("".join(c["source"]) for c in json.loads(
        (REPO / "notebooks" / "ch06_cnn.ipynb").read_text(encoding="utf-8"))["cells"])
    rows = [line for line in lecture.splitlines() if line.startswith("| 20")]
    assert len(rows) == len(pc.ILSVRC_RESULTS)
    for r, line in zip(pc.ILSVRC_RESULTS, rows):
        shown = pc.percent(r["error"])
        assert shown in labels, (shown, labels)
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[0] == str(r["year"]) and cells[1] == str(r["rank"]) and cells[3] == shown, (r, line)
        assert cells[4] == ("—" if r["note"] is None else f"{r['note']:g}"), (r, line)
    assert "15.3%" in labels and "6.7%" in labels and "16.0%" not in labels and "7.0%" not in labels


def test_channel_figure_shows_what_per_channel_weights_see():
    from dlcourse.layers import conv2d_forward
    from dlcourse.plots import convolution as pc

    img = pc.colour_edge_image()
    assert np.allclose(img.mean(axis=0), img.mean())          # the grey image has no edge
    maps, _ = conv2d_forward(img[None], pc.CHANNEL_FILTERS, np.zeros(2), stride=1, pad=0)
    assert np.allclose(maps[0, 0], 0)                          # equal slices see only the grey image
    assert np.abs(maps[0, 1]).max() == 3 and np.count_nonzero(maps[0, 1]) == 2 * maps.shape[2]
    fig = pc.plot_channels()
    fig.canvas.draw()


def test_lecture_sends_students_to_their_release_copy():
    import json

    text = "".join("".join(c["source"]) for c in json.loads(
        (REPO / "notebooks" / "ch06_cnn.ipynb").read_text(encoding="utf-8"))["cells"])
    assert "source/ch06" not in text and "release/ch06_cnn/ch06_cnn.ipynb" in text
