"""ch01_vanishing_gradients: the graded notebook grades correctly (nbgrader round trip), and the lecture's
experiment helpers and explorer widget work.

The grading tests come from the chapter's record (chapters/ch01_vanishing_gradients.py): the source solution
and alternative correct answers get full marks; each known mistake loses points in the cells it names, with a
message that names it.
"""

from __future__ import annotations

import numpy as np
import pytest

from chapterkit import ChapterGradingTests


class TestGrading(ChapterGradingTests):
    chapter = "ch01_vanishing_gradients"


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


def test_backward_signal_follows_the_predicted_factor_per_layer():
    """The lecture's and the graded notebook's prediction: each layer multiplies the backward signal by about
    (rms of the activation's derivative) * s * sqrt(n); for ReLU the weight gradients stay level."""
    n = 100
    for activation, s, factor in (("sigmoid", 0.01, 0.25), ("relu", 0.05, np.sqrt(0.5)), ("relu", 0.3, np.sqrt(0.5))):
        st = layer_statistics(activation, 6, s)
        d = st["delta_mean_abs"]
        ratios = d[:-1] / d[1:]
        assert np.allclose(ratios, factor * s * np.sqrt(n), rtol=0.15), (activation, s, ratios)
        if activation == "relu":            # forward and backward shrink (or grow) together: level weight gradients
            g = st["grad_mean_abs"][:-1]
            steps = g[1:-1] / g[2:]          # between hidden layers 2..6 (layer 1 is fed by x, not by a ReLU)
            assert np.all((steps > 1 / 1.5) & (steps < 1.5)), (s, steps)


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
        np.testing.assert_allclose(ex.delta_line.get_ydata(), np.maximum(st["delta_mean_abs"], 1e-300))
        assert not np.array_equal(before_y, ex.grad_line.get_ydata()), name
        visible = [line.get_visible() for line in ex.hist_lines]
        assert sum(visible) == ex.depth.value and visible[:ex.depth.value] == [True] * ex.depth.value
    ex.depth.value = 3
    assert sum(line.get_visible() for line in ex.hist_lines) == 3
    assert len(ex.grad_line.get_xdata()) == 4 and len(ex.delta_line.get_xdata()) == 3


@pytest.mark.mnist
@pytest.mark.slow
def test_note_experiment_sigmoid_stalls_relu_learns():
    from dlcourse.data import load_mnist
    try:
        data = load_mnist()
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"MNIST not available: {exc}")
    sig = plots.run_note_experiment("sigmoid", data, eval_every=500)
    rel = plots.run_note_experiment("relu", data, eval_every=500)
    assert sig["test_acc"][-1] < 0.2, sig["test_acc"]
    assert rel["test_acc"][-1] > 0.8, rel["test_acc"]
    g = sig["grad_mean_abs"].mean(axis=0)
    assert g[0] < 1e-3 * g[2]                            # W1 gets a thousandth of W3's gradient
    # the lecture's claim: the sigmoid network answers one digit for every test image, so its accuracy is
    # exactly that digit's share of the (whole) test set
    (_, _), (_, t_test) = data
    counts = sig["pred_counts"]
    assert counts.sum() == len(t_test) and counts.max() == len(t_test), counts
    k = int(np.argmax(counts))
    assert sig["test_acc"][-1] == pytest.approx(np.mean(t_test == k)) == pytest.approx(sig["class_share"][k])
    assert rel["pred_counts"].max() < 0.2 * len(t_test)
    plots.plot_note_experiment([sig, rel]).canvas.draw()
