"""ch01_vanishing_gradients: the record of the chapter, with the correct and wrong answers its grading tests use."""

from chapters import Chapter, Mistake

# ----------------------------------------------------------------------------- alternative correct code
ALT_SIGMOID_NAIVE = '''
def sigmoid(x):
    # the textbook formula: NumPy warns about exp overflowing at x = -1000, but the value 0 is right
    return 1 / (1 + np.exp(-x))
'''
ALT_SIGMOID_TANH = '''
def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))
'''
ALT_SIGMOID_GRAD_ABS = '''
def sigmoid_grad(x):
    e = np.exp(-np.abs(x))
    return e / (1 + e) ** 2
'''
ALT_SIGMOID_GRAD_SYM = '''
def sigmoid_grad(x):
    return sigmoid(x) * sigmoid(-x)
'''
ALT_RELU_MASK = '''
def relu(x):
    return x * (x > 0)
'''
ALT_RELU_WHERE = '''
def relu(x):
    out = x.copy()
    out[out < 0] = 0
    return out
'''
ALT_RELU_GRAD_HEAVISIDE = '''
def relu_grad(x):
    return np.heaviside(x, 0.0)
'''
ALT_RELU_GRAD_BOOL = '''
def relu_grad(x):
    return x > 0
'''
ALT_PREDICTED_RATIO_IF = '''
def predicted_ratio(activation, weight_std, width):
    if activation == "sigmoid":
        return 0.25 * weight_std * width ** 0.5
    return weight_std * (width / 2) ** 0.5
'''
ALT_PREDICTED_RATIO_RMS = '''
def predicted_ratio(activation, weight_std, width):
    # the root mean square of the activation's derivative: sigma'(0), or ReLU's 0/1 half of the time
    rms = sigmoid_grad(0.0) if activation == "sigmoid" else np.sqrt(np.mean(relu_grad(np.array([-1.0, 1.0])) ** 2))
    return float(rms * np.sqrt(weight_std ** 2 * width))
'''
ALT_GRADIENT_NORMS_ONEHOT = '''
def gradient_norms(x, t, weights, activation):
    y, cache = deep_forward(x, weights, activation)
    d_act = sigmoid_grad if activation == "sigmoid" else relu_grad
    N = len(x)
    delta = (y - np.eye(y.shape[1])[t]) / N
    deltas, grads = [], []
    for l in reversed(range(len(weights))):
        deltas.insert(0, np.sqrt(np.sum(delta ** 2)))
        grads.insert(0, np.sqrt(np.sum(np.dot(cache["z"][l].T, delta) ** 2)))
        if l:
            delta = np.dot(delta, weights[l].T) * d_act(cache["u"][l - 1])
    return np.array(deltas), np.array(grads)
'''
ALT_GRADIENT_NORMS_LISTS = '''
def gradient_norms(x, t, weights, activation):
    y, cache = deep_forward(x, weights, activation)
    L = len(weights)
    g = y.copy()
    g[np.arange(len(t)), t] -= 1
    g = g / len(t)
    delta = [None] * L
    delta[L - 1] = g
    for l in range(L - 2, -1, -1):                       # delta[l] belongs to layer l + 1
        back = delta[l + 1] @ weights[l + 1].T
        u = cache["u"][l]
        delta[l] = back * (sigmoid_grad(u) if activation == "sigmoid" else relu_grad(u))
    delta_norms = np.array([np.linalg.norm(d) for d in delta])
    grad_norms = np.array([np.linalg.norm(cache["z"][l].T @ delta[l], "fro") for l in range(L)])
    return delta_norms, grad_norms
'''

