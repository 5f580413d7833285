"""Hidden checks of ch01_vanishing_gradients beyond the notebook's tests (instructor-only)."""

import numpy as np

from dlcourse import functions as F
from dlcourse import layers as L
from dlcourse.checks import call, check_array, check_scalar, check_tuple, fail
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


def leaky_relu_grid(ns):
    for alpha in (0.15, 0.0):
        out = call(ns["leaky_relu"], _X - 0.25, alpha, name=f"leaky_relu(X - 0.25, {alpha})")
        check_array(out, F.leaky_relu(_X - 0.25, alpha), name=f"leaky_relu(X - 0.25, alpha={alpha})", rtol=1e-12,
                    atol=1e-15, mistakes={"alpha ignored (0.01 used)": F.leaky_relu(_X - 0.25)})
    out = call(ns["leaky_relu"], _X, name="leaky_relu(X) with the default alpha")
    check_array(out, F.leaky_relu(_X), name="leaky_relu(X) with the default alpha", rtol=1e-12, atol=1e-15)


def leaky_relu_grad_grid(ns):
    out = call(ns["leaky_relu_grad"], _X + 0.25, 0.15, name="leaky_relu_grad(X + 0.25, 0.15)")
    check_array(np.asarray(out, dtype=float), F.leaky_relu_grad(_X + 0.25, 0.15),
                name="leaky_relu_grad(X + 0.25, alpha=0.15)", rtol=1e-12, atol=1e-15)


def leaky_relu_grad_zero(ns):
    out = call(ns["leaky_relu_grad"], _X, 0.15, name="leaky_relu_grad(X, 0.15) (the grid contains x = 0)")
    check_array(np.asarray(out, dtype=float), F.leaky_relu_grad(_X, 0.15), name="leaky_relu_grad(X, alpha=0.15)",
                rtol=1e-12, atol=1e-15,
                mistakes={"1 at x = 0 (x >= 0 instead of x > 0)": np.where(_X >= 0, 1.0, 0.15)})


def _no_loud_warnings(warned, label):
    loud = [w for w in warned if "underflow" not in w]
    if loud:
        fail(f"{label}: NumPy warned {loud}. np.where evaluates BOTH branches for every entry: an exp that "
             "overflows in the unused branch still warns. Exponentiate only numbers <= 0.")


def selu_grid(ns):
    out = call(ns["selu"], _X, name="selu(X) on a (11, 11) grid from -30 to 30")
    check_array(out, F.selu(_X), name="selu(X), X in [-30, 30]", rtol=1e-9, atol=1e-12)


def selu_extreme_more(ns):
    for dtype in (np.float32, np.float64):
        x = np.array([-3000.0, -88.0, 88.8, 500.0, 3000.0], dtype=dtype)
        label = f"selu([-3000, -88, 88.8, 500, 3000]) in {np.dtype(dtype).name}"
        out, warned = call(ns["selu"], x, name=label, record_warnings=True)
        check_array(np.asarray(out, dtype=float), F.selu(x.astype(np.float64)), name=label, rtol=1e-6, atol=1e-6)
        _no_loud_warnings(warned, label)


def selu_grad_grid(ns):
    out = call(ns["selu_grad"], _X + 0.25, name="selu_grad(X + 0.25)")
    check_array(out, F.selu_grad(_X + 0.25), name="selu_grad(X + 0.25), no x = 0", rtol=1e-9, atol=1e-12)


def selu_grad_zero(ns):
    out = call(ns["selu_grad"], _X, name="selu_grad(X) (the grid contains x = 0)")
    check_array(out, F.selu_grad(_X), name="selu_grad(X), X in [-30, 30]", rtol=1e-9, atol=1e-12,
                mistakes={"lambda at x = 0 (x >= 0 for the positive branch)":
                          np.where(_X >= 0, F.SELU_LAMBDA, F.selu_grad(_X))})


def selu_grad_extreme_more(ns):
    for dtype in (np.float32, np.float64):
        x = np.array([-3000.0, -88.0, 88.8, 500.0, 3000.0], dtype=dtype)
        label = f"selu_grad([-3000, -88, 88.8, 500, 3000]) in {np.dtype(dtype).name}"
        out, warned = call(ns["selu_grad"], x, name=label, record_warnings=True)
        check_array(np.asarray(out, dtype=float), F.selu_grad(x.astype(np.float64)), name=label, rtol=1e-6,
                    atol=1e-15)
        _no_loud_warnings(warned, label)


def moment_factors_more(ns):
    lam2, alpha2 = F.SELU_LAMBDA ** 2, F.SELU_ALPHA ** 2
    for tau in (0.8, 1.2, 3.0):
        out = call(ns["moment_factors"], "selu", tau, name=f'moment_factors("selu", {tau})')
        check_array(np.asarray(out, dtype=float), [tau * lam2 / 2, tau * lam2 * (1 + alpha2) / 2],
                    name=f'moment_factors("selu", {tau})', rtol=1e-6, atol=1e-12)


def moment_factors_relu_more(ns):
    for tau in (0.8, 1.2):
        out = call(ns["moment_factors"], "relu", tau, name=f'moment_factors("relu", {tau})')
        check_array(np.asarray(out, dtype=float), [tau / 2, tau / 2], name=f'moment_factors("relu", {tau})',
                    rtol=1e-6, atol=1e-12)


def layer_moments_fresh(ns):
    """A 9-7-6-6-4 network of other sizes, referenced with the library's activations."""
    rng = np.random.default_rng(20240611)
    x = rng.standard_normal((9, 7))
    weights = [0.5 * rng.standard_normal(shape) for shape in ((7, 6), (6, 6), (6, 4))]
    for activation in ("relu", "leaky_relu", "selu"):
        f = F.activation(activation).function
        z, means, variances = x, [], []
        for W in weights:
            z = f(z @ W)
            means.append(z.mean())
            variances.append(z.var())
        out = call(ns["layer_moments"], x, weights, activation,
                   name=f'layer_moments on a 9x7 input and a 7-6-6-4 network ("{activation}")')
        got_means, got_vars = check_tuple(out, ["means", "variances"], name="layer_moments(...)")
        check_array(got_means, means, name=f"means of a 7-6-6-4 {activation} network", rtol=1e-6, atol=1e-12)
        check_array(got_vars, variances, name=f"variances of a 7-6-6-4 {activation} network", rtol=1e-6, atol=1e-12)


NOTEBOOKS = {"ch01_vanishing_gradients": NotebookSpec(extra_checks={
    "test_sigmoid_values": [sigmoid_grid],
    "test_sigmoid_grad_values": [sigmoid_grad_grid],
    "test_relu_grad_values": [relu_grid],
    "test_predicted_ratio_relu": [predicted_ratio_more],
    "test_gradient_norms_numerical": [gradient_norms_fresh],
    "test_leaky_relu_values": [leaky_relu_grid],
    "test_leaky_relu_grad_values": [leaky_relu_grad_grid],
    "test_leaky_relu_grad_at_zero": [leaky_relu_grad_zero],
    "test_selu_values": [selu_grid],
    "test_selu_extreme": [selu_extreme_more],
    "test_selu_grad_values": [selu_grad_grid],
    "test_selu_grad_at_zero": [selu_grad_zero],
    "test_selu_grad_extreme": [selu_grad_extreme_more],
    "test_moment_factors_selu": [moment_factors_more],
    "test_moment_factors_relu": [moment_factors_relu_more],
    "test_layer_moments_values": [layer_moments_fresh],
})}
