"""ch03_batch_norm: the graded notebook grades correctly (nbgrader round trip), and the lecture helpers work.

The grading tests come from the chapter's record (chapters/ch03_batch_norm.py): the source solution and
alternative correct answers get full marks; each known mistake loses points in the cells it names,
with a message that names it. Every variant's backward only ever receives the cache of the same
variant's forward.
"""

from __future__ import annotations

import numpy as np
import pytest

from chapterkit import ChapterGradingTests


class TestGrading(ChapterGradingTests):
    chapter = "ch03_batch_norm"


def test_alternative_backwards_are_exact_gradients():
    """The record's alternative implementations agree with numerical gradients (outside nbgrader too)."""
    from chapters import ch03_batch_norm as R
    from dlcourse.gradcheck import check_layer_backward

    rng = np.random.default_rng(0)
    inputs = {"x": 1.0 + 2.0 * rng.standard_normal((7, 3)), "gamma": rng.uniform(0.5, 2, 3),
              "beta": rng.standard_normal(3)}
    for fwd_src, bwd_src in [(R.ALT_FORWARD_DICT, R.ALT_BACKWARD_GRAPH), (R.ALT_FORWARD_OBJECT, R.ALT_BACKWARD_OBJECT)]:
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
        np.testing.assert_array_equal(r["iters"], [0, 20, 40, 60, 80])
        assert r["loss"].shape == (80,)
    assert pair["batchnorm"]["test_acc"][-1] > 0.8
    assert pair["plain"]["test_acc"][-1] < 0.5                # signal vanishes through 3 tiny layers


def _toy_with_blank_pixels():
    (x, t), (xt, tt) = _toy()
    x, xt = x.copy(), xt.copy()
    x[:, :4] = 0.0          # "pixels" that are 0 in every image: train_grid drops them
    xt[:, :4] = 0.0
    x[:, 4] = 0.0           # 0 in every training image only: must be kept for the test images
    return (x, t), (xt, tt)


GRID_KW = dict(hidden=(12, 12, 12), iters=40, batch_size=20, eval_every=10, n_eval=100)


# (dtype, learning rates, initial stds, rtol): float64 for a tight comparison; float32 where a
# network diverges (lr 0.3, std 10: its loss overflows to inf/NaN within a few iterations).
# float32 rounds differently when the stack leaves out the blank pixels and sums K products at
# once; over 40 iterations of a chaotic run that grows to a few 1e-4.
GRID_CASES = {"float64": (np.float64, (0.05, 3.0), (0.01, 0.1, 1.0), 1e-7),
              "float32_with_divergence": (np.float32, (0.02, 0.3), (0.1, 10.0), 1e-3)}


@pytest.mark.parametrize("case", sorted(GRID_CASES))
@pytest.mark.parametrize("use_bn", [False, True], ids=["plain", "batchnorm"])
def test_train_grid_equals_training_each_network_alone(use_bn, case):
    """The stacked trainer against the library's MultiLayerNet + train_curves, network by network."""
    dtype, lrs, scales, rtol = GRID_CASES[case]
    data = _toy_with_blank_pixels()
    grid = P.train_grid(data, lrs, scales, use_batchnorm=use_bn, dtype=dtype, **GRID_KW)
    assert grid["lrs"] == lrs and grid["scales"] == scales
    np.testing.assert_array_equal(grid["iters"], [0, 10, 20, 30, 40])
    assert grid["loss"].shape == (len(lrs), len(scales), 40) and grid["test_acc"].shape == (len(lrs), len(scales), 5)
    key = "batchnorm" if use_bn else "plain"
    diverged = 0
    for a, lr in enumerate(lrs):
        for b, scale in enumerate(scales):
            ref = P.train_pair(data, weight_init=scale, lr=lr, dtype=dtype, **GRID_KW)[key]
            where = f"{key}, lr {lr}, std {scale}"
            for name in ("loss", "test_acc"):
                got, want = grid[name][a, b], ref[name]
                np.testing.assert_array_equal(np.isfinite(got), np.isfinite(want),
                                              err_msg=f"{where}: {name} stops (NaN) at a different iteration")
                ok = np.isfinite(want)
                np.testing.assert_allclose(got[ok], want[ok], rtol=rtol, atol=1e-12, err_msg=f"{where}: {name}")
            diverged += not np.all(np.isfinite(ref["loss"]))
    # the float32 case covers networks that diverged (and were dropped from the stack) mid-grid
    assert diverged == (1 if case == "float32_with_divergence" and not use_bn else 0)


