"""ch07_troubleshooting: the record of the chapter, with the correct and wrong answers its grading tests use."""

from chapters import Chapter, Mistake

# ----------------------------------------------------------------------------- alternative correct code

ALT_A_STABLE_SOFTMAX = '''
def stable_softmax(x):
    m = np.max(x, axis=-1, keepdims=True)
    log_z = m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))
    return np.exp(x - log_z)
'''

ALT_A_SAFE_CROSS_ENTROPY = '''
def safe_cross_entropy(y, t):
    labels = np.argmax(t, axis=1)
    picked = y[np.arange(len(y)), labels]
    return -np.mean(np.log(np.maximum(picked, 1e-7)))
'''

ALT_A_STABLE_SIGMOID = '''
def stable_sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * x))
'''

ALT_A_BCE_WITH_LOGITS = '''
def bce_with_logits(z, t):
    return np.mean(np.logaddexp(0, z) - z * t)
'''

ALT_A_NORMALIZE_PIXELS = '''
def normalize_pixels(x_uint8):
    return ((x_uint8 / 255.0) * 2 - 1).astype(np.float32)
'''

ALT_A_SHUFFLE_TOGETHER = '''
def shuffle_together(x, t, rng):
    idx = np.arange(len(x))
    rng.shuffle(idx)
    return x[idx].copy(), t[idx].copy()
'''

ALT_A_CHECK_LAYER_SIZES = '''
def check_layer_sizes(input_size, layers):
    prev = input_size
    outs = []
    for i, (name, W) in enumerate(layers):
        if W.shape[0] != prev:
            raise ValueError(f"{name}: W.shape[0] = {W.shape[0]} != {prev}")
        prev = W.shape[1]
        outs.append(prev)
    return tuple(outs)
'''

ALT_A_FIND_DIVERGENCE = '''
def find_divergence(lrs, histories):
    for lr, h in sorted(zip(lrs, histories), key=lambda pair: pair[0]):
        h = np.asarray(h, dtype=float)
        if np.isnan(h).any() or np.isinf(h).any():
            return float(lr)
    return None
'''

ALT_A_DIAGNOSE_HISTORY = '''
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
'''

ALT_B_STABLE_SOFTMAX = '''
def stable_softmax(x):
    if x.ndim == 2:
        x = x.T
        x = x - np.max(x, axis=0)
        y = np.exp(x) / np.sum(np.exp(x), axis=0)
        return y.T
    x = x - np.max(x)
    return np.exp(x) / np.sum(np.exp(x))
'''

ALT_B_SAFE_CROSS_ENTROPY = '''
def safe_cross_entropy(y, t):
    return -np.sum(t * np.log(np.clip(y, 1e-7, 1.0))) / len(y)
'''

ALT_B_STABLE_SIGMOID = '''
def stable_sigmoid(x):
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1 / (1 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1 + ex)
    return out
'''

ALT_B_BCE_WITH_LOGITS = '''
def bce_with_logits(z, t):
    return np.mean(t * np.logaddexp(0, -z) + (1 - t) * np.logaddexp(0, z))
'''

ALT_B_NORMALIZE_PIXELS = '''
def normalize_pixels(x_uint8):
    return ((x_uint8.astype(np.float64) - 127.5) / 127.5).astype(np.float32)
'''

ALT_B_SHUFFLE_TOGETHER = '''
def shuffle_together(x, t, rng):
    perm = rng.choice(len(x), size=len(x), replace=False)
    return np.take(x, perm, axis=0), np.take(t, perm, axis=0)
'''

ALT_B_FIND_DIVERGENCE = '''
def find_divergence(lrs, histories):
    bad = [lrs[k] for k in range(len(lrs)) if not np.isfinite(histories[k]).all()]
    return min(bad) if len(bad) else None
'''

