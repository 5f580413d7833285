"""Hidden checks of ch05_regularization beyond the notebook's tests (instructor-only).

Dropout draws random numbers: the checks are statistical (keep rate, rescaling) and structural
(kept units are x / (1 - ratio), dropped ones 0, backward uses the same mask), never a comparison
with one particular sequence of draws.
"""

import numpy as np

from dlcourse.checks import call, check_array, check_scalar, check_true, describe
from dlgrade.spec import NotebookSpec

_rng = np.random.default_rng(55)
_Ws = [_rng.standard_normal((4, 3)), _rng.standard_normal((3, 2))]


def l2_value(ns):
    lam = 0.3
    check_scalar(call(ns["l2_penalty"], _Ws, lam, name="l2_penalty(weights, 0.3)"),
                 0.5 * lam * sum(float(np.sum(W ** 2)) for W in _Ws), name="l2_penalty(two matrices, 0.3)", rtol=1e-9)


def l2_grad(ns):
    lam = 0.3
    check_array(call(ns["l2_penalty_grad"], _Ws[0], lam, name="l2_penalty_grad(W, 0.3)"), lam * _Ws[0],
                name="l2_penalty_grad(W, 0.3)", rtol=1e-9, atol=1e-12)


def _dropout(ns):
    x = np.ones((400, 50))
    ratio = 0.3
    res = call(lambda a: ns["dropout_forward"](a, ratio, True, np.random.default_rng(8)), x,
               name="dropout_forward(ones (400, 50), 0.3, train=True, rng)")
    check_true(isinstance(res, (tuple, list)) and len(res) == 2, f"dropout_forward: expected (out, mask), got {describe(res)}.")
    out = np.asarray(res[0], dtype=float)
    check_true(out.shape == x.shape, f"dropout_forward: expected out of shape {x.shape}, got {out.shape}.")
    kept = out != 0
    # 20000 units, keep probability 0.7: the kept fraction is within 0.015 of 0.7 (over 4 standard errors).
    check_scalar(float(kept.mean()), 0.7, name="fraction of units kept with ratio 0.3", atol=0.015, rtol=0,
                 mistakes={"using ratio as the probability of KEEPING a unit": 0.3})
    check_array(out[kept], np.full(int(kept.sum()), 1 / 0.7), name="kept units of ones (inverted dropout)",
                rtol=1e-9, atol=1e-12, mistakes={"forgetting to divide the kept units by (1 - ratio)":
                                                 np.ones(int(kept.sum()))})
    return res, kept


def dropout_statistics(ns):
    _dropout(ns)


def dropout_mask_consistent(ns):
    res, kept = _dropout(ns)
    back = call(ns["dropout_backward"], np.full(kept.shape, 2.0), res[1], name="dropout_backward(2 * ones, mask)")
    check_array(np.asarray(back, dtype=float) != 0, kept, name="units that get a gradient (same as the kept units)",
                rtol=0, atol=0)


NOTEBOOKS = {"ch05_regularization": NotebookSpec(extra_checks={
    "test_l2_penalty_value": [l2_value],
    "test_l2_penalty_grad": [l2_grad],
    "test_dropout_forward_statistics": [dropout_statistics],
    "test_dropout_backward_consistent": [dropout_mask_consistent],
})}
