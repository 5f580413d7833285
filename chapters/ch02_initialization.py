"""ch02_initialization: the record of the chapter, with the correct and wrong answers its grading tests use."""

from chapters import Chapter, Mistake

# ----------------------------------------------------------------------------- alternative correct code
ALT_XAVIER = '''
import math

def xavier_std(n_in):
    return n_in ** -0.5
'''

ALT_HE = '''
import math

def he_std(n_in):
    return math.sqrt(2) / math.sqrt(n_in)
'''

# rng.normal instead of std * standard_normal, a dict of rules, tuples built differently.
ALT_INIT_NORMAL = '''
def init_weights(sizes, method, rng):
    rules = {"xavier": lambda n_in, n_out: 1.0 / np.sqrt(n_in),
             "he": lambda n_in, n_out: np.sqrt(2.0 / n_in),
             "zero": lambda n_in, n_out: 0.0}
    layers = []
    for i in range(len(sizes) - 1):
        n_in, n_out = sizes[i], sizes[i + 1]
        std = rules[method](n_in, n_out) if isinstance(method, str) else method
        if std == 0:
            W = np.zeros((n_in, n_out))
        else:
            W = rng.normal(0.0, std, size=(n_in, n_out))
        layers.append(tuple([W, np.zeros((n_out,))]))
    return layers
'''

# Draws in another order: the last layer first, each matrix transposed. Same distribution.
ALT_INIT_REVERSED = '''
def init_weights(sizes, method, rng):
    pairs = list(zip(sizes[:-1], sizes[1:]))
    out = [None] * len(pairs)
    for k in reversed(range(len(pairs))):
        n_in, n_out = pairs[k]
        if method == "zero":
            std = 0.0
        elif method == "he":
            std = he_std(n_in)
        elif method == "xavier":
            std = xavier_std(n_in)
        else:
            std = float(method)
        W = (rng.standard_normal((n_out, n_in)) * std).T.copy()
        out[k] = [W, np.zeros(n_out, dtype=W.dtype)]
    return out
'''

# The recursion solved in closed form: every layer multiplies the mean square by n s^2 / 2.
ALT_PREDICT_CLOSED_FORM = '''
def predict_relu_stds(sizes, w_stds, x_mean_square):
    gains = np.asarray(sizes[:-1], dtype=float) * np.asarray(w_stds, dtype=float) ** 2
    halvings = 0.5 ** np.arange(len(gains))
    var_u = x_mean_square * np.cumprod(gains) * halvings
    return np.sqrt(var_u * (0.5 - 0.5 / np.pi))
'''

# A stable sigmoid written with tanh, the std from the first two moments, a list turned into an array.
ALT_MEASURE_MOMENTS = '''
def measure_layer_stds(x, params, activation):
    out = []
    z = np.asarray(x, dtype=float)
    for W, b in params:
        u = z.dot(W) + b
        if activation == "relu":
            z = np.where(u > 0, u, 0.0)
        elif activation == "tanh":
            z = np.tanh(u)
        else:
            z = 0.5 + 0.5 * np.tanh(0.5 * u)
        out.append(np.sqrt(max(np.mean(z ** 2) - np.mean(z) ** 2, 0.0)))
    return np.array(out)
'''

ALT_QUIZ_ZERO = '''
answer_zero_init = " (B) "
'''

# Rounded by hand, as strings and as a NumPy array.
ALT_QUIZ_CHOICE = '''
hidden_stds = np.array([0.05774, 0.07071, 0.1155, 0.1414])
std_torch_xavier = "0.06325"
std_keras_lecun = np.float32(0.0707107)
'''

# E[x^2] = 0.5**2 + 1 from the construction of x (not from the sample), the measurement written out.
ALT_QUIZ_PREDICT_MEASURE = '''
_x, _sizes, _stds, _params = quiz_network()
predicted_std = float(predict_relu_stds(_sizes, _stds, 0.5 ** 2 + 1.0)[3])
_z = _x
for _W, _b in _params:
    _z = np.maximum(_z @ _W + _b, 0.0)
measured_std = _z.std()
'''

