"""Chapter 7 (troubleshooting): grading round trip, the failure lab, the learning-rate explorer.

The grading tests come from the chapter's record (chapters/ch07_troubleshooting.py): the source solution and
the alternative correct answers get full marks; each known mistake loses points in the cells it names, with a
message that names it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from chapterkit import ChapterGradingTests


class TestGrading(ChapterGradingTests):
    chapter = "ch07_troubleshooting"


# ============================================================================ the failure lab


def _blobs(n=600, d=20, seed=0):
    """A 10-class problem that a small network learns quickly: one Gaussian blob per class."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((10, d)) * 2.0
    t = rng.integers(0, 10, n)
    x = (centres[t] + rng.standard_normal((n, d))).astype(np.float32)
    return x, t


@pytest.mark.parametrize("head", ["softmax", "sigmoid_logits", "squared_error"])
def test_labnet_gradients_are_the_derivatives_of_their_loss(head):
    from dlcourse.gradcheck import numerical_gradient, relative_error
    from dlcourse.plots.troubleshooting import LabNet

    x, t = _blobs(8, 6)
    net = LabNet(6, 5, 10, head=head, rng=np.random.default_rng(1), dtype=np.float64)
    grads = net.gradient(x, t)
    for name, p in net.params.items():
        num = numerical_gradient(lambda _: net.loss(x, t), p)
        assert relative_error(grads[name], num) < 1e-6, (head, name)


def test_labnet_batched_softmax_gradient_is_wrong_as_in_the_learners_report():
    """The learner's report: "勾配もあってない" — the analytic gradient (y - t)/N with the batch-normalised y is
    not the derivative of the loss the buggy softmax gives."""
    from dlcourse.gradcheck import numerical_gradient, relative_error
    from dlcourse.plots.troubleshooting import LabNet, batched_softmax

    x, t = _blobs(8, 6)
    net = LabNet(6, 5, 10, head="batched_softmax", rng=np.random.default_rng(1), dtype=np.float64)
    num = numerical_gradient(lambda _: net.loss(x, t), net.params["W2"])
    assert relative_error(net.gradient(x, t)["W2"], num) > 1e-2
    y = batched_softmax(np.arange(12.0).reshape(3, 4))
    assert np.isclose(y.sum(), 1.0) and np.all(y.sum(axis=1) < 1)


def test_run_lab_learns_and_records_divergence():
    from dlcourse.plots.troubleshooting import run_lab

    x, t = _blobs()
    good = run_lab(x[:500], t[:500], x[500:], t[500:], lr=0.1, iters=150, batch_size=50, hidden_size=20,
                   rng=np.random.default_rng(0), eval_every=50)
    assert good["history"].diverged_at is None and good["history"].test_acc[-1] > 0.8
    shuffled = run_lab(x[:500], np.random.default_rng(1).permutation(t[:500]), x[500:], t[500:], lr=0.1,
                       iters=150, batch_size=50, hidden_size=20, rng=np.random.default_rng(0), eval_every=50)
    assert shuffled["history"].test_acc[-1] < 0.35  # labels no longer belong to their inputs
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may leak out of run_lab
        bad = run_lab(x[:500], t[:500], lr=1e12, iters=50, batch_size=50, hidden_size=20,
                      rng=np.random.default_rng(0), eval_every=25)
    h = bad["history"]
    assert h.diverged_at is not None and not np.isfinite(h.loss[-1])
    assert f"iteration {h.diverged_at}" in h.stop_reason


def test_capture_warnings_lists_the_overflow_of_a_naive_softmax():
    from dlcourse.plots.troubleshooting import capture_warnings

    def naive(a):
        return np.exp(a) / np.sum(np.exp(a))

    out, msgs = capture_warnings(naive, np.array([1000.0, 1001.0]))
    assert np.all(np.isnan(out)) and any("overflow" in m for m in msgs)
    out, msgs = capture_warnings(lambda a: a - np.max(a), np.array([np.inf, 1.0]))
    assert any("invalid value encountered in subtract" in m for m in msgs)  # the Q&A post's warning


