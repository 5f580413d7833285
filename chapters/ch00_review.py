"""ch00_review: the record of the chapter, with the correct and wrong answers its grading tests use."""

from chapters import Chapter, Mistake

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
    # the book's version (the one a learner's report calls correct)
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

ALT_AFFINE_EINSUM = '''
def affine_backward(dout, x, W):
    dx = np.einsum("nj,ij->ni", dout, W)
    dW = np.einsum("ni,nj->ij", x, dout)
    db = np.einsum("nj->j", dout)
    return dx, dW, db
'''

ALT_AFFINE_DOT = '''
def affine_backward(dout, x, W):
    return np.dot(dout, W.T), np.dot(x.T, dout), np.sum(dout, axis=0)
'''

ALT_SIGMOID_BACKWARD = '''
def sigmoid_backward(dout, z):
    return dout * (z - z ** 2)
'''

ALT_THREE_LAYER_LOOP = '''
def three_layer_backward(params, x, t, cache):
    # the same walk written as a loop over the layers, with the student's own functions
    inputs = {1: x, 2: cache["z1"], 3: cache["z2"]}
    grads = {}
    d = softmax_cross_entropy_backward(cache["y"], t)          # dE/du3
    for layer in (3, 2, 1):
        d_in, grads[f"W{layer}"], grads[f"b{layer}"] = affine_backward(d, inputs[layer], params[f"W{layer}"])
        if layer > 1:
            d = sigmoid_backward(d_in, inputs[layer])          # the input of layer l is the output of l - 1
    return grads
'''

# ----------------------------------------------------------------------------- the mistakes
BUG_BATCHED_SOFTMAX = '''
def softmax(x):
    # the batched-softmax bug of a learner's report: normalises over the whole batch
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

BUG_THREE_LAYER_NOTE = '''
def three_layer_backward(params, x, t, cache):
    # the course note's code: d_sigmoid applied to z, the activation OUTPUT
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

BUG_THREE_LAYER_U_TO_SIGMOID_BACKWARD = '''
def three_layer_backward(params, x, t, cache):
    # the pre-activation u handed to sigmoid_backward, which expects the output z
    grads = {}
    du3 = softmax_cross_entropy_backward(cache["y"], t)
    dz2, grads["W3"], grads["b3"] = affine_backward(du3, cache["z2"], params["W3"])
    du2 = sigmoid_backward(dz2, cache["u2"])
    dz1, grads["W2"], grads["b2"] = affine_backward(du2, cache["z1"], params["W2"])
    du1 = sigmoid_backward(dz1, cache["u1"])
    _, grads["W1"], grads["b1"] = affine_backward(du1, x, params["W1"])
    return grads
'''

BUG_THREE_LAYER_WRONG_INPUT = '''
def three_layer_backward(params, x, t, cache):
    # each weight gradient paired with the OUTPUT of its own layer instead of its input
    grads = {}
    du3 = softmax_cross_entropy_backward(cache["y"], t)
    dz2, _, grads["b3"] = affine_backward(du3, cache["z2"], params["W3"])
    grads["W3"] = cache["y"].T @ du3
    du2 = sigmoid_backward(dz2, cache["z2"])
    dz1, _, grads["b2"] = affine_backward(du2, cache["z1"], params["W2"])
    grads["W2"] = cache["z2"].T @ du2
    du1 = sigmoid_backward(dz1, cache["z1"])
    _, _, grads["b1"] = affine_backward(du1, x, params["W1"])
    grads["W1"] = cache["z1"].T @ du1
    return grads
'''

BUG_AFFINE_DB_MEAN = '''
def affine_backward(dout, x, W):
    return dout @ W.T, x.T @ dout, dout.mean(axis=0)
'''

BUG_AFFINE_DB_AXIS1 = '''
def affine_backward(dout, x, W):
    return dout @ W.T, x.T @ dout, dout.sum(axis=1)
'''

BUG_AFFINE_DW_OVER_N = '''
def affine_backward(dout, x, W):
    return dout @ W.T, x.T @ dout / x.shape[0], dout.sum(axis=0)
'''

BUG_AFFINE_DW_TRANSPOSED = '''
def affine_backward(dout, x, W):
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)
'''

BUG_SIGMOID_BACKWARD_NOTE = '''
def sigmoid_backward(dout, z):
    # the course note's d_sigmoid, written for the pre-activation, applied to the output z
    s = 1 / (1 + np.exp(-z))
    return dout * s * (1 - s)
'''

