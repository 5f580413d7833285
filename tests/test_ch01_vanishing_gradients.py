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
def test_note_experiment_sigmoid_stalls_relu_learns(mnist):
    data = mnist
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


# ----------------------------------------------------------------------------- beyond ReLU
def test_selu_constants_are_the_solution_of_the_two_equations():
    from dlcourse.functions import SELU_ALPHA, SELU_LAMBDA, elu, selu

    alpha, lam = plots.selu_constants()
    assert alpha == pytest.approx(SELU_ALPHA, rel=1e-14) and lam == pytest.approx(SELU_LAMBDA, rel=1e-14)
    mean, square = plots.normal_moments(selu)
    assert abs(mean) < 1e-12 and abs(square - 1) < 1e-12
    # independent check of the integrator: E[z] = 0, E[z^2] = 1, E[|z|] = sqrt(2/pi), E[relu(z)^2] = 1/2 for z ~ N(0, 1)
    assert plots.normal_moments(lambda v: v) == pytest.approx((0.0, 1.0), abs=1e-12)
    assert plots.normal_moments(np.abs)[0] == pytest.approx(np.sqrt(2 / np.pi), rel=1e-12)
    assert plots.normal_moments(lambda v: np.maximum(v, 0), std=2.0)[1] == pytest.approx(2.0, rel=1e-12)
    # the lecture's means of relu(z) and elu(z): 1/sqrt(2 pi) = 0.399, and 1/sqrt(2 pi) + e^(1/2) Phi(-1) - 1/2 = 0.161
    from math import erfc, exp, pi, sqrt
    assert plots.normal_moments(np.abs)[0] / 2 == pytest.approx(1 / sqrt(2 * pi), rel=1e-12)
    assert plots.normal_moments(elu)[0] == pytest.approx(1 / sqrt(2 * pi) + exp(0.5) * erfc(1 / sqrt(2)) / 2 - 0.5,
                                                         rel=1e-10)
    # the rounded constants miss both equations by more than 1e-6: the lecture's point
    mean, square = plots.normal_moments(lambda v: 1.0507 * elu(v, 1.6733))
    assert abs(mean) > 1e-6 and abs(square - 1) > 1e-5


def test_beyond_relu_figures_draw():
    fig = plots.plot_activation_family()
    assert isinstance(fig, Figure)
    fig.canvas.draw()
    runs = plots.self_normalisation_runs(depth=4)
    assert set(runs) == set(plots.SELF_NORMALISATION_CASES)
    plots.plot_self_normalisation(runs).canvas.draw()


def test_self_normalisation_runs_show_what_the_lecture_says():
    runs = plots.self_normalisation_runs(depth=30)
    lecun = runs["SELU, LeCun (tau = 1)"]
    assert np.all(np.abs(lecun["mean"]) < 0.05) and np.all(np.abs(lecun["var"] - 1) < 0.1), lecun
    above, below = runs["SELU, LeCun, inputs of std 3"]["var"], runs["SELU, LeCun, inputs of std 0.3"]["var"]
    assert above[0] > 4 and below[0] < 0.2                          # they start far from 1 ...
    assert abs(above[-1] - 1) < 0.1 and abs(below[-1] - 1) < 0.1    # ... and are pulled back
    assert np.all(np.diff(above[:8]) < 0) and np.all(np.diff(below[:8]) > 0)
    he = runs["SELU, He (tau = 2)"]["var"]
    assert he[-1] > 100 and he[-1] > 50 * he[0]                     # grows without bound
    assert runs["SELU, PyTorch's nn.Linear default (tau = 1/3)"]["var"][-1] < 1e-3
    bn = runs["SELU, He + batch norm (gamma = 1.5)"]
    # batch norm sets the statistics: selu(u) for u ~ N(0, 1.5^2) in every layer, not SELU's fixed point
    mean, square = plots.normal_moments(ACTIVATIONS_SELU, std=1.5)
    np.testing.assert_allclose(bn["var"], square - mean ** 2, rtol=0.05)
    np.testing.assert_allclose(bn["mean"], mean, atol=0.02)
    # ReLU is positively homogeneous: inputs 3 times larger give variances exactly 9 times larger, in every layer
    np.testing.assert_allclose(runs["ReLU, He, inputs of std 3"]["var"], 9 * runs["ReLU, He"]["var"], rtol=1e-9)
    zeros = runs["ReLU, He"]["zero"]                                # sparsity: ReLU's exact zeros ...
    assert abs(zeros.mean() - 0.5) < 0.03 and np.all(np.abs(zeros - 0.5) < 0.12), zeros
    assert np.all(lecun["zero"] == 0)                               # ... SELU has none


def ACTIVATIONS_SELU(v):
    from dlcourse.functions import selu

    return selu(v)


def test_layer_statistics_batch_norm_gradient_and_new_activations():
    """Every activation of the table runs through layer_statistics (histograms count every activation); with
    batch norm the statistics are those of selu(N(0, 1)) whatever the weight scale, and gradients flow."""
    from dlcourse.functions import ACTIVATIONS

    for name in ACTIVATIONS:
        st = layer_statistics(name, 3, 0.1)
        assert st["hist"].sum(axis=1).tolist() == [500 * 100] * 3, name
        assert np.all(np.isfinite(st["grad_mean_abs"])) and np.all(np.isfinite(st["edges"])), name
    with pytest.raises(ValueError, match="input_std"):
        layer_statistics("selu", 3, 0.1, input_std=0.0)
    bn = layer_statistics("selu", 4, 0.5, bn_gamma=1.0)
    # batch norm normalises every unit over the batch: the pre-activations are N(0, 1) per unit whatever the scale
    mean, square = plots.normal_moments(ACTIVATIONS_SELU)
    np.testing.assert_allclose(bn["act_mean"], mean, atol=0.02)
    np.testing.assert_allclose(bn["act_std"] ** 2, square - mean ** 2, rtol=0.05)
    assert np.all(bn["grad_mean_abs"] > 0)


def test_time_activations_returns_ratios_to_relu():
    cost = plots.time_activations(names=("relu", "selu", "gelu_tanh"), n=10_000, repeats=3)
    assert set(cost) == {"relu", "selu", "gelu_tanh"} and all(v > 0 for v in cost.values())


@pytest.mark.mnist
@pytest.mark.slow
def test_dead_units_stay_dead_with_relu_and_move_with_leaky_relu(mnist):
    data = mnist
    r = plots.dead_units_experiment(data)
    assert 0.2 * r["hidden"] < r["dead"] < 0.6 * r["hidden"], r
    relu, leaky = r["runs"]["relu"], r["runs"]["leaky_relu"]
    assert relu["unchanged"] == relu["still_dead"] == r["dead"] and relu["mean_change"] == 0.0
    assert leaky["unchanged"] == 0 and 0 < leaky["mean_change"] < 0.2 * leaky["mean_change_alive"]
    assert leaky["still_dead"] > 0.8 * r["dead"]          # the lecture: moved, but hardly any came back
    assert relu["test_acc"] > 0.9 and leaky["test_acc"] > 0.9
