"""ch04_optimizers: the record of the chapter, with the correct and wrong answers its grading tests use."""

from chapters import Chapter, Mistake

# ----------------------------------------------------------------------------- alternative correct code
ALT_MOMENTUM = '''
def momentum_step(w, g, v, lr, momentum):
    v_new = -lr * g + momentum * v
    w_new = w.copy()          # in place on a copy is fine
    w_new += v_new
    return w_new, v_new
'''

ALT_ADAGRAD = '''
def adagrad_step(w, g, h, lr, eps):
    h_new = np.add(h, np.square(g))
    step = np.divide(g, np.sqrt(h_new) + eps) * lr
    return np.subtract(w, step), h_new
'''

ALT_RMSPROP = '''
def rmsprop_step(w, g, h, lr, decay_rate, eps):
    # the course note's form: h += (1 - rho) * (g**2 - h)
    h_new = h + (1 - decay_rate) * (g ** 2 - h)
    return w - lr * g / (np.sqrt(h_new) + eps), h_new
'''

ALT_ADAM_EFFICIENT = '''
def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    # Kingma & Ba's "efficient" form (as in the course note): the corrections folded into lr_t.
    m_new = m.copy()
    v_new = v.copy()
    m_new += (1 - beta1) * (g - m_new)
    v_new += (1 - beta2) * (g ** 2 - v_new)
    lr_t = lr * np.sqrt(1.0 - beta2 ** t) / (1.0 - beta1 ** t)
    return w - lr_t * m_new / (np.sqrt(v_new) + eps), m_new, v_new
'''

ALT_ADAM_EPS_IN_SQRT = '''
def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g * g
    m_hat = m_new / (1 - beta1 ** t)
    v_hat = v_new / (1 - beta2 ** t)
    return w - lr * m_hat / np.sqrt(v_hat + eps), m_new, v_new
'''

# A table of steps, the state kept in a list, positional hyperparameters, f as a dot product.
ALT_RUN_ON_BOWL = '''
def run_on_bowl(method, settings, n_steps, curvatures=(0.1, 2.0), start=(-7.0, 2.0)):
    lam = np.array(curvatures, dtype=np.float64)
    w = np.array(start, dtype=np.float64)
    f = lambda w: 0.5 * w @ (lam * w)
    s = dict(settings)
    state = [np.zeros(len(w)), np.zeros(len(w))]

    def sgd(w, g, t):
        return w - s["lr"] * g

    def mom(w, g, t):
        w, state[0] = momentum_step(w, g, state[0], s["lr"], s["momentum"])
        return w

    def ada(w, g, t):
        w, state[0] = adagrad_step(w, g, state[0], s["lr"], s["eps"])
        return w

    def rms(w, g, t):
        w, state[0] = rmsprop_step(w, g, state[0], s["lr"], s["decay_rate"], s["eps"])
        return w

    def adm(w, g, t):
        w, state[0], state[1] = adam_step(w, g, state[0], state[1], t, s["lr"], s["beta1"], s["beta2"], s["eps"])
        return w

    step = {"sgd": sgd, "momentum": mom, "adagrad": ada, "rmsprop": rms, "adam": adm}[method.lower()]
    out = np.empty(n_steps + 1)
    out[0] = f(w)
    for t in range(1, n_steps + 1):
        w = step(w, np.multiply(lam, w), t)
        out[t] = f(w)
    return out
'''

ALT_SETTINGS = '''
momentum_settings = {"momentum": 0.5, "lr": 1.0}
adam_settings = dict(lr=0.7, beta1=0.0, beta2=0.999, eps=1e-8)
'''

# ----------------------------------------------------------------------------- the mistakes
BUG_MOMENTUM_SIGN = '''
def momentum_step(w, g, v, lr, momentum):
    v_new = momentum * v + lr * g
    return w + v_new, v_new
'''

BUG_MOMENTUM_IN_PLACE = '''
def momentum_step(w, g, v, lr, momentum):
    v *= momentum
    v -= lr * g
    w += v
    return w, v
'''

BUG_MOMENTUM_OLD_VELOCITY = '''
def momentum_step(w, g, v, lr, momentum):
    w_new = w + v
    v_new = momentum * v - lr * g
    return w_new, v_new
'''