ALT_LEAKY_MAXIMUM = '''
def leaky_relu(x, alpha=0.01):
    # max(x, alpha * x) is x on the right and alpha * x on the left because 0 <= alpha < 1
    return np.maximum(x, alpha * np.asarray(x))
'''
ALT_LEAKY_SLOPES = '''
def leaky_relu(x, alpha=0.01):
    x = np.asarray(x, dtype=float)
    slopes = np.ones_like(x)
    slopes[x <= 0] = alpha
    return x * slopes
'''
ALT_LEAKY_GRAD_SUM = '''
def leaky_relu_grad(x, alpha=0.01):
    x = np.asarray(x)
    return (x > 0) + alpha * (x <= 0)
'''
ALT_LEAKY_GRAD_FILL = '''
def leaky_relu_grad(x, alpha=0.01):
    g = np.full(np.shape(x), float(alpha))
    g[np.asarray(x) > 0] = 1.0
    return g
'''
ALT_SELU_EXP_MINUS_ONE = '''
def selu(x):
    lam = 1.0507009873554804934193349852946
    alpha = 1.6732632423543772848170429916717
    x = np.asarray(x)
    return np.where(x > 0, lam * x, lam * alpha * (np.exp(np.minimum(x, 0.0)) - 1.0))
'''
ALT_SELU_MASKED = '''
def selu(x):
    lam = 1.0507009873554804934193349852946
    alpha = 1.6732632423543772848170429916717
    x = np.asarray(x)
    out = lam * x
    neg = x <= 0
    out[neg] = lam * alpha * (np.exp(x[neg]) - 1)   # exp only of the entries that use it
    return out
'''
ALT_SELU_MAX_MIN = '''
def selu(x):
    # PyTorch's documented form: scale * (max(0, x) + min(0, alpha * (exp(x) - 1)))
    lam = 1.0507009873554804934193349852946
    alpha = 1.6732632423543772848170429916717
    x = np.asarray(x)
    return lam * (np.maximum(x, 0) + np.minimum(0, alpha * np.expm1(np.minimum(x, 0))))
'''
ALT_SELU_GRAD_FROM_OUTPUT = '''
def selu_grad(x):
    # on the left, d/dx lam * alpha * (exp(x) - 1) = selu(x) + lam * alpha
    lam = 1.0507009873554804934193349852946
    alpha = 1.6732632423543772848170429916717
    x = np.asarray(x)
    return np.where(x > 0, lam, selu(x) + lam * alpha)
'''
ALT_SELU_GRAD_MASKED = '''
def selu_grad(x):
    lam = 1.0507009873554804934193349852946
    alpha = 1.6732632423543772848170429916717
    x = np.asarray(x, dtype=float)
    g = np.full(x.shape, lam)
    left = x <= 0
    g[left] = lam * alpha * np.exp(x[left])
    return g
'''
ALT_MOMENT_FACTORS_HALVES = '''
def moment_factors(activation, tau):
    lam = 1.0507009873554804934193349852946
    alpha = 1.6732632423543772848170429916717
    right = tau / 2 * (lam if activation == "selu" else 1.0) ** 2     # E[f(u)^2; u > 0] / q
    left = tau / 2 * (lam * alpha) ** 2 if activation == "selu" else 0.0
    return right, right + left
'''
ALT_LAYER_MOMENTS_LISTS = '''
def layer_moments(x, weights, activation):
    f = globals()[activation]
    means, variances = [], []
    z = x
    for W in weights:
        z = f(np.dot(z, W))
        means.append(np.mean(z))
        variances.append(np.mean((z - np.mean(z)) ** 2))
    return np.array(means), np.array(variances)
'''

# ----------------------------------------------------------------------------- the mistakes
BUG_SIGMOID_OVERFLOW = '''
def sigmoid(x):
    return np.exp(x) / (1 + np.exp(x))
'''
BUG_SIGMOID_GRAD_OUTPUT = '''
def sigmoid_grad(x):
    return x * (1 - x)
'''
BUG_SIGMOID_GRAD_NOTE_FORMULA = '''
def sigmoid_grad(x):
    # the course note's right-hand form, exp(-x) / (1 + exp(-x))**2: inf / inf at x = -1000
    return np.exp(-x) / (1 + np.exp(-x)) ** 2
'''
BUG_RELU_INPLACE = '''
def relu(x):
    x[x < 0] = 0
    return x
'''
BUG_RELU_GRAD_ZERO = '''
def relu_grad(x):
    return (x >= 0).astype(float)
'''
BUG_RATIO_NO_SQRT_WIDTH = '''
def predicted_ratio(activation, weight_std, width):
    return {"sigmoid": 0.25, "relu": np.sqrt(0.5)}[activation] * weight_std
'''
BUG_RATIO_WIDTH_NOT_SQRT = '''
def predicted_ratio(activation, weight_std, width):
    return {"sigmoid": 0.25, "relu": np.sqrt(0.5)}[activation] * weight_std * width
'''
BUG_RATIO_RELU_HALF = '''
def predicted_ratio(activation, weight_std, width):
    return {"sigmoid": 0.25, "relu": 0.5}[activation] * weight_std * np.sqrt(width)
'''
BUG_RATIO_RELU_ONE = '''
def predicted_ratio(activation, weight_std, width):
    return {"sigmoid": 0.25, "relu": 1.0}[activation] * weight_std * np.sqrt(width)
'''
BUG_RATIO_NO_SIGMOID_FACTOR = '''
def predicted_ratio(activation, weight_std, width):
    return {"sigmoid": 1.0, "relu": np.sqrt(0.5)}[activation] * weight_std * np.sqrt(width)
'''
_NORMS_TEMPLATE = '''
def gradient_norms(x, t, weights, activation):
    y, cache = deep_forward(x, weights, activation)
    derivative = {{"sigmoid": sigmoid_grad, "relu": relu_grad}}[activation]
    L = len(weights)
    delta = y.copy()
    delta[np.arange(x.shape[0]), t] -= 1.0
    {divide}
    delta_norms, grad_norms = np.zeros(L), np.zeros(L)
    dz = None
    for layer in range(L - 1, -1, -1):
        delta_norms[layer] = {record_delta}
        grad_norms[layer] = {norm}(cache["z"][layer].T @ delta)
        if layer > 0:
            dz = delta @ weights[layer].T
            delta = dz * derivative({at})
    return {returned}
'''


