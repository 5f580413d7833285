"""ch06_cnn: the record of the chapter, with the correct and wrong answers its grading tests use."""

from chapters import Chapter, Mistake

# ----------------------------------------------------------------------------- alternative correct code
ALT_SIZE_DIVMOD = '''
def conv_output_size(input_size, filter_size, stride, pad):
    padded = input_size + 2 * pad
    steps, rest = divmod(padded - filter_size, stride)
    if filter_size > padded or rest:
        raise ValueError(f"H={input_size}, FH={filter_size}, S={stride}, P={pad}: no exact tiling")
    return int(steps) + 1
'''

# The message of issue #10: a correct answer whose message ends with "pad 1." must not lose points.
ALT_SIZE_SENTENCE = '''
def conv_output_size(input_size, filter_size, stride, pad):
    if filter_size > input_size + 2 * pad:
        raise ValueError(f"Filter {filter_size} is too large for input {input_size} with stride {stride} and pad {pad}.")
    if (input_size + 2 * pad - filter_size) % stride:
        raise ValueError(f"The filter does not tile: input {input_size}, filter {filter_size}, stride {stride}, pad {pad}.")
    return int((input_size + 2 * pad - filter_size) / stride) + 1
'''

ALT_SIZE_FLOAT_NUMBERS = '''
def conv_output_size(input_size, filter_size, stride, pad):
    out = (input_size + 2.0 * pad - filter_size) / stride + 1
    if out < 1 or out != int(out):
        raise ValueError("bad geometry (H, F, S, P) = (%.1f, %.1f, %.1f, %.1f)" % (input_size, filter_size, stride, pad))
    return int(out)
'''

ALT_QUIZ_SHAPE_STRING = 'answer_shape = "64x16x12"\n'
ALT_QUIZ_SHAPE_ARRAY = 'answer_shape = np.array([64.0, 16.0, 12.0])\n'
ALT_QUIZ_SHAPE_COMPUTED = ('answer_shape = (64, conv_output_size(31, 7, 2, 3), conv_output_size(23, 7, 2, 3))\n')
ALT_QUIZ_PAD_STRING = 'answer_pad = " 2 "\n'
ALT_QUIZ_PAD_NUMPY = 'answer_pad = np.int64(2)\n'
ALT_QUIZ_FLOOR_STRING = 'answer_floor = "16, 0"\n'
ALT_QUIZ_FLOOR_LIST = 'answer_floor = [(32 + 2 - 3) // 2 + 1, 0.0]\n'

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
    return out.astype(x.dtype, copy=False), {"x": x, "W": W, "stride": stride, "pad": pad}
'''

ALT_CONV_LOOPS = '''
def conv2d_forward(x, W, b, stride, pad):
    n, c, h, w = x.shape
    fn, _, fh, fw = W.shape
    oh = (h + 2 * pad - fh) // stride + 1
    ow = (w + 2 * pad - fw) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.empty((n, fn, oh, ow), dtype=x.dtype)
    for f in range(fn):
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, :, i * stride:i * stride + fh, j * stride:j * stride + fw]
                out[:, f, i, j] = np.sum(patch * W[f], axis=(1, 2, 3)) + b[f]
    return out, (x, W, b, stride, pad)
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
    return out, (x, pool_h, pool_w, stride)
'''

ALT_MAX_POOL_WINDOWS = '''
from numpy.lib.stride_tricks import sliding_window_view

def max_pool_forward(x, pool_h, pool_w, stride):
    win = sliding_window_view(x, (pool_h, pool_w), axis=(2, 3))[:, :, ::stride, ::stride]
    return win.max(axis=(4, 5)), (x, pool_h, pool_w, stride)
'''

# ----------------------------------------------------------------------------- the mistakes
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

BUG_NO_PADDING = '''
def conv_output_size(input_size, filter_size, stride, pad):
    span = input_size - filter_size
    if span < 0 or span % stride:
        raise ValueError(f"{input_size}, {filter_size}, {stride}, {pad}: does not tile")
    return span // stride + 1
'''

BUG_FLOOR_LIKE_PYTORCH = '''
def conv_output_size(input_size, filter_size, stride, pad):
    return (input_size + 2 * pad - filter_size) // stride + 1
'''

BUG_NO_SIZE_CHECK = '''
def conv_output_size(input_size, filter_size, stride, pad):
    span = input_size + 2 * pad - filter_size
    if span % stride:
        raise ValueError(f"{input_size}, {filter_size}, {stride}, {pad}: does not tile")
    return span // stride + 1
'''

BUG_MESSAGE_WITHOUT_NUMBERS = '''
def conv_output_size(input_size, filter_size, stride, pad):
    span = input_size + 2 * pad - filter_size
    if span < 0 or span % stride:
        raise ValueError("the filter does not tile the input")
    return span // stride + 1
'''

BUG_MESSAGE_SPAN_ONLY = '''
def conv_output_size(input_size, filter_size, stride, pad):
    span = input_size + 2 * pad - filter_size
    if span < 0 or span % stride:
        raise ValueError(f"{span} is not a multiple of {stride}")
    return span // stride + 1
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

BUG_IM2COL_TRANSPOSED = '''
def im2col(x, filter_h, filter_w, stride, pad):
    n, c, h, w = x.shape
    oh = (h + 2 * pad - filter_h) // stride + 1
    ow = (w + 2 * pad - filter_w) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    rows = [xp[a, :, i * stride:i * stride + filter_h, j * stride:j * stride + filter_w].ravel()
            for a in range(n) for i in range(oh) for j in range(ow)]
    return np.array(rows, dtype=x.dtype).T                    # one COLUMN per output pixel
'''

_CONV_HEAD = '''
def conv2d_forward(x, W, b, stride, pad):
    n, c, h, w = x.shape
    fn, _, fh, fw = W.shape
    oh = (h + 2 * pad - fh) // stride + 1
    ow = (w + 2 * pad - fw) // stride + 1
    col = im2col(x, fh, fw, stride, pad)
'''

BUG_CONV_FLIPPED = _CONV_HEAD + '''    out = col @ W[:, :, ::-1, ::-1].reshape(fn, -1).T + b
    return out.reshape(n, oh, ow, fn).transpose(0, 3, 1, 2), (x, W, b, stride, pad, col)
'''

