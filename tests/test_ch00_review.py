"""ch00_review: the graded notebook grades correctly (nbgrader round trip), and the lecture helpers work.

Every variant below is one "student": the source solution, alternative correct implementations (which
must get full marks), and the typical mistakes of the chapter (which must lose points in the expected
cells, with a message that names the mistake).
"""

from __future__ import annotations

import numpy as np
import pytest

from gradingkit import REPO, answer_sources, assert_full_marks, assert_mistake_caught, grade_variants

CHAPTER = "ch00_review"

# ----------------------------------------------------------------------------- alternative correct code
ALT_NUMGRAD_INPLACE = '''
def numerical_gradient(f, x):
    # the book's way: perturb x in place and put every element back
    h = 1e-4
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        tmp = x[i]
        x[i] = tmp + h
        fxh1 = f(x)
        x[i] = tmp - h
        fxh2 = f(x)
        grad[i] = (fxh1 - fxh2) / (2 * h)
        x[i] = tmp
        it.iternext()
    return grad
'''

ALT_NUMGRAD_FLAT = '''
def numerical_gradient(f, x):
    h = 1e-6
    flat = x.reshape(-1)
    g = np.empty(flat.size)
    for i in range(flat.size):
        e = np.zeros(flat.size)
        e[i] = h
        g[i] = (f((flat + e).reshape(x.shape)) - f((flat - e).reshape(x.shape))) / (2 * h)
    return g.reshape(x.shape)
'''

ALT_SOFTMAX_BOOK = '''
def softmax(x):
    # the book's version (the "correct" one of seed report 001)
    if x.ndim == 2:
        x = x.T
        x = x - np.max(x, axis=0)
        y = np.exp(x) / np.sum(np.exp(x), axis=0)
        return y.T
    x = x - np.max(x)
    return np.exp(x) / np.sum(np.exp(x))
'''

ALT_SOFTMAX_LSE = '''
def softmax(x):
    m = x.max(axis=-1, keepdims=True)
    lse = m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True))
    return np.exp(x - lse)
'''

ALT_CE_ONEHOT = '''
def cross_entropy_error(y, t):
    y = np.atleast_2d(y)
    t = np.asarray(t)
    if t.ndim == 1 and t.size != y.size:
        t = np.eye(y.shape[1])[t]
    t = t.reshape(y.shape)
    return -np.sum(t * np.log(np.clip(y, 1e-12, 1.0))) / y.shape[0]
'''

ALT_CE_MAXIMUM = '''
def cross_entropy_error(y, t):
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.mean(np.log(np.maximum(y[np.arange(batch_size), t], 1e-300)))
'''

ALT_SCE_BACKWARD = '''
def softmax_cross_entropy_backward(y, t):
    batch_size = y.shape[0]
    if t.size == y.size:
        return (y - t) / batch_size
    dx = y.copy()
    dx[np.arange(batch_size), t] -= 1
    return dx / batch_size
'''

ALT_THREE_LAYER = '''
def three_layer_backward(params, x, t, cache):
    def sig(v):
        return 1 / (1 + np.exp(-v))
    def d_sigmoid(u):                      # derivative at the PRE-activation
        return sig(u) * (1 - sig(u))
    y = cache["y"]
    N = x.shape[0]
    if t.ndim == 1:
        onehot = np.zeros_like(y)
        onehot[np.arange(N), t] = 1
        t = onehot
    d3 = (y - t) / N
    d2 = np.dot(d3, params["W3"].T) * d_sigmoid(cache["u2"])
    d1 = np.dot(d2, params["W2"].T) * d_sigmoid(cache["u1"])
    return {"W1": np.dot(x.T, d1), "b1": np.sum(d1, axis=0),
            "W2": np.dot(cache["z1"].T, d2), "b2": np.sum(d2, axis=0),
            "W3": np.dot(cache["z2"].T, d3), "b3": np.sum(d3, axis=0)}
'''

# ----------------------------------------------------------------------------- the mistakes
BUG_BATCHED_SOFTMAX = '''
def softmax(x):
    # seed report 001: normalises over the whole batch
    c = np.max(x)
    return np.exp(x - c) / np.sum(np.exp(x - c))
'''