def test_troubleshooting_figures_draw():
    import matplotlib

    from dlcourse.plots import troubleshooting as pt

    x, t = _blobs()
    run = pt.run_lab(x, t, x[:100], t[:100], iters=40, batch_size=50, hidden_size=10,
                     rng=np.random.default_rng(0), eval_every=20)
    img = (np.arange(64, dtype=np.uint8) * 4).reshape(8, 8)
    figs = [pt.plot_runs({"a": run, "b": run["history"]}), pt.plot_softmax_rows(np.arange(6.0).reshape(2, 3)),
            pt.plot_sigmoid_float32(), pt.plot_uint8_pitfalls(img), pt.plot_overfitting(run["history"], patience=1)]
    for fig in figs:
        assert isinstance(fig, matplotlib.figure.Figure)
        fig.canvas.draw()
    # the uint8 figure really shows the wrapped-around values
    wrapped = figs[3].axes[1].images[0].get_array()
    assert wrapped.dtype == np.uint8 and wrapped[7, 7] == (252 * 2) % 256
    # float32 sigmoid: exactly 0 below about -104, exactly 1 above about 17
    import re

    texts = " ".join(t.get_text() for t in figs[2].axes[0].texts)
    zero_at = float(re.search(r"sigmoid = 0\s+below x = (-?[0-9.]+)", texts).group(1))
    one_at = float(re.search(r"sigmoid = 1\s+above x = (-?[0-9.]+)", texts).group(1))
    assert -105 < zero_at < -102 and 16 < one_at < 18, texts
    with pytest.raises(TypeError):
        pt.plot_uint8_pitfalls(img.astype(np.float32))


# ============================================================================ learning-rate explorer


@pytest.fixture(scope="module")
def sweep():
    from dlcourse.widgets.learning_rate import lr_sweep

    x, t = _blobs(400, 20)
    return lr_sweep(x, t, [1e-7, 0.1, 1e3, 1e12], iters=40, batch_size=32, hidden_size=16, seed=0)


def test_lr_sweep_shows_no_progress_learning_and_divergence(sweep):
    loss, div = sweep["loss"], sweep["diverged_at"]
    assert loss.shape == (4, 40) and list(sweep["lrs"]) == [1e-7, 0.1, 1e3, 1e12]
    start, end = sweep["start_loss"], sweep["end_loss"]
    assert np.all(np.isfinite(loss[0])) and abs(end[0] - start) < 0.01 * start  # lr 1e-7: no progress
    assert div[1] == 0 and end[1] < 0.3 * start                                  # lr 0.1: learns
    assert div[3] > 0 and not np.isfinite(loss[3, div[3] - 1]) and np.all(np.isnan(loss[3, div[3]:]))
    assert any("overflow" in w or "invalid" in w for w in sweep["warnings"][3])
    assert np.all(loss[:, 0] == loss[0, 0])  # same weights, same first batch: same starting loss


def test_lr_sweep_runs_differ_only_by_the_learning_rate(sweep):
    from dlcourse.widgets.learning_rate import lr_sweep

    x, t = _blobs(400, 20)
    alone = lr_sweep(x, t, [0.1], iters=40, batch_size=32, hidden_size=16, seed=0)
    np.testing.assert_array_equal(alone["loss"][0], sweep["loss"][1])


def test_learning_rate_explorer_follows_the_slider(sweep):
    from dlcourse.widgets.learning_rate import LearningRateExplorer

    e = LearningRateExplorer(lr=0.1, sweep=sweep)
    assert e.index == 1 and "learning" in e.message and not e.nan_line.get_visible()
    np.testing.assert_array_equal(e.curve.get_ydata(), sweep["loss"][1])
    draws = e.view.draw_count
    e.lr.value = 1e12
    assert e.index == 3 and "DIVERGED" in e.message and e.nan_line.get_visible()
    assert e.nan_line.get_xdata()[0] == sweep["diverged_at"][3]
    assert "NumPy warned" in e.message
    e.lr.value = 1e-7
    assert e.index == 0 and "no progress" in e.message and "too small" in e.message
    np.testing.assert_array_equal(e.curve.get_ydata(), sweep["loss"][0])
    assert e.marker.get_xdata()[0] == 1e-7 and e.view.draw_count == draws + 2
    assert [e.verdict(k) for k in range(4)][0] == "no progress" and e.verdict(3) == "diverged"
    for attr, value in LearningRateExplorer.bench_cases():
        getattr(e, attr).value = value


