"""Figures of chapter 6 (畳み込みニューラルネットワーク convolutional neural networks).

- :func:`plot_edge_filters`: a digit, two hand-made edge filters (横線 / 縦線), their feature
  maps, ReLU and 2x2 max pooling: what a convolution layer computes.
- :func:`plot_pooling`: max and average pooling (最大値 / 平均値プーリング) of a small grid, with
  the numbers written in.
- :func:`plot_im2col`: a tiny image and the matrix im2col makes of it, numbers written in.
- :func:`alexnet_shapes` / :data:`ALEXNET_LAYERS`: AlexNet's layer sizes, computed with the
  output-size formula (and why 224 does not work for the first layer).
- :func:`plot_channels`: why a filter has one weight slice per input channel (a red/green edge that
  the grey image does not show).
- :data:`ILSVRC_RESULTS` and :func:`plot_ilsvrc`: the ILSVRC winners, with the published top-5
  errors and the course note's rounded ones.
- :func:`plot_col2im_overlap`: the backward of im2col adds the copies of a pixel: how many
  windows cover each pixel, and what a col2im that overwrites keeps instead.
- :func:`input_gradient_by_convolution`, :func:`weight_gradient_by_convolution` and
  :func:`plot_backward_as_convolution`: the backward pass of a convolution is itself a
  convolution (scatter view and full-correlation view, with numbers).
- :func:`plot_max_pool_backward`, :func:`pooling_ties` and :func:`compare_tie_rules`: max pooling's
  backward routes each window's gradient to its maximum; how often windows tie, and what the rule for
  ties changes in a trained network.
- :func:`train_convnet`, :func:`plot_convnet_history`, :func:`plot_filters`,
  :func:`plot_feature_maps`: a ``SimpleConvNet`` trained on an MNIST subset and what its
  first layer learned.

Every plotting function returns the ``Figure`` it drew.
"""

from __future__ import annotations

import numpy as np

from dlcourse.cnn import col2im, conv_output_size, im2col
from dlcourse.figures import static_figure
from dlcourse.layers import (affine_backward, affine_forward, avg_pool_forward, conv2d_backward, conv2d_forward,
                             max_pool_backward, max_pool_forward, relu_backward, relu_forward,
                             softmax_cross_entropy_backward, softmax_cross_entropy_forward)

__all__ = [
    "EDGE_FILTERS", "plot_edge_filters", "plot_pooling", "plot_im2col", "colour_edge_image",
    "CHANNEL_FILTERS", "plot_channels", "ALEXNET_LAYERS", "alexnet_shapes", "ILSVRC_RESULTS",
    "HUMAN_TOP5_ERROR", "percent", "plot_ilsvrc", "plot_col2im_overlap", "input_gradient_by_convolution",
    "weight_gradient_by_convolution", "plot_backward_as_convolution", "plot_max_pool_backward", "pooling_ties",
    "compare_tie_rules", "train_convnet", "plot_convnet_history", "plot_filters", "plot_feature_maps"
]


# --------------------------------------------------------------------------- convolution

#: Two 3x3 filters: one answers to horizontal edges (横線), one to vertical edges (縦線).
EDGE_FILTERS = np.array([
    [[[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -1.0, -1.0]]],   # bright above, dark below
    [[[1.0, 0.0, -1.0], [1.0, 0.0, -1.0], [1.0, 0.0, -1.0]]],   # bright left, dark right
])


