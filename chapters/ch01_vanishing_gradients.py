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

SIG = ("test_sigmoid_values", "test_sigmoid_extreme")
SIG_GRAD = ("test_sigmoid_grad_values", "test_sigmoid_grad_numerical", "test_sigmoid_grad_extreme")
RATIO = ("test_predicted_ratio_sigmoid", "test_predicted_ratio_relu")
NORMS = ("test_gradient_norms_values", "test_gradient_norms_numerical", "test_gradient_norms_match_prediction")

CHAPTER = Chapter(
    name="ch01_vanishing_gradients",
    title="勾配消失: sigmoid vs ReLU on MNIST; predict, then measure, the gradient per layer",
    topic="activations",
    points=23,
    exercises={
        "sigmoid": SIG,
        "sigmoid_grad": SIG_GRAD,
        "quiz_sigmoid_grad_from_output": ("test_quiz_sigmoid_grad_from_output",),
        "relu": ("test_relu_values",),
        "relu_grad": ("test_relu_grad_values", "test_relu_grad_at_zero"),
        "predicted_ratio": RATIO,
        "gradient_norms": NORMS,
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
    },
)