# ============================================================================ the lecture's claims


def test_lecture_sends_students_to_their_release_copy():
    import json

    from conftest import REPO

    text = "".join("".join(c["source"]) for c in json.loads(
        (REPO / "notebooks" / "ch07_troubleshooting.ipynb").read_text(encoding="utf-8"))["cells"])
    assert "source/ch07" not in text and "release/ch07_troubleshooting/ch07_troubleshooting.ipynb" in text


@pytest.mark.mnist
def test_the_learning_rate_numbers_the_lecture_quotes():
    """Section 5 quotes the explorer's default sweep: 0.01 reaches only ~1.65, 0.1-0.3 reach 0.46-0.28, 1 is
    worse again, 3-10 leave a dead network at log 10, ~30 ends above the start, 1e7 is nan within 4 iterations."""
    from dlcourse.widgets.learning_rate import _default_data, lr_sweep

    try:
        x, t = _default_data()
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"MNIST not available: {exc}")
    lrs = [0.01, 10 ** -1.0, 10 ** -0.5, 1.0, 10 ** 0.5, 10.0, 10 ** 1.5, 1e7]
    s = lr_sweep(x, t, lrs, iters=100, batch_size=64, hidden_size=32, seed=0)
    end, start = dict(zip(lrs, s["end_loss"])), s["start_loss"]
    assert abs(start - 2.40) < 0.01 and abs(end[0.01] - 1.65) < 0.05, (start, end)
    assert abs(end[0.1] - 0.46) < 0.03 and abs(end[10 ** -0.5] - 0.28) < 0.03, end
    assert end[1.0] > end[10 ** -0.5] + 0.5, end
    for lr in (10 ** 0.5, 10.0):
        assert abs(end[lr] - np.log(10)) < 0.1, end
    assert end[10 ** 1.5] > start and s["diverged_at"][-1] in (1, 2, 3, 4) and np.all(s["diverged_at"][:-1] == 0)


@pytest.mark.mnist
def test_overfitting_run_the_lecture_describes():
    """Section 12: 300 images, 1500 iterations: train accuracy 1, validation accuracy stalls, validation loss rises."""
    from dlcourse.data import load_mnist_subset
    from dlcourse.functions import softmax_cross_entropy
    from dlcourse.plots.troubleshooting import run_lab

    try:
        (x, t), _ = load_mnist_subset(5000, 1000, rng=np.random.default_rng(0))
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"MNIST not available: {exc}")
    runs = {iters: run_lab(x[:300], t[:300], x[4000:], t[4000:], hidden_size=100, iters=iters, batch_size=100,
                           eval_every=15, rng=np.random.default_rng(0)) for iters in (300, 1500)}
    loss = {k: float(softmax_cross_entropy(r["net"].predict(x[4000:]), t[4000:])) for k, r in runs.items()}
    h = runs[1500]["history"]
    assert h.train_acc[-1] == 1.0 and h.train_acc[-1] - h.test_acc[-1] > 0.1
    assert loss[1500] > loss[300] + 0.03, loss


# ============================================================================ gradient-norm clipping (library)


def test_clip_grad_norm_scales_every_array_by_one_global_factor():
    from dlcourse.optimizers import clip_grad_norm

    g = {"W": np.array([[1.0, 2.0], [2.0, 0.0]]), "b": np.array([4.0, 0.0])}  # ||g|| = 5
    before = {k: v.copy() for k, v in g.items()}
    clipped, norm = clip_grad_norm(g, 1.0)
    assert norm == 5.0
    np.testing.assert_allclose(clipped["W"], g["W"] / 5)
    np.testing.assert_allclose(clipped["b"], g["b"] / 5)
    for k in g:  # the caller's arrays are untouched, the result is new
        np.testing.assert_array_equal(g[k], before[k])
        assert clipped[k] is not g[k]
    same, norm = clip_grad_norm(g, 5.0)  # at the threshold: unchanged
    assert norm == 5.0 and all(np.array_equal(same[k], g[k]) for k in g)
    # the direction of the whole gradient is kept (per-array clipping would change it)
    flat = np.concatenate([clipped[k].ravel() for k in g])
    assert np.isclose(np.linalg.norm(flat), 1.0)
    assert np.allclose(flat / np.linalg.norm(flat), np.concatenate([g[k].ravel() for k in g]) / 5)