ALT_B_CHECK_LAYER_SIZES = '''
def check_layer_sizes(input_size, layers):
    shapes = [np.shape(W) for _, W in layers]
    receives = [input_size] + [s[1] for s in shapes[:-1]]
    for (name, _), shape, got in zip(layers, shapes, receives):
        if shape[0] != got:
            raise ValueError("Layer %s: n_in = %d, but it receives %d." % (name, shape[0], got))
    return [s[1] for s in shapes]
'''

ALT_B_DIAGNOSE_HISTORY = '''
def diagnose_history(train_loss, train_acc, test_acc):
    # the same rules, other spellings of the labels
    if not np.isfinite(train_loss).all() or train_loss[-1] > train_loss[0]:
        return "Diverged"
    if train_acc[-1] - train_acc[0] < 0.05:
        return "not_learning"
    if train_acc[-1] - test_acc[-1] > 0.10 or np.max(test_acc) - test_acc[-1] > 0.03:
        return "Overfit"
    return " fine "
'''

# ----------------------------------------------------------------------------- the mistakes

BUG_SOFTMAX_BATCHED = '''
def stable_softmax(x):
    c = np.max(x)
    return np.exp(x - c) / np.sum(np.exp(x - c))
'''

BUG_SOFTMAX_AXIS0 = '''
def stable_softmax(x):
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
'''

BUG_SOFTMAX_NO_MAX = '''
def stable_softmax(x):
    e = np.exp(x)
    return e / np.sum(e, axis=-1, keepdims=True)
'''

BUG_SOFTMAX_GLOBAL_MAX = '''
def stable_softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e, axis=-1, keepdims=True)
'''

BUG_CE_NO_EPS = '''
def safe_cross_entropy(y, t):
    return -np.sum(t * np.log(y)) / y.shape[0]
'''

BUG_CE_EPS_OUTSIDE = '''
def safe_cross_entropy(y, t):
    return -np.sum(t * (np.log(y) + 1e-7)) / y.shape[0]
'''

BUG_CE_SUM_WITHOUT_N = '''
def safe_cross_entropy(y, t):
    return -np.sum(t * np.log(y + 1e-7))
'''

BUG_CE_MEAN_ALL = '''
def safe_cross_entropy(y, t):
    return -np.mean(t * np.log(y + 1e-7))
'''

BUG_SIGMOID_NAIVE = '''
def stable_sigmoid(x):
    return 1 / (1 + np.exp(-x))
'''

BUG_SIGMOID_WHERE_BOTH_BRANCHES = '''
def stable_sigmoid(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))
'''

BUG_SIGMOID_FLOAT64 = '''
def stable_sigmoid(x):
    xd = x.astype(np.float64)
    e = np.exp(-np.abs(xd))
    return np.where(xd >= 0, 1 / (1 + e), e / (1 + e))
'''

BUG_BCE_SIGMOID_THEN_LOG = '''
def bce_with_logits(z, t):
    o = 1 / (1 + np.exp(-z))
    return np.mean(-(t * np.log(o) + (1 - t) * np.log(1 - o)))
'''

BUG_BCE_CLIPPED = '''
def bce_with_logits(z, t):
    o = np.clip(1 / (1 + np.exp(-z)), 1e-7, 1 - 1e-7)
    return np.mean(-(t * np.log(o) + (1 - t) * np.log(1 - o)))
'''

BUG_BCE_SUM = '''
def bce_with_logits(z, t):
    return np.sum(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))))
'''

BUG_PIXELS_TIMES2_WRAP = '''
def normalize_pixels(x):
    return ((2 * x) / 255 - 1).astype(np.float32)
'''

BUG_PIXELS_MINUS128_WRAP = '''
def normalize_pixels(x):
    return ((x - 128) / 128).astype(np.float32)
'''

BUG_PIXELS_FLOAT64 = '''
def normalize_pixels(x):
    return 2 * (x / 255) - 1
'''

BUG_PIXELS_INTEGER_DIVISION = '''
def normalize_pixels(x):
    return (x // 128).astype(np.float32) - 1
'''

