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


# --------------------------------------------------------------------------- the backward passes (lecture helpers)


def test_backward_by_convolution_matches_the_backward_pass():
    from dlcourse.layers import conv2d_backward, conv2d_forward
    from dlcourse.plots import convolution as pc

    rng = np.random.default_rng(6)
    for xs, ws, stride, pad in [((2, 3, 8, 8), (4, 3, 3, 3), 1, 0), ((2, 3, 7, 7), (4, 3, 3, 3), 2, 1),
                                ((1, 2, 9, 7), (3, 2, 3, 1), 2, 2), ((2, 1, 6, 6), (2, 1, 2, 2), 2, 0)]:
        x, W = rng.standard_normal(xs), rng.standard_normal(ws)
        out, cache = conv2d_forward(x, W, rng.standard_normal(ws[0]), stride=stride, pad=pad)
        dout = rng.standard_normal(out.shape)
        dx, dW, _ = conv2d_backward(dout, cache)
        np.testing.assert_allclose(pc.input_gradient_by_convolution(dout, W, stride, pad), dx, atol=1e-12)
        np.testing.assert_allclose(pc.weight_gradient_by_convolution(x, dout, stride, pad), dW, atol=1e-12)


def test_backward_layout_counts_what_overwriting_loses():
    from dlcourse.cnn import col2im
    from dlcourse.widgets.convolution import backward_layout

    lay = backward_layout(5, 3, 2, 0, position=3)
    assert lay["output_size"] == 2 and lay["window"] == (1, 1)
    # dout = 1 everywhere: pixel (u, v) gets the sum of the filter entries that land on it
    assert lay["added"][2, 2] == 1 + 3 + 7 + 9 and lay["overwritten"][2, 2] == 1
    assert lay["wrong"] == 9 and lay["one"][2:5, 2:5].tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    for h in range(2, 9):
        for f in range(1, 5):
            for s in range(1, 4):
                for p in range(0, 3):
                    lay = backward_layout(h, f, s, p)
                    if lay["error"] is not None:
                        if lay["output_size"] is not None:  # rounded down: the last rows get nothing
                            assert lay["unreached"] == np.count_nonzero(lay["added"] == 0)
                        continue
                    out = lay["output_size"]
                    assert (lay["unreached"] > 0) == (s > f and out > 1), (h, f, s, p)  # gaps between windows
                    rows = np.tile(np.arange(1.0, f * f + 1), (out * out, 1))
                    np.testing.assert_array_equal(lay["added"], col2im(rows, (1, 1, h, h), f, f, s, p)[0, 0])
                    overlap = f > s and out > 1
                    assert (lay["wrong"] > 0) == overlap, (h, f, s, p)
    assert "does not tile" in backward_layout(5, 2, 2, 0)["error"] or "not divisible" in backward_layout(5, 2, 2, 0)["error"]


def test_conv_backward_explorer_redraws_for_every_control():
    from dlcourse.widgets.convolution import ConvBackwardExplorer

    e = ConvBackwardExplorer()
    assert "wrong at 9 of 25 pixels" in e.message and e.position.max == 3
    draws = e.view.draw_count
    e.stride.value = 3  # 5 - 3 = 2 is not a multiple of 3: the one window that fits; 2 rows and columns unreached
    assert "Not tiling" in e.message and e.layout["output_size"] == 1 and e.position.max == 0
    assert e.layout["unreached"] == 25 - 9 and "16 input pixel(s) lie in no window" in e.message
    e.filter_size.value = 2  # (5 - 2)/3 + 1 = 2: no overlap
    assert "no pixel is in two windows" in e.message and e.layout["wrong"] == 0 and "Not tiling" not in e.message
    e.input_size.value = 2
    e.filter_size.value = 5  # larger than the padded input: nothing to show
    assert e.message.startswith("ValueError") and not e.images[0].get_visible()
    e.input_size.value = 5
    e.filter_size.value = 2
    e.stride.value = 1
    e.pad.value = 1  # (5 + 2 - 2) + 1 = 6 windows per row, all overlapping
    assert e.position.max == 35 and e.crop_patch.get_visible() and e.layout["wrong"] > 0
    e.position.value = 7  # output pixel (1, 1): the filter lands on padded rows/columns 1..2
    assert e.layout["one"][1:3, 1:3].tolist() == [[1, 2], [3, 4]] and tuple(e.window_patch.get_xy()) == (0.5, 0.5)
    assert e.view.draw_count >= draws + 5
    for attr, value in ConvBackwardExplorer.bench_cases():
        getattr(e, attr).value = value


def test_pooling_ties_and_tie_rules():
    from dlcourse.network import SimpleConvNet
    from dlcourse.plots import convolution as pc

    maps = np.array([[[[0, 0, 2, 1], [0, 0, 2, 0], [3, 1, 5, 4], [0, 2, 1, 0]]]], dtype=float)
    ties = pc.pooling_ties(maps)
    assert ties["windows"] == 4 and ties["tied"] == 0.5 and ties["tied_at_zero"] == 0.25
    assert ties["tied_positive"] == 0.25
    # Images with a blank border: positive ties come from identical (zero) patches and change no weight gradient.
    rng = np.random.default_rng(2)
    x = np.zeros((6, 1, 12, 12))
    x[:, :, 4:8, 4:8] = rng.random((6, 1, 4, 4))
    net = SimpleConvNet(input_dim=(1, 12, 12), conv_param={"filter_num": 4, "filter_size": 3}, hidden_size=8,
                        rng=np.random.default_rng(3))
    net.params["b1"][:] = [0.1, -0.1, 0.2, 0.05]
    rules = pc.compare_tie_rules(net, x, rng.integers(0, 10, 6))
    assert rules["routed_differently"] > 0.05
    assert rules["dW1"] < 1e-12 and rules["db1"] < 1e-12


def test_backward_figures_draw():
    from dlcourse.plots import convolution as pc

    figs = [pc.plot_col2im_overlap(), pc.plot_col2im_overlap(3, 3, 1, 1), pc.plot_backward_as_convolution(),
            pc.plot_backward_as_convolution(w=np.arange(9.0).reshape(3, 3), stride=2),
            pc.plot_max_pool_backward(), pc.plot_max_pool_backward(np.arange(25.0).reshape(5, 5), pool=3, stride=2)]
    for fig in figs:
        fig.canvas.draw()
    # the col2im figure writes the counts of windows per pixel: 4 in the centre of 5x5 with 3x3 windows, stride 2
    assert "4" in {t.get_text() for t in figs[0].axes[1].texts}
    # max pooling's backward figure: dx of the default grid holds dout at the maxima 6, 2, 3, 9
    dx_texts = [t.get_text() for t in figs[4].axes[2].texts]
    assert sorted(v for v in dx_texts if v != "0") == ["1", "2", "3", "4"]
