"""ch08_capstone: the graded notebook grades correctly (nbgrader round trip), trains to 97 % top to bottom,
the grader's training check tells slow code that it is slow, and the lecture helpers work.

The grading tests come from the chapter's record (chapters/ch08_capstone.py); tests/test_sandbox_chapters.py
grades the same variants with the out-of-process checks, including the training run of
grading/ch08_capstone.py.
"""

from __future__ import annotations

import math
import os
import shutil
import time

import nbformat
import numpy as np
import pytest

import chapters
from chapterkit import ChapterGradingTests
from conftest import REPO, TIMINGS

CHAPTER = "ch08_capstone"


class TestGrading(ChapterGradingTests):
    chapter = CHAPTER


# ----------------------------------------------------------------------------- helpers
def _mnist():
    from dlcourse.data import load_mnist

    try:
        return load_mnist()
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"MNIST not available: {exc}")


def _solution_namespace(replace: dict[str, str] | None = None) -> dict:
    """The answer cells of the source notebook (or replacements) and its given definitions, run here."""
    from dlgrade.checks.cells import default_sandbox_setup, is_answer, is_test

    nb = nbformat.read(chapters.get(CHAPTER).notebook(REPO, "source"), as_version=4)
    given = [c.source for c in nb.cells if c.cell_type == "code" and not is_answer(c) and not is_test(c)]
    ns: dict = {"__name__": "capstone"}
    exec(default_sandbox_setup(given), ns)
    for cell in nb.cells:
        if is_answer(cell):
            exec((replace or {}).get(cell.metadata["nbgrader"]["grade_id"], cell.source), ns)
    (ns["x_train"], ns["t_train"]), (ns["x_test"], ns["t_test"]) = _mnist()
    return ns


def _budget_check():
    from dlgrade.spec import load

    specs, _ = load(REPO, CHAPTER)
    (check,) = specs[CHAPTER].extra_checks["test_train_mnist"]
    return check


# ----------------------------------------------------------------------------- the graded notebook, for real
@pytest.mark.slow
@pytest.mark.mnist
def test_source_notebook_trains_to_97_percent_within_its_time_limit(tmp_path):
    """Top to bottom with the solutions, as a student runs it: the final run must reach 97 % test accuracy
    (the chapter's promise: in under 2 minutes on 2 cores). Its time is printed with the other notebooks'."""
    from nbclient import NotebookClient

    _mnist()
    record = chapters.get(CHAPTER)
    source = record.notebook(REPO, "source")
    work = tmp_path / CHAPTER
    shutil.copytree(source.parent, work)
    nb = nbformat.read(work / source.name, as_version=4)
    env_before = os.environ.pop("NBGRADER_EXECUTION", None)
    try:
        client = NotebookClient(nb, timeout=int(2 * record.graded_seconds), kernel_name="python3",
                                resources={"metadata": {"path": str(work)}}, allow_errors=False)
        with client.setup_kernel():
            start = time.perf_counter()
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
            seconds = time.perf_counter() - start
            probe = nbformat.v4.new_code_cell("print(repr(test_acc), seconds)")
            nb.cells.append(probe)
            client.execute_cell(probe, len(nb.cells) - 1)
    finally:
        if env_before is not None:
            os.environ["NBGRADER_EXECUTION"] = env_before
    with TIMINGS.open("a") as f:
        f.write(f"{source.relative_to(REPO)}\t{seconds:.2f}\t{record.graded_seconds:.0f}\n")
    text = "".join(o.get("text", "") for o in probe.outputs if o.get("output_type") == "stream").split()
    test_acc, train_seconds = float(text[0]), float(text[1])
    assert test_acc >= 0.97, f"the source notebook's final run reached {test_acc:.2%} test accuracy, not 97 %"
    assert train_seconds <= 120, (f"the source notebook's final run trained for {train_seconds:.0f} s; the chapter "
                                  "promises 97 % within 2 minutes on 2 cores")
    assert seconds <= record.graded_seconds, (
        f"{source.name} took {seconds:.0f} s top to bottom (its final training {train_seconds:.0f} s); the record "
        f"allows {record.graded_seconds:.0f} s and the chapter promises 2 minutes of training on 2 cores")


# ----------------------------------------------------------------------------- the grader's training check
@pytest.mark.slow
@pytest.mark.mnist
def test_budget_check_passes_the_solution_and_names_slow_code():
    """grading/ch08_capstone.py, run in-process on the solution: passes; with a training loop that is correct
    but slow it fails, with the measured time (not a timeout)."""
    check = _budget_check()
    ns = _solution_namespace()
    check(ns)

    train = ns["train"]
    calls = []

    def slow_train(*args, **kwargs):
        calls.append(len(args[1]))
        time.sleep(2.5)                           # 2,000 images in 2.5 s: 20,000 would take 25 s
        return train(*args, **kwargs)

    ns["train"] = slow_train
    with pytest.raises(AssertionError) as err:
        check(ns)
    message = str(err.value)
    assert calls == [2000], f"the check should stop after its timed tenth of the budget, trained {calls}"
    assert "too slow for the grader" in message and "Measured:" in message and "for 20,000" in message, message


