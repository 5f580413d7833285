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

# ----------------------------------------------------------------------------- the sections added with issue #11

ALT_A_LOSS_FLOOR = """
def loss_floor(t, activation):
    t = np.asarray(t, dtype=float)
    if activation == "identity":
        best = t
    elif activation == "sigmoid":
        best = np.minimum(np.maximum(t, 0), 1)
    elif activation == "tanh":
        best = np.minimum(np.maximum(t, -1), 1)
    elif activation == "relu":
        best = np.maximum(t, 0)
    else:
        raise ValueError("unknown activation: " + str(activation))
    return np.sum((best - t) ** 2) / (2 * len(t))
"""

ALT_B_LOSS_FLOOR = """
def loss_floor(t, activation):
    below = {"identity": None, "sigmoid": 0.0, "tanh": -1.0, "relu": 0.0}
    above = {"identity": None, "sigmoid": 1.0, "tanh": 1.0, "relu": None}
    if activation not in below:
        raise ValueError(f"{activation} is not an output activation this function knows")
    t = np.asarray(t, dtype=np.float64)
    gap = np.zeros_like(t)
    if below[activation] is not None:
        gap = np.where(t < below[activation], below[activation] - t, gap)
    if above[activation] is not None:
        gap = np.where(t > above[activation], t - above[activation], gap)
    per_row = 0.5 * (gap ** 2).reshape(len(t), -1).sum(axis=1)
    return per_row.mean()
"""

ALT_A_CHECK_INITIAL_LOSS = """
def check_initial_loss(logits, t, tol=0.1):
    z = logits.astype(np.float64)
    log_p = z - np.logaddexp.reduce(z, axis=1, keepdims=True)
    loss = -log_p[np.arange(len(t)), t].mean()
    ln_c = np.log(z.shape[1])
    if abs(loss - ln_c) <= tol * ln_c:
        return loss, "OK"
    return loss, ("Too_High" if loss > ln_c else "too-low")
"""

ALT_B_CHECK_INITIAL_LOSS = """
def check_initial_loss(logits, t, tol=0.1):
    z = np.array(logits, dtype=np.float64)
    z -= z.max(axis=-1)[:, None]
    picked = np.take_along_axis(z, np.asarray(t)[:, None], axis=1)[:, 0]
    loss = np.mean(np.log(np.exp(z).sum(axis=-1)) - picked)
    ratio = loss / np.log(z.shape[-1])
    verdict = "too high" if ratio > 1 + tol else "too low" if ratio < 1 - tol else "ok"
    return (float(loss), verdict)
"""

ALT_A_CLIP_GRAD_NORM = """
def clip_grad_norm(grads, max_norm):
    norm = np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in grads.values()))
    coef = max_norm / (norm + 1e-6)          # PyTorch's form
    out = {}
    for k, g in grads.items():
        out[k] = (g * coef).astype(g.dtype) if coef < 1 else g.copy()
    return out, norm
"""

ALT_B_CLIP_GRAD_NORM = """
def clip_grad_norm(grads, max_norm):
    keys = list(grads)
    big = max(float(np.max(np.abs(grads[k]))) if grads[k].size else 0.0 for k in keys)
    if big == 0:
        return {k: grads[k].copy() for k in keys}, 0.0
    flat = np.concatenate([(grads[k] / big).astype(np.float64).ravel() for k in keys])
    norm = big * np.linalg.norm(flat)
    factor = 1.0 if norm <= max_norm else max_norm / norm
    return {k: (grads[k].astype(np.float64) * factor).astype(grads[k].dtype) for k in keys}, norm
"""

BUG_FLOOR_NO_HALF = """
def loss_floor(t, activation):
    ranges = {"identity": (-np.inf, np.inf), "sigmoid": (0, 1), "tanh": (-1, 1), "relu": (0, np.inf)}
    if activation not in ranges:
        raise ValueError(activation)
    t = np.asarray(t, dtype=float)
    return float(np.sum((t - np.clip(t, *ranges[activation])) ** 2) / len(t))
"""

BUG_FLOOR_NO_N = """
def loss_floor(t, activation):
    ranges = {"identity": (-np.inf, np.inf), "sigmoid": (0, 1), "tanh": (-1, 1), "relu": (0, np.inf)}
    if activation not in ranges:
        raise ValueError(activation)
    t = np.asarray(t, dtype=float)
    return float(0.5 * np.sum((t - np.clip(t, *ranges[activation])) ** 2))
"""