def test_batchnorm_grid_and_grid_pair():
    data = _toy()
    grid = P.batchnorm_grid(data, lrs=(0.05, 0.5), scales=(0.01, 0.1), hidden=(10, 10), iters=20, batch_size=20,
                            eval_every=10, n_eval=100)
    assert set(grid) == {"lrs", "scales", "iters", "plain", "batchnorm"}
    pair = P.grid_pair(grid, 0.5, 0.01)
    ref = P.train_pair(data, weight_init=0.01, lr=0.5, hidden=(10, 10), iters=20, batch_size=20, eval_every=10,
                       n_eval=100)       # float32 both ways
    for key in ("plain", "batchnorm"):
        np.testing.assert_array_equal(pair[key]["iters"], [0, 10, 20])
        np.testing.assert_array_equal(pair[key]["loss"], grid[key]["loss"][1, 0])
        np.testing.assert_allclose(pair[key]["loss"], ref[key]["loss"], rtol=1e-4)
        assert not pair[key]["loss"].flags.writeable          # views into the grid must not be edited
    with pytest.raises(ValueError, match="not on the grid"):
        P.grid_pair(grid, 0.2, 0.01)
    with pytest.raises(ValueError, match="integer class labels"):
        P.train_grid(((data[0][0], data[0][1] + 0.5), data[1]), (0.1,), (0.1,), use_batchnorm=False)


def test_plot_grid_accuracy_shows_the_final_accuracies():
    import matplotlib

    matplotlib.use("Agg")
    grid = P.batchnorm_grid(_toy(), lrs=(0.05, 1.0), scales=(0.01, 10.0), hidden=(12, 12, 12), iters=20,
                            batch_size=20, eval_every=10, n_eval=100)
    assert not np.all(np.isfinite(grid["plain"]["loss"][1, 1]))       # lr 1, std 10 diverges
    fig = P.plot_grid_accuracy(grid)
    for ax, key in zip(fig.axes[:2], ("plain", "batchnorm")):
        final = grid[key]["test_acc"][..., -1]
        np.testing.assert_allclose(ax.images[0].get_array(), np.nan_to_num(final, nan=0.0))
        texts = [t.get_text() for t in ax.texts]
        assert texts == ["NaN" if not np.isfinite(v) else f"{v:.2f}" for v in final.ravel()]