def _norms(divide="delta /= x.shape[0]", record_delta="np.linalg.norm(delta)", norm="np.linalg.norm",
           at='cache["u"][layer - 1]', returned="delta_norms, grad_norms"):
    return _NORMS_TEMPLATE.format(divide=divide, record_delta=record_delta, norm=norm, at=at, returned=returned)


BUG_NORMS_AT_OUTPUT = _norms(at='cache["z"][layer]')
BUG_NORMS_NO_N = _norms(divide="pass")
BUG_NORMS_DZ = _norms(record_delta='np.linalg.norm(delta if dz is None else dz)')
BUG_NORMS_MEAN_ABS = _norms(record_delta="np.mean(np.abs(delta))", norm="(lambda a: np.mean(np.abs(a)))")
BUG_NORMS_SWAPPED = _norms(returned="grad_norms, delta_norms")

BUG_LEAKY_RELU = '''
def leaky_relu(x, alpha=0.01):
    return np.maximum(x, 0)
'''
BUG_LEAKY_MAX_ALPHA = '''
def leaky_relu(x, alpha=0.01):
    return np.maximum(alpha, x)
'''
BUG_LEAKY_IGNORES_ALPHA = '''
def leaky_relu(x, alpha=0.01):
    return np.where(x > 0, x, 0.01 * x)
'''
BUG_LEAKY_INPLACE = '''
def leaky_relu(x, alpha=0.01):
    x[x < 0] *= alpha
    return x
'''
BUG_LEAKY_GRAD_RELU = '''
def leaky_relu_grad(x, alpha=0.01):
    return (np.asarray(x) > 0).astype(float)
'''
BUG_LEAKY_GRAD_AT_ZERO = '''
def leaky_relu_grad(x, alpha=0.01):
    return np.where(np.asarray(x) >= 0, 1.0, alpha)
'''
BUG_LEAKY_GRAD_ALPHA_X = '''
def leaky_relu_grad(x, alpha=0.01):
    x = np.asarray(x)
    return np.where(x > 0, 1.0, alpha * x)
'''
BUG_LEAKY_GRAD_IGNORES_ALPHA = '''
def leaky_relu_grad(x, alpha=0.01):
    return np.where(np.asarray(x) > 0, 1.0, 0.01)
'''
_SELU_TEMPLATE = '''
def selu(x):
    lam, alpha = {lam}, {alpha}
    x = np.asarray(x)
    return np.where(x > 0, {right}, {left})
'''


def _selu(right="lam * x", left="lam * alpha * np.expm1(np.minimum(x, 0))", lam="1.0507009873554804934193349852946",
          alpha="1.6732632423543772848170429916717"):
    return _SELU_TEMPLATE.format(right=right, left=left, lam=lam, alpha=alpha)


BUG_SELU_LAMBDA_RIGHT_ONLY = _selu(left="alpha * np.expm1(np.minimum(x, 0))")
BUG_SELU_ALPHA_INSIDE = _selu(left="lam * (alpha * np.exp(np.minimum(x, 0)) - 1)")
BUG_SELU_SWAPPED = _selu(lam="1.6732632423543772848170429916717", alpha="1.0507009873554804934193349852946")
BUG_SELU_NO_LAMBDA_RIGHT = _selu(right="x")
BUG_SELU_ROUNDED = _selu(lam="1.0507", alpha="1.6733")
BUG_SELU_WHERE_OVERFLOW = _selu(left="lam * alpha * (np.exp(x) - 1)")
_SELU_GRAD_TEMPLATE = '''
def selu_grad(x):
    lam, alpha = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
    x = np.asarray(x)
    return np.where({cond}, {right}, {left})
'''


