"""ch03_batch_norm: the record of the chapter, with the correct and wrong answers its grading tests use.

Every variant's backward only ever receives the cache of the same variant's forward.
"""

from chapters import Chapter, Mistake

# ----------------------------------------------------------------------------- alternative correct code
# Forward with np.var and a dict cache; backward through the full computational graph, node by node.
ALT_FORWARD_DICT = '''
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu = np.mean(x, axis=0)
    var = np.var(x, axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (x - mu) * inv_std
    cache = {"x": x, "mu": mu, "var": var, "eps": eps, "gamma": gamma, "xhat": xhat}
    return xhat * gamma + beta, cache
'''

ALT_BACKWARD_GRAPH = '''
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
'''

# The solution's forward (cache = (xhat, gamma, std, centred)) with the compact formula written with sums.
ALT_BACKWARD_SUMS = '''
def batchnorm_backward(dout, cache):
    xhat, gamma, std, _ = cache
    N = dout.shape[0]
    dxhat = gamma * dout
    dx = (N * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) / (N * std)
    return dx, (xhat * dout).sum(axis=0), dout.sum(axis=0)
'''

# A cache that is an object of the student's own class (no __eq__), and np.einsum.
ALT_FORWARD_OBJECT = '''
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
'''

ALT_BACKWARD_OBJECT = '''
def batchnorm_backward(dout, cache):
    c = cache
    dgamma = np.einsum("nd,nd->d", dout, c.xhat)
    dbeta = dout.sum(axis=0)
    dxhat = dout * c.gamma
    # through the mean and the variance routes, the CS231n way
    dvar = np.sum(dxhat * c.xc, axis=0) * -0.5 * c.std ** -3
    dmu = -np.sum(dxhat, axis=0) / c.std + dvar * -2.0 * np.mean(c.xc, axis=0)
    dx = dxhat / c.std + dvar * 2.0 * c.xc / c.n + dmu / c.n
    return dx, dgamma, dbeta
'''

ALT_DX_SUMS = '''
def batchnorm_dx_simplified(dxhat, xhat, std):
    n = dxhat.shape[0]
    return (n * dxhat - dxhat.sum(axis=0) - xhat * np.einsum("nd,nd->d", dxhat, xhat)) / (n * std)
'''

# Computes the batch statistics itself (does not call batchnorm_forward); test mode returns the same arrays.
ALT_RUNNING_DIRECT = '''
def batchnorm_forward_running(x, gamma, beta, running_mean, running_var, train, momentum=0.9, eps=1e-5):
    if not train:
        return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta, running_mean, running_var
    mu = x.mean(axis=0)
    var = ((x - mu) ** 2).mean(axis=0)
    out = gamma * (x - mu) / np.sqrt(var + eps) + beta
    running_mean = running_mean + (1 - momentum) * (mu - running_mean)
    running_var = running_var + (1 - momentum) * (var - running_var)
    return out, running_mean, running_var
'''

# One-hot targets and softmax probabilities (instead of log-probabilities), np.dot, a loop for the update,
# and the loss as a Python float.
ALT_NET_STEP_ONE_HOT = '''
def bn_net_step(params, x, t, lr, eps=1e-5):
    N = len(x)
    T = np.eye(params["W2"].shape[1])[t]
    a = np.dot(x, params["W1"]) + params["b1"]
    z, cache = batchnorm_forward(a, params["gamma"], params["beta"], eps=eps)
    h = 1.0 / (1.0 + np.exp(-z))
    s = np.dot(h, params["W2"]) + params["b2"]
    e = np.exp(s - s.max(axis=1, keepdims=True))
    y = e / e.sum(axis=1, keepdims=True)
    loss = -np.sum(T * np.log(y)) / N
    ds = (y - T) / N
    da, dg, dbe = batchnorm_backward(np.dot(ds, params["W2"].T) * h * (1.0 - h), cache)
    grads = {"W1": np.dot(x.T, da), "b1": np.sum(da, axis=0), "gamma": dg, "beta": dbe,
             "W2": np.dot(h.T, ds), "b2": np.sum(ds, axis=0)}
    new = {}
    for k, v in params.items():
        new[k] = v - lr * grads[k]
    return float(loss), grads, new
'''