def test_batchnorm_explorer_redraws_the_precomputed_curves():
    import matplotlib

    matplotlib.use("Agg")
    from dlcourse.figures import smooth
    from dlcourse.widgets.batchnorm import BatchNormExplorer

    data = _toy()
    kw = dict(hidden=(12, 12), iters=30, batch_size=20, eval_every=10, n_eval=100, dtype=np.float64)
    grid = P.batchnorm_grid(data, lrs=(0.01, 0.1, 1.0), scales=(0.01, 0.1, 1.0), **kw)
    e = BatchNormExplorer(lr=0.01, scale=0.01, grid=grid)
    draws = e.view.draw_count

    def ydata(name):
        return np.asarray(e.lines[name].get_ydata(), dtype=float)

    def check_drawn():
        # independent reference: the two networks trained alone (MultiLayerNet) for this setting
        expected = P.train_pair(data, weight_init=e.scale.value, lr=e.lr.value, **kw)
        for key in ("plain", "batchnorm"):
            x, y = smooth(expected[key]["loss"])
            np.testing.assert_allclose(ydata(f"{key}_loss"), y, rtol=1e-7,
                                       err_msg=f"{key} loss curve at lr {e.lr.value}, std {e.scale.value}")
            np.testing.assert_array_equal(e.lines[f"{key}_loss"].get_xdata(), x)
            ok = np.isfinite(expected[key]["test_acc"])
            np.testing.assert_allclose(ydata(f"{key}_acc"), expected[key]["test_acc"][ok], rtol=1e-7)
            np.testing.assert_array_equal(e.lines[f"{key}_acc"].get_xdata(), expected[key]["iters"][ok])
        assert e.ax_loss.get_title() == f"learning rate {e.lr.value:g}, initial std {e.scale.value:g}"

    check_drawn()
    assert not e.status.value
    cases = BatchNormExplorer.bench_cases()
    assert {attr for attr, _ in cases} == {"show_plain", "lr", "scale"}
    for attr, value in cases:
        before = {k: ydata(k).copy() for k in e.lines}
        getattr(e, attr).value = value
        assert e.view.draw_count > draws, f"changing {attr} did not redraw"
        draws = e.view.draw_count
        if attr == "show_plain":
            assert not e.lines["plain_loss"].get_visible() and e.lines["batchnorm_loss"].get_visible()
            continue
        assert any(not np.array_equal(before[k], ydata(k)) for k in e.lines), f"{attr} left the curves unchanged"
        check_drawn()
    e.show_plain.value = True
    assert e.lines["plain_loss"].get_visible()


def test_batchnorm_explorer_reports_a_divergence():
    import matplotlib

    matplotlib.use("Agg")
    from dlcourse.widgets.batchnorm import BatchNormExplorer

    grid = P.batchnorm_grid(_toy(), lrs=(0.05, 1.0), scales=(0.1, 10.0), hidden=(12, 12, 12), iters=30,
                            batch_size=20, eval_every=10, n_eval=100)
    e = BatchNormExplorer(lr=0.05, scale=0.1, grid=grid)
    assert e.status.value == ""
    e.scale.value = 10.0
    loss = grid["plain"]["loss"][0, 1]
    at = int(np.argmin(np.isfinite(loss))) + 1                        # 1-based iteration of the NaN/inf
    assert 1 < at < 30, "the toy setting should diverge after a few iterations"
    assert e.status.value == f"without batch norm: the loss became NaN/inf at iteration {at} (diverged)"
    # the plain curves stop before the divergence; batch norm's run to the end
    assert np.max(e.lines["plain_loss"].get_xdata()) == at - 1
    assert np.all(np.isfinite(e.lines["plain_loss"].get_ydata()))
    assert np.max(e.lines["batchnorm_loss"].get_xdata()) == 30
    e.scale.value = 0.1
    assert e.status.value == ""


def test_batchnorm_explorer_rejects_values_off_the_grid():
    import matplotlib

    matplotlib.use("Agg")
    from dlcourse.widgets.batchnorm import BatchNormExplorer

    grid = P.batchnorm_grid(_toy(), lrs=(0.1,), scales=(0.1,), hidden=(5,), iters=2, batch_size=10,
                            eval_every=1, n_eval=20)
    with pytest.raises(ValueError, match="learning rate 0.02 is not on the grid"):
        BatchNormExplorer(lr=0.02, scale=0.1, grid=grid)
    with pytest.raises(ValueError, match="either a precomputed grid or data"):
        BatchNormExplorer(lr=0.1, scale=0.1, grid=grid, data=_toy())
    assert BatchNormExplorer(lr=0.1, scale=0.1, grid=grid).lr.options == (("0.1", 0.1),)


def test_smooth_drops_the_diverged_tail():
    from dlcourse.figures import smooth

    x, y = smooth(np.array([1.0, 2.0, 3.0, np.nan, np.nan]), width=2)
    np.testing.assert_array_equal(x, [2, 3])
    np.testing.assert_allclose(y, [1.5, 2.5])
    x, y = smooth(np.array([np.nan]))
    assert x.size == 0 and y.size == 0