# The bug a student who followed the old instructions' hint only halfway makes: the reshape without the transpose.
BUG_CONV_NO_TRANSPOSE = _CONV_HEAD + '''    out = col @ W.reshape(fn, -1).T + b
    return out.reshape(n, fn, oh, ow), (x, W, b, stride, pad, col)
'''

BUG_CONV_W_RESHAPE = _CONV_HEAD + '''    out = col @ W.reshape(-1, fn) + b
    return out.reshape(n, oh, ow, fn).transpose(0, 3, 1, 2), (x, W, b, stride, pad, col)
'''

BUG_CONV_NO_BIAS = _CONV_HEAD + '''    out = col @ W.reshape(fn, -1).T
    return out.reshape(n, oh, ow, fn).transpose(0, 3, 1, 2), (x, W, b, stride, pad, col)
'''

BUG_CONV_FIRST_CHANNEL = '''
def conv2d_forward(x, W, b, stride, pad):
    n, c, h, w = x.shape
    fn, _, fh, fw = W.shape
    oh = (h + 2 * pad - fh) // stride + 1
    ow = (w + 2 * pad - fw) // stride + 1
    out = im2col(x[:, :1], fh, fw, stride, pad) @ W[:, :1].reshape(fn, -1).T + b
    return out.reshape(n, oh, ow, fn).transpose(0, 3, 1, 2), (x, W, b, stride, pad, im2col(x, fh, fw, stride, pad))
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
    return out, (x, pool_h, pool_w, stride)
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
    return out, (x, pool_h, pool_w, stride)
'''

BUG_POOL_STRIDE_IS_POOL = '''
def max_pool_forward(x, pool_h, pool_w, stride):
    n, c, h, w = x.shape
    oh, ow = h // pool_h, w // pool_w
    win = x[:, :, :oh * pool_h, :ow * pool_w].reshape(n, c, oh, pool_h, ow, pool_w)
    return win.max(axis=(3, 5)), (x, pool_h, pool_w, stride)
'''

BUG_POOL_MIN = '''
def max_pool_forward(x, pool_h, pool_w, stride):
    n, c, h, w = x.shape
    oh = (h - pool_h) // stride + 1
    ow = (w - pool_w) // stride + 1
    out = np.zeros((n, c, oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + pool_h, j * stride:j * stride + pool_w].min(axis=(2, 3))
    return out, (x, pool_h, pool_w, stride)
'''

# ----------------------------------------------------------------------------- the backward passes: alternatives
ALT_COL2IM_LOOPS = """
def col2im(col, input_shape, filter_h, filter_w, stride, pad):
    n, c, h, w = input_shape
    oh = (h + 2 * pad - filter_h) // stride + 1
    ow = (w + 2 * pad - filter_w) // stride + 1
    out = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=col.dtype)
    row = 0
    for a in range(n):
        for i in range(oh):
            for j in range(ow):
                out[a, :, i * stride:i * stride + filter_h, j * stride:j * stride + filter_w] += \\
                    col[row].reshape(c, filter_h, filter_w)
                row += 1
    return out[:, :, pad:h + pad, pad:w + pad]
"""

ALT_COL2IM_ADD_AT = """
def col2im(col, input_shape, filter_h, filter_w, stride, pad):
    n, c, h, w = input_shape
    oh = (h + 2 * pad - filter_h) // stride + 1
    ow = (w + 2 * pad - filter_w) // stride + 1
    a, i, j, ch, p, q = np.meshgrid(np.arange(n), np.arange(oh), np.arange(ow), np.arange(c), np.arange(filter_h),
                                    np.arange(filter_w), indexing="ij")
    grad = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=col.dtype)
    np.add.at(grad, (a.ravel(), ch.ravel(), (i * stride + p).ravel(), (j * stride + q).ravel()), col.ravel())
    return np.ascontiguousarray(grad[:, :, pad:pad + h, pad:pad + w])
"""

# A loop forward keeps only its inputs; its backward reads them (any cache works that the pair agrees on).
ALT_CONV_BACKWARD_LOOPS = """
def conv2d_backward(dout, cache):
    x, W, b, stride, pad = cache[:5]
    n, c, h, w = x.shape
    fn, _, fh, fw = W.shape
    oh, ow = dout.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dW = np.zeros_like(W)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride:i * stride + fh, j * stride:j * stride + fw]
            g = dout[:, :, i, j]                                              # (N, FN)
            dW += np.tensordot(g, patch, axes=([0], [0]))
            dxp[:, :, i * stride:i * stride + fh, j * stride:j * stride + fw] += np.tensordot(g, W, axes=([1], [0]))
    db = dout.sum(axis=(0, 2, 3))
    return dxp[:, :, pad:pad + h, pad:pad + w], dW, db
"""

ALT_CONV_BACKWARD_EINSUM = """
from numpy.lib.stride_tricks import sliding_window_view

def conv2d_backward(dout, cache):
    x, W, stride, pad = cache["x"], cache["W"], cache["stride"], cache["pad"]
    fh, fw = W.shape[2:]
    h, w = x.shape[2:]
    oh, ow = dout.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = sliding_window_view(xp, (fh, fw), axis=(2, 3))[:, :, ::stride, ::stride]
    dW = np.einsum("ncijpq,nfij->fcpq", win, dout)
    db = np.einsum("nfij->f", dout)
    dxp = np.zeros_like(xp)
    contrib = np.einsum("nfij,fcpq->ncijpq", dout, W)
    for p in range(fh):
        for q in range(fw):
            dxp[:, :, p:p + stride * oh:stride, q:q + stride * ow:stride] += contrib[:, :, :, :, p, q]
    return dxp[:, :, pad:pad + h, pad:pad + w], dW, db
"""

