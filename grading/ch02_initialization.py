"""Hidden checks of ch02_initialization beyond the notebook's tests (instructor-only)."""

import numpy as np

from dlcourse.checks import call, check_array, check_scalar, check_true, describe
from dlgrade.spec import NotebookSpec


def stds(ns):
    for n in (3, 77, 4096):
        check_scalar(call(ns["xavier_std"], n, name=f"xavier_std({n})"), 1 / np.sqrt(n), name=f"xavier_std({n})",
                     rtol=1e-9, mistakes={"He's sqrt(2 / n_in)": np.sqrt(2 / n)})
        check_scalar(call(ns["he_std"], n, name=f"he_std({n})"), np.sqrt(2 / n), name=f"he_std({n})", rtol=1e-9,
                     mistakes={"Xavier's 1 / sqrt(n_in)": 1 / np.sqrt(n)})


def init_statistics(ns):
    sizes = [300, 200, 5]
    params = call(ns["init_weights"], sizes, "he", np.random.default_rng(99), name="init_weights([300, 200, 5], 'he', rng)")
    check_true(isinstance(params, (list, tuple)) and len(params) == 2,
               f"init_weights([300, 200, 5], 'he', rng): expected 2 (W, b) pairs, got {describe(params)}.")
    for (W, b), n_in, n_out in zip(params, sizes[:-1], sizes[1:]):
        check_true(isinstance(W, np.ndarray) and W.shape == (n_in, n_out) and isinstance(b, np.ndarray)
                   and b.shape == (n_out,), f"init_weights: expected W {(n_in, n_out)} and b {(n_out,)}, got "
                   f"{describe(W)} and {describe(b)}.")
        check_array(b, np.zeros(n_out), name=f"b of the {n_in}->{n_out} layer", rtol=0, atol=0)
        # The sample standard deviation of n_in*n_out normal draws is within 5 % of the target
        # (6000 draws at least: the relative standard error is below 1 %).
        check_scalar(float(np.std(W)), np.sqrt(2 / n_in), name=f"std of W ({n_in}->{n_out}, He)", rtol=0.05,
                     mistakes={"using n_out instead of n_in": np.sqrt(2 / n_out)})


def _predicted(sizes, w_stds, mean_square):
    out = []
    for n, s in zip(sizes[:-1], w_stds):
        v = n * s * s * mean_square
        out.append(np.sqrt(v * (0.5 - 1 / (2 * np.pi))))
        mean_square = v / 2
    return np.array(out)


def prediction(ns):
    for sizes, w_stds, m in [([64, 32, 32, 16, 8], [0.3, 0.1, 0.25, 0.5], 0.75), ([1, 1], [2.0], 9.0)]:
        label = f"predict_relu_stds({sizes}, {w_stds}, {m})"
        check_array(call(ns["predict_relu_stds"], sizes, w_stds, m, name=label), _predicted(sizes, w_stds, m),
                    name=label, rtol=1e-6)


def _measurement(ns, names):
    gen = np.random.default_rng(5)
    x = 1.0 + 2.0 * gen.standard_normal((40, 12))
    params = [(0.4 * gen.standard_normal((12, 9)), gen.standard_normal(9)),
              (0.5 * gen.standard_normal((9, 9)), 0.2 * gen.standard_normal(9)),
              (0.3 * gen.standard_normal((9, 3)), np.zeros(3))]
    funcs = {"relu": lambda a: np.maximum(a, 0), "tanh": np.tanh, "sigmoid": lambda a: 0.5 + 0.5 * np.tanh(a / 2)}
    for name in names:
        f = funcs[name]
        z, want = x, []
        for W, b in params:
            z = f(z @ W + b)
            want.append(z.std())
        label = f"measure_layer_stds(x (40, 12), 12-9-9-3, {name!r})"
        check_array(call(ns["measure_layer_stds"], x, params, name, name=label), np.array(want), name=label,
                    rtol=1e-6)


def measurement_relu(ns):
    _measurement(ns, ["relu"])


def measurement_tanh_sigmoid(ns):
    _measurement(ns, ["tanh", "sigmoid"])


NOTEBOOKS = {"ch02_initialization": NotebookSpec(extra_checks={
    "test_he_std_values": [stds],
    "test_init_weights_std": [init_statistics],
    "test_predict_relu_stds_values": [prediction],
    "test_measure_layer_stds_relu": [measurement_relu],
    "test_measure_layer_stds_activations": [measurement_tanh_sigmoid],
})}