@pytest.mark.slow
@pytest.mark.mnist
def test_sandboxed_grader_stops_a_slow_training_with_a_message():
    """Out of process: a train that evaluates the whole training set after every step is correct but its cost
    grows with the data; the grader stops it at its own time limit and says why, with the measurements.
    Every other cell keeps its points."""
    from sandboxkit import build_submission, require_sandbox

    from dlgrade.checks import grade_notebook
    from dlgrade.spec import load

    require_sandbox()
    _mnist()
    record = chapters.get(CHAPTER)
    source = record.notebook(REPO, "source")
    src = nbformat.read(source, as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in src.cells
               if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}
    answers["train"] = answers["train"].replace(
        '            history["lr"].append(float(rate))\n',
        '            history["lr"].append(float(rate))\n'
        '            history.setdefault("train_acc", []).append(float(np.mean(np.argmax(net.predict(x), axis=1) == t)))\n')
    assert "train_acc" in answers["train"]
    release = nbformat.read(record.notebook(REPO, "release"), as_version=4)
    specs, _ = load(REPO, CHAPTER)
    result = grade_notebook(source, build_submission(release, answers), specs[CHAPTER])
    lost = {g: result.messages[g] for g, (s, m) in result.scores.items() if s < m}
    assert set(lost) == {"test_train_mnist"}, lost
    message = lost["test_train_mnist"]
    assert "too slow for the grader" in message and "Measured:" in message, message
    assert "did not finish in 20 s" in message or "would take about" in message, message


# ----------------------------------------------------------------------------- the lecture's helpers
from matplotlib.figure import Figure  # noqa: E402

from dlcourse.plots import capstone as P  # noqa: E402


def test_parameter_table_counts_every_parameter():
    rows = P.parameter_table([5, 4], True, input_dim=6, num_classes=3)
    table = {k: (shape, n) for k, shape, n in rows}
    assert list(table) == ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3", "total"]
    assert table["W1"] == ((6, 5), 30) and table["W3"] == ((4, 3), 12) and table["gamma2"] == ((4,), 4)
    assert table["total"][1] == 6 * 5 + 5 + 2 * 5 + 5 * 4 + 4 + 2 * 4 + 4 * 3 + 3
    plain = {k: n for k, _, n in P.parameter_table([5, 4], False, input_dim=6, num_classes=3)}
    assert "gamma1" not in plain and plain["total"] == table["total"][1] - 2 * (5 + 4)


def test_initial_loss_is_ln_c_for_tiny_weights_and_explodes_for_large_ones():
    rng = np.random.default_rng(0)
    x, t = rng.random((60, 784)), np.arange(60) % 10
    losses = P.initial_losses(x, t, scales=(1e-4, "he", 1.0))
    assert abs(losses[1e-4] - math.log(10)) < 1e-3, losses
    assert math.log(10) < losses["he"] < 4.0, losses
    assert losses[1.0] > 20, losses


def test_a_tiny_batch_is_learned_by_heart_with_a_sensible_rate_only():
    rng = np.random.default_rng(1)
    x, t = rng.random((30, 784)), np.arange(30) % 10
    runs = P.overfit_tiny_batch(x, t, lrs=(1e-6, 1e-2), n=30, iters=100, hidden_dims=(50,))
    assert runs[1e-2].train_acc[-1] == 1.0 and runs[1e-2].loss[-1] < 1e-2, runs[1e-2].loss[-5:]
    assert runs[1e-6].train_acc[-1] < 0.5 and runs[1e-6].loss[-1] > 1.5, runs[1e-6].loss[-5:]
    P.plot_overfit(runs).canvas.draw()


def test_gradient_check_error_is_smallest_near_1e_5_in_float64_and_never_small_in_float32():
    res = P.gradcheck_vs_step(hs=np.logspace(-1, -10, 10))
    h, e64, e32 = res["h"], res["float64"], res["float32"]
    best = int(np.argmin(e64))
    assert 1e-7 <= h[best] <= 1e-4 and e64[best] < 1e-7, (h, e64)
    assert e64[0] > 100 * e64[best] and e64[-1] > 100 * e64[best], e64     # truncation right, rounding left
    assert np.nanmin(e32) > 1e-5, e32
    P.plot_gradcheck_vs_step(res).canvas.draw()


def test_schedules_start_end_and_step():
    assert P.cosine_decay(0.1, 0, 100, 0.01) == pytest.approx(0.1)
    assert P.cosine_decay(0.1, 50, 100, 0.01) == pytest.approx(0.055)
    assert P.cosine_decay(0.1, 100, 100, 0.01) == pytest.approx(0.01)
    assert P.cosine_decay(0.1, 250, 100, 0.01) == pytest.approx(0.01)
    assert [P.step_decay(1.0, e, 0.5, 3) for e in (0, 2, 3, 7)] == [1.0, 1.0, 0.5, 0.25]
    curves = P.schedule_curves(lr0=1e-3, T=90)
    assert np.all(curves["constant"] == 1e-3)
    assert np.all(np.diff(curves["cosine"]) <= 0) and np.all(np.diff(curves["step"]) <= 0)
    assert len(np.unique(curves["step"])) == 3
    with pytest.raises(ValueError, match="T"):
        P.cosine_decay(0.1, 0, 0)
    P.plot_schedules(curves).canvas.draw()