BUG_UNSTABLE_SOFTMAX = '''
def softmax(x):
    e = np.exp(x)
    return e / np.sum(e, axis=-1, keepdims=True)
'''

BUG_SOFTMAX_AXIS0 = '''
def softmax(x):
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
'''

BUG_CE_NAN = '''
def cross_entropy_error(y, t):
    y = np.atleast_2d(y)
    t = np.asarray(t)
    if t.ndim == 1 and t.size != y.size:
        t = np.eye(y.shape[1])[t]
    t = t.reshape(y.shape)
    return -np.sum(t * np.log(y)) / y.shape[0]
'''

BUG_CE_SUM = '''
def cross_entropy_error(y, t):
    y = np.atleast_2d(y)
    t = np.asarray(t)
    if t.ndim == 1 and t.size != y.size:
        t = np.eye(y.shape[1])[t]
    t = t.reshape(y.shape)
    return -np.sum(t * np.log(y + 1e-7))
'''

BUG_SCE_NO_N = '''
def softmax_cross_entropy_backward(y, t):
    if t.ndim == 1:
        t = np.eye(y.shape[1])[t]
    return y - t
'''

BUG_THREE_LAYER_SEED = '''
def three_layer_backward(params, x, t, cache):
    # the seed's code: d_sigmoid applied to z, the activation OUTPUT
    def sigmoid(v):
        return 1 / (1 + np.exp(-v))
    def d_sigmoid(v):
        return (1.0 - sigmoid(v)) * sigmoid(v)
    y, z1, z2 = cache["y"], cache["z1"], cache["z2"]
    if t.ndim == 1:
        t = np.eye(y.shape[1])[t]
    grad = {}
    delta3 = (y - t) / x.shape[0]
    grad["b3"] = np.sum(delta3, axis=0)
    grad["W3"] = np.dot(z2.T, delta3)
    delta2 = np.dot(delta3, params["W3"].T) * d_sigmoid(z2)
    grad["b2"] = np.sum(delta2, axis=0)
    grad["W2"] = np.dot(z1.T, delta2)
    delta1 = np.dot(delta2, params["W2"].T) * d_sigmoid(z1)
    grad["b1"] = np.sum(delta1, axis=0)
    grad["W1"] = np.dot(x.T, delta1)
    return grad
'''

BUG_THREE_LAYER_U = '''
def three_layer_backward(params, x, t, cache):
    # z (1 - z) written with the pre-activation u
    y, u1, u2 = cache["y"], cache["u1"], cache["u2"]
    if t.ndim == 1:
        t = np.eye(y.shape[1])[t]
    d3 = (y - t) / x.shape[0]
    d2 = d3 @ params["W3"].T * (u2 * (1 - u2))
    d1 = d2 @ params["W2"].T * (u1 * (1 - u1))
    return {"W3": cache["z2"].T @ d3, "b3": d3.sum(0), "W2": cache["z1"].T @ d2, "b2": d2.sum(0),
            "W1": x.T @ d1, "b1": d1.sum(0)}
'''

BUG_NUMGRAD_NOT_RESTORED = '''
def numerical_gradient(f, x):
    h = 1e-5
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        tmp = x[idx]
        x[idx] = tmp + h
        fp = f(x)
        x[idx] = tmp - h
        fm = f(x)
        grad[idx] = (fp - fm) / (2 * h)     # x[idx] is never put back
    return grad
'''

BUG_NUMGRAD_H = '''
def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp = x.copy(); xp[idx] += h
        xm = x.copy(); xm[idx] -= h
        grad[idx] = (f(xp) - f(xm)) / h
    return grad
'''

