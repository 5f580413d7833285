"""Hidden checks of ch08_capstone beyond the notebook's tests (instructor-only).

The training itself. The grader builds the student's ``FullyConnectedNet`` (``[200, 100]``, batch norm,
He initialisation, fixed random seeds) and trains it with the student's ``train`` for one epoch of the
first 20,000 MNIST training images (minibatches of 50, Adam at 0.003 decaying to 0), then measures the
accuracy on the 10,000 test images with the student's ``predict``. A correct implementation reaches about
96 % in about one second; the check asks for 93 %.

MNIST reaches the student's code as arrays passed across the sandbox boundary: the given cell of the
notebook loads it here, in the grader (``DLCOURSE_MNIST_DIR`` or the cache of ``dlcourse.data``), and the
sandbox has no file of the course.

Time: the training has a limit of its own, TRAIN_SECONDS (``dlgrade.checks.time_limit``: the grader stops
the student's sandbox when it runs out), so that one slow submission cannot slow the grading of a class
down much. The check first trains a tenth of the budget (2,000 images) and extrapolates; a correct but slow
implementation is told how slow, measured, instead of being stopped silently. A run that still exceeds the
limit (its cost grows faster than the number of images) is stopped at the limit, with the same
measurements in its message.
"""

from __future__ import annotations

import time

import numpy as np

from dlcourse.checks import call, check_true, fail
from dlgrade.checks import time_limit
from dlgrade.spec import NotebookSpec

BUDGET_IMAGES = 20_000
PROBE_IMAGES = 2_000
BATCH_SIZE = 50
LR = 3e-3
HIDDEN = [200, 100]
TRAIN_SECONDS = 20.0
MIN_ACCURACY = 0.93
SETTINGS = (f"FullyConnectedNet({HIDDEN}, use_batchnorm=True, dropout=0.0, weight_scale='he', rng), "
            f"train(net, x, t, epochs=1, batch_size={BATCH_SIZE}, lr={LR}, lr_min=0.0, rng)")


def _too_slow(what: str, measured: str) -> None:
    fail(f"Your implementation may well be correct, but it is too slow for the grader: {what}. {measured} "
         f"The grader allows {TRAIN_SECONDS:.0f} s to train {BUDGET_IMAGES:,} images for one epoch ({SETTINGS}); "
         "a vectorised implementation needs about one second. Look for Python loops over the examples of a "
         "batch or over the entries of an array (let NumPy's matrix products do that work), for work repeated "
         "at every iteration that belongs outside the loop (e.g. evaluating on the whole training set), and for "
         "arrays copied needlessly.")


def mnist_budget(ns):
    """Train the student's network with the student's loop on the grader's budget; check time and accuracy."""
    FullyConnectedNet, train, accuracy = ns["FullyConnectedNet"], ns["train"], ns["accuracy"]
    x, t = ns["x_train"][:BUDGET_IMAGES], ns["t_train"][:BUDGET_IMAGES]
    check_true(len(x) == BUDGET_IMAGES, f"the grader needs {BUDGET_IMAGES:,} MNIST training images, found {len(x)} "
                                        "(instructor side: check the MNIST files of the grader).")

    def build(seed):
        return call(FullyConnectedNet, list(HIDDEN), True, 0.0, "he", np.random.default_rng(seed),
                    name=f"FullyConnectedNet({HIDDEN}, True, 0.0, 'he', rng)")

    # 1. A tenth of the budget, timed.
    label = f"the grader's training run on {PROBE_IMAGES:,} images (a tenth of its budget)"
    net = build(8)
    start = time.perf_counter()
    try:
        with time_limit(TRAIN_SECONDS) as limit:
            call(train, net, x[:PROBE_IMAGES], t[:PROBE_IMAGES], 1, BATCH_SIZE, LR, 0.0, np.random.default_rng(9),
                 name=label)
    except AssertionError:
        if limit.stopped:
            _too_slow(f"{label} did not finish in {TRAIN_SECONDS:.0f} s, so the whole run would take more than "
                      f"{TRAIN_SECONDS * BUDGET_IMAGES / PROBE_IMAGES:.0f} s", "")
        raise
    probe = time.perf_counter() - start
    estimate = probe * BUDGET_IMAGES / PROBE_IMAGES
    measured = (f"Measured: {probe:.2f} s for {PROBE_IMAGES:,} images ({probe / (PROBE_IMAGES / BATCH_SIZE) * 1e3:.0f} ms "
                f"per training step of {BATCH_SIZE} images), so about {estimate:.0f} s for {BUDGET_IMAGES:,}.")
    if estimate > TRAIN_SECONDS:
        _too_slow(f"one epoch of {BUDGET_IMAGES:,} images would take about {estimate:.0f} s", measured)

    # 2. The budget.
    label = f"the grader's training run ({BUDGET_IMAGES:,} images, one epoch)"
    net = build(10)
    start = time.perf_counter()
    try:
        with time_limit(TRAIN_SECONDS) as limit:
            history = call(train, net, x, t, 1, BATCH_SIZE, LR, 0.0, np.random.default_rng(11), name=label)
    except AssertionError:
        if limit.stopped:
            _too_slow(f"{label} did not finish in {TRAIN_SECONDS:.0f} s",
                      measured + " It took longer than that pace predicts: some work grows with the number of "
                                 "images seen so far or with the size of the training set (evaluating the whole "
                                 "training set at every iteration is the usual one).")
        raise
    seconds = time.perf_counter() - start
    if seconds > TRAIN_SECONDS:
        _too_slow(f"{label} took {seconds:.0f} s", measured)
    check_true(isinstance(history, dict) and len(history.get("loss", [])) == BUDGET_IMAGES // BATCH_SIZE,
               f"{label}: expected a history with {BUDGET_IMAGES // BATCH_SIZE} losses.")
    acc = accuracy(net, ns["x_test"], ns["t_test"])
    check_true(acc >= MIN_ACCURACY,
               f"{label}: test accuracy {acc:.2%} after training ({SETTINGS}); a correct implementation reaches about "
               f"96 %, the grader asks for {MIN_ACCURACY:.0%}. Your functions pass the smaller tests, so look at what only "
               "a longer run shows: the learning-rate schedule over many iterations, batch norm's running averages "
               "(predict uses them), and whether every minibatch of the epoch is used.")


NOTEBOOKS = {"ch08_capstone": NotebookSpec(extra_checks={"test_train_mnist": [mnist_budget]})}