# ----------------------------------------------------------------------------- the mistakes
BUG_SWAPPED_XAVIER = '''
def xavier_std(n_in):
    return np.sqrt(2.0 / n_in)
'''

BUG_SWAPPED_HE = '''
def he_std(n_in):
    return 1.0 / np.sqrt(n_in)
'''

BUG_INIT_N_OUT = '''
def init_weights(sizes, method, rng):
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        if method == "xavier":
            std = xavier_std(n_out)
        elif method == "he":
            std = he_std(n_out)
        elif method == "zero":
            std = 0.0
        else:
            std = float(method)
        params.append((std * rng.standard_normal((n_in, n_out)), np.zeros(n_out)))
    return params
'''

BUG_INIT_GLOROT = '''
def init_weights(sizes, method, rng):
    # the frameworks' "Xavier" (Glorot) for both names
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        if method in ("xavier", "he"):
            std = np.sqrt(2.0 / (n_in + n_out))
        elif method == "zero":
            std = 0.0
        else:
            std = float(method)
        params.append((std * rng.standard_normal((n_in, n_out)), np.zeros(n_out)))
    return params
'''

BUG_INIT_RANDOM_BIAS = '''
def init_weights(sizes, method, rng):
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        if method == "xavier":
            std = xavier_std(n_in)
        elif method == "he":
            std = he_std(n_in)
        elif method == "zero":
            std = 0.0
        else:
            std = float(method)
        W = std * rng.standard_normal((n_in, n_out))
        b = std * rng.standard_normal(n_out)
        params.append((W, b))
    return params
'''

BUG_INIT_UNIFORM = '''
def init_weights(sizes, method, rng):
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        std = {"xavier": xavier_std(n_in), "he": he_std(n_in), "zero": 0.0}.get(method, method)
        a = np.sqrt(3.0) * std     # uniform(-a, a) has this std, but is not normal
        params.append((rng.uniform(-a, a, size=(n_in, n_out)), np.zeros(n_out)))
    return params
'''

BUG_INIT_GLOBAL_RANDOM = '''
def init_weights(sizes, method, rng):
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        std = {"xavier": xavier_std(n_in), "he": he_std(n_in), "zero": 0.0}.get(method, method)
        params.append((std * np.random.randn(n_in, n_out), np.zeros(n_out)))
    return params
'''


def _predict_bug(comment: str, next_mean_square: str, result: str, n: str = "n_prev") -> str:
    return f'''
def predict_relu_stds(sizes, w_stds, x_mean_square):
    # {comment}
    m = float(x_mean_square)
    out = []
    for n_prev, n_next, s in zip(sizes[:-1], sizes[1:], w_stds):
        v = {n} * s ** 2 * m
        out.append({result})
        m = {next_mean_square}
    return np.array(out)
'''


BUG_PREDICT_VARIANCE = _predict_bug("the variance of z goes to the next layer", "v / 2 - v / (2 * np.pi)",
                                    "np.sqrt(v / 2 - v / (2 * np.pi))")
BUG_PREDICT_NO_HALF = _predict_bug("ReLU's halving forgotten in the recursion", "v",
                                   "np.sqrt(v / 2 - v / (2 * np.pi))")
BUG_PREDICT_PRE = _predict_bug("the std of u instead of z", "v / 2", "np.sqrt(v)")
BUG_PREDICT_RMS = _predict_bug("sqrt(E[z^2]) instead of the std", "v / 2", "np.sqrt(v / 2)")
BUG_PREDICT_N_OUT = _predict_bug("fan-out instead of fan-in", "v / 2", "np.sqrt(v / 2 - v / (2 * np.pi))",
                                 n="n_next")
BUG_PREDICT_IGNORES_X = '''
def predict_relu_stds(sizes, w_stds, x_mean_square):
    m = 1.0          # x_mean_square ignored
    out = []
    for n_prev, s in zip(sizes[:-1], w_stds):
        v = n_prev * s ** 2 * m
        out.append(np.sqrt(v / 2 - v / (2 * np.pi)))
        m = v / 2
    return np.array(out)
'''


