"""Chapter 5 (regularisation): grading round trip, experiments, figures and the explorer.

The grading tests come from the chapter's record (chapters/ch05_regularization.py): the source
solution and alternative correct answers get full marks; each known mistake loses points in the
cells it names, with a message that names it.
"""

from __future__ import annotations

import pytest

from chapterkit import ChapterGradingTests


class TestGrading(ChapterGradingTests):
    chapter = "ch05_regularization"


# ----------------------------------------------------------------------------
# experiments and figures
# ----------------------------------------------------------------------------
import numpy as np  # noqa: E402

from conftest import mnist_available  # noqa: E402
from dlcourse.plots import regularization as R  # noqa: E402


def _synthetic(n_train=100, d=20, seed=0):
    """A small separable problem with 10 classes: class prototypes plus noise."""
    rng = np.random.default_rng(seed)
    protos = rng.standard_normal((10, d))

    def draw(n):
        t = rng.integers(0, 10, n)
        return (protos[t] + 0.8 * rng.standard_normal((n, d))).astype(np.float32), t

    x, t = draw(n_train + 200)
    xt, tt = draw(300)
    return R.split_overfitting_data(x, t, xt, tt, n_train=n_train, n_val=100, n_test=200)


def test_split_takes_the_first_images_and_a_disjoint_validation_set():
    x = np.arange(1000)[:, None].astype(float)
    t = np.arange(1000) % 10
    d = R.split_overfitting_data(x, t, x[:500], t[:500], n_train=300, n_val=200, n_test=100)
    assert np.array_equal(d["x_train"][:, 0], np.arange(300))
    assert d["x_val"].shape == (200, 1) and d["x_val"][:, 0].min() >= 300
    assert len(np.unique(d["x_val"][:, 0])) == 200
    assert d["x_test"].shape == (100, 1)
    with pytest.raises(ValueError, match="exceeds"):
        R.split_overfitting_data(x, t, x, t, n_train=900, n_val=200)


def test_early_stopping_point_by_hand():
    loss = [5.0, 4.0, 3.0, 3.5, 3.2, 3.1, 3.3, 2.0]
    # best so far 3.0 at index 2; no improvement at 3, 4, 5 -> with patience 3 stop at index 5
    assert R.early_stopping_point(loss, 3) == (5, 2)
    # patience 5 never triggers before the new best at index 7
    assert R.early_stopping_point(loss, 5) == (7, 7)
    acc = [0.1, 0.5, 0.4, 0.6, 0.6, 0.55]
    assert R.early_stopping_point(acc, 2, mode="max") == (5, 3)   # ties do not count as improvement
    with pytest.raises(ValueError):
        R.early_stopping_point(loss, 0)


def test_constrained_minimum_l1_corner_and_l2_kkt():
    g = R.GEOMETRY
    H = np.array(g["hessian"])
    c = np.array(g["center"])
    w1, _ = R.constrained_minimum("l1", c, H, g["budget"])
    np.testing.assert_allclose(w1, [1.0, 0.0], atol=1e-12)          # a corner: w2 exactly 0
    w2, loss2 = R.constrained_minimum("l2", c, H, g["budget"])
    assert np.hypot(*w2) == pytest.approx(1.0) and np.all(np.abs(w2) > 0.3)
    # optimality on the circle: the loss gradient H (w - c) points along -w (KKT)
    grad = H @ (w2 - c)
    assert abs(grad[0] * w2[1] - grad[1] * w2[0]) < 1e-3 and grad @ w2 < 0
    # no point of the boundary is better (brute force, independent of the search)
    a = np.linspace(0, 2 * np.pi, 100000)
    pts = np.stack([np.cos(a), np.sin(a)], 1) - c
    assert loss2 <= 0.5 * np.einsum("ni,ij,nj->n", pts, H, pts).min() + 1e-6
    # a center inside the region is its own solution
    w, loss = R.constrained_minimum("l1", (0.2, 0.3), H, 1.0)
    assert np.array_equal(w, [0.2, 0.3]) and loss == 0.0


def test_regularization_paths_satisfy_their_optimality_conditions():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 6))
    y = X @ np.array([2.0, -1.0, 0.0, 0.0, 0.5, 0.0]) + 0.3 * rng.standard_normal(40)
    lams = np.array([1e-3, 0.1, 0.5, 100.0])
    p = R.regularization_paths(X, y, lams)
    Xc, yc = X - X.mean(0), y - y.mean()
    n = len(y)
    for lam, wr, wl in zip(lams, p["ridge"], p["lasso"]):
        # ridge: gradient of 0.5/n ||y - Xw||^2 + 0.5 lam ||w||^2 is zero
        np.testing.assert_allclose(-Xc.T @ (yc - Xc @ wr) / n + lam * wr, 0, atol=1e-10)
        # lasso (KKT): X_j^T r / n = lam sign(w_j) where w_j != 0, |X_j^T r / n| <= lam where w_j == 0
        corr = Xc.T @ (yc - Xc @ wl) / n
        nz = wl != 0
        np.testing.assert_allclose(corr[nz], lam * np.sign(wl[nz]), atol=1e-6)
        assert np.all(np.abs(corr[~nz]) <= lam + 1e-6)
    assert np.all(p["lasso"][-1] == 0)                       # very large lambda: all exactly 0
    assert np.max(np.abs(p["ridge"][-1])) < 0.05 * np.max(np.abs(p["ridge"][0]))   # ridge: close to 0 (quiz: a)
    assert np.sum(p["lasso"][2] == 0) > np.sum(p["ridge"][2] == 0)