# The backward of a convolution as a convolution (the lecture's transposed view), with the student's own forward.
ALT_CONV_BACKWARD_TRANSPOSED = """
def conv2d_backward(dout, cache):
    x, W, b, stride, pad, col = cache
    n, fn, oh, ow = dout.shape
    _, c, fh, fw = W.shape
    h, w = x.shape[2:]
    dilated = np.zeros((n, fn, (oh - 1) * stride + 1, (ow - 1) * stride + 1), dtype=dout.dtype)
    dilated[:, :, ::stride, ::stride] = dout
    full = np.pad(dilated, ((0, 0), (0, 0), (fh - 1, fh - 1), (fw - 1, fw - 1)))
    flipped = np.ascontiguousarray(W.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1])
    dxp, _ = conv2d_forward(full, flipped, np.zeros(c, dtype=W.dtype), 1, 0)
    dx = dxp[:, :, pad:pad + h, pad:pad + w]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dW_t, _ = conv2d_forward(xp.transpose(1, 0, 2, 3), np.ascontiguousarray(dilated.transpose(1, 0, 2, 3)),
                             np.zeros(fn, dtype=W.dtype), 1, 0)
    return dx, dW_t.transpose(1, 0, 2, 3), dout.sum(axis=(0, 2, 3))
"""

ALT_MAX_POOL_BACKWARD_LOOPS = """
def max_pool_backward(dout, cache):
    x, pool_h, pool_w, stride = cache
    n, c, oh, ow = dout.shape
    dx = np.zeros_like(x, dtype=dout.dtype)
    for a in range(n):
        for ch in range(c):
            for i in range(oh):
                for j in range(ow):
                    window = x[a, ch, i * stride:i * stride + pool_h, j * stride:j * stride + pool_w]
                    k = np.argmax(window)
                    dx[a, ch, i * stride + k // pool_w, j * stride + k % pool_w] += dout[a, ch, i, j]
    return dx
"""

ALT_MAX_POOL_BACKWARD_WINDOWS = """
from numpy.lib.stride_tricks import sliding_window_view

def max_pool_backward(dout, cache):
    x, pool_h, pool_w, stride = cache
    n, c, oh, ow = dout.shape
    win = sliding_window_view(x, (pool_h, pool_w), axis=(2, 3))[:, :, ::stride, ::stride]
    k = win.reshape(n, c, oh, ow, -1).argmax(axis=-1)
    rows = np.arange(oh)[:, None] * stride + k // pool_w
    cols = np.arange(ow)[None, :] * stride + k % pool_w
    dx = np.zeros(x.shape, dtype=dout.dtype)
    nn, cc = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
    np.add.at(dx, (nn[:, :, None, None], cc[:, :, None, None], rows, cols), dout)
    return dx
"""

# The forward keeps the positions of the maxima (as the book does) and the backward only scatters.
ALT_MAX_POOL_FORWARD_ARGMAX = """
def max_pool_forward(x, pool_h, pool_w, stride):
    n, c, h, w = x.shape
    oh = (h - pool_h) // stride + 1
    ow = (w - pool_w) // stride + 1
    windows = np.stack([x[:, :, p:p + stride * oh:stride, q:q + stride * ow:stride]
                        for p in range(pool_h) for q in range(pool_w)], axis=-1)
    where = windows.argmax(axis=-1)
    out = np.take_along_axis(windows, where[..., None], axis=-1)[..., 0]
    return out, {"shape": x.shape, "where": where, "pool": (pool_h, pool_w, stride)}
"""

ALT_MAX_POOL_BACKWARD_ARGMAX = """
def max_pool_backward(dout, cache):
    pool_h, pool_w, stride = cache["pool"]
    where = cache["where"]
    oh, ow = dout.shape[2:]
    dx = np.zeros(cache["shape"], dtype=dout.dtype)
    for k in range(pool_h * pool_w):
        p, q = divmod(k, pool_w)
        dx[:, :, p:p + stride * oh:stride, q:q + stride * ow:stride] += np.where(where == k, dout, 0).astype(dout.dtype)
    return dx
"""

ALT_QUIZ_BACKWARD_STRINGS = 'answer_backward_filter_shape = "4x8x5x5"\nanswer_backward_pad = " 3 "\n'
ALT_QUIZ_BACKWARD_ARRAYS = ('answer_backward_filter_shape = np.array([4.0, 8.0, 5.0, 5.0])\n'
                            'answer_backward_pad = np.int64(5 - 1 - 1)\n')
ALT_QUIZ_TIE_STRING = 'answer_tie = "6, 0, 3"\n'
ALT_QUIZ_TIE_LIST = 'answer_tie = [6.0, 0.0, 6 / 2]\n'

# ----------------------------------------------------------------------------- the backward passes: mistakes
_COL2IM_SOLUTION_BODY = """
def col2im(col, input_shape, filter_h, filter_w, stride, pad):
    n, c, h, w = input_shape
    oh = (h + 2 * pad - filter_h) // stride + 1
    ow = (w + 2 * pad - filter_w) // stride + 1
    patches = col.reshape(n, oh, ow, c, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    grad = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=col.dtype)
    for p in range(filter_h):
        for q in range(filter_w):
            grad[:, :, p:p + stride * oh:stride, q:q + stride * ow:stride] += patches[:, :, p, q]
"""

BUG_COL2IM_OVERWRITE_OFFSETS = (_COL2IM_SOLUTION_BODY.replace("] += patches", "] = patches")
                                + "    return grad[:, :, pad:pad + h, pad:pad + w].copy()\n")
assert "] = patches" in BUG_COL2IM_OVERWRITE_OFFSETS

BUG_COL2IM_OVERWRITE_WINDOWS = ALT_COL2IM_LOOPS.replace("] += \\\n", "] = \\\n")
assert BUG_COL2IM_OVERWRITE_WINDOWS != ALT_COL2IM_LOOPS

BUG_COL2IM_AVERAGE = """
def col2im(col, input_shape, filter_h, filter_w, stride, pad):
    n, c, h, w = input_shape
    oh = (h + 2 * pad - filter_h) // stride + 1
    ow = (w + 2 * pad - filter_w) // stride + 1
    patches = col.reshape(n, oh, ow, c, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    grad = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=col.dtype)
    count = np.zeros_like(grad)
    for p in range(filter_h):
        for q in range(filter_w):
            grad[:, :, p:p + stride * oh:stride, q:q + stride * ow:stride] += patches[:, :, p, q]
            count[:, :, p:p + stride * oh:stride, q:q + stride * ow:stride] += 1
    grad = grad / np.maximum(count, 1)            # "undo" the copies: the inverse, not the transpose
    return grad[:, :, pad:pad + h, pad:pad + w].astype(col.dtype)
"""