BUG_FLOOR_MEAN_ALL = """
def loss_floor(t, activation):
    ranges = {"identity": (-np.inf, np.inf), "sigmoid": (0, 1), "tanh": (-1, 1), "relu": (0, np.inf)}
    if activation not in ranges:
        raise ValueError(activation)
    t = np.asarray(t, dtype=float)
    return float(0.5 * np.mean((t - np.clip(t, *ranges[activation])) ** 2))
"""

BUG_FLOOR_SIGMOID_LIKE_RELU = """
def loss_floor(t, activation):
    ranges = {"identity": (-np.inf, np.inf), "sigmoid": (0, np.inf), "tanh": (-1, 1), "relu": (0, np.inf)}
    if activation not in ranges:
        raise ValueError(activation)
    t = np.asarray(t, dtype=float)
    return float(0.5 * np.sum((t - np.clip(t, *ranges[activation])) ** 2) / len(t))
"""

BUG_FLOOR_TANH_LIKE_SIGMOID = """
def loss_floor(t, activation):
    ranges = {"identity": (-np.inf, np.inf), "sigmoid": (0, 1), "tanh": (0, 1), "relu": (0, np.inf)}
    if activation not in ranges:
        raise ValueError(activation)
    t = np.asarray(t, dtype=float)
    return float(0.5 * np.sum((t - np.clip(t, *ranges[activation])) ** 2) / len(t))
"""

BUG_FLOOR_RELU_POSITIVE_PART = """
def loss_floor(t, activation):
    t = np.asarray(t, dtype=float)
    if activation == "relu":
        return float(0.5 * np.sum(np.maximum(t, 0) ** 2) / len(t))
    ranges = {"identity": (-np.inf, np.inf), "sigmoid": (0, 1), "tanh": (-1, 1)}
    if activation not in ranges:
        raise ValueError(activation)
    return float(0.5 * np.sum((t - np.clip(t, *ranges[activation])) ** 2) / len(t))
"""

BUG_FLOOR_DISTANCE_TO_ONE = """
def loss_floor(t, activation):
    t = np.asarray(t, dtype=float)
    if activation == "sigmoid":
        return float(0.5 * np.sum((t - 1) ** 2) / len(t))
    ranges = {"identity": (-np.inf, np.inf), "tanh": (-1, 1), "relu": (0, np.inf)}
    if activation not in ranges:
        raise ValueError(activation)
    return float(0.5 * np.sum((t - np.clip(t, *ranges[activation])) ** 2) / len(t))
"""

BUG_FLOOR_NO_ERROR = """
def loss_floor(t, activation):
    ranges = {"identity": (-np.inf, np.inf), "sigmoid": (0, 1), "tanh": (-1, 1), "relu": (0, np.inf)}
    low, high = ranges.get(activation, (-np.inf, np.inf))
    t = np.asarray(t, dtype=float)
    return float(0.5 * np.sum((t - np.clip(t, low, high)) ** 2) / len(t))
"""

_CIL_HEAD = """
def check_initial_loss(logits, t, tol=0.1):
    z = np.asarray(logits, dtype=np.float64)
    n, c = z.shape
"""

# the right loss (log-sum-exp, mean over the batch), for the mistakes in the verdict
_CIL_LOSS = """    m = z.max(axis=1)
    loss = float(np.mean(m + np.log(np.exp(z - m[:, None]).sum(axis=1)) - z[np.arange(n), t]))
"""

_CIL_TAIL = """
    expected = np.log(c)
    if loss > (1 + tol) * expected:
        return loss, "too high"
    if loss < (1 - tol) * expected:
        return loss, "too low"
    return loss, "ok"
"""


def _cil_verdict(expected="np.log(c)", band="tol * expected", high='"too high"', low='"too low"', returns="loss, "):
    """check_initial_loss with the right loss and a verdict with one of its parts replaced."""
    return _CIL_HEAD + _CIL_LOSS + f"""    expected = {expected}
    if abs(loss - expected) <= {band}:
        return {returns}"ok"
    return {returns}{high} if loss > expected else {low}
"""


BUG_CIL_NAIVE = _CIL_HEAD + """    y = np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True)
    loss = float(-np.mean(np.log(y[np.arange(n), t])))
""" + _CIL_TAIL

