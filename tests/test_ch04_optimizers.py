"""Chapter 4 (optimizers): grading round trip, trajectories, the note's claims measured, MNIST and the explorer.

The grading tests come from the chapter's record (chapters/ch04_optimizers.py): the source solution
and alternative correct answers get full marks; each known mistake loses points in the cells it
names, with a message that names it.
"""

from __future__ import annotations

import numpy as np
import pytest

from chapterkit import ChapterGradingTests


class TestGrading(ChapterGradingTests):
    chapter = "ch04_optimizers"


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
# what the optimizers do not guarantee: the turned valley, two minima, a saddle
# ----------------------------------------------------------------------------
def _turn(deg):
    a = np.deg2rad(deg)
    return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])


def test_turned_bowl_is_the_same_valley_and_its_gradient_is_right():
    R = _turn(45)
    h = 1e-6
    for w in ([-7.0, 2.0], [3.0, -0.5], [0.4, 1.1]):
        w = np.array(w)
        assert P.bowl(*(R @ w), angle=45) == pytest.approx(P.bowl(*w), rel=1e-12)
        numeric = [(P.bowl(*(w + h * e), angle=45) - P.bowl(*(w - h * e), angle=45)) / (2 * h) for e in np.eye(2)]
        np.testing.assert_allclose(P.bowl_grad(w, angle=45), numeric, rtol=1e-6, atol=1e-9)