def test_clip_grad_norm_float32_extremes_zero_and_nonfinite():
    from dlcourse.optimizers import clip_grad_norm

    g = {"W": np.full((2, 3), 1e25, dtype=np.float32), "b": np.array([-1e25, 0.0], dtype=np.float32)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clipped, norm = clip_grad_norm(g, 1.0)
        zeros, znorm = clip_grad_norm({"W": np.zeros((2, 2), dtype=np.float32)}, 1.0)
    assert np.isclose(norm, np.sqrt(7.0) * 1e25, rtol=1e-6)
    assert clipped["W"].dtype == np.float32 and np.allclose(clipped["W"], 1 / np.sqrt(7.0), rtol=1e-6)
    assert znorm == 0.0 and zeros["W"].dtype == np.float32 and not zeros["W"].any()
    with pytest.raises(ValueError, match=r"nan.*\['b'\].*cannot repair"):
        clip_grad_norm({"W": np.ones(2), "b": np.array([np.nan])}, 1.0)
    for bad in (0.0, -1.0, np.inf, "1"):
        with pytest.raises(ValueError, match="max_norm"):
            clip_grad_norm({"W": np.ones(2)}, bad)
    with pytest.raises(ValueError, match="non-empty dict"):
        clip_grad_norm([np.ones(2)], 1.0)


def test_clip_grad_norm_wrapper_records_the_norm_before_clipping():
    from dlcourse.optimizers import SGD, ClipGradNorm

    params = {"W": np.zeros(2), "b": np.zeros(1)}
    opt = ClipGradNorm(SGD(lr=0.5), max_norm=1.0)
    assert opt.lr == 0.5
    opt.update(params, {"W": np.array([3.0, 0.0]), "b": np.array([4.0])})    # norm 5: clipped to length 1
    np.testing.assert_allclose(params["W"], [-0.5 * 0.6, 0.0])
    np.testing.assert_allclose(params["b"], [-0.5 * 0.8])
    opt.update(params, {"W": np.array([0.3, 0.0]), "b": np.array([0.4])})    # norm 0.5: not clipped
    assert opt.norms == [5.0, 0.5] and opt.clipped == 1
    np.testing.assert_allclose(params["b"], [-0.4 - 0.2])
    record = ClipGradNorm(SGD(lr=1.0))                                       # no threshold: record only
    record.update(params, {"W": np.array([np.inf, 0.0]), "b": np.array([0.0])})
    assert record.norms == [np.inf] and record.clipped == 0 and np.isneginf(params["W"][0])


# ============================================================================ the wrong output activation


@pytest.mark.parametrize("output", ["identity", "sigmoid", "relu"])
def test_regression_net_gradients_are_the_derivatives_of_its_loss(output):
    from dlcourse.gradcheck import numerical_gradient, relative_error
    from dlcourse.plots.troubleshooting import RegressionNet

    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (9, 1))
    t = rng.normal(0.3, 1.0, (9, 1))
    net = RegressionNet(6, output, rng=np.random.default_rng(4))
    grads = net.gradient(x, t)
    assert np.isclose(net.last_loss, net.loss(x, t))
    for name, p in net.params.items():
        num = numerical_gradient(lambda _: net.loss(x, t), p)
        assert relative_error(grads[name], num) < 1e-6, (output, name)
    with pytest.raises(ValueError, match="output must be one of"):
        RegressionNet(4, "tanh", rng=rng)


@pytest.fixture(scope="module")
def regression():
    from dlcourse.plots.troubleshooting import regression_data

    return regression_data(rng=np.random.default_rng(0))