ALT_QUIZ_NOTE = '''
zero_biases = "2"
logit_ratio = np.sqrt(2 / 30) / 0.02
hidden_ratio = "1"
'''

ALT_QUIZ_EFFECTS = '''
answer_bn_effects = "F, a, C"
'''

ALT_QUIZ_EDGES = '''
out_single = np.array([-1, 3])
abs_xhat_pair = "1"
grad_factor = np.float32(0.25)
step_factor = "0.0625"
'''

# ----------------------------------------------------------------------------- the mistakes
BUG_UNBIASED = '''
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    var = x.var(axis=0, ddof=1)
    std = np.sqrt(var + eps)
    xhat = (x - mu) / std
    return gamma * xhat + beta, (xhat, gamma, std, x - mu)
'''

BUG_EPS_OUTSIDE = '''
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    std = np.sqrt(x.var(axis=0)) + eps
    xhat = (x - mu) / std
    return gamma * xhat + beta, (xhat, gamma, std, x - mu)
'''

BUG_AXIS1 = '''
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=1, keepdims=True)
    std = np.sqrt(x.var(axis=1, keepdims=True) + eps)
    xhat = (x - mu) / std
    return gamma * xhat + beta, (xhat, gamma, std, x - mu)
'''

BUG_SWAP_GAMMA_BETA = '''
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    std = np.sqrt(x.var(axis=0) + eps)
    xhat = (x - mu) / std
    return beta * xhat + gamma, (xhat, gamma, std, x - mu)
'''


def _backward_bug(comment: str, dx: str, dgamma: str = "np.sum(dout * xhat, axis=0)",
                  dbeta: str = "np.sum(dout, axis=0)") -> str:
    return f'''
def batchnorm_backward(dout, cache):
    # {comment}
    xhat, gamma, std, _ = cache
    n = dout.shape[0]
    dxhat = dout * gamma
    dx = {dx}
    return dx, {dgamma}, {dbeta}
'''


_RIGHT_DX = "(dxhat - dxhat.mean(axis=0) - xhat * np.mean(dxhat * xhat, axis=0)) / std"
BUG_NAIVE_BACKWARD = _backward_bug("the direct route only", "dxhat / std")
BUG_MEAN_ROUTE_ONLY = _backward_bug("no variance route", "(dxhat - dxhat.mean(axis=0)) / std")
BUG_VARIANCE_ROUTE_ONLY = _backward_bug("no mean route", "(dxhat - xhat * np.mean(dxhat * xhat, axis=0)) / std")
BUG_NO_GAMMA = _backward_bug("dout instead of dout * gamma",
                             "(dout - dout.mean(axis=0) - xhat * np.mean(dout * xhat, axis=0)) / std")
BUG_MISSING_1_OVER_N = _backward_bug("sums where means belong",
                                     "(dxhat - dxhat.sum(axis=0) - xhat * np.sum(dxhat * xhat, axis=0)) / std")
BUG_SWAPPED_PARAM_GRADS = _backward_bug("dgamma and dbeta swapped", _RIGHT_DX, dgamma="np.sum(dout, axis=0)",
                                        dbeta="np.sum(dout * xhat, axis=0)")
BUG_DGAMMA_MEAN = _backward_bug("dgamma averaged", _RIGHT_DX, dgamma="np.mean(dout * xhat, axis=0)")


def _dx_bug(comment: str, expression: str) -> str:
    return f'''
def batchnorm_dx_simplified(dxhat, xhat, std):
    # {comment}
    return {expression}
'''


BUG_DX_NAIVE = _dx_bug("direct route only", "dxhat / std")
BUG_DX_NO_VARIANCE = _dx_bug("no variance term", "(dxhat - dxhat.mean(axis=0)) / std")
BUG_DX_NO_MEAN = _dx_bug("no mean term", "(dxhat - xhat * (dxhat * xhat).mean(axis=0)) / std")
BUG_DX_SUMS = _dx_bug("sums instead of means", "(dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) / std")
BUG_DX_TIMES_STD = _dx_bug("times std", "(dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0)) * std")


