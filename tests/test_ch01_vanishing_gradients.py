"""ch01_vanishing_gradients: grading round trip, the lecture's experiment helpers and the explorer widget."""

from __future__ import annotations

import os

import numpy as np
import pytest

from gradingkit import REPO, answer_sources, assert_full_marks, assert_mistake_caught, grade_variants

CHAPTER = "ch01_vanishing_gradients"

ALT_SIGMOID_NAIVE = '''
def sigmoid(x):
    # the textbook formula: NumPy warns about exp overflowing at x = -1000, but the value 0 is right
    return 1 / (1 + np.exp(-x))
'''
ALT_SIGMOID_TANH = '''
def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))
'''
ALT_SIGMOID_GRAD_ABS = '''
def sigmoid_grad(x):
    e = np.exp(-np.abs(x))
    return e / (1 + e) ** 2
'''
ALT_SIGMOID_GRAD_SYM = '''
def sigmoid_grad(x):
    return sigmoid(x) * sigmoid(-x)
'''
ALT_RELU_MASK = '''
def relu(x):
    return x * (x > 0)
'''
ALT_RELU_WHERE = '''
def relu(x):
    out = x.copy()
    out[out < 0] = 0
    return out
'''
ALT_RELU_GRAD_HEAVISIDE = '''
def relu_grad(x):
    return np.heaviside(x, 0.0)
'''
ALT_RELU_GRAD_BOOL = '''
def relu_grad(x):
    return x > 0
'''

BUG_SIGMOID_OVERFLOW = '''
def sigmoid(x):
    return np.exp(x) / (1 + np.exp(x))
'''
BUG_SIGMOID_GRAD_OUTPUT = '''
def sigmoid_grad(x):
    return x * (1 - x)
'''
BUG_SIGMOID_GRAD_SEED_FORMULA = '''
def sigmoid_grad(x):
    return np.exp(-x) / (1 + np.exp(-x)) ** 2
'''
BUG_RELU_INPLACE = '''
def relu(x):
    x[x < 0] = 0
    return x
'''
BUG_RELU_GRAD_ZERO = '''
def relu_grad(x):
    return (x >= 0).astype(float)
'''

VARIANTS = {
    "solution": {},
    "alt_sigmoid_naive": {"sigmoid": ALT_SIGMOID_NAIVE},
    "alt_sigmoid_tanh": {"sigmoid": ALT_SIGMOID_TANH},
    "alt_sigmoid_grad_abs": {"sigmoid_grad": ALT_SIGMOID_GRAD_ABS},
    "alt_sigmoid_grad_sym_naive": {"sigmoid_grad": ALT_SIGMOID_GRAD_SYM, "sigmoid": ALT_SIGMOID_NAIVE},
    "alt_relu_mask": {"relu": ALT_RELU_MASK},
    "alt_relu_copy": {"relu": ALT_RELU_WHERE},
    "alt_relu_grad_heaviside": {"relu_grad": ALT_RELU_GRAD_HEAVISIDE},
    "alt_relu_grad_bool": {"relu_grad": ALT_RELU_GRAD_BOOL},
    "alt_quiz_fraction": {"quiz_sigmoid_grad_max": "answer_sigmoid_grad_max = 1 / 4"},
    "bug_sigmoid_overflow": {"sigmoid": BUG_SIGMOID_OVERFLOW},
    "bug_sigmoid_grad_output": {"sigmoid_grad": BUG_SIGMOID_GRAD_OUTPUT},
    "bug_sigmoid_grad_seed_formula": {"sigmoid_grad": BUG_SIGMOID_GRAD_SEED_FORMULA},
    "bug_relu_inplace": {"relu": BUG_RELU_INPLACE},
    "bug_relu_grad_zero": {"relu_grad": BUG_RELU_GRAD_ZERO},
    "bug_quiz_half": {"quiz_sigmoid_grad_max": "answer_sigmoid_grad_max = 0.5"},
    "unanswered": answer_sources(REPO / "release" / CHAPTER / f"{CHAPTER}.ipynb"),
}

EXPECTED_BUGS = {
    # the solution's sigmoid_grad calls sigmoid, so the overflow reaches it too
    "bug_sigmoid_overflow": ({"test_sigmoid_extreme", "test_sigmoid_grad_extreme"},
                             {"test_sigmoid_extreme": "overflow", "test_sigmoid_grad_extreme": "overflow"}),
    "bug_sigmoid_grad_output": ({"test_sigmoid_grad_values", "test_sigmoid_grad_numerical", "test_sigmoid_grad_extreme"},
                                {"test_sigmoid_grad_values": "x * (1 - x)",
                                 "test_sigmoid_grad_numerical": "x * (1 - x)",
                                 "test_sigmoid_grad_extreme": "x * (1 - x)"}),
    "bug_sigmoid_grad_seed_formula": ({"test_sigmoid_grad_extreme"},
                                      {"test_sigmoid_grad_extreme": "inf / inf at x = -1000"}),
    "bug_relu_inplace": ({"test_relu_values"}, {"test_relu_values": "modified its argument"}),
    "bug_relu_grad_zero": ({"test_relu_grad_at_zero"}, {"test_relu_grad_at_zero": "relu_grad(0) = 1"}),
    "bug_quiz_half": ({"test_quiz_sigmoid_grad_max"}, {"test_quiz_sigmoid_grad_max": "sigma(0) = 0.5"}),
}


@pytest.fixture(scope="module")
def results():
    return grade_variants(CHAPTER, VARIANTS)