BUG_SHUFFLE_SEPARATELY = '''
def shuffle_together(x, t, rng):
    xs, ts = x.copy(), t.copy()
    rng.shuffle(xs)
    rng.shuffle(ts)
    return xs, ts
'''

BUG_SHUFFLE_GLOBAL_RANDOM = '''
def shuffle_together(x, t, rng):
    perm = np.random.permutation(len(x))
    return x[perm], t[perm]
'''

BUG_SHUFFLE_IN_PLACE = '''
def shuffle_together(x, t, rng):
    perm = rng.permutation(len(x))
    x[:] = x[perm]
    t[:] = t[perm]
    return x, t
'''

BUG_SHUFFLE_ONLY_X = '''
def shuffle_together(x, t, rng):
    return x[rng.permutation(len(x))], t.copy()
'''

BUG_LAYERS_WRONG_AXIS = '''
def check_layer_sizes(input_size, layers):
    sizes, received = [], input_size
    for name, W in layers:
        n_out, n_in = W.shape          # PyTorch's (out, in) order applied to NumPy weights
        if n_in != received:
            raise ValueError(f"{name} expects {n_in} but receives {received}")
        sizes.append(n_out)
        received = n_out
    return sizes
'''

BUG_LAYERS_RETURNS_FALSE = '''
def check_layer_sizes(input_size, layers):
    sizes, received = [], input_size
    for name, W in layers:
        if W.shape[0] != received:
            return False
        sizes.append(W.shape[1])
        received = W.shape[1]
    return sizes
'''

BUG_LAYERS_NO_FIRST_CHECK = '''
def check_layer_sizes(input_size, layers):
    sizes = [layers[0][1].shape[1]]
    for (prev_name, prev_W), (name, W) in zip(layers, layers[1:]):
        if W.shape[0] != prev_W.shape[1]:
            raise ValueError(f"{name} expects {W.shape[0]} but {prev_name} gives {prev_W.shape[1]}")
        sizes.append(W.shape[1])
    return sizes
'''

BUG_LAYERS_NO_NUMBERS = '''
def check_layer_sizes(input_size, layers):
    sizes, received = [], input_size
    for name, W in layers:
        if W.shape[0] != received:
            raise ValueError(f"layer sizes do not match at {name}")
        sizes.append(W.shape[1])
        received = W.shape[1]
    return sizes
'''

BUG_DIVERGENCE_EQ_NAN = '''
def find_divergence(lrs, histories):
    bad = [lr for lr, h in zip(lrs, histories) if any(v == np.nan for v in h)]
    return min(bad) if bad else None
'''

BUG_DIVERGENCE_ISNAN_ONLY = '''
def find_divergence(lrs, histories):
    bad = [lr for lr, h in zip(lrs, histories) if np.isnan(np.asarray(h, dtype=float)).any()]
    return min(bad) if bad else None
'''

BUG_DIVERGENCE_FIRST_IN_ORDER = '''
def find_divergence(lrs, histories):
    for lr, h in zip(lrs, histories):
        if not np.all(np.isfinite(h)):
            return lr
    return None
'''

BUG_DIVERGENCE_INDEX = '''
def find_divergence(lrs, histories):
    bad = [k for k, h in enumerate(histories) if not np.all(np.isfinite(h))]
    return min(bad, key=lambda k: lrs[k]) if bad else None
'''

BUG_DIAGNOSE_EQ_NAN = '''
def diagnose_history(train_loss, train_acc, test_acc):
    if any(v == np.nan for v in train_loss) or train_loss[-1] > train_loss[0]:
        return "diverged"
    if train_acc[-1] - train_acc[0] < 0.05:
        return "not learning"
    if train_acc[-1] - test_acc[-1] > 0.10 or max(test_acc) - test_acc[-1] > 0.03:
        return "overfitting"
    return "fine"
'''