BUG_ADAGRAD_NO_SQUARE = '''
def adagrad_step(w, g, h, lr, eps):
    h_new = h + g
    return w - lr * g / (np.sqrt(np.abs(h_new)) + eps), h_new
'''

# The course note's AdaGrad skeleton: the Momentum update with h in place of v.
BUG_ADAGRAD_MOMENTUM_SKELETON = '''
def adagrad_step(w, g, h, lr, eps):
    momentum = 0.9
    h_new = momentum * h - lr * g
    return w + h_new, h_new
'''

BUG_ADAGRAD_OLD_H = '''
def adagrad_step(w, g, h, lr, eps):
    w_new = w - lr * g / (np.sqrt(h) + eps)
    return w_new, h + g * g
'''

BUG_RMSPROP_NO_ONE_MINUS_DECAY = '''
def rmsprop_step(w, g, h, lr, decay_rate, eps):
    h_new = decay_rate * h + g * g
    return w - lr * g / (np.sqrt(h_new) + eps), h_new
'''

BUG_RMSPROP_ADAGRAD_SUM = '''
def rmsprop_step(w, g, h, lr, decay_rate, eps):
    h_new = h + g * g
    return w - lr * g / (np.sqrt(h_new) + eps), h_new
'''

BUG_ADAM_NO_BIAS_CORRECTION = '''
def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g * g
    return w - lr * m_new / (np.sqrt(v_new) + eps), m_new, v_new
'''

BUG_ADAM_T_PLUS_ONE = '''
def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    t = t + 1                      # "t counts the steps done so far" -- wrong here
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g * g
    m_hat = m_new / (1 - beta1 ** t)
    v_hat = v_new / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new
'''

BUG_ADAM_T_MINUS_ONE = '''
def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    t = t - 1                      # "t is 0-based" -- wrong here
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g * g
    m_hat = m_new / (1 - beta1 ** t)
    v_hat = v_new / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new
'''

BUG_ADAM_RETURNS_HAT = '''
def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m_hat = (beta1 * m + (1 - beta1) * g) / (1 - beta1 ** t)
    v_hat = (beta2 * v + (1 - beta2) * g * g) / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat
'''


def _bowl(body: str, grad: str = "lam * w", first: str = "[f(w)]", t_expr: str = "t",
          lam: str = "np.asarray(curvatures, dtype=float)", reset: str = "") -> str:
    """A run_on_bowl with one thing changed (the shape every mistake below shares)."""
    return f'''
def run_on_bowl(method, settings, n_steps, curvatures=(0.1, 2.0), start=(-7.0, 2.0)):
    lam = {lam}
    w = np.array(start, dtype=float)
    f = lambda w: 0.5 * np.sum(lam * w * w)
    a, b = np.zeros_like(w), np.zeros_like(w)
    losses = {first}
    for t in range(1, n_steps + 1):
        g = {grad}
        {reset}
        if method == "sgd":
            w = w - settings["lr"] * g
        elif method == "momentum":
            w, a = momentum_step(w, g, a, **settings)
        elif method == "adagrad":
            w, a = adagrad_step(w, g, a, **settings)
        elif method == "rmsprop":
            w, a = rmsprop_step(w, g, a, **settings)
        else:
            w, a, b = adam_step(w, g, a, b, {t_expr}, **settings)
        losses.append(f(w))
    return np.array(losses)
'''


BUG_BOWL_HALF_GRADIENT = _bowl("", grad="0.5 * lam * w")
BUG_BOWL_NO_START = _bowl("", first="[]")
BUG_BOWL_ADAM_T0 = _bowl("", t_expr="t - 1")
BUG_BOWL_ADAM_T_FIXED = _bowl("", t_expr="1")
BUG_BOWL_RESET_STATE = _bowl("", reset="a, b = np.zeros_like(w), np.zeros_like(w)")
BUG_BOWL_IGNORES_CURVATURES = _bowl("", lam="np.array([0.1, 2.0])")

SETTINGS_NOTE = '''
momentum_settings = {"lr": 0.1, "momentum": 0.9}      # the course note's settings
adam_settings = {"lr": 1.0, "beta1": 0.5, "beta2": 0.99, "eps": 1e-8}
'''