def test_sgd_and_momentum_do_not_see_the_turn_but_the_per_coordinate_methods_do():
    R = _turn(45)
    for name in ("SGD", "Momentum"):
        plain, turned = P.trajectory(name, P.DEFAULT_LR[name], 30), P.trajectory(name, P.DEFAULT_LR[name], 30, angle=45)
        np.testing.assert_allclose(turned["points"], plain["points"] @ R.T, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(turned["loss"], plain["loss"], rtol=1e-9, atol=1e-14)
    for name in ("AdaGrad", "RMSprop", "Adam"):
        plain, turned = P.trajectory(name, P.DEFAULT_LR[name], 30), P.trajectory(name, P.DEFAULT_LR[name], 30, angle=45)
        assert turned["loss"][-1] > 5 * plain["loss"][-1], name     # the lecture: they lose their advantage


def test_double_well_has_a_deep_and_a_shallow_minimum():
    x = np.linspace(-1.9, 1.9, 39)
    h = 1e-6
    np.testing.assert_allclose(P.double_well_grad(x), (P.double_well(x + h) - P.double_well(x - h)) / (2 * h),
                               rtol=1e-6, atol=1e-8)
    roots = np.sort(np.roots([4.0, 0.0, -4.0, 0.3]).real)       # f'(x) = 4x^3 - 4x + 0.3
    deep, hump, shallow = roots
    assert deep == pytest.approx(-1.036, abs=1e-3) and shallow == pytest.approx(0.960, abs=1e-3)
    assert hump == pytest.approx(0.0754, abs=1e-3) and P.double_well(deep) < P.double_well(shallow)


def test_momentum_basins_plain_descent_stays_in_its_basin_momentum_crosses_both_ways():
    b = P.momentum_basins()
    hump = np.sort(np.roots([4.0, 0.0, -4.0, 0.3]).real)[1]
    assert b["mus"][0] == 0.0
    np.testing.assert_array_equal(b["global"][0], b["starts"] < hump)      # SGD: the basin of the start
    ends = b["ends"]
    assert np.all(np.isfinite(ends)) and np.all(np.abs(np.abs(ends) - 1.0) < 0.05)   # every run settled in a minimum
    i = list(b["mus"]).index(0.9)
    left = b["starts"] < hump
    assert np.any(left & ~b["global"][i]), "momentum 0.9 should leave the deep minimum from some starts"
    assert np.any(~left & b["global"][i]), "momentum 0.9 should reach the deep minimum from some far-right starts"
    assert abs(b["global"][i].mean() - b["global"][0].mean()) < 0.1      # the share barely moves
    assert P.well_path(-1.8, 0.02, 0.9, 300)[-1] > hump                  # the lecture's example start
    assert P.well_path(-1.8, 0.02, 0.0, 300)[-1] < hump


def test_saddle_escape_times():
    h = 1e-6
    for w in ([2.0, 1e-4], [0.3, -0.7], [-1.0, 1.2]):
        w = np.array(w)
        numeric = [(P.saddle(*(w + h * e)) - P.saddle(*(w - h * e))) / (2 * h) for e in np.eye(2)]
        np.testing.assert_allclose(P.saddle_grad(w), numeric, rtol=1e-6, atol=1e-9)
    runs = P.saddle_runs(y0=1e-4)
    # SGD: y grows by about (1 + lr) per step near the ridge: ln(0.5 / 1e-4) / ln(1.1) = 89.4 steps
    assert abs(runs["SGD"]["escape"] - np.log(0.5 / 1e-4) / np.log(1.1)) < 3
    assert runs["Momentum"]["escape"] < runs["SGD"]["escape"] / 2
    for name in ("AdaGrad", "RMSprop", "Adam"):
        assert runs[name]["escape"] <= 10, (name, runs[name]["escape"])
    closer = P.saddle_runs(y0=1e-8)
    assert abs((closer["SGD"]["escape"] - runs["SGD"]["escape"]) - 4 * np.log(10) / np.log(1.1)) < 3
    on_ridge = P.saddle_runs(y0=0.0)
    assert all(r["escape"] is None and np.all(r["points"][:, 1] == 0) for r in on_ridge.values())


def test_lr_sweep_runs_every_setting_on_the_same_data():
    rng = np.random.default_rng(0)
    x = rng.random((60, 30)).astype(np.float32)
    t = rng.integers(0, 10, 60)
    sweep = P.lr_sweep_on_mnist(x, t, x[:20], t[:20], names=("SGD", "Adam"), lrs=(0.01, 0.1), iters=20,
                                eval_every=10, eval_samples=20, hidden_sizes=(8, 6))
    assert sweep["names"] == ["SGD", "Adam"] and sweep["acc"].shape == (2, 2)
    assert set(sweep["runs"]) == {"SGD 0.01", "SGD 0.1", "Adam 0.01", "Adam 0.1"}
    assert sweep["acc"][1, 0] == sweep["runs"]["Adam 0.01"]["final_test_acc"]
    # all runs start from the same weights: their first losses agree
    first = {k: r["loss"][0] for k, r in sweep["runs"].items()}
    assert max(first.values()) - min(first.values()) < 1e-6
    # a run made before with the same data and settings is reused, and is what the sweep would compute
    kept = sweep["runs"]["Adam 0.01"]
    again = P.lr_sweep_on_mnist(x, t, x[:20], t[:20], names=("SGD", "Adam"), lrs=(0.01, 0.1), iters=20,
                                eval_every=10, eval_samples=20, hidden_sizes=(8, 6), reuse={"Adam 0.01": kept})
    assert again["runs"]["Adam 0.01"] is kept
    np.testing.assert_array_equal(again["acc"], sweep["acc"])


def test_new_figures_draw():
    import matplotlib

    matplotlib.use("Agg")
    sweep = {"names": ["SGD", "Adam"], "lrs": np.array([0.01, 0.1]), "acc": np.array([[0.1, 0.5], [0.9, 0.6]])}
    for fig in (P.plot_trajectories(angle=45), P.plot_momentum_basins(P.momentum_basins(steps=300)),
                P.plot_saddle(P.saddle_runs(steps=50)), P.plot_lr_sweep(sweep)):
        fig.canvas.draw()


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


@pytest.mark.slow
@pytest.mark.mnist
@pytest.mark.skipif(not mnist_available(), reason="MNIST files not available")
def test_mnist_claims_of_the_lecture():
    """The lecture's corrections of the note: ReLU alone does not rescue SGD from std-0.01 weights,
    and RMSprop/Adam need their learning rate tuned like the others."""
    from dlcourse.data import load_mnist

    (x_train, t_train), (x_test, t_test) = load_mnist()
    for init, low, high in ((0.01, 0.0, 0.2), ("he", 0.8, 1.0)):
        r = P.compare_on_mnist(x_train, t_train, x_test, t_test, {"SGD": ("SGD", 0.01, {})}, iters=1000, seed=0,
                               activation="relu", weight_init=init)["SGD"]
        assert low <= r["final_test_acc"] <= high, (init, r["final_test_acc"])
    sweep = P.lr_sweep_on_mnist(x_train, t_train, x_test, t_test, names=("Momentum", "RMSprop", "Adam"),
                                lrs=(1e-3, 1e-2, 1e-1, 1.0), iters=1000, seed=0)
    acc = dict(zip(sweep["names"], sweep["acc"]))
    for name in ("RMSprop", "Adam"):
        best = acc[name][1]                                   # lr 0.01
        assert best > 0.9 and acc[name][0] < best - 0.15 and acc[name][2] < best - 0.15, (name, acc[name])
    assert acc["Momentum"][1] < 0.2 and acc["Momentum"][3] > 0.85, acc["Momentum"]
