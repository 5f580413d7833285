"""Chapter 6 (CNN): grading round trip of the graded notebook, the explorer, the figures' helpers.

The graded notebook is graded by nbgrader itself (tests/gradingkit.py): the source solutions and
alternative correct implementations must get full marks; each typical mistake must lose points in
the cells that test it, and only there, with a message that names the mistake.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradingkit import grade_variants

CHAPTER = "ch06_cnn"

# --------------------------------------------------------------------------- alternatives

ALT_CONV_OUTPUT_SIZE = '''
def conv_output_size(input_size, filter_size, stride, pad):
    padded = input_size + 2 * pad
    steps, rest = divmod(padded - filter_size, stride)
    if filter_size > padded or rest:
        raise ValueError(f"H={input_size}, FH={filter_size}, S={stride}, P={pad}: no exact tiling")
    return int(steps) + 1
'''

ALT_QUIZ = '''
answer = conv_output_size(6, 2, 1, 1)
'''

ALT_IM2COL_LOOPS = '''
def im2col(x, filter_h, filter_w, stride, pad):
    n, c, h, w = x.shape
    oh = (h + 2 * pad - filter_h) // stride + 1
    ow = (w + 2 * pad - filter_w) // stride + 1
    xp = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=x.dtype)
    xp[:, :, pad:pad + h, pad:pad + w] = x
    col = np.zeros((n * oh * ow, c * filter_h * filter_w), dtype=x.dtype)
    row = 0
    for a in range(n):
        for i in range(oh):
            for j in range(ow):
                col[row] = xp[a, :, i * stride:i * stride + filter_h, j * stride:j * stride + filter_w].ravel()
                row += 1
    return col
'''

ALT_IM2COL_WINDOWS = '''
from numpy.lib.stride_tricks import sliding_window_view

def im2col(x, filter_h, filter_w, stride, pad):
    n, c = x.shape[:2]
    xp = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], mode="constant")
    win = sliding_window_view(xp, (filter_h, filter_w), axis=(2, 3))[:, :, ::stride, ::stride]
    oh, ow = win.shape[2], win.shape[3]
    return np.ascontiguousarray(win.transpose(0, 2, 3, 1, 4, 5)).reshape(n * oh * ow, -1)
'''

ALT_CONV_EINSUM = '''
from numpy.lib.stride_tricks import sliding_window_view

def conv2d_forward(x, W, b, stride, pad):
    fh, fw = W.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = sliding_window_view(xp, (fh, fw), axis=(2, 3))[:, :, ::stride, ::stride]  # N C OH OW FH FW
    out = np.einsum("ncijpq,fcpq->nfij", win, W) + b[None, :, None, None]
    return out.astype(x.dtype, copy=False), {"x": x, "W": W}
'''

ALT_MAX_POOL_LOOPS = '''
def max_pool_forward(x, pool_h, pool_w, stride):
    n, c, h, w = x.shape
    oh = 1 + (h - pool_h) // stride
    ow = 1 + (w - pool_w) // stride
    out = np.empty((n, c, oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            win = x[:, :, i * stride:i * stride + pool_h, j * stride:j * stride + pool_w]
            out[:, :, i, j] = win.reshape(n, c, -1).max(axis=2)
    return out, None
'''

ALT_MAX_POOL_WINDOWS = '''
from numpy.lib.stride_tricks import sliding_window_view

def max_pool_forward(x, pool_h, pool_w, stride):
    win = sliding_window_view(x, (pool_h, pool_w), axis=(2, 3))[:, :, ::stride, ::stride]
    return win.max(axis=(4, 5)), (x, pool_h, pool_w, stride)
'''

# --------------------------------------------------------------------------- bugs

BUG_PAD_ONCE = '''
def conv_output_size(input_size, filter_size, stride, pad):
    span = input_size + pad - filter_size
    if span < 0 or span % stride:
        raise ValueError(f"{input_size}, {filter_size}, {stride}, {pad}: does not tile")
    return span // stride + 1
'''

BUG_FLOAT_DIVISION = '''
def conv_output_size(input_size, filter_size, stride, pad):
    span = input_size + 2 * pad - filter_size
    if span < 0 or span % stride:
        raise ValueError(f"{input_size}, {filter_size}, {stride}, {pad}: does not tile")
    return span / stride + 1
'''

BUG_MISSING_PLUS_ONE = '''
def conv_output_size(input_size, filter_size, stride, pad):
    span = input_size + 2 * pad - filter_size
    if span < 0 or span % stride:
        raise ValueError(f"{input_size}, {filter_size}, {stride}, {pad}: does not tile")
    return span // stride
'''

BUG_NO_TILING_CHECK = '''
def conv_output_size(input_size, filter_size, stride, pad):
    return (input_size + 2 * pad - filter_size) // stride + 1
'''

BUG_MESSAGE_WITHOUT_NUMBERS = '''
def conv_output_size(input_size, filter_size, stride, pad):
    span = input_size + 2 * pad - filter_size
    if span < 0 or span % stride:
        raise ValueError("the filter does not tile the input")
    return span // stride + 1
'''

BUG_QUIZ_PAD_ONCE = '''
answer = 6
'''

BUG_IM2COL_CHANNELS_LAST = '''
def im2col(x, filter_h, filter_w, stride, pad):
    n, c, h, w = x.shape
    oh = (h + 2 * pad - filter_h) // stride + 1
    ow = (w + 2 * pad - filter_w) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    col = np.empty((n, oh, ow, filter_h, filter_w, c), dtype=x.dtype)
    for p in range(filter_h):
        for q in range(filter_w):
            col[:, :, :, p, q, :] = xp[:, :, p:p + stride * oh:stride, q:q + stride * ow:stride].transpose(0, 2, 3, 1)
    return col.reshape(n * oh * ow, -1)
'''

BUG_IM2COL_PAD_ONE_SIDE = '''
def im2col(x, filter_h, filter_w, stride, pad):
    n, c, h, w = x.shape
    oh = (h + pad - filter_h) // stride + 1
    ow = (w + pad - filter_w) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, 0), (pad, 0)))
    col = np.empty((n, oh, ow, c, filter_h, filter_w), dtype=x.dtype)
    for p in range(filter_h):
        for q in range(filter_w):
            col[:, :, :, :, p, q] = xp[:, :, p:p + stride * oh:stride, q:q + stride * ow:stride].transpose(0, 2, 3, 1)
    return col.reshape(n * oh * ow, -1)
'''

BUG_IM2COL_ROWS_IJN = '''
def im2col(x, filter_h, filter_w, stride, pad):
    n, c, h, w = x.shape
    oh = (h + 2 * pad - filter_h) // stride + 1
    ow = (w + 2 * pad - filter_w) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    col = np.empty((oh, ow, n, c, filter_h, filter_w), dtype=x.dtype)
    for p in range(filter_h):
        for q in range(filter_w):
            col[:, :, :, :, p, q] = xp[:, :, p:p + stride * oh:stride, q:q + stride * ow:stride].transpose(2, 3, 0, 1)
    return col.reshape(n * oh * ow, -1)
'''

BUG_IM2COL_FLOAT64 = '''
def im2col(x, filter_h, filter_w, stride, pad):
    n, c, h, w = x.shape
    oh = (h + 2 * pad - filter_h) // stride + 1
    ow = (w + 2 * pad - filter_w) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    col = np.zeros((n, c, filter_h, filter_w, oh, ow))          # float64, whatever x is
    for p in range(filter_h):
        for q in range(filter_w):
            col[:, :, p, q, :, :] = xp[:, :, p:p + stride * oh:stride, q:q + stride * ow:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1)
'''

BUG_CONV_FLIPPED = '''
def conv2d_forward(x, W, b, stride, pad):
    n, c, h, w = x.shape
    fn, _, fh, fw = W.shape
    oh = (h + 2 * pad - fh) // stride + 1
    ow = (w + 2 * pad - fw) // stride + 1
    col = im2col(x, fh, fw, stride, pad)
    out = col @ W[:, :, ::-1, ::-1].reshape(fn, -1).T + b
    return out.reshape(n, oh, ow, fn).transpose(0, 3, 1, 2), None
'''

BUG_CONV_NO_TRANSPOSE = '''
def conv2d_forward(x, W, b, stride, pad):
    n, c, h, w = x.shape
    fn, _, fh, fw = W.shape
    oh = (h + 2 * pad - fh) // stride + 1
    ow = (w + 2 * pad - fw) // stride + 1
    col = im2col(x, fh, fw, stride, pad)
    out = col @ W.reshape(fn, -1).T + b
    return out.reshape(n, fn, oh, ow), None
'''

BUG_CONV_NO_BIAS = '''
def conv2d_forward(x, W, b, stride, pad):
    n, c, h, w = x.shape
    fn, _, fh, fw = W.shape
    oh = (h + 2 * pad - fh) // stride + 1
    ow = (w + 2 * pad - fw) // stride + 1
    out = im2col(x, fh, fw, stride, pad) @ W.reshape(fn, -1).T
    return out.reshape(n, oh, ow, fn).transpose(0, 3, 1, 2), None
'''

BUG_POOL_AVERAGE = '''
def max_pool_forward(x, pool_h, pool_w, stride):
    n, c, h, w = x.shape
    oh = (h - pool_h) // stride + 1
    ow = (w - pool_w) // stride + 1
    out = np.zeros((n, c, oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + pool_h, j * stride:j * stride + pool_w].mean(axis=(2, 3))
    return out, None
'''

BUG_POOL_OVER_CHANNELS = '''
def max_pool_forward(x, pool_h, pool_w, stride):
    n, c, h, w = x.shape
    oh = (h - pool_h) // stride + 1
    ow = (w - pool_w) // stride + 1
    out = np.zeros((n, c, oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + pool_h, j * stride:j * stride + pool_w].max(axis=(1, 2, 3))[:, None]
    return out, None
'''

BUG_POOL_STRIDE_IS_POOL = '''
def max_pool_forward(x, pool_h, pool_w, stride):
    n, c, h, w = x.shape
    oh, ow = h // pool_h, w // pool_w
    win = x[:, :, :oh * pool_h, :ow * pool_w].reshape(n, c, oh, pool_h, ow, pool_w)
    return win.max(axis=(3, 5)), None
'''

ALL_COS = {"test_conv_output_size_values", "test_conv_output_size_not_tiling"}
IM2COL = {"test_im2col_small", "test_im2col_general"}
CONV = {"test_conv2d_forward_small", "test_conv2d_forward_general"}
POOL = {"test_max_pool_forward_small", "test_max_pool_forward_general"}

# Each bug: (answer cell, code, cells that must lose points, (cell, substring of its failure text)).
BUGS = {
    "pad_once": ("conv_output_size", BUG_PAD_ONCE, {"test_conv_output_size_values"},
                 ("test_conv_output_size_values", "counting the padding once")),
    "float_division": ("conv_output_size", BUG_FLOAT_DIVISION, {"test_conv_output_size_values"},
                       ("test_conv_output_size_values", "float division")),
    "missing_plus_one": ("conv_output_size", BUG_MISSING_PLUS_ONE, {"test_conv_output_size_values"},
                         ("test_conv_output_size_values", "forgetting the + 1")),
    "no_tiling_check": ("conv_output_size", BUG_NO_TILING_CHECK, {"test_conv_output_size_not_tiling"},
                        ("test_conv_output_size_not_tiling", "does not tile")),
    "message_without_numbers": ("conv_output_size", BUG_MESSAGE_WITHOUT_NUMBERS,
                                {"test_conv_output_size_not_tiling"},
                                ("test_conv_output_size_not_tiling", "must name input_size, filter_size")),
    "quiz_pad_once": ("quiz_conv_output_size", BUG_QUIZ_PAD_ONCE, {"test_quiz_conv_output_size"},
                      ("test_quiz_conv_output_size", "padding counted once")),
    "im2col_channels_last": ("im2col", BUG_IM2COL_CHANNELS_LAST, {"test_im2col_small", "test_im2col_general"},
                             ("test_im2col_small", "(filter row, filter column, channel)")),
    "im2col_pad_one_side": ("im2col", BUG_IM2COL_PAD_ONE_SIDE, {"test_im2col_general"},
                            ("test_im2col_general", "Pad BOTH sides")),
    "im2col_rows_ijn": ("im2col", BUG_IM2COL_ROWS_IJN, {"test_im2col_general"},
                        ("test_im2col_general", "ordering the rows (i, j, n)")),
    "im2col_float64": ("im2col", BUG_IM2COL_FLOAT64, {"test_im2col_general"},
                       ("test_im2col_general", "expected dtype float32")),
    "conv_flipped": ("conv2d_forward", BUG_CONV_FLIPPED, CONV,
                     ("test_conv2d_forward_small", "flipping the filter")),
    "conv_no_transpose": ("conv2d_forward", BUG_CONV_NO_TRANSPOSE, {"test_conv2d_forward_general"},
                          ("test_conv2d_forward_general", "without transposing")),
    "conv_no_bias": ("conv2d_forward", BUG_CONV_NO_BIAS, CONV,
                     ("test_conv2d_forward_small", "forgetting the bias")),
    "pool_average": ("max_pool_forward", BUG_POOL_AVERAGE, POOL,
                     ("test_max_pool_forward_small", "average pooling")),
    "pool_over_channels": ("max_pool_forward", BUG_POOL_OVER_CHANNELS, {"test_max_pool_forward_general"},
                           ("test_max_pool_forward_general", "over the channels")),
    "pool_stride_is_pool": ("max_pool_forward", BUG_POOL_STRIDE_IS_POOL, {"test_max_pool_forward_general"},
                            ("test_max_pool_forward_general", "expected out of shape (1, 2, 3, 3)")),
}

# Bugs of different exercises are graded together (their cells are independent). im2col bugs
# also break conv2d_forward (the solution builds on im2col), so they never share a round with a
# conv2d_forward bug, and the conv2d cells are not checked in their rounds.
ROUNDS = {
    "bugs_a": ["pad_once", "quiz_pad_once", "conv_flipped", "pool_average"],
    "bugs_b": ["float_division", "conv_no_transpose", "pool_over_channels"],
    "bugs_c": ["missing_plus_one", "conv_no_bias", "pool_stride_is_pool"],
    "bugs_d": ["no_tiling_check", "im2col_channels_last"],
    "bugs_e": ["message_without_numbers", "im2col_pad_one_side"],
    "bugs_f": ["im2col_rows_ijn"],
    "bugs_g": ["im2col_float64"],
}

ALTERNATIVES = {
    "alt_a": {"conv_output_size": ALT_CONV_OUTPUT_SIZE, "quiz_conv_output_size": ALT_QUIZ,
              "im2col": ALT_IM2COL_LOOPS, "conv2d_forward": ALT_CONV_EINSUM,
              "max_pool_forward": ALT_MAX_POOL_LOOPS},
    "alt_b": {"im2col": ALT_IM2COL_WINDOWS, "max_pool_forward": ALT_MAX_POOL_WINDOWS},
}


def error_message(result, grade_id):
    """The assertion message shown under a graded cell (not the traceback, which quotes the
    test's source and would let any needle match)."""
    for cell in result.notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return "\n".join(f"{o.get('ename')}: {o.get('evalue')}" for o in cell.get("outputs", [])
                             if o.get("output_type") == "error")
    raise KeyError(grade_id)


@pytest.fixture(scope="module")
def graded():
    variants = {"solution": {}, **ALTERNATIVES}
    for rnd, bugs in ROUNDS.items():
        cells = [BUGS[b][0] for b in bugs]
        assert len(cells) == len(set(cells)), f"{rnd} replaces one answer cell twice"
        variants[rnd] = {BUGS[b][0]: BUGS[b][1] for b in bugs}
    return grade_variants(CHAPTER, variants)


@pytest.mark.slow
@pytest.mark.parametrize("student", ["solution", *ALTERNATIVES])
def test_correct_implementations_get_full_marks(graded, student):
    r = graded[student]
    assert r.failed == set(), r.summary()
    assert r.total == r.max_total == 17, r.summary()


@pytest.mark.slow
@pytest.mark.parametrize("rnd", list(ROUNDS))
def test_each_bug_loses_points_where_expected(graded, rnd):
    r = graded[rnd]
    expected = set().union(*(BUGS[b][2] for b in ROUNDS[rnd]))
    breaks_conv = any(BUGS[b][0] == "im2col" for b in ROUNDS[rnd])
    failed = r.failed - CONV if breaks_conv else r.failed
    assert failed == expected, f"{rnd}: expected failures in {sorted(expected)}\n{r.summary()}"
    for bug in ROUNDS[rnd]:
        cell, needle = BUGS[bug][3]
        text = error_message(r, cell)
        assert needle in text, f"{rnd}/{bug}: the failure of {cell} should say {needle!r}; it says:\n{text[-1500:]}"
    assert r.total < r.max_total


def test_every_listed_bug_is_graded():
    graded_bugs = [b for bugs in ROUNDS.values() for b in bugs]
    assert sorted(graded_bugs) == sorted(BUGS)


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
    figs = [pc.plot_edge_filters(img), pc.plot_pooling(), pc.plot_im2col(), pc.plot_ilsvrc(),
            pc.plot_filters(rng.standard_normal((6, 1, 5, 5))),
            pc.plot_feature_maps(img, rng.standard_normal((3, 1, 3, 3)), np.zeros(3))]
    for fig in figs:
        assert isinstance(fig, matplotlib.figure.Figure)
        fig.canvas.draw()
    # the pooling figure shows the max-pooled values of its default grid
    texts = {t.get_text() for t in figs[1].axes[1].texts}
    assert texts == {"6", "2", "3", "9"}
