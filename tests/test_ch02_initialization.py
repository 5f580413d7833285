"""Chapter 2 (weight initialisation): grading round trip, experiments and the explorer.

The grading tests grade, with nbgrader itself, the source solutions and alternative correct
implementations (which must get full marks) and the typical mistakes (which must lose points in
the expected cells only, with feedback that names the mistake).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from gradingkit import assert_full_marks, assert_mistake_caught, grade_variants

CHAPTER = "ch02_initialization"


def _code(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


# ---------------------------------------------------------------------------- correct variants
ALT_XAVIER = _code('''
import math

def xavier_std(n_in):
    return n_in ** -0.5
''')

ALT_HE = _code('''
import math

def he_std(n_in):
    return math.sqrt(2) / math.sqrt(n_in)
''')

# rng.normal instead of std * standard_normal, a dict of rules, tuples built differently.
ALT_INIT_NORMAL = _code('''
def init_weights(sizes, method, rng):
    rules = {"xavier": lambda n_in, n_out: 1.0 / np.sqrt(n_in),
             "he": lambda n_in, n_out: np.sqrt(2.0 / n_in),
             "zero": lambda n_in, n_out: 0.0}
    layers = []
    for i in range(len(sizes) - 1):
        n_in, n_out = sizes[i], sizes[i + 1]
        std = rules[method](n_in, n_out) if isinstance(method, str) else method
        if std == 0:
            W = np.zeros((n_in, n_out))
        else:
            W = rng.normal(0.0, std, size=(n_in, n_out))
        layers.append(tuple([W, np.zeros((n_out,))]))
    return layers
''')

# Draws in another order: the last layer first, each matrix transposed. Same distribution.
ALT_INIT_REVERSED = _code('''
def init_weights(sizes, method, rng):
    pairs = list(zip(sizes[:-1], sizes[1:]))
    out = [None] * len(pairs)
    for k in reversed(range(len(pairs))):
        n_in, n_out = pairs[k]
        if method == "zero":
            std = 0.0
        elif method == "he":
            std = he_std(n_in)
        elif method == "xavier":
            std = xavier_std(n_in)
        else:
            std = float(method)
        W = (rng.standard_normal((n_out, n_in)) * std).T.copy()
        out[k] = [W, np.zeros(n_out, dtype=W.dtype)]
    return out
''')

ALT_QUIZ_ZERO = _code('''
answer_zero_init = " B "
''')

ALT_QUIZ_CHOICE = _code('''
init_for_sigmoid = "Xavier"
init_for_relu = "He"
''')

# ---------------------------------------------------------------------------- mistakes
BUG_SWAPPED_XAVIER = _code('''
def xavier_std(n_in):
    return np.sqrt(2.0 / n_in)
''')

BUG_SWAPPED_HE = _code('''
def he_std(n_in):
    return 1.0 / np.sqrt(n_in)
''')

BUG_INIT_N_OUT = _code('''
def init_weights(sizes, method, rng):
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        if method == "xavier":
            std = xavier_std(n_out)
        elif method == "he":
            std = he_std(n_out)
        elif method == "zero":
            std = 0.0
        else:
            std = float(method)
        params.append((std * rng.standard_normal((n_in, n_out)), np.zeros(n_out)))
    return params
''')

BUG_INIT_RANDOM_BIAS = _code('''
def init_weights(sizes, method, rng):
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        if method == "xavier":
            std = xavier_std(n_in)
        elif method == "he":
            std = he_std(n_in)
        elif method == "zero":
            std = 0.0
        else:
            std = float(method)
        W = std * rng.standard_normal((n_in, n_out))
        b = std * rng.standard_normal(n_out)
        params.append((W, b))
    return params
''')

BUG_INIT_UNIFORM = _code('''
def init_weights(sizes, method, rng):
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        std = {"xavier": xavier_std(n_in), "he": he_std(n_in), "zero": 0.0}.get(method, method)
        a = np.sqrt(3.0) * std     # uniform(-a, a) has this std, but is not normal
        params.append((rng.uniform(-a, a, size=(n_in, n_out)), np.zeros(n_out)))
    return params
''')

BUG_INIT_GLOBAL_RANDOM = _code('''
def init_weights(sizes, method, rng):
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        std = {"xavier": xavier_std(n_in), "he": he_std(n_in), "zero": 0.0}.get(method, method)
        params.append((std * np.random.randn(n_in, n_out), np.zeros(n_out)))
    return params
''')

BUG_QUIZ_ZERO = _code('''
answer_zero_init = "c"
''')

BUG_QUIZ_CHOICE_SWAPPED = _code('''
init_for_sigmoid = "he"
init_for_relu = "xavier"
''')

ALL_CELLS = {
    "test_xavier_std_values", "test_he_std_values", "test_init_weights_shapes",
    "test_init_weights_zero_biases", "test_init_weights_std", "test_init_weights_zero_method",
    "test_init_weights_distribution", "test_quiz_zero_init", "test_quiz_init_choice",
}
MAX_POINTS = 11

CORRECT = {
    "solution": {},
    "alt_std_formulas": {"xavier_std": ALT_XAVIER, "he_std": ALT_HE},
    "alt_init_rng_normal": {"init_weights": ALT_INIT_NORMAL},
    "alt_init_reversed_order": {"init_weights": ALT_INIT_REVERSED},
    "alt_quiz_spelling": {"quiz_zero_init": ALT_QUIZ_ZERO, "quiz_init_choice": ALT_QUIZ_CHOICE},
}

# variant -> (replacements, cells that must lose points, {cell: substring its feedback must show})
BUGS = {
    # The solution's init_weights calls xavier_std/he_std, so the swap also shows in its std test.
    "bug_he_xavier_swapped": (
        {"xavier_std": BUG_SWAPPED_XAVIER, "he_std": BUG_SWAPPED_HE},
        {"test_xavier_std_values", "test_he_std_values", "test_init_weights_std"},
        {"test_xavier_std_values": "He and Xavier swapped", "test_he_std_values": "He and Xavier swapped",
         "test_init_weights_std": "He and Xavier swapped"}),
    "bug_init_uses_n_out": (
        {"init_weights": BUG_INIT_N_OUT}, {"test_init_weights_std"},
        {"test_init_weights_std": "using n_out"}),
    "bug_random_biases": (
        {"init_weights": BUG_INIT_RANDOM_BIAS}, {"test_init_weights_zero_biases"},
        {"test_init_weights_zero_biases": "biases initialised randomly"}),
    "bug_uniform_draws": (
        {"init_weights": BUG_INIT_UNIFORM}, {"test_init_weights_distribution"},
        {"test_init_weights_distribution": "uniform distribution"}),
    "bug_global_random_state": (
        {"init_weights": BUG_INIT_GLOBAL_RANDOM}, {"test_init_weights_distribution"},
        {"test_init_weights_distribution": "np.random.randn"}),
    "bug_quiz_zero_init": (
        {"quiz_zero_init": BUG_QUIZ_ZERO}, {"test_quiz_zero_init"},
        {"test_quiz_zero_init": "same gradient"}),
    "bug_quiz_choice_swapped": (
        {"quiz_init_choice": BUG_QUIZ_CHOICE_SWAPPED}, {"test_quiz_init_choice"},
        {"test_quiz_init_choice": "He and Xavier are swapped"}),
}


@pytest.fixture(scope="module")
def graded():
    variants = dict(CORRECT)
    variants.update({name: repl for name, (repl, _, _) in BUGS.items()})
    return grade_variants(CHAPTER, variants)


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(CORRECT))
def test_correct_implementations_get_full_marks(graded, variant):
    assert_full_marks(graded[variant], MAX_POINTS, ALL_CELLS)


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(BUGS))
def test_each_mistake_loses_points_where_expected_and_is_named(graded, variant):
    _, cells, messages = BUGS[variant]
    assert_mistake_caught(graded[variant], cells, messages)


# ---------------------------------------------------------------------------- experiments
from dlcourse.plots import initialization as P  # noqa: E402


def test_resolve_std_names_and_numbers():
    assert P.resolve_std("xavier", 100, 7) == pytest.approx(0.1)
    assert P.resolve_std("he", 50, 7) == pytest.approx(0.2)
    assert P.resolve_std("glorot", 30, 70) == pytest.approx(np.sqrt(2 / 100))
    assert P.resolve_std("0.01", 100, 100) == pytest.approx(0.01)
    assert P.resolve_std(0.5, 100, 100) == pytest.approx(0.5)
    assert P.resolve_std("zero", 100, 100) == 0.0
    with pytest.raises(ValueError, match="method"):
        P.resolve_std("lecun", 10, 10)


def test_layer_activations_follow_the_books_findings():
    """Sigmoid: std 1 saturates, std 0.01 collapses to 0.5, Xavier spreads. ReLU: He keeps the scale."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1000, 100))
    stats = {}
    for method, act in [(1.0, "sigmoid"), (0.01, "sigmoid"), ("xavier", "sigmoid"),
                        (0.01, "relu"), ("xavier", "relu"), ("he", "relu")]:
        acts = P.layer_activations(method, act, x=x, rng=np.random.default_rng(1))
        assert len(acts) == 5 and all(a.shape == (1000, 100) for a in acts)
        stats[(method, act)] = P.layer_stats(acts, act)
    assert stats[(1.0, "sigmoid")]["saturated"][-1] > 0.3            # many values at 0 and 1
    assert stats[(0.01, "sigmoid")]["std"][-1] < 0.03                  # all close to 0.5
    assert abs(stats[(0.01, "sigmoid")]["mean"][-1] - 0.5) < 0.01
    assert stats[("xavier", "sigmoid")]["std"][-1] > 0.1               # spread out
    assert stats[("xavier", "sigmoid")]["saturated"][-1] < 0.05
    assert stats[(0.01, "relu")]["std"][-1] < 1e-5                     # vanishing
    he = stats[("he", "relu")]["std"]
    xav = stats[("xavier", "relu")]["std"]
    assert 0.5 < he[-1] / he[0] < 2.0                                  # He keeps the scale
    assert xav[-1] / xav[0] < 0.4                                      # Xavier shrinks ~1/sqrt(2) per layer