def _running_bug(comment: str, train_mean: str, train_var: str, test: str) -> str:
    return f'''
def batchnorm_forward_running(x, gamma, beta, running_mean, running_var, train, momentum=0.9, eps=1e-5):
    # {comment}
    mu, var = x.mean(axis=0), x.var(axis=0)
    if train:
        out = gamma * (x - mu) / np.sqrt(var + eps) + beta
        return out, {train_mean}, {train_var}
    {test}
'''


_TEST_OK = "return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta, running_mean, running_var"
_MEAN_OK = "momentum * running_mean + (1 - momentum) * mu"
_VAR_OK = "momentum * running_var + (1 - momentum) * var"
BUG_RUNNING_PYTORCH = _running_bug("PyTorch's momentum", "(1 - momentum) * running_mean + momentum * mu",
                                   "(1 - momentum) * running_var + momentum * var", _TEST_OK)
BUG_RUNNING_UNBIASED = _running_bug("the unbiased variance averaged", _MEAN_OK,
                                    "momentum * running_var + (1 - momentum) * x.var(axis=0, ddof=1)", _TEST_OK)
BUG_RUNNING_STD = _running_bug("the std averaged", _MEAN_OK,
                               "momentum * running_var + (1 - momentum) * np.sqrt(var)", _TEST_OK)
BUG_RUNNING_NO_UPDATE = _running_bug("no update", "running_mean", "running_var", _TEST_OK)
BUG_RUNNING_FIXED_MOMENTUM = _running_bug("0.9 written in", "0.9 * running_mean + 0.1 * mu", "0.9 * running_var + 0.1 * var",
                                          _TEST_OK)
BUG_RUNNING_BATCH_STATS_AT_TEST = _running_bug(
    "test mode with the batch statistics", _MEAN_OK, _VAR_OK,
    "return gamma * (x - mu) / np.sqrt(var + eps) + beta, running_mean, running_var")
BUG_RUNNING_UPDATE_AT_TEST = '''
def batchnorm_forward_running(x, gamma, beta, running_mean, running_var, train, momentum=0.9, eps=1e-5):
    # the running statistics are updated in both modes (after normalising)
    mu, var = x.mean(axis=0), x.var(axis=0)
    if train:
        out = gamma * (x - mu) / np.sqrt(var + eps) + beta
    else:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
    return out, momentum * running_mean + (1 - momentum) * mu, momentum * running_var + (1 - momentum) * var
'''
BUG_RUNNING_VAR_NOT_STD = _running_bug("divides by the running variance", _MEAN_OK, _VAR_OK,
                                       "return gamma * (x - running_mean) / (running_var + eps) + beta, running_mean, "
                                       "running_var")

def _step_bug(comment: str, *, forward: str | None = None, backward: str | None = None, new: str | None = None,
              after: str = "") -> str:
    """A NumPy-only bn_net_step with the student's batch norm, one part replaced."""
    forward = forward or ("a = x @ params['W1'] + params['b1']\n"
                          "    z, cb = batchnorm_forward(a, params['gamma'], params['beta'], eps)\n"
                          "    h = 1.0 / (1.0 + np.exp(-z))")
    backward = backward or "da, dgamma, dbeta = batchnorm_backward(dh * h * (1.0 - h), cb)"
    new = new or "{k: params[k] - lr * grads[k] for k in grads}"
    return f"""
def bn_net_step(params, x, t, lr, eps=1e-5):
    # {comment}
    n = x.shape[0]
    {forward}
    s = h @ params['W2'] + params['b2']
    s = s - s.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(n), t].mean()
    ds = np.exp(logp)
    ds[np.arange(n), t] -= 1.0
    ds /= n
    dh = ds @ params['W2'].T
    {backward}
    grads = {{"W1": x.T @ da, "b1": da.sum(axis=0), "gamma": dgamma, "beta": dbeta, "W2": h.T @ ds,
             "b2": ds.sum(axis=0)}}
    new_params = {new}
    {after}
    return loss, grads, new_params
"""


BUG_STEP_BN_AFTER_SIGMOID = _step_bug(
    "batch norm after the sigmoid",
    forward="a = x @ params['W1'] + params['b1']\n"
            "    sg = 1.0 / (1.0 + np.exp(-a))\n"
            "    h, cb = batchnorm_forward(sg, params['gamma'], params['beta'], eps)",
    backward="dsg, dgamma, dbeta = batchnorm_backward(dh, cb)\n"
             "    da = dsg * sg * (1.0 - sg)")