BUG_SIGMOID_BACKWARD_NO_DOUT = '''
def sigmoid_backward(dout, z):
    return z * (1 - z)
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


TL = ("test_three_layer_backward_shapes", "test_three_layer_backward_numerical", "test_three_layer_backward_reference")

CHAPTER = Chapter(
    name="ch00_review",
    title="chain rule, softmax, cross-entropy, backprop of a 3-layer net (one layer at a time)",
    topic="review",
    widgets=False,
    points=34,
    exercises={
        "quiz_chain_rule": ("test_quiz_chain_rule",),
        "numerical_gradient": ("test_numerical_gradient_vector", "test_numerical_gradient_matrix"),
        "softmax": ("test_softmax_vector", "test_softmax_batch", "test_softmax_batch_invariant",
                    "test_softmax_large_logits"),
        "cross_entropy_error": ("test_cross_entropy_error_labels", "test_cross_entropy_error_one_hot",
                                "test_cross_entropy_error_zero_probability"),
        "softmax_cross_entropy_backward": ("test_softmax_cross_entropy_backward_values",
                                           "test_softmax_cross_entropy_backward_one_hot",
                                           "test_softmax_cross_entropy_backward_numerical"),
        "affine_backward": ("test_affine_backward_values", "test_affine_backward_numerical"),
        "sigmoid_backward": ("test_sigmoid_backward_values", "test_sigmoid_backward_numerical"),
        "three_layer_backward": TL,
    },
    correct={
        "solution": {},
        "alt_numgrad_inplace": {"numerical_gradient": ALT_NUMGRAD_INPLACE},
        "alt_numgrad_flat": {"numerical_gradient": ALT_NUMGRAD_FLAT},
        "alt_softmax_book": {"softmax": ALT_SOFTMAX_BOOK},
        "alt_softmax_lse": {"softmax": ALT_SOFTMAX_LSE},
        "alt_ce_onehot": {"cross_entropy_error": ALT_CE_ONEHOT},
        "alt_ce_maximum": {"cross_entropy_error": ALT_CE_MAXIMUM},
        "alt_sce_backward": {"softmax_cross_entropy_backward": ALT_SCE_BACKWARD},
        "alt_affine_einsum": {"affine_backward": ALT_AFFINE_EINSUM},
        "alt_affine_dot": {"affine_backward": ALT_AFFINE_DOT},
        "alt_sigmoid_backward": {"sigmoid_backward": ALT_SIGMOID_BACKWARD},
        "alt_three_layer": {"three_layer_backward": ALT_THREE_LAYER},
        "alt_three_layer_loop": {"three_layer_backward": ALT_THREE_LAYER_LOOP},
        "alt_quiz_string": {"quiz_chain_rule": 'answer_chain_rule = " -5 "'},
        "alt_quiz_int": {"quiz_chain_rule": "answer_chain_rule = -5"},
        "alt_quiz_numpy": {"quiz_chain_rule": "answer_chain_rule = np.float32(2 * (1.5 - 4))"},
    },
    mistakes={
        "batched_softmax": Mistake(
            {"softmax": BUG_BATCHED_SOFTMAX},
            {"test_softmax_batch", "test_softmax_batch_invariant", "test_softmax_large_logits"},
            {"test_softmax_batch": "WHOLE batch", "test_softmax_batch_invariant": "WHOLE batch",
             "test_softmax_large_logits": "WHOLE batch"}),
        "unstable_softmax": Mistake(
            {"softmax": BUG_UNSTABLE_SOFTMAX}, {"test_softmax_large_logits"},
            {"test_softmax_large_logits": "UNSTABLE softmax that overflows"}),
        "softmax_axis0": Mistake(
            {"softmax": BUG_SOFTMAX_AXIS0},
            {"test_softmax_batch", "test_softmax_batch_invariant", "test_softmax_large_logits"},
            {"test_softmax_batch": "along axis 0", "test_softmax_batch_invariant": "along axis 0",
             "test_softmax_large_logits": "along axis 0"}),
        "ce_nan": Mistake(
            {"cross_entropy_error": BUG_CE_NAN}, {"test_cross_entropy_error_zero_probability"},
            {"test_cross_entropy_error_zero_probability": "NaN/inf"}),
        "ce_sum": Mistake(
            {"cross_entropy_error": BUG_CE_SUM},
            {"test_cross_entropy_error_labels", "test_cross_entropy_error_one_hot"},
            {"test_cross_entropy_error_labels": "SUMMING over the batch",
             "test_cross_entropy_error_one_hot": "SUMMING over the batch"}),
        "sce_no_n": Mistake(
            {"softmax_cross_entropy_backward": BUG_SCE_NO_N},
            {"test_softmax_cross_entropy_backward_values", "test_softmax_cross_entropy_backward_one_hot",
             "test_softmax_cross_entropy_backward_numerical", TL[1], TL[2]},
            {"test_softmax_cross_entropy_backward_values": "WITHOUT dividing by the batch size N",
             "test_softmax_cross_entropy_backward_one_hot": "WITHOUT dividing by the batch size N",
             "test_softmax_cross_entropy_backward_numerical": "WITHOUT dividing by the batch size N",
             TL[1]: "not divided by the batch size N", TL[2]: "WITHOUT dividing by the batch size N"}),
        "affine_db_mean": Mistake(
            {"affine_backward": BUG_AFFINE_DB_MEAN},
            {"test_affine_backward_values", "test_affine_backward_numerical", TL[1], TL[2]},
            {"test_affine_backward_values": "MEAN of dout over the batch instead of the SUM"}),
        "affine_db_axis1": Mistake(
            {"affine_backward": BUG_AFFINE_DB_AXIS1},
            {"test_affine_backward_values", "test_affine_backward_numerical", *TL},
            {"test_affine_backward_values": "summing over the units (axis 1)",
             TL[0]: "one entry per unit of its layer"}),
        "affine_dw_over_n": Mistake(
            {"affine_backward": BUG_AFFINE_DW_OVER_N},
            {"test_affine_backward_values", "test_affine_backward_numerical", TL[1], TL[2]},
            {"test_affine_backward_values": "dividing dW by the batch size N"}),
        "affine_dw_transposed": Mistake(
            {"affine_backward": BUG_AFFINE_DW_TRANSPOSED},
            {"test_affine_backward_values", "test_affine_backward_numerical", *TL},
            {"test_affine_backward_values": "axes are swapped", TL[0]: "axes are swapped"}),
        "sigmoid_backward_note": Mistake(
            {"sigmoid_backward": BUG_SIGMOID_BACKWARD_NOTE},
            {"test_sigmoid_backward_values", "test_sigmoid_backward_numerical", TL[1], TL[2]},
            {"test_sigmoid_backward_values": "the course note's mistake",
             TL[1]: "z (the activation OUTPUT", TL[2]: "sigmoid derivative to z (the activation OUTPUT)"}),
        "sigmoid_backward_no_dout": Mistake(
            {"sigmoid_backward": BUG_SIGMOID_BACKWARD_NO_DOUT},
            {"test_sigmoid_backward_values", "test_sigmoid_backward_numerical", TL[1], TL[2]},
            {"test_sigmoid_backward_values": "without the upstream gradient dout"}),
        "three_layer_d_sigmoid_of_z": Mistake(
            {"three_layer_backward": BUG_THREE_LAYER_NOTE},
            {TL[1], TL[2]},
            {TL[1]: "z (the activation OUTPUT", TL[2]: "sigmoid derivative to z (the activation OUTPUT)"}),
        "three_layer_u": Mistake(
            {"three_layer_backward": BUG_THREE_LAYER_U},
            {TL[1], TL[2]},
            {TL[1]: "u * (1 - u)", TL[2]: "u * (1 - u)"}),
        "three_layer_u_to_sigmoid_backward": Mistake(
            {"three_layer_backward": BUG_THREE_LAYER_U_TO_SIGMOID_BACKWARD},
            {TL[1], TL[2]},
            {TL[1]: "u * (1 - u)", TL[2]: "u passed to sigmoid_backward"}),
        "three_layer_wrong_input": Mistake(
            {"three_layer_backward": BUG_THREE_LAYER_WRONG_INPUT},
            set(TL),
            {TL[0]: "pairs the INPUT of its own layer", TL[1]: "pairs the INPUT of its own layer",
             TL[2]: "pairs the INPUT of its own layer"}),
        "numgrad_not_restored": Mistake(
            {"numerical_gradient": BUG_NUMGRAD_NOT_RESTORED},
            {"test_numerical_gradient_vector", "test_numerical_gradient_matrix"},
            {"test_numerical_gradient_vector": "modified its argument",
             "test_numerical_gradient_matrix": "modified its argument"}),
        "numgrad_h": Mistake(
            {"numerical_gradient": BUG_NUMGRAD_H},
            {"test_numerical_gradient_vector", "test_numerical_gradient_matrix"},
            {"test_numerical_gradient_vector": "dividing by h instead of 2h"}),
        "quiz_z": Mistake(
            {"quiz_chain_rule": "answer_chain_rule = 6.25"}, {"test_quiz_chain_rule"},
            {"test_quiz_chain_rule": "z itself"}),
        "quiz_sign": Mistake(
            {"quiz_chain_rule": 'answer_chain_rule = "5"'}, {"test_quiz_chain_rule"},
            {"test_quiz_chain_rule": "dropping the sign"}),
        "quiz_not_a_number": Mistake(
            {"quiz_chain_rule": 'answer_chain_rule = "2(x + y)"'}, {"test_quiz_chain_rule"},
            {"test_quiz_chain_rule": "is not one"}),
    },
)
