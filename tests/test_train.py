"""Tests of dlcourse.train: history, batches, determinism, divergence, warnings, early stopping, progress bar.

The networks here are small and defined in this file (softmax regression with a hand-derived
gradient, and fakes that misbehave on purpose), so these tests do not depend on MultiLayerNet.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from dlcourse.train import History, TrainingDiverged, train


# ----------------------------------------------------------------------------- small networks

class SoftmaxRegression:
    """Logits ``x @ W + b``; loss = mean cross-entropy via log-sum-exp (stable unless ``naive``)."""

    def __init__(self, d, c, naive=False):
        self.params = {"W": np.zeros((d, c)), "b": np.zeros(c)}
        self.naive = naive
        self.loss_calls = 0

    def _probs(self, x):
        z = x @ self.params["W"] + self.params["b"]
        if self.naive:  # the textbook bug: no max subtraction, overflows for large logits
            e = np.exp(z)
            return e / e.sum(axis=1, keepdims=True)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def loss(self, x, t):
        self.loss_calls += 1
        p = self._probs(x)
        if self.naive:
            return float(-np.mean(np.log(p[np.arange(len(t)), t])))
        z = x @ self.params["W"] + self.params["b"]
        m = z.max(axis=1, keepdims=True)
        logsumexp = (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]
        return float(np.mean(logsumexp - z[np.arange(len(t)), t]))

    def gradient(self, x, t):
        p = self._probs(x)
        p[np.arange(len(t)), t] -= 1.0
        p /= len(t)
        return {"W": x.T @ p, "b": p.sum(axis=0)}

    def accuracy(self, x, t):
        return float(np.mean(np.argmax(x @ self.params["W"] + self.params["b"], axis=1) == t))


class PlainSGD:
    def __init__(self, lr):
        self.lr = lr
        self.updates = 0

    def update(self, params, grads):
        self.updates += 1
        for k in params:
            params[k] -= self.lr * grads[k]


def blobs(n_per_class=60, seed=0):
    """Three well-separated Gaussian blobs in 2-D (an easy, linearly separable problem)."""
    rng = np.random.default_rng(seed)
    centers = np.array([[4.0, 0.0], [-2.0, 3.5], [-2.0, -3.5]])
    x = np.concatenate([c + 0.7 * rng.standard_normal((n_per_class, 2)) for c in centers])
    t = np.repeat(np.arange(3), n_per_class)
    return x, t


# ----------------------------------------------------------------------------- basic behaviour

def test_loss_decreases_and_accuracy_rises_on_an_easy_problem():
    x, t = blobs()
    xt, tt = blobs(seed=1)
    net = SoftmaxRegression(2, 3)
    h = train(net, PlainSGD(0.1), x, t, xt, tt, iters=60, batch_size=20, rng=np.random.default_rng(0),
              progress=False)
    assert isinstance(h, History), f"train should return a History, got {type(h).__name__}"
    np.testing.assert_allclose(h.loss[0], np.log(3), rtol=1e-12,
                               err_msg="with zero weights the first loss must be log(3)")
    assert h.loss[-10:].mean() < 0.3 * h.loss[:10].mean(), (
        f"the loss should fall on separable blobs: first 10 mean {h.loss[:10].mean():.3f}, "
        f"last 10 mean {h.loss[-10:].mean():.3f}")
    assert h.test_acc[-1] > 0.95 and h.train_acc[-1] > 0.95, f"accuracies {h.train_acc}, {h.test_acc}"
    assert h.diverged_at is None and h.stop_reason is None and not h.stopped_early


def test_history_lengths_and_iteration_numbers():
    x, t = blobs(n_per_class=70)  # N = 210, batch 20 -> 10 iterations per epoch (remainder dropped)
    h = train(SoftmaxRegression(2, 3), PlainSGD(0.1), x, t, x, t, iters=25, batch_size=20,
              rng=np.random.default_rng(0), progress=False)
    assert h.loss.shape == (25,) and h.loss.dtype == np.float64, f"loss: {h.loss.shape} {h.loss.dtype}"
    np.testing.assert_array_equal(h.iterations, np.arange(1, 26))
    assert h.iters_per_epoch == 10
    np.testing.assert_array_equal(h.eval_iters, [10, 20, 25], err_msg="once per epoch and after the last")
    np.testing.assert_allclose(h.epochs, [1.0, 2.0, 2.5])
    assert h.train_acc.shape == (3,) and h.test_acc.shape == (3,)

    h2 = train(SoftmaxRegression(2, 3), PlainSGD(0.1), x, t, iters=25, batch_size=20, eval_every=7,
               rng=np.random.default_rng(0), progress=False)
    np.testing.assert_array_equal(h2.eval_iters, [7, 14, 21, 25])
    assert h2.test_acc is None, "without a test set test_acc is None"
    assert h2.train_acc.shape == (4,)


def test_each_epoch_visits_every_example_once():
    n, bs = 60, 12
    x = np.arange(n, dtype=np.float64)[:, None]  # the single feature identifies the example
    t = np.zeros(n, dtype=np.int64)
    seen = []

    class Recorder(SoftmaxRegression):
        def gradient(self, xb, tb):
            seen.append(xb[:, 0].astype(int).copy())
            return super().gradient(xb, tb)

    train(Recorder(1, 2), PlainSGD(0.0), x, t, iters=10, batch_size=bs, rng=np.random.default_rng(5),
          progress=False)
    assert all(len(b) == bs for b in seen)
    for epoch in (seen[:5], seen[5:]):
        np.testing.assert_array_equal(np.sort(np.concatenate(epoch)), np.arange(n),
                                      err_msg="an epoch should be a permutation of the training set")
    assert not np.array_equal(np.concatenate(seen[:5]), np.concatenate(seen[5:])), "reshuffled each epoch"


def test_determinism_with_fixed_rng_and_inputs_untouched():
    x, t = blobs()
    x_copy, t_copy = x.copy(), t.copy()

    def run(seed):
        net = SoftmaxRegression(2, 3)
        h = train(net, PlainSGD(0.2), x, t, x, t, iters=30, batch_size=16, rng=np.random.default_rng(seed),
                  eval_samples=50, progress=False)
        return h, net.params

    (h1, p1), (h2, p2), (h3, _) = run(42), run(42), run(43)
    np.testing.assert_array_equal(h1.loss, h2.loss, err_msg="same seed must give the same losses")
    np.testing.assert_array_equal(h1.train_acc, h2.train_acc)
    np.testing.assert_array_equal(p1["W"], p2["W"])
    assert not np.array_equal(h1.loss, h3.loss), "a different seed should draw different batches"
    np.testing.assert_array_equal(x, x_copy, err_msg="train must not modify x_train")
    np.testing.assert_array_equal(t, t_copy, err_msg="train must not modify t_train")


def test_works_with_the_library_optimizer():
    from dlcourse.optimizers import SGD

    x, t = blobs()
    ours, theirs = SoftmaxRegression(2, 3), SoftmaxRegression(2, 3)
    h1 = train(ours, PlainSGD(0.1), x, t, iters=15, batch_size=20, rng=np.random.default_rng(1), progress=False)
    h2 = train(theirs, SGD(0.1), x, t, iters=15, batch_size=20, rng=np.random.default_rng(1), progress=False)
    np.testing.assert_allclose(h2.loss, h1.loss, rtol=1e-12)
    np.testing.assert_allclose(theirs.params["W"], ours.params["W"], rtol=1e-12)


# ----------------------------------------------------------------------------- divergence

class BreaksAt(SoftmaxRegression):
    """Returns ``value`` (NaN or inf) as the loss from iteration ``k`` on."""

    def __init__(self, k, value=np.nan):
        super().__init__(2, 3)
        self.k, self.value = k, value

    def loss(self, x, t):
        finite = super().loss(x, t)
        return self.value if self.loss_calls >= self.k else finite


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_stops_at_first_non_finite_loss_and_names_the_iteration(value):
    x, t = blobs()
    opt = PlainSGD(0.1)
    with pytest.raises(TrainingDiverged) as info:
        train(BreaksAt(7, value), opt, x, t, x, t, iters=50, batch_size=10, rng=np.random.default_rng(0),
              progress=False)
    err = info.value
    msg = str(err)
    assert isinstance(err, RuntimeError)
    assert "iteration 7 of 50" in msg, f"the message should name the iteration: {msg}"
    for cause in ("learning rate", "log of 0", "overflow in exp", "uint8"):
        assert cause in msg, f"the message should list the usual cause {cause!r}:\n{msg}"
    assert err.iteration == 7 and (np.isnan(err.loss) if np.isnan(value) else err.loss == value)
    h = err.history
    assert h.loss.shape == (7,) and np.all(np.isfinite(h.loss[:6])) and not np.isfinite(h.loss[6]), (
        f"history.loss should hold the 6 finite losses and then the bad one, got {h.loss}")
    assert h.diverged_at == 7
    np.testing.assert_array_equal(h.eval_iters, [], err_msg="no epoch completed before iteration 7")
    assert opt.updates == 6, f"the update of the diverged iteration must not be applied ({opt.updates} updates)"


def test_stop_without_raising_records_and_returns():
    x, t = blobs()
    h = train(BreaksAt(4), PlainSGD(0.1), x, t, iters=50, batch_size=10, rng=np.random.default_rng(0),
              progress=False, raise_on_divergence=False)
    assert h.diverged_at == 4 and len(h.loss) == 4 and np.isnan(h.loss[-1])
    assert "iteration 4" in h.stop_reason


def test_huge_learning_rate_gives_clear_error_not_a_flood_of_warnings():
    x, t = blobs()
    x8 = np.clip(x * 30 + 128, 0, 255).astype(np.uint8)  # "pixels" never normalised
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any NumPy warning escaping the loop fails the test
        with pytest.raises(TrainingDiverged) as info:
            train(SoftmaxRegression(2, 3, naive=True), PlainSGD(1e3), x8, t, iters=200, batch_size=20,
                  rng=np.random.default_rng(0), progress=False)
    msg = str(info.value)
    assert "lr=1000.0" in msg, msg
    assert "overflow" in msg and "NumPy reported" in msg, f"the NumPy problems should be summarised:\n{msg}"
    assert "HERE x_train has dtype uint8" in msg, msg
    assert info.value.iteration == len(info.value.history.loss)


class OverflowsQuietly(SoftmaxRegression):
    """Finite loss, but an overflowing exp on every gradient call (like a naive sigmoid saturating)."""

    def gradient(self, x, t):
        np.exp(np.full(3, 1000.0))
        return super().gradient(x, t)


def test_hidden_floating_point_problems_are_summarised_once():
    x, t = blobs()
    with pytest.warns(RuntimeWarning) as record:
        train(OverflowsQuietly(2, 3), PlainSGD(0.1), x, t, iters=20, batch_size=10,
              rng=np.random.default_rng(0), progress=False)
    msgs = [str(w.message) for w in record]
    assert len(msgs) == 1, f"expected ONE summary warning instead of one per iteration, got {len(msgs)}: {msgs}"
    assert "overflow" in msgs[0] and "net.gradient at iteration 1" in msgs[0] and "20 time(s)" in msgs[0], msgs[0]


def test_global_raise_setting_is_respected():
    x, t = blobs()
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        train(OverflowsQuietly(2, 3), PlainSGD(0.1), x, t, iters=3, batch_size=10,
              rng=np.random.default_rng(0), progress=False)


# ----------------------------------------------------------------------------- early stopping

class ScriptedAccuracy(SoftmaxRegression):
    """Test-set accuracy follows a script; the training set is told apart by its length."""

    def __init__(self, script, n_test):
        super().__init__(2, 3)
        self.script, self.n_test, self.snapshots = list(script), n_test, []

    def accuracy(self, x, t):
        if len(x) != self.n_test:
            return 0.0
        self.snapshots.append(self.params["W"].copy())
        return self.script.pop(0)


@pytest.mark.parametrize("restore", [False, True])
def test_early_stopping_with_patience(restore):
    x, t = blobs()
    xt, tt = x[:50], t[:50]
    net = ScriptedAccuracy([0.5, 0.6, 0.55, 0.58, 0.6, 0.9, 0.95], n_test=50)
    h = train(net, PlainSGD(0.1), x, t, xt, tt, iters=100, batch_size=10, eval_every=5, patience=3,
              restore_best=restore, rng=np.random.default_rng(0), progress=False)
    np.testing.assert_array_equal(h.eval_iters, [5, 10, 15, 20, 25],
                                  err_msg="3 evaluations without improvement after the best (0.6 at 10)")
    assert h.stopped_early and h.best_iter == 10 and h.best_test_acc == 0.6 and len(h.loss) == 25
    assert "Early stopping at iteration 25" in h.stop_reason
    expected = net.snapshots[1] if restore else net.snapshots[-1]
    np.testing.assert_array_equal(net.params["W"], expected,
                                  err_msg="restore_best puts back the best parameters, else the last stay")


# ----------------------------------------------------------------------------- progress bar and input checks

def test_progress_bar_on_and_off(capsys):
    x, t = blobs()
    train(SoftmaxRegression(2, 3), PlainSGD(0.1), x, t, iters=5, batch_size=10, rng=np.random.default_rng(0),
          progress=False)
    out = capsys.readouterr()
    assert out.err == "" and out.out == "", f"progress=False must print nothing, got {out.err!r}"
    train(SoftmaxRegression(2, 3), PlainSGD(0.1), x, t, iters=5, batch_size=10, rng=np.random.default_rng(0),
          progress=True, desc="demo")
    err = capsys.readouterr().err
    assert "demo" in err and "loss=" in err and "5/5" in err, f"expected a tqdm bar with the loss: {err!r}"


@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        ({"batch_size": 500}, ValueError, "larger than the training set"),
        ({"rng": 0}, TypeError, "default_rng"),
        ({"iters": -1}, ValueError, "iters"),
        ({"patience": 2}, ValueError, "x_test"),
        ({"eval_every": 0}, ValueError, "eval_every"),
    ],
)
def test_bad_arguments_are_explained(kwargs, exc, words):
    x, t = blobs()
    args = {"iters": 5, "batch_size": 10, "rng": np.random.default_rng(0), "progress": False} | kwargs
    with pytest.raises(exc, match=words):
        train(SoftmaxRegression(2, 3), PlainSGD(0.1), x, t, **args)


def test_train_uses_the_loss_of_the_gradients_forward_pass_when_the_net_records_it():
    """One forward pass per iteration: batch-norm statistics see each batch once."""
    from dlcourse.network import MultiLayerNet
    from dlcourse.optimizers import SGD
    from dlcourse.train import train

    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 5))
    t = rng.integers(0, 3, 40)
    net = MultiLayerNet(5, [4], 3, use_batchnorm=True, rng=np.random.default_rng(1))
    calls = {"loss": 0}
    original = net.loss

    def counting_loss(*a, **k):
        calls["loss"] += 1
        return original(*a, **k)

    net.loss = counting_loss
    hist = train(net, SGD(0.1), x, t, iters=6, batch_size=10, rng=np.random.default_rng(2), progress=False)
    assert calls["loss"] == 0, "train() ran a second forward pass although the net records last_loss"
    assert len(hist.loss) == 6 and np.all(np.isfinite(hist.loss))


# ----------------------------------------------------------------------------- the parts of the loop

def test_minibatches_epochs_and_draws_with_replacement():
    from dlcourse.train import Minibatches

    epochs = Minibatches(10, 3, np.random.default_rng(0))
    assert epochs.iters_per_epoch == 3
    first = [next(epochs) for _ in range(3)]
    assert len(np.unique(np.concatenate(first))) == 9, "one epoch: 3 disjoint batches of a permutation"
    ref = np.random.default_rng(4)
    draws = Minibatches(10, 5, np.random.default_rng(4), replace=True)
    for _ in range(3):
        np.testing.assert_array_equal(next(draws), ref.integers(0, 10, 5))
    with pytest.raises(ValueError, match="batch_size"):
        Minibatches(10, 11, np.random.default_rng(0))


def test_fit_evaluates_before_training_and_on_schedule_and_reports_each_step():
    from dlcourse.train import Minibatches, accuracy_on, fit

    x, t = blobs()
    net = SoftmaxRegression(2, 3)
    seen = []
    h = fit(net, PlainSGD(0.1), x, t, Minibatches(len(x), 20, np.random.default_rng(0), replace=True), iters=30,
            evaluate=accuracy_on(train_acc=(x, t)), eval_at=range(0, 31, 10),
            on_step=lambda it, loss, grads: seen.append((it, loss, sorted(grads))))
    np.testing.assert_array_equal(h.eval_iters, [0, 10, 20, 30])
    assert h.train_acc[0] == pytest.approx(1 / 3), "zero weights: every prediction is class 0"
    assert h.train_acc[-1] > 0.9 and h.test_acc is None
    assert [s[0] for s in seen] == list(range(1, 31)) and seen[0][2] == ["W", "b"]
    np.testing.assert_array_equal([s[1] for s in seen], h.loss)


def test_a_stack_stops_each_member_at_its_own_divergence():
    from dlcourse.network import MultiLayerNet
    from dlcourse.optimizers import SGD
    from dlcourse.train import Divergence, Minibatches, accuracy_on, fit

    x, t = blobs()
    lrs = np.array([0.1, 1e6])            # member 1 blows up, member 0 learns
    net = MultiLayerNet(2, [8], 3, weight_init=[1.0, 1.0], rng=np.random.default_rng(0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")    # numpy_errors="ignore": a diverging member prints nothing
        h = fit(net, SGD(lrs[:, None, None]), x, t, Minibatches(len(x), 20, np.random.default_rng(1)), iters=40,
                evaluate=accuracy_on(test_acc=(x, t)), eval_at=range(0, 41, 10), stop=[Divergence(raise_error=False)])
    assert h.loss.shape == (40, 2) and h.test_acc.shape == (5, 2)
    d = h.diverged_at
    assert d[0] == 0 and 1 <= d[1] < 40, d
    assert not np.isfinite(h.loss[d[1] - 1, 1]) and np.all(np.isnan(h.loss[d[1]:, 1]))
    assert np.all(np.isfinite(h.loss[:, 0])) and h.test_acc[-1, 0] > 0.9
    assert np.all(np.isnan(h.test_acc[h.eval_iters >= d[1], 1]))
    np.testing.assert_array_equal(h.padded_loss(45)[40:], np.full((5, 2), np.nan))
    assert net.stack == 1 and net.params["W1"].shape == (1, 2, 8), "the diverged member left the stack"