BUG_CIL_EPS = _CIL_HEAD + """    e = np.exp(z - z.max(axis=1, keepdims=True))
    y = e / e.sum(axis=1, keepdims=True)
    loss = float(-np.mean(np.log(y[np.arange(n), t] + 1e-7)))
""" + _CIL_TAIL

BUG_CIL_SUM = _CIL_HEAD + _CIL_LOSS.replace("float(np.mean(", "float(np.sum(") + _CIL_TAIL
assert BUG_CIL_SUM.count("np.sum(m + ") == 1

BUG_CIL_MEAN_ALL = _CIL_HEAD + """    m = z.max(axis=1, keepdims=True)
    log_p = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    loss = float(-np.mean(np.eye(c)[t] * log_p))
""" + _CIL_TAIL

BUG_CIL_LOG10 = _cil_verdict(expected="np.log10(c)")
BUG_CIL_ROWS = _cil_verdict(expected="np.log(n)")
BUG_CIL_ABSOLUTE = _cil_verdict(band="tol")
BUG_CIL_FIXED_TOL = _cil_verdict(band="0.1 * expected")
BUG_CIL_SWAPPED = _cil_verdict(high='"too low"', low='"too high"')
BUG_CIL_VERDICT_ONLY = _cil_verdict(returns="")

BUG_CLIP_PER_ARRAY = """
def clip_grad_norm(grads, max_norm):
    out, total = {}, 0.0
    for k, g in grads.items():
        n = np.sqrt(np.sum(g.astype(np.float64) ** 2))
        total += n * n
        out[k] = g * g.dtype.type(min(1.0, max_norm / n)) if n > 0 else g.copy()
    return out, float(np.sqrt(total))
"""

BUG_CLIP_BY_VALUE = """
def clip_grad_norm(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads.values())))
    return {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}, norm
"""

BUG_CLIP_NORM_AFTER = """
def clip_grad_norm(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads.values())))
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {k: g * g.dtype.type(scale) for k, g in grads.items()}, norm * scale
"""

BUG_CLIP_SQUARED = """
def clip_grad_norm(grads, max_norm):
    sq = float(sum(np.sum(g.astype(np.float64) ** 2) for g in grads.values()))
    scale = min(1.0, max_norm / np.sqrt(sq)) if sq > 0 else 1.0
    return {k: g * g.dtype.type(scale) for k, g in grads.items()}, sq
"""

BUG_CLIP_ALWAYS = """
def clip_grad_norm(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads.values())))
    scale = max_norm / norm if norm > 0 else 1.0
    return {k: g * g.dtype.type(scale) for k, g in grads.items()}, norm
"""

BUG_CLIP_FLOAT32_SUM = """
def clip_grad_norm(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {k: g * g.dtype.type(scale) for k, g in grads.items()}, norm
"""

BUG_CLIP_ZERO_DIVISION = """
def clip_grad_norm(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads.values()))
    scale = np.minimum(1.0, max_norm / norm)
    return {k: g * g.dtype.type(scale) for k, g in grads.items()}, float(norm)
"""

BUG_CLIP_FLOAT64_SCALE = """
def clip_grad_norm(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads.values()))
    scale = np.float64(min(1.0, max_norm / norm)) if norm > 0 else np.float64(1.0)
    return {k: g * scale for k, g in grads.items()}, float(norm)
"""

BUG_CLIP_IN_PLACE = """
def clip_grad_norm(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads.values())))
    if norm > max_norm:
        for g in grads.values():
            g *= g.dtype.type(max_norm / norm)
    return grads, norm
"""

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
FLOOR = {"test_loss_floor_values", "test_loss_floor_2d_and_errors"}
CIL = {"test_check_initial_loss_values", "test_check_initial_loss_verdict"}
CLIP = {"test_clip_grad_norm_values", "test_clip_grad_norm_extreme"}


def _m(cell, code, loses, says):
    """A mistake in one answer cell; ``says`` maps a failing cell to the words that name the mistake."""
    return Mistake({cell: code}, loses, says)


