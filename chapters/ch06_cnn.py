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
    return out.astype(x.dtype, copy=False), {"x": x, "W": W}
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
    return out, None
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
    return out.reshape(n, oh, ow, fn).transpose(0, 3, 1, 2), None
'''

# The bug a student who followed the old instructions' hint only halfway makes: the reshape without the transpose.
BUG_CONV_NO_TRANSPOSE = _CONV_HEAD + '''    out = col @ W.reshape(fn, -1).T + b
    return out.reshape(n, fn, oh, ow), None
'''

BUG_CONV_W_RESHAPE = _CONV_HEAD + '''    out = col @ W.reshape(-1, fn) + b
    return out.reshape(n, oh, ow, fn).transpose(0, 3, 1, 2), None
'''

BUG_CONV_NO_BIAS = _CONV_HEAD + '''    out = col @ W.reshape(fn, -1).T
    return out.reshape(n, oh, ow, fn).transpose(0, 3, 1, 2), None
'''

BUG_CONV_FIRST_CHANNEL = '''
def conv2d_forward(x, W, b, stride, pad):
    n, c, h, w = x.shape
    fn, _, fh, fw = W.shape
    oh = (h + 2 * pad - fh) // stride + 1
    ow = (w + 2 * pad - fw) // stride + 1
    col = im2col(x[:, :1], fh, fw, stride, pad)
    out = col @ W[:, :1].reshape(fn, -1).T + b
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

BUG_POOL_MIN = '''
def max_pool_forward(x, pool_h, pool_w, stride):
    n, c, h, w = x.shape
    oh = (h - pool_h) // stride + 1
    ow = (w - pool_w) // stride + 1
    out = np.zeros((n, c, oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + pool_h, j * stride:j * stride + pool_w].min(axis=(2, 3))
    return out, None
'''

SIZE_VALUES = "test_conv_output_size_values"
NOT_TILING = "test_conv_output_size_not_tiling"
IM2COL = {"test_im2col_small", "test_im2col_general"}
CONV = {"test_conv2d_forward_small", "test_conv2d_forward_general"}
POOL = {"test_max_pool_forward_small", "test_max_pool_forward_general"}


def _conv_bug(code, loses, says):
    return Mistake({"conv2d_forward": code}, loses, says)


def _im2col_bug(code, loses, says):
    # conv2d_forward builds on the student's im2col: the conv cells that the wrong im2col breaks fail too
    return Mistake({"im2col": code}, loses, says)


CHAPTER = Chapter(
    name="ch06_cnn",
    title="畳み込み: padding, stride, pooling, im2col",
    topic="convolution",
    points=19,
    exercises={
        "conv_output_size": (SIZE_VALUES, NOT_TILING),
        "quiz_conv_output_size": ("test_quiz_conv_output_size",),
        "quiz_same_padding": ("test_quiz_same_padding",),
        "quiz_floor_output_size": ("test_quiz_floor_output_size",),
        "im2col": ("test_im2col_small", "test_im2col_general"),
        "conv2d_forward": ("test_conv2d_forward_small", "test_conv2d_forward_general"),
        "max_pool_forward": ("test_max_pool_forward_small", "test_max_pool_forward_general"),
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
        "alt_loops": {"im2col": ALT_IM2COL_LOOPS, "conv2d_forward": ALT_CONV_LOOPS,
                      "max_pool_forward": ALT_MAX_POOL_LOOPS},
        "alt_windows": {"im2col": ALT_IM2COL_WINDOWS, "conv2d_forward": ALT_CONV_EINSUM,
                        "max_pool_forward": ALT_MAX_POOL_WINDOWS},
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
        "im2col_channels_last": _im2col_bug(BUG_IM2COL_CHANNELS_LAST, IM2COL | {"test_conv2d_forward_general"},
                                            {"test_im2col_small": "(filter row, filter column, channel)"}),
        "im2col_pad_one_side": _im2col_bug(BUG_IM2COL_PAD_ONE_SIDE, {"test_im2col_general"} | CONV,
                                           {"test_im2col_general": "Pad BOTH sides"}),
        "im2col_rows_ijn": _im2col_bug(BUG_IM2COL_ROWS_IJN, {"test_im2col_general", "test_conv2d_forward_general"},
                                       {"test_im2col_general": "ordering the rows (i, j, n)"}),
        "im2col_float64": Mistake({"im2col": BUG_IM2COL_FLOAT64}, {"test_im2col_general", "test_conv2d_forward_general"},
                                  {"test_im2col_general": "Keep x's dtype"}),
        "im2col_transposed": _im2col_bug(BUG_IM2COL_TRANSPOSED, IM2COL | CONV,
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
    },
)
