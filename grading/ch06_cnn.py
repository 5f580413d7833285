"""Hidden checks of ch06_cnn beyond the notebook's tests (instructor-only)."""

import numpy as np

from dlcourse import cnn as C
from dlcourse import layers as L
from dlcourse.checks import call, check_array, check_scalar, check_true, describe
from dlcourse.gradcheck import numerical_gradient
from dlgrade.spec import NotebookSpec

_rng = np.random.default_rng(66)
_X = _rng.standard_normal((2, 3, 9, 7))
_W = _rng.standard_normal((4, 3, 3, 3))
_B = _rng.standard_normal(4)
_P = _rng.standard_normal((2, 3, 8, 6))


def output_sizes(ns):
    for args in ((28, 5, 1, 0), (32, 3, 1, 1), (227, 11, 4, 0), (9, 3, 2, 1)):
        check_scalar(call(ns["conv_output_size"], *args, name=f"conv_output_size{args}"), C.conv_output_size(*args),
                     name=f"conv_output_size{args}", rtol=0, atol=0)


def conv_forward(ns):
    res = call(ns["conv2d_forward"], _X, _W, _B, 2, 1, name="conv2d_forward(x (2, 3, 9, 7), W (4, 3, 3, 3), b, 2, 1)")
    check_true(isinstance(res, (tuple, list)) and len(res) == 2, f"conv2d_forward: expected (out, cache), got {describe(res)}.")
    check_array(res[0], L.conv2d_forward(_X, _W, _B, stride=2, pad=1)[0], name="conv2d_forward, stride 2, pad 1",
                rtol=1e-6, atol=1e-9)


def pool_forward(ns):
    res = call(ns["max_pool_forward"], _P, 2, 2, 2, name="max_pool_forward(x (2, 3, 8, 6), 2, 2, stride 2)")
    out = res[0] if isinstance(res, (tuple, list)) else res
    check_array(out, L.max_pool_forward(_P, 2, 2, 2)[0], name="max_pool_forward(x (2, 3, 8, 6), 2, 2, 2)",
                rtol=0, atol=0)


# ----------------------------------------------------------------------------- backward passes
# Every check draws its inputs from its own generator: each submission gets the same inputs.


def _forward_backward(ns, forward, fargs, backward, dout, label):
    """The student's forward, then the student's backward on its cache (as the notebook's tests do)."""
    res = call(ns[forward], *fargs, name=f"{forward}{label}")
    check_true(isinstance(res, (tuple, list)) and len(res) == 2,
               f"{forward}{label}: expected (out, cache), got {describe(res)}.")
    cache = res[1]
    return call(lambda d: ns[backward](d, cache), dout, name=f"{backward}(dout, cache) after {forward}{label}")


def col2im_random(ns):
    rng = np.random.default_rng(601)
    for shape, fh, fw, s, p in [((3, 2, 7, 5), 3, 3, 2, 1), ((2, 3, 6, 6), 4, 2, 2, 0), ((1, 1, 4, 4), 3, 3, 1, 2)]:
        x = rng.standard_normal(shape)
        col_shape = C.im2col(x, fh, fw, s, p).shape
        col = rng.standard_normal(col_shape)
        name = f"col2im(col {col_shape}, {shape}, {fh}, {fw}, stride={s}, pad={p})"
        out = call(ns["col2im"], col, shape, fh, fw, s, p, name=name)
        check_array(out, C.col2im(col, shape, fh, fw, s, p), name=name, rtol=1e-9, atol=1e-12,
                    hint="overlapping windows add; the padding is cropped.")
        check_scalar(float(np.sum(x * out)), float(np.sum(C.im2col(x, fh, fw, s, p) * col)),
                     name=f"<x, {name}> against <im2col(x), col>", rtol=1e-9)


_CONV_RANDOM = [((2, 3, 7, 7), (5, 3, 3, 3), 2, 1), ((3, 2, 6, 8), (4, 2, 2, 4), 2, 0), ((1, 4, 5, 5), (2, 4, 5, 5), 1, 2)]


def _conv_case(ns, rng, xs, ws, s, p, dtype=np.float64):
    x = rng.standard_normal(xs).astype(dtype)
    W = rng.standard_normal(ws).astype(dtype)
    b = rng.standard_normal(ws[0]).astype(dtype)
    out, cache = L.conv2d_forward(x, W, b, stride=s, pad=p)
    dout = rng.standard_normal(out.shape).astype(dtype)
    label = f"(x {xs}, W {ws}, b, {s}, {p})"
    grads = _forward_backward(ns, "conv2d_forward", (x, W, b, s, p), "conv2d_backward", dout, label)
    check_true(isinstance(grads, (tuple, list)) and len(grads) == 3,
               f"conv2d_backward{label}: expected (dx, dW, db), got {describe(grads)}.")
    return x, W, b, dout, grads, L.conv2d_backward(dout, cache), label


