"""ch08_capstone: the record of the chapter, with the correct and wrong answers its grading tests use.

A mistake in a layer also breaks the network built from it and the training that uses the network:
such a mistake's ``loses`` lists those cells too, and its ``says`` checks the message of the layer's
own test, which names it. The tests of ``train`` first check that the network they train is right
(else they fail, saying so), so that a mistake in the network and one in the loop never mix in the
same cell: chapterkit grades mistakes that touch different cells together.

``loses`` is what the notebook's own tests (nbgrader) take away. The grader's training run of
grading/ch08_capstone.py can take away more: a batch-norm backward without the mean and variance
paths still passes the notebook's short MNIST run but not the grader's 20,000 images
(tests/test_sandbox_chapters.py accepts such extra losses).

Most wrong versions of the network and of the loop are the source solution with one line changed
(:func:`_variant` reads it from the notebook), so they follow the solution when it changes.
"""

import json
from pathlib import Path

from chapters import Chapter, Mistake

# ----------------------------------------------------------------------------- alternative correct code
ALT_LAYERS = {
    "affine_forward": '''
def affine_forward(x, W, b):
    out = np.dot(x, W) + b[None, :]
    return out, {"x": x.copy(), "W": W.copy()}
''',
    "affine_backward": '''
def affine_backward(dout, cache):
    x, W = cache["x"], cache["W"]
    return np.dot(dout, W.T), np.tensordot(x, dout, axes=(0, 0)), np.einsum("nm->m", dout)
''',
    "relu_forward": '''
def relu_forward(x):
    out = x * (x > 0)
    return out, x.copy()
''',
    "relu_backward": '''
def relu_backward(dout, cache):
    x = cache
    dx = dout.copy()
    dx[x <= 0] = 0.0
    return dx
''',
    "batchnorm_forward": '''
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    # the computational graph, node by node (CS231n style)
    mu = np.sum(x, axis=0) / x.shape[0]
    xmu = x - mu
    var = np.var(x, axis=0)
    sqrtvar = np.sqrt(var + eps)
    ivar = 1.0 / sqrtvar
    xhat = xmu * ivar
    return gamma * xhat + beta, (xhat, gamma, xmu, ivar, sqrtvar, var, eps)
''',
    "batchnorm_backward": '''
def batchnorm_backward(dout, cache):
    # backward through the same graph, one node at a time
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    n = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    divar = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat * ivar
    dsqrtvar = -1.0 / (sqrtvar ** 2) * divar
    dvar = 0.5 / np.sqrt(var + eps) * dsqrtvar
    dsq = np.ones_like(dout) / n * dvar
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -np.sum(dx1, axis=0)
    dx2 = np.ones_like(dout) / n * dmu
    return dx1 + dx2, dgamma, dbeta
''',
    "batchnorm_inference": '''
def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    return x * scale + (beta - running_mean * scale)
''',
    "dropout_forward": '''
def dropout_forward(x, ratio, train, rng):
    if train:
        mask = np.where(rng.uniform(0.0, 1.0, size=x.shape) < ratio, 0.0, 1.0 / (1.0 - ratio))
        return x * mask, mask
    return np.array(x, copy=True), None
''',
    "dropout_backward": '''
def dropout_backward(dout, mask):
    return np.array(dout, copy=True) if mask is None else np.multiply(dout, mask)
''',
    "softmax_loss": '''
def softmax_loss(logits, t):
    n, c = logits.shape
    onehot = np.zeros((n, c))
    onehot[np.arange(n), t] = 1.0
    m = logits.max(axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(logits - m), axis=1, keepdims=True))
    loss = float(np.sum(onehot * (lse - logits)) / n)
    probs = np.exp(logits - lse)
    return loss, (probs - onehot) / n
''',
}