def _measure_bug(comment: str, body: str) -> str:
    return f'''
def measure_layer_stds(x, params, activation):
    # {comment}
    f = {{"relu": lambda a: np.maximum(a, 0.0), "tanh": np.tanh,
         "sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a))}}[activation]
    z = x
    out = []
{body}
    return np.array(out)
'''


BUG_MEASURE_PRE = _measure_bug("the std of the pre-activation", '''    for W, b in params:
        u = z @ W + b
        z = f(u)
        out.append(u.std())''')
BUG_MEASURE_NO_BIAS = _measure_bug("biases left out", '''    for W, b in params:
        z = f(z @ W)
        out.append(z.std())''')
BUG_MEASURE_PER_UNIT = _measure_bug("the mean of the per-unit stds", '''    for W, b in params:
        z = f(z @ W + b)
        out.append(z.std(axis=0).mean())''')
BUG_MEASURE_LAST_LINEAR = _measure_bug("no activation after the last layer", '''    for k, (W, b) in enumerate(params):
        z = z @ W + b
        if k < len(params) - 1:
            z = f(z)
        out.append(z.std())''')
BUG_MEASURE_NOT_CHAINED = _measure_bug("every layer fed with x", '''    for W, b in params:
        out.append(f(x @ W + b).std())''')

BUG_QUIZ_VARIANCE_OF_X = '''
_x, _sizes, _stds, _params = quiz_network()
predicted_std = predict_relu_stds(_sizes, _stds, np.var(_x))[-1]
measured_std = measure_layer_stds(_x, _params, "relu")[-1]
'''

BUG_QUIZ_FIRST_LAYER = '''
_x, _sizes, _stds, _params = quiz_network()
predicted_std = predict_relu_stds(_sizes, _stds, np.mean(_x ** 2))[-1]
measured_std = measure_layer_stds(_x, _params, "relu")[0]
'''

