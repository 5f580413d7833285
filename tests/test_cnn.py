"""Tests of dlcourse.cnn: output sizes and their errors, im2col layout, col2im as its adjoint."""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse.cnn import col2im, conv_output_size, im2col


# --------------------------------------------------------------------------- conv_output_size


@pytest.mark.parametrize(
    "args, expected",
    [
        ((6, 2, 1, 1), 7),  # the 確認テスト: 6x6 input, 2x2 filter, stride 1, pad 1
        ((28, 5, 1, 0), 24),  # SimpleConvNet on MNIST
        ((28, 3, 1, 1), 28),  # "same" padding
        ((24, 2, 2, 0), 12),  # 2x2 pooling, stride 2
        ((7, 3, 2, 0), 3),
        ((4, 3, 1, 0), 2),  # the book's 4x4 / 3x3 example
        ((5, 3, 2, 1), 3),
        ((1, 1, 1, 0), 1),
        ((1, 3, 1, 1), 1),  # the filter exactly covers the padded input
    ],
)
def test_conv_output_size_values(args, expected):
    got = conv_output_size(*args)
    assert got == expected and type(got) is int, (
        f"conv_output_size{args}: expected (H + 2*pad - FH) // stride + 1 = {expected} as an int, got {got!r}"
    )


def test_conv_output_size_accepts_numpy_integers():
    assert conv_output_size(np.int64(6), np.int32(2), np.int64(1), np.int8(1)) == 7


def test_not_divisible_by_stride_names_the_numbers_and_a_fix():
    with pytest.raises(ValueError) as info:
        conv_output_size(28, 5, 2, 0)
    msg = str(info.value)
    assert "28 + 2*0 - 5 = 23" in msg and "stride=2" in msg, msg
    assert "pad=" in msg or "filter_size=" in msg, "the message should say what to change: " + msg
    # the suggested pad really works
    with pytest.raises(ValueError, match=r"7 \+ 2\*0 - 3 = 4 is not divisible by stride=3.*pad=1"):
        conv_output_size(7, 3, 3, 0)
    assert conv_output_size(7, 3, 3, 1) == 3
    # with stride 2 and an odd span no padding helps: the message offers filter sizes instead
    with pytest.raises(ValueError, match=r"filter_size=4 or filter_size=2"):
        conv_output_size(6, 3, 2, 0)


def test_filter_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"filter \(7\) is larger than the padded input.*5 \+ 2\*0 = 5.*pad=1"):
        conv_output_size(5, 7, 1, 0)
    assert conv_output_size(5, 7, 1, 1) == 1


@pytest.mark.parametrize(
    "args, exc, pattern",
    [
        ((0, 2, 1, 0), ValueError, r"input_size must be positive.*got 0"),
        ((6, 0, 1, 0), ValueError, r"filter_size must be positive"),
        ((6, 2, 0, 0), ValueError, r"stride must be positive.*got 0"),
        ((6, 2, 1, -1), ValueError, r"pad must be non-negative.*got -1"),
        ((6.0, 2, 1, 0), TypeError, r"input_size must be an integer.*6\.0"),
        ((6, 2, 1.5, 0), TypeError, r"stride must be an integer"),
        ((6, 2, True, 0), TypeError, r"stride must be an integer"),
    ],
)
def test_conv_output_size_bad_arguments(args, exc, pattern):
    with pytest.raises(exc, match=pattern):
        conv_output_size(*args)


# --------------------------------------------------------------------------- im2col