BUG_STEP_NO_BN_BACKWARD = _step_bug(
    "the gradient passed straight through batch norm",
    backward="dz = dh * h * (1.0 - h)\n"
             "    _, dgamma, dbeta = batchnorm_backward(dz, cb)\n"
             "    da = dz")
BUG_STEP_NO_SIGMOID_GRAD = _step_bug("no sigmoid derivative", backward="da, dgamma, dbeta = batchnorm_backward(dh, cb)")
BUG_STEP_NO_1_OVER_N = _step_bug(
    "dlogits = y - T, without the 1/N",
    backward="ds = ds * n\n"
             "    dh = ds @ params['W2'].T\n"
             "    da, dgamma, dbeta = batchnorm_backward(dh * h * (1.0 - h), cb)")
BUG_STEP_SUM_LOSS = _step_bug("the loss summed over the batch", after="loss = loss * n")
BUG_STEP_LOSS_AFTER_UPDATE = _step_bug(
    "the loss after the update",
    after="p = new_params\n"
          "    z2, _ = batchnorm_forward(x @ p['W1'] + p['b1'], p['gamma'], p['beta'], eps)\n"
          "    s2 = (1.0 / (1.0 + np.exp(-z2))) @ p['W2'] + p['b2']\n"
          "    s2 = s2 - s2.max(axis=1, keepdims=True)\n"
          "    loss = -(s2 - np.log(np.exp(s2).sum(axis=1, keepdims=True)))[np.arange(n), t].mean()")
BUG_STEP_ASCENT = _step_bug("a step uphill", new="{k: params[k] + lr * grads[k] for k in grads}")
BUG_STEP_NOTE_LOOP = _step_bug(
    "the course note's loop: W and b only",
    new="{k: (params[k] - lr * grads[k] if k[0] in 'Wb' and k != 'beta' else params[k].copy()) for k in grads}")
BUG_STEP_IN_PLACE = _step_bug(
    "updates params in place", new="params\n    for k in grads:\n        params[k] -= lr * grads[k]")


# The network step uses the student's batch norm: a wrong forward or backward fails its three cells, with a
# message sending the student back to the function to fix first.
_STEP_CELLS = {"test_bn_net_step_values", "test_bn_net_step_update", "test_bn_net_step_predictions"}


def _fix_first(function: str) -> dict:
    return {cell: f"Fix {function} first" for cell in _STEP_CELLS}


