"""Hidden checks of ch01_vanishing_gradients beyond the notebook's tests (instructor-only)."""

import numpy as np

from dlcourse import functions as F
from dlcourse import layers as L
from dlcourse.checks import call, check_array, check_scalar, check_tuple
from dlgrade.spec import NotebookSpec

_X = np.linspace(-30.0, 30.0, 121).reshape(11, 11)


def sigmoid_grid(ns):
    out = call(ns["sigmoid"], _X, name="sigmoid(X) on a (11, 11) grid from -30 to 30")
    check_array(out, F.sigmoid(_X), name="sigmoid(X), X in [-30, 30]", rtol=1e-6, atol=1e-12,
                mistakes={"exp(+x) instead of exp(-x)": F.sigmoid(-_X)})


def sigmoid_grad_grid(ns):
    out = call(ns["sigmoid_grad"], _X, name="sigmoid_grad(X) on a (11, 11) grid")
    check_array(out, F.sigmoid_grad(_X), name="sigmoid_grad(X), X in [-30, 30]", rtol=1e-6, atol=1e-12,
                mistakes={"x * (1 - x) on the pre-activation instead of sigma(x) * (1 - sigma(x))": _X * (1 - _X)})


def relu_grid(ns):
    out = call(ns["relu"], _X - 0.25, name="relu(X - 0.25)")
    check_array(out, F.relu(_X - 0.25), name="relu(X - 0.25)", rtol=0, atol=0)
    grad = call(ns["relu_grad"], _X, name="relu_grad(X) (the grid contains x = 0)")
    check_array(np.asarray(grad, dtype=float), F.relu_grad(_X).astype(float), name="relu_grad(X)", rtol=0, atol=0,
                mistakes={"relu_grad(0) = 1 (x >= 0 instead of x > 0)": (_X >= 0).astype(float)})


def predicted_ratio_more(ns):
    for activation, factor in (("sigmoid", 0.25), ("relu", np.sqrt(0.5))):
        for s, n in ((0.07, 30), (0.004, 2500)):
            out = call(ns["predicted_ratio"], activation, s, n, name=f'predicted_ratio("{activation}", {s}, {n})')
            check_scalar(out, factor * s * np.sqrt(n), name=f'predicted_ratio("{activation}", {s}, {n})', rtol=1e-6,
                         atol=1e-12)


def gradient_norms_fresh(ns):
    """A 4-layer network of other sizes, referenced with the library's layer functions."""
    rng = np.random.default_rng(20240610)
    x = rng.standard_normal((7, 6))
    t = np.array([0, 1, 2, 3, 0, 1, 2])
    weights = [0.6 * rng.standard_normal(shape) for shape in ((6, 5), (5, 5), (5, 3), (3, 4))]
    forward = {"sigmoid": (L.sigmoid_forward, L.sigmoid_backward), "relu": (L.relu_forward, L.relu_backward)}
    for activation, (act_forward, act_backward) in forward.items():
        h, caches = x, []
        for W in weights[:-1]:
            u, c_aff = L.affine_forward(h, W, np.zeros(W.shape[1]))
            h, c_act = act_forward(u)
            caches.append((c_aff, c_act))
        logits, c_out = L.affine_forward(h, weights[-1], np.zeros(weights[-1].shape[1]))
        delta = (F.softmax(logits) - np.eye(4)[t]) / len(t)
        delta_norms, grad_norms = [np.linalg.norm(delta)], []
        dh, dW, _ = L.affine_backward(delta, c_out)
        grad_norms.append(np.linalg.norm(dW))
        for c_aff, c_act in reversed(caches):
            du = act_backward(dh, c_act)
            delta_norms.append(np.linalg.norm(du))
            dh, dW, _ = L.affine_backward(du, c_aff)
            grad_norms.append(np.linalg.norm(dW))
        out = call(ns["gradient_norms"], x, t, weights, activation,
                   name=f'gradient_norms on a 6-5-5-3-4 network ("{activation}")')
        got_delta, got_grad = check_tuple(out, ["delta_norms", "grad_norms"], name="gradient_norms(...)")
        check_array(got_delta, delta_norms[::-1], name=f"delta_norms of a 6-5-5-3-4 {activation} network",
                    rtol=1e-6, atol=1e-12)
        check_array(got_grad, grad_norms[::-1], name=f"grad_norms of a 6-5-5-3-4 {activation} network",
                    rtol=1e-6, atol=1e-12)


NOTEBOOKS = {"ch01_vanishing_gradients": NotebookSpec(extra_checks={
    "test_sigmoid_values": [sigmoid_grid],
    "test_sigmoid_grad_values": [sigmoid_grad_grid],
    "test_relu_grad_values": [relu_grid],
    "test_predicted_ratio_relu": [predicted_ratio_more],
    "test_gradient_norms_numerical": [gradient_norms_fresh],
})}