VARIANTS = {
    "solution": {},
    "alt_numgrad_inplace": {"numerical_gradient": ALT_NUMGRAD_INPLACE},
    "alt_numgrad_flat": {"numerical_gradient": ALT_NUMGRAD_FLAT},
    "alt_softmax_book": {"softmax": ALT_SOFTMAX_BOOK},
    "alt_softmax_lse": {"softmax": ALT_SOFTMAX_LSE},
    "alt_ce_onehot": {"cross_entropy_error": ALT_CE_ONEHOT},
    "alt_ce_maximum": {"cross_entropy_error": ALT_CE_MAXIMUM},
    "alt_sce_backward": {"softmax_cross_entropy_backward": ALT_SCE_BACKWARD},
    "alt_three_layer": {"three_layer_backward": ALT_THREE_LAYER},
    "alt_quiz_int": {"quiz_chain_rule": "answer_chain_rule = 14"},
    "bug_batched_softmax": {"softmax": BUG_BATCHED_SOFTMAX},
    "bug_unstable_softmax": {"softmax": BUG_UNSTABLE_SOFTMAX},
    "bug_softmax_axis0": {"softmax": BUG_SOFTMAX_AXIS0},
    "bug_ce_nan": {"cross_entropy_error": BUG_CE_NAN},
    "bug_ce_sum": {"cross_entropy_error": BUG_CE_SUM},
    "bug_sce_no_n": {"softmax_cross_entropy_backward": BUG_SCE_NO_N},
    "bug_three_layer_seed_z": {"three_layer_backward": BUG_THREE_LAYER_SEED},
    "bug_three_layer_u": {"three_layer_backward": BUG_THREE_LAYER_U},
    "bug_numgrad_not_restored": {"numerical_gradient": BUG_NUMGRAD_NOT_RESTORED},
    "bug_numgrad_h": {"numerical_gradient": BUG_NUMGRAD_H},
    "bug_quiz_z": {"quiz_chain_rule": "answer_chain_rule = 49.0"},
    # the student version as released: every answer cell still holds its stub
    "unanswered": answer_sources(REPO / "release" / CHAPTER / f"{CHAPTER}.ipynb"),
}

# variant -> (the graded cells that must lose points, {cell: substring of its failure text})
EXPECTED_BUGS = {
    "bug_batched_softmax": ({"test_softmax_batch", "test_softmax_batch_invariant", "test_softmax_large_logits"},
                            {"test_softmax_batch": "WHOLE batch", "test_softmax_batch_invariant": "WHOLE batch",
                             "test_softmax_large_logits": "WHOLE batch"}),
    "bug_unstable_softmax": ({"test_softmax_large_logits"},
                             {"test_softmax_large_logits": "UNSTABLE softmax that overflows"}),
    "bug_softmax_axis0": ({"test_softmax_batch", "test_softmax_batch_invariant", "test_softmax_large_logits"},
                          {"test_softmax_batch": "along axis 0", "test_softmax_batch_invariant": "along axis 0",
                           "test_softmax_large_logits": "along axis 0"}),
    "bug_ce_nan": ({"test_cross_entropy_error_zero_probability"},
                   {"test_cross_entropy_error_zero_probability": "NaN/inf"}),
    "bug_ce_sum": ({"test_cross_entropy_error_labels", "test_cross_entropy_error_one_hot"},
                   {"test_cross_entropy_error_labels": "SUMMING over the batch",
                    "test_cross_entropy_error_one_hot": "SUMMING over the batch"}),
    "bug_sce_no_n": ({"test_softmax_cross_entropy_backward_values", "test_softmax_cross_entropy_backward_one_hot",
                      "test_softmax_cross_entropy_backward_numerical"},
                     {"test_softmax_cross_entropy_backward_values": "WITHOUT dividing by the batch size N",
                      "test_softmax_cross_entropy_backward_one_hot": "WITHOUT dividing by the batch size N",
                      "test_softmax_cross_entropy_backward_numerical": "WITHOUT dividing by the batch size N"}),
    "bug_three_layer_seed_z": ({"test_three_layer_backward_numerical", "test_three_layer_backward_reference"},
                               {"test_three_layer_backward_numerical": "z (the activation OUTPUT",
                                "test_three_layer_backward_reference": "sigmoid derivative to z (the activation OUTPUT)"}),
    "bug_three_layer_u": ({"test_three_layer_backward_numerical", "test_three_layer_backward_reference"},
                          {"test_three_layer_backward_numerical": "u * (1 - u)",
                           "test_three_layer_backward_reference": "u * (1 - u)"}),
    "bug_numgrad_not_restored": ({"test_numerical_gradient_vector", "test_numerical_gradient_matrix"},
                                 {"test_numerical_gradient_vector": "modified its argument",
                                  "test_numerical_gradient_matrix": "modified its argument"}),
    "bug_numgrad_h": ({"test_numerical_gradient_vector", "test_numerical_gradient_matrix"},
                      {"test_numerical_gradient_vector": "dividing by h instead of 2h"}),
    "bug_quiz_z": ({"test_quiz_chain_rule"}, {"test_quiz_chain_rule": "z itself"}),
}