BUG_DIAGNOSE_WRONG_ORDER = '''
def diagnose_history(train_loss, train_acc, test_acc):
    if train_acc[-1] - train_acc[0] < 0.05:
        return "not learning"
    if not np.all(np.isfinite(train_loss)) or train_loss[-1] > train_loss[0]:
        return "diverged"
    if train_acc[-1] - test_acc[-1] > 0.10 or max(test_acc) - test_acc[-1] > 0.03:
        return "overfitting"
    return "fine"
'''

BUG_DIAGNOSE_GAP_ONLY = '''
def diagnose_history(train_loss, train_acc, test_acc):
    if not np.all(np.isfinite(train_loss)) or train_loss[-1] > train_loss[0]:
        return "diverged"
    if train_acc[-1] - train_acc[0] < 0.05:
        return "not learning"
    if train_acc[-1] - test_acc[-1] > 0.10:
        return "overfitting"
    return "fine"
'''

BUG_DIAGNOSE_RULE_NUMBERS = '''
def diagnose_history(train_loss, train_acc, test_acc):
    # the rule's number instead of its label
    if not np.all(np.isfinite(train_loss)) or train_loss[-1] > train_loss[0]:
        return 1
    if train_acc[-1] - train_acc[0] < 0.05:
        return 2
    if train_acc[-1] - test_acc[-1] > 0.10 or max(test_acc) - test_acc[-1] > 0.03:
        return 3
    return 4
'''

BUG_SIGMOID_ONE_MINUS = '''
def stable_sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, e / (1 + e), 1 / (1 + e))
'''

BUG_BCE_SWAPPED = '''
def bce_with_logits(z, t):
    return np.mean(np.maximum(z, 0) - z * (1 - t) + np.log1p(np.exp(-np.abs(z))))
'''

BUG_PIXELS_ZERO_ONE = '''
def normalize_pixels(x):
    return x.astype(np.float32) / np.float32(255)
'''

SOFTMAX = {"test_stable_softmax_batch", "test_stable_softmax_large"}
CE = {"test_safe_cross_entropy_values", "test_safe_cross_entropy_zero"}
SIG = {"test_stable_sigmoid_values", "test_stable_sigmoid_extreme"}
BCE = {"test_bce_with_logits_values", "test_bce_with_logits_extreme"}
PIX = {"test_normalize_pixels_values", "test_normalize_pixels_dtype"}
SHUF = {"test_shuffle_together_pairs", "test_shuffle_together_rng"}
LAYERS = {"test_check_layer_sizes_ok", "test_check_layer_sizes_mismatch"}
DIAG = {"test_diagnose_history_basic", "test_diagnose_history_more"}


def _m(cell, code, loses, says):
    """A mistake in one answer cell; ``says`` maps a failing cell to the words that name the mistake."""
    return Mistake({cell: code}, loses, says)