CHAPTER = Chapter(
    name="ch07_troubleshooting",
    title="NaN, divergence, shape errors, data bugs, the wrong output activation; checks before training",
    topic="troubleshooting",
    points=50,
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
        "loss_floor": ("test_loss_floor_values", "test_loss_floor_2d_and_errors"),
        "quiz_output_heads": ("test_quiz_output_heads",),
        "quiz_initial_loss": ("test_quiz_initial_loss_c200", "test_quiz_initial_loss_fraud"),
        "check_initial_loss": ("test_check_initial_loss_values", "test_check_initial_loss_verdict"),
        "quiz_overfit_tiny_batch": ("test_quiz_overfit_tiny_batch",),
        "clip_grad_norm": ("test_clip_grad_norm_values", "test_clip_grad_norm_extreme"),
    },
    correct={
        "solution": {},
        "alt_a": {"stable_softmax": ALT_A_STABLE_SOFTMAX, "safe_cross_entropy": ALT_A_SAFE_CROSS_ENTROPY,
                  "stable_sigmoid": ALT_A_STABLE_SIGMOID, "bce_with_logits": ALT_A_BCE_WITH_LOGITS,
                  "normalize_pixels": ALT_A_NORMALIZE_PIXELS, "shuffle_together": ALT_A_SHUFFLE_TOGETHER,
                  "check_layer_sizes": ALT_A_CHECK_LAYER_SIZES, "find_divergence": ALT_A_FIND_DIVERGENCE,
                  "diagnose_history": ALT_A_DIAGNOSE_HISTORY,
                  "quiz_invalid_subtract": 'answer_a = " (B) "\n',
                  "quiz_sigmoid_logits": "answer_tanh_floor = 0.797\n",
                  "loss_floor": ALT_A_LOSS_FLOOR, "check_initial_loss": ALT_A_CHECK_INITIAL_LOSS,
                  "clip_grad_norm": ALT_A_CLIP_GRAD_NORM,
                  "quiz_output_heads": 'answer_heads = ["A", "C", "B", "B"]\n',
                  "quiz_initial_loss": "answer_c200 = 5.298\nanswer_fraud = '0.693'\n",
                  "quiz_overfit_tiny_batch": 'answer_tiny = "d, b"\n'},
        "alt_b": {"stable_softmax": ALT_B_STABLE_SOFTMAX, "safe_cross_entropy": ALT_B_SAFE_CROSS_ENTROPY,
                  "stable_sigmoid": ALT_B_STABLE_SIGMOID, "bce_with_logits": ALT_B_BCE_WITH_LOGITS,
                  "normalize_pixels": ALT_B_NORMALIZE_PIXELS, "shuffle_together": ALT_B_SHUFFLE_TOGETHER,
                  "check_layer_sizes": ALT_B_CHECK_LAYER_SIZES, "find_divergence": ALT_B_FIND_DIVERGENCE,
                  "diagnose_history": ALT_B_DIAGNOSE_HISTORY,
                  "quiz_invalid_subtract": 'answer_a = "b)"\n',
                  "quiz_sigmoid_logits": 'answer_tanh_floor = " 0.7966 "\n',
                  "loss_floor": ALT_B_LOSS_FLOOR, "check_initial_loss": ALT_B_CHECK_INITIAL_LOSS,
                  "clip_grad_norm": ALT_B_CLIP_GRAD_NORM,
                  "quiz_output_heads": 'answer_heads = "1a, 2c, 3b, 4b"\n',
                  "quiz_initial_loss": "answer_c200 = np.log(200.0)\nanswer_fraud = np.log(2) * 1.0001\n",
                  "quiz_overfit_tiny_batch": 'answer_tiny = ["B", "d"]\n'},
        "alt_quiz_more_forms": {"quiz_invalid_subtract": 'answer_a = "B."\n',
                                "quiz_sigmoid_logits": "answer_tanh_floor = np.float32(0.7966)\n",
                                "quiz_output_heads": "answer_heads = ('a', 'c', 'b', 'b')\n",
                                "quiz_initial_loss": "answer_c200 = '5.2983'\nanswer_fraud = np.float32(0.6931)\n",
                                "quiz_overfit_tiny_batch": "answer_tiny = ('b', 'd')\n"},
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
        # loss_floor
        "floor_no_half": _m("loss_floor", BUG_FLOOR_NO_HALF, FLOOR,
                            {"test_loss_floor_values": "forgetting the 1/2 of E"}),
        "floor_no_n": _m("loss_floor", BUG_FLOOR_NO_N, FLOOR,
                         {"test_loss_floor_values": "dividing by 2 but not by N"}),
        "floor_mean_all": _m("loss_floor", BUG_FLOOR_MEAN_ALL, {"test_loss_floor_2d_and_errors"},
                             {"test_loss_floor_2d_and_errors": "averaging over all N*K entries"}),
        "floor_sigmoid_like_relu": _m("loss_floor", BUG_FLOOR_SIGMOID_LIKE_RELU, FLOOR,
                                      {"test_loss_floor_values": "a sigmoid never exceeds 1"}),
        "floor_tanh_like_sigmoid": _m("loss_floor", BUG_FLOOR_TANH_LIKE_SIGMOID, FLOOR,
                                      {"test_loss_floor_values": "tanh reaches down to -1"}),
        "floor_relu_positive_part": _m("loss_floor", BUG_FLOOR_RELU_POSITIVE_PART, FLOOR,
                                       {"test_loss_floor_values": "instead of the negative one"}),
        "floor_distance_to_one": _m("loss_floor", BUG_FLOOR_DISTANCE_TO_ONE, FLOOR,
                                    {"test_loss_floor_values": "distance to 1"}),
        "floor_no_error": _m("loss_floor", BUG_FLOOR_NO_ERROR, {"test_loss_floor_2d_and_errors"},
                             {"test_loss_floor_2d_and_errors": "expected a ValueError"}),
        # check_initial_loss
        "cil_naive": _m("check_initial_loss", BUG_CIL_NAIVE, CIL,
                        {"test_check_initial_loss_values": "not subtracting each row's maximum"}),
        "cil_eps": _m("check_initial_loss", BUG_CIL_EPS, {"test_check_initial_loss_values"},
                      {"test_check_initial_loss_values": "caps each sample's loss"}),
        "cil_sum": _m("check_initial_loss", BUG_CIL_SUM, CIL,
                      {"test_check_initial_loss_values": "summing over the batch"}),
        "cil_mean_all": _m("check_initial_loss", BUG_CIL_MEAN_ALL, CIL,
                           {"test_check_initial_loss_values": "all N*C entries"}),
        "cil_log10": _m("check_initial_loss", BUG_CIL_LOG10, {"test_check_initial_loss_verdict"},
                        {"test_check_initial_loss_verdict": "not log10"}),
        "cil_rows": _m("check_initial_loss", BUG_CIL_ROWS, {"test_check_initial_loss_verdict"},
                       {"test_check_initial_loss_verdict": "not the 4 rows"}),
        "cil_absolute": _m("check_initial_loss", BUG_CIL_ABSOLUTE, {"test_check_initial_loss_verdict"},
                           {"test_check_initial_loss_verdict": "the band is RELATIVE"}),
        "cil_fixed_tol": _m("check_initial_loss", BUG_CIL_FIXED_TOL, {"test_check_initial_loss_verdict"},
                            {"test_check_initial_loss_verdict": "use the tol argument"}),
        "cil_swapped": _m("check_initial_loss", BUG_CIL_SWAPPED, {"test_check_initial_loss_verdict"},
                          {"test_check_initial_loss_verdict": "expected the verdict 'too high'"}),
        "cil_verdict_only": _m("check_initial_loss", BUG_CIL_VERDICT_ONLY, CIL,
                               {"test_check_initial_loss_values": "expected a tuple (L, verdict)",
                                "test_check_initial_loss_verdict": "expected a tuple (L, verdict)"}),
        # clip_grad_norm
        "clip_per_array": _m("clip_grad_norm", BUG_CLIP_PER_ARRAY, CLIP,
                             {"test_clip_grad_norm_values": "clipping each array by its own norm"}),
        "clip_by_value": _m("clip_grad_norm", BUG_CLIP_BY_VALUE, CLIP,
                            {"test_clip_grad_norm_values": "clipping by value, not by norm"}),
        "clip_norm_after": _m("clip_grad_norm", BUG_CLIP_NORM_AFTER, CLIP,
                              {"test_clip_grad_norm_values": "returning the norm AFTER clipping"}),
        "clip_squared": _m("clip_grad_norm", BUG_CLIP_SQUARED, CLIP,
                           {"test_clip_grad_norm_values": "the square root is missing"}),
        "clip_always": _m("clip_grad_norm", BUG_CLIP_ALWAYS, {"test_clip_grad_norm_values"},
                          {"test_clip_grad_norm_values": "the min(1, ...) is missing"}),
        "clip_float32_sum": _m("clip_grad_norm", BUG_CLIP_FLOAT32_SUM, {"test_clip_grad_norm_extreme"},
                               {"test_clip_grad_norm_extreme": "accumulate the sum of squares in float64"}),
        "clip_zero_division": _m("clip_grad_norm", BUG_CLIP_ZERO_DIVISION, {"test_clip_grad_norm_extreme"},
                                 {"test_clip_grad_norm_extreme": "a zero gradient needs no clipping"}),
        "clip_float64_scale": _m("clip_grad_norm", BUG_CLIP_FLOAT64_SCALE, {"test_clip_grad_norm_extreme"},
                                 {"test_clip_grad_norm_extreme": "expected dtype float32"}),
        "clip_in_place": _m("clip_grad_norm", BUG_CLIP_IN_PLACE, CLIP,
                            {"test_clip_grad_norm_values": "in place"}),
        # the new quick checks
        "heads_relu_temperature": _m("quiz_output_heads", 'answer_heads = "dcbb"\n', {"test_quiz_output_heads"},
                                     {"test_quiz_output_heads": "cannot output the negative temperatures"}),
        "heads_softmax_tags": _m("quiz_output_heads", 'answer_heads = "accb"\n', {"test_quiz_output_heads"},
                                 {"test_quiz_output_heads": "makes the tags compete"}),
        "heads_softmax_one_output": _m("quiz_output_heads", 'answer_heads = "acbc"\n', {"test_quiz_output_heads"},
                                       {"test_quiz_output_heads": "ONE output is always exactly 1"}),
        "heads_sigmoid_classes": _m("quiz_output_heads", 'answer_heads = "abbb"\n', {"test_quiz_output_heads"},
                                    {"test_quiz_output_heads": "do not make the 46 classes exclusive"}),
        "heads_not_four": _m("quiz_output_heads", 'answer_heads = "acb"\n', {"test_quiz_output_heads"},
                             {"test_quiz_output_heads": "expected four letters"}),
        "initial_log10": _m("quiz_initial_loss", "answer_c200 = np.log10(200)\nanswer_fraud = np.log(2)\n",
                            {"test_quiz_initial_loss_c200"},
                            {"test_quiz_initial_loss_c200": "natural logarithm"}),
        "initial_probability": _m("quiz_initial_loss", "answer_c200 = 1 / 200\nanswer_fraud = 0.6931\n",
                                  {"test_quiz_initial_loss_c200"},
                                  {"test_quiz_initial_loss_c200": "the loss is -ln of it"}),
        "initial_entropy": _m("quiz_initial_loss", "answer_c200 = 5.298\nanswer_fraud = 0.098\n",
                              {"test_quiz_initial_loss_fraud"},
                              {"test_quiz_initial_loss_fraud": "best CONSTANT prediction"}),
        "initial_fraud_cost": _m("quiz_initial_loss", "answer_c200 = 5.298\nanswer_fraud = -np.log(0.02)\n",
                                 {"test_quiz_initial_loss_fraud"},
                                 {"test_quiz_initial_loss_fraud": "what a fraud example costs"}),
        "initial_other": _m("quiz_initial_loss", "answer_c200 = 5.0\nanswer_fraud = 0.5\n",
                            {"test_quiz_initial_loss_c200", "test_quiz_initial_loss_fraud"},
                            {"test_quiz_initial_loss_c200": "not yet right",
                             "test_quiz_initial_loss_fraud": "not yet right"}),
        "tiny_only_shuffle": _m("quiz_overfit_tiny_batch", 'answer_tiny = {"b", "c", "d"}\n',
                                {"test_quiz_overfit_tiny_batch"},
                                {"test_quiz_overfit_tiny_batch": "memorises it as easily"}),
        "tiny_missed_sigmoid": _m("quiz_overfit_tiny_batch", 'answer_tiny = "d"\n', {"test_quiz_overfit_tiny_batch"},
                                  {"test_quiz_overfit_tiny_batch": "cannot go below its floor"}),
        "tiny_test_time": _m("quiz_overfit_tiny_batch", 'answer_tiny = "a, b, d, e"\n', {"test_quiz_overfit_tiny_batch"},
                             {"test_quiz_overfit_tiny_batch": "only changes what the network sees at TEST time"}),
        "tiny_not_letters": _m("quiz_overfit_tiny_batch", "answer_tiny = 2\n", {"test_quiz_overfit_tiny_batch"},
                               {"test_quiz_overfit_tiny_batch": "expected a set of letters"}),
    },
)