# ---------------------------------------------------------------------------- the course note's experiment
from conftest import REPO, mnist_available  # noqa: E402


def _note_toy(n_train=300, n_test=150, d=30, seed=4):
    rng = np.random.default_rng(seed)
    centers = 2.0 * rng.standard_normal((10, d))
    t = rng.integers(0, 10, size=n_train + n_test)
    x = (centers[t] + rng.standard_normal((n_train + n_test, d))).astype(np.float32)
    return (x[:n_train], t[:n_train]), (x[n_train:], t[n_train:])


def test_weights_and_biases_only_is_the_course_notes_loop():
    from dlcourse.optimizers import SGD

    params = {"W1": np.ones((2, 3)), "b1": np.ones(3), "gamma1": np.ones(3), "beta1": np.zeros(3), "W2": np.ones((3, 2)),
              "b2": np.zeros(2)}
    grads = {k: np.full_like(v, 2.0) for k, v in params.items()}
    opt = P.WeightsAndBiasesOnly(SGD(0.25))
    opt.update(params, grads)
    for key in ("W1", "b1", "W2"):
        np.testing.assert_array_equal(params[key], 0.5, err_msg=key)
    np.testing.assert_array_equal(params["b2"], -0.5)
    np.testing.assert_array_equal(params["gamma1"], 1.0)      # never trained: "beta1" is not a bias
    np.testing.assert_array_equal(params["beta1"], 0.0)
    assert opt.lr == 0.25 and "SGD" in repr(opt)
    with pytest.raises(TypeError, match="wraps an optimizer"):
        P.WeightsAndBiasesOnly(0.01)


@pytest.mark.parametrize("variant", list(P.NOTE_VARIANTS))
def test_note_runs_trains_each_member_as_note_run_does(variant):
    """The stack of the sweep against the networks trained one by one (MultiLayerNet + fit)."""
    data = _note_toy()
    members = [("xavier", 0.05), (0.01, 0.5), ("xavier", 2.0)]
    kw = dict(variant=variant, seed=3, iters=30, eval_every=10)
    stack = P.note_runs(data, members, **kw)
    np.testing.assert_array_equal(stack["iters"], [0, 10, 20, 30])
    assert stack["loss"].shape == (3, 30) and stack["test_acc"].shape == (3, 4)
    for k, (init, lr) in enumerate(members):
        one = P.note_run(data, init=init, lr=lr, **kw)
        np.testing.assert_allclose(stack["loss"][k], one["loss"], rtol=1e-10, err_msg=f"{init}, {lr}")
        np.testing.assert_allclose(stack["test_acc"][k], one["test_acc"], rtol=0, atol=1e-12)
        net = one["net"]
        if variant == "batchnorm":          # the note's loop: gamma, beta never move, and b1, b2 get no gradient
            np.testing.assert_array_equal(net.params["gamma1"], 1.0)
            np.testing.assert_array_equal(net.params["beta2"], 0.0)
            assert np.max(np.abs(net.params["b1"])) < 1e-12 and np.max(np.abs(net.params["b2"])) < 1e-12
            assert np.max(np.abs(net.params["b3"])) > 1e-3
        if variant == "batchnorm_all":
            assert np.max(np.abs(net.params["gamma1"] - 1.0)) > 1e-4
    assert stack["test_acc"][2, -1] > 0.5                   # the toy problem is learnable
    with pytest.raises(ValueError, match="variant must be one of"):
        P.note_run(data, variant="bn")


def _toy_sweep(data):
    return P.note_sweep(data, lrs=(0.1, 1.0), inits=("xavier", 0.01), seeds=(0, 2), iters=20, eval_every=10,
                        loss_block=5)


