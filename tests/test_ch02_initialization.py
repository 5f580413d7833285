"""ch02_initialization: the graded notebook grades correctly (nbgrader round trip), and the lecture helpers work.

The grading tests come from the chapter's record (chapters/ch02_initialization.py): the source solution and
alternative correct answers get full marks; each known mistake loses points in the cells it names,
with a message that names it.
"""

from __future__ import annotations

import numpy as np
import pytest

from chapterkit import ChapterGradingTests


class TestGrading(ChapterGradingTests):
    chapter = "ch02_initialization"


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


def test_section_3_backward_signal_shrinks_as_the_lecture_says():
    """The lecture's numbers: per layer, sigmoid's backward signal is divided by about 40 with std 0.01
    (chapter 1's measurement), by about 4 with Xavier (std 0.1 for 100 units), and hardly with std 1."""
    from dlcourse.widgets.activations import layer_statistics

    def factor(std):
        d = layer_statistics("sigmoid", depth=5, init_std=std)["delta_mean_abs"]
        return float(np.mean(d[1:] / d[:-1]))

    assert 30 < factor(0.01) < 50
    assert 3 < factor(0.1) < 6
    assert factor(1.0) < 2


def test_variance_recursion_predicts_the_lecture_networks():
    """Section 2's recursion (the graded notebook's prediction) against the book's 5-layer ReLU experiment,
    averaged over 8 draws of the weights (one draw of a 100-unit network deviates by up to about 10 %)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1000, 100))
    c = np.sqrt(0.5 - 1 / (2 * np.pi))
    for method, per_layer in [("he", 1.0), ("xavier", np.sqrt(0.5))]:
        measured = np.mean([[a.std() for a in P.layer_activations(method, "relu", x=x, rng=np.random.default_rng(s))]
                            for s in range(1, 9)], axis=0)
        predicted = c * np.sqrt(2.0 if method == "he" else 1.0) * per_layer ** np.arange(5)
        np.testing.assert_allclose(measured, predicted, rtol=0.05)