ALT_NET = '''
class FullyConnectedNet:
    """Same network, organised CS231n-style: one loss() that does both passes, running stats in lists."""

    def __init__(self, hidden_dims, use_batchnorm, dropout, weight_scale, rng, input_dim=784, num_classes=10):
        self.bn, self.p, self.rng = use_batchnorm, dropout, rng
        dims = [input_dim] + list(hidden_dims) + [num_classes]
        self.L = len(dims) - 1
        self.params = {}
        for i in range(self.L):
            scale = np.sqrt(2.0 / dims[i]) if weight_scale == "he" else weight_scale
            self.params["W%d" % (i + 1)] = rng.normal(0.0, scale, size=(dims[i], dims[i + 1]))
            self.params["b%d" % (i + 1)] = np.zeros(dims[i + 1])
        self.rmean, self.rvar = [], []
        for i in range(self.L - 1):
            if use_batchnorm:
                self.params["gamma%d" % (i + 1)] = np.ones(dims[i + 1])
                self.params["beta%d" % (i + 1)] = np.zeros(dims[i + 1])
            self.rmean.append(np.zeros(dims[i + 1]))
            self.rvar.append(np.ones(dims[i + 1]))

    def _pass(self, x, train):
        h, stack = x, []
        for i in range(self.L - 1):
            k = str(i + 1)
            a, ca = affine_forward(h, self.params["W" + k], self.params["b" + k])
            cb = None
            if self.bn and train:
                self.rmean[i] = 0.9 * self.rmean[i] + 0.1 * np.mean(a, axis=0)
                self.rvar[i] = 0.9 * self.rvar[i] + 0.1 * np.var(a, axis=0)
                a, cb = batchnorm_forward(a, self.params["gamma" + k], self.params["beta" + k])
            elif self.bn:
                a = batchnorm_inference(a, self.params["gamma" + k], self.params["beta" + k], self.rmean[i], self.rvar[i])
            h, cr = relu_forward(a)
            cd = None
            if self.p > 0 and train:
                h, cd = dropout_forward(h, self.p, True, self.rng)
            stack.append((ca, cb, cr, cd))
        scores, cl = affine_forward(h, self.params["W%d" % self.L], self.params["b%d" % self.L])
        return scores, stack, cl

    def predict(self, x):
        return self._pass(x, False)[0]

    def loss(self, x, t):
        scores, stack, cl = self._pass(x, True)
        loss, d = softmax_loss(scores, t)
        grads = {}
        d, grads["W%d" % self.L], grads["b%d" % self.L] = affine_backward(d, cl)
        for i in reversed(range(self.L - 1)):
            ca, cb, cr, cd = stack[i]
            k = str(i + 1)
            if cd is not None:
                d = dropout_backward(d, cd)
            d = relu_backward(d, cr)
            if cb is not None:
                d, grads["gamma" + k], grads["beta" + k] = batchnorm_backward(d, cb)
            d, grads["W" + k], grads["b" + k] = affine_backward(d, ca)
        return loss, grads
'''

ALT_GRAD_CHECK = '''
def grad_check(f, params, h=1e-5):
    # works on copies; a perturbed copy of one array at a time
    analytic = f(params)[1]
    result = {}
    for key in params:
        base = params[key]
        num = np.zeros_like(base, dtype=float)
        flat = num.reshape(-1)
        for i in range(base.size):
            plus = base.copy().reshape(-1)
            plus[i] += h
            minus = base.copy().reshape(-1)
            minus[i] -= h
            lp = f({**params, key: plus.reshape(base.shape)})[0]
            lm = f({**params, key: minus.reshape(base.shape)})[0]
            flat[i] = (lp - lm) / (2.0 * h)
        a = analytic[key]
        rel = np.abs(a - num) / np.maximum(1e-8, np.abs(a) + np.abs(num))
        result[key] = rel.max()
    return result
'''

ALT_GRAD_CHECK_INPLACE = '''
def grad_check(f, params, h=1e-5):
    # the book's way: nudge in place with += and -=, which restores each entry up to one rounding
    _, grads = f(params)
    out = {}
    for key, w in params.items():
        it = np.nditer(w, flags=["multi_index"])
        worst = 0.0
        while not it.finished:
            i = it.multi_index
            w[i] += h
            lp = f(params)[0]
            w[i] -= 2 * h
            lm = f(params)[0]
            w[i] += h
            n = (lp - lm) / (2 * h)
            a = grads[key][i]
            worst = max(worst, abs(a - n) / max(abs(a) + abs(n), 1e-8))
            it.iternext()
        out[key] = worst
    return out
'''