def conv_backward_dx_random(ns):
    rng = np.random.default_rng(602)
    for xs, ws, s, p in _CONV_RANDOM:
        x, W, b, dout, grads, ref, label = _conv_case(ns, rng, xs, ws, s, p)
        check_array(grads[0], ref[0], name=f"dx of conv2d_backward{label}", rtol=1e-7, atol=1e-10,
                    hint="overlapping windows add; the padding is cropped.")
    # one case against central differences of the library's forward, independently of its backward
    xs, ws, s, p = _CONV_RANDOM[0]
    x, W, b, dout, grads, _, label = _conv_case(ns, rng, xs, ws, s, p)
    numeric = numerical_gradient(lambda a: np.sum(L.conv2d_forward(a, W, b, stride=s, pad=p)[0] * dout), x.copy())
    check_array(grads[0], numeric, name=f"dx of conv2d_backward{label} against a numerical gradient", rtol=1e-5,
                atol=1e-7)
    x, W, b, dout, grads, ref, label = _conv_case(ns, rng, (2, 3, 5, 5), (4, 3, 3, 3), 2, 1, np.float32)
    check_array(grads[0], ref[0], name=f"dx of conv2d_backward{label} in float32", rtol=1e-4, atol=1e-5,
                check_dtype=True)


def conv_backward_dW_db_random(ns):
    rng = np.random.default_rng(603)
    for xs, ws, s, p in _CONV_RANDOM:
        x, W, b, dout, grads, ref, label = _conv_case(ns, rng, xs, ws, s, p)
        check_array(grads[1], ref[1], name=f"dW of conv2d_backward{label}", rtol=1e-7, atol=1e-10)
        check_array(grads[2], ref[2], name=f"db of conv2d_backward{label}", rtol=1e-7, atol=1e-10,
                    hint="db[f] sums dout over images and positions.")
    x, W, b, dout, grads, ref, label = _conv_case(ns, rng, (2, 3, 5, 5), (4, 3, 3, 3), 2, 1, np.float32)
    check_array(grads[1], ref[1], name=f"dW of conv2d_backward{label} in float32", rtol=1e-4, atol=1e-5,
                check_dtype=True)
    check_array(grads[2], ref[2], name=f"db of conv2d_backward{label} in float32", rtol=1e-4, atol=1e-5,
                check_dtype=True)


def _pool_case(ns, rng, xs, ph, pw, s, x):
    out, cache = L.max_pool_forward(x, ph, pw, s)
    dout = rng.standard_normal(out.shape)
    label = f"(x {xs}, {ph}, {pw}, {s})"
    dx = _forward_backward(ns, "max_pool_forward", (x, ph, pw, s), "max_pool_backward", dout, label)
    return dx, L.max_pool_backward(dout, cache), label


def pool_backward_overlap_random(ns):
    rng = np.random.default_rng(604)
    for xs, ph, pw, s in [((2, 3, 9, 9), 3, 3, 2), ((2, 2, 5, 7), 2, 3, 1), ((1, 3, 8, 8), 4, 4, 2)]:
        x = rng.permutation(int(np.prod(xs))).reshape(xs) / 7.0  # distinct values: no ties
        dx, ref, label = _pool_case(ns, rng, xs, ph, pw, s, x)
        check_array(dx, ref, name=f"max_pool_backward(dout, cache) after max_pool_forward{label}", rtol=1e-9,
                    atol=1e-12, hint="each window's gradient goes to its maximum; overlapping windows add.")


def pool_backward_ties_random(ns):
    rng = np.random.default_rng(605)
    # windows that do not overlap (stride >= window): this cell is about ties only
    for xs, ph, pw, s in [((2, 3, 6, 6), 2, 2, 2), ((1, 2, 9, 9), 3, 3, 3), ((2, 2, 5, 9), 2, 3, 3)]:
        x = np.maximum(rng.integers(-1, 2, size=xs).astype(float), 0.0)  # {0, 1}, as after a ReLU: many ties
        dx, ref, label = _pool_case(ns, rng, xs, ph, pw, s, x)
        check_array(dx, ref, name=f"max_pool_backward(dout, cache) after max_pool_forward{label}, with ties",
                    rtol=1e-9, atol=1e-12, hint="ties: the whole gradient goes to the first maximum in row-major order.")


NOTEBOOKS = {"ch06_cnn": NotebookSpec(extra_checks={
    "test_conv_output_size_values": [output_sizes],
    "test_conv2d_forward_general": [conv_forward],
    "test_max_pool_forward_general": [pool_forward],
    "test_col2im_general": [col2im_random],
    "test_conv2d_backward_dx": [conv_backward_dx_random],
    "test_conv2d_backward_dW_db": [conv_backward_dW_db_random],
    "test_max_pool_backward_overlap": [pool_backward_overlap_random],
    "test_max_pool_backward_ties": [pool_backward_ties_random],
})}