SETTINGS_ADAM_FRAMEWORK_LR = '''
momentum_settings = {"lr": 1.0, "momentum": 0.5}
adam_settings = {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}   # PyTorch's and Keras's defaults
'''

SETTINGS_ADAM_BETA1 = '''
momentum_settings = {"lr": 1.0, "momentum": 0.5}
adam_settings = {"lr": 0.3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}     # the lecture's explorer
'''



# ----------------------------------------------------------------------------- learning-rate decay
# Correct: the drops counted one by one; NumPy's floor and power.
ALT_STEP_DECAY_LOOP = """
def step_decay(lr0, epoch, drop, every):
    rate, next_drop = lr0, every
    while next_drop <= epoch:          # one drop at every whole multiple of `every` passed
        rate = rate * drop
        next_drop += every
    return rate
"""

ALT_STEP_DECAY_NUMPY = """
def step_decay(lr0, epoch, drop, every):
    return lr0 * np.power(drop, np.floor(np.divide(epoch, every)))
"""

# Correct: (1 + cos x) / 2 = cos²(x / 2), and an explicit branch after T.
ALT_COSINE_SQUARED = """
def cosine_decay(lr0, t, T, lr_min):
    if t >= T:
        return lr_min
    return lr_min + (lr0 - lr_min) * np.cos(np.pi * t / (2 * T)) ** 2
"""

ALT_RUN_NOISY_BOWL = """
def run_noisy_bowl(lr_at, momentum, noise, curvatures=(0.1, 2.0), start=(-7.0, 2.0)):
    lam = np.array(curvatures, dtype=np.float64)
    w = np.broadcast_to(np.array(start, dtype=np.float64), noise.shape[1:]).copy()
    v = np.zeros(noise.shape[1:])
    f = lambda w: 0.5 * np.einsum("rd,d,rd->r", w, lam, w).mean()
    out = np.empty(noise.shape[0] + 1)
    out[0] = f(w)
    for k, xi in enumerate(noise):
        v = momentum * v - lr_at(k) * (lam * w + xi)      # the update written out, without momentum_step
        w = w + v
        out[k + 1] = f(w)
    return out
"""

ALT_DECAY_STEP = """
def decay_lr(k):
    return step_decay(0.5, k, 0.5, 40)

decay_momentum = 0
"""

ALT_DECAY_MOMENTUM = """
decay_lr = lambda k: cosine_decay(0.2, k, 200, 0.0)
decay_momentum = "0.5"
"""

BUG_STEP_FROM_ONE = """
def step_decay(lr0, epoch, drop, every):
    return lr0 * drop ** math.floor((epoch + 1) / every)      # "the first epoch is epoch 1"
"""

BUG_STEP_SMOOTH = """
def step_decay(lr0, epoch, drop, every):
    return lr0 * drop ** (epoch / every)
"""

BUG_STEP_ROUND = """
def step_decay(lr0, epoch, drop, every):
    return lr0 * drop ** round(epoch / every)
"""

BUG_STEP_CEIL = """
def step_decay(lr0, epoch, drop, every):
    return lr0 * drop ** math.ceil(epoch / every)
"""

BUG_STEP_ONE_MINUS_DROP = """
def step_decay(lr0, epoch, drop, every):
    return lr0 * (1 - drop) ** math.floor(epoch / every)      # "drop 0.2 = the rate drops by 20 %"
"""

BUG_COSINE_NO_HALF = """
def cosine_decay(lr0, t, T, lr_min):
    return lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * min(t, T) / T))
"""

BUG_COSINE_NO_LR_MIN = """
def cosine_decay(lr0, t, T, lr_min):
    return 0.5 * lr0 * (1 + math.cos(math.pi * min(t, T) / T))
"""

BUG_COSINE_PERIODIC = """
def cosine_decay(lr0, t, T, lr_min):
    return lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * t / T))    # PyTorch's CosineAnnealingLR past T_max
"""

BUG_COSINE_NO_PI = """
def cosine_decay(lr0, t, T, lr_min):
    return lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(min(t, T) / T))
"""

BUG_COSINE_QUARTER = """
def cosine_decay(lr0, t, T, lr_min):
    return lr_min + (lr0 - lr_min) * math.cos(math.pi * min(t, T) / (2 * T))
"""