ALT_ADAM = '''
def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    # the course note's form: the bias correction folded into the learning rate
    m = m + (1 - beta1) * (g - m)
    v = v + (1 - beta2) * (g ** 2 - v)
    lr_t = lr * np.sqrt(1.0 - beta2 ** t) / (1.0 - beta1 ** t)
    return w - lr_t * m / (np.sqrt(v) + eps), m, v
'''

ALT_COSINE = '''
import math

def cosine_decay(lr0, t, T, lr_min):
    progress = float(np.clip(t / T, 0.0, 1.0))
    return lr_min + (lr0 - lr_min) * (1.0 + math.cos(math.pi * progress)) / 2.0
'''

ALT_TRAIN = '''
def train(net, x, t, epochs, batch_size, lr, lr_min, rng):
    # one loop over all iterations; the order from rng.shuffle of an index array; Adam written out
    n = len(x)
    per_epoch = int(np.ceil(n / batch_size))
    K = epochs * per_epoch
    state = {k: (np.zeros_like(w), np.zeros_like(w)) for k, w in net.params.items()}
    losses, rates = [], []
    order = np.arange(n)
    for k in range(K):
        if k % per_epoch == 0:
            rng.shuffle(order)
        idx = order[(k % per_epoch) * batch_size:(k % per_epoch + 1) * batch_size]
        loss, grads = net.loss(x[idx], t[idx])
        rate = cosine_decay(lr, k, K, lr_min)
        for key in list(net.params):
            m, v = state[key]
            m = 0.9 * m + 0.1 * grads[key]
            v = 0.999 * v + 0.001 * grads[key] ** 2
            state[key] = (m, v)
            step = rate * (m / (1 - 0.9 ** (k + 1))) / (np.sqrt(v / (1 - 0.999 ** (k + 1))) + 1e-8)
            net.params[key] = net.params[key] - step
        losses.append(loss)
        rates.append(rate)
    return {"loss": losses, "lr": rates}
'''

ALT_SETTINGS = '''
def capstone_settings():
    return dict(hidden_dims=(400,), use_batchnorm=np.bool_(True), dropout=0, weight_scale=0.05,
                epochs=np.int64(8), batch_size=128, lr=3e-3, lr_min=0)
'''

# ----------------------------------------------------------------------------- the mistakes
BUG_AFFINE_NO_BIAS = '''
def affine_forward(x, W, b):
    return x @ W, (x, W)
'''

BUG_AFFINE_DB_MEAN = '''
def affine_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.mean(axis=0)
'''

BUG_AFFINE_DW_OVER_N = '''
def affine_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout / x.shape[0], dout.sum(axis=0)
'''

BUG_RELU_TIMES_OUTPUT = {
    "relu_forward": '''
def relu_forward(x):
    return np.maximum(x, 0), x
''',
    "relu_backward": '''
def relu_backward(dout, cache):
    return dout * np.maximum(cache, 0)
''',
}

BUG_BN_UNBIASED = '''
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    std = np.sqrt(x.var(axis=0, ddof=1) + eps)
    xhat = (x - mu) / std
    return gamma * xhat + beta, (xhat, gamma, std)
'''

BUG_BN_BACKWARD_DIRECT = '''
def batchnorm_backward(dout, cache):
    xhat, gamma, std = cache
    return dout * gamma / std, np.sum(dout * xhat, axis=0), dout.sum(axis=0)
'''

BUG_BN_INFERENCE_BATCH = '''
def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta
'''

BUG_DROPOUT_NOT_SCALED = '''
def dropout_forward(x, ratio, train, rng):
    if not train:
        return x.copy(), None
    mask = (rng.random(x.shape) >= ratio).astype(float)
    return x * mask, mask
'''

BUG_DROPOUT_KEEP_PROB = '''
def dropout_forward(x, ratio, train, rng):
    if not train:
        return x.copy(), None
    mask = (rng.random(x.shape) < ratio) / ratio
    return x * mask, mask
'''

