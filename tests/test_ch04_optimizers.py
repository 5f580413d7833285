"""Chapter 4 (optimizers): grading round trip, trajectories, MNIST comparison and the explorer.

The grading tests grade, with nbgrader itself, the source solutions, alternative correct
implementations (which must get full marks) and the typical mistakes (which must lose points
in the expected cells, with a message that names the mistake).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from gradingkit import assert_full_marks, assert_mistake_caught, grade_variants

CHAPTER = "ch04_optimizers"


def _code(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


# ----------------------------------------------------------------------------
# alternative correct implementations
# ----------------------------------------------------------------------------
ALT_MOMENTUM = _code('''
def momentum_step(w, g, v, lr, momentum):
    v_new = -lr * g + momentum * v
    w_new = w.copy()          # in place on a copy is fine
    w_new += v_new
    return w_new, v_new
''')

ALT_ADAGRAD = _code('''
def adagrad_step(w, g, h, lr, eps):
    h_new = np.add(h, np.square(g))
    step = np.divide(g, np.sqrt(h_new) + eps) * lr
    return np.subtract(w, step), h_new
''')

ALT_RMSPROP = _code('''
def rmsprop_step(w, g, h, lr, decay_rate, eps):
    # the course note's form: h += (1 - rho) * (g**2 - h)
    h_new = h + (1 - decay_rate) * (g ** 2 - h)
    return w - lr * g / (np.sqrt(h_new) + eps), h_new
''')

ALT_ADAM_EFFICIENT = _code('''
def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    # Kingma & Ba's "efficient" form (as in the course note): the corrections folded into lr_t.
    m_new = m.copy()
    v_new = v.copy()
    m_new += (1 - beta1) * (g - m_new)
    v_new += (1 - beta2) * (g ** 2 - v_new)
    lr_t = lr * np.sqrt(1.0 - beta2 ** t) / (1.0 - beta1 ** t)
    return w - lr_t * m_new / (np.sqrt(v_new) + eps), m_new, v_new
''')

ALT_ADAM_EPS_IN_SQRT = _code('''
def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g * g
    m_hat = m_new / (1 - beta1 ** t)
    v_hat = v_new / (1 - beta2 ** t)
    return w - lr * m_hat / np.sqrt(v_hat + eps), m_new, v_new
''')

ALT_QUIZ = _code('''
answer = {"d": " RMSprop", "c": "Adam", "b": "Momentum ", "a": "AdaGrad"}
''')

# ----------------------------------------------------------------------------
# typical mistakes
# ----------------------------------------------------------------------------
BUG_MOMENTUM_SIGN = _code('''
def momentum_step(w, g, v, lr, momentum):
    v_new = momentum * v + lr * g
    return w + v_new, v_new
''')

BUG_MOMENTUM_IN_PLACE = _code('''
def momentum_step(w, g, v, lr, momentum):
    v *= momentum
    v -= lr * g
    w += v
    return w, v
''')

BUG_ADAGRAD_NO_SQUARE = _code('''
def adagrad_step(w, g, h, lr, eps):
    h_new = h + g
    return w - lr * g / (np.sqrt(np.abs(h_new)) + eps), h_new
''')

# The course note's AdaGrad skeleton: the Momentum update with h in place of v.
BUG_ADAGRAD_MOMENTUM_SKELETON = _code('''
def adagrad_step(w, g, h, lr, eps):
    momentum = 0.9
    h_new = momentum * h - lr * g
    return w + h_new, h_new
''')

BUG_RMSPROP_NO_ONE_MINUS_DECAY = _code('''
def rmsprop_step(w, g, h, lr, decay_rate, eps):
    h_new = decay_rate * h + g * g
    return w - lr * g / (np.sqrt(h_new) + eps), h_new
''')

BUG_ADAM_NO_BIAS_CORRECTION = _code('''
def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g * g
    return w - lr * m_new / (np.sqrt(v_new) + eps), m_new, v_new
''')

BUG_ADAM_T_PLUS_ONE = _code('''
def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    t = t + 1                      # "t counts the steps done so far" -- wrong here
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g * g
    m_hat = m_new / (1 - beta1 ** t)
    v_hat = v_new / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new
''')

BUG_ADAM_T_MINUS_ONE = _code('''
def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    t = t - 1                      # "t is 0-based" -- wrong here
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g * g
    m_hat = m_new / (1 - beta1 ** t)
    v_hat = v_new / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new
''')

BUG_ADAM_RETURNS_HAT = _code('''
def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m_hat = (beta1 * m + (1 - beta1) * g) / (1 - beta1 ** t)
    v_hat = (beta2 * v + (1 - beta2) * g * g) / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat
''')

BUG_QUIZ = _code('''
answer = {"a": "rmsprop", "b": "momentum", "c": "adam", "d": "adagrad"}
''')

ALL_CELLS = {
    "test_momentum_step_one_step", "test_momentum_step_sequence",
    "test_adagrad_step_one_step", "test_adagrad_step_accumulates",
    "test_rmsprop_step_one_step", "test_rmsprop_step_moving_average",
    "test_adam_step_first_step", "test_adam_step_later_steps",
    "test_quiz_optimizers",
}
MOMENTUM_CELLS = {"test_momentum_step_one_step", "test_momentum_step_sequence"}
ADAGRAD_CELLS = {"test_adagrad_step_one_step", "test_adagrad_step_accumulates"}
RMSPROP_CELLS = {"test_rmsprop_step_one_step", "test_rmsprop_step_moving_average"}
ADAM_CELLS = {"test_adam_step_first_step", "test_adam_step_later_steps"}

CORRECT = {
    "solution": {},
    "alt_momentum": {"momentum_step": ALT_MOMENTUM},
    "alt_adagrad": {"adagrad_step": ALT_ADAGRAD},
    "alt_rmsprop": {"rmsprop_step": ALT_RMSPROP},
    "alt_adam_efficient": {"adam_step": ALT_ADAM_EFFICIENT},
    "alt_adam_eps_in_sqrt": {"adam_step": ALT_ADAM_EPS_IN_SQRT},
    "alt_quiz": {"quiz_optimizers": ALT_QUIZ},
}

# variant -> (replacements, cells that must lose points, substring the first failing cell must show)
BUGS = {
    "bug_momentum_sign": ({"momentum_step": BUG_MOMENTUM_SIGN}, MOMENTUM_CELLS,
                          {"test_momentum_step_one_step": "sign error"}),
    "bug_momentum_in_place": ({"momentum_step": BUG_MOMENTUM_IN_PLACE}, MOMENTUM_CELLS,
                              {"test_momentum_step_one_step": "in place"}),
    "bug_adagrad_no_square": ({"adagrad_step": BUG_ADAGRAD_NO_SQUARE}, ADAGRAD_CELLS,
                              {"test_adagrad_step_one_step": "without squaring"}),
    "bug_adagrad_momentum_skeleton": ({"adagrad_step": BUG_ADAGRAD_MOMENTUM_SKELETON}, ADAGRAD_CELLS,
                                      {"test_adagrad_step_one_step": "Momentum update"}),
    "bug_rmsprop_no_one_minus_decay": ({"rmsprop_step": BUG_RMSPROP_NO_ONE_MINUS_DECAY}, RMSPROP_CELLS,
                                       {"test_rmsprop_step_one_step": "(1 - decay_rate)",
                                        "test_rmsprop_step_moving_average": "(1 - decay_rate)"}),
    "bug_adam_no_bias_correction": ({"adam_step": BUG_ADAM_NO_BIAS_CORRECTION}, ADAM_CELLS,
                                    {"test_adam_step_first_step": "skipping the bias correction",
                                     "test_adam_step_later_steps": "skipping the bias correction"}),
    "bug_adam_t_plus_one": ({"adam_step": BUG_ADAM_T_PLUS_ONE}, ADAM_CELLS,
                            {"test_adam_step_first_step": "using t + 1",
                             "test_adam_step_later_steps": "using t + 1"}),
    "bug_adam_t_minus_one": ({"adam_step": BUG_ADAM_T_MINUS_ONE}, ADAM_CELLS,
                             {"test_adam_step_first_step": "using t - 1",
                              "test_adam_step_later_steps": "using t - 1"}),
    "bug_adam_returns_hat": ({"adam_step": BUG_ADAM_RETURNS_HAT}, ADAM_CELLS,
                             {"test_adam_step_first_step": "bias-corrected m_hat as the new state"}),
    "bug_quiz": ({"quiz_optimizers": BUG_QUIZ}, {"test_quiz_optimizers"},
                 {"test_quiz_optimizers": "['a', 'd']"}),
}


@pytest.fixture(scope="module")
def graded():
    variants = dict(CORRECT)
    variants.update({name: repl for name, (repl, _, _) in BUGS.items()})
    return grade_variants(CHAPTER, variants)


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(CORRECT))
def test_correct_implementations_get_full_marks(graded, variant):
    assert_full_marks(graded[variant], 15, ALL_CELLS)


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(BUGS))
def test_each_mistake_loses_points_where_expected_and_is_named(graded, variant):
    _, cells, messages = BUGS[variant]
    assert_mistake_caught(graded[variant], cells, messages)


# ----------------------------------------------------------------------------
# trajectories on f(x, y) = x**2/20 + y**2, against independent recurrences
# ----------------------------------------------------------------------------
from conftest import mnist_available  # noqa: E402
from dlcourse.plots import optimizers as P  # noqa: E402


def test_bowl_gradient_matches_central_differences():
    h = 1e-6
    for w in ([-7.0, 2.0], [3.0, -0.5], [0.0, 0.0]):
        w = np.array(w)
        numeric = [(P.bowl(*(w + h * e)) - P.bowl(*(w - h * e))) / (2 * h) for e in np.eye(2)]
        np.testing.assert_allclose(P.bowl_grad(w), numeric, rtol=1e-6, atol=1e-9,
                                   err_msg="bowl_grad must be the gradient (x/10, 2y) of x**2/20 + y**2")


def test_sgd_trajectory_has_the_closed_form():
    # w -= lr * (x/10, 2y): x_t = x0 (1 - lr/10)^t, y_t = y0 (1 - 2 lr)^t
    lr, steps = 0.3, 12
    run = P.trajectory("SGD", lr, steps)
    t = np.arange(steps + 1)
    expected = np.stack([-7.0 * (1 - lr / 10) ** t, 2.0 * (1 - 2 * lr) ** t], axis=1)
    np.testing.assert_allclose(run["points"], expected, rtol=1e-12)
    np.testing.assert_allclose(run["loss"], expected[:, 0] ** 2 / 20 + expected[:, 1] ** 2, rtol=1e-12)


def _scalar_reference(name, lr, steps, mu=0.9, rho=0.99, b1=0.9, b2=0.999):
    """The update rules written coordinate by coordinate, in plain Python floats."""
    pts = [(-7.0, 2.0)]
    state = [dict(v=0.0, h=0.0, m=0.0, s=0.0) for _ in range(2)]
    scale = (0.1, 2.0)
    for t in range(1, steps + 1):
        new = []
        for i, w in enumerate(pts[-1]):
            g, st = scale[i] * w, state[i]
            if name == "Momentum":
                st["v"] = mu * st["v"] - lr * g
                w = w + st["v"]
            elif name == "AdaGrad":
                st["h"] += g * g
                w = w - lr * g / (st["h"] ** 0.5 + 1e-7)
            elif name == "RMSprop":
                st["h"] = rho * st["h"] + (1 - rho) * g * g
                w = w - lr * g / (st["h"] ** 0.5 + 1e-7)
            elif name == "Adam":
                st["m"] = b1 * st["m"] + (1 - b1) * g
                st["s"] = b2 * st["s"] + (1 - b2) * g * g
                w = w - lr * (st["m"] / (1 - b1 ** t)) / ((st["s"] / (1 - b2 ** t)) ** 0.5 + 1e-8)
            new.append(w)
        pts.append(tuple(new))
    return np.array(pts)


@pytest.mark.parametrize("name", ["Momentum", "AdaGrad", "RMSprop", "Adam"])
def test_trajectories_follow_the_update_rules(name):
    lr = P.DEFAULT_LR[name]
    run = P.trajectory(name, lr, 25)
    np.testing.assert_allclose(run["points"], _scalar_reference(name, lr, 25), rtol=1e-9, atol=1e-12,
                               err_msg=f"{name}'s path differs from its update rule")


def test_trajectory_settings_are_used():
    slow = P.trajectory("Momentum", 0.1, 20, momentum=0.5)["points"]
    np.testing.assert_allclose(slow, _scalar_reference("Momentum", 0.1, 20, mu=0.5), rtol=1e-9)
    rms = P.trajectory("RMSprop", 0.1, 20, decay_rate=0.5)["points"]
    np.testing.assert_allclose(rms, _scalar_reference("RMSprop", 0.1, 20, rho=0.5), rtol=1e-9)
    adam = P.trajectory("Adam", 0.2, 20, beta1=0.5, beta2=0.9)["points"]
    np.testing.assert_allclose(adam, _scalar_reference("Adam", 0.2, 20, b1=0.5, b2=0.9), rtol=1e-9)


def test_a_diverging_run_stops_without_warnings():
    # SGD with lr > 1: |1 - 2 lr| > 1 across the valley, so y grows without bound.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = P.trajectory("SGD", 3.0, 2000)
    assert np.all(np.isfinite(run["points"])) and len(run["points"]) < 2001
    assert run["loss"][-1] > 1e100


def test_make_optimizer_rejects_unknown_names():
    with pytest.raises(ValueError, match="Nesterov"):
        P.make_optimizer("Nesterov", 0.1)
    assert type(P.make_optimizer("rmsprop", 0.1)).__name__ == "RMSprop"


def test_first_step_sizes_sgd_vs_adam_on_synthetic_data():
    rng = np.random.default_rng(0)
    x = rng.random((50, 30))
    t = rng.integers(0, 10, 50)
    s = P.first_step_sizes(x, t, lr=0.01, hidden_sizes=(8, 6))
    assert s["layers"] == ["W1", "W2", "W3"]
    np.testing.assert_allclose(s["sgd"], 0.01 * s["grad"], rtol=1e-12)
    # Adam's first step is lr * |g| / (|g| + eps): lr for every weight whose gradient is much larger
    # than eps, never more. (W1's gradients here are ~1e-7, so eps = 1e-8 still shows a little.)
    assert np.all(s["adam"] <= 0.01 + 1e-12)
    np.testing.assert_allclose(s["adam"][1:], 0.01, rtol=1e-3)
    assert s["adam"][0] > 0.009
    assert np.all(s["sgd"] < s["adam"])


# ----------------------------------------------------------------------------
# the explorer (headless, Agg)
# ----------------------------------------------------------------------------
def test_optimizer_explorer_redraws_the_right_path():
    from dlcourse.widgets.optimizers import OptimizerExplorer, explorer_data

    e = OptimizerExplorer()
    assert e.optimizer.value == "SGD" and e.lr.value == pytest.approx(P.DEFAULT_LR["SGD"])
    assert e.momentum.disabled and e.decay_rate.disabled

    def drawn():
        x, y = e.path_line.get_data()
        return np.column_stack([x, y])

    np.testing.assert_allclose(drawn(), P.trajectory("SGD", e.lr.value, 30)["points"])
    count = e.view.draw_count

    e.lr.value = 0.5
    np.testing.assert_allclose(drawn(), P.trajectory("SGD", 0.5, 30)["points"])
    assert e.view.draw_count == count + 1

    e.optimizer.value = "Momentum"       # resets the sliders to Momentum's defaults, one redraw
    assert e.lr.value == pytest.approx(P.DEFAULT_LR["Momentum"]) and e.momentum.value == 0.9
    assert not e.momentum.disabled and e.decay_rate.disabled
    assert e.view.draw_count == count + 2
    e.momentum.value = 0.5
    np.testing.assert_allclose(drawn(), _scalar_reference("Momentum", e.lr.value, 30, mu=0.5), rtol=1e-9)

    e.optimizer.value = "Adam"
    assert e.decay_rate.value == pytest.approx(0.999) and not e.decay_rate.disabled
    e.decay_rate.value = 0.9
    e.steps.value = 50
    np.testing.assert_allclose(drawn(), _scalar_reference("Adam", e.lr.value, 50, b1=0.9, b2=0.9), rtol=1e-9)
    lx, ly = e.loss_line.get_data()
    np.testing.assert_allclose(ly, np.clip(explorer_data("Adam", e.lr.value, 0.9, 0.9, 50)["loss"], 1e-12, 1e12))
    assert "Adam" in e.title.get_text()

    e.optimizer.value = "SGD"
    e.lr.value = 2.0
    assert e.data["diverged"] and "diverged" in e.loss_title.get_text()


def test_optimizer_explorer_bench_cases_apply():
    from dlcourse.widgets.optimizers import OptimizerExplorer

    e = OptimizerExplorer()
    for attr, value in OptimizerExplorer.bench_cases():
        getattr(e, attr).value = value
        assert getattr(e, attr).value == pytest.approx(value) if not isinstance(value, str) else \
            getattr(e, attr).value == value


# ----------------------------------------------------------------------------
# the course note's MNIST comparison
# ----------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.mnist
@pytest.mark.skipif(not mnist_available(), reason="MNIST files not available")
def test_mnist_comparison_reproduces_the_course_note():
    from dlcourse.data import load_mnist

    (x_train, t_train), (x_test, t_test) = load_mnist()
    settings = {name: (name, 0.01, {}) for name in ("SGD", "RMSprop", "Adam")}
    r = P.compare_on_mnist(x_train, t_train, x_test, t_test, settings, iters=1000, seed=0)
    # The note: SGD about 11%, RMSprop 93.97%, Adam 94.58% (on all 60,000 training images).
    assert r["SGD"]["final_test_acc"] < 0.2, r["SGD"]["final_test_acc"]
    assert r["SGD"]["loss"][-100:].mean() > 2.2            # still at ln(10): nothing learned
    assert r["RMSprop"]["final_test_acc"] > 0.9, r["RMSprop"]["final_test_acc"]
    assert r["Adam"]["final_test_acc"] > 0.9, r["Adam"]["final_test_acc"]
    assert list(r["Adam"]["eval_iters"]) == list(range(100, 1001, 100))
