"""Hidden checks of ch00_review beyond the notebook's tests (instructor-only)."""

import numpy as np

from dlcourse import functions as F
from dlcourse import layers as L
from dlcourse.checks import call, check_array, check_scalar, check_true, check_tuple
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


def affine_backward_fresh(ns):
    rng = np.random.default_rng(20240606)
    x = rng.standard_normal((5, 7))
    W = rng.standard_normal((7, 3))
    dout = rng.standard_normal((5, 3))
    _, cache = L.affine_forward(x, W, np.zeros(3))
    ref = L.affine_backward(dout, cache)
    out = check_tuple(call(ns["affine_backward"], dout, x, W, name="affine_backward(dout (5, 3), x (5, 7), W (7, 3))"),
                      ["dx", "dW", "db"], name="affine_backward(dout, x, W)")
    for got, want, label in zip(out, ref, ("dx", "dW", "db")):
        check_array(got, want, name=f"{label} of affine_backward for a random (5, 7) x (7, 3) layer", rtol=1e-9,
                    atol=1e-12)


def sigmoid_backward_fresh(ns):
    rng = np.random.default_rng(20240607)
    z = F.sigmoid(3.0 * rng.standard_normal((4, 6)))
    dout = rng.standard_normal((4, 6))
    out = call(ns["sigmoid_backward"], dout, z, name="sigmoid_backward(dout, z) for a random (4, 6) batch")
    check_array(out, L.sigmoid_backward(dout, z), name="sigmoid_backward(dout, z), a random batch", rtol=1e-9,
                atol=1e-12, mistakes={"the course note's d_sigmoid applied to the output z":
                                      dout * F.sigmoid_grad(z)})


def three_layer_fresh(ns):
    rng = np.random.default_rng(20240608)
    D, H1, H2, C, N = 6, 5, 4, 3, 8
    p = {"W1": rng.standard_normal((D, H1)), "b1": 0.1 * rng.standard_normal(H1),
         "W2": rng.standard_normal((H1, H2)), "b2": 0.1 * rng.standard_normal(H2),
         "W3": rng.standard_normal((H2, C)), "b3": 0.1 * rng.standard_normal(C)}
    x = rng.standard_normal((N, D))
    t = np.array([0, 2, 1, 1, 0, 2, 2, 1])
    u1, c1 = L.affine_forward(x, p["W1"], p["b1"])
    z1, s1 = L.sigmoid_forward(u1)
    u2, c2 = L.affine_forward(z1, p["W2"], p["b2"])
    z2, s2 = L.sigmoid_forward(u2)
    u3, c3 = L.affine_forward(z2, p["W3"], p["b3"])
    y = F.softmax(u3)
    cache = {"u1": u1, "z1": z1, "u2": u2, "z2": z2, "u3": u3, "y": y}
    ref = {}
    dz2, ref["W3"], ref["b3"] = L.affine_backward((y - np.eye(C)[t]) / N, c3)
    dz1, ref["W2"], ref["b2"] = L.affine_backward(L.sigmoid_backward(dz2, s2), c2)
    _, ref["W1"], ref["b1"] = L.affine_backward(L.sigmoid_backward(dz1, s1), c1)
    grads = call(ns["three_layer_backward"], p, x, t, cache, name="three_layer_backward on a random 6-5-4-3 network")
    check_true(isinstance(grads, dict), f"three_layer_backward: expected a dict of gradients, got {type(grads).__name__}.")
    for k in ("W3", "b3", "W2", "b2", "W1", "b1"):
        check_array(grads.get(k), ref[k], name=f"three_layer_backward(...)[{k!r}] on a random 6-5-4-3 network",
                    rtol=1e-7, atol=1e-12)


NOTEBOOKS = {"ch00_review": NotebookSpec(extra_checks={
    "test_softmax_batch": [softmax_fresh_batch],
    "test_cross_entropy_error_labels": [cross_entropy_fresh_batch],
    "test_softmax_cross_entropy_backward_values": [sce_backward_fresh_batch],
    "test_numerical_gradient_matrix": [numerical_gradient_fresh],
    "test_affine_backward_numerical": [affine_backward_fresh],
    "test_sigmoid_backward_numerical": [sigmoid_backward_fresh],
    "test_three_layer_backward_reference": [three_layer_fresh],
})}
