"""ch05_regularization: the record of the chapter, with the correct and wrong answers its grading tests use."""

from chapters import Chapter, Mistake

# ----------------------------------------------------------------------------- alternative correct code
ALT_L2 = '''
def l2_penalty(weights, lam):
    return 0.5 * lam * sum(np.linalg.norm(W) ** 2 for W in weights)
'''

ALT_L2_GRAD = '''
def l2_penalty_grad(W, lam):
    return np.multiply(W, lam)
'''

ALT_L1 = '''
def l1_penalty(weights, lam):
    return lam * np.sum([np.abs(W).sum() for W in weights])
'''

ALT_L1_GRAD = '''
def l1_penalty_grad(W, lam):
    return np.where(W > 0, lam, np.where(W < 0, -lam, 0.0))
'''

ALT_L1_GRAD_SUBGRADIENT = '''
def l1_penalty_grad(W, lam):
    return np.where(W >= 0, lam, -lam) * np.ones_like(W)
'''

ALT_DROPOUT_FORWARD = '''
def dropout_forward(x, ratio, train, rng):
    if train:
        keep = rng.uniform(size=x.shape) < 1.0 - ratio
        mask = np.where(keep, 1.0 / (1.0 - ratio), 0.0)
        return x * mask, mask
    return x * 1.0, None
'''

ALT_DROPOUT_FORWARD_BINOMIAL = '''
def dropout_forward(x, ratio, train, rng):
    if not train:
        return np.array(x, copy=True), np.ones_like(x)
    mask = rng.binomial(1, 1.0 - ratio, size=x.shape) / (1.0 - ratio)
    return mask * x, mask
'''

ALT_DROPOUT_FORWARD_ALWAYS_DRAWS = '''
def dropout_forward(x, ratio, train, rng):
    keep = rng.random(x.shape) >= ratio
    if not train:
        return x.copy(), None
    mask = keep / (1 - ratio)
    return x * mask, mask
'''

ALT_DROPOUT_BACKWARD = '''
def dropout_backward(dout, mask):
    return np.array(dout, copy=True) if mask is None else np.multiply(dout, mask)
'''




# ----------------------------------------------------------------------------- the mistakes
BUG_L2_NO_HALF = '''
def l2_penalty(weights, lam):
    return lam * sum(np.sum(W ** 2) for W in weights)
'''

BUG_L2_LAST_ONLY = '''
def l2_penalty(weights, lam):
    for W in weights:
        total = 0.5 * lam * np.sum(W ** 2)
    return total
'''

BUG_L2_GRAD_DOUBLE = '''
def l2_penalty_grad(W, lam):
    return 2 * lam * W
'''

BUG_L1_NO_ABS = '''
def l1_penalty(weights, lam):
    return lam * sum(np.sum(W) for W in weights)
'''

BUG_L1_GRAD_USES_W = '''
def l1_penalty_grad(W, lam):
    return lam * W
'''

BUG_L1_GRAD_NAN_AT_ZERO = '''
def l1_penalty_grad(W, lam):
    return lam * W / np.abs(W)
'''

BUG_DROPOUT_NOT_RESCALED = '''
def dropout_forward(x, ratio, train, rng):
    if not train:
        return x.copy(), None
    mask = (rng.random(x.shape) >= ratio).astype(x.dtype)
    return x * mask, mask
'''

BUG_DROPOUT_RATIO_AS_KEEP = '''
def dropout_forward(x, ratio, train, rng):
    if not train:
        return x.copy(), None
    mask = (rng.random(x.shape) < ratio) / ratio
    return x * mask, mask
'''

BUG_DROPOUT_AT_TEST_TIME = '''
def dropout_forward(x, ratio, train, rng):
    mask = (rng.random(x.shape) >= ratio) / (1 - ratio)
    return x * mask, mask
'''

BUG_DROPOUT_NOT_INVERTED = '''
def dropout_forward(x, ratio, train, rng):
    if not train:
        return x * (1 - ratio), None
    mask = (rng.random(x.shape) >= ratio) * 1.0
    return x * mask, mask
'''

BUG_DROPOUT_GLOBAL_RNG = '''
def dropout_forward(x, ratio, train, rng):
    if not train:
        return x.copy(), None
    mask = (np.random.rand(*x.shape) >= ratio) / (1 - ratio)
    return x * mask, mask
'''