BUG_COL2IM_NO_CROP = _COL2IM_SOLUTION_BODY + "    return grad\n"
BUG_COL2IM_CROP_START = _COL2IM_SOLUTION_BODY + "    return grad[:, :, :h, :w].copy()\n"
BUG_COL2IM_CHANNELS_LAST = _COL2IM_SOLUTION_BODY.replace(
    "col.reshape(n, oh, ow, c, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)",
    "col.reshape(n, oh, ow, filter_h, filter_w, c).transpose(0, 5, 3, 4, 1, 2)") + \
    "    return grad[:, :, pad:pad + h, pad:pad + w].copy()\n"
BUG_COL2IM_ROWS_IJN = _COL2IM_SOLUTION_BODY.replace(
    "col.reshape(n, oh, ow, c, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)",
    "col.reshape(oh, ow, n, c, filter_h, filter_w).transpose(2, 3, 4, 5, 0, 1)") + \
    "    return grad[:, :, pad:pad + h, pad:pad + w].copy()\n"
BUG_COL2IM_FLOAT64 = _COL2IM_SOLUTION_BODY.replace(", dtype=col.dtype)", ")") + \
    "    return grad[:, :, pad:pad + h, pad:pad + w].copy()\n"

_CONV_BACK_HEAD = """
def conv2d_backward(dout, cache):
    x, W, b, stride, pad, col = cache
    n, c, h, w = x.shape
    fn, _, fh, fw = W.shape
    d_rows = dout.transpose(0, 2, 3, 1).reshape(-1, fn)
"""
_CONV_BACK_DX = "    dx = col2im(d_rows @ W.reshape(fn, -1), x.shape, fh, fw, stride, pad)\n"
_CONV_BACK_DW = "    dW = (d_rows.T @ col).reshape(W.shape)\n"
_CONV_BACK_DB = "    db = d_rows.sum(axis=0)\n"
_CONV_BACK_RETURN = "    return dx, dW, db\n"


def _conv_back(dx=_CONV_BACK_DX, dW=_CONV_BACK_DW, db=_CONV_BACK_DB, head=_CONV_BACK_HEAD):
    return head + dx + dW + db + _CONV_BACK_RETURN


BUG_CONV_DB_MEAN = _conv_back(db="    db = d_rows.mean(axis=0)\n")
BUG_CONV_DB_IMAGES_ONLY = _conv_back(db="    db = dout.sum(axis=0)\n")
BUG_CONV_DB_POSITIONS_ONLY = _conv_back(db="    db = dout.sum(axis=(2, 3))\n")
BUG_CONV_DW_OVER_N = _conv_back(dW="    dW = (d_rows.T @ col).reshape(W.shape) / n\n")
BUG_CONV_ROWS_NO_TRANSPOSE = _conv_back(head=_CONV_BACK_HEAD.replace("dout.transpose(0, 2, 3, 1).reshape(-1, fn)",
                                                                     "dout.reshape(-1, fn)"))
BUG_CONV_DW_NO_TRANSPOSE = _conv_back(dW="    dW = (col.T @ d_rows).reshape(W.shape)\n")
BUG_CONV_DX_W_RESHAPE = _conv_back(dx="    dx = col2im(d_rows @ W.reshape(-1, fn).T, x.shape, fh, fw, stride, pad)\n")
BUG_CONV_DX_NO_CROP = _conv_back(
    dx="    dx = col2im(d_rows @ W.reshape(fn, -1), (n, c, h + 2 * pad, w + 2 * pad), fh, fw, stride, 0)\n")
BUG_CONV_DW_FLIPPED = _conv_back(dW="    dW = (d_rows.T @ col).reshape(W.shape)[:, :, ::-1, ::-1]\n")
BUG_CONV_DX_UNFLIPPED = ALT_CONV_BACKWARD_TRANSPOSED.replace("W.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1]",
                                                             "W.transpose(1, 0, 2, 3)")
BUG_CONV_DW_FLOAT64 = ALT_CONV_BACKWARD_LOOPS.replace("dW = np.zeros_like(W)", "dW = np.zeros(W.shape)")

# A forward that keeps no cache (the forward's own tests cannot see it): its backward has nothing to read.
BUG_CONV_FORWARD_NO_CACHE = """
def conv2d_forward(x, W, b, stride, pad):
    n, c, h, w = x.shape
    fn, _, fh, fw = W.shape
    oh = (h + 2 * pad - fh) // stride + 1
    ow = (w + 2 * pad - fw) // stride + 1
    out = im2col(x, fh, fw, stride, pad) @ W.reshape(fn, -1).T + b
    return out.reshape(n, oh, ow, fn).transpose(0, 3, 1, 2), None
"""

_POOL_BACK_HEAD = """
def max_pool_backward(dout, cache):
    x, ph, pw, s = cache
    oh, ow = dout.shape[2:]
    entries = np.stack([x[:, :, p:p + s * oh:s, q:q + s * ow:s] for p in range(ph) for q in range(pw)])
"""


def _pool_back(weights, assign="+="):
    return (_POOL_BACK_HEAD + weights + "    dx = np.zeros(x.shape, dtype=dout.dtype)\n"
            "    for k in range(ph * pw):\n        p, q = divmod(k, pw)\n"
            f"        dx[:, :, p:p + s * oh:s, q:q + s * ow:s] {assign} dout * share[k]\n    return dx\n")


_FIRST = "    first = np.argmax(entries, axis=0)\n    share = np.stack([first == k for k in range(ph * pw)])\n"
BUG_POOL_BACK_EVERY = _pool_back("    share = np.ones_like(entries)\n")
BUG_POOL_BACK_SPREAD = _pool_back("    share = np.full(entries.shape, 1.0 / (ph * pw))\n")
BUG_POOL_BACK_ALL_TIES = _pool_back("    share = entries == entries.max(axis=0)\n")
BUG_POOL_BACK_SPLIT_TIES = _pool_back("    tied = entries == entries.max(axis=0)\n    share = tied / tied.sum(axis=0)\n")
BUG_POOL_BACK_LAST = _pool_back("    last = len(entries) - 1 - np.argmax(entries[::-1], axis=0)\n"
                                "    share = np.stack([last == k for k in range(ph * pw)])\n")