def _selu_grad(cond="x > 0", right="lam", left="lam * alpha * np.exp(np.minimum(x, 0))"):
    return _SELU_GRAD_TEMPLATE.format(cond=cond, right=right, left=left)


BUG_SELU_GRAD_KEPT_MINUS_ONE = _selu_grad(left="lam * alpha * np.expm1(np.minimum(x, 0))")
BUG_SELU_GRAD_NO_LAMBDA = _selu_grad(left="alpha * np.exp(np.minimum(x, 0))")
BUG_SELU_GRAD_OUTPUT_FORM = _selu_grad(left="x + lam * alpha")
BUG_SELU_GRAD_ONE_RIGHT = _selu_grad(right="1.0")
BUG_SELU_GRAD_AT_ZERO = _selu_grad(cond="x >= 0")
BUG_SELU_GRAD_WHERE_OVERFLOW = _selu_grad(left="lam * alpha * np.exp(x)")
_MOMENTS_TEMPLATE = '''
def moment_factors(activation, tau):
    lam, alpha = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
    if activation == "relu":
        return {relu}
    return {selu}
'''


def _moments(relu="tau / 2, tau / 2", selu="tau * lam ** 2 / 2, tau * lam ** 2 * (1 + alpha ** 2) / 2"):
    return _MOMENTS_TEMPLATE.format(relu=relu, selu=selu)


BUG_MOMENTS_LAMBDA_NOT_SQUARED = _moments(selu="tau * lam / 2, tau * lam * (1 + alpha ** 2) / 2")
BUG_MOMENTS_NO_HALF = _moments(selu="tau * lam ** 2, tau * lam ** 2 * (1 + alpha ** 2)")
BUG_MOMENTS_ALPHA_NOT_SQUARED = _moments(selu="tau * lam ** 2 / 2, tau * lam ** 2 * (1 + alpha) / 2")
BUG_MOMENTS_NO_TAU = _moments(selu="lam ** 2 / 2, lam ** 2 * (1 + alpha ** 2) / 2")
BUG_MOMENTS_SWAPPED = _moments(selu="tau * lam ** 2 * (1 + alpha ** 2) / 2, tau * lam ** 2 / 2")
BUG_MOMENTS_SMALL_LEFT_ONLY = _moments(selu="tau * lam ** 2 / 2, tau * (lam * alpha) ** 2 / 2")
BUG_MOMENTS_RELU_TAU = _moments(relu="tau, tau")
BUG_MOMENTS_RELU_SQRT = _moments(relu="(tau / 2) ** 0.5, (tau / 2) ** 0.5")
_LAYER_MOMENTS_TEMPLATE = '''
def layer_moments(x, weights, activation):
    f = {{"relu": relu, "leaky_relu": leaky_relu, "selu": selu}}[activation]
    z = x
    means, variances = [], []
    for W in weights:
        u = z @ W
        z = f(u)
        means.append({mean})
        variances.append({var})
    return np.array(means), np.array(variances)
'''


def _layer_moments(mean="z.mean()", var="z.var()"):
    return _LAYER_MOMENTS_TEMPLATE.format(mean=mean, var=var)


BUG_LM_PREACTIVATION = _layer_moments(mean="u.mean()", var="u.var()")
BUG_LM_STD = _layer_moments(var="z.std()")
BUG_LM_PER_UNIT = _layer_moments(var="z.var(axis=0).mean()")
BUG_LM_DDOF = _layer_moments(var="z.var(ddof=1)")
BUG_LM_MEAN_SQUARE = _layer_moments(var="(z ** 2).mean()")
BUG_LM_WITH_INPUT = '''
def layer_moments(x, weights, activation):
    f = {"relu": relu, "leaky_relu": leaky_relu, "selu": selu}[activation]
    z = x
    means, variances = [x.mean()], [x.var()]
    for W in weights:
        z = f(z @ W)
        means.append(z.mean())
        variances.append(z.var())
    return np.array(means), np.array(variances)
'''


