"""Hidden checks of ch07_troubleshooting beyond the notebook's tests (instructor-only)."""

import numpy as np

from dlcourse import functions as F
from dlcourse.checks import call, check_array, check_scalar
from dlgrade.spec import NotebookSpec

_Z = np.linspace(-800.0, 800.0, 33)


def softmax_fresh(ns):
    x = np.random.default_rng(77).standard_normal((5, 9)) * 300
    check_array(call(ns["stable_softmax"], x, name="stable_softmax(x (5, 9), logits up to ~1000)"), F.softmax(x),
                name="stable_softmax(x (5, 9))", rtol=1e-6, atol=1e-12)


def sigmoid_fresh(ns):
    check_array(call(ns["stable_sigmoid"], _Z, name="stable_sigmoid(linspace(-800, 800, 33))"), F.sigmoid(_Z),
                name="stable_sigmoid on [-800, 800]", rtol=1e-6, atol=1e-12)


def bce_fresh(ns):
    t = (np.arange(33) % 2).astype(float)
    ref = float(np.mean(np.maximum(_Z, 0) - _Z * t + np.log1p(np.exp(-np.abs(_Z)))))
    check_scalar(call(ns["bce_with_logits"], _Z, t, name="bce_with_logits(z in [-800, 800], t)"), ref,
                 name="bce_with_logits(z in [-800, 800], t)", rtol=1e-6, atol=1e-9)


def pixels_fresh(ns):
    x = np.arange(256, dtype=np.uint8).reshape(16, 16)
    out = call(ns["normalize_pixels"], x, name="normalize_pixels(all 256 uint8 values)")
    check_array(np.asarray(out, dtype=np.float64), 2 * x.astype(np.float64) / 255.0 - 1, name="normalize_pixels(0..255)",
                rtol=1e-6, atol=1e-6, mistakes={"uint8 arithmetic that wraps around (x * 2 overflows)":
                                                (2 * x) / 255.0 - 1})


NOTEBOOKS = {"ch07_troubleshooting": NotebookSpec(extra_checks={
    "test_stable_softmax_large": [softmax_fresh],
    "test_stable_sigmoid_extreme": [sigmoid_fresh],
    "test_bce_with_logits_extreme": [bce_fresh],
    "test_normalize_pixels_values": [pixels_fresh],
})}