BUG_POOL_BACK_COLUMN_MAJOR = _pool_back(
    "    order = [p * pw + q for q in range(pw) for p in range(ph)]           # column by column\n"
    "    first = np.array(order)[np.argmax(entries[order], axis=0)]\n"
    "    share = np.stack([first == k for k in range(ph * pw)])\n")
BUG_POOL_BACK_OVERWRITE_OFFSETS = _pool_back(_FIRST, assign="=")
BUG_POOL_BACK_OVERWRITE_WINDOWS = """
def max_pool_backward(dout, cache):
    x, pool_h, pool_w, stride = cache
    n, c, oh, ow = dout.shape
    dx = np.zeros(x.shape, dtype=dout.dtype)
    for i in range(oh):
        for j in range(ow):
            window = x[:, :, i * stride:i * stride + pool_h, j * stride:j * stride + pool_w].reshape(n, c, -1)
            mask = window == window.max(axis=2, keepdims=True)
            mask &= np.cumsum(mask, axis=2) == 1                                  # the first maximum only
            dx[:, :, i * stride:i * stride + pool_h, j * stride:j * stride + pool_w] = \\
                (mask * dout[:, :, i, j][:, :, None]).reshape(n, c, pool_h, pool_w)
    return dx
"""
BUG_POOL_BACK_FLOAT64 = _pool_back(_FIRST).replace("np.zeros(x.shape, dtype=dout.dtype)", "np.zeros(x.shape)")


SIZE_VALUES = "test_conv_output_size_values"
NOT_TILING = "test_conv_output_size_not_tiling"
IM2COL = {"test_im2col_small", "test_im2col_general"}
CONV = {"test_conv2d_forward_small", "test_conv2d_forward_general"}
POOL = {"test_max_pool_forward_small", "test_max_pool_forward_general"}
COL2IM = {"test_col2im_overlap", "test_col2im_general"}
CONV_SMALL, CONV_DX, CONV_DW = "test_conv2d_backward_small", "test_conv2d_backward_dx", "test_conv2d_backward_dW_db"
CONV_BACK = {CONV_SMALL, CONV_DX, CONV_DW}
POOL_SMALL, POOL_OVERLAP, POOL_TIES = ("test_max_pool_backward_small", "test_max_pool_backward_overlap",
                                      "test_max_pool_backward_ties")
QUIZ_BACK, QUIZ_TIE = "test_quiz_backward_as_convolution", "test_quiz_max_pool_tie"


def _conv_bug(code, loses, says):
    return Mistake({"conv2d_forward": code}, loses, says)


def _im2col_bug(code, loses, says):
    # conv2d_forward builds on the student's im2col, and conv2d_backward reads the col of its cache: the conv
    # cells that the wrong im2col breaks fail too
    return Mistake({"im2col": code}, loses, says)