def test_the_output_activation_runs_the_lecture_describes(regression):
    """Section 8: the sigmoid on targets of 100..300 ends on its floor while its output gradient fades; a ReLU output
    on standardised targets either nears its floor or dies (every dE/dz exactly 0, loss 0.5, six of ten
    initialisations); the identity fits; unstandardised targets at lr 0.1 end predicting the mean."""
    from dlcourse.plots.troubleshooting import run_regression

    x, t = regression
    assert 100 < t.min() < 110 and 285 < t.max() < 295 and abs(t.std() - 56) < 1
    sig = run_regression(x, t, "sigmoid", lr=0.01, standardize=False, iters=600, rng=np.random.default_rng(1))
    assert abs(sig["loss"] - sig["floor"]) < 1e-3 * sig["floor"] and 2.2e4 < sig["floor"] < 2.3e4
    assert np.all(sig["prediction"] < 1) and sig["out_grad_norm"][0] > 8 and sig["out_grad_norm"][-1] < 0.01
    ident = run_regression(x, t, "identity", iters=600, rng=np.random.default_rng(1))
    assert ident["floor"] == 0 and ident["loss"] < 0.02
    alive = run_regression(x, t, "relu", iters=600, rng=np.random.default_rng(0))
    assert abs(alive["floor"] - 0.2675) < 1e-3 and alive["loss"] < alive["floor"] + 0.02
    assert np.all(alive["prediction"] >= alive["mean"] - 1e-9)          # 0 in standardised units = the mean
    dead = [run_regression(x, t, "relu", iters=600, rng=np.random.default_rng(s)) for s in range(10)]
    died = [r for r in dead if r["out_grad_zero"][-1] == 1.0]
    assert len(died) == 6 and dead[1] in died
    for r in died:
        assert abs(r["loss"] - 0.5) < 1e-9 and r["out_grad_norm"][-1] == 0.0
        assert np.all(r["net"].gradient(x, r["target"])["W1"] == 0)       # no gradient reaches any weight
    plain = run_regression(x, t, "identity", standardize=False, iters=600, rng=np.random.default_rng(1))
    assert abs(plain["loss"] - 0.5 * t.var()) < 1e-3 * t.var()
    hidden = np.maximum(x @ plain["net"].params["W1"] + plain["net"].params["b1"], 0)
    assert not hidden.any()


# ============================================================================ the first loss


def test_expected_initial_loss_lies_between_its_jensen_bounds():
    from dlcourse.plots.troubleshooting import expected_initial_loss

    assert np.isclose(expected_initial_loss(0.0), np.log(10))
    s = np.array([0.1, 0.3, 1.0, 3.0])
    f = expected_initial_loss(s, samples=20000)
    assert np.all(f >= np.log(10) - 0.01) and np.all(f <= np.log(10) + s ** 2 / 2 + 0.01)
    assert abs(expected_initial_loss(100.0, samples=20000) / 100.0 - 1.5388) < 0.03   # E[max of 10 normals]
    assert np.isclose(expected_initial_loss(0.0, n_classes=200), np.log(200))


def test_initial_losses_grow_with_the_weights():
    from dlcourse.plots.troubleshooting import initial_losses

    x, t = _blobs(200, 784)
    x = np.abs(x) / 10
    sweep = initial_losses(x, t, [1e-4, 1e-2, 1.0], hidden_size=20, rng=np.random.default_rng(0))
    assert abs(sweep["loss"][0] - np.log(10)) < 1e-3 and sweep["logit_std"][0] < 1e-3
    assert sweep["loss"][2] > 10 and np.all(np.diff(sweep["logit_std"]) > 0)


