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
    """Section 11: 300 images, 1500 iterations: train accuracy 1, validation accuracy stalls, validation loss rises."""
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