@pytest.mark.slow
@pytest.mark.parametrize("variant", [v for v in VARIANTS if v == "solution" or v.startswith("alt_")])
def test_correct_implementations_get_full_marks(results, variant):
    assert_full_marks(results[variant], 13)


def test_every_exercise_has_an_alternative():
    answered = {gid for name, repl in VARIANTS.items() if name.startswith("alt_") for gid in repl}
    assert answered == {"sigmoid", "sigmoid_grad", "relu", "relu_grad", "quiz_sigmoid_grad_max"}


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(EXPECTED_BUGS))
def test_mistakes_lose_points_with_a_named_message(results, variant):
    must_fail, texts = EXPECTED_BUGS[variant]
    assert_mistake_caught(results[variant], must_fail, texts)


@pytest.mark.slow
def test_unanswered_notebook_scores_zero(results):
    r = results["unanswered"]
    assert r.total == 0, r.summary()
    assert "not implemented yet" in r.failure_text("test_relu_values")


# ----------------------------------------------------------------------------- the lecture's helpers
from matplotlib.figure import Figure  # noqa: E402

from dlcourse.plots import activations as plots  # noqa: E402
from dlcourse.widgets.activations import ActivationExplorer, layer_statistics  # noqa: E402


def test_activation_curves_sigmoid_derivative_peaks_at_quarter():
    c = plots.activation_curves()
    i = int(np.argmax(c["sigmoid_grad"]))
    assert abs(c["x"][i]) < 1e-12 and abs(c["sigmoid_grad"][i] - 0.25) < 1e-12
    # independent check of the derivative: central differences of the sigmoid curve
    num = np.gradient(c["sigmoid"], c["x"])
    np.testing.assert_allclose(c["sigmoid_grad"][1:-1], num[1:-1], atol=1e-4)
    assert set(np.unique(c["relu_grad"])) == {0.0, 1.0} and c["relu_grad"][c["x"] == 0].sum() == 0


def test_activation_figures_draw():
    for fig in (plots.plot_activations(), plots.plot_derivative_bound(6)):
        assert isinstance(fig, Figure)
        fig.canvas.draw()


def test_sigmoid_gradients_vanish_towards_the_input():
    st = layer_statistics("sigmoid", 6, 0.01)
    g = st["grad_mean_abs"]
    assert g.shape == (7,) and st["hist"].shape[0] == 6
    assert np.all(np.diff(g[:-1]) > 0)                  # each layer closer to the input gets less
    assert g[0] / g[-2] < 1e-6
    # the sigmoid derivative bound: the backward signal shrinks at least 4x per layer (weights are 0.01 * N(0,1))
    d = st["delta_mean_abs"]
    assert np.all(d[:-1] / d[1:] < 0.25)


def test_relu_with_he_scale_keeps_gradients_of_similar_size():
    g = layer_statistics("relu", 8, np.sqrt(2 / 100))["grad_mean_abs"][:-1]
    assert g.max() / g.min() < 5
    small = layer_statistics("relu", 8, 0.05)["grad_mean_abs"][:-1]
    assert small.max() < 1e-3 * g.min()


def test_layer_statistics_is_deterministic_and_checks_its_input():
    a = layer_statistics("tanh", 4, 0.3)
    b = layer_statistics("tanh", 4, 0.3)
    np.testing.assert_array_equal(a["grad_mean_abs"], b["grad_mean_abs"])
    assert a["hist"].sum(axis=1).tolist() == [500 * 100] * 4       # every activation is counted once
    for bad in ({"activation": "softplus"}, {"depth": 0}, {"init_std": -1.0}, {"init_std": float("nan")}):
        kw = {"activation": "relu", "depth": 3, "init_std": 0.1, **bad}
        with pytest.raises(ValueError, match=list(bad)[0]):
            layer_statistics(**kw)


def test_explorer_redraws_each_control():
    ex = ActivationExplorer()
    assert ex.widget is not None and ex.view.draw_count >= 1
    for name, value in ActivationExplorer.bench_cases():
        before_y = ex.grad_line.get_ydata().copy()
        draws = ex.view.draw_count
        getattr(ex, name).value = value
        assert ex.view.draw_count == draws + 1, name
        st = layer_statistics(ex.activation.value, ex.depth.value, ex.init_std.value)
        np.testing.assert_allclose(ex.grad_line.get_ydata(), np.maximum(st["grad_mean_abs"], 1e-300))
        assert not np.array_equal(before_y, ex.grad_line.get_ydata()), name
        visible = [line.get_visible() for line in ex.hist_lines]
        assert sum(visible) == ex.depth.value and visible[:ex.depth.value] == [True] * ex.depth.value
    ex.depth.value = 3
    assert sum(line.get_visible() for line in ex.hist_lines) == 3
    assert len(ex.grad_line.get_xdata()) == 4


@pytest.mark.mnist
@pytest.mark.slow
def test_seed_experiment_sigmoid_stalls_relu_learns():
    from dlcourse.data import load_mnist
    try:
        data = load_mnist()
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"MNIST not available: {exc}")
    sig = plots.run_seed_experiment("sigmoid", data, eval_every=500, eval_samples=1000)
    rel = plots.run_seed_experiment("relu", data, eval_every=500, eval_samples=1000)
    assert sig["test_acc"][-1] < 0.2, sig["test_acc"]
    assert rel["test_acc"][-1] > 0.8, rel["test_acc"]
    g = sig["grad_mean_abs"].mean(axis=0)
    assert g[0] < 1e-3 * g[2]                            # W1 gets a thousandth of W3's gradient
    plots.plot_seed_experiment([sig, rel]).canvas.draw()
