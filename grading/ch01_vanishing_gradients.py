"""Hidden checks of ch01_vanishing_gradients beyond the notebook's tests (instructor-only)."""

import numpy as np

from dlcourse import functions as F
from dlcourse.checks import call, check_array
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


NOTEBOOKS = {"ch01_vanishing_gradients": NotebookSpec(extra_checks={
    "test_sigmoid_values": [sigmoid_grid],
    "test_sigmoid_grad_values": [sigmoid_grad_grid],
    "test_relu_grad_values": [relu_grid],
})}