BUG_DROPOUT_NP_RANDOM = '''
def dropout_forward(x, ratio, train, rng):
    if not train:
        return x.copy(), None
    mask = (np.random.rand(*x.shape) >= ratio) / (1 - ratio)
    return x * mask, mask
'''


BUG_SOFTMAX_UNSTABLE = '''
def softmax_loss(logits, t):
    n = logits.shape[0]
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    d = p.copy()
    d[np.arange(n), t] -= 1
    return -np.mean(np.log(p[np.arange(n), t])), d / n
'''



_SOURCE = Path(__file__).resolve().parents[1] / "source" / "ch08_capstone" / "ch08_capstone.ipynb"


def _variant(cell: str, *changes: tuple[str, str]) -> dict[str, str]:
    """The solution of answer cell ``cell`` with each ``(old, new)`` change applied (each ``old`` must occur
    exactly once), read from the source notebook so that the variant follows the solution."""
    nb = json.loads(_SOURCE.read_text(encoding="utf-8"))
    code = next("".join(c["source"]) for c in nb["cells"] if c.get("id") == cell)
    for old, new in changes:
        if code.count(old) != 1:
            raise ValueError(f"chapters/ch08_capstone.py: the solution of {cell} no longer contains {old!r} exactly "
                             "once; update the variant")
        code = code.replace(old, new)
    return {cell: code}


BUG_SOFTMAX_NO_N = _variant("softmax_loss", ("return loss, dlogits / n", "return loss, dlogits"))
BUG_SOFTMAX_SUM = _variant("softmax_loss", ("loss = -np.mean(log_probs[np.arange(n), t])",
                                            "loss = -np.sum(log_probs[np.arange(n), t])"))
_UPDATE = "self.running[i] = (0.9 * mean + 0.1 * h.mean(axis=0), 0.9 * var + 0.1 * h.var(axis=0))"
BUG_NET_TEST_BATCH_STATS = _variant("FullyConnectedNet", ("h = batchnorm_inference(h, gamma, beta, *self.running[i])",
                                                          "h, _ = batchnorm_forward(h, gamma, beta)"))
BUG_NET_NO_RUNNING_UPDATE = _variant("FullyConnectedNet", (_UPDATE, "pass"))
BUG_NET_MOMENTUM_NEW = _variant("FullyConnectedNet", (
    _UPDATE, "self.running[i] = (0.1 * mean + 0.9 * h.mean(axis=0), 0.1 * var + 0.9 * h.var(axis=0))"))
BUG_NET_DROPOUT_AT_TEST = _variant("FullyConnectedNet", ("h, mask = dropout_forward(h, self.dropout, train, self.rng)",
                                                         "h, mask = dropout_forward(h, self.dropout, True, self.rng)"))
BUG_NET_NO_DROPOUT_BACKWARD = _variant("FullyConnectedNet", ("g = dropout_backward(g, mask)", "pass"))
BUG_NET_GAMMA_BETA_SWAPPED = _variant("FullyConnectedNet", (
    'g, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward(g, c_bn)',
    'g, grads[f"beta{i}"], grads[f"gamma{i}"] = batchnorm_backward(g, c_bn)'))
BUG_NET_INIT_TRANSPOSED = _variant("FullyConnectedNet", (
    'self.params[f"W{i}"] = std * rng.standard_normal((d_in, d_out))',
    'self.params[f"W{i}"] = std * rng.standard_normal((d_out, d_in)).T'))
BUG_NET_STALE_PARAMS = _variant("FullyConnectedNet", (
    "        scores, (caches, c_last) = self._forward(x, train=True)",
    "        if not hasattr(self, \"_frozen\"):\n"
    "            self._frozen = dict(self.params)          # a copy of the dict: later replacements are not seen\n"
    "        live, self.params = self.params, self._frozen\n"
    "        scores, (caches, c_last) = self._forward(x, train=True)\n"
    "        self.params = live"))






_CENTRAL = "num[idx] = (plus - minus) / (2 * h)"
BUG_GC_ONE_SIDED = _variant("grad_check", ("_, grads = f(params)", "loss0, grads = f(params)"),
                            ("            value[idx] = old - h\n            minus = f(params)[0]\n", ""),
                            (_CENTRAL, "num[idx] = (plus - loss0) / h"))
