"""Hidden checks of ch07_troubleshooting beyond the notebook's tests (instructor-only)."""

import numpy as np

from dlcourse import functions as F
from dlcourse.checks import call, check_array, check_scalar, check_true, check_tuple
from dlcourse.optimizers import clip_grad_norm as _ref_clip
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


_RANGES = {"identity": (-np.inf, np.inf), "sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, np.inf)}


def loss_floor_fresh(ns):
    t = np.random.default_rng(21).normal(0.5, 3.0, (7, 3))
    for activation, (low, high) in _RANGES.items():
        gap = t - np.clip(t, low, high)
        name = f"loss_floor(t (7, 3) drawn around 0.5, {activation!r})"
        check_scalar(call(ns["loss_floor"], t, activation, name=name), 0.5 * float(np.sum(gap ** 2)) / 7, name=name,
                     rtol=1e-9, atol=1e-12)


def initial_loss_fresh(ns):
    rng = np.random.default_rng(22)
    for scale, expected in ((0.05, "ok"), (60.0, "too high")):
        z = rng.standard_normal((9, 12)) * scale
        t = rng.integers(0, 12, 9)
        name = f"check_initial_loss(scores of size ~{scale:g} (9, 12), t)"
        loss, verdict = check_tuple(call(ns["check_initial_loss"], z, t, name=name), ["L", "verdict"], name)
        check_scalar(loss, float(F.softmax_cross_entropy(z, t)), name=name + "[0]", rtol=1e-6)
        key = " ".join(str(verdict).strip().lower().replace("_", " ").replace("-", " ").split())
        check_true(key == expected, f"{name}: expected the verdict {expected!r}, got {verdict!r}.")


def clip_fresh(ns):
    rng = np.random.default_rng(23)
    grads = {"W1": rng.standard_normal((6, 5)).astype(np.float32), "b1": rng.standard_normal(5).astype(np.float32),
             "W2": rng.standard_normal((5, 2)).astype(np.float32), "b2": np.zeros(2, dtype=np.float32)}
    for max_norm in (0.7, 1e3):
        ref, ref_norm = _ref_clip(grads, max_norm)
        name = f"clip_grad_norm(four float32 arrays, max_norm={max_norm:g})"
        clipped, norm = check_tuple(call(ns["clip_grad_norm"], grads, max_norm, name=name), ["clipped", "norm"], name)
        check_scalar(norm, ref_norm, name=name + ": norm", rtol=1e-6)
        check_true(isinstance(clipped, dict) and set(clipped) == set(grads), f"{name}: expected a dict with the keys "
                                                                             f"{sorted(grads)}.")
        for key, value in ref.items():
            check_array(clipped[key], value, name=f"{name}: clipped[{key!r}]", rtol=1e-5, atol=1e-7, check_dtype=True)


NOTEBOOKS = {"ch07_troubleshooting": NotebookSpec(extra_checks={
    "test_stable_softmax_large": [softmax_fresh],
    "test_stable_sigmoid_extreme": [sigmoid_fresh],
    "test_bce_with_logits_extreme": [bce_fresh],
    "test_normalize_pixels_values": [pixels_fresh],
    "test_loss_floor_values": [loss_floor_fresh],
    "test_check_initial_loss_values": [initial_loss_fresh],
    "test_clip_grad_norm_values": [clip_fresh],
})}