CHAPTER = Chapter(
    name="ch03_batch_norm",
    title="バッチ正規化: forward, backward (node by node, then simplified), running statistics; the course note's MNIST experiment with and without batch norm, over the learning rate",
    topic="batchnorm",
    points=25,
    exercises={
        "batchnorm_forward": ("test_batchnorm_forward_shapes", "test_batchnorm_forward_values",
                              "test_batchnorm_forward_statistics", "test_batchnorm_forward_float32"),
        "batchnorm_backward": ("test_batchnorm_backward_dx", "test_batchnorm_backward_dx_invariants",
                               "test_batchnorm_backward_dgamma_dbeta"),
        "batchnorm_dx_simplified": ("test_batchnorm_dx_simplified_values", "test_batchnorm_dx_simplified_invariants"),
        "batchnorm_forward_running": ("test_batchnorm_forward_running_train", "test_batchnorm_forward_running_test",
                                      "test_batchnorm_forward_running_sequence"),
        "bn_net_step": ("test_bn_net_step_values", "test_bn_net_step_update", "test_bn_net_step_predictions"),
        "quiz_batchnorm_effects": ("test_quiz_batchnorm_effects",),
        "quiz_batchnorm_edge_cases": ("test_quiz_batchnorm_edge_cases_small_batches",
                                      "test_quiz_batchnorm_edge_cases_scale"),
        "quiz_note_experiment": ("test_quiz_note_experiment_biases", "test_quiz_note_experiment_scale"),
    },
    correct={
        "solution": {},
        "alt_dict_cache_full_graph": {"batchnorm_forward": ALT_FORWARD_DICT, "batchnorm_backward": ALT_BACKWARD_GRAPH},
        "alt_backward_with_sums": {"batchnorm_backward": ALT_BACKWARD_SUMS},
        "alt_object_cache_cs231n_routes": {"batchnorm_forward": ALT_FORWARD_OBJECT,
                                           "batchnorm_backward": ALT_BACKWARD_OBJECT},
        "alt_dx_with_sums": {"batchnorm_dx_simplified": ALT_DX_SUMS},
        "alt_running_direct": {"batchnorm_forward_running": ALT_RUNNING_DIRECT},
        "alt_net_step_one_hot": {"bn_net_step": ALT_NET_STEP_ONE_HOT},
        "alt_quizzes": {"quiz_batchnorm_effects": ALT_QUIZ_EFFECTS, "quiz_batchnorm_edge_cases": ALT_QUIZ_EDGES,
                        "quiz_note_experiment": ALT_QUIZ_NOTE},
    },
    mistakes={
        # backward reads the (wrong) cache of this forward, so the gradient cells fail as well
        "unbiased_variance": Mistake(
            {"batchnorm_forward": BUG_UNBIASED},
            {"test_batchnorm_forward_values", "test_batchnorm_forward_statistics", "test_batchnorm_backward_dx",
             "test_batchnorm_backward_dx_invariants", "test_batchnorm_backward_dgamma_dbeta"} | _STEP_CELLS,
            {"test_batchnorm_forward_values": "the unbiased variance",
             "test_batchnorm_forward_statistics": "the unbiased variance",
             "test_batchnorm_backward_dx": "Fix batchnorm_forward first",
             "test_batchnorm_backward_dgamma_dbeta": "Fix batchnorm_forward first",
             **_fix_first("batchnorm_forward")}),
        "eps_outside_sqrt": Mistake(
            {"batchnorm_forward": BUG_EPS_OUTSIDE},
            {"test_batchnorm_forward_values", "test_batchnorm_backward_dx",
             "test_batchnorm_backward_dgamma_dbeta"} | _STEP_CELLS,
            {"test_batchnorm_forward_values": "adding eps outside the square root",
             **_fix_first("batchnorm_forward")}),
        "normalising_rows": Mistake(
            {"batchnorm_forward": BUG_AXIS1},
            {"test_batchnorm_forward_values", "test_batchnorm_forward_statistics", "test_batchnorm_backward_dx",
             "test_batchnorm_backward_dx_invariants", "test_batchnorm_backward_dgamma_dbeta"} | _STEP_CELLS,
            {"test_batchnorm_forward_values": "axis=1",
             **_fix_first("batchnorm_forward")}),
        "gamma_beta_swapped": Mistake(
            {"batchnorm_forward": BUG_SWAP_GAMMA_BETA},
            {"test_batchnorm_forward_values", "test_batchnorm_forward_statistics", "test_batchnorm_backward_dx",
             "test_batchnorm_backward_dx_invariants", "test_batchnorm_backward_dgamma_dbeta"} | _STEP_CELLS,
            {"test_batchnorm_forward_values": "swapping gamma and beta",
             **_fix_first("batchnorm_forward")}),
        "backward_direct_route_only": Mistake(
            {"batchnorm_backward": BUG_NAIVE_BACKWARD},
            {"test_batchnorm_backward_dx", "test_batchnorm_backward_dx_invariants"} | _STEP_CELLS,
            {"test_batchnorm_backward_dx": "ignoring the mean and variance routes",
             "test_batchnorm_backward_dx_invariants": "The mean route is missing",
             **_fix_first("batchnorm_backward")}),
        "backward_no_variance_route": Mistake(
            {"batchnorm_backward": BUG_MEAN_ROUTE_ONLY},
            {"test_batchnorm_backward_dx", "test_batchnorm_backward_dx_invariants"} | _STEP_CELLS,
            {"test_batchnorm_backward_dx": "ignoring the variance route",
             "test_batchnorm_backward_dx_invariants": "The variance route is missing",
             **_fix_first("batchnorm_backward")}),
        "backward_no_mean_route": Mistake(
            {"batchnorm_backward": BUG_VARIANCE_ROUTE_ONLY},
            {"test_batchnorm_backward_dx", "test_batchnorm_backward_dx_invariants"} | _STEP_CELLS,
            {"test_batchnorm_backward_dx": "ignoring the mean route",
             "test_batchnorm_backward_dx_invariants": "The mean route is missing",
             **_fix_first("batchnorm_backward")}),
        "backward_forgets_gamma": Mistake(
            {"batchnorm_backward": BUG_NO_GAMMA}, {"test_batchnorm_backward_dx"} | _STEP_CELLS,
            {"test_batchnorm_backward_dx": "forgetting gamma",
             **_fix_first("batchnorm_backward")}),
        "backward_missing_1_over_n": Mistake(
            {"batchnorm_backward": BUG_MISSING_1_OVER_N},
            {"test_batchnorm_backward_dx", "test_batchnorm_backward_dx_invariants"} | _STEP_CELLS,
            {"test_batchnorm_backward_dx": "forgetting the 1/N",
             **_fix_first("batchnorm_backward")}),
        "dgamma_dbeta_swapped": Mistake(
            {"batchnorm_backward": BUG_SWAPPED_PARAM_GRADS}, {"test_batchnorm_backward_dgamma_dbeta"} | _STEP_CELLS,
            {"test_batchnorm_backward_dgamma_dbeta": "swapped",
             **_fix_first("batchnorm_backward")}),
        "dgamma_averaged": Mistake(
            {"batchnorm_backward": BUG_DGAMMA_MEAN}, {"test_batchnorm_backward_dgamma_dbeta"} | _STEP_CELLS,
            {"test_batchnorm_backward_dgamma_dbeta": "averaging instead of summing",
             **_fix_first("batchnorm_backward")}),
        "simplified_direct_only": Mistake(
            {"batchnorm_dx_simplified": BUG_DX_NAIVE},
            {"test_batchnorm_dx_simplified_values", "test_batchnorm_dx_simplified_invariants"},
            {"test_batchnorm_dx_simplified_values": "the direct route only",
             "test_batchnorm_dx_simplified_invariants": "The mean term is missing"}),
        "simplified_no_variance_term": Mistake(
            {"batchnorm_dx_simplified": BUG_DX_NO_VARIANCE},
            {"test_batchnorm_dx_simplified_values", "test_batchnorm_dx_simplified_invariants"},
            {"test_batchnorm_dx_simplified_values": "dropping the variance term",
             "test_batchnorm_dx_simplified_invariants": "The variance term is missing"}),
        "simplified_no_mean_term": Mistake(
            {"batchnorm_dx_simplified": BUG_DX_NO_MEAN},
            {"test_batchnorm_dx_simplified_values", "test_batchnorm_dx_simplified_invariants"},
            {"test_batchnorm_dx_simplified_values": "dropping the mean term",
             "test_batchnorm_dx_simplified_invariants": "The mean term is missing"}),
        "simplified_sums": Mistake(
            {"batchnorm_dx_simplified": BUG_DX_SUMS},
            {"test_batchnorm_dx_simplified_values", "test_batchnorm_dx_simplified_invariants"},
            {"test_batchnorm_dx_simplified_values": "a missing 1/N"}),
        "simplified_times_std": Mistake(
            {"batchnorm_dx_simplified": BUG_DX_TIMES_STD}, {"test_batchnorm_dx_simplified_values"},
            {"test_batchnorm_dx_simplified_values": "multiplying by std instead of dividing"}),
        "running_pytorch_momentum": Mistake(
            {"batchnorm_forward_running": BUG_RUNNING_PYTORCH},
            {"test_batchnorm_forward_running_train", "test_batchnorm_forward_running_sequence"},
            {"test_batchnorm_forward_running_train": "PyTorch's convention",
             "test_batchnorm_forward_running_sequence": "PyTorch's convention"}),
        "running_unbiased_variance": Mistake(
            {"batchnorm_forward_running": BUG_RUNNING_UNBIASED},
            {"test_batchnorm_forward_running_train", "test_batchnorm_forward_running_sequence"},
            {"test_batchnorm_forward_running_train": "the unbiased batch variance",
             "test_batchnorm_forward_running_sequence": "the unbiased batch variance"}),
        "running_std_averaged": Mistake(
            {"batchnorm_forward_running": BUG_RUNNING_STD},
            {"test_batchnorm_forward_running_train", "test_batchnorm_forward_running_sequence"},
            {"test_batchnorm_forward_running_train": "averaging the batch standard deviation"}),
        "running_never_updated": Mistake(
            {"batchnorm_forward_running": BUG_RUNNING_NO_UPDATE},
            {"test_batchnorm_forward_running_train", "test_batchnorm_forward_running_sequence"},
            {"test_batchnorm_forward_running_train": "no update of the running statistics"}),
        "running_momentum_ignored": Mistake(
            {"batchnorm_forward_running": BUG_RUNNING_FIXED_MOMENTUM}, {"test_batchnorm_forward_running_train"},
            {"test_batchnorm_forward_running_train": "ignoring the momentum argument"}),
        "running_batch_stats_at_test": Mistake(
            {"batchnorm_forward_running": BUG_RUNNING_BATCH_STATS_AT_TEST},
            {"test_batchnorm_forward_running_test", "test_batchnorm_forward_running_sequence"},
            {"test_batchnorm_forward_running_test": "normalising with the statistics of the test batch"}),
        "running_updated_at_test": Mistake(
            {"batchnorm_forward_running": BUG_RUNNING_UPDATE_AT_TEST}, {"test_batchnorm_forward_running_test"},
            {"test_batchnorm_forward_running_test": "updating the running statistics in test mode"}),
        "running_divides_by_variance": Mistake(
            {"batchnorm_forward_running": BUG_RUNNING_VAR_NOT_STD},
            {"test_batchnorm_forward_running_test", "test_batchnorm_forward_running_sequence"},
            {"test_batchnorm_forward_running_test": "dividing by running_var instead of its square root"}),
        "step_bn_after_sigmoid": Mistake(
            {"bn_net_step": BUG_STEP_BN_AFTER_SIGMOID},
            {"test_bn_net_step_values", "test_bn_net_step_predictions"},
            {"test_bn_net_step_values": "batch norm after the sigmoid",
             "test_bn_net_step_predictions": "should be 0 up to rounding"}),
        "step_no_bn_backward": Mistake(
            {"bn_net_step": BUG_STEP_NO_BN_BACKWARD},
            {"test_bn_net_step_values", "test_bn_net_step_predictions"},
            {"test_bn_net_step_values": "passing the gradient straight through batch norm",
             "test_bn_net_step_predictions": "should be 0 up to rounding"}),
        "step_no_sigmoid_derivative": Mistake(
            {"bn_net_step": BUG_STEP_NO_SIGMOID_GRAD}, {"test_bn_net_step_values"},
            {"test_bn_net_step_values": "forgetting the sigmoid's derivative"}),
        "step_loss_after_update": Mistake(
            {"bn_net_step": BUG_STEP_LOSS_AFTER_UPDATE}, {"test_bn_net_step_values", "test_bn_net_step_predictions"},
            {"test_bn_net_step_values": "the loss after the update"}),
        "step_uphill": Mistake(
            {"bn_net_step": BUG_STEP_ASCENT}, {"test_bn_net_step_update"},
            {"test_bn_net_step_update": "a step uphill"}),
        "step_note_loop": Mistake(
            {"bn_net_step": BUG_STEP_NOTE_LOOP}, {"test_bn_net_step_update"},
            {"test_bn_net_step_update": "the course note's loop leaves gamma and beta alone"}),
        "step_in_place": Mistake(
            {"bn_net_step": BUG_STEP_IN_PLACE}, _STEP_CELLS, {cell: "modified" for cell in _STEP_CELLS}),
        "step_no_1_over_n": Mistake(
            {"bn_net_step": BUG_STEP_NO_1_OVER_N}, {"test_bn_net_step_values"},
            {"test_bn_net_step_values": "forgetting the 1/N of the mean loss"}),
        "step_summed_loss": Mistake(
            {"bn_net_step": BUG_STEP_SUM_LOSS}, {"test_bn_net_step_values"},
            {"test_bn_net_step_values": "the sum over the batch instead of the mean"}),
        "quiz_note_all_biases_learn": Mistake(
            {"quiz_note_experiment": "zero_biases = 0\nlogit_ratio = 12.91\nhidden_ratio = 1"},
            {"test_quiz_note_experiment_biases"},
            {"test_quiz_note_experiment_biases": "their gradient is exactly 0"}),
        "quiz_note_b3_too": Mistake(
            {"quiz_note_experiment": "zero_biases = 3\nlogit_ratio = 12.91\nhidden_ratio = 1"},
            {"test_quiz_note_experiment_biases"},
            {"test_quiz_note_experiment_biases": "b3 is followed by the softmax"}),
        "quiz_note_logits_normalised": Mistake(
            {"quiz_note_experiment": "zero_biases = 2\nlogit_ratio = 1\nhidden_ratio = 1"},
            {"test_quiz_note_experiment_scale"},
            {"test_quiz_note_experiment_scale": "the last affine layer has no batch norm after it"}),
        "quiz_note_product_of_ratios": Mistake(
            {"quiz_note_experiment": "zero_biases = 2\nlogit_ratio = 326.0\nhidden_ratio = 25.25"},
            {"test_quiz_note_experiment_scale"},
            {"test_quiz_note_experiment_scale": "batch norm cancels the first two"}),
        "quiz_note_hidden_scaled": Mistake(
            {"quiz_note_experiment": "zero_biases = 2\nlogit_ratio = 12.91\nhidden_ratio = 12.91"},
            {"test_quiz_note_experiment_scale"},
            {"test_quiz_note_experiment_scale": "the hidden outputs come before W3"}),
        "quiz_effects_fixed_distribution": Mistake(
            {"quiz_batchnorm_effects": 'answer_bn_effects = {"a", "b", "c", "f"}'}, {"test_quiz_batchnorm_effects"},
            {"test_quiz_batchnorm_effects": "overstates it"}),
        "quiz_effects_batch_stats_at_test": Mistake(
            {"quiz_batchnorm_effects": 'answer_bn_effects = {"a", "c", "d", "f"}'}, {"test_quiz_batchnorm_effects"},
            {"test_quiz_batchnorm_effects": "running mean and variance"}),
        "quiz_effects_no_learning_rate": Mistake(
            {"quiz_batchnorm_effects": 'answer_bn_effects = ["a", "c", "e", "f"]'}, {"test_quiz_batchnorm_effects"},
            {"test_quiz_batchnorm_effects": "a learning rate is still needed"}),
        "quiz_effects_missing_scale_invariance": Mistake(
            {"quiz_batchnorm_effects": 'answer_bn_effects = {"c", "f"}'}, {"test_quiz_batchnorm_effects"},
            {"test_quiz_batchnorm_effects": "scaling W scales the pre-activations"}),
        "quiz_single_example_zero": Mistake(
            {"quiz_batchnorm_edge_cases": "out_single = [0.0, 0.0]\nabs_xhat_pair = 1.0\ngrad_factor = 0.25\n"
                                          "step_factor = 0.0625"},
            {"test_quiz_batchnorm_edge_cases_small_batches"},
            {"test_quiz_batchnorm_edge_cases_small_batches": "beta still shifts it"}),
        "quiz_pair_unbiased": Mistake(
            {"quiz_batchnorm_edge_cases": "out_single = [-1.0, 3.0]\nabs_xhat_pair = 2 ** -0.5\ngrad_factor = 0.25\n"
                                          "step_factor = 0.0625"},
            {"test_quiz_batchnorm_edge_cases_small_batches"},
            {"test_quiz_batchnorm_edge_cases_small_batches": "the unbiased standard deviation"}),
        "quiz_gradient_unchanged": Mistake(
            {"quiz_batchnorm_edge_cases": "out_single = [-1.0, 3.0]\nabs_xhat_pair = 1.0\ngrad_factor = 1.0\n"
                                          "step_factor = 0.25"},
            {"test_quiz_batchnorm_edge_cases_scale"},
            {"test_quiz_batchnorm_edge_cases_scale": "the gradient with respect to W does"}),
        "quiz_step_like_gradient": Mistake(
            {"quiz_batchnorm_edge_cases": "out_single = [-1.0, 3.0]\nabs_xhat_pair = 1.0\ngrad_factor = 0.25\n"
                                          "step_factor = 0.25"},
            {"test_quiz_batchnorm_edge_cases_scale"},
            {"test_quiz_batchnorm_edge_cases_scale": "W also grew by 4"}),
    },
)