CHAPTER = Chapter(
    name="ch07_troubleshooting",
    title="NaN, divergence, shape errors, data bugs",
    topic="troubleshooting",
    points=33,
    exercises={
        "stable_softmax": ("test_stable_softmax_batch", "test_stable_softmax_large"),
        "safe_cross_entropy": ("test_safe_cross_entropy_values", "test_safe_cross_entropy_zero"),
        "stable_sigmoid": ("test_stable_sigmoid_values", "test_stable_sigmoid_extreme"),
        "bce_with_logits": ("test_bce_with_logits_values", "test_bce_with_logits_extreme"),
        "normalize_pixels": ("test_normalize_pixels_values", "test_normalize_pixels_dtype"),
        "shuffle_together": ("test_shuffle_together_pairs", "test_shuffle_together_rng"),
        "check_layer_sizes": ("test_check_layer_sizes_ok", "test_check_layer_sizes_mismatch"),
        "find_divergence": ("test_find_divergence",),
        "diagnose_history": ("test_diagnose_history_basic", "test_diagnose_history_more"),
        "quiz_invalid_subtract": ("test_quiz_invalid_subtract",),
        "quiz_sigmoid_logits": ("test_quiz_sigmoid_logits",),
    },
    correct={
        "solution": {},
        "alt_a": {"stable_softmax": ALT_A_STABLE_SOFTMAX, "safe_cross_entropy": ALT_A_SAFE_CROSS_ENTROPY,
                  "stable_sigmoid": ALT_A_STABLE_SIGMOID, "bce_with_logits": ALT_A_BCE_WITH_LOGITS,
                  "normalize_pixels": ALT_A_NORMALIZE_PIXELS, "shuffle_together": ALT_A_SHUFFLE_TOGETHER,
                  "check_layer_sizes": ALT_A_CHECK_LAYER_SIZES, "find_divergence": ALT_A_FIND_DIVERGENCE,
                  "diagnose_history": ALT_A_DIAGNOSE_HISTORY,
                  "quiz_invalid_subtract": 'answer_a = " (B) "\n',
                  "quiz_sigmoid_logits": "answer_tanh_floor = 0.797\n"},
        "alt_b": {"stable_softmax": ALT_B_STABLE_SOFTMAX, "safe_cross_entropy": ALT_B_SAFE_CROSS_ENTROPY,
                  "stable_sigmoid": ALT_B_STABLE_SIGMOID, "bce_with_logits": ALT_B_BCE_WITH_LOGITS,
                  "normalize_pixels": ALT_B_NORMALIZE_PIXELS, "shuffle_together": ALT_B_SHUFFLE_TOGETHER,
                  "check_layer_sizes": ALT_B_CHECK_LAYER_SIZES, "find_divergence": ALT_B_FIND_DIVERGENCE,
                  "diagnose_history": ALT_B_DIAGNOSE_HISTORY,
                  "quiz_invalid_subtract": 'answer_a = "b)"\n',
                  "quiz_sigmoid_logits": 'answer_tanh_floor = " 0.7966 "\n'},
        "alt_quiz_more_forms": {"quiz_invalid_subtract": 'answer_a = "B."\n',
                                "quiz_sigmoid_logits": "answer_tanh_floor = np.float32(0.7966)\n"},
    },
    mistakes={
        # stable_softmax
        "softmax_batched": _m("stable_softmax", BUG_SOFTMAX_BATCHED, SOFTMAX,
                              {"test_stable_softmax_batch": "normalising over the whole batch",
                               "test_stable_softmax_large": "the whole batch"}),
        "softmax_axis0": _m("stable_softmax", BUG_SOFTMAX_AXIS0, SOFTMAX,
                            {"test_stable_softmax_batch": "(axis 0)"}),
        "softmax_no_max": _m("stable_softmax", BUG_SOFTMAX_NO_MAX, {"test_stable_softmax_large"},
                             {"test_stable_softmax_large": "not subtracting the maximum"}),
        "softmax_global_max": _m("stable_softmax", BUG_SOFTMAX_GLOBAL_MAX, {"test_stable_softmax_large"},
                                 {"test_stable_softmax_large": "instead of each row's"}),
        # safe_cross_entropy
        "ce_no_eps": _m("safe_cross_entropy", BUG_CE_NO_EPS, {"test_safe_cross_entropy_zero"},
                        {"test_safe_cross_entropy_zero": "without eps inside the log"}),
        "ce_eps_outside": _m("safe_cross_entropy", BUG_CE_EPS_OUTSIDE, {"test_safe_cross_entropy_zero"},
                             {"test_safe_cross_entropy_zero": "with eps added outside it"}),
        "ce_sum_without_n": _m("safe_cross_entropy", BUG_CE_SUM_WITHOUT_N, CE,
                               {"test_safe_cross_entropy_values": "without dividing by N"}),
        "ce_mean_all": _m("safe_cross_entropy", BUG_CE_MEAN_ALL, CE,
                          {"test_safe_cross_entropy_values": "all N*C entries"}),
        # stable_sigmoid
        "sigmoid_naive": _m("stable_sigmoid", BUG_SIGMOID_NAIVE, {"test_stable_sigmoid_extreme"},
                            {"test_stable_sigmoid_extreme": "overflow encountered in exp"}),
        "sigmoid_where_both_branches": _m("stable_sigmoid", BUG_SIGMOID_WHERE_BOTH_BRANCHES,
                                          {"test_stable_sigmoid_extreme"},
                                          {"test_stable_sigmoid_extreme": "evaluates BOTH of them"}),
        "sigmoid_float64": _m("stable_sigmoid", BUG_SIGMOID_FLOAT64, SIG,
                              {"test_stable_sigmoid_values": "expected dtype float32"}),
        "sigmoid_one_minus": _m("stable_sigmoid", BUG_SIGMOID_ONE_MINUS, SIG,
                                {"test_stable_sigmoid_values": "returning 1 - sigmoid"}),
        # bce_with_logits
        "bce_sigmoid_then_log": _m("bce_with_logits", BUG_BCE_SIGMOID_THEN_LOG, {"test_bce_with_logits_extreme"},
                                   {"test_bce_with_logits_extreme": "computing o = sigmoid(z) first"}),
        "bce_clipped": _m("bce_with_logits", BUG_BCE_CLIPPED, {"test_bce_with_logits_extreme"},
                          {"test_bce_with_logits_extreme": "clipping the probability"}),
        "bce_sum": _m("bce_with_logits", BUG_BCE_SUM, BCE,
                      {"test_bce_with_logits_values": "summing over the batch"}),
        "bce_swapped": _m("bce_with_logits", BUG_BCE_SWAPPED, BCE,
                          {"test_bce_with_logits_values": "swapping t and 1 - t"}),
        # normalize_pixels
        "pixels_times2_wrap": _m("normalize_pixels", BUG_PIXELS_TIMES2_WRAP, {"test_normalize_pixels_values"},
                                 {"test_normalize_pixels_values": "computing 2 * x in uint8"}),
        "pixels_minus128_wrap": _m("normalize_pixels", BUG_PIXELS_MINUS128_WRAP, {"test_normalize_pixels_values"},
                                   {"test_normalize_pixels_values": "computing x - 128 in uint8"}),
        "pixels_float64": _m("normalize_pixels", BUG_PIXELS_FLOAT64, {"test_normalize_pixels_dtype"},
                             {"test_normalize_pixels_dtype": "expected a float32 array"}),
        "pixels_integer_division": _m("normalize_pixels", BUG_PIXELS_INTEGER_DIVISION, {"test_normalize_pixels_values"},
                                      {"test_normalize_pixels_values": "integer division"}),
        "pixels_zero_one": _m("normalize_pixels", BUG_PIXELS_ZERO_ONE, {"test_normalize_pixels_values"},
                              {"test_normalize_pixels_values": "scaling to [0, 1]"}),
        # shuffle_together
        "shuffle_separately": _m("shuffle_together", BUG_SHUFFLE_SEPARATELY, {"test_shuffle_together_pairs"},
                                 {"test_shuffle_together_pairs": "two DIFFERENT permutations"}),
        "shuffle_global_random": _m("shuffle_together", BUG_SHUFFLE_GLOBAL_RANDOM, {"test_shuffle_together_rng"},
                                    {"test_shuffle_together_rng": "never from np.random"}),
        "shuffle_in_place": _m("shuffle_together", BUG_SHUFFLE_IN_PLACE, SHUF,
                               {"test_shuffle_together_pairs": "in place"}),
        "shuffle_only_x": _m("shuffle_together", BUG_SHUFFLE_ONLY_X, SHUF,
                             {"test_shuffle_together_pairs": "only one of them"}),
        # check_layer_sizes
        "layers_wrong_axis": _m("check_layer_sizes", BUG_LAYERS_WRONG_AXIS, LAYERS,
                                {"test_check_layer_sizes_ok": "PyTorch's order"}),
        "layers_returns_false": _m("check_layer_sizes", BUG_LAYERS_RETURNS_FALSE, {"test_check_layer_sizes_mismatch"},
                                   {"test_check_layer_sizes_mismatch": "do not return False"}),
        "layers_no_first_check": _m("check_layer_sizes", BUG_LAYERS_NO_FIRST_CHECK, {"test_check_layer_sizes_mismatch"},
                                    {"test_check_layer_sizes_mismatch": "the first layer receives input_size"}),
        "layers_no_numbers": _m("check_layer_sizes", BUG_LAYERS_NO_NUMBERS, {"test_check_layer_sizes_mismatch"},
                                {"test_check_layer_sizes_mismatch": "expected the message to contain 96"}),
        # find_divergence
        "divergence_eq_nan": _m("find_divergence", BUG_DIVERGENCE_EQ_NAN, {"test_find_divergence"},
                                {"test_find_divergence": "== np.nan"}),
        "divergence_isnan_only": _m("find_divergence", BUG_DIVERGENCE_ISNAN_ONLY, {"test_find_divergence"},
                                    {"test_find_divergence": "inf and -inf are not finite either"}),
        "divergence_first_in_order": _m("find_divergence", BUG_DIVERGENCE_FIRST_IN_ORDER, {"test_find_divergence"},
                                        {"test_find_divergence": "in list order"}),
        "divergence_index": _m("find_divergence", BUG_DIVERGENCE_INDEX, {"test_find_divergence"},
                               {"test_find_divergence": "returning the index"}),
        # diagnose_history
        "diagnose_eq_nan": _m("diagnose_history", BUG_DIAGNOSE_EQ_NAN, {"test_diagnose_history_basic"},
                              {"test_diagnose_history_basic": "nan == nan is False"}),
        "diagnose_wrong_order": _m("diagnose_history", BUG_DIAGNOSE_WRONG_ORDER, {"test_diagnose_history_basic"},
                                   {"test_diagnose_history_basic": "rule 1 comes first"}),
        "diagnose_gap_only": _m("diagnose_history", BUG_DIAGNOSE_GAP_ONLY, {"test_diagnose_history_more"},
                                {"test_diagnose_history_more": "expected 'overfitting'"}),
        "diagnose_rule_numbers": _m("diagnose_history", BUG_DIAGNOSE_RULE_NUMBERS, DIAG,
                                    {"test_diagnose_history_basic": "expected one of the labels",
                                     "test_diagnose_history_more": "expected one of the labels"}),
        # the quick checks
        "quiz_relu_negative": _m("quiz_invalid_subtract", 'answer_a = "a"\n', {"test_quiz_invalid_subtract"},
                                 {"test_quiz_invalid_subtract": "never outputs a negative value"}),
        "quiz_exp_overflow": _m("quiz_invalid_subtract", "answer_a = 'C'\n", {"test_quiz_invalid_subtract"},
                                {"test_quiz_invalid_subtract": "overflow encountered in exp"}),
        "quiz_not_a_letter": _m("quiz_invalid_subtract", "answer_a = 2\n", {"test_quiz_invalid_subtract"},
                                {"test_quiz_invalid_subtract": "expected one of the letters"}),
        "quiz_sigmoid_bound": _m("quiz_sigmoid_logits", "answer_tanh_floor = 1.46\n", {"test_quiz_sigmoid_logits"},
                                 {"test_quiz_sigmoid_logits": "the bound of the sigmoid"}),
        "quiz_uniform": _m("quiz_sigmoid_logits", "answer_tanh_floor = np.log(10)\n", {"test_quiz_sigmoid_logits"},
                           {"test_quiz_sigmoid_logits": "uniform prediction"}),
        "quiz_probability_not_loss": _m("quiz_sigmoid_logits", "answer_tanh_floor = '0.451'\n",
                                        {"test_quiz_sigmoid_logits"},
                                        {"test_quiz_sigmoid_logits": "-log of it"}),
        "quiz_other_number": _m("quiz_sigmoid_logits", "answer_tanh_floor = 0.9\n", {"test_quiz_sigmoid_logits"},
                                {"test_quiz_sigmoid_logits": "not yet right"}),
    },
)