def _noisy(update: str = "w, v = momentum_step(w, lam * w + noise[k], v, lr_at(k), momentum)",
           f: str = "np.mean(0.5 * np.sum(lam * w ** 2, axis=1))", first: str = "[{f}]", reset: str = "") -> str:
    """A run_noisy_bowl with one thing changed (the shape the mistakes below share)."""
    return f"""
def run_noisy_bowl(lr_at, momentum, noise, curvatures=(0.1, 2.0), start=(-7.0, 2.0)):
    lam = np.asarray(curvatures, dtype=float)
    w = np.tile(np.asarray(start, dtype=float), (noise.shape[1], 1))
    v = np.zeros_like(w)
    out = {first.format(f=f)}
    for k in range(noise.shape[0]):
        {reset}
        {update}
        out.append({f})
    return np.array(out)
"""


BUG_NOISY_FROM_ONE = _noisy(update="w, v = momentum_step(w, lam * w + noise[k], v, lr_at(k + 1), momentum)")
BUG_NOISY_F_OF_MEAN = _noisy(f="0.5 * np.sum(lam * w.mean(axis=0) ** 2)")
BUG_NOISY_SUM = _noisy(f="np.sum(0.5 * np.sum(lam * w ** 2, axis=1))")
BUG_NOISY_NO_NOISE = _noisy(update="w, v = momentum_step(w, lam * w, v, lr_at(k), momentum)")
BUG_NOISY_NO_START = _noisy(first="[]")
BUG_NOISY_RESET = _noisy(reset="v = np.zeros_like(w)")
BUG_NOISY_MINUS = _noisy(update="w, v = momentum_step(w, lam * w - noise[k], v, lr_at(k), momentum)")

DECAY_CONSTANT = """
decay_lr = lambda k: 0.0016          # the best constant rate of the lecture's grid
decay_momentum = 0.985
"""

DECAY_LONG_T = """
def decay_lr(k):
    return cosine_decay(0.35, k, 1000, 0.0)        # T = 1000: the run is only 200 updates
decay_momentum = 0.0
"""


