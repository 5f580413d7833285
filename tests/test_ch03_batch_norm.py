"""Chapter 3 (batch normalisation): grading round trip, experiments and the explorer.

The grading tests grade, with nbgrader itself, the source solutions and alternative correct
implementations (which must get full marks) and the typical mistakes (which must lose points in
the expected cells, with feedback that names the mistake). Every variant's backward only ever
receives the cache of the same variant's forward.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from gradingkit import grade_variants

CHAPTER = "ch03_batch_norm"


def _code(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


# ---------------------------------------------------------------------------- correct variants
# Forward with np.var and a dict cache; backward through the full computational graph, node by node.
ALT_FORWARD_DICT = _code('''
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu = np.mean(x, axis=0)
    var = np.var(x, axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (x - mu) * inv_std
    cache = {"x": x, "mu": mu, "var": var, "eps": eps, "gamma": gamma, "xhat": xhat}
    return xhat * gamma + beta, cache
''')

ALT_BACKWARD_GRAPH = _code('''
def batchnorm_backward(dout, cache):
    x, mu, var, eps, gamma, xhat = (cache[k] for k in ("x", "mu", "var", "eps", "gamma", "xhat"))
    n = x.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    xc = x - mu
    s = np.sqrt(var + eps)
    # xhat = xc * (1 / s): two branches
    dxc = dxhat / s
    dinv = np.sum(dxhat * xc, axis=0)
    ds = -dinv / s ** 2
    dvar = ds / (2.0 * s)
    # var = mean(xc ** 2)
    dxc = dxc + 2.0 * xc * dvar / n
    # xc = x - mu, mu = mean(x)
    dmu = -np.sum(dxc, axis=0)
    dx = dxc + dmu / n
    return dx, dgamma, dbeta
''')

# The solution's forward (cache = (xhat, gamma, std)) with the compact formula written with sums.
ALT_BACKWARD_SUMS = _code('''
def batchnorm_backward(dout, cache):
    xhat, gamma, std = cache
    N = dout.shape[0]
    dxhat = gamma * dout
    dx = (N * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) / (N * std)
    return dx, (xhat * dout).sum(axis=0), dout.sum(axis=0)
''')

# A cache that is an object of the student's own class (no __eq__), and np.einsum.
ALT_FORWARD_OBJECT = _code('''
class _BNCache:
    pass

def batchnorm_forward(x, gamma, beta, eps=1e-5):
    c = _BNCache()
    c.n = x.shape[0]
    c.mu = x.sum(axis=0) / c.n
    c.xc = x - c.mu
    c.var = np.einsum("nd,nd->d", c.xc, c.xc) / c.n
    c.std = np.sqrt(c.var + eps)
    c.gamma = gamma
    c.xhat = c.xc / c.std
    return c.gamma * c.xhat + beta, c
''')

ALT_BACKWARD_OBJECT = _code('''
def batchnorm_backward(dout, cache):
    c = cache
    dgamma = np.einsum("nd,nd->d", dout, c.xhat)
    dbeta = dout.sum(axis=0)
    dxhat = dout * c.gamma
    # through the mean and the variance paths, the CS231n way
    dvar = np.sum(dxhat * c.xc, axis=0) * -0.5 * c.std ** -3
    dmu = -np.sum(dxhat, axis=0) / c.std + dvar * -2.0 * np.mean(c.xc, axis=0)
    dx = dxhat / c.std + dvar * 2.0 * c.xc / c.n + dmu / c.n
    return dx, dgamma, dbeta
''')

ALT_QUIZZES_EFFECTS = _code('''
answer_bn_effects = ["D", " a", "c"]
''')

ALT_QUIZ_RUNNING = _code('''
running_mean_after = 0.9 * (0.9 * 0 + 0.1 * 2.5) + 0.1 * 4.5
running_var_after = 0.9 * (0.9 * 1 + 0.1 * 1.25) + 0.1 * 1.25
''')

# ---------------------------------------------------------------------------- mistakes
BUG_UNBIASED = _code('''
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    var = x.var(axis=0, ddof=1)
    std = np.sqrt(var + eps)
    xhat = (x - mu) / std
    return gamma * xhat + beta, (xhat, gamma, std)
''')

BUG_NAIVE_BACKWARD = _code('''
def batchnorm_backward(dout, cache):
    xhat, gamma, std = cache
    dx = dout * gamma / std
    return dx, np.sum(dout * xhat, axis=0), np.sum(dout, axis=0)
''')

BUG_MEAN_PATH_ONLY = _code('''
def batchnorm_backward(dout, cache):
    xhat, gamma, std = cache
    dxhat = dout * gamma
    dx = (dxhat - dxhat.mean(axis=0)) / std
    return dx, np.sum(dout * xhat, axis=0), np.sum(dout, axis=0)
''')

BUG_SWAPPED_PARAM_GRADS = _code('''
def batchnorm_backward(dout, cache):
    xhat, gamma, std = cache
    dxhat = dout * gamma
    dx = (dxhat - dxhat.mean(axis=0) - xhat * np.mean(dxhat * xhat, axis=0)) / std
    return dx, np.sum(dout, axis=0), np.sum(dout * xhat, axis=0)
''')

BUG_QUIZ_EFFECTS = _code('''
answer_bn_effects = {"a", "b"}
''')

BUG_QUIZ_RUNNING_PYTORCH = _code('''
running_mean_after, running_var_after = 0.0, 1.0
for _b in (np.array([1.0, 2.0, 3.0, 4.0]), np.array([3.0, 4.0, 5.0, 6.0])):
    running_mean_after = 0.1 * running_mean_after + 0.9 * _b.mean()
    running_var_after = 0.1 * running_var_after + 0.9 * _b.var()
''')

BUG_QUIZ_RUNNING_UNBIASED = _code('''
running_mean_after, running_var_after = 0.0, 1.0
for _b in (np.array([1.0, 2.0, 3.0, 4.0]), np.array([3.0, 4.0, 5.0, 6.0])):
    running_mean_after = 0.9 * running_mean_after + 0.1 * _b.mean()
    running_var_after = 0.9 * running_var_after + 0.1 * _b.var(ddof=1)
''')

FORWARD_CELLS = {"test_batchnorm_forward_shapes", "test_batchnorm_forward_values",
                 "test_batchnorm_forward_statistics", "test_batchnorm_forward_float32"}
BACKWARD_CELLS = {"test_batchnorm_backward_dx", "test_batchnorm_backward_dgamma_dbeta"}
ALL_CELLS = FORWARD_CELLS | BACKWARD_CELLS | {"test_quiz_batchnorm_effects", "test_quiz_batchnorm_running"}
MAX_POINTS = 12

CORRECT = {
    "solution": {},
    "alt_dict_cache_full_graph": {"batchnorm_forward": ALT_FORWARD_DICT, "batchnorm_backward": ALT_BACKWARD_GRAPH},
    "alt_backward_with_sums": {"batchnorm_backward": ALT_BACKWARD_SUMS},
    "alt_object_cache_cs231n_paths": {"batchnorm_forward": ALT_FORWARD_OBJECT,
                                      "batchnorm_backward": ALT_BACKWARD_OBJECT},
    "alt_quizzes": {"quiz_batchnorm_effects": ALT_QUIZZES_EFFECTS, "quiz_batchnorm_running": ALT_QUIZ_RUNNING},
}

# variant -> (replacements, cells that must lose points, {cell: substring its feedback must show})
BUGS = {
    # backward reads the (wrong) cache of this forward, so the gradient cells fail as well
    "bug_unbiased_variance": (
        {"batchnorm_forward": BUG_UNBIASED},
        {"test_batchnorm_forward_values", "test_batchnorm_forward_statistics"} | BACKWARD_CELLS,
        {"test_batchnorm_forward_values": "the unbiased variance",
         "test_batchnorm_forward_statistics": "the unbiased variance",
         "test_batchnorm_backward_dx": "Fix batchnorm_forward first",
         "test_batchnorm_backward_dgamma_dbeta": "Fix batchnorm_forward first"}),
    "bug_backward_ignores_mean_and_variance": (
        {"batchnorm_backward": BUG_NAIVE_BACKWARD}, {"test_batchnorm_backward_dx"},
        {"test_batchnorm_backward_dx": "ignoring the mean and variance paths"}),
    "bug_backward_mean_path_only": (
        {"batchnorm_backward": BUG_MEAN_PATH_ONLY}, {"test_batchnorm_backward_dx"},
        {"test_batchnorm_backward_dx": "ignoring the variance path"}),
    "bug_dgamma_dbeta_swapped": (
        {"batchnorm_backward": BUG_SWAPPED_PARAM_GRADS}, {"test_batchnorm_backward_dgamma_dbeta"},
        {"test_batchnorm_backward_dgamma_dbeta": "swapped"}),
    "bug_quiz_effects": (
        {"quiz_batchnorm_effects": BUG_QUIZ_EFFECTS}, {"test_quiz_batchnorm_effects"},
        {"test_quiz_batchnorm_effects": "running mean and variance"}),
    "bug_quiz_running_pytorch_momentum": (
        {"quiz_batchnorm_running": BUG_QUIZ_RUNNING_PYTORCH}, {"test_quiz_batchnorm_running"},
        {"test_quiz_batchnorm_running": "PyTorch's convention"}),
    "bug_quiz_running_unbiased": (
        {"quiz_batchnorm_running": BUG_QUIZ_RUNNING_UNBIASED}, {"test_quiz_batchnorm_running"},
        {"test_quiz_batchnorm_running": "the unbiased variance"}),
}


@pytest.fixture(scope="module")
def graded():
    variants = dict(CORRECT)
    variants.update({name: repl for name, (repl, _, _) in BUGS.items()})
    return grade_variants(CHAPTER, variants)


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(CORRECT))
def test_correct_implementations_get_full_marks(graded, variant):
    r = graded[variant]
    assert set(r.scores) == ALL_CELLS, f"graded cells changed: {sorted(r.scores)}"
    assert r.total == r.max_total == MAX_POINTS, r.summary()


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(BUGS))
def test_each_mistake_loses_points_where_expected_and_is_named(graded, variant):
    _, cells, messages = BUGS[variant]
    r = graded[variant]
    assert r.failed == cells, f"{variant}: expected exactly {sorted(cells)} to lose points.\n{r.summary()}"
    for cell in cells:
        assert r.scores[cell][0] == 0, r.summary()
    for cell, text in messages.items():
        shown = r.failure_text(cell)
        assert text in shown, f"{variant}: the feedback of {cell} should name the mistake ({text!r}):\n{shown}"


def test_alternative_backwards_are_exact_gradients():
    """The alternative implementations above agree with numerical gradients (outside nbgrader too)."""
    from dlcourse.gradcheck import check_layer_backward

    rng = np.random.default_rng(0)
    inputs = {"x": 1.0 + 2.0 * rng.standard_normal((7, 3)), "gamma": rng.uniform(0.5, 2, 3),
              "beta": rng.standard_normal(3)}
    for fwd_src, bwd_src in [(ALT_FORWARD_DICT, ALT_BACKWARD_GRAPH), (ALT_FORWARD_OBJECT, ALT_BACKWARD_OBJECT)]:
        ns = {"np": np}
        exec(fwd_src, ns)
        exec(bwd_src, ns)
        errs = check_layer_backward(ns["batchnorm_forward"], ns["batchnorm_backward"], inputs, rng)
        assert max(errs.values()) < 1e-6, errs


# ---------------------------------------------------------------------------- experiments
from dlcourse.plots import batchnorm as P  # noqa: E402


def test_normalisation_demo_gives_zero_mean_unit_std():
    d = P.normalisation_demo(n=300, rng=np.random.default_rng(1))
    assert d["x"].shape == (300, 3)
    assert np.ptp(d["x"].std(axis=0)) > 10            # very different scales before
    np.testing.assert_allclose(d["xhat"].mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(d["xhat"].std(axis=0), 1, rtol=1e-4)
    np.testing.assert_allclose(d["out"].mean(axis=0), [1.0, -1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(d["out"].std(axis=0), [2.0, 0.5, 1.0], rtol=1e-4)


def test_backward_paths_sum_to_the_numerical_gradient():
    from dlcourse.gradcheck import numerical_gradient

    rng = np.random.default_rng(2)
    x, gamma, dout = 1.0 + 2.0 * rng.standard_normal((6, 3)), rng.uniform(0.5, 2, 3), rng.standard_normal((6, 3))
    paths = P.backward_paths(x, gamma, dout)

    def f(a):
        mu, var = a.mean(axis=0), a.var(axis=0)
        return np.sum(gamma * (a - mu) / np.sqrt(var + 1e-5) * dout)

    numeric = numerical_gradient(f, x.copy())
    np.testing.assert_allclose(paths["direct"] + paths["mean"] + paths["variance"], numeric, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(paths["exact"], numeric, rtol=1e-5, atol=1e-8)
    assert not np.allclose(paths["direct"], numeric)        # the naive dx is really wrong


def test_running_stats_follow_the_momentum_rule():
    rec = P.running_stats_demo(steps=40, batch_size=16, true_mean=3.0, true_std=2.0, rng=np.random.default_rng(3))
    # replay the rule on the recorded batch statistics: momentum 0.9 on the OLD value, start 0 and 1
    m, v = 0.0, 1.0
    for i in range(40):
        m = 0.9 * m + 0.1 * rec["batch_mean"][i]
        v = 0.9 * v + 0.1 * rec["batch_var"][i]
        assert rec["running_mean"][i] == pytest.approx(m) and rec["running_var"][i] == pytest.approx(v)
    assert rec["test_train_mode"] == pytest.approx(0.0)      # a batch of one normalises to beta
    expected = (rec["test_x"] - rec["running_mean"][-1]) / np.sqrt(rec["running_var"][-1] + 1e-5)
    assert rec["test_eval_mode"] == pytest.approx(expected)


def _toy(n=300, d=30, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    centers = 1.5 * rng.standard_normal((classes, d))
    t = rng.integers(0, classes, size=n)
    x = centers[t] + rng.standard_normal((n, d))
    return (x[:200], t[:200]), (x[200:], t[200:])


def test_train_pair_batchnorm_rescues_a_tiny_initialisation():
    data = _toy()
    pair = P.train_pair(data, weight_init=0.01, lr=0.05, hidden=(20, 20, 20), iters=80, batch_size=20,
                        eval_every=20, n_eval=100, seed=0)
    assert set(pair) == {"plain", "batchnorm"}
    for r in pair.values():
        np.testing.assert_array_equal(r["iters"], [1, 20, 40, 60, 80])
        assert r["loss"].shape == (80,)
    assert pair["batchnorm"]["test_acc"][-1] > 0.8
    assert pair["plain"]["test_acc"][-1] < 0.5                # signal vanishes through 3 tiny layers


def test_batchnorm_explorer_trains_caches_and_redraws():
    import matplotlib

    matplotlib.use("Agg")
    from dlcourse.widgets.batchnorm import BatchNormExplorer, smooth

    data = _toy()
    kw = dict(hidden=(12, 12), iters=30, batch_size=20, eval_every=10, n_eval=100)
    e = BatchNormExplorer(lr=0.01, scale=0.01, data=data, **kw)
    assert set(e.cache) == {(0.01, 0.01)}
    draws = e.view.draw_count

    def ydata(name):
        return np.asarray(e.lines[name].get_ydata(), dtype=float)

    for attr, value in BatchNormExplorer.bench_cases():
        before = {k: ydata(k).copy() for k in e.lines}
        getattr(e, attr).value = value
        assert e.view.draw_count > draws, f"changing {attr} did not redraw"
        draws = e.view.draw_count
        if attr == "show_plain":
            assert not e.lines["plain_loss"].get_visible() and e.lines["batchnorm_loss"].get_visible()
            continue
        assert any(not np.array_equal(before[k], ydata(k)) for k in e.lines), f"{attr} left the curves unchanged"
        expected = P.train_pair(data, weight_init=e.scale.value, lr=e.lr.value, **kw)
        for key in ("plain", "batchnorm"):
            _, y = smooth(expected[key]["loss"])
            np.testing.assert_allclose(ydata(f"{key}_loss"), y)
            ok = np.isfinite(expected[key]["test_acc"])
            np.testing.assert_allclose(ydata(f"{key}_acc"), expected[key]["test_acc"][ok])
    assert (0.1, 0.1) in e.cache and (0.01, 0.1) in e.cache
    # a cached setting is not retrained
    cached = e.cache[(0.01, 0.01)]
    e.lr.value, e.scale.value = 0.01, 0.01
    assert e.results is cached


def test_smooth_drops_the_diverged_tail():
    from dlcourse.widgets.batchnorm import smooth

    x, y = smooth(np.array([1.0, 2.0, 3.0, np.nan, np.nan]), width=2)
    np.testing.assert_array_equal(x, [2, 3])
    np.testing.assert_allclose(y, [1.5, 2.5])
    x, y = smooth(np.array([np.nan]))
    assert x.size == 0 and y.size == 0