def test_train_regularized_applies_the_l1_and_l2_gradients():
    from dlcourse.network import MultiLayerNet

    data = _synthetic(n_train=100)
    lr, l1, wd = 0.1, 0.01, 0.05
    # one epoch of one full batch: W_new = W - lr * (dE/dW + wd * W + l1 * sign(W))
    run = R.train_regularized(data, l1=l1, weight_decay=wd, hidden_sizes=(16,), lr=lr, epochs=1,
                              eval_every=1, seed=3, keep_weights=True)
    net = MultiLayerNet(20, [16], 10, activation="relu", weight_init="he", weight_decay=wd,
                        rng=np.random.default_rng(3), dtype=np.float32)
    W0 = [net.params["W1"].copy(), net.params["W2"].copy()]
    grads = net.gradient(data["x_train"], data["t_train"])       # includes wd * W
    for k, (W, Wnew) in enumerate(zip(W0, run["weights"])):
        expected = W - lr * (grads[f"W{k + 1}"] + l1 * np.sign(W))
        np.testing.assert_allclose(Wnew, expected, rtol=1e-4, atol=1e-6)
    assert run["l1"] == l1 and run["weight_decay"] == wd


def test_grid_runs_share_initial_weights_and_record_curves():
    data = _synthetic()
    grid = R.regularization_grid(data, lams=(0.0, 0.5), ratios=(0.0, 0.4), hidden_sizes=(32, 32), lr=0.1,
                                 epochs=30, eval_every=10, keep_weights=True)
    assert set(grid) == {(0.0, 0.0), (0.0, 0.4), (0.5, 0.0), (0.5, 0.4)}
    base = grid[(0.0, 0.0)]
    assert list(base["epochs"]) == [10, 20, 30]
    for key in ("train_acc", "val_acc", "test_acc", "val_loss"):
        assert base[key].shape == (3,)
    # weight decay keeps the weights smaller than the same run without it
    assert np.abs(grid[(0.5, 0.0)]["weights"][0]).mean() < np.abs(base["weights"][0]).mean()
    again = R.train_regularized(data, hidden_sizes=(32, 32), lr=0.1, epochs=30, eval_every=10)
    np.testing.assert_array_equal(again["test_acc"], base["test_acc"])     # deterministic given the seed


def test_figures_draw():
    import matplotlib

    matplotlib.use("Agg")
    data = _synthetic()
    run = R.train_regularized(data, hidden_sizes=(8,), lr=0.1, epochs=10, eval_every=2, keep_weights=True)
    for fig in (R.plot_curves({"a": run, "b": run}), R.plot_early_stopping(run, 2),
                R.plot_early_stopping(run, 2, metric="val_acc"), R.plot_weight_histograms({"a": run}),
                R.plot_l1_l2_geometry(),
                R.plot_regularization_paths(R.regularization_paths(np.eye(4), np.arange(4.0), [0.1, 1.0]))):
        fig.canvas.draw()


# ----------------------------------------------------------------------------
# the explorer (headless, Agg)
# ----------------------------------------------------------------------------
def test_regularization_explorer_shows_the_selected_run():
    from dlcourse.widgets.regularization import RegularizationExplorer, final_table, grid_axes

    data = _synthetic()
    grid = R.regularization_grid(data, lams=(0.0, 0.1, 1.0), ratios=(0.0, 0.5), hidden_sizes=(16,), lr=0.1,
                                 epochs=8, eval_every=2)
    e = RegularizationExplorer(grid)
    assert (e.lam.value, e.ratio.value) == (0.0, 0.0)

    def check(lam, ratio):
        run = grid[(lam, ratio)]
        np.testing.assert_array_equal(e.train_line.get_data()[1], run["train_acc"])
        np.testing.assert_array_equal(e.test_line.get_data()[1], run["test_acc"])
        np.testing.assert_array_equal(e.val_loss_line.get_data()[1], run["val_loss"])
        mx, my = e.marker.get_data()
        assert (list(mx), list(my)) == ([e.ratios.index(ratio)], [e.lams.index(lam)])
        assert f"λ = {lam:g}" in e.title.get_text()

    check(0.0, 0.0)
    count = e.view.draw_count
    e.lam.value = 1.0
    check(1.0, 0.0)
    e.ratio.value = 0.5
    check(1.0, 0.5)
    assert e.view.draw_count == count + 2
    table = final_table(grid)
    assert table.shape == (3, 2) and table[2, 1] == grid[(1.0, 0.5)]["test_acc"][-1]
    del grid[(0.1, 0.5)]
    with pytest.raises(ValueError, match="no run"):
        grid_axes(grid)


def test_regularization_explorer_bench_cases_are_in_the_default_grid():
    import inspect

    from dlcourse.widgets.regularization import RegularizationExplorer

    defaults = inspect.signature(R.regularization_grid).parameters
    values = {"lam": defaults["lams"].default, "ratio": defaults["ratios"].default}
    for attr, value in RegularizationExplorer.bench_cases():
        assert value in values[attr]


@pytest.mark.slow
@pytest.mark.mnist
@pytest.mark.skipif(not mnist_available(), reason="MNIST files not available")
def test_300_images_overfit_and_weight_decay_keeps_the_validation_loss_down():
    from dlcourse.data import load_mnist

    (x_train, t_train), (x_test, t_test) = load_mnist()
    data = R.split_overfitting_data(x_train, t_train, x_test, t_test)
    plain = R.train_regularized(data)
    decay = R.train_regularized(data, weight_decay=0.03)
    assert plain["train_acc"][-1] > 0.99                       # memorised the 300 images
    assert plain["train_acc"][-1] - plain["test_acc"][-1] > 0.1  # ... and overfits
    assert plain["val_loss"][-1] > plain["val_loss"].min() + 0.1  # validation loss turned up
    assert decay["val_loss"][-1] < plain["val_loss"][-1]
