"""Hidden checks of ch06_cnn beyond the notebook's tests (instructor-only)."""

import numpy as np

from dlcourse import cnn as C
from dlcourse import layers as L
from dlcourse.checks import call, check_array, check_scalar, check_true, describe
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


NOTEBOOKS = {"ch06_cnn": NotebookSpec(extra_checks={
    "test_conv_output_size_values": [output_sizes],
    "test_conv2d_forward_general": [conv_forward],
    "test_max_pool_forward_general": [pool_forward],
})}