def test_sanity_check_figures_draw(regression):
    import matplotlib

    from dlcourse.plots import troubleshooting as pt

    x, t = regression
    runs = {o: pt.run_regression(x, t, o, iters=30, rng=np.random.default_rng(1)) for o in ("identity", "relu")}
    xb, tb = _blobs(300, 20)
    sweep = pt.initial_losses(xb, tb, [0.01, 1.0], hidden_size=10, rng=np.random.default_rng(0))
    tiny = {"a": pt.run_lab(xb[:20], tb[:20], iters=20, batch_size=20, hidden_size=10, rng=np.random.default_rng(0),
                            eval_every=20),
            "b": pt.run_lab(xb[:20], tb[:20], lr=1e12, iters=20, batch_size=20, hidden_size=10,
                            rng=np.random.default_rng(0), eval_every=20)}
    figs = [pt.plot_output_heads(runs, x, t), pt.plot_initial_loss(sweep, marks={"m": (0.5, 2.4)}),
            pt.plot_tiny_batch(tiny)]
    for fig in figs:
        assert isinstance(fig, matplotlib.figure.Figure)
        fig.canvas.draw()
    assert tiny["b"]["history"].diverged_at is not None
    labels = [line.get_label() for line in figs[2].axes[0].get_lines()]
    assert any(label.startswith("b: nan at") for label in labels)


# ============================================================================ clipping explorer


@pytest.fixture(scope="module")
def clip_runs():
    from dlcourse.widgets.clipping import clip_sweep

    x, t = _blobs(400, 20)
    settings = {"lr 0.1": (0.1, 1.0), "lr 30": (30.0, 1.0)}
    return clip_sweep(x[:300], t[:300], x[300:], t[300:], settings=settings, max_norms=(0.1, 1.0, np.inf),
                      iters=40, batch_size=32, hidden_size=16)


def test_clip_sweep_records_norms_before_clipping(clip_runs):
    s = clip_runs
    assert s["loss"].shape == (2, 3, 40) and s["norms"].shape == (2, 3, 40)
    assert np.all(s["loss"][:, :, 0] == s["loss"][0, 0, 0])         # same weights, same first batch
    assert np.all(s["norms"][:, :, 0] == s["norms"][0, 0, 0])
    assert s["clipped"][0, 2] == 0 and s["clipped"][1, 2] == 0       # no clipping
    c = 0.1
    assert np.isclose(s["clipped"][0, 0], np.mean(s["norms"][0, 0][np.isfinite(s["norms"][0, 0])] > c))
    assert s["clipped"][1, 0] > 0.5 and s["diverged_at"][1, 0] == 0     # lr 30, c = 0.1: clipped, and it trains
    assert s["diverged_at"][1, 2] > 0 and np.isnan(s["test_acc"][1, 2])  # lr 30 without clipping diverges
    assert s["test_acc"][1, 0] > 0.9


def test_clipping_explorer_follows_its_controls(clip_runs):
    from dlcourse.widgets.clipping import ClippingExplorer

    e = ClippingExplorer(np.inf, "lr 30", sweep=clip_runs)
    assert e.index == (1, 2) and not e.threshold_line.get_visible() and "no clipping" in e.message
    np.testing.assert_array_equal(e.loss_line.get_ydata(), clip_runs["loss"][1, 2])
    draws = e.view.draw_count
    e.max_norm.value = 0.1
    assert e.index == (1, 0) and e.threshold_line.get_visible() and e.threshold_line.get_ydata()[0] == 0.1
    assert f"{100 * clip_runs['clipped'][1, 0]:.0f}% of the updates clipped" in e.message
    assert "(no clipping: diverged)" in e.message
    np.testing.assert_array_equal(e.norm_line.get_ydata(), clip_runs["norms"][1, 0])
    np.testing.assert_array_equal(e.base_norm_line.get_ydata(), clip_runs["norms"][1, 2])
    e.setting.value = "lr 0.1"
    assert e.index == (0, 0) and e.view.draw_count == draws + 2
    with pytest.raises(ValueError, match="max_norm must be one of"):
        ClippingExplorer(0.5, "lr 30", sweep=clip_runs)
    with pytest.raises(ValueError, match="setting must be one of"):
        ClippingExplorer(0.1, "lr 3", sweep=clip_runs)


# ============================================================================ the lecture's numbers on MNIST


@pytest.fixture(scope="module")
def mnist_subset():
    from dlcourse.data import load_mnist_subset

    try:
        return load_mnist_subset(5000, 1000, rng=np.random.default_rng(0))
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"MNIST not available: {exc}")