def naive_im2col(x, fh, fw, stride, pad):
    """Independent reference: one row per output pixel, built with explicit loops."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    rows = []
    for i in range(n):
        for y in range(oh):
            for z in range(ow):
                rows.append(xp[i, :, y * stride : y * stride + fh, z * stride : z * stride + fw].ravel())
    return np.array(rows)


def test_im2col_hand_worked_layout():
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    expected = np.array([[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]], dtype=float)
    np.testing.assert_array_equal(im2col(x, 2, 2), expected,
                                  err_msg="row = one output pixel (row-major), columns = the 2x2 patch")
    # two channels: the columns list channel 0's patch, then channel 1's
    x2 = np.stack([x[0, 0], 10 * x[0, 0]])[None]
    col = im2col(x2, 2, 2, stride=1)
    np.testing.assert_array_equal(col[0], [0, 1, 3, 4, 0, 10, 30, 40])
    # padding adds zero rows/columns on every side
    col = im2col(np.ones((1, 1, 1, 1)), 3, 3, 1, 1)
    np.testing.assert_array_equal(col, [[0, 0, 0, 0, 1, 0, 0, 0, 0]])


@pytest.mark.parametrize("shape, fh, fw, stride, pad",
                         [((2, 3, 5, 5), 3, 3, 1, 0), ((2, 2, 6, 7), 2, 3, 2, 1), ((1, 3, 7, 7), 3, 3, 3, 1),
                          ((3, 1, 4, 4), 4, 4, 1, 0)])
def test_im2col_matches_naive_loops(shape, fh, fw, stride, pad):
    x = np.random.default_rng(0).standard_normal(shape)
    col = im2col(x, fh, fw, stride, pad)
    np.testing.assert_array_equal(col, naive_im2col(x, fh, fw, stride, pad))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_im2col_col2im_keep_dtype_and_do_not_modify_input(dtype):
    x = np.linspace(-1, 1, 2 * 3 * 4 * 4, dtype=dtype).reshape(2, 3, 4, 4)
    saved = x.copy()
    col = im2col(x, 3, 3, 1, 1)
    assert col.dtype == dtype and col.shape == (2 * 4 * 4, 3 * 9)
    col_saved = col.copy()
    img = col2im(col, x.shape, 3, 3, 1, 1)
    assert img.dtype == dtype and img.shape == x.shape
    np.testing.assert_array_equal(x, saved)
    np.testing.assert_array_equal(col, col_saved)
    col[...] = 7  # the result is a fresh array, not a view of x
    np.testing.assert_array_equal(x, saved)


# --------------------------------------------------------------------------- col2im


def test_col2im_counts_overlaps():
    # 3x3 image, 2x2 patches, stride 1: the centre pixel lies in all four patches
    counts = col2im(np.ones((4, 4)), (1, 1, 3, 3), 2, 2)
    np.testing.assert_array_equal(counts[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]],
                                  err_msg="col2im must ADD overlapping contributions, not overwrite them")


@pytest.mark.parametrize("shape, fh, fw, stride, pad",
                         [((2, 3, 5, 5), 3, 3, 1, 0), ((2, 2, 6, 7), 2, 3, 2, 1), ((1, 3, 7, 7), 3, 3, 3, 1),
                          ((2, 2, 5, 5), 3, 3, 1, 2), ((1, 1, 4, 4), 2, 2, 2, 0)])
def test_col2im_is_the_adjoint_of_im2col(shape, fh, fw, stride, pad):
    r = np.random.default_rng(1)
    x = r.standard_normal(shape)
    col = im2col(x, fh, fw, stride, pad)
    c = r.standard_normal(col.shape)
    lhs = np.sum(col * c)
    rhs = np.sum(x * col2im(c, shape, fh, fw, stride, pad))
    assert lhs == pytest.approx(rhs, rel=1e-12), "<im2col(x), c> must equal <x, col2im(c)>"


def test_col2im_of_non_overlapping_patches_inverts_im2col():
    x = np.random.default_rng(2).standard_normal((2, 3, 6, 4))
    np.testing.assert_array_equal(col2im(im2col(x, 2, 2, 2), x.shape, 2, 2, 2), x)


def test_shape_errors():
    with pytest.raises(ValueError, match=r"\(N, C, H, W\).*\(28, 28\)"):
        im2col(np.zeros((28, 28)), 3, 3)
    with pytest.raises(ValueError, match=r"col has shape \(4, 3\).*needs \(4, 4\)"):
        col2im(np.zeros((4, 3)), (1, 1, 3, 3), 2, 2)
    with pytest.raises(ValueError, match="not divisible by stride"):
        im2col(np.zeros((1, 1, 5, 5)), 2, 2, stride=2)