def test_note_sweep_layout_and_the_stored_file(tmp_path, monkeypatch):
    data = _note_toy()
    sweep = _toy_sweep(data)
    assert sweep["test_acc"].shape == (3, 2, 2, 2, 3) and sweep["loss"].shape == (3, 2, 2, 2, 4)
    # one entry against its own stack: variant batchnorm_all, init 0.01, lr 1.0, seed 2
    r = P.note_runs(data, [("xavier", 0.1), ("xavier", 1.0), (0.01, 0.1), (0.01, 1.0)], variant="batchnorm_all",
                    seed=2, iters=20, eval_every=10)
    np.testing.assert_array_equal(sweep["test_acc"][2, 1, 1, 1], r["test_acc"][3])
    np.testing.assert_allclose(sweep["loss"][2, 1, 1, 1], r["loss"][3].reshape(4, 5).mean(axis=1), rtol=1e-12)
    curves = P.sweep_curves(sweep, "batchnorm_all", 0.01, 1.0)
    np.testing.assert_array_equal(curves["loss_iters"], [5, 10, 15, 20])
    np.testing.assert_array_equal(curves["test_acc"][1], r["test_acc"][3])
    assert not curves["test_acc"].flags.writeable
    with pytest.raises(ValueError, match="learning rate 0.3 is not in the sweep"):
        P.sweep_curves(sweep, "plain", "xavier", 0.3)
    # the file: refused with other settings, read back with the module's settings
    path = P.save_note_sweep(sweep, tmp_path / "sweep.npz")
    with pytest.raises(ValueError, match="other settings .*iters.*Recompute"):
        P.load_note_sweep(path)
    for name, value in dict(NOTE_LRS=(0.1, 1.0), NOTE_SEEDS=(0, 2), NOTE_ITERS=20, NOTE_EVAL_EVERY=10,
                            NOTE_LOSS_BLOCK=5, NOTE_N_TRAIN=300, NOTE_N_TEST=150).items():
        monkeypatch.setattr(P, name, value)
    back = P.load_note_sweep(path)
    np.testing.assert_array_equal(back["test_acc"], sweep["test_acc"])
    np.testing.assert_allclose(back["loss"], sweep["loss"], rtol=1e-6)
    assert back["inits"] == ("xavier", 0.01) and back["variants"] == tuple(P.NOTE_VARIANTS)
    with pytest.raises(FileNotFoundError, match="save_note_sweep"):
        P.load_note_sweep(tmp_path / "missing.npz")


def test_sweep_summary_and_the_lr_figure():
    import matplotlib

    matplotlib.use("Agg")
    sweep = P.load_note_sweep()
    summary = P.sweep_summary(sweep)
    final = P.final_accuracy(sweep)
    assert final.shape == (3, 2, 9, 5) and np.all(np.isfinite(final))
    r = summary["plain", "xavier"]
    a = int(np.argmax(final[0, 0].mean(axis=1)))
    assert r["best_lr"] == sweep["lrs"][a] and r["best"][0] == pytest.approx(final[0, 0, a].mean())
    assert r["good_lrs"] == tuple(lr for lr, m in zip(sweep["lrs"], final[0, 0].mean(axis=1)) if m >= 0.9)
    fig = P.plot_lr_sweep(sweep)
    for ax, i in zip(fig.axes, range(2)):
        lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 9]
        for v, line in enumerate(lines):
            np.testing.assert_allclose(line.get_ydata(), final[v, i].mean(axis=1))


@pytest.mark.slow
@pytest.mark.mnist
@pytest.mark.skipif(not mnist_available(), reason="MNIST files not available")
def test_stored_sweep_is_what_the_code_computes():
    """Recompute runs of the stored sweep (random seed 3; the lecture recomputes seed 0 itself)."""
    sweep = P.load_note_sweep()
    data = P.note_data()
    assert sweep["settings"]["n_train"] == len(data[0][0]) and sweep["settings"]["n_test"] == len(data[1][0])
    for variant, members in (("batchnorm_all", [(0.01, 3.0)]), ("plain", [("xavier", 1.0)])):
        r = P.note_runs(data, members, variant=variant, seed=3)
        for k, (init, lr) in enumerate(members):
            stored = P.sweep_curves(sweep, variant, init, lr)
            # float64 throughout: a different BLAS may round differently, which can flip a test image or two
            np.testing.assert_allclose(stored["test_acc"][3], r["test_acc"][k], rtol=0, atol=3e-4)
            np.testing.assert_allclose(stored["loss"][3], r["loss"][k].reshape(-1, 10).mean(axis=1), rtol=1e-4)