@pytest.mark.mnist
def test_the_first_losses_the_lecture_quotes(mnist_subset):
    """Section 13a: He initialisation 2.35 (scores of s = 0.58), unscaled pixels 159 (s = 148), weights of
    standard deviation 1 give 69; tiny weights give ln 10."""
    from dlcourse.functions import softmax_cross_entropy
    from dlcourse.plots.troubleshooting import LabNet, initial_losses

    (x, t), _ = mnist_subset
    net = LabNet(784, 50, 10, rng=np.random.default_rng(0))
    z, zr = net.predict(x[:1000]), net.predict(np.rint(x[:1000] * 255))
    assert abs(float(softmax_cross_entropy(z, t[:1000])) - 2.353) < 0.005 and abs(np.std(z) - 0.58) < 0.01
    assert abs(float(softmax_cross_entropy(zr, t[:1000])) - 159.3) < 1 and abs(np.std(zr) - 148) < 1
    sweep = initial_losses(x[:1000], t[:1000], np.logspace(-3, 0, 13), rng=np.random.default_rng(0))
    assert abs(sweep["loss"][-1] - 69) < 1 and np.all(np.abs(sweep["loss"][:8] - np.log(10)) < 0.01)


@pytest.mark.mnist
def test_what_the_tiny_batch_test_catches(mnist_subset):
    """Section 13b and quick check E: on 20 images the correct network, the squared error, shuffled labels and
    labels slipped by one reach a loss below 0.05; the sigmoid logits (stuck above 1.46 at 100 % accuracy), the
    batched softmax, unscaled pixels and a learning rate of 1000 do not."""
    from dlcourse.plots.troubleshooting import run_lab

    (x, t), _ = mnist_subset
    xs, ts = x[:20], t[:20]

    def last(**kw):
        kw.setdefault("x_train", xs)
        kw.setdefault("t_train", ts)
        r = run_lab(kw.pop("x_train"), kw.pop("t_train"), batch_size=20, iters=200, eval_every=200,
                    rng=np.random.default_rng(0), **kw)
        return r["history"]

    for h in (last(), last(head="squared_error"), last(t_train=np.random.default_rng(5).permutation(ts)),
              last(t_train=np.roll(ts, -1))):
        assert h.loss[-1] < 0.05
    sig = last(head="sigmoid_logits")
    assert 1.46 < sig.loss[-1] < 1.6 and sig.train_acc[-1] == 1.0
    assert last(head="batched_softmax").loss[-1] > 5
    assert last(x_train=np.rint(xs * 255)).loss[-1] > 1
    assert last(lr=1000.0).loss[-1] > 1


@pytest.mark.mnist
def test_the_clipping_runs_the_lecture_describes(mnist_subset):
    """Section 13c: lr 3 dies without clipping and learns with every update clipped at c <= 0.3; lr 0.1 is never
    clipped at c >= 3; unscaled pixels learn to about 0.7 at c = 0.3 and 1 with every update clipped and a median
    norm above 100, where scaled pixels reach about 0.89."""
    from dlcourse.widgets.clipping import clip_sweep

    (x, t), (xt, tt) = mnist_subset
    s = clip_sweep(x[:2000], t[:2000], xt, tt)
    k = {c: i for i, c in enumerate(s["max_norms"])}
    lr01, lr3, raw = (s["settings"].index(n) for n in ("lr 0.1", "lr 3 (too high)", "pixels 0..255, lr 0.1"))
    assert s["test_acc"][lr3, k[np.inf]] < 0.15 and s["test_acc"][lr3, k[0.3]] > 0.85
    assert s["clipped"][lr3, k[0.3]] == 1.0 and s["clipped"][lr3, k[0.1]] == 1.0
    assert s["clipped"][lr01, k[3.0]] == 0 and abs(s["test_acc"][lr01, k[np.inf]] - 0.89) < 0.02
    for c in (0.3, 1.0):
        assert s["clipped"][raw, k[c]] == 1.0 and 0.65 < s["test_acc"][raw, k[c]] < 0.8
        assert np.nanmedian(s["norms"][raw, k[c]]) > 100
    assert s["test_acc"][raw, k[np.inf]] < 0.15