BUG_DROPOUT_BACKWARD_IGNORES_MASK = '''
def dropout_backward(dout, mask):
    return dout.copy()
'''

BUG_DROPOUT_BACKWARD_NO_NONE = '''
def dropout_backward(dout, mask):
    return dout * mask
'''


SPARSE_L1_HALF_SLOPE = """
answer_l2 = 0.2
answer_l1_lambda = 0.15
"""

SPARSE_L2_DERIVATIVE = """
answer_l2 = 0.15
answer_l1_lambda = 0.3
"""

SPARSE_SWAPPED = """
answer_l2 = 0
answer_l1_lambda = 0.2
"""

CHAPTER = Chapter(
    name="ch05_regularization",
    title="過学習: L2, L1, dropout, early stopping",
    topic="regularization",
    points=18,
    exercises={
        "l2_penalty": ("test_l2_penalty_value", "test_l2_penalty_derivative"),
        "l2_penalty_grad": ("test_l2_penalty_grad",),
        "l1_penalty": ("test_l1_penalty_value",),
        "l1_penalty_grad": ("test_l1_penalty_grad",),
        "dropout_forward": ("test_dropout_forward_statistics", "test_dropout_forward_kept_values",
                            "test_dropout_forward_test_mode"),
        "dropout_backward": ("test_dropout_backward", "test_dropout_backward_consistent"),
        "quiz_ridge_regression": ("test_quiz_ridge_regression",),
        "quiz_sparse_penalty": ("test_quiz_sparse_penalty",),
        "quiz_dropout_scale": ("test_quiz_dropout_scale",),
    },
    correct={
        "solution": {},
        "alt_l2": {"l2_penalty": ALT_L2, "l2_penalty_grad": ALT_L2_GRAD},
        "alt_l1": {"l1_penalty": ALT_L1, "l1_penalty_grad": ALT_L1_GRAD},
        "alt_l1_subgradient": {"l1_penalty_grad": ALT_L1_GRAD_SUBGRADIENT},
        "alt_dropout": {"dropout_forward": ALT_DROPOUT_FORWARD, "dropout_backward": ALT_DROPOUT_BACKWARD},
        "alt_dropout_binomial": {"dropout_forward": ALT_DROPOUT_FORWARD_BINOMIAL},
        "alt_dropout_always_draws": {"dropout_forward": ALT_DROPOUT_FORWARD_ALWAYS_DRAWS},
        "alt_quizzes": {"quiz_ridge_regression": 'answer_ridge = " (A) "',
                        "quiz_sparse_penalty": "answer_l2 = '1/5'\nanswer_l1_lambda = ' 0.30 '",
                        "quiz_dropout_scale": "answer_dropout_out = np.float32(3.2)"},
    },
    mistakes={
        "l2_no_half": Mistake(
            {"l2_penalty": BUG_L2_NO_HALF}, {"test_l2_penalty_value", "test_l2_penalty_derivative"},
            {"test_l2_penalty_value": "forgetting the 1/2", "test_l2_penalty_derivative": "forgetting the 1/2"}),
        "l2_last_only": Mistake(
            {"l2_penalty": BUG_L2_LAST_ONLY}, {"test_l2_penalty_value"},
            {"test_l2_penalty_value": "only the last array"}),
        "l2_grad_double": Mistake(
            {"l2_penalty_grad": BUG_L2_GRAD_DOUBLE}, {"test_l2_penalty_grad"},
            {"test_l2_penalty_grad": "without the 1/2"}),
        "l1_no_abs": Mistake(
            {"l1_penalty": BUG_L1_NO_ABS}, {"test_l1_penalty_value"},
            {"test_l1_penalty_value": "instead of |W|"}),
        "l1_grad_uses_w": Mistake(
            {"l1_penalty_grad": BUG_L1_GRAD_USES_W}, {"test_l1_penalty_grad"},
            {"test_l1_penalty_grad": "using W instead of its sign"}),
        "l1_grad_nan_at_zero": Mistake(
            {"l1_penalty_grad": BUG_L1_GRAD_NAN_AT_ZERO}, {"test_l1_penalty_grad"},
            {"test_l1_penalty_grad": "NaN"}),
        "dropout_not_rescaled": Mistake(
            {"dropout_forward": BUG_DROPOUT_NOT_RESCALED},
            {"test_dropout_forward_statistics", "test_dropout_forward_kept_values"},
            {"test_dropout_forward_statistics": "did not rescale",
             "test_dropout_forward_kept_values": "not rescaling the kept units"}),
        "dropout_ratio_as_keep": Mistake(
            {"dropout_forward": BUG_DROPOUT_RATIO_AS_KEEP},
            {"test_dropout_forward_statistics", "test_dropout_forward_kept_values"},
            {"test_dropout_forward_statistics": "probability of KEEPING",
             "test_dropout_forward_kept_values": "probability of KEEPING"}),
        "dropout_at_test_time": Mistake(
            {"dropout_forward": BUG_DROPOUT_AT_TEST_TIME},
            {"test_dropout_forward_test_mode", "test_dropout_backward_consistent"},
            {"test_dropout_forward_test_mode": "only applied in training"}),
        "dropout_not_inverted": Mistake(
            {"dropout_forward": BUG_DROPOUT_NOT_INVERTED},
            {"test_dropout_forward_statistics", "test_dropout_forward_kept_values", "test_dropout_forward_test_mode"},
            {"test_dropout_forward_test_mode": "multiplying by (1 - ratio) at test time"}),
        "dropout_global_rng": Mistake(
            {"dropout_forward": BUG_DROPOUT_GLOBAL_RNG},
            {"test_dropout_forward_kept_values", "test_dropout_backward_consistent"},
            {"test_dropout_forward_kept_values": "not from np.random"}),
        "dropout_backward_ignores_mask": Mistake(
            {"dropout_backward": BUG_DROPOUT_BACKWARD_IGNORES_MASK},
            {"test_dropout_backward", "test_dropout_backward_consistent"},
            {"test_dropout_backward": "returning dout unchanged",
             "test_dropout_backward_consistent": "returning dout unchanged"}),
        "dropout_backward_no_none": Mistake(
            {"dropout_backward": BUG_DROPOUT_BACKWARD_NO_NONE},
            {"test_dropout_backward", "test_dropout_backward_consistent"},
            {"test_dropout_backward": "dropout_backward(dout, None)"}),
        "ridge_is_sparse": Mistake(
            {"quiz_ridge_regression": 'answer_ridge = "b"'}, {"test_quiz_ridge_regression"},
            {"test_quiz_ridge_regression": "what lasso (L1) does"}),
        "ridge_scale_invariant": Mistake(
            {"quiz_ridge_regression": 'answer_ridge = "C"'}, {"test_quiz_ridge_regression"},
            {"test_quiz_ridge_regression": "not scale-invariant"}),
        "ridge_penalises_bias": Mistake(
            {"quiz_ridge_regression": 'answer_ridge = "d"'}, {"test_quiz_ridge_regression"},
            {"test_quiz_ridge_regression": "intercept is not penalised"}),
        "sparse_l1_half_slope": Mistake(
            {"quiz_sparse_penalty": SPARSE_L1_HALF_SLOPE}, {"test_quiz_sparse_penalty"},
            {"test_quiz_sparse_penalty": "half the pull of the data"}),
        "sparse_l2_derivative": Mistake(
            {"quiz_sparse_penalty": SPARSE_L2_DERIVATIVE}, {"test_quiz_sparse_penalty"},
            {"test_quiz_sparse_penalty": "λw² instead of λw"}),
        "sparse_swapped": Mistake(
            {"quiz_sparse_penalty": SPARSE_SWAPPED}, {"test_quiz_sparse_penalty"},
            {"test_quiz_sparse_penalty": "no finite λ makes w exactly 0"}),
        "dropout_scale_not_inverted": Mistake(
            {"quiz_dropout_scale": "answer_dropout_out = 1.8"}, {"test_quiz_dropout_scale"},
            {"test_quiz_dropout_scale": "non-inverted dropout"}),
        "dropout_scale_keep_probability": Mistake(
            {"quiz_dropout_scale": "answer_dropout_out = '9.6'"}, {"test_quiz_dropout_scale"},
            {"test_quiz_dropout_scale": "probability of keeping"}),
    },
)
