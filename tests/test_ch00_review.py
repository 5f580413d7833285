"""ch00_review: the graded notebook grades correctly (nbgrader round trip), and the lecture helpers work.

The grading tests come from the chapter's record (chapters/ch00_review.py): the source solution and
alternative correct answers get full marks; each known mistake loses points in the cells it names,
with a message that names it.
"""

from __future__ import annotations

import numpy as np
import pytest

from chapterkit import ChapterGradingTests


class TestGrading(ChapterGradingTests):
    chapter = "ch00_review"


# ----------------------------------------------------------------------------- the lecture's helpers
from matplotlib.figure import Figure  # noqa: E402

from dlcourse.functions import softmax  # noqa: E402
from dlcourse.plots import review  # noqa: E402


def test_whole_batch_softmax_is_the_bug_only_for_batches():
    v = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(review.softmax_whole_batch(v), softmax(v), rtol=1e-12)
    X = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 5.0]])
    bad = review.softmax_whole_batch(X)
    assert abs(bad.sum() - 1.0) < 1e-12                      # the whole batch sums to 1 ...
    assert np.all(bad.sum(axis=1) < 0.99)                   # ... so no row does
    assert not np.allclose(bad[0], review.softmax_whole_batch(X[:1])[0])   # a row depends on the others


def test_note_gradient_check_exposes_d_sigmoid_of_z():
    check = review.note_gradient_check()
    err = dict(zip(check["keys"], check["note"]))
    ok = dict(zip(check["keys"], check["correct"]))
    assert max(ok.values()) < 1e-6, ok
    assert err["W3"] < 1e-6 and err["b3"] < 1e-6, err          # the output layer is right
    assert min(err["W1"], err["b1"], err["W2"], err["b2"]) > 1e-2, err   # every hidden layer is wrong


def test_note_backward_is_right_at_the_output_and_wrong_below():
    # Independent check: the output layer of the note's backward pass agrees with the network's gradient.
    from dlcourse.network import MultiLayerNet
    rng = np.random.default_rng(3)
    net = MultiLayerNet(5, [4, 3], 3, activation="sigmoid", weight_init=1.0, rng=rng)
    x = np.linspace(-1, 1, 20).reshape(4, 5)
    t = np.array([0, 2, 1, 2])
    g_note = review.note_backward(net.params, x, t)
    g_net = net.gradient(x, t)
    np.testing.assert_allclose(g_note["W3"], g_net["W3"], rtol=1e-10, atol=1e-14)
    assert not np.allclose(g_note["W1"], g_net["W1"], rtol=1e-3)


def test_review_figures_draw():
    for fig in (review.plot_batched_softmax_bug(), review.plot_gradient_check(review.note_gradient_check())):
        assert isinstance(fig, Figure)
        fig.canvas.draw()


@pytest.mark.mnist
@pytest.mark.slow
def test_batched_softmax_bug_breaks_training(mnist):
    data = mnist
    good = review.train_with_softmax(softmax, data, iters=200)
    bad = review.train_with_softmax(review.softmax_whole_batch, data, iters=200)
    assert good["diverged_at"] is None and good["test_acc"][-1] > 0.8, good["test_acc"]
    assert bad["diverged_at"] is not None or bad["test_acc"][-1] < 0.2, bad
    fig = review.plot_softmax_training({"ok": good, "bug": bad})
    fig.canvas.draw()