def test_scheduled_optimizer_is_adam_with_the_rate_of_each_step():
    """Against the library's pure adam_step with the schedule's rate at each step (a second implementation)."""
    from dlcourse.optimizers import Adam, adam_step

    rng = np.random.default_rng(2)
    params = {"w": rng.standard_normal(4)}
    grads = [{"w": rng.standard_normal(4)} for _ in range(5)]
    opt = P.ScheduledOptimizer(Adam(0.1), lambda k: P.cosine_decay(0.1, k, 5, 0.0))
    w, m, v = params["w"].copy(), np.zeros(4), np.zeros(4)
    for k, g in enumerate(grads):
        opt.update(params, g)
        w, m, v = adam_step(w, g["w"], m, v, k + 1, P.cosine_decay(0.1, k, 5, 0.0), 0.9, 0.999, 1e-8)
    np.testing.assert_allclose(params["w"], w, rtol=1e-12)
    np.testing.assert_allclose(opt.rates, [P.cosine_decay(0.1, k, 5, 0.0) for k in range(5)])
    assert opt.lr == opt.rates[-1]


@pytest.fixture(scope="module")
def tiny_data():
    rng = np.random.default_rng(3)
    centres = rng.standard_normal((10, 784))
    t = np.arange(700) % 10
    x = (centres[t] + 0.5 * rng.standard_normal((700, 784))).astype(np.float32)
    return {"x_train": x[:500], "t_train": t[:500], "x_val": x[500:], "t_val": t[500:], "x_test": x[500:],
            "t_test": t[500:]}


def test_train_run_records_rates_and_accuracy(tiny_data):
    run = P.train_run(tiny_data, hidden_dims=(20,), lr=1e-2, schedule="cosine", epochs=2, batch_size=50)
    h = run["history"]
    assert len(h.loss) == 20 and len(run["rates"]) == 20 and len(h.test_acc) == 2
    np.testing.assert_allclose(run["rates"], [P.cosine_decay(1e-2, k, 20, 0.0) for k in range(20)])
    assert h.loss[-1] < h.loss[0] and h.test_acc[-1] > 0.9, (h.loss, h.test_acc)
    with pytest.raises(ValueError, match="schedule"):
        P.train_run(tiny_data, schedule="exponential")
    P.plot_run(run).canvas.draw()


def test_explorer_looks_up_every_control_in_the_grid(tiny_data):
    from dlcourse.widgets.capstone import TrainingExplorer

    grid = P.lr_grid(tiny_data, lrs=(1e-4, 1e-2), n_train=500, n_val=200, hidden_dims=(20,), epochs=2,
                     batch_size=50)
    assert set(grid["runs"]) == {(lr, s, bn) for lr in (1e-4, 1e-2) for s in ("constant", "cosine")
                                 for bn in (False, True)}
    slow, fast = grid["runs"][(1e-4, "constant", True)], grid["runs"][(1e-2, "constant", True)]
    assert fast["val_acc"][-1] > slow["val_acc"][-1], (fast["val_acc"], slow["val_acc"])
    e = TrainingExplorer(lr=1e-4, schedule="constant", batchnorm=True, grid=grid)
    before = e.lines["current_loss"].get_ydata().copy()
    e.lr.value = 1e-2
    assert not np.array_equal(before, e.lines["current_loss"].get_ydata())
    np.testing.assert_allclose(e.lines["current_acc"].get_ydata(), fast["val_acc"])
    e.schedule.value = "cosine"
    np.testing.assert_allclose(e.lines["other_acc"].get_ydata(), fast["val_acc"])    # the dashed constant run
    e.batchnorm.value = False
    np.testing.assert_allclose(e.lines["current_acc"].get_ydata(), grid["runs"][(1e-2, "cosine", False)]["val_acc"])
    assert "best of the grid" in e.status.value
    assert e.view.draw_count >= 4
    with pytest.raises(ValueError, match="not on the grid"):
        TrainingExplorer(lr=0.5, grid=grid)


def test_figures_draw():
    for fig in (P.plot_architecture((8, 4), True, 0.5), P.plot_architecture((8,), False, 0.0),
                P.plot_training({"loss": [2.3, 1.0, 0.5, 0.4], "lr": [1e-3, 8e-4, 3e-4, 0.0]}, test_acc=0.975)):
        assert isinstance(fig, Figure)
        fig.canvas.draw()


@pytest.mark.mnist
def test_capstone_data_holds_out_validation_images():
    d = P.capstone_data(n_val=1000, n_train=2000)
    assert d["x_train"].shape == (2000, 784) and d["x_val"].shape == (1000, 784) and d["x_test"].shape == (10000, 784)
    (x, _), _ = _mnist()
    np.testing.assert_array_equal(d["x_val"], x[-1000:])
    with pytest.raises(ValueError, match="n_val"):
        P.capstone_data(n_val=0)