def test_activation_histograms_fractions_and_clipping():
    acts = [np.array([[-1.0, 0.0, 0.05, 0.5, 0.999, 2.0]])]
    edges, counts = P.activation_histograms(acts, "sigmoid", bins=10)
    assert edges.shape == (11,) and counts.shape == (1, 10)
    np.testing.assert_allclose(counts.sum(axis=1), 1.0)
    expected = np.zeros(10)
    expected[0] = 3 / 6   # -1 (clipped), 0.0, 0.05
    expected[5] = 1 / 6   # 0.5
    expected[9] = 2 / 6   # 0.999 and 2.0 (clipped)
    np.testing.assert_allclose(counts[0], expected)
    ref, _ = np.histogram(np.clip(acts[0], 0, 1), bins=edges)
    np.testing.assert_allclose(counts[0], ref / 6)


def test_distinct_units_counts_different_columns():
    W = np.array([[1.0, 1.0, 2.0], [3.0, 3.0, 3.0]])
    assert P.distinct_units(W) == 2
    assert P.distinct_units(np.zeros((4, 5))) == 1
    assert P.distinct_units(np.random.default_rng(0).standard_normal((4, 5))) == 5


def _toy_data(n=300, d=20, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    centers = 2.0 * rng.standard_normal((classes, d))
    t = rng.integers(0, classes, size=n)
    return centers[t] + rng.standard_normal((n, d)), t


def test_symmetry_demo_zero_init_keeps_units_identical():
    x, t = _toy_data()
    zero = P.symmetry_demo(x, t, method="zero", activation="sigmoid", hidden=(8, 6), iters=60, lr=0.5,
                           rng=np.random.default_rng(0))
    assert zero["distinct"] == [1, 1]
    xavier = P.symmetry_demo(x, t, method="xavier", activation="sigmoid", hidden=(8, 6), iters=60, lr=0.5,
                             rng=np.random.default_rng(0))
    assert xavier["distinct"] == [8, 6]
    assert xavier["accuracy"] > zero["accuracy"]


def test_compare_inits_records_curves_on_small_data():
    x, t = _toy_data(n=400, d=30)
    data = ((x[:300], t[:300]), (x[300:], t[300:]))
    res = P.compare_inits_on_mnist([("0.01", "sigmoid"), ("he", "relu")], data=data, hidden=(10, 8),
                                   iters=60, batch_size=20, eval_every=20, n_eval=100,
                                   rng=np.random.default_rng(0))
    assert list(res) == ["0.01 + sigmoid", "he + relu"]
    for r in res.values():
        assert r["loss"].shape == (60,) and np.all(np.isfinite(r["loss"]))
        np.testing.assert_array_equal(r["iters"], [0, 20, 40, 60])   # before training, then every 20
        assert r["test_acc"].shape == (4,) and np.all((0 <= r["test_acc"]) & (r["test_acc"] <= 1))
    # He + ReLU learns the separable toy problem; std 0.01 + sigmoid barely moves in 60 steps.
    assert res["he + relu"]["test_acc"][-1] > 0.9
    assert res["he + relu"]["loss"][-10:].mean() < res["0.01 + sigmoid"]["loss"][-10:].mean()


# ---------------------------------------------------------------------------- explorer
def test_init_explorer_controls_redraw_correct_histograms():
    import matplotlib

    matplotlib.use("Agg")
    from dlcourse.widgets.initialization import InitExplorer, histogram_data

    e = InitExplorer()
    assert e.widget is not None and len(e.bars) == 5
    draws = e.view.draw_count

    def heights():
        return np.array([[r.get_height() for r in b.patches] for b in e.bars])

    for attr, value in InitExplorer.bench_cases():
        before = heights()
        getattr(e, attr).value = value
        assert e.view.draw_count > draws, f"changing {attr} did not redraw"
        draws = e.view.draw_count
        assert not np.allclose(before, heights()), f"changing {attr} to {value!r} left the bars unchanged"
        expected = histogram_data(e.current_method(), e.activation.value, x=e._x, unit_weights=e._unit)
        np.testing.assert_allclose(heights(), expected["counts"])
    # the custom slider is used only with method "custom", and He's layer-1 std is sqrt(2/100)
    e.method.value = "he"
    assert e.std.disabled
    assert e.data["weight_std"][0] == pytest.approx(np.sqrt(0.02))
    e.activation.value = "tanh"
    assert e.axes[0].get_xlim() == (-1.0, 1.0)
    assert "tanh" in e.suptitle.get_text()