def _lecture_text():
    import nbformat

    nb = nbformat.read(REPO / "notebooks" / "ch03_batch_norm.ipynb", as_version=4)
    return " ".join(" ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown")


def _pct(x, digits=1):
    return f"{100 * x:.{digits}f} %"


def test_lecture_quotes_the_stored_sweep():
    """Every number the lecture's text quotes from the experiment is the stored sweep's."""
    sweep = P.load_note_sweep()
    text = _lecture_text()
    s = P.sweep_summary(sweep)
    final = P.final_accuracy(sweep)

    def band(variant, init, lr, digits=0):
        acc = final[sweep["variants"].index(variant), sweep["inits"].index(init), sweep["lrs"].index(lr)]
        return f"{100 * acc.min():.{digits}f} to {100 * acc.max():.{digits}f} %"

    quoted = [band("batchnorm", 0.01, 0.01), band("batchnorm", "xavier", 0.01), band("plain", "xavier", 0.01),
              band("batchnorm", "xavier", 0.01, 1),
              f"At its best, {s['plain', 'xavier']['best_lr']:g}, it reaches {_pct(s['plain', 'xavier']['best'][0])}",
              f"its best is {_pct(s['batchnorm', 'xavier']['best'][0])}",
              f"lifts batch norm to {_pct(s['batchnorm_all', 'xavier']['best'][0])} at learning rate "
              f"{s['batchnorm_all', 'xavier']['best_lr']:g}",
              f"collapses to chance ({_pct(final[0, 1, 8].min())})",
              f"({_pct(final[0, 0, 6].mean())} and {_pct(final[0, 1, 6].mean())})"]
    good = {k: v["good_lrs"] for k, v in s.items()}
    assert good["batchnorm", "xavier"] == (0.1, 0.3, 1.0, 3.0, 10.0) and good["batchnorm", 0.01][0] == 0.3
    assert good["plain", "xavier"] == (1.0, 3.0, 10.0) and good["plain", 0.01] == (3.0,)
    assert np.all(final[0, 1, 8] >= 0.0) and np.sum(final[0, 1, 8] < 0.2) == 1     # one run of five collapses
    # "from 0.1 on, Xavier and std 0.01 differ by 1 point or less with batch norm"
    means = final[1].mean(axis=-1)
    assert np.all(np.abs(means[0, 4:] - means[1, 4:]) <= 0.01)
    # the overlap, and the note's log against the two bands
    bn, plain = P.sweep_curves(sweep, "batchnorm", "xavier", 0.01), P.sweep_curves(sweep, "plain", "xavier", 0.01)
    later = bn["eval_iters"] >= 100
    assert np.all(bn["test_acc"].min(axis=0)[later] > plain["test_acc"].max(axis=0)[later])
    assert bn["test_acc"].min(axis=0)[bn["eval_iters"] == 50] < plain["test_acc"].max(axis=0)[bn["eval_iters"] == 50]
    log = dict(zip(P.NOTE_LOG["iters"], P.NOTE_LOG["batchnorm"]))
    small = P.sweep_curves(sweep, "batchnorm", 0.01, 0.01)
    for k, it in enumerate(bn["eval_iters"]):
        if it >= 50:
            assert bn["test_acc"][:, k].min() <= log[it] <= bn["test_acc"][:, k].max() + 0.003, it
        if it >= 150:
            assert log[it] > small["test_acc"][:, k].max(), it
    missing = [q for q in quoted if q not in text]
    assert not missing, f"the lecture does not quote these numbers of the stored sweep: {missing}"