BUG_GC_H_NOT_2H = _variant("grad_check", (_CENTRAL, "num[idx] = (plus - minus) / h"))
BUG_GC_NOT_RESTORED = _variant("grad_check", ("            value[idx] = old\n", ""))
BUG_GC_NO_FLOOR = _variant("grad_check", ("np.maximum(np.abs(analytic) + np.abs(num), 1e-8)", "(np.abs(analytic) + np.abs(num))"))
BUG_GC_MEAN = _variant("grad_check", ("errors[key] = float(rel.max())", "errors[key] = float(rel.mean())"))

BUG_ADAM_NO_BIAS_CORRECTION = '''
def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    return w - lr * m / (np.sqrt(v) + eps), m, v
'''

BUG_ADAM_STATE_CORRECTED = '''
def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m = (beta1 * m + (1 - beta1) * g) / (1 - beta1 ** t)
    v = (beta2 * v + (1 - beta2) * g * g) / (1 - beta2 ** t)
    return w - lr * m / (np.sqrt(v) + eps), m, v
'''

BUG_COSINE_NO_HALF = '''
def cosine_decay(lr0, t, T, lr_min):
    return lr_min + (lr0 - lr_min) * np.cos(np.pi * min(t, T) / T)
'''

BUG_COSINE_NO_LR_MIN = '''
def cosine_decay(lr0, t, T, lr_min):
    return 0.5 * lr0 * (1 + np.cos(np.pi * min(t, T) / T))
'''


_RATE = "rate = cosine_decay(lr, it, total, lr_min)"
_ORDER = "order = rng.permutation(n)"
BUG_TRAIN_NO_DECAY = _variant("train", (_RATE, "rate = lr"))
BUG_TRAIN_PER_EPOCH = _variant("train", (_RATE, "rate = cosine_decay(lr, it // per_epoch, epochs, lr_min)"))
BUG_TRAIN_NO_SHUFFLE = _variant("train", (_ORDER, "order = np.arange(n)"))
BUG_TRAIN_NP_RANDOM = _variant("train", (_ORDER, "order = np.random.permutation(n)"))
BUG_TRAIN_SHUFFLE_ONCE = _variant("train", ("    it = 0\n", "    it = 0\n    fixed = rng.permutation(n)\n"),
                                  (_ORDER, "order = fixed"))
BUG_TRAIN_T_RESET = _variant("train", ("        " + _ORDER + "\n", "        " + _ORDER + "\n        step = 0\n"),
                             ("            it += 1\n", "            it += 1\n            step += 1\n"),
                             ("m[k], v[k], it, rate", "m[k], v[k], step, rate"))
BUG_TRAIN_T_FROM_0 = _variant("train", ("            it += 1\n", ""),
                              ('history["lr"].append(float(rate))', 'history["lr"].append(float(rate))\n            it += 1'))
BUG_TRAIN_SHUFFLES_X = _variant("train", ("        " + _ORDER + "\n",
                                          "        " + _ORDER + "\n        x[...] = x[order]\n        t[...] = t[order]\n"
                                          "        order = np.arange(n)\n"))

BUG_SETTINGS_MISSING = '''
def capstone_settings():
    return {"hidden_dims": [512, 256], "use_batchnorm": True, "dropout": 0.2, "weight_scale": "he",
            "epochs": 10, "batch_size": 100, "lr": 2e-3}
'''

BUG_SETTINGS_TOO_BIG = '''
def capstone_settings():
    return {"hidden_dims": [2048, 2048], "use_batchnorm": True, "dropout": 0.5, "weight_scale": "he",
            "epochs": 30, "batch_size": 100, "lr": 1e-3, "lr_min": 0.0}
'''

# The cells that use the network (so a broken layer costs them too) and the cells that train it.
NET = {"test_FullyConnectedNet_init", "test_FullyConnectedNet_loss", "test_FullyConnectedNet_gradients",
       "test_FullyConnectedNet_predict", "test_FullyConnectedNet_dropout"}