CHAPTER = Chapter(
    name="ch06_cnn",
    title="畳み込み: padding, stride, pooling, im2col; backward: col2im, the transposed convolution, max-pool routing and ties",
    topic="convolution",
    points=34,
    exercises={
        "conv_output_size": (SIZE_VALUES, NOT_TILING),
        "quiz_conv_output_size": ("test_quiz_conv_output_size",),
        "quiz_same_padding": ("test_quiz_same_padding",),
        "quiz_floor_output_size": ("test_quiz_floor_output_size",),
        "im2col": ("test_im2col_small", "test_im2col_general"),
        "conv2d_forward": ("test_conv2d_forward_small", "test_conv2d_forward_general"),
        "max_pool_forward": ("test_max_pool_forward_small", "test_max_pool_forward_general"),
        "col2im": ("test_col2im_overlap", "test_col2im_general"),
        "conv2d_backward": (CONV_SMALL, CONV_DX, CONV_DW),
        "max_pool_backward": (POOL_SMALL, POOL_OVERLAP, POOL_TIES),
        "quiz_backward_as_convolution": (QUIZ_BACK,),
        "quiz_max_pool_tie": (QUIZ_TIE,),
    },
    correct={
        "solution": {},
        "alt_size_divmod": {"conv_output_size": ALT_SIZE_DIVMOD},
        "alt_size_sentence": {"conv_output_size": ALT_SIZE_SENTENCE},
        "alt_size_float_numbers": {"conv_output_size": ALT_SIZE_FLOAT_NUMBERS},
        "alt_quiz_forms_a": {"quiz_conv_output_size": ALT_QUIZ_SHAPE_STRING, "quiz_same_padding": ALT_QUIZ_PAD_STRING,
                             "quiz_floor_output_size": ALT_QUIZ_FLOOR_STRING},
        "alt_quiz_forms_b": {"quiz_conv_output_size": ALT_QUIZ_SHAPE_ARRAY, "quiz_same_padding": ALT_QUIZ_PAD_NUMPY,
                             "quiz_floor_output_size": ALT_QUIZ_FLOOR_LIST},
        "alt_quiz_computed": {"quiz_conv_output_size": ALT_QUIZ_SHAPE_COMPUTED},
        # a loop forward keeps (x, W, b, stride, pad), a loop backward reads it: the pair agrees, that is all
        "alt_loops": {"im2col": ALT_IM2COL_LOOPS, "conv2d_forward": ALT_CONV_LOOPS,
                      "max_pool_forward": ALT_MAX_POOL_LOOPS, "col2im": ALT_COL2IM_LOOPS,
                      "conv2d_backward": ALT_CONV_BACKWARD_LOOPS, "max_pool_backward": ALT_MAX_POOL_BACKWARD_LOOPS},
        # an einsum forward keeps a dict
        "alt_windows": {"im2col": ALT_IM2COL_WINDOWS, "conv2d_forward": ALT_CONV_EINSUM,
                        "max_pool_forward": ALT_MAX_POOL_WINDOWS, "col2im": ALT_COL2IM_ADD_AT,
                        "conv2d_backward": ALT_CONV_BACKWARD_EINSUM, "max_pool_backward": ALT_MAX_POOL_BACKWARD_WINDOWS},
        # the backward as a convolution (the lecture's transposed view); the pool forward keeps the argmax
        "alt_transposed": {"conv2d_backward": ALT_CONV_BACKWARD_TRANSPOSED,
                           "max_pool_forward": ALT_MAX_POOL_FORWARD_ARGMAX,
                           "max_pool_backward": ALT_MAX_POOL_BACKWARD_ARGMAX},
        "alt_backward_quiz_forms_a": {"quiz_backward_as_convolution": ALT_QUIZ_BACKWARD_STRINGS,
                                      "quiz_max_pool_tie": ALT_QUIZ_TIE_STRING},
        "alt_backward_quiz_forms_b": {"quiz_backward_as_convolution": ALT_QUIZ_BACKWARD_ARRAYS,
                                      "quiz_max_pool_tie": ALT_QUIZ_TIE_LIST},
    },
    mistakes={
        # conv_output_size
        "pad_once": Mistake({"conv_output_size": BUG_PAD_ONCE}, {SIZE_VALUES, NOT_TILING},
                            {SIZE_VALUES: "counting the padding once"}),
        "float_division": Mistake({"conv_output_size": BUG_FLOAT_DIVISION}, {SIZE_VALUES},
                                  {SIZE_VALUES: "always returns a float"}),
        "missing_plus_one": Mistake({"conv_output_size": BUG_MISSING_PLUS_ONE}, {SIZE_VALUES},
                                    {SIZE_VALUES: "forgetting the + 1"}),
        "no_padding": Mistake({"conv_output_size": BUG_NO_PADDING}, {SIZE_VALUES, NOT_TILING},
                              {SIZE_VALUES: "ignoring the padding"}),
        "floor_like_pytorch": Mistake({"conv_output_size": BUG_FLOOR_LIKE_PYTORCH}, {NOT_TILING},
                                      {NOT_TILING: "rounding down gives; this exercise asks for an error"}),
        "no_size_check": Mistake({"conv_output_size": BUG_NO_SIZE_CHECK}, {NOT_TILING},
                                 {NOT_TILING: "larger than the padded input"}),
        "message_without_numbers": Mistake({"conv_output_size": BUG_MESSAGE_WITHOUT_NUMBERS}, {NOT_TILING},
                                           {NOT_TILING: "Expected the message to contain 13"}),
        "message_span_only": Mistake({"conv_output_size": BUG_MESSAGE_SPAN_ONLY}, {NOT_TILING},
                                     {NOT_TILING: "must name input_size, filter_size, stride and pad"}),
        # the quick checks
        "quiz_input_channels": Mistake({"quiz_conv_output_size": "answer_shape = (3, 16, 12)\n"},
                                       {"test_quiz_conv_output_size"},
                                       {"test_quiz_conv_output_size": "ONE output channel"}),
        "quiz_channels_times_filters": Mistake({"quiz_conv_output_size": "answer_shape = [192, 16, 12]\n"},
                                               {"test_quiz_conv_output_size"},
                                               {"test_quiz_conv_output_size": "not 64 * 3"}),
        "quiz_shape_no_padding": Mistake({"quiz_conv_output_size": 'answer_shape = "64 x 13 x 9"\n'},
                                         {"test_quiz_conv_output_size"},
                                         {"test_quiz_conv_output_size": "ignores the padding"}),
        "quiz_shape_other": Mistake({"quiz_conv_output_size": "answer_shape = (64, 17, 13)\n"},
                                    {"test_quiz_conv_output_size"},
                                    {"test_quiz_conv_output_size": "not yet right"}),
        "quiz_pad_total": Mistake({"quiz_same_padding": "answer_pad = 4\n"}, {"test_quiz_same_padding"},
                                  {"test_quiz_same_padding": "on EACH side"}),
        "quiz_pad_filter": Mistake({"quiz_same_padding": "answer_pad = '5'\n"}, {"test_quiz_same_padding"},
                                   {"test_quiz_same_padding": "the filter size is not the padding"}),
        "quiz_floor_counts_padding": Mistake({"quiz_floor_output_size": "answer_floor = (16, 1)\n"},
                                             {"test_quiz_floor_output_size"},
                                             {"test_quiz_floor_output_size": "a row of zeros"}),
        "quiz_floor_rounds_up": Mistake({"quiz_floor_output_size": "answer_floor = (17, 0)\n"},
                                        {"test_quiz_floor_output_size"},
                                        {"test_quiz_floor_output_size": "PyTorch rounds down"}),
        # im2col
        "im2col_channels_last": _im2col_bug(BUG_IM2COL_CHANNELS_LAST,
                                            IM2COL | {"test_conv2d_forward_general", CONV_DW},
                                            {"test_im2col_small": "(filter row, filter column, channel)",
                                             CONV_DW: "Your dW uses the col of your forward's cache"}),
        "im2col_pad_one_side": _im2col_bug(BUG_IM2COL_PAD_ONE_SIDE, {"test_im2col_general", CONV_DX, CONV_DW} | CONV,
                                           {"test_im2col_general": "Pad BOTH sides"}),
        "im2col_rows_ijn": _im2col_bug(BUG_IM2COL_ROWS_IJN,
                                       {"test_im2col_general", "test_conv2d_forward_general", CONV_DW},
                                       {"test_im2col_general": "ordering the rows (i, j, n)",
                                        CONV_DW: "Your dW uses the col of your forward's cache"}),
        "im2col_float64": Mistake({"im2col": BUG_IM2COL_FLOAT64},
                                  {"test_im2col_general", "test_conv2d_forward_general", CONV_DW},
                                  {"test_im2col_general": "Keep x's dtype",
                                   CONV_DW: "dW of conv2d_backward with float32 inputs: expected a float32 array"}),
        "im2col_transposed": _im2col_bug(BUG_IM2COL_TRANSPOSED, IM2COL | CONV | {CONV_DX, CONV_DW},
                                         {"test_im2col_small": "The axes are swapped"}),
        # conv2d_forward
        "conv_flipped": _conv_bug(BUG_CONV_FLIPPED, CONV, {"test_conv2d_forward_small": "flipping the filter",
                                                           "test_conv2d_forward_general": "flipping the filter"}),
        "conv_no_transpose": _conv_bug(BUG_CONV_NO_TRANSPOSE, {"test_conv2d_forward_general"},
                                       {"test_conv2d_forward_general": "must be moved, not just reshaped"}),
        "conv_w_reshape": _conv_bug(BUG_CONV_W_RESHAPE, {"test_conv2d_forward_general"},
                                    {"test_conv2d_forward_general": "each column must hold ONE filter"}),
        "conv_no_bias": _conv_bug(BUG_CONV_NO_BIAS, CONV, {"test_conv2d_forward_small": "forgetting the bias",
                                                           "test_conv2d_forward_general": "forgetting the bias"}),
        "conv_first_channel": _conv_bug(BUG_CONV_FIRST_CHANNEL, {"test_conv2d_forward_general"},
                                        {"test_conv2d_forward_general": "a filter spans ALL channels"}),
        # max_pool_forward
        "pool_average": Mistake({"max_pool_forward": BUG_POOL_AVERAGE}, POOL,
                                {"test_max_pool_forward_small": "average pooling",
                                 "test_max_pool_forward_general": "average pooling"}),
        "pool_over_channels": Mistake({"max_pool_forward": BUG_POOL_OVER_CHANNELS}, {"test_max_pool_forward_general"},
                                      {"test_max_pool_forward_general": "pooling never mixes channels"}),
        "pool_stride_is_pool": Mistake({"max_pool_forward": BUG_POOL_STRIDE_IS_POOL}, {"test_max_pool_forward_general"},
                                       {"test_max_pool_forward_general": "The window moves by the stride"}),
        "pool_min": Mistake({"max_pool_forward": BUG_POOL_MIN}, POOL,
                            {"test_max_pool_forward_small": "taking the minimum",
                             "test_max_pool_forward_general": "taking the minimum"}),
        # col2im (conv2d_backward's dx goes through the student's col2im: its dx cells fail too)
        "col2im_overwrite_offsets": Mistake(
            {"col2im": BUG_COL2IM_OVERWRITE_OFFSETS}, COL2IM | {CONV_SMALL, CONV_DX},
            {"test_col2im_overlap": "overwriting (or averaging) the entries of overlapping windows",
             "test_col2im_general": "overwriting instead of adding (each filter offset",
             CONV_SMALL: "overwriting instead of adding in col2im (each filter offset",
             CONV_DX: "overwriting instead of adding in col2im (each filter offset"}),
        "col2im_overwrite_windows": Mistake(
            {"col2im": BUG_COL2IM_OVERWRITE_WINDOWS}, COL2IM | {CONV_SMALL, CONV_DX},
            {"test_col2im_overlap": "overwriting (or averaging) the entries of overlapping windows",
             "test_col2im_general": "overwriting instead of adding (each window written",
             CONV_SMALL: "overwriting instead of adding in col2im (each window written",
             CONV_DX: "overwriting instead of adding in col2im (each window written"}),
        "col2im_average": Mistake({"col2im": BUG_COL2IM_AVERAGE}, COL2IM | {CONV_SMALL, CONV_DX},
                                  {"test_col2im_general": "col2im is the transpose of im2col, not its inverse",
                                   CONV_DX: "Your dx uses your col2im"}),
        "col2im_no_crop": Mistake({"col2im": BUG_COL2IM_NO_CROP}, COL2IM | {CONV_DX},
                                  {"test_col2im_overlap": "drop `pad` rows and columns on EACH side",
                                   "test_col2im_general": "drop `pad` rows and columns on EACH side",
                                   CONV_DX: "the padding frame (pad rows and columns on each side) is cropped"}),
        "col2im_crop_start": Mistake({"col2im": BUG_COL2IM_CROP_START}, COL2IM | {CONV_DX},
                                     {"test_col2im_overlap": "cropping the first H rows",
                                      "test_col2im_general": "cropping the first H rows",
                                      CONV_DX: "cropping the first H rows"}),
        "col2im_channels_last": Mistake({"col2im": BUG_COL2IM_CHANNELS_LAST}, {"test_col2im_general", CONV_DX},
                                        {"test_col2im_general": "(filter row, filter column, channel)"}),
        "col2im_rows_ijn": Mistake({"col2im": BUG_COL2IM_ROWS_IJN}, {"test_col2im_general", CONV_DX},
                                   {"test_col2im_general": "in the order (i, j, n) instead of (n, i, j)"}),
        "col2im_float64": Mistake({"col2im": BUG_COL2IM_FLOAT64}, {"test_col2im_general", CONV_DX},
                                  {"test_col2im_general": "Keep col's dtype",
                                   CONV_DX: "expected a float32 array"}),
        # conv2d_backward
        "conv_db_mean": Mistake({"conv2d_backward": BUG_CONV_DB_MEAN}, {CONV_SMALL, CONV_DW},
                                {CONV_SMALL: "averaging dout instead of summing it",
                                 CONV_DW: "averaging dout over the images and positions"}),
        "conv_db_images_only": Mistake({"conv2d_backward": BUG_CONV_DB_IMAGES_ONLY}, {CONV_SMALL, CONV_DW},
                                       {CONV_SMALL: "expected shape (1,)",
                                        CONV_DW: "sum dout over the images AND over the output positions"}),
        "conv_db_positions_only": Mistake({"conv2d_backward": BUG_CONV_DB_POSITIONS_ONLY}, {CONV_SMALL, CONV_DW},
                                          {CONV_DW: "sum dout over the images AND over the output positions"}),
        "conv_dW_over_n": Mistake({"conv2d_backward": BUG_CONV_DW_OVER_N}, {CONV_DW},
                                  {CONV_DW: "dividing dW by the batch size N"}),
        "conv_rows_no_transpose": Mistake({"conv2d_backward": BUG_CONV_ROWS_NO_TRANSPOSE}, {CONV_DX, CONV_DW},
                                          {CONV_DX: "the filter axis must be moved to the end first",
                                           CONV_DW: "the filter axis must be moved to the end first"}),
        "conv_dW_no_transpose": Mistake({"conv2d_backward": BUG_CONV_DW_NO_TRANSPOSE}, {CONV_DW},
                                        {CONV_DW: "one filter per COLUMN: transpose it first"}),
        "conv_dx_W_reshape": Mistake({"conv2d_backward": BUG_CONV_DX_W_RESHAPE}, {CONV_DX},
                                     {CONV_DX: "a reshape that does not keep one filter per row"}),
        "conv_dx_no_crop": Mistake({"conv2d_backward": BUG_CONV_DX_NO_CROP}, {CONV_DX},
                                   {CONV_DX: "the padding frame (pad rows and columns on each side) is cropped"}),
        "conv_dW_flipped": Mistake({"conv2d_backward": BUG_CONV_DW_FLIPPED}, {CONV_SMALL, CONV_DW},
                                   {CONV_SMALL: "flipping dW"}),
        "conv_dx_unflipped": Mistake({"conv2d_backward": BUG_CONV_DX_UNFLIPPED}, {CONV_SMALL, CONV_DX},
                                     {CONV_SMALL: "convolving dout with the filter unflipped",
                                      CONV_DX: "convolving dout with the filters unflipped"}),
        "conv_dW_float64": Mistake({"conv2d_backward": BUG_CONV_DW_FLOAT64}, {CONV_DW},
                                   {CONV_DW: "dW of conv2d_backward with float32 inputs: expected a float32 array"}),
        # a forward without a cache keeps its own points; the backward's tests say why they cannot run
        "conv_forward_no_cache": Mistake({"conv2d_forward": BUG_CONV_FORWARD_NO_CACHE}, CONV_BACK,
                                         {CONV_SMALL: "returns the cache None", CONV_DX: "returns the cache None",
                                          CONV_DW: "returns the cache None"}),
        # max_pool_backward
        "pool_back_every_element": Mistake({"max_pool_backward": BUG_POOL_BACK_EVERY}, {POOL_SMALL, POOL_OVERLAP, POOL_TIES},
                                           {POOL_SMALL: "to every element of the window instead of to its maximum",
                                            POOL_OVERLAP: "to every element of the window instead of to its maximum",
                                            POOL_TIES: "to every element of the window instead of to its maximum"}),
        "pool_back_spread": Mistake({"max_pool_backward": BUG_POOL_BACK_SPREAD}, {POOL_SMALL, POOL_OVERLAP, POOL_TIES},
                                    {POOL_SMALL: "that is average pooling's backward"}),
        "pool_back_overwrite_windows": Mistake({"max_pool_backward": BUG_POOL_BACK_OVERWRITE_WINDOWS}, {POOL_OVERLAP},
                                               {POOL_OVERLAP: "overwriting instead of adding where windows overlap "
                                                              "(each window written"}),
        "pool_back_overwrite_offsets": Mistake({"max_pool_backward": BUG_POOL_BACK_OVERWRITE_OFFSETS}, {POOL_OVERLAP},
                                               {POOL_OVERLAP: "overwriting instead of adding where windows overlap "
                                                              "(each window offset (p, q)"}),
        "pool_back_all_ties": Mistake({"max_pool_backward": BUG_POOL_BACK_ALL_TIES}, {POOL_TIES},
                                      {POOL_TIES: "giving the gradient to every tied maximum"}),
        "pool_back_split_ties": Mistake({"max_pool_backward": BUG_POOL_BACK_SPLIT_TIES}, {POOL_TIES},
                                        {POOL_TIES: "splitting the gradient evenly among the tied maxima"}),
        "pool_back_last_max": Mistake({"max_pool_backward": BUG_POOL_BACK_LAST}, {POOL_TIES},
                                      {POOL_TIES: "giving the gradient to the LAST tied maximum"}),
        "pool_back_column_major": Mistake({"max_pool_backward": BUG_POOL_BACK_COLUMN_MAJOR}, {POOL_TIES},
                                          {POOL_TIES: "reading the window column by column"}),
        "pool_back_float64": Mistake({"max_pool_backward": BUG_POOL_BACK_FLOAT64}, {POOL_OVERLAP},
                                     {POOL_OVERLAP: "expected a float32 dx"}),
        # the quick checks on the backward passes
        "quiz_backward_not_swapped": Mistake({"quiz_backward_as_convolution": "answer_backward_filter_shape = (8, 4, 5, 5)\n"
                                                                              "answer_backward_pad = 3\n"},
                                             {QUIZ_BACK}, {QUIZ_BACK: "its filters are the input channels"}),
        "quiz_backward_pad_full": Mistake({"quiz_backward_as_convolution": "answer_backward_filter_shape = (4, 8, 5, 5)\n"
                                                                           "answer_backward_pad = 4\n"},
                                          {QUIZ_BACK}, {QUIZ_BACK: "F - 1 - P = 3"}),
        "quiz_backward_pad_forward": Mistake({"quiz_backward_as_convolution": "answer_backward_filter_shape = '4x8x5x5'\n"
                                                                              "answer_backward_pad = 1\n"},
                                             {QUIZ_BACK}, {QUIZ_BACK: "that is the forward's padding"}),
        "quiz_tie_split": Mistake({"quiz_max_pool_tie": "answer_tie = (1.5, 1.5, 3)\n"}, {QUIZ_TIE},
                                  {QUIZ_TIE: "splitting the gradient over the four tied zeros"}),
        "quiz_tie_last": Mistake({"quiz_max_pool_tie": "answer_tie = [0, 6, 3]\n"}, {QUIZ_TIE},
                                 {QUIZ_TIE: "not the last one"}),
        "quiz_tie_numerical_is_backward": Mistake({"quiz_max_pool_tie": "answer_tie = '6, 0, 0'\n"}, {QUIZ_TIE},
                                                  {QUIZ_TIE: "the third number is not right"}),
        "quiz_tie_numerical_full": Mistake({"quiz_max_pool_tie": "answer_tie = (6, 0, 6)\n"}, {QUIZ_TIE},
                                           {QUIZ_TIE: "although max_pool_backward gives it 0"}),
    },
)
