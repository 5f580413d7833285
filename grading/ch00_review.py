"""Hidden checks of ch00_review beyond the notebook's tests (instructor-only)."""

import numpy as np

from dlcourse import functions as F
from dlcourse.checks import call, check_array, check_scalar
from dlgrade.spec import NotebookSpec

_rng = np.random.default_rng(20240600)
_X = 4.0 * _rng.standard_normal((7, 6))
_T = np.array([5, 0, 3, 3, 1, 4, 2])


def softmax_fresh_batch(ns):
    out = call(ns["softmax"], _X, name="softmax(X) for a (7, 6) batch of random logits")
    check_array(out, F.softmax(_X), name="softmax(X), a (7, 6) batch", rtol=1e-6, atol=1e-9,
                mistakes={"normalising by the sum over the WHOLE batch (the batched-softmax bug)":
                          np.exp(_X) / np.exp(_X).sum()},
                hint="each row separately: subtract the row's maximum, exponentiate, divide by the row's sum.")
    shifted = call(ns["softmax"], _X + 500.0, name="softmax(X + 500)")
    check_array(shifted, F.softmax(_X), name="softmax(X + 500) (softmax ignores a shift of every logit)",
                rtol=1e-6, atol=1e-9, hint="subtract each row's maximum before np.exp.")


def cross_entropy_fresh_batch(ns):
    y = F.softmax(_X / 4)  # no probability below ~1e-2: every eps convention (1e-7, log-softmax) agrees
    out = call(ns["cross_entropy_error"], y, _T, name="cross_entropy_error(y, t) for a batch of 7")
    check_scalar(out, F.cross_entropy_error(y, _T), name="cross_entropy_error(y (7, 6), t)", rtol=1e-5, atol=1e-7,
                 mistakes={"SUMMING over the batch instead of averaging": 7 * F.cross_entropy_error(y, _T)})


def sce_backward_fresh_batch(ns):
    y = F.softmax(_X)
    onehot = np.eye(6)[_T]
    out = call(ns["softmax_cross_entropy_backward"], y, _T, name="softmax_cross_entropy_backward(y, t), N = 7")
    check_array(out, (y - onehot) / 7, name="softmax_cross_entropy_backward(y (7, 6), t)", rtol=1e-6, atol=1e-9,
                mistakes={"WITHOUT dividing by the batch size N": y - onehot})


def numerical_gradient_fresh(ns):
    x = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    g = call(ns["numerical_gradient"], lambda v: float(np.sum(np.exp(v) * np.arange(1, 7).reshape(2, 3))), x,
             name="numerical_gradient(sum(exp(x) * k), x of shape (2, 3))")
    check_array(g, np.exp(x) * np.arange(1, 7).reshape(2, 3), name="numerical_gradient(sum(exp(x) * k), x)",
                rtol=1e-5, atol=1e-6)


NOTEBOOKS = {"ch00_review": NotebookSpec(extra_checks={
    "test_softmax_batch": [softmax_fresh_batch],
    "test_cross_entropy_error_labels": [cross_entropy_fresh_batch],
    "test_softmax_cross_entropy_backward_values": [sce_backward_fresh_batch],
    "test_numerical_gradient_matrix": [numerical_gradient_fresh],
})}