def plot_edge_filters(image, filters=EDGE_FILTERS, names=("horizontal edges", "vertical edges")):
    """Convolve one image with a few filters; show feature maps, ReLU and 2x2 max pooling.

    image: (H, W) one grey image; filters: (FN, 1, FH, FW). Uses
    :func:`dlcourse.layers.conv2d_forward` (stride 1, pad FH//2 so the size is kept),
    :func:`dlcourse.layers.relu_forward` and :func:`dlcourse.layers.max_pool_forward`.
    """
    image = np.asarray(image, dtype=np.float64)
    filters = np.asarray(filters, dtype=np.float64)
    x = image[None, None]
    fh = filters.shape[2]
    maps, _ = conv2d_forward(x, filters, np.zeros(len(filters)), stride=1, pad=fh // 2)
    relu, _ = relu_forward(maps)
    pooled, _ = max_pool_forward(relu, 2, 2, 2)
    fig, axes = static_figure((10, 2.4 * len(filters)), len(filters), 5)
    axes = np.atleast_2d(axes)
    for k in range(len(filters)):
        row = axes[k]
        row[0].imshow(image, cmap="gray")
        row[0].set_title(f"input {image.shape[0]}x{image.shape[1]}", fontsize=9)
        lim = np.abs(filters[k, 0]).max()
        row[1].imshow(filters[k, 0], cmap="bwr", vmin=-lim, vmax=lim)
        for (i, j), v in np.ndenumerate(filters[k, 0]):
            row[1].text(j, i, f"{v:g}", ha="center", va="center", fontsize=8)
        row[1].set_title(f"filter: {names[k]}", fontsize=9)
        m = np.abs(maps[0, k]).max() or 1.0
        row[2].imshow(maps[0, k], cmap="bwr", vmin=-m, vmax=m)
        row[2].set_title(f"feature map {maps.shape[2]}x{maps.shape[3]}", fontsize=9)
        row[3].imshow(relu[0, k], cmap="gray")
        row[3].set_title("after ReLU", fontsize=9)
        row[4].imshow(pooled[0, k], cmap="gray")
        row[4].set_title(f"2x2 max pool {pooled.shape[2]}x{pooled.shape[3]}", fontsize=9)
        for ax in row:
            ax.set_xticks([])
            ax.set_yticks([])
    return fig


def _annotated(ax, a, title, cmap="Blues", fmt="{:g}", vmax=None, signed=False):
    if signed:  # gradients: blue negative, white 0, red positive, on one symmetric scale
        m = vmax if vmax is not None else (float(np.abs(a).max()) or 1.0)
        ax.imshow(a, cmap="bwr", vmin=-1.8 * m, vmax=1.8 * m)
    else:
        ax.imshow(a, cmap=cmap, vmin=min(0.0, float(a.min())),
                  vmax=vmax if vmax is not None else (float(a.max()) or 1.0))
    for (i, j), v in np.ndenumerate(a):
        ax.text(j, i, fmt.format(v + 0.0), ha="center", va="center", fontsize=9)
    ax.set_xticks(np.arange(a.shape[1] + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(a.shape[0] + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="0.8" if signed else "white", linewidth=1.5)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    ax.set_title(title, fontsize=9)


def plot_pooling(x=None, pool=2, stride=2):
    """Max and average pooling of one small grid, numbers written in.

    x: (H, W) (default: a fixed 4x4 grid of small integers) -> figure with the input (its
    pooling windows outlined), the max-pooled and the average-pooled result.
    """
    if x is None:
        x = np.array([[1, 3, 2, 0], [4, 6, 1, 1], [0, 2, 9, 5], [3, 1, 4, 8]], dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    mx, _ = max_pool_forward(x[None, None], pool, pool, stride)
    av, _ = avg_pool_forward(x[None, None], pool, pool, stride)
    fig, (ax_in, ax_max, ax_avg) = static_figure((8, 2.8), 1, 3)
    _annotated(ax_in, x, f"input {x.shape[0]}x{x.shape[1]}, {pool}x{pool} windows, stride {stride}")
    from matplotlib.patches import Rectangle

    for i in range(mx.shape[2]):
        for j in range(mx.shape[3]):
            ax_in.add_patch(Rectangle((j * stride - 0.5, i * stride - 0.5), pool, pool, fill=False,
                                      edgecolor=f"C{(i * mx.shape[3] + j) % 10}", linewidth=2.5))
    _annotated(ax_max, mx[0, 0], "max pooling", cmap="Oranges")
    _annotated(ax_avg, av[0, 0], "average pooling", cmap="Greens", fmt="{:.2f}")
    return fig


def plot_im2col(x=None, filter_size=2, stride=1, pad=0):
    """A tiny image and its im2col matrix, every number written in.

    x: (N, C, H, W) (default: one 1-channel 3x3 image holding 1..9) -> figure with the padded
    image and ``im2col(x, filter_size, filter_size, stride, pad)``: one row per output pixel,
    one column per filter weight (channel, filter row, filter column).
    """
    if x is None:
        x = np.arange(1, 10, dtype=np.float64).reshape(1, 1, 3, 3)
    x = np.asarray(x, dtype=np.float64)
    col = im2col(x, filter_size, filter_size, stride, pad)
    padded = np.pad(x[0, 0], pad)
    fig, (ax_img, ax_col) = static_figure((8, 3.2), 1, 2, width_ratios=[1, 1.4])
    _annotated(ax_img, padded, f"image {x.shape[2]}x{x.shape[3]}, pad {pad} (channel 0 of image 0)")
    n, c, h, w = x.shape
    oh = conv_output_size(h, filter_size, stride, pad)
    ow = conv_output_size(w, filter_size, stride, pad)
    _annotated(ax_col, col, f"im2col: ({n}*{oh}*{ow}, {c}*{filter_size}*{filter_size}) = {col.shape}",
               cmap="Purples")
    ax_col.set_ylabel("output pixel (n, i, j)")
    ax_col.set_xlabel("filter weight (c, p, q)")
    return fig


def colour_edge_image(size=8):
    """A (3, size, size) RGB image: red on the left half, green on the right, blue 0.5 everywhere.

    Its grey version (the mean of the channels) is the same everywhere: the edge is in the colour only.
    """
    img = np.zeros((3, size, size))
    img[0, :, : size // 2] = 1.0
    img[1, :, size // 2:] = 1.0
    img[2] = 0.5
    return img


#: Two 3-channel vertical-edge filters (3, 3, 3): the same slice on every channel (a filter that
#: sees only the sum of the channels, i.e. the grey image), and the slice on the red channel only.
CHANNEL_FILTERS = np.stack([
    np.stack([EDGE_FILTERS[1, 0]] * 3),
    np.stack([EDGE_FILTERS[1, 0], np.zeros((3, 3)), np.zeros((3, 3))]),
])


def plot_channels(image=None, filters=CHANNEL_FILTERS, names=("same slice on R, G, B", "slice on R only")):
    """How a filter combines the channels: one weight slice per input channel, everything summed.

    image: (3, H, W) RGB (default :func:`colour_edge_image`); filters: (FN, 3, FH, FW). One row per
    filter: the image, the grey image, the filter's three slices and its feature map (one channel),
    computed with :func:`dlcourse.layers.conv2d_forward` (stride 1, no padding, so that the border
    of zeros adds no edges of its own).
    """
    image = colour_edge_image() if image is None else np.asarray(image, dtype=np.float64)
    filters = np.asarray(filters, dtype=np.float64)
    maps, _ = conv2d_forward(image[None], filters, np.zeros(len(filters)), stride=1, pad=0)
    fig, axes = static_figure((10, 2.2 * len(filters)), len(filters), 6)
    axes = np.atleast_2d(axes)
    grey = image.mean(axis=0)
    lim_map = float(np.abs(maps).max()) or 1.0
    for k, row in enumerate(axes):
        row[0].imshow(np.clip(image.transpose(1, 2, 0), 0, 1))
        row[0].set_title(f"RGB image {image.shape[1]}x{image.shape[2]}", fontsize=8)
        row[1].imshow(grey, cmap="gray", vmin=0, vmax=1)
        row[1].set_title("grey (mean of channels)", fontsize=8)
        lim = float(np.abs(filters[k]).max()) or 1.0
        for c, name in enumerate("RGB"):
            row[2 + c].imshow(filters[k, c], cmap="bwr", vmin=-lim, vmax=lim)
            for (i, j), v in np.ndenumerate(filters[k, c]):
                row[2 + c].text(j, i, f"{v:g}", ha="center", va="center", fontsize=7)
            row[2 + c].set_title(f"filter {k + 1}, slice {name}" + ("" if c else f"\n({names[k]})"), fontsize=8)
        row[5].imshow(maps[0, k], cmap="bwr", vmin=-lim_map, vmax=lim_map)
        row[5].set_title(f"feature map {maps.shape[2]}x{maps.shape[3]}\nlargest |value|: {np.abs(maps[0, k]).max():g}",
                         fontsize=8)
        for ax in row:
            ax.set_xticks([])
            ax.set_yticks([])
    return fig


# --------------------------------------------------------------------------- backward passes


def _window_outlines(ax, starts, size, colours=True):
    from matplotlib.patches import Rectangle

    k = 0
    for i in starts:
        for j in starts:
            ax.add_patch(Rectangle((j - 0.5 + 0.04 * (k % 2), i - 0.5 + 0.04 * (k % 2)), size, size, fill=False,
                                   linewidth=2.5, edgecolor=f"C{k % 10}" if colours else "k", zorder=3,
                                   linestyle="-" if k % 2 == 0 else "--"))
            k += 1


def plot_col2im_overlap(size=5, filter_size=3, stride=2, pad=0):
    """Why col2im must ADD: the copies of a pixel that im2col makes, counted.

    One (size x size) image, windows of ``filter_size`` moved by ``stride`` (pad per side).
    Panels: the padded image with every window outlined; ``col2im`` of a col of ones (how many
    windows copied each image pixel = the gradient each pixel gets when every copy's gradient is
    1); what a col2im that overwrites instead of adding returns for the same col (1 wherever a
    window reaches), with the pixels where the two differ marked.
    """
    n = size + 2 * pad
    oh = conv_output_size(size, filter_size, stride, pad)
    starts = [stride * i for i in range(oh)]
    shape = (1, 1, size, size)
    ones = np.ones((oh * oh, filter_size * filter_size))
    counts = col2im(ones, shape, filter_size, filter_size, stride, pad)[0, 0]
    overwritten = (counts > 0).astype(float)
    fig, (ax_win, ax_add, ax_over) = static_figure((10, 3.4), 1, 3)
    grid = np.zeros((n, n))
    grid[pad:pad + size, pad:pad + size] = 1.0
    ax_win.imshow(grid, cmap="Greys", vmin=0, vmax=4)
    ax_win.set_xticks(np.arange(n + 1) - 0.5, minor=True)
    ax_win.set_yticks(np.arange(n + 1) - 0.5, minor=True)
    ax_win.grid(which="minor", color="white", linewidth=1.5)
    _window_outlines(ax_win, starts, filter_size)
    ax_win.set_xlim(-0.6, n - 0.4)
    ax_win.set_ylim(n - 0.4, -0.6)
    ax_win.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    ax_win.set_title(f"{size}x{size} image, pad {pad}: {oh * oh} windows {filter_size}x{filter_size}, "
                     f"stride {stride}", fontsize=9)
    top = float(counts.max())
    _annotated(ax_add, counts, "col2im(ones): windows per pixel\n(the gradient each pixel must get)",
               cmap="Oranges", vmax=top)
    _annotated(ax_over, overwritten, "an overwriting col2im keeps one copy\n(red: wrong gradient)",
               cmap="Oranges", vmax=top)
    from matplotlib.patches import Rectangle

    for (i, j) in zip(*np.nonzero(overwritten != counts)):
        ax_over.add_patch(Rectangle((j - 0.45, i - 0.45), 0.9, 0.9, fill=False, edgecolor="red", linewidth=2,
                                    zorder=3))
    wrong = int(np.count_nonzero(overwritten != counts))
    fig.suptitle(f"im2col copies a pixel once per window that covers it; {wrong} of {size * size} pixels "
                 "are covered more than once", fontsize=10)
    return fig


def input_gradient_by_convolution(dout, W, stride=1, pad=0):
    """dL/dx of a convolution, computed as a convolution of dout (the transposed convolution).

    dout: (N, FN, OH, OW); W: (FN, C, FH, FW) -> dx: (N, C, H, W) with H = (OH - 1)*stride + FH - 2*pad
    (the input size, when the filter tiles the padded input). Steps:

    1. dilate dout: put ``stride - 1`` zeros between neighbouring entries (nothing to do for stride 1);
    2. pad it with FH - 1 (FW - 1) zeros on each side: the "full" correlation, every partial overlap;
    3. cross-correlate (``conv2d_forward``, stride 1) with W' = W with its first two axes swapped,
       (C, FN, FH, FW), and flipped in both spatial axes: W'[c, f, p, q] = W[f, c, FH-1-p, FW-1-q];
    4. the result is dL/dx_padded; drop ``pad`` rows and columns on each side.
    """
    dout = np.asarray(dout, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    n, fn, oh, ow = dout.shape
    _, c, fh, fw = W.shape
    dilated = np.zeros((n, fn, (oh - 1) * stride + 1, (ow - 1) * stride + 1))
    dilated[:, :, ::stride, ::stride] = dout
    full = np.pad(dilated, ((0, 0), (0, 0), (fh - 1, fh - 1), (fw - 1, fw - 1)))
    w_back = np.ascontiguousarray(W.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1])
    dx_padded, _ = conv2d_forward(full, w_back, np.zeros(c), stride=1, pad=0)
    h, w = dx_padded.shape[2] - 2 * pad, dx_padded.shape[3] - 2 * pad
    return dx_padded[:, :, pad:pad + h, pad:pad + w]


def weight_gradient_by_convolution(x, dout, stride=1, pad=0):
    """dL/dW of a convolution, computed as a convolution of the input with dout as the filter.

    x: (N, C, H, W); dout: (N, FN, OH, OW) -> dW: (FN, C, FH, FW). The images' axis N plays the
    part of the channels that are summed over: x_padded viewed as (C, N, H+2P, W+2P) is
    cross-correlated (stride 1) with dout viewed as FN filters (N, OH, OW), dilated by the stride;
    the (C, FN, FH, FW) result is transposed to (FN, C, FH, FW).
    """
    x = np.asarray(x, dtype=np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    n, fn, oh, ow = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    kernel = np.zeros((n, fn, (oh - 1) * stride + 1, (ow - 1) * stride + 1))
    kernel[:, :, ::stride, ::stride] = dout
    dw, _ = conv2d_forward(xp.transpose(1, 0, 2, 3), np.ascontiguousarray(kernel.transpose(1, 0, 2, 3)),
                           np.zeros(fn), stride=1, pad=0)
    return dw.transpose(1, 0, 2, 3)


def plot_backward_as_convolution(dout=None, w=None, stride=1):
    """One channel, one filter, no padding: dx two ways, every number written in.

    dout: (OH, OW) upstream gradient; w: (FH, FW) filter. Top row (scatter): each output pixel
    (i, j) sends dout[i, j] * w back onto the window it read; dx is the sum of these copies.
    Bottom row (gather): dout dilated by the stride, padded with F-1 zeros, cross-correlated with
    the flipped filter gives the same dx.
    """
    dout = np.array([[1.0, 2.0], [0.0, -1.0]]) if dout is None else np.asarray(dout, dtype=np.float64)
    w = np.array([[2.0, -1.0], [1.0, 3.0]]) if w is None else np.asarray(w, dtype=np.float64)
    oh, ow = dout.shape
    fh, fw = w.shape
    h, wd = (oh - 1) * stride + fh, (ow - 1) * stride + fw
    copies = []
    for i in range(oh):
        for j in range(ow):
            c = np.zeros((h, wd))
            c[i * stride:i * stride + fh, j * stride:j * stride + fw] = dout[i, j] * w
            copies.append(((i, j), c))
    dx = sum(c for _, c in copies)
    check = input_gradient_by_convolution(dout[None, None], w[None, None], stride=stride)[0, 0]
    if not np.allclose(check, dx):  # pragma: no cover - the two views are the same mathematics
        raise AssertionError("the scatter and the gather view disagree")
    dilated = np.zeros(((oh - 1) * stride + 1, (ow - 1) * stride + 1))
    dilated[::stride, ::stride] = dout
    full = np.pad(dilated, ((fh - 1, fh - 1), (fw - 1, fw - 1)))
    ncols = max(len(copies) + 2, 4)
    fig, axes = static_figure((1.9 * ncols, 4.6), 2, ncols)
    m = float(max(np.abs(dx).max(), np.abs(dout).max(), np.abs(w).max())) or 1.0
    _annotated(axes[0, 0], dout, "dout", signed=True, vmax=m)
    for k, ((i, j), c) in enumerate(copies):
        _annotated(axes[0, 1 + k], c, f"dout[{i},{j}] x w\nat window ({i},{j})", signed=True, vmax=m)
    _annotated(axes[0, 1 + len(copies)], dx, "sum = dx", signed=True, vmax=m)
    what = "dout" if stride == 1 else f"dout dilated ({stride - 1} zero between)"
    _annotated(axes[1, 0], full, f"{what}\n+ F-1 = {fh - 1} zero(s) around", signed=True, vmax=m)
    _annotated(axes[1, 1], w[::-1, ::-1], "flipped filter\nw[::-1, ::-1]", signed=True, vmax=m)
    _annotated(axes[1, 2], check, "cross-correlation\n= dx (the same)", signed=True, vmax=m)
    for ax in list(axes[0, 2 + len(copies):]) + list(axes[1, 3:]):
        ax.set_axis_off()
    fig.suptitle(f"Backward of a {fh}x{fw} convolution, stride {stride}: scatter (top) = full correlation "
                 "with the flipped filter (bottom)", fontsize=10)
    return fig


def plot_max_pool_backward(x=None, dout=None, pool=2, stride=2):
    """Max pooling's backward on one small grid, every number written in.

    x: (H, W) (default: the 4x4 grid of :func:`plot_pooling`); dout: (OH, OW). Panels: the
    input with its windows and, in each, the position that receives the gradient (the first
    maximum in row-major order) circled; dout; dx from :func:`dlcourse.layers.max_pool_backward`.
    """
    if x is None:
        x = np.array([[1, 3, 2, 0], [4, 6, 1, 1], [0, 2, 9, 5], [3, 1, 4, 8]], dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    out, cache = max_pool_forward(x[None, None], pool, pool, stride)
    dout = (np.arange(1.0, out.size + 1).reshape(out.shape[2:]) if dout is None
            else np.asarray(dout, dtype=np.float64))
    dx = max_pool_backward(dout[None, None], cache)[0, 0]
    fig, (ax_in, ax_d, ax_dx) = static_figure((9, 3.1), 1, 3,
                                              width_ratios=[x.shape[1], max(dout.shape[1], 2), x.shape[1]])
    _annotated(ax_in, x, f"input, {pool}x{pool} windows, stride {stride}\n(circled: where the gradient goes)",
               vmax=1.6 * float(np.abs(x).max() or 1.0))
    _window_outlines(ax_in, [stride * i for i in range(out.shape[2])], pool)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            win = x[i * stride:i * stride + pool, j * stride:j * stride + pool]
            p, q = divmod(int(np.argmax(win)), pool)
            ax_in.plot(j * stride + q, i * stride + p, "o", markersize=22, markerfacecolor="none",
                       markeredgecolor=f"C{(i * out.shape[3] + j) % 10}", markeredgewidth=2)
    m = float(max(np.abs(dout).max(), np.abs(dx).max())) or 1.0
    _annotated(ax_d, dout, "dout", signed=True, vmax=m)
    _annotated(ax_dx, dx, "dx: each window's dout at its maximum;\noverlapping windows add", signed=True, vmax=m)
    return fig


def pooling_ties(maps, pool=2, stride=2):
    """How often a max-pooling window has a tie: maps (N, C, H, W) -> dict of fractions.

    ``"tied"``: windows whose maximum occurs more than once; ``"tied_at_zero"``: tied windows whose
    maximum is 0 (after a ReLU: every entry of the window is 0); ``"tied_positive"``: tied windows
    with a positive maximum (the only ties whose gradient can survive a ReLU in front of the pool).
    """
    maps = np.asarray(maps)
    n, c, h, w = maps.shape
    windows = im2col(maps.reshape(n * c, 1, h, w), pool, pool, stride, 0)
    top = windows.max(axis=1)
    tied = np.count_nonzero(windows == top[:, None], axis=1) > 1
    total = len(windows)
    return {"windows": total, "tied": float(np.mean(tied)), "tied_at_zero": float(np.mean(tied & (top == 0))),
            "tied_positive": float(np.mean(tied & (top > 0)))}


def compare_tie_rules(net, x, t):
    """The gradients of a ``SimpleConvNet`` with two rules for ties in max pooling.

    net: a :class:`dlcourse.network.SimpleConvNet` (2x2 pooling, stride 2); x: (N, C, H, W); t: (N,)
    labels. The loss and its gradients are computed (in float64) with the pure layer functions of
    :mod:`dlcourse.layers`, once with this course's rule (a tied window's gradient goes to its FIRST
    maximum in row-major order) and once with the LAST maximum (the same pooling applied to the maps
    flipped in both axes). Returns a dict: ``"routed_differently"``, the share of the conv layer's
    output positions whose gradient differs between the two rules, and ``"dW1"``, ``"db1"``, the
    largest difference of those gradients relative to their largest entry.
    """
    p = {k: np.asarray(v, dtype=np.float64) for k, v in net.params.items()}
    cp = net.conv_param
    x = np.asarray(x, dtype=np.float64)
    n = len(x)

    def gradients(flip):
        conv, conv_cache = conv2d_forward(x, p["W1"], p["b1"], stride=cp["stride"], pad=cp["pad"])
        maps, relu_cache = relu_forward(conv)
        source = maps[:, :, ::-1, ::-1] if flip else maps
        pooled, pool_cache = max_pool_forward(source, 2, 2, 2)
        if flip:
            pooled = pooled[:, :, ::-1, ::-1]
        hidden, cache2 = affine_forward(pooled.reshape(n, -1), p["W2"], p["b2"])
        act, relu2_cache = relu_forward(hidden)
        logits, cache3 = affine_forward(act, p["W3"], p["b3"])
        _, loss_cache = softmax_cross_entropy_forward(logits, t)
        d, _, _ = affine_backward(softmax_cross_entropy_backward(1.0, loss_cache), cache3)
        d, _, _ = affine_backward(relu_backward(d, relu2_cache), cache2)
        d = d.reshape(pooled.shape)
        if flip:
            d = max_pool_backward(np.ascontiguousarray(d[:, :, ::-1, ::-1]), pool_cache)[:, :, ::-1, ::-1]
        else:
            d = max_pool_backward(d, pool_cache)
        dmaps = d
        _, dW1, db1 = conv2d_backward(relu_backward(dmaps, relu_cache), conv_cache)
        return dmaps, dW1, db1

    first, last = gradients(False), gradients(True)

    def rel(a, b):
        return float(np.abs(a - b).max() / (np.abs(a).max() or 1.0))

    return {"routed_differently": float(np.mean(first[0] != last[0])), "dW1": rel(first[1], last[1]),
            "db1": rel(first[2], last[2])}


# --------------------------------------------------------------------------- AlexNet

#: AlexNet (Krizhevsky, Sutskever & Hinton 2012) as one column (the paper splits it over 2 GPUs).
#: ("conv", name, filters, size, stride, pad) / ("pool", name, size, stride) / ("fc", name, units).
ALEXNET_LAYERS = [
    ("conv", "conv1", 96, 11, 4, 0),
    ("pool", "pool1", 3, 2),
    ("conv", "conv2", 256, 5, 1, 2),
    ("pool", "pool2", 3, 2),
    ("conv", "conv3", 384, 3, 1, 1),
    ("conv", "conv4", 384, 3, 1, 1),
    ("conv", "conv5", 256, 3, 1, 1),
    ("pool", "pool5", 3, 2),
    ("fc", "fc6", 4096),
    ("fc", "fc7", 4096),
    ("fc", "fc8", 1000),
]


def alexnet_shapes(input_size=227, channels=3, layers=ALEXNET_LAYERS):
    """The output shape and weight count of every AlexNet layer, by the output-size formula.

    Returns a list of dicts ``{"layer", "shape" (C, H, W) or (units,), "params"}``. Raises
    the ValueError of :func:`dlcourse.cnn.conv_output_size` when a layer does not tile (as
    conv1 does not on the 224x224 input printed in the paper: (224 - 11)/4 + 1 = 54.25).
    Weights are counted without the paper's 2-GPU grouping.
    """
    shape = (channels, input_size, input_size)
    rows = [{"layer": "input", "shape": shape, "params": 0}]
    for spec in layers:
        kind, name = spec[0], spec[1]
        if kind == "conv":
            _, _, fn, f, s, p = spec
            size = conv_output_size(shape[1], f, s, p)
            params = fn * shape[0] * f * f + fn
            shape = (fn, size, size)
        elif kind == "pool":
            _, _, f, s = spec
            size = conv_output_size(shape[1], f, s, 0)
            params = 0
            shape = (shape[0], size, size)
        else:
            _, _, units = spec
            n_in = int(np.prod(shape))
            params = n_in * units + units
            shape = (units,)
        rows.append({"layer": name, "shape": shape, "params": params})
    return rows


# --------------------------------------------------------------------------- ILSVRC

#: ILSVRC classification winners (and two runners-up): ``"error"`` is the published top-5 error
#: of the entry, ``"note"`` the rounded value of the Day 2 course note's table (None where the
#: note gives none). ``"institution"`` is the one usually published; ``"note_institution"`` is
#: set where the course note names another.
ILSVRC_RESULTS = [
    {"year": 2012, "rank": 1, "model": "AlexNet", "error": 0.153, "note": 0.16,
     "institution": "University of Toronto"},
    {"year": 2012, "rank": 2, "model": "hand-made features (ISI)", "error": 0.262, "note": None,
     "institution": "University of Tokyo (Harada lab)"},
    {"year": 2013, "rank": 1, "model": "ZFNet (Clarifai)", "error": 0.117, "note": 0.12,
     "institution": "New York University / Clarifai"},
    {"year": 2014, "rank": 1, "model": "GoogLeNet", "error": 0.067, "note": 0.07, "institution": "Google"},
    {"year": 2014, "rank": 2, "model": "VGGNet", "error": 0.073, "note": 0.07,
     "institution": "University of Oxford"},
    {"year": 2015, "rank": 1, "model": "ResNet", "error": 0.036, "note": 0.036,
     "institution": "Microsoft Research"},
    {"year": 2016, "rank": 1, "model": "ensemble (Trimps-Soushen)", "error": 0.030, "note": 0.03,
     "institution": "Trimps-Soushen", "note_institution": "CUHK"},
    {"year": 2017, "rank": 1, "model": "SENet", "error": 0.023, "note": 0.023,
     "institution": "Momenta and University of Oxford", "note_institution": "Chinese Academy of Sciences"},
]

#: Top-5 error of one trained human annotator (Karpathy's 2014 experiment), about 5.1%.
HUMAN_TOP5_ERROR = 0.051


def percent(error):
    """A top-5 error as the figure and the lecture print it: ``0.153 -> "15.3%"``."""
    return f"{100 * error:.1f}%"


def plot_ilsvrc(results=ILSVRC_RESULTS, human=HUMAN_TOP5_ERROR):
    """Published top-5 error by year: winners as bars, runners-up as dots, each labelled with its value.

    The label of a winner also gives the course note's rounded value where it differs. A dashed
    line marks the human error ``human``.
    """
    fig, ax = static_figure((8.5, 3.8))
    winners = [r for r in results if r["rank"] == 1 and r["error"] is not None]
    others = [r for r in results if r["rank"] != 1 and r["error"] is not None]
    years = [r["year"] for r in winners]
    errors = [100 * r["error"] for r in winners]
    bars = ax.bar(years, errors, color=["C3" if r["model"] == "AlexNet" else "C0" for r in winners],
                  width=0.6, label="winner")
    for rect, r in zip(bars, winners):
        label = f"{r['model']}\n{percent(r['error'])}"
        if r.get("note") is not None and percent(r["note"]) != percent(r["error"]):
            label += f"\n(note: {r['note']:g})"
        ax.text(rect.get_x() + rect.get_width() / 2, rect.get_height() + 0.3, label, ha="center", va="bottom",
                fontsize=7.5)
    if others:
        ax.plot([r["year"] + 0.32 for r in others], [100 * r["error"] for r in others], "o",
                color="C1", label="runner-up")
        for r in others:
            ax.annotate(f"{r['model']} {percent(r['error'])}", (r["year"] + 0.32, 100 * r["error"]),
                        textcoords="offset points", xytext=(5, -3), fontsize=7, color="C1")
    if human is not None:
        ax.axhline(100 * human, color="k", linestyle="--", linewidth=1,
                   label=f"one trained human: {percent(human)}")
    ax.set_xticks(sorted(set(years)))
    ax.set_xlim(min(years) - 0.6, max(years) + 0.6)
    ax.set_ylim(0, max(errors + [100 * r["error"] for r in others]) * 1.25)
    ax.set_xlabel("year")
    ax.set_ylabel("top-5 error (%)")
    ax.set_title("ILSVRC image classification: published top-5 error by year", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    return fig


# --------------------------------------------------------------------------- SimpleConvNet


def train_convnet(x_train, t_train, x_test, t_test, *, iters=200, batch_size=100, lr=0.001,
                  filter_num=16, filter_size=5, hidden_size=100, rng, eval_every=50, eval_samples=1000,
                  progress=False):
    """Train a ``SimpleConvNet`` (conv - relu - pool - affine - relu - affine) with Adam.

    x_train: (N, 1, 28, 28) images; t_train: (N,) labels (likewise the test set).
    The network computes in ``x_train``'s dtype (float32 from ``load_mnist``). Returns
    ``(net, history)`` with the :class:`dlcourse.train.History` of :func:`dlcourse.train.train`.
    """
    from dlcourse.network import SimpleConvNet
    from dlcourse.optimizers import Adam
    from dlcourse.train import train

    net = SimpleConvNet(input_dim=tuple(x_train.shape[1:]),
                        conv_param={"filter_num": filter_num, "filter_size": filter_size,
                                    "pad": 0, "stride": 1},
                        hidden_size=hidden_size, output_size=10, rng=rng, dtype=x_train.dtype)
    history = train(net, Adam(lr=lr), x_train, t_train, x_test, t_test, iters=iters,
                    batch_size=batch_size, rng=rng, eval_every=eval_every,
                    eval_samples=eval_samples, progress=progress, desc="SimpleConvNet")
    return net, history


def plot_convnet_history(history):
    """Minibatch loss and train/test accuracy of a :class:`dlcourse.train.History`."""
    fig, (ax_loss, ax_acc) = static_figure((9, 3), 1, 2)
    ax_loss.plot(history.iterations, history.loss, linewidth=0.8)
    ax_loss.set_xlabel("iteration")
    ax_loss.set_ylabel("minibatch loss")
    ax_loss.set_yscale("log")
    ax_acc.plot(history.eval_iters, history.train_acc, "o-", label="train")
    if history.test_acc is not None:
        ax_acc.plot(history.eval_iters, history.test_acc, "s-", label="test")
    ax_acc.set_xlabel("iteration")
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_ylim(0, 1)
    ax_acc.legend()
    final = history.test_acc[-1] if history.test_acc is not None and len(history.test_acc) else None
    fig.suptitle("SimpleConvNet on an MNIST subset"
                 + (f": test accuracy {100 * final:.1f}%" if final is not None else ""), fontsize=10)
    return fig


def plot_filters(W, ncols=8, title="first-layer filters"):
    """Show the filters W: (FN, C, FH, FW) (channel 0), each scaled to its own range."""
    W = np.asarray(W)
    fn = W.shape[0]
    nrows = int(np.ceil(fn / ncols))
    fig, axes = static_figure((1.1 * ncols, 1.2 * nrows + 0.4), nrows, ncols)
    axes = np.atleast_1d(axes).ravel()
    for k, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if k < fn:
            ax.imshow(W[k, 0], cmap="gray")
        else:
            ax.set_axis_off()
    fig.suptitle(title, fontsize=10)
    return fig


def plot_feature_maps(image, W, b, stride=1, pad=0, ncols=8):
    """The ReLU feature maps of one image: (H, W) -> one panel per filter of W: (FN, 1, FH, FW)."""
    x = np.asarray(image, dtype=np.asarray(W).dtype)[None, None]
    maps, _ = conv2d_forward(x, W, b, stride=stride, pad=pad)
    maps, _ = relu_forward(maps)
    fn = maps.shape[1]
    nrows = int(np.ceil((fn + 1) / ncols))
    fig, axes = static_figure((1.1 * ncols, 1.2 * nrows + 0.4), nrows, ncols)
    axes = np.atleast_1d(axes).ravel()
    axes[0].imshow(image, cmap="gray")
    axes[0].set_title("input", fontsize=8)
    for k, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if 1 <= k <= fn:
            ax.imshow(maps[0, k - 1], cmap="viridis")
        elif k > fn:
            ax.set_axis_off()
    fig.suptitle(f"feature maps after ReLU ({maps.shape[2]}x{maps.shape[3]} each)", fontsize=10)
    return fig
