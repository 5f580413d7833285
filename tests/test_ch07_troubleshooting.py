"""Chapter 7 (troubleshooting): grading round trip, the failure lab, the learning-rate explorer.

The graded notebook is graded by nbgrader (tests/gradingkit.py): the source solutions and two
alternative correct implementations of every exercise get full marks; each listed bug loses
points in the cells that test it, and only there, with a message naming the mistake.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradingkit import grade_variants

CHAPTER = "ch07_troubleshooting"
MAX_POINTS = 33

# ============================================================================ alternatives

ALT_A = {
    "stable_softmax": '''
def stable_softmax(x):
    m = np.max(x, axis=-1, keepdims=True)
    log_z = m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))
    return np.exp(x - log_z)
''',
    "safe_cross_entropy": '''
def safe_cross_entropy(y, t):
    labels = np.argmax(t, axis=1)
    picked = y[np.arange(len(y)), labels]
    return -np.mean(np.log(np.maximum(picked, 1e-7)))
''',
    "stable_sigmoid": '''
def stable_sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * x))
''',
    "bce_with_logits": '''
def bce_with_logits(z, t):
    return np.mean(np.logaddexp(0, z) - z * t)
''',
    "normalize_pixels": '''
def normalize_pixels(x_uint8):
    return ((x_uint8 / 255.0) * 2 - 1).astype(np.float32)
''',
    "shuffle_together": '''
def shuffle_together(x, t, rng):
    idx = np.arange(len(x))
    rng.shuffle(idx)
    return x[idx].copy(), t[idx].copy()
''',
    "check_layer_sizes": '''
def check_layer_sizes(input_size, layers):
    prev = input_size
    outs = []
    for i, (name, W) in enumerate(layers):
        if W.shape[0] != prev:
            raise ValueError(f"{name}: W.shape[0] = {W.shape[0]} != {prev}")
        prev = W.shape[1]
        outs.append(prev)
    return tuple(outs)
''',
    "find_divergence": '''
def find_divergence(lrs, histories):
    for lr, h in sorted(zip(lrs, histories), key=lambda pair: pair[0]):
        h = np.asarray(h, dtype=float)
        if np.isnan(h).any() or np.isinf(h).any():
            return float(lr)
    return None
''',
    "diagnose_history": '''
import math

def diagnose_history(train_loss, train_acc, test_acc):
    loss = [float(v) for v in train_loss]
    if any(not math.isfinite(v) for v in loss) or loss[-1] > loss[0]:
        return "diverged"
    if float(train_acc[-1]) - float(train_acc[0]) < 0.05:
        return "not learning"
    gap = float(train_acc[-1]) - float(test_acc[-1])
    drop = max(float(v) for v in test_acc) - float(test_acc[-1])
    if gap > 0.10 or drop > 0.03:
        return "overfitting"
    return "fine"
''',
}

ALT_B = {
    "stable_softmax": '''
def stable_softmax(x):
    if x.ndim == 2:
        x = x.T
        x = x - np.max(x, axis=0)
        y = np.exp(x) / np.sum(np.exp(x), axis=0)
        return y.T
    x = x - np.max(x)
    return np.exp(x) / np.sum(np.exp(x))
''',
    "safe_cross_entropy": '''
def safe_cross_entropy(y, t):
    return -np.sum(t * np.log(np.clip(y, 1e-7, 1.0))) / len(y)
''',
    "stable_sigmoid": '''
def stable_sigmoid(x):
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1 / (1 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1 + ex)
    return out
''',
    "bce_with_logits": '''
def bce_with_logits(z, t):
    return np.mean(t * np.logaddexp(0, -z) + (1 - t) * np.logaddexp(0, z))
''',
    "normalize_pixels": '''
def normalize_pixels(x_uint8):
    return ((x_uint8.astype(np.float64) - 127.5) / 127.5).astype(np.float32)
''',
    "shuffle_together": '''
def shuffle_together(x, t, rng):
    perm = rng.choice(len(x), size=len(x), replace=False)
    return np.take(x, perm, axis=0), np.take(t, perm, axis=0)
''',
    "find_divergence": '''
def find_divergence(lrs, histories):
    bad = [lrs[k] for k in range(len(lrs)) if not np.isfinite(histories[k]).all()]
    return min(bad) if len(bad) else None
''',
}

# ============================================================================ bugs

BUG_CODE = {
    # --- stable_softmax
    "softmax_batched": '''
def stable_softmax(x):
    c = np.max(x)
    return np.exp(x - c) / np.sum(np.exp(x - c))
''',
    "softmax_axis0": '''
def stable_softmax(x):
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
''',
    "softmax_no_max": '''
def stable_softmax(x):
    e = np.exp(x)
    return e / np.sum(e, axis=-1, keepdims=True)
''',
    "softmax_global_max": '''
def stable_softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e, axis=-1, keepdims=True)
''',
    # --- safe_cross_entropy
    "ce_no_eps": '''
def safe_cross_entropy(y, t):
    return -np.sum(t * np.log(y)) / y.shape[0]
''',
    "ce_eps_outside": '''
def safe_cross_entropy(y, t):
    return -np.sum(t * (np.log(y) + 1e-7)) / y.shape[0]
''',
    "ce_sum_without_n": '''
def safe_cross_entropy(y, t):
    return -np.sum(t * np.log(y + 1e-7))
''',
    "ce_mean_all": '''
def safe_cross_entropy(y, t):
    return -np.mean(t * np.log(y + 1e-7))
''',
    # --- stable_sigmoid
    "sigmoid_naive": '''
def stable_sigmoid(x):
    return 1 / (1 + np.exp(-x))
''',
    "sigmoid_where_both_branches": '''
def stable_sigmoid(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))
''',
    "sigmoid_float64": '''
def stable_sigmoid(x):
    xd = x.astype(np.float64)
    e = np.exp(-np.abs(xd))
    return np.where(xd >= 0, 1 / (1 + e), e / (1 + e))
''',
    # --- bce_with_logits
    "bce_sigmoid_then_log": '''
def bce_with_logits(z, t):
    o = 1 / (1 + np.exp(-z))
    return np.mean(-(t * np.log(o) + (1 - t) * np.log(1 - o)))
''',
    "bce_clipped": '''
def bce_with_logits(z, t):
    o = np.clip(1 / (1 + np.exp(-z)), 1e-7, 1 - 1e-7)
    return np.mean(-(t * np.log(o) + (1 - t) * np.log(1 - o)))
''',
    "bce_sum": '''
def bce_with_logits(z, t):
    return np.sum(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))))
''',
    # --- normalize_pixels
    "pixels_times2_wrap": '''
def normalize_pixels(x):
    return ((2 * x) / 255 - 1).astype(np.float32)
''',
    "pixels_minus128_wrap": '''
def normalize_pixels(x):
    return ((x - 128) / 128).astype(np.float32)
''',
    "pixels_float64": '''
def normalize_pixels(x):
    return 2 * (x / 255) - 1
''',
    "pixels_integer_division": '''
def normalize_pixels(x):
    return (x // 128).astype(np.float32) - 1
''',
    # --- shuffle_together
    "shuffle_separately": '''
def shuffle_together(x, t, rng):
    xs, ts = x.copy(), t.copy()
    rng.shuffle(xs)
    rng.shuffle(ts)
    return xs, ts
''',
    "shuffle_global_random": '''
def shuffle_together(x, t, rng):
    perm = np.random.permutation(len(x))
    return x[perm], t[perm]
''',
    "shuffle_in_place": '''
def shuffle_together(x, t, rng):
    perm = rng.permutation(len(x))
    x[:] = x[perm]
    t[:] = t[perm]
    return x, t
''',
    "shuffle_only_x": '''
def shuffle_together(x, t, rng):
    return x[rng.permutation(len(x))], t.copy()
''',
    # --- check_layer_sizes
    "layers_wrong_axis": '''
def check_layer_sizes(input_size, layers):
    sizes, received = [], input_size
    for name, W in layers:
        n_out, n_in = W.shape          # PyTorch's (out, in) order applied to NumPy weights
        if n_in != received:
            raise ValueError(f"{name} expects {n_in} but receives {received}")
        sizes.append(n_out)
        received = n_out
    return sizes
''',
    "layers_returns_false": '''
def check_layer_sizes(input_size, layers):
    sizes, received = [], input_size
    for name, W in layers:
        if W.shape[0] != received:
            return False
        sizes.append(W.shape[1])
        received = W.shape[1]
    return sizes
''',
    "layers_no_first_check": '''
def check_layer_sizes(input_size, layers):
    sizes = [layers[0][1].shape[1]]
    for (prev_name, prev_W), (name, W) in zip(layers, layers[1:]):
        if W.shape[0] != prev_W.shape[1]:
            raise ValueError(f"{name} expects {W.shape[0]} but {prev_name} gives {prev_W.shape[1]}")
        sizes.append(W.shape[1])
    return sizes
''',
    "layers_no_numbers": '''
def check_layer_sizes(input_size, layers):
    sizes, received = [], input_size
    for name, W in layers:
        if W.shape[0] != received:
            raise ValueError(f"layer sizes do not match at {name}")
        sizes.append(W.shape[1])
        received = W.shape[1]
    return sizes
''',
    # --- find_divergence
    "divergence_eq_nan": '''
def find_divergence(lrs, histories):
    bad = [lr for lr, h in zip(lrs, histories) if any(v == np.nan for v in h)]
    return min(bad) if bad else None
''',
    "divergence_isnan_only": '''
def find_divergence(lrs, histories):
    bad = [lr for lr, h in zip(lrs, histories) if np.isnan(np.asarray(h, dtype=float)).any()]
    return min(bad) if bad else None
''',
    "divergence_first_in_order": '''
def find_divergence(lrs, histories):
    for lr, h in zip(lrs, histories):
        if not np.all(np.isfinite(h)):
            return lr
    return None
''',
    "divergence_index": '''
def find_divergence(lrs, histories):
    bad = [k for k, h in enumerate(histories) if not np.all(np.isfinite(h))]
    return min(bad, key=lambda k: lrs[k]) if bad else None
''',
    # --- diagnose_history
    "diagnose_eq_nan": '''
def diagnose_history(train_loss, train_acc, test_acc):
    if any(v == np.nan for v in train_loss) or train_loss[-1] > train_loss[0]:
        return "diverged"
    if train_acc[-1] - train_acc[0] < 0.05:
        return "not learning"
    if train_acc[-1] - test_acc[-1] > 0.10 or max(test_acc) - test_acc[-1] > 0.03:
        return "overfitting"
    return "fine"
''',
    "diagnose_wrong_order": '''
def diagnose_history(train_loss, train_acc, test_acc):
    if train_acc[-1] - train_acc[0] < 0.05:
        return "not learning"
    if not np.all(np.isfinite(train_loss)) or train_loss[-1] > train_loss[0]:
        return "diverged"
    if train_acc[-1] - test_acc[-1] > 0.10 or max(test_acc) - test_acc[-1] > 0.03:
        return "overfitting"
    return "fine"
''',
    "diagnose_gap_only": '''
def diagnose_history(train_loss, train_acc, test_acc):
    if not np.all(np.isfinite(train_loss)) or train_loss[-1] > train_loss[0]:
        return "diverged"
    if train_acc[-1] - train_acc[0] < 0.05:
        return "not learning"
    if train_acc[-1] - test_acc[-1] > 0.10:
        return "overfitting"
    return "fine"
''',
    "diagnose_label_overfit": '''
def diagnose_history(train_loss, train_acc, test_acc):
    if not np.all(np.isfinite(train_loss)) or train_loss[-1] > train_loss[0]:
        return "diverged"
    if train_acc[-1] - train_acc[0] < 0.05:
        return "not learning"
    if train_acc[-1] - test_acc[-1] > 0.10 or max(test_acc) - test_acc[-1] > 0.03:
        return "overfit"
    return "fine"
''',
    # --- quick checks
    "quiz_relu_negative": 'answer_a = "a"\n',
    "quiz_sigmoid_hidden": 'answer_b = "c"\n',
}

SOFTMAX = {"test_stable_softmax_batch", "test_stable_softmax_large"}
CE = {"test_safe_cross_entropy_values", "test_safe_cross_entropy_zero"}
SIG = {"test_stable_sigmoid_values", "test_stable_sigmoid_extreme"}
BCE = {"test_bce_with_logits_values", "test_bce_with_logits_extreme"}
PIX = {"test_normalize_pixels_values", "test_normalize_pixels_dtype"}
SHUF = {"test_shuffle_together_pairs", "test_shuffle_together_rng"}
LAYERS = {"test_check_layer_sizes_ok", "test_check_layer_sizes_mismatch"}

# bug -> (answer cell, cells that must lose points, (cell, substring of its failure text))
BUGS = {
    "softmax_batched": ("stable_softmax", SOFTMAX, ("test_stable_softmax_batch", "batched-softmax bug of seed 001")),
    "softmax_axis0": ("stable_softmax", SOFTMAX, ("test_stable_softmax_batch", "(axis 0)")),
    "softmax_no_max": ("stable_softmax", {"test_stable_softmax_large"},
                       ("test_stable_softmax_large", "not subtracting the maximum")),
    "softmax_global_max": ("stable_softmax", {"test_stable_softmax_large"},
                           ("test_stable_softmax_large", "instead of each row's")),
    "ce_no_eps": ("safe_cross_entropy", {"test_safe_cross_entropy_zero"},
                  ("test_safe_cross_entropy_zero", "without eps")),
    "ce_eps_outside": ("safe_cross_entropy", {"test_safe_cross_entropy_zero"},
                       ("test_safe_cross_entropy_zero", "eps added outside the log")),
    "ce_sum_without_n": ("safe_cross_entropy", CE, ("test_safe_cross_entropy_values", "without dividing by N")),
    "ce_mean_all": ("safe_cross_entropy", CE, ("test_safe_cross_entropy_values", "all N*C entries")),
    "sigmoid_naive": ("stable_sigmoid", {"test_stable_sigmoid_extreme"},
                      ("test_stable_sigmoid_extreme", "overflow encountered in exp")),
    "sigmoid_where_both_branches": ("stable_sigmoid", {"test_stable_sigmoid_extreme"},
                                    ("test_stable_sigmoid_extreme", "evaluates BOTH branches")),
    "sigmoid_float64": ("stable_sigmoid", SIG, ("test_stable_sigmoid_values", "expected dtype float32")),
    "bce_sigmoid_then_log": ("bce_with_logits", {"test_bce_with_logits_extreme"},
                             ("test_bce_with_logits_extreme", "computing o = sigmoid(z) and then log(o)")),
    "bce_clipped": ("bce_with_logits", {"test_bce_with_logits_extreme"},
                    ("test_bce_with_logits_extreme", "clipping the probability")),
    "bce_sum": ("bce_with_logits", BCE, ("test_bce_with_logits_values", "summing over the batch")),
    "pixels_times2_wrap": ("normalize_pixels", {"test_normalize_pixels_values"},
                           ("test_normalize_pixels_values", "computing 2 * x in uint8")),
    "pixels_minus128_wrap": ("normalize_pixels", {"test_normalize_pixels_values"},
                             ("test_normalize_pixels_values", "computing x - 128 in uint8")),
    "pixels_float64": ("normalize_pixels", {"test_normalize_pixels_dtype"},
                       ("test_normalize_pixels_dtype", "expected a float32 array")),
    "pixels_integer_division": ("normalize_pixels", {"test_normalize_pixels_values"},
                                ("test_normalize_pixels_values", "integer division")),
    "shuffle_separately": ("shuffle_together", {"test_shuffle_together_pairs"},
                           ("test_shuffle_together_pairs", "two DIFFERENT permutations")),
    "shuffle_global_random": ("shuffle_together", {"test_shuffle_together_rng"},
                              ("test_shuffle_together_rng", "never np.random")),
    "shuffle_in_place": ("shuffle_together", SHUF, ("test_shuffle_together_pairs", "in place")),
    "shuffle_only_x": ("shuffle_together", SHUF,
                       ("test_shuffle_together_pairs", "only one of them")),
    "layers_wrong_axis": ("check_layer_sizes", LAYERS, ("test_check_layer_sizes_ok", "W.shape[0]")),
    "layers_returns_false": ("check_layer_sizes", {"test_check_layer_sizes_mismatch"},
                             ("test_check_layer_sizes_mismatch", "do not return False")),
    "layers_no_first_check": ("check_layer_sizes", {"test_check_layer_sizes_mismatch"},
                              ("test_check_layer_sizes_mismatch", "the first layer receives input_size")),
    "layers_no_numbers": ("check_layer_sizes", {"test_check_layer_sizes_mismatch"},
                          ("test_check_layer_sizes_mismatch", "expected the message to contain 96")),
    "divergence_eq_nan": ("find_divergence", {"test_find_divergence"}, ("test_find_divergence", "== np.nan")),
    "divergence_isnan_only": ("find_divergence", {"test_find_divergence"},
                              ("test_find_divergence", "also catches inf")),
    "divergence_first_in_order": ("find_divergence", {"test_find_divergence"},
                                  ("test_find_divergence", "in list order")),
    "divergence_index": ("find_divergence", {"test_find_divergence"},
                         ("test_find_divergence", "returning the index")),
    "diagnose_eq_nan": ("diagnose_history", {"test_diagnose_history_basic", "test_diagnose_history_more"},
                        ("test_diagnose_history_basic", "nan == nan is False")),
    "diagnose_wrong_order": ("diagnose_history", {"test_diagnose_history_basic"},
                             ("test_diagnose_history_basic", "rule 1 comes first")),
    "diagnose_gap_only": ("diagnose_history", {"test_diagnose_history_more"},
                          ("test_diagnose_history_more", "expected 'overfitting'")),
    "diagnose_label_overfit": ("diagnose_history", {"test_diagnose_history_basic", "test_diagnose_history_more"},
                               ("test_diagnose_history_basic", "exactly these strings")),
    "quiz_relu_negative": ("quiz_invalid_subtract", {"test_quiz_invalid_subtract"},
                           ("test_quiz_invalid_subtract", "never outputs a negative value")),
    "quiz_sigmoid_hidden": ("quiz_sigmoid_logits", {"test_quiz_sigmoid_logits"},
                            ("test_quiz_sigmoid_logits", "saturate")),
}


def error_message(result, grade_id):
    """The assertion message shown under a graded cell (not the traceback, which quotes the
    test's source and would let any needle match)."""
    for cell in result.notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return "\n".join(f"{o.get('ename')}: {o.get('evalue')}" for o in cell.get("outputs", [])
                             if o.get("output_type") == "error")
    raise KeyError(grade_id)


def _rounds():
    """Spread the bugs over as few graded variants as possible: one bug per answer cell per round
    (the exercises do not depend on each other, so their failures cannot mix)."""
    rounds: list[dict[str, str]] = []
    for bug, (cell, _, _) in BUGS.items():
        for rnd in rounds:
            if cell not in {BUGS[b][0] for b in rnd}:
                rnd[bug] = cell
                break
        else:
            rounds.append({bug: cell})
    return {f"bugs_{k}": list(rnd) for k, rnd in enumerate(rounds)}


ROUNDS = _rounds()


@pytest.fixture(scope="module")
def graded():
    variants = {"solution": {}, "alt_a": ALT_A, "alt_b": ALT_B}
    for name, bugs in ROUNDS.items():
        variants[name] = {BUGS[b][0]: BUG_CODE[b] for b in bugs}
    return grade_variants(CHAPTER, variants)


@pytest.mark.slow
@pytest.mark.parametrize("student", ["solution", "alt_a", "alt_b"])
def test_correct_implementations_get_full_marks(graded, student):
    r = graded[student]
    assert r.failed == set(), r.summary()
    assert r.total == r.max_total == MAX_POINTS, r.summary()


@pytest.mark.slow
@pytest.mark.parametrize("rnd", list(ROUNDS))
def test_each_bug_loses_points_where_expected(graded, rnd):
    r = graded[rnd]
    expected = set().union(*(BUGS[b][1] for b in ROUNDS[rnd]))
    assert r.failed == expected, f"{rnd} ({ROUNDS[rnd]}): expected failures in {sorted(expected)}\n{r.summary()}"
    for bug in ROUNDS[rnd]:
        cell, needle = BUGS[bug][2]
        text = error_message(r, cell)
        assert needle in text, f"{rnd}/{bug}: the failure of {cell} should say {needle!r}; it says:\n{text[-1500:]}"


def test_rounds_cover_every_bug_once():
    assert sorted(b for bugs in ROUNDS.values() for b in bugs) == sorted(BUGS) == sorted(BUG_CODE)
    assert len(ROUNDS) == 4


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


def test_labnet_batched_softmax_gradient_is_wrong_like_in_seed_001():
    """Seed 001: "勾配もあってない" — the analytic gradient (y - t)/N with the batch-normalised y is
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
    assert any("invalid value encountered in subtract" in m for m in msgs)  # seed 000's warning


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