@pytest.fixture(scope="module")
def results():
    return grade_variants(CHAPTER, VARIANTS)


@pytest.mark.slow
@pytest.mark.parametrize("variant", [v for v in VARIANTS if v == "solution" or v.startswith("alt_")])
def test_correct_implementations_get_full_marks(results, variant):
    assert_full_marks(results[variant])


def test_every_exercise_has_an_alternative():
    answered = {gid for name, repl in VARIANTS.items() if name.startswith("alt_") for gid in repl}
    assert answered == {"quiz_chain_rule", "numerical_gradient", "softmax", "cross_entropy_error",
                        "softmax_cross_entropy_backward", "three_layer_backward"}


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(EXPECTED_BUGS))
def test_mistakes_lose_points_with_a_named_message(results, variant):
    must_fail, texts = EXPECTED_BUGS[variant]
    assert_mistake_caught(results[variant], must_fail, texts)


@pytest.mark.slow
def test_unanswered_notebook_scores_zero_and_says_not_implemented(results):
    r = results["unanswered"]
    assert r.total == 0, r.summary()
    assert "not implemented yet" in r.failure_text("test_softmax_batch")


@pytest.mark.slow
def test_points_and_cells(results):
    r = results["solution"]
    assert r.max_total == 27
    assert {gid for gid in r.scores if gid.startswith("test_")} == set(r.scores)


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


def test_seed_gradient_check_exposes_d_sigmoid_of_z():
    check = review.seed_gradient_check()
    err = dict(zip(check["keys"], check["seed"]))
    ok = dict(zip(check["keys"], check["correct"]))
    assert max(ok.values()) < 1e-6, ok
    assert err["W3"] < 1e-6 and err["b3"] < 1e-6, err          # the output layer is right
    assert min(err["W1"], err["b1"], err["W2"], err["b2"]) > 1e-2, err   # every hidden layer is wrong


def test_seed_backward_matches_correct_backprop_when_derivative_fixed():
    # Independent check: with z*(1-z) written out, the seed's structure gives the network's gradient.
    from dlcourse.network import MultiLayerNet
    rng = np.random.default_rng(3)
    net = MultiLayerNet(5, [4, 3], 3, activation="sigmoid", weight_init=1.0, rng=rng)
    x = np.linspace(-1, 1, 20).reshape(4, 5)
    t = np.array([0, 2, 1, 2])
    g_seed = review.seed_backward(net.params, x, t)
    g_net = net.gradient(x, t)
    np.testing.assert_allclose(g_seed["W3"], g_net["W3"], rtol=1e-10, atol=1e-14)
    assert not np.allclose(g_seed["W1"], g_net["W1"], rtol=1e-3)


def test_review_figures_draw():
    for fig in (review.plot_batched_softmax_bug(), review.plot_gradient_check(review.seed_gradient_check())):
        assert isinstance(fig, Figure)
        fig.canvas.draw()


@pytest.mark.mnist
@pytest.mark.slow
def test_batched_softmax_bug_breaks_training():
    from dlcourse.data import load_mnist
    try:
        data = load_mnist()
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"MNIST not available: {exc}")
    good = review.train_with_softmax(softmax, data, iters=200)
    bad = review.train_with_softmax(review.softmax_whole_batch, data, iters=200)
    assert good["diverged_at"] is None and good["test_acc"][-1] > 0.8, good["test_acc"]
    assert bad["diverged_at"] is not None or bad["test_acc"][-1] < 0.2, bad
    fig = review.plot_softmax_training({"ok": good, "bug": bad})
    fig.canvas.draw()