TRAIN = {"test_train_history", "test_train_minibatches", "test_train_overfits_a_tiny_batch", "test_train_mnist"}

CHAPTER = Chapter(
    name="ch08_capstone",
    title="capstone: a fully connected network from your layers, gradient-checked, trained to 97 % with Adam and decay",
    topic="capstone",
    points=42,
    graded_seconds=150,
    exercises={
        "affine_forward": ("test_affine_forward",),
        "affine_backward": ("test_affine_backward",),
        "relu_forward": ("test_relu_forward",),
        "relu_backward": ("test_relu_backward",),
        "batchnorm_forward": ("test_batchnorm_forward",),
        "batchnorm_backward": ("test_batchnorm_backward",),
        "batchnorm_inference": ("test_batchnorm_inference",),
        "dropout_forward": ("test_dropout_forward",),
        "dropout_backward": ("test_dropout_backward",),
        "softmax_loss": ("test_softmax_loss_values", "test_softmax_loss_large_logits"),
        "FullyConnectedNet": ("test_FullyConnectedNet_init", "test_FullyConnectedNet_loss",
                              "test_FullyConnectedNet_gradients", "test_FullyConnectedNet_predict",
                              "test_FullyConnectedNet_dropout"),
        "grad_check": ("test_grad_check",),
        "adam_step": ("test_adam_step",),
        "cosine_decay": ("test_cosine_decay",),
        "train": ("test_train_history", "test_train_minibatches", "test_train_overfits_a_tiny_batch",
                  "test_train_mnist"),
        "capstone_settings": ("test_capstone_settings",),
    },
    correct={
        "solution": {},
        "alt_layers": ALT_LAYERS,
        "alt_net": {"FullyConnectedNet": ALT_NET},
        "alt_grad_check_copies": {"grad_check": ALT_GRAD_CHECK},
        "alt_grad_check_in_place": {"grad_check": ALT_GRAD_CHECK_INPLACE},
        "alt_adam_course_note": {"adam_step": ALT_ADAM},
        "alt_cosine": {"cosine_decay": ALT_COSINE},
        "alt_train_shuffle": {"train": ALT_TRAIN},
        "alt_settings": {"capstone_settings": ALT_SETTINGS},
        "alt_everything": {**ALT_LAYERS, "FullyConnectedNet": ALT_NET, "grad_check": ALT_GRAD_CHECK,
                           "adam_step": ALT_ADAM, "cosine_decay": ALT_COSINE, "train": ALT_TRAIN},
    },
    mistakes={
        "affine_no_bias": Mistake(
            {"affine_forward": BUG_AFFINE_NO_BIAS}, {"test_affine_forward", "test_train_history"},
            {"test_affine_forward": "forgetting the bias b"}),
        "affine_db_mean": Mistake(
            {"affine_backward": BUG_AFFINE_DB_MEAN}, {"test_affine_backward",
             "test_FullyConnectedNet_gradients", "test_train_history", "test_train_minibatches"},
            {"test_affine_backward": "averaging db over the batch"}),
        "affine_dw_over_n": Mistake(
            {"affine_backward": BUG_AFFINE_DW_OVER_N}, {"test_affine_backward",
             "test_FullyConnectedNet_gradients", "test_train_history", "test_train_minibatches"},
            {"test_affine_backward": "dividing dW by the batch size N"}),
        "relu_times_output": Mistake(
            BUG_RELU_TIMES_OUTPUT,
            {"test_relu_backward", "test_FullyConnectedNet_gradients", "test_FullyConnectedNet_dropout",
             "test_train_history", "test_train_minibatches"},
            {"test_relu_backward": "multiplying dout by the ReLU output"}),
        "bn_unbiased": Mistake(
            {"batchnorm_forward": BUG_BN_UNBIASED}, {"test_batchnorm_forward", "test_batchnorm_backward",
             "test_FullyConnectedNet_loss", "test_FullyConnectedNet_gradients",
             "test_FullyConnectedNet_predict", "test_train_minibatches"},
            {"test_batchnorm_forward": "the unbiased variance (dividing by N - 1)"}),
        "bn_backward_direct_only": Mistake(
            {"batchnorm_backward": BUG_BN_BACKWARD_DIRECT}, {"test_batchnorm_backward",
             "test_FullyConnectedNet_gradients", "test_train_minibatches"},
            {"test_batchnorm_backward": "only the direct path"}),
        "bn_inference_batch_stats": Mistake(
            {"batchnorm_inference": BUG_BN_INFERENCE_BATCH},
            {"test_batchnorm_inference", "test_FullyConnectedNet_predict"},
            {"test_batchnorm_inference": "the batch's own mean and variance"}),
        "dropout_not_scaled": Mistake(
            {"dropout_forward": BUG_DROPOUT_NOT_SCALED}, {"test_dropout_forward", "test_FullyConnectedNet_dropout"},
            {"test_dropout_forward": "the dropout is not scaled",
             "test_FullyConnectedNet_dropout": "The dropout is not scaled"}),
        "dropout_keep_probability": Mistake(
            {"dropout_forward": BUG_DROPOUT_KEEP_PROB}, {"test_dropout_forward", "test_FullyConnectedNet_dropout"},
            {"test_dropout_forward": "the probability of DROPPING a unit"}),
        "dropout_np_random": Mistake(
            {"dropout_forward": BUG_DROPOUT_NP_RANDOM}, {"test_dropout_forward"},
            {"test_dropout_forward": "never from np.random"}),
        "softmax_no_1_over_n": Mistake(
            BUG_SOFTMAX_NO_N,
            {"test_softmax_loss_values", "test_softmax_loss_large_logits", "test_FullyConnectedNet_gradients",
             "test_train_history", "test_train_minibatches"},
            {"test_softmax_loss_values": "WITHOUT the 1/N"}),
        "softmax_unstable": Mistake(
            {"softmax_loss": BUG_SOFTMAX_UNSTABLE}, {"test_softmax_loss_large_logits"},
            {"test_softmax_loss_large_logits": "exp overflowing"}),
        "softmax_sum": Mistake(
            BUG_SOFTMAX_SUM, {"test_softmax_loss_values", "test_softmax_loss_large_logits",
             "test_FullyConnectedNet_loss", "test_FullyConnectedNet_gradients", "test_train_history",
             "test_train_minibatches"},
            {"test_softmax_loss_values": "summing the loss over the batch"}),
        "net_batch_stats_at_test": Mistake(
            BUG_NET_TEST_BATCH_STATS, {"test_FullyConnectedNet_predict"},
            {"test_FullyConnectedNet_predict": "must not depend on the other examples of the batch"}),
        "net_running_never_updated": Mistake(
            BUG_NET_NO_RUNNING_UPDATE, {"test_FullyConnectedNet_predict", "test_train_mnist"},
            {"test_FullyConnectedNet_predict": "are never updated"}),
        "net_momentum_on_new_value": Mistake(
            BUG_NET_MOMENTUM_NEW, {"test_FullyConnectedNet_predict"},
            {"test_FullyConnectedNet_predict": "0.1 as the weight of the OLD value"}),
        "net_dropout_at_test": Mistake(
            BUG_NET_DROPOUT_AT_TEST, {"test_FullyConnectedNet_dropout"},
            {"test_FullyConnectedNet_dropout": "no dropout, so the scores are the same at every call"}),
        "net_no_dropout_backward": Mistake(
            BUG_NET_NO_DROPOUT_BACKWARD, {"test_FullyConnectedNet_dropout"},
            {"test_FullyConnectedNet_dropout": "does not go through the dropout mask"}),
        "net_gamma_beta_swapped": Mistake(
            BUG_NET_GAMMA_BETA_SWAPPED, {"test_FullyConnectedNet_gradients", "test_train_minibatches"},
            {"test_FullyConnectedNet_gradients": "stored under the wrong"}),
        "net_init_transposed": Mistake(
            BUG_NET_INIT_TRANSPOSED, {"test_FullyConnectedNet_init", "test_FullyConnectedNet_gradients"},
            {"test_FullyConnectedNet_init": "each as weight_scale times rng.standard_normal of its shape",
             "test_FullyConnectedNet_gradients": "your W1 differs"}),
        "net_stale_params": Mistake(
            BUG_NET_STALE_PARAMS, {"test_train_history", "test_train_overfits_a_tiny_batch", "test_train_mnist"},
            {"test_train_history": "does net.loss read the arrays of net.params at every call"}),
        "grad_check_one_sided": Mistake(
            BUG_GC_ONE_SIDED, {"test_grad_check"}, {"test_grad_check": "one-sided difference"}),
        "grad_check_h_not_2h": Mistake(
            BUG_GC_H_NOT_2H, {"test_grad_check"}, {"test_grad_check": "dividing by h instead of 2h"}),
        "grad_check_not_restored": Mistake(
            BUG_GC_NOT_RESTORED, {"test_grad_check"}, {"test_grad_check": "params changed"}),
        "grad_check_zero_over_zero": Mistake(
            BUG_GC_NO_FLOOR, {"test_grad_check"}, {"test_grad_check": "it is 0/0"}),
        "grad_check_mean": Mistake(
            BUG_GC_MEAN, {"test_grad_check"}, {"test_grad_check": "the mean over the entries"}),
        "adam_no_bias_correction": Mistake(
            {"adam_step": BUG_ADAM_NO_BIAS_CORRECTION}, {"test_adam_step", "test_train_history"},
            {"test_adam_step": "no bias correction", "test_train_history": "Adam without bias correction"}),
        "adam_state_corrected": Mistake(
            {"adam_step": BUG_ADAM_STATE_CORRECTED}, {"test_adam_step", "test_train_history",
             "test_train_overfits_a_tiny_batch", "test_train_mnist"},
            {"test_adam_step": "the bias-corrected m-hat as the new state"}),
        "cosine_no_half": Mistake(
            {"cosine_decay": BUG_COSINE_NO_HALF}, {"test_cosine_decay"} | TRAIN,
            {"test_cosine_decay": "without the 1/2 (1 + ...)"}),
        "cosine_no_lr_min": Mistake(
            {"cosine_decay": BUG_COSINE_NO_LR_MIN}, {"test_cosine_decay", "test_train_history"},
            {"test_cosine_decay": "forgetting lr_min"}),
        "train_no_decay": Mistake(
            BUG_TRAIN_NO_DECAY, {"test_train_history", "test_train_minibatches"},
            {"test_train_history": "no decay applied"}),
        "train_decay_per_epoch": Mistake(
            BUG_TRAIN_PER_EPOCH, {"test_train_minibatches"},
            {"test_train_minibatches": "yours changes only once per epoch"}),
        "train_no_shuffle": Mistake(
            BUG_TRAIN_NO_SHUFFLE, {"test_train_minibatches"}, {"test_train_minibatches": "train drew nothing from rng"}),
        "train_np_random": Mistake(
            BUG_TRAIN_NP_RANDOM, {"test_train_minibatches"}, {"test_train_minibatches": "never with np.random"}),
        "train_shuffle_once": Mistake(
            BUG_TRAIN_SHUFFLE_ONCE, {"test_train_minibatches"},
            {"test_train_minibatches": "one random order drawn once and reused in every epoch"}),
        "train_adam_step_reset": Mistake(
            BUG_TRAIN_T_RESET, {"test_train_history"},
            {"test_train_history": "step number t restarted at 1 every epoch"}),
        "train_t_from_0": Mistake(
            BUG_TRAIN_T_FROM_0, TRAIN, {"test_train_history": "Is Adam's step number t = 1 at the first update"}),
        "train_shuffles_x_in_place": Mistake(
            BUG_TRAIN_SHUFFLES_X, TRAIN, {"test_train_minibatches": "modified its argument"}),
        "settings_missing_key": Mistake(
            {"capstone_settings": BUG_SETTINGS_MISSING}, {"test_capstone_settings"},
            {"test_capstone_settings": "missing: ['lr_min']"}),
        "settings_over_budget": Mistake(
            {"capstone_settings": BUG_SETTINGS_TOO_BIG}, {"test_capstone_settings"},
            {"test_capstone_settings": "more than the 8e11 that fit in 2 minutes"}),
    },
)