SIG = ("test_sigmoid_values", "test_sigmoid_extreme")
SIG_GRAD = ("test_sigmoid_grad_values", "test_sigmoid_grad_numerical", "test_sigmoid_grad_extreme")
RATIO = ("test_predicted_ratio_sigmoid", "test_predicted_ratio_relu")
NORMS = ("test_gradient_norms_values", "test_gradient_norms_numerical", "test_gradient_norms_match_prediction")
LEAKY_GRAD = ("test_leaky_relu_grad_values", "test_leaky_relu_grad_at_zero")
SELU = ("test_selu_values", "test_selu_fixed_point", "test_selu_extreme")
SELU_GRAD = ("test_selu_grad_values", "test_selu_grad_numerical", "test_selu_grad_at_zero", "test_selu_grad_extreme")
MOMENTS = ("test_moment_factors_selu", "test_moment_factors_relu")
LAYER_MOMENTS = ("test_layer_moments_values", "test_layer_moments_match_prediction")
MATCH = "test_layer_moments_match_prediction"

CHAPTER = Chapter(
    name="ch01_vanishing_gradients",
    title="勾配消失: sigmoid vs ReLU on MNIST; predict, then measure, the gradient per layer; activations beyond "
          "ReLU (tanh, Leaky ReLU, ELU, SELU, GELU) and SELU's fixed point, predicted and measured",
    topic="activations",
    points=44,
    exercises={
        "sigmoid": SIG,
        "sigmoid_grad": SIG_GRAD,
        "quiz_sigmoid_grad_from_output": ("test_quiz_sigmoid_grad_from_output",),
        "relu": ("test_relu_values",),
        "relu_grad": ("test_relu_grad_values", "test_relu_grad_at_zero"),
        "predicted_ratio": RATIO,
        "gradient_norms": NORMS,
        "leaky_relu": ("test_leaky_relu_values",),
        "leaky_relu_grad": LEAKY_GRAD,
        "selu": SELU,
        "selu_grad": SELU_GRAD,
        "moment_factors": MOMENTS,
        "layer_moments": LAYER_MOMENTS,
    },
    correct={
        "solution": {},
        "alt_sigmoid_naive": {"sigmoid": ALT_SIGMOID_NAIVE},
        "alt_sigmoid_tanh": {"sigmoid": ALT_SIGMOID_TANH},
        "alt_sigmoid_grad_abs": {"sigmoid_grad": ALT_SIGMOID_GRAD_ABS},
        "alt_sigmoid_grad_sym_naive": {"sigmoid_grad": ALT_SIGMOID_GRAD_SYM, "sigmoid": ALT_SIGMOID_NAIVE},
        "alt_relu_mask": {"relu": ALT_RELU_MASK},
        "alt_relu_copy": {"relu": ALT_RELU_WHERE},
        "alt_relu_grad_heaviside": {"relu_grad": ALT_RELU_GRAD_HEAVISIDE},
        "alt_relu_grad_bool": {"relu_grad": ALT_RELU_GRAD_BOOL},
        "alt_quiz_fraction": {"quiz_sigmoid_grad_from_output": 'answer_sigma_prime = "4/25"'},
        "alt_quiz_rounded": {"quiz_sigmoid_grad_from_output": "answer_sigma_prime = 0.160"},
        "alt_predicted_ratio_if": {"predicted_ratio": ALT_PREDICTED_RATIO_IF},
        "alt_predicted_ratio_rms": {"predicted_ratio": ALT_PREDICTED_RATIO_RMS},
        "alt_gradient_norms_onehot": {"gradient_norms": ALT_GRADIENT_NORMS_ONEHOT},
        "alt_gradient_norms_lists": {"gradient_norms": ALT_GRADIENT_NORMS_LISTS},
        "alt_leaky_maximum": {"leaky_relu": ALT_LEAKY_MAXIMUM, "leaky_relu_grad": ALT_LEAKY_GRAD_SUM},
        "alt_leaky_slopes": {"leaky_relu": ALT_LEAKY_SLOPES, "leaky_relu_grad": ALT_LEAKY_GRAD_FILL},
        "alt_selu_exp_minus_one": {"selu": ALT_SELU_EXP_MINUS_ONE, "selu_grad": ALT_SELU_GRAD_FROM_OUTPUT},
        "alt_selu_masked": {"selu": ALT_SELU_MASKED, "selu_grad": ALT_SELU_GRAD_MASKED},
        "alt_selu_max_min": {"selu": ALT_SELU_MAX_MIN},
        "alt_moments": {"moment_factors": ALT_MOMENT_FACTORS_HALVES, "layer_moments": ALT_LAYER_MOMENTS_LISTS},
    },
    mistakes={
        # the solution's sigmoid_grad calls sigmoid, so the overflow reaches it too
        "sigmoid_overflow": Mistake(
            {"sigmoid": BUG_SIGMOID_OVERFLOW}, {"test_sigmoid_extreme", "test_sigmoid_grad_extreme"},
            {"test_sigmoid_extreme": "overflow", "test_sigmoid_grad_extreme": "overflow"}),
        "sigmoid_grad_output": Mistake(
            {"sigmoid_grad": BUG_SIGMOID_GRAD_OUTPUT}, {*SIG_GRAD, *NORMS},
            {"test_sigmoid_grad_values": "x * (1 - x)", "test_sigmoid_grad_numerical": "x * (1 - x)",
             "test_sigmoid_grad_extreme": "x * (1 - x)"}),
        "sigmoid_grad_note_formula": Mistake(
            {"sigmoid_grad": BUG_SIGMOID_GRAD_NOTE_FORMULA}, {"test_sigmoid_grad_extreme"},
            {"test_sigmoid_grad_extreme": "inf / inf at x = -1000"}),
        "relu_inplace": Mistake({"relu": BUG_RELU_INPLACE}, {"test_relu_values"},
                                {"test_relu_values": "modified its argument"}),
        "relu_grad_zero": Mistake({"relu_grad": BUG_RELU_GRAD_ZERO}, {"test_relu_grad_at_zero"},
                                  {"test_relu_grad_at_zero": "relu_grad(0) = 1"}),
        "quiz_at_output": Mistake(
            {"quiz_sigmoid_grad_from_output": "answer_sigma_prime = 0.2139"}, {"test_quiz_sigmoid_grad_from_output"},
            {"test_quiz_sigmoid_grad_from_output": "derivative evaluated at the OUTPUT"}),
        "quiz_maximum": Mistake(
            {"quiz_sigmoid_grad_from_output": "answer_sigma_prime = 0.25"}, {"test_quiz_sigmoid_grad_from_output"},
            {"test_quiz_sigmoid_grad_from_output": "the maximum of sigma'"}),
        "ratio_no_sqrt_width": Mistake(
            {"predicted_ratio": BUG_RATIO_NO_SQRT_WIDTH}, {*RATIO, "test_gradient_norms_match_prediction"},
            {"test_predicted_ratio_sigmoid": "without the factor of the width",
             "test_gradient_norms_match_prediction": "do not agree with your prediction"}),
        "ratio_width_not_sqrt": Mistake(
            {"predicted_ratio": BUG_RATIO_WIDTH_NOT_SQRT}, {*RATIO, "test_gradient_norms_match_prediction"},
            {"test_predicted_ratio_sigmoid": "the VARIANCES add up"}),
        "ratio_relu_half": Mistake(
            {"predicted_ratio": BUG_RATIO_RELU_HALF}, {"test_predicted_ratio_relu", "test_gradient_norms_match_prediction"},
            {"test_predicted_ratio_relu": "HALVES the squared norm",
             "test_gradient_norms_match_prediction": "do not agree with your prediction"}),
        "ratio_relu_one": Mistake(
            {"predicted_ratio": BUG_RATIO_RELU_ONE}, {"test_predicted_ratio_relu", "test_gradient_norms_match_prediction"},
            {"test_predicted_ratio_relu": "no factor for ReLU"}),
        "ratio_no_sigmoid_factor": Mistake(
            {"predicted_ratio": BUG_RATIO_NO_SIGMOID_FACTOR},
            {"test_predicted_ratio_sigmoid", "test_gradient_norms_match_prediction"},
            {"test_predicted_ratio_sigmoid": "without the sigmoid's factor 0.25"}),
        "norms_at_output": Mistake(
            {"gradient_norms": BUG_NORMS_AT_OUTPUT}, {"test_gradient_norms_values", "test_gradient_norms_numerical"},
            {"test_gradient_norms_values": "evaluated at the OUTPUT z"}),
        "norms_no_n": Mistake(
            {"gradient_norms": BUG_NORMS_NO_N}, {"test_gradient_norms_values", "test_gradient_norms_numerical"},
            {"test_gradient_norms_values": "WITHOUT dividing by the batch size N"}),
        "norms_dz": Mistake(
            {"gradient_norms": BUG_NORMS_DZ}, set(NORMS),
            {"test_gradient_norms_values": "the norm of dE/dz"}),
        "norms_mean_abs": Mistake(
            {"gradient_norms": BUG_NORMS_MEAN_ABS}, set(NORMS),
            {"test_gradient_norms_values": "the mean of |entries| instead of the norm"}),
        "norms_swapped": Mistake(
            {"gradient_norms": BUG_NORMS_SWAPPED}, set(NORMS),
            {"test_gradient_norms_values": "the two results swapped"}),
        # activations beyond ReLU: a wrong activation also shows in the measurements that use it
        "leaky_relu_as_relu": Mistake(
            {"leaky_relu": BUG_LEAKY_RELU}, {"test_leaky_relu_values", "test_layer_moments_values"},
            {"test_leaky_relu_values": "ReLU: negative inputs set to 0"}),
        "leaky_max_alpha": Mistake(
            {"leaky_relu": BUG_LEAKY_MAX_ALPHA}, {"test_leaky_relu_values", "test_layer_moments_values"},
            {"test_leaky_relu_values": "np.maximum(alpha, x)"}),
        "leaky_ignores_alpha": Mistake({"leaky_relu": BUG_LEAKY_IGNORES_ALPHA}, {"test_leaky_relu_values"},
                                       {"test_leaky_relu_values": "alpha ignored"}),
        "leaky_inplace": Mistake({"leaky_relu": BUG_LEAKY_INPLACE}, {"test_leaky_relu_values"},
                                 {"test_leaky_relu_values": "modified its argument"}),
        "leaky_grad_relu": Mistake({"leaky_relu_grad": BUG_LEAKY_GRAD_RELU}, set(LEAKY_GRAD),
                                   {"test_leaky_relu_grad_values": "that is ReLU's derivative",
                                    "test_leaky_relu_grad_at_zero": "ReLU's derivative"}),
        "leaky_grad_at_zero": Mistake({"leaky_relu_grad": BUG_LEAKY_GRAD_AT_ZERO}, {"test_leaky_relu_grad_at_zero"},
                                      {"test_leaky_relu_grad_at_zero": "`x >= 0` instead of `x > 0`"}),
        "leaky_grad_alpha_x": Mistake({"leaky_relu_grad": BUG_LEAKY_GRAD_ALPHA_X}, set(LEAKY_GRAD),
                                      {"test_leaky_relu_grad_values": "alpha * x: the function's value"}),
        "leaky_grad_ignores_alpha": Mistake({"leaky_relu_grad": BUG_LEAKY_GRAD_IGNORES_ALPHA}, set(LEAKY_GRAD),
                                            {"test_leaky_relu_grad_values": "alpha ignored"}),
        "selu_lambda_right_only": Mistake(
            {"selu": BUG_SELU_LAMBDA_RIGHT_ONLY}, {*SELU, "test_selu_grad_numerical", *LAYER_MOMENTS},
            {"test_selu_values": "lambda only on the positive branch", "test_selu_fixed_point": "E[selu(z)]"}),
        "selu_alpha_inside": Mistake(
            # its slope on the left is still lambda * alpha * exp(x): test_selu_grad_numerical cannot tell
            {"selu": BUG_SELU_ALPHA_INSIDE}, {*SELU, *LAYER_MOMENTS},
            {"test_selu_values": "alpha inside the bracket"}),
        "selu_swapped": Mistake(
            {"selu": BUG_SELU_SWAPPED}, {*SELU, "test_selu_grad_numerical", *LAYER_MOMENTS},
            {"test_selu_values": "alpha and lambda swapped"}),
        "selu_no_lambda_right": Mistake(
            {"selu": BUG_SELU_NO_LAMBDA_RIGHT}, {*SELU, "test_selu_grad_numerical", *LAYER_MOMENTS},
            {"test_selu_values": "lambda missing on the positive branch"}),
        "selu_rounded": Mistake(
            {"selu": BUG_SELU_ROUNDED}, {*SELU, "test_selu_grad_numerical", "test_layer_moments_values"},
            {"test_selu_values": "the rounded constants", "test_selu_fixed_point": "constants are rounded"}),
        "selu_where_overflow": Mistake({"selu": BUG_SELU_WHERE_OVERFLOW}, {"test_selu_extreme"},
                                       {"test_selu_extreme": "evaluates BOTH branches"}),
        "selu_grad_kept_minus_one": Mistake(
            {"selu_grad": BUG_SELU_GRAD_KEPT_MINUS_ONE}, set(SELU_GRAD),
            {"test_selu_grad_values": "the derivative of the constant -1 is 0"}),
        "selu_grad_no_lambda": Mistake(
            {"selu_grad": BUG_SELU_GRAD_NO_LAMBDA}, set(SELU_GRAD[:3]),
            {"test_selu_grad_values": "without lambda on the negative branch"}),
        "selu_grad_output_form": Mistake(
            {"selu_grad": BUG_SELU_GRAD_OUTPUT_FORM}, set(SELU_GRAD),
            {"test_selu_grad_values": "written with the OUTPUT selu(x)"}),
        "selu_grad_one_right": Mistake(
            {"selu_grad": BUG_SELU_GRAD_ONE_RIGHT}, set(SELU_GRAD),
            {"test_selu_grad_values": "the slope of lambda * x is lambda"}),
        "selu_grad_at_zero": Mistake({"selu_grad": BUG_SELU_GRAD_AT_ZERO}, {"test_selu_grad_at_zero"},
                                     {"test_selu_grad_at_zero": "`x >= 0` for the positive branch"}),
        "selu_grad_where_overflow": Mistake({"selu_grad": BUG_SELU_GRAD_WHERE_OVERFLOW}, {"test_selu_grad_extreme"},
                                            {"test_selu_grad_extreme": "evaluates BOTH branches"}),
        "moments_lambda_not_squared": Mistake(
            {"moment_factors": BUG_MOMENTS_LAMBDA_NOT_SQUARED}, {"test_moment_factors_selu", MATCH},
            {"test_moment_factors_selu": "the mean square squares the scale"}),
        "moments_no_half": Mistake(
            {"moment_factors": BUG_MOMENTS_NO_HALF}, {"test_moment_factors_selu", MATCH},
            {"test_moment_factors_selu": "without the 1/2", MATCH: "does not agree with your prediction"}),
        "moments_alpha_not_squared": Mistake(
            {"moment_factors": BUG_MOMENTS_ALPHA_NOT_SQUARED}, {"test_moment_factors_selu", MATCH},
            {"test_moment_factors_selu": "alpha not squared"}),
        "moments_no_tau": Mistake(
            {"moment_factors": BUG_MOMENTS_NO_TAU}, {"test_moment_factors_selu", MATCH},
            {"test_moment_factors_selu": "without tau"}),
        "moments_swapped": Mistake(
            {"moment_factors": BUG_MOMENTS_SWAPPED}, {"test_moment_factors_selu", MATCH},
            {"test_moment_factors_selu": "the pair in the wrong order"}),
        "moments_small_left_only": Mistake(
            {"moment_factors": BUG_MOMENTS_SMALL_LEFT_ONLY}, {"test_moment_factors_selu", MATCH},
            {"test_moment_factors_selu": "the positive half adds to it"}),
        "moments_relu_tau": Mistake(
            {"moment_factors": BUG_MOMENTS_RELU_TAU}, {"test_moment_factors_relu", MATCH},
            {"test_moment_factors_relu": "removes half of E[u^2]"}),
        "moments_relu_sqrt": Mistake(
            # sqrt(tau / 2) = tau / 2 at the measured tau = 2: the measurement agrees
            {"moment_factors": BUG_MOMENTS_RELU_SQRT}, {"test_moment_factors_relu"},
            {"test_moment_factors_relu": "the ratio of the standard deviations"}),
        "layer_moments_preactivation": Mistake(
            {"layer_moments": BUG_LM_PREACTIVATION}, set(LAYER_MOMENTS),
            {"test_layer_moments_values": "the statistics of the pre-activations"}),
        "layer_moments_std": Mistake({"layer_moments": BUG_LM_STD}, set(LAYER_MOMENTS),
                                     {"test_layer_moments_values": "the standard deviation instead of the variance"}),
        "layer_moments_per_unit": Mistake(
            {"layer_moments": BUG_LM_PER_UNIT}, set(LAYER_MOMENTS),
            {"test_layer_moments_values": "the average of each unit's own variance"}),
        "layer_moments_ddof": Mistake({"layer_moments": BUG_LM_DDOF}, {"test_layer_moments_values"},
                                      {"test_layer_moments_values": "ddof=1"}),
        "layer_moments_mean_square": Mistake(
            {"layer_moments": BUG_LM_MEAN_SQUARE}, set(LAYER_MOMENTS),
            {"test_layer_moments_values": "the mean square instead of the variance"}),
        "layer_moments_with_input": Mistake(
            {"layer_moments": BUG_LM_WITH_INPUT}, set(LAYER_MOMENTS),
            {"test_layer_moments_values": "expected shape (3,)"}),
    },
)