CHAPTER = Chapter(
    name="ch02_initialization",
    title="重みの初期値: zero, 0.01, Xavier, He; predict, then measure",
    topic="initialization",
    points=20,
    exercises={
        "xavier_std": ("test_xavier_std_values",),
        "he_std": ("test_he_std_values",),
        "init_weights": ("test_init_weights_shapes", "test_init_weights_zero_biases", "test_init_weights_std",
                         "test_init_weights_zero_method", "test_init_weights_distribution"),
        "quiz_zero_init": ("test_quiz_zero_init",),
        "quiz_init_choice": ("test_quiz_init_choice_course", "test_quiz_init_choice_frameworks"),
        "predict_relu_stds": ("test_predict_relu_stds_values", "test_predict_relu_stds_he"),
        "measure_layer_stds": ("test_measure_layer_stds_relu", "test_measure_layer_stds_activations"),
        "quiz_predict_measure": ("test_quiz_predict_measure_prediction", "test_quiz_predict_measure_measurement"),
    },
    correct={
        "solution": {},
        "alt_std_formulas": {"xavier_std": ALT_XAVIER, "he_std": ALT_HE},
        "alt_init_rng_normal": {"init_weights": ALT_INIT_NORMAL},
        "alt_init_reversed_order": {"init_weights": ALT_INIT_REVERSED},
        "alt_predict_closed_form": {"predict_relu_stds": ALT_PREDICT_CLOSED_FORM},
        "alt_measure_moments": {"measure_layer_stds": ALT_MEASURE_MOMENTS},
        "alt_quiz_spelling": {"quiz_zero_init": ALT_QUIZ_ZERO, "quiz_init_choice": ALT_QUIZ_CHOICE,
                              "quiz_predict_measure": ALT_QUIZ_PREDICT_MEASURE},
    },
    mistakes={
        # The solution's init_weights calls xavier_std/he_std, so the swap also shows in its std test.
        "he_xavier_swapped": Mistake(
            {"xavier_std": BUG_SWAPPED_XAVIER, "he_std": BUG_SWAPPED_HE},
            {"test_xavier_std_values", "test_he_std_values", "test_init_weights_std"},
            {"test_xavier_std_values": "He and Xavier swapped", "test_he_std_values": "He and Xavier swapped",
             "test_init_weights_std": "He and Xavier swapped"}),
        "init_uses_n_out": Mistake(
            {"init_weights": BUG_INIT_N_OUT}, {"test_init_weights_std"},
            {"test_init_weights_std": "using n_out"}),
        "init_glorot_for_xavier": Mistake(
            {"init_weights": BUG_INIT_GLOROT}, {"test_init_weights_std"},
            {"test_init_weights_std": "Glorot's std"}),
        "random_biases": Mistake(
            {"init_weights": BUG_INIT_RANDOM_BIAS}, {"test_init_weights_zero_biases"},
            {"test_init_weights_zero_biases": "biases initialised randomly"}),
        "uniform_draws": Mistake(
            {"init_weights": BUG_INIT_UNIFORM}, {"test_init_weights_distribution"},
            {"test_init_weights_distribution": "uniform distribution"}),
        "global_random_state": Mistake(
            {"init_weights": BUG_INIT_GLOBAL_RANDOM}, {"test_init_weights_distribution"},
            {"test_init_weights_distribution": "np.random.randn"}),
        "quiz_zero_init_data_breaks_symmetry": Mistake(
            {"quiz_zero_init": 'answer_zero_init = "c"'}, {"test_quiz_zero_init"},
            {"test_quiz_zero_init": "same gradient"}),
        "quiz_zero_init_hidden_never_move": Mistake(
            {"quiz_zero_init": 'answer_zero_init = "a"'}, {"test_quiz_zero_init"},
            {"test_quiz_zero_init": "gradients do reach the hidden layers"}),
        "quiz_zero_init_nothing_moves": Mistake(
            {"quiz_zero_init": 'answer_zero_init = "d"'}, {"test_quiz_zero_init"},
            {"test_quiz_zero_init": "the biases learn too"}),
        "quiz_init_choice_swapped": Mistake(
            {"quiz_init_choice": '''
hidden_stds = [np.sqrt(2 / 300), np.sqrt(2 / 200), 1 / np.sqrt(150), 1 / np.sqrt(100)]
std_torch_xavier = np.sqrt(2 / 500)
std_keras_lecun = 1 / np.sqrt(200)
'''}, {"test_quiz_init_choice_course"},
            {"test_quiz_init_choice_course": "He and Xavier swapped"}),
        "quiz_init_choice_n_out": Mistake(
            {"quiz_init_choice": '''
hidden_stds = [1 / np.sqrt(200), 1 / np.sqrt(150), np.sqrt(2 / 100), np.sqrt(2 / 80)]
std_torch_xavier = np.sqrt(2 / 500)
std_keras_lecun = 1 / np.sqrt(200)
'''}, {"test_quiz_init_choice_course"},
            {"test_quiz_init_choice_course": "using n_out instead of n_in"}),
        "quiz_framework_xavier_is_the_courses": Mistake(
            {"quiz_init_choice": '''
hidden_stds = [1 / np.sqrt(300), 1 / np.sqrt(200), np.sqrt(2 / 150), np.sqrt(2 / 100)]
std_torch_xavier = 1 / np.sqrt(300)
std_keras_lecun = np.sqrt(2 / 350)
'''}, {"test_quiz_init_choice_frameworks"},
            {"test_quiz_init_choice_frameworks": "PyTorch's xavier_normal_ is Glorot's formula"}),
        "predict_variance_not_mean_square": Mistake(
            {"predict_relu_stds": BUG_PREDICT_VARIANCE},
            {"test_predict_relu_stds_values", "test_predict_relu_stds_he", "test_quiz_predict_measure_prediction"},
            {"test_predict_relu_stds_values": "VARIANCE of z_l",
             "test_predict_relu_stds_he": "same std in every layer",
             "test_quiz_predict_measure_prediction": "the variance of the activations, not their mean square"}),
        "predict_without_relu_halving": Mistake(
            {"predict_relu_stds": BUG_PREDICT_NO_HALF},
            {"test_predict_relu_stds_values", "test_predict_relu_stds_he", "test_quiz_predict_measure_prediction"},
            {"test_predict_relu_stds_values": "forgetting that ReLU halves the mean square",
             "test_predict_relu_stds_he": "same std in every layer",
             "test_quiz_predict_measure_prediction": "forgetting that ReLU halves the mean square"}),
        "predict_pre_activation": Mistake(
            {"predict_relu_stds": BUG_PREDICT_PRE},
            {"test_predict_relu_stds_values", "test_predict_relu_stds_he", "test_quiz_predict_measure_prediction"},
            {"test_predict_relu_stds_values": "pre-activations u_l",
             "test_predict_relu_stds_he": "pre-activations u_l",
             "test_quiz_predict_measure_prediction": "pre-activations u_4"}),
        "predict_root_mean_square": Mistake(
            {"predict_relu_stds": BUG_PREDICT_RMS},
            {"test_predict_relu_stds_values", "test_predict_relu_stds_he", "test_quiz_predict_measure_prediction"},
            {"test_predict_relu_stds_values": "root mean square",
             "test_predict_relu_stds_he": "root mean square",
             "test_quiz_predict_measure_prediction": "root mean square"}),
        "predict_n_out": Mistake(
            {"predict_relu_stds": BUG_PREDICT_N_OUT},
            {"test_predict_relu_stds_values", "test_predict_relu_stds_he", "test_quiz_predict_measure_prediction"},
            {"test_predict_relu_stds_values": "using n_l (the layer's outputs)"}),
        "predict_ignores_x": Mistake(
            {"predict_relu_stds": BUG_PREDICT_IGNORES_X},
            {"test_predict_relu_stds_values", "test_predict_relu_stds_he", "test_quiz_predict_measure_prediction"},
            {"test_predict_relu_stds_values": "ignoring x_mean_square",
             "test_quiz_predict_measure_prediction": "taking E[x^2] = 1"}),
        "measure_pre_activation": Mistake(
            {"measure_layer_stds": BUG_MEASURE_PRE},
            {"test_measure_layer_stds_relu", "test_measure_layer_stds_activations",
             "test_quiz_predict_measure_measurement"},
            {"test_measure_layer_stds_relu": "pre-activations u_l",
             "test_measure_layer_stds_activations": "pre-activations u_l",
             "test_quiz_predict_measure_measurement": "pre-activations u_4"}),
        "measure_without_biases": Mistake(
            {"measure_layer_stds": BUG_MEASURE_NO_BIAS},
            {"test_measure_layer_stds_relu", "test_measure_layer_stds_activations"},
            {"test_measure_layer_stds_relu": "ignoring the biases"}),
        "measure_per_unit": Mistake(
            {"measure_layer_stds": BUG_MEASURE_PER_UNIT},
            {"test_measure_layer_stds_relu", "test_measure_layer_stds_activations",
             "test_quiz_predict_measure_measurement"},
            {"test_measure_layer_stds_relu": "per-unit standard deviations",
             "test_quiz_predict_measure_measurement": "per-unit standard deviations"}),
        "measure_last_layer_linear": Mistake(
            {"measure_layer_stds": BUG_MEASURE_LAST_LINEAR},
            {"test_measure_layer_stds_relu", "test_measure_layer_stds_activations",
             "test_quiz_predict_measure_measurement"},
            {"test_measure_layer_stds_relu": "leaving out the activation after the last layer",
             "test_measure_layer_stds_activations": "leaving out the activation after the last layer"}),
        "measure_not_chained": Mistake(
            {"measure_layer_stds": BUG_MEASURE_NOT_CHAINED},
            {"test_measure_layer_stds_relu", "test_measure_layer_stds_activations",
             "test_quiz_predict_measure_measurement"},
            {"test_measure_layer_stds_relu": "feeding x to every layer"}),
        "quiz_variance_of_x": Mistake(
            {"quiz_predict_measure": BUG_QUIZ_VARIANCE_OF_X}, {"test_quiz_predict_measure_prediction"},
            {"test_quiz_predict_measure_prediction": "taking E[x^2] = 1 (the variance of x)"}),
        "quiz_first_layer_measured": Mistake(
            {"quiz_predict_measure": BUG_QUIZ_FIRST_LAYER}, {"test_quiz_predict_measure_measurement"},
            {"test_quiz_predict_measure_measurement": "the first layer's std"}),
    },
)