CHAPTER = Chapter(
    name="ch04_optimizers",
    title="SGD, Momentum, AdaGrad, RMSprop, Adam; learning-rate decay (学習率の減衰): the noise floor, step and cosine schedules",
    topic="optimizers",
    points=37,
    exercises={
        "momentum_step": ("test_momentum_step_one_step", "test_momentum_step_sequence"),
        "adagrad_step": ("test_adagrad_step_one_step", "test_adagrad_step_accumulates"),
        "rmsprop_step": ("test_rmsprop_step_one_step", "test_rmsprop_step_moving_average"),
        "adam_step": ("test_adam_step_first_step", "test_adam_step_later_steps"),
        "quiz_lr_limit": ("test_quiz_lr_limit",),
        "quiz_momentum_speedup": ("test_quiz_momentum_speedup",),
        "run_on_bowl": ("test_run_on_bowl_values", "test_run_on_bowl_adaptive"),
        "quiz_bowl_settings": ("test_quiz_bowl_settings_momentum", "test_quiz_bowl_settings_adam"),
        "quiz_optimizers": ("test_quiz_optimizers",),
        "step_decay": ("test_step_decay_values", "test_step_decay_recipe"),
        "cosine_decay": ("test_cosine_decay_values", "test_cosine_decay_after_T"),
        "quiz_lr_at_epoch": ("test_quiz_lr_at_epoch",),
        "quiz_noise_floor": ("test_quiz_noise_floor",),
        "run_noisy_bowl": ("test_run_noisy_bowl_values", "test_run_noisy_bowl_floor"),
        "quiz_decay_schedule": ("test_quiz_decay_schedule",),
    },
    correct={
        "solution": {},
        "alt_momentum": {"momentum_step": ALT_MOMENTUM},
        "alt_adagrad": {"adagrad_step": ALT_ADAGRAD},
        "alt_rmsprop": {"rmsprop_step": ALT_RMSPROP},
        "alt_adam_efficient": {"adam_step": ALT_ADAM_EFFICIENT},
        "alt_adam_eps_in_sqrt": {"adam_step": ALT_ADAM_EPS_IN_SQRT},
        "alt_run_on_bowl": {"run_on_bowl": ALT_RUN_ON_BOWL},
        "alt_settings": {"quiz_bowl_settings": ALT_SETTINGS},
        "alt_quiz_answers": {"quiz_lr_limit": 'answer_lr_limit = " 1/5 "',
                             "quiz_momentum_speedup": "answer_speedup = np.float32(5)",
                             "quiz_optimizers": 'answer_optimizers = " (C) "',
                             "quiz_lr_at_epoch": 'answer_lr_epoch = "1/500"',
                             "quiz_noise_floor": "answer_noise_floor = np.float32(0.005)"},
        "alt_step_decay_loop": {"step_decay": ALT_STEP_DECAY_LOOP, "cosine_decay": ALT_COSINE_SQUARED,
                                "run_noisy_bowl": ALT_RUN_NOISY_BOWL, "quiz_decay_schedule": ALT_DECAY_STEP},
        "alt_step_decay_numpy": {"step_decay": ALT_STEP_DECAY_NUMPY, "quiz_decay_schedule": ALT_DECAY_MOMENTUM},
    },
    mistakes={
        "momentum_sign": Mistake(
            {"momentum_step": BUG_MOMENTUM_SIGN},
            {"test_momentum_step_one_step", "test_momentum_step_sequence", "test_run_on_bowl_values",
             "test_quiz_bowl_settings_momentum",
             # run_noisy_bowl drives the student's momentum_step: a step uphill diverges there too
             "test_run_noisy_bowl_values", "test_run_noisy_bowl_floor", "test_quiz_decay_schedule"},
            {"test_momentum_step_one_step": "a sign error"}),
        "momentum_in_place": Mistake(
            {"momentum_step": BUG_MOMENTUM_IN_PLACE},
            {"test_momentum_step_one_step", "test_momentum_step_sequence"},
            {"test_momentum_step_one_step": "in place", "test_momentum_step_sequence": "in place"}),
        "momentum_old_velocity": Mistake(
            {"momentum_step": BUG_MOMENTUM_OLD_VELOCITY},
            {"test_momentum_step_one_step", "test_momentum_step_sequence", "test_run_on_bowl_values",
             "test_quiz_bowl_settings_momentum", "test_run_noisy_bowl_values", "test_run_noisy_bowl_floor"},
            {"test_momentum_step_one_step": "OLD velocity"}),
        "adagrad_no_square": Mistake(
            {"adagrad_step": BUG_ADAGRAD_NO_SQUARE},
            {"test_adagrad_step_one_step", "test_adagrad_step_accumulates", "test_run_on_bowl_adaptive"},
            {"test_adagrad_step_one_step": "without squaring"}),
        "adagrad_momentum_skeleton": Mistake(
            {"adagrad_step": BUG_ADAGRAD_MOMENTUM_SKELETON},
            {"test_adagrad_step_one_step", "test_adagrad_step_accumulates", "test_run_on_bowl_adaptive"},
            {"test_adagrad_step_one_step": "Momentum update of the course note's AdaGrad skeleton"}),
        "adagrad_old_h": Mistake(
            {"adagrad_step": BUG_ADAGRAD_OLD_H},
            {"test_adagrad_step_one_step", "test_adagrad_step_accumulates", "test_run_on_bowl_adaptive"},
            {"test_adagrad_step_one_step": "OLD h"}),
        "rmsprop_no_one_minus_decay": Mistake(
            {"rmsprop_step": BUG_RMSPROP_NO_ONE_MINUS_DECAY},
            {"test_rmsprop_step_one_step", "test_rmsprop_step_moving_average", "test_run_on_bowl_adaptive"},
            {"test_rmsprop_step_one_step": "(1 - decay_rate)", "test_rmsprop_step_moving_average": "(1 - decay_rate)"}),
        "rmsprop_adagrad_sum": Mistake(
            {"rmsprop_step": BUG_RMSPROP_ADAGRAD_SUM},
            {"test_rmsprop_step_one_step", "test_rmsprop_step_moving_average", "test_run_on_bowl_adaptive"},
            {"test_rmsprop_step_one_step": "AdaGrad sum", "test_rmsprop_step_moving_average": "AdaGrad sum"}),
        "adam_no_bias_correction": Mistake(
            {"adam_step": BUG_ADAM_NO_BIAS_CORRECTION},
            {"test_adam_step_first_step", "test_adam_step_later_steps", "test_run_on_bowl_adaptive"},
            {"test_adam_step_first_step": "skipping the bias correction",
             "test_adam_step_later_steps": "skipping the bias correction"}),
        "adam_t_plus_one": Mistake(
            {"adam_step": BUG_ADAM_T_PLUS_ONE},
            {"test_adam_step_first_step", "test_adam_step_later_steps", "test_run_on_bowl_adaptive"},
            {"test_adam_step_first_step": "using t + 1", "test_adam_step_later_steps": "using t + 1"}),
        "adam_t_minus_one": Mistake(
            {"adam_step": BUG_ADAM_T_MINUS_ONE},
            {"test_adam_step_first_step", "test_adam_step_later_steps", "test_run_on_bowl_adaptive",
             "test_quiz_bowl_settings_adam"},
            {"test_adam_step_first_step": "using t - 1", "test_adam_step_later_steps": "using t - 1"}),
        "adam_returns_hat": Mistake(
            {"adam_step": BUG_ADAM_RETURNS_HAT},
            {"test_adam_step_first_step", "test_adam_step_later_steps", "test_run_on_bowl_adaptive",
             "test_quiz_bowl_settings_adam"},
            {"test_adam_step_first_step": "bias-corrected m_hat as the new state"}),
        "quiz_lr_coefficient": Mistake(
            {"quiz_lr_limit": "answer_lr_limit = 0.4"}, {"test_quiz_lr_limit"},
            {"test_quiz_lr_limit": "coefficient 5 of y**2"}),
        "quiz_lr_one_step": Mistake(
            {"quiz_lr_limit": "answer_lr_limit = 1 / 10"}, {"test_quiz_lr_limit"},
            {"test_quiz_lr_limit": "minimum of y in one step"}),
        "quiz_lr_best": Mistake(
            {"quiz_lr_limit": "answer_lr_limit = 2 / 11"}, {"test_quiz_lr_limit"},
            {"test_quiz_lr_limit": "BEST learning rate"}),
        "quiz_speedup_inverse_mu": Mistake(
            {"quiz_momentum_speedup": "answer_speedup = 1.25"}, {"test_quiz_momentum_speedup"},
            {"test_quiz_momentum_speedup": "1 / mu"}),
        "quiz_speedup_missing_term": Mistake(
            {"quiz_momentum_speedup": "answer_speedup = '4'"}, {"test_quiz_momentum_speedup"},
            {"test_quiz_momentum_speedup": "newest gradient's own term"}),
        "bowl_half_gradient": Mistake(
            {"run_on_bowl": BUG_BOWL_HALF_GRADIENT},
            {"test_run_on_bowl_values", "test_run_on_bowl_adaptive", "test_quiz_bowl_settings_momentum"},
            {"test_run_on_bowl_values": "half the derivative of f"}),
        "bowl_no_start": Mistake(
            {"run_on_bowl": BUG_BOWL_NO_START},
            {"test_run_on_bowl_values", "test_run_on_bowl_adaptive", "test_quiz_bowl_settings_momentum",
             "test_quiz_bowl_settings_adam"},
            {"test_run_on_bowl_values": "leaving out f at the start"}),
        "bowl_adam_t0": Mistake(
            {"run_on_bowl": BUG_BOWL_ADAM_T0},
            {"test_run_on_bowl_adaptive", "test_quiz_bowl_settings_adam"},
            {"test_run_on_bowl_adaptive": "from t = 0"}),
        "bowl_adam_t_fixed": Mistake(
            {"run_on_bowl": BUG_BOWL_ADAM_T_FIXED},
            {"test_run_on_bowl_adaptive"},
            {"test_run_on_bowl_adaptive": "passing t = 1 to every update"}),
        "bowl_reset_state": Mistake(
            {"run_on_bowl": BUG_BOWL_RESET_STATE},
            {"test_run_on_bowl_values", "test_run_on_bowl_adaptive", "test_quiz_bowl_settings_momentum",
             "test_quiz_bowl_settings_adam"},
            {"test_run_on_bowl_values": "starting every update from a zero state",
             "test_run_on_bowl_adaptive": "starting every update from a zero state"}),
        "bowl_ignores_curvatures": Mistake(
            {"run_on_bowl": BUG_BOWL_IGNORES_CURVATURES},
            {"test_run_on_bowl_values", "test_run_on_bowl_adaptive"},
            {"test_run_on_bowl_values": "ignoring the curvatures argument"}),
        "settings_course_note": Mistake(
            {"quiz_bowl_settings": SETTINGS_NOTE}, {"test_quiz_bowl_settings_momentum"},
            {"test_quiz_bowl_settings_momentum": "course note's settings"}),
        "settings_adam_framework_lr": Mistake(
            {"quiz_bowl_settings": SETTINGS_ADAM_FRAMEWORK_LR}, {"test_quiz_bowl_settings_adam"},
            {"test_quiz_bowl_settings_adam": "cannot even reach the minimum"}),
        "settings_adam_beta1": Mistake(
            {"quiz_bowl_settings": SETTINGS_ADAM_BETA1}, {"test_quiz_bowl_settings_adam"},
            {"test_quiz_bowl_settings_adam": "Adam's inertia"}),
        "quiz_momentum_global": Mistake(
            {"quiz_optimizers": 'answer_optimizers = "a"'}, {"test_quiz_optimizers"},
            {"test_quiz_optimizers": "double well"}),
        "quiz_rmsprop_no_tuning": Mistake(
            {"quiz_optimizers": 'answer_optimizers = "B"'}, {"test_quiz_optimizers"},
            {"test_quiz_optimizers": "learning-rate sweep"}),
        "quiz_adam_saddle": Mistake(
            {"quiz_optimizers": 'answer_optimizers = "d"'}, {"test_quiz_optimizers"},
            {"test_quiz_optimizers": "not because of the bias correction"}),
        # ---- learning-rate decay
        "step_from_one": Mistake(
            {"step_decay": BUG_STEP_FROM_ONE}, {"test_step_decay_values", "test_step_decay_recipe"},
            {"test_step_decay_values": "counting the epochs from 1", "test_step_decay_recipe": "counting the epochs from 1"}),
        "step_smooth": Mistake(
            {"step_decay": BUG_STEP_SMOOTH}, {"test_step_decay_values", "test_step_decay_recipe"},
            {"test_step_decay_values": "without rounding down"}),
        "step_round": Mistake(
            {"step_decay": BUG_STEP_ROUND}, {"test_step_decay_values", "test_step_decay_recipe"},
            {"test_step_decay_values": "to the nearest integer"}),
        "step_ceil": Mistake(
            {"step_decay": BUG_STEP_CEIL}, {"test_step_decay_values", "test_step_decay_recipe"},
            {"test_step_decay_values": "rounding epoch / every up"}),
        "step_one_minus_drop": Mistake(
            {"step_decay": BUG_STEP_ONE_MINUS_DROP}, {"test_step_decay_values", "test_step_decay_recipe"},
            {"test_step_decay_values": "multiplying by (1 - drop)"}),
        "cosine_no_half": Mistake(
            {"cosine_decay": BUG_COSINE_NO_HALF}, {"test_cosine_decay_values", "test_quiz_decay_schedule"},
            {"test_cosine_decay_values": "the factor 1/2"}),
        "cosine_no_lr_min": Mistake(
            {"cosine_decay": BUG_COSINE_NO_LR_MIN}, {"test_cosine_decay_values", "test_cosine_decay_after_T"},
            {"test_cosine_decay_values": "leaving out lr_min"}),
        "cosine_periodic": Mistake(
            {"cosine_decay": BUG_COSINE_PERIODIC}, {"test_cosine_decay_after_T"},
            {"test_cosine_decay_after_T": "continuing the cosine past T"}),
        "cosine_no_pi": Mistake(
            {"cosine_decay": BUG_COSINE_NO_PI},
            {"test_cosine_decay_values", "test_cosine_decay_after_T", "test_quiz_decay_schedule"},
            {"test_cosine_decay_values": "without the factor π"}),
        "cosine_quarter": Mistake(
            {"cosine_decay": BUG_COSINE_QUARTER}, {"test_cosine_decay_values"},
            {"test_cosine_decay_values": "a quarter of a cosine"}),
        "quiz_epoch_from_zero": Mistake(
            {"quiz_lr_at_epoch": "answer_lr_epoch = 0.0004"}, {"test_quiz_lr_at_epoch"},
            {"test_quiz_lr_at_epoch": "is epoch 23 of the formula"}),
        "quiz_epoch_one_minus_drop": Mistake(
            {"quiz_lr_at_epoch": "answer_lr_epoch = '0.032'"}, {"test_quiz_lr_at_epoch"},
            {"test_quiz_lr_at_epoch": "(1 - 0.2)"}),
        "quiz_floor_small_rate": Mistake(
            {"quiz_noise_floor": "answer_noise_floor = 0.1 * 0.4 ** 2 / 4"}, {"test_quiz_noise_floor"},
            {"test_quiz_noise_floor": "small-rate approximation"}),
        "quiz_floor_variance": Mistake(
            {"quiz_noise_floor": "answer_noise_floor = 0.0025"}, {"test_quiz_noise_floor"},
            {"test_quiz_noise_floor": "the variance of w"}),
        "quiz_floor_sigma": Mistake(
            {"quiz_noise_floor": "answer_noise_floor = 0.0125"}, {"test_quiz_noise_floor"},
            {"test_quiz_noise_floor": "σ instead of the variance"}),
        "quiz_floor_coefficient": Mistake(
            {"quiz_noise_floor": "answer_noise_floor = 0.1 * 0.16 / (2 * (2 - 0.1 * 2))"}, {"test_quiz_noise_floor"},
            {"test_quiz_noise_floor": "the coefficient of w²"}),
        "noisy_from_one": Mistake(
            {"run_noisy_bowl": BUG_NOISY_FROM_ONE}, {"test_run_noisy_bowl_values"},
            {"test_run_noisy_bowl_values": "the first update uses lr_at(0)"}),
        "noisy_f_of_mean": Mistake(
            {"run_noisy_bowl": BUG_NOISY_F_OF_MEAN}, {"test_run_noisy_bowl_values", "test_run_noisy_bowl_floor"},
            {"test_run_noisy_bowl_values": "f of the mean position", "test_run_noisy_bowl_floor": "f of the mean position"}),
        "noisy_sum": Mistake(
            {"run_noisy_bowl": BUG_NOISY_SUM},
            {"test_run_noisy_bowl_values", "test_run_noisy_bowl_floor", "test_quiz_decay_schedule"},
            {"test_run_noisy_bowl_values": "the sum of f over the runs"}),
        "noisy_no_noise": Mistake(
            {"run_noisy_bowl": BUG_NOISY_NO_NOISE}, {"test_run_noisy_bowl_values", "test_run_noisy_bowl_floor"},
            {"test_run_noisy_bowl_values": "leaving out the noise"}),
        "noisy_no_start": Mistake(
            {"run_noisy_bowl": BUG_NOISY_NO_START},
            {"test_run_noisy_bowl_values", "test_run_noisy_bowl_floor", "test_quiz_decay_schedule"},
            {"test_run_noisy_bowl_values": "leaving out f at the start"}),
        "noisy_reset_velocity": Mistake(
            {"run_noisy_bowl": BUG_NOISY_RESET}, {"test_run_noisy_bowl_values", "test_run_noisy_bowl_floor"},
            {"test_run_noisy_bowl_values": "starting every update from the velocity 0",
             "test_run_noisy_bowl_floor": "starting every update from the velocity 0"}),
        "noisy_minus": Mistake(
            {"run_noisy_bowl": BUG_NOISY_MINUS}, {"test_run_noisy_bowl_values", "test_run_noisy_bowl_floor"},
            {"test_run_noisy_bowl_values": "subtracting the noise"}),
        "decay_constant": Mistake(
            {"quiz_decay_schedule": DECAY_CONSTANT}, {"test_quiz_decay_schedule"},
            {"test_quiz_decay_schedule": "a constant rate"}),
        "decay_long_T": Mistake(
            {"quiz_decay_schedule": DECAY_LONG_T}, {"test_quiz_decay_schedule"},
            {"test_quiz_decay_schedule": "counted in updates, over the 200 of the run"}),
    },
)