@pytest.mark.mnist
@pytest.mark.skipif(not mnist_available(), reason="MNIST files not available")
def test_lecture_quotes_the_first_batch_gradients():
    first = P.first_batch_gradients(P.note_data())
    text = _lecture_text()
    ratio = {init: first[init, True]["grad_norms"][0] / first[init, False]["grad_norms"][0] for init in P.NOTE_INITS}
    assert f"about {ratio['xavier']:.0f} times larger with batch norm" in text, ratio
    assert f"about {10 * round(ratio[0.01] / 10):.0f} times larger" in text, ratio
    s_x, s_small = first["xavier", True]["batch_std"], first[0.01, True]["batch_std"]
    assert f"({s_small[0]:.2f} and {s_small[1]:.3f} instead of {s_x[0]:.2f} and {s_x[1]:.2f})" in text


def _note_explorer(sweep):
    import matplotlib

    matplotlib.use("Agg")
    from dlcourse.widgets.batchnorm import NoteSweepExplorer

    return NoteSweepExplorer(lr=0.1, init="xavier", sweep=sweep)


def test_note_sweep_explorer_looks_the_runs_up(monkeypatch):
    sweep = _toy_sweep(_note_toy())
    e = _note_explorer(sweep)

    def no_training(*args, **kwargs):
        raise AssertionError("the explorer trained on a control change")

    monkeypatch.setattr(P, "note_runs", no_training)
    monkeypatch.setattr(P, "fit", no_training)

    def check_drawn():
        final = P.final_accuracy(sweep)
        v_lr = sweep["lrs"].index(e.lr.value)
        i = sweep["inits"].index(e.init.value)
        for v, variant in enumerate(sweep["variants"]):
            c = P.sweep_curves(sweep, variant, e.init.value, e.lr.value)
            for k in range(len(sweep["random_seeds"])):
                np.testing.assert_array_equal(e.lines[variant, k].get_ydata(), c["test_acc"][k])
                assert e.lines[variant, k].get_visible() == e.show[variant].value
            np.testing.assert_allclose(e.lines[variant, "mean"].get_ydata(), c["test_acc"].mean(axis=0))
            acc = final[v, i, v_lr]
            assert f"{acc.mean():.1%}</b> ({acc.min():.1%} to {acc.max():.1%})" in e.status.value
            for (name, init), (line, band) in e.summary.items():
                if name == variant:
                    assert line.get_visible() == (e.show[variant].value and init == e.init.value)
        assert e.marker.get_xdata()[0] == e.lr.value

    check_drawn()
    draws = e.view.draw_count
    for attr, value in [("lr", 1.0), ("init", 0.01), ("lr", 0.1)]:
        getattr(e, attr).value = value
        assert e.view.draw_count > draws
        draws = e.view.draw_count
        check_drawn()
    e.show["plain"].value = False
    check_drawn()
    assert not e.lines["plain", "mean"].get_visible() and e.lines["batchnorm", "mean"].get_visible()
    from dlcourse.widgets.batchnorm import NoteSweepExplorer

    with pytest.raises(ValueError, match="NoteSweepExplorer: learning rate 0.02 is not on the grid"):
        NoteSweepExplorer(lr=0.02, sweep=sweep)
    with pytest.raises(ValueError, match="init 'he' is not in the sweep"):
        NoteSweepExplorer(lr=0.1, init="he", sweep=sweep)


def test_note_sweep_explorer_builds_from_the_stored_sweep():
    import matplotlib

    matplotlib.use("Agg")
    from dlcourse.widgets.batchnorm import NoteSweepExplorer

    e = NoteSweepExplorer()
    assert e.lr.value == 0.01 and e.init.value == "xavier"
    assert {attr for attr, _ in NoteSweepExplorer.bench_cases()} == {"lr", "init"}
    for attr, value in NoteSweepExplorer.bench_cases():
        getattr(e, attr).value = value
    assert "every run diverged" not in e.status.value
