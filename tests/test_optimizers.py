"""Tests of dlcourse.optimizers against values worked out by hand.

Numbers are chosen so the square roots come out round:
w = [1, -2], g1 = [0.3, -0.4] (so g1*g1 = [0.09, 0.16], sqrt = [0.3, 0.4]),
g2 = [0.4, 0.3] (g1*g1 + g2*g2 = [0.25, 0.25], sqrt = 0.5), lr = 0.1.
"""

import math

import numpy as np
import pytest

from dlcourse.optimizers import (
    SGD,
    AdaGrad,
    Adam,
    Momentum,
    RMSprop,
    adagrad_step,
    adam_step,
    momentum_step,
    rmsprop_step,
    sgd_step,
)

W0 = [1.0, -2.0]
G1 = [0.3, -0.4]
G2 = [0.4, 0.3]
LR = 0.1


def _two_class_steps(opt, dtype=np.float64):
    w = np.array(W0, dtype=dtype)
    params = {"W": w}
    opt.update(params, {"W": np.array(G1, dtype=dtype)})
    w1 = params["W"].copy()
    opt.update(params, {"W": np.array(G2, dtype=dtype)})
    assert params["W"] is w, "update must change the arrays of params in place, not replace them"
    return w1, params["W"].copy()


def _check(got, expected, what, hint):
    np.testing.assert_allclose(
        got, expected, rtol=1e-12, atol=1e-15,
        err_msg=f"{what}: expected {expected}, got {got}. {hint}",
    )


# ---------------------------------------------------------------------------
# two steps of each optimizer against hand-computed values
# ---------------------------------------------------------------------------
def test_sgd_two_steps_by_hand():
    # w1 = [1 - 0.03, -2 + 0.04];  w2 = w1 - 0.1 * [0.4, 0.3]
    w1, w2 = _two_class_steps(SGD(lr=LR))
    _check(w1, [0.97, -1.96], "SGD step 1", "SGD is w -= lr * g.")
    _check(w2, [0.93, -1.99], "SGD step 2", "SGD is w -= lr * g.")
    _check(sgd_step(np.array(W0), np.array(G1), LR), [0.97, -1.96], "sgd_step", "")


def test_momentum_two_steps_by_hand():
    # v1 = -0.1*g1 = [-0.03, 0.04];            w1 = [0.97, -1.96]
    # v2 = 0.9*v1 - 0.1*g2 = [-0.027-0.04, 0.036-0.03] = [-0.067, 0.006];  w2 = [0.903, -1.954]
    opt = Momentum(lr=LR, momentum=0.9)
    w1, w2 = _two_class_steps(opt)
    hint = "Momentum is v = momentum*v - lr*g; w += v (v starts at 0)."
    _check(w1, [0.97, -1.96], "Momentum step 1", hint)
    _check(w2, [0.903, -1.954], "Momentum step 2", hint)
    _check(opt.v["W"], [-0.067, 0.006], "Momentum velocity after 2 steps", hint)


def test_adagrad_two_steps_by_hand():
    # eps = 0: h1 = [0.09, 0.16]; w1 = w - 0.1*[0.3/0.3, -0.4/0.4] = [0.9, -1.9]
    # h2 = [0.25, 0.25];          w2 = w1 - 0.1*[0.4/0.5, 0.3/0.5] = [0.82, -1.96]
    opt = AdaGrad(lr=LR, eps=0.0)
    w1, w2 = _two_class_steps(opt)
    hint = "AdaGrad is h += g*g; w -= lr*g/(sqrt(h)+eps), h summed over ALL steps."
    _check(w1, [0.9, -1.9], "AdaGrad step 1", hint)
    _check(w2, [0.82, -1.96], "AdaGrad step 2", hint)
    _check(opt.h["W"], [0.25, 0.25], "AdaGrad h after 2 steps", hint)


def test_adagrad_eps_is_added_after_the_square_root():
    # eps = 0.1: sqrt(h1) + eps = [0.4, 0.5]; w1 = [1 - 0.1*0.3/0.4, -2 + 0.1*0.4/0.5] = [0.925, -1.92]
    w, h = adagrad_step(np.array(W0), np.array(G1), np.zeros(2), LR, 0.1)
    _check(w, [0.925, -1.92], "adagrad_step with eps=0.1",
           "eps goes outside the square root: sqrt(h) + eps, not sqrt(h + eps).")
    _check(h, [0.09, 0.16], "adagrad_step h", "")


def test_rmsprop_two_steps_by_hand():
    # decay 0.5, eps 0: h1 = 0.5*g1^2 = [0.045, 0.08]; g1/sqrt(h1) = sqrt(2)*sign(g1)
    #   w1 = [1 - 0.1*sqrt(2), -2 + 0.1*sqrt(2)]
    # h2 = 0.5*h1 + 0.5*g2^2 = [0.0225 + 0.08, 0.04 + 0.045] = [0.1025, 0.085]
    #   w2 = w1 - 0.1*[0.4/sqrt(0.1025), 0.3/sqrt(0.085)]
    opt = RMSprop(lr=LR, decay_rate=0.5, eps=0.0)
    w1, w2 = _two_class_steps(opt)
    r2 = math.sqrt(2.0)
    exp1 = [1 - 0.1 * r2, -2 + 0.1 * r2]
    exp2 = [exp1[0] - 0.1 * 0.4 / math.sqrt(0.1025), exp1[1] - 0.1 * 0.3 / math.sqrt(0.085)]
    hint = "RMSprop is h = decay*h + (1-decay)*g*g; w -= lr*g/(sqrt(h)+eps)."
    _check(w1, exp1, "RMSprop step 1", hint)
    _check(w2, exp2, "RMSprop step 2", hint)
    _check(opt.h["W"], [0.1025, 0.085], "RMSprop h after 2 steps", hint)


def test_adam_two_steps_by_hand():
    # beta1 0.5, beta2 0.75, eps 0.
    # t=1: m1 = 0.5*g1 = [0.15, -0.2]; v1 = 0.25*g1^2 = [0.0225, 0.04]
    #      m_hat = m1/0.5 = g1; v_hat = v1/0.25 = g1^2; w1 = w - 0.1*sign(g1) = [0.9, -1.9]
    # t=2: m2 = 0.5*m1 + 0.5*g2 = [0.275, 0.05]; v2 = 0.75*v1 + 0.25*g2^2 = [0.056875, 0.0525]
    #      m_hat = m2/0.75; v_hat = v2/0.4375 = [0.13, 0.12]
    opt = Adam(lr=LR, beta1=0.5, beta2=0.75, eps=0.0)
    w1, w2 = _two_class_steps(opt)
    exp2 = [0.9 - 0.1 * (0.275 / 0.75) / math.sqrt(0.13), -1.9 - 0.1 * (0.05 / 0.75) / math.sqrt(0.12)]
    hint = ("Adam: m = b1*m + (1-b1)*g, v = b2*v + (1-b2)*g*g, m_hat = m/(1-b1**t), "
            "v_hat = v/(1-b2**t), w -= lr*m_hat/(sqrt(v_hat)+eps), with t = 1 on the first step.")
    _check(w1, [0.9, -1.9], "Adam step 1", hint)
    _check(w2, exp2, "Adam step 2", hint)
    _check(opt.m["W"], [0.275, 0.05], "Adam m after 2 steps", hint)
    _check(opt.v["W"], [0.056875, 0.0525], "Adam v after 2 steps", hint)
    assert opt.t == 2, f"Adam should have counted 2 steps, t = {opt.t}"


def test_adam_eps_is_added_to_sqrt_of_bias_corrected_v():
    # beta1 0.5, beta2 0.75, eps 0.1, t=1: sqrt(v_hat) + eps = |g1| + 0.1 = [0.4, 0.5]
    # w1 = [1 - 0.1*0.3/0.4, -2 + 0.1*0.4/0.5] = [0.925, -1.92]
    w, m, v = adam_step(np.array(W0), np.array(G1), np.zeros(2), np.zeros(2), 1, LR, 0.5, 0.75, 0.1)
    _check(w, [0.925, -1.92], "adam_step with eps=0.1",
           "eps is added to sqrt(v_hat), the bias-corrected second moment.")
    _check(m, [0.15, -0.2], "adam_step m", "")
    _check(v, [0.0225, 0.04], "adam_step v", "")


def test_adam_first_step_moves_each_weight_by_lr():
    """With t starting at 1, bias correction makes the first step lr*sign(g), whatever |g| is."""
    g = np.array([1e-3, -5.0, 2.0, -0.02])
    w = np.zeros(4)
    params = {"w": w}
    Adam(lr=0.01).update(params, {"w": g})
    np.testing.assert_allclose(
        w, -0.01 * np.sign(g), rtol=1e-4,
        err_msg="Adam's first step should move each weight by about lr*sign(g). A much smaller step "
                "usually means the bias correction is missing or t started at 0 "
                "(a division by zero then) or was incremented after the step.",
    )


# ---------------------------------------------------------------------------
# classes vs pure functions, in place, dtypes, purity
# ---------------------------------------------------------------------------
def _random_problem(dtype, seed=0):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.standard_normal((4, 3)).astype(dtype), "b1": rng.standard_normal(3).astype(dtype)}
    grads_seq = [
        {k: rng.standard_normal(v.shape).astype(dtype) for k, v in params.items()} for _ in range(3)
    ]
    return params, grads_seq


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["sgd", "momentum", "adagrad", "rmsprop", "adam"])
def test_class_agrees_with_pure_function_and_updates_in_place(name, dtype):
    params, grads_seq = _random_problem(dtype)
    arrays_before = {k: v for k, v in params.items()}
    ref = {k: v.copy() for k, v in params.items()}
    state = {k: [np.zeros_like(v), np.zeros_like(v)] for k, v in params.items()}
    opt = {
        "sgd": SGD(lr=0.1),
        "momentum": Momentum(lr=0.1, momentum=0.8),
        "adagrad": AdaGrad(lr=0.1, eps=1e-7),
        "rmsprop": RMSprop(lr=0.1, decay_rate=0.9, eps=1e-7),
        "adam": Adam(lr=0.1, beta1=0.8, beta2=0.9, eps=1e-8),
    }[name]
    for t, grads in enumerate(grads_seq, start=1):
        opt.update(params, grads)
        for k in ref:
            g, s = grads[k], state[k]
            if name == "sgd":
                ref[k] = sgd_step(ref[k], g, 0.1)
            elif name == "momentum":
                ref[k], s[0] = momentum_step(ref[k], g, s[0], 0.1, 0.8)
            elif name == "adagrad":
                ref[k], s[0] = adagrad_step(ref[k], g, s[0], 0.1, 1e-7)
            elif name == "rmsprop":
                ref[k], s[0] = rmsprop_step(ref[k], g, s[0], 0.1, 0.9, 1e-7)
            else:
                ref[k], s[0], s[1] = adam_step(ref[k], g, s[0], s[1], t, 0.1, 0.8, 0.9, 1e-8)
    for k in params:
        assert params[k] is arrays_before[k], f"{name}: params[{k!r}] was replaced, not changed in place"
        assert params[k].dtype == dtype, f"{name}: params[{k!r}] changed dtype to {params[k].dtype}"
        assert ref[k].dtype == dtype, f"{name}: the pure step returned {ref[k].dtype} for {np.dtype(dtype)} input"
        tol = 1e-5 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(params[k], ref[k], rtol=tol, atol=tol,
                                   err_msg=f"{name}: class update and pure step disagree on {k}")


@pytest.mark.parametrize("cls", [Momentum, AdaGrad, RMSprop, Adam])
def test_state_is_created_lazily_with_param_dtype(cls):
    opt = cls(lr=0.01)
    stores = [getattr(opt, n) for n in ("v", "h", "m") if hasattr(opt, n)]
    assert all(len(s) == 0 for s in stores), "no state should exist before the first update"
    params = {"W": np.ones((2, 3), np.float32), "b": np.ones(3, np.float32)}
    opt.update(params, {"W": np.full((2, 3), 0.5, np.float32), "b": np.full(3, 0.5, np.float32)})
    for store in stores:
        assert set(store) == {"W", "b"}
        for k, s in store.items():
            assert s.dtype == np.float32 and s.shape == params[k].shape, (
                f"{cls.__name__}: state for {k!r} should be float32 of shape {params[k].shape}, "
                f"got {s.dtype} {s.shape}"
            )


def test_pure_functions_do_not_modify_inputs():
    w, g, a, b = (np.array(x) for x in (W0, G1, [0.1, 0.2], [0.3, 0.4]))
    copies = [x.copy() for x in (w, g, a, b)]
    outs = [
        sgd_step(w, g, 0.1),
        *momentum_step(w, g, a, 0.1, 0.9),
        *adagrad_step(w, g, a, 0.1, 1e-7),
        *rmsprop_step(w, g, a, 0.1, 0.9, 1e-7),
        *adam_step(w, g, a, b, 3, 0.1, 0.9, 0.999, 1e-8),
    ]
    for x, c in zip((w, g, a, b), copies):
        np.testing.assert_array_equal(x, c, err_msg="a pure step function modified one of its inputs")
    for out in outs:
        assert not any(np.shares_memory(out, x) for x in (w, g, a, b)), "outputs must be NEW arrays"


def test_zero_gradient_at_start_is_safe_with_default_eps():
    params = {"W": np.ones(3)}
    for opt in (AdaGrad(0.1), RMSprop(0.1), Adam(0.1)):
        with np.errstate(all="raise"):
            opt.update(params, {"W": np.zeros(3)})
        np.testing.assert_array_equal(params["W"], np.ones(3), err_msg=f"{opt!r} moved on a zero gradient")


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("bad_lr", [0, -0.1, float("nan"), "0.1"])
def test_bad_learning_rate(bad_lr):
    with pytest.raises(ValueError, match="lr"):
        SGD(lr=bad_lr)


@pytest.mark.parametrize("t", [0, -1, 1.5])
def test_adam_step_rejects_t_below_one(t):
    with pytest.raises(ValueError, match="t is the step number"):
        adam_step(np.ones(2), np.ones(2), np.zeros(2), np.zeros(2), t, 0.1, 0.9, 0.999, 1e-8)


def test_shape_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match=r"shape"):
        momentum_step(np.ones(3), np.ones(2), np.zeros(3), 0.1, 0.9)
    with pytest.raises(ValueError, match=r"grads\['W'\] has shape \(2,\)"):
        SGD(0.1).update({"W": np.ones(3)}, {"W": np.ones(2)})


def test_missing_gradient_key_is_a_clear_error():
    with pytest.raises(ValueError, match=r"no entry for \['b'\]"):
        Adam(0.1).update({"W": np.ones(3), "b": np.ones(1)}, {"W": np.ones(3)})


def test_bad_decay_rates():
    with pytest.raises(ValueError, match="momentum"):
        Momentum(0.1, momentum=1.0)
    with pytest.raises(ValueError, match="decay_rate"):
        RMSprop(0.1, decay_rate=-0.1)
    with pytest.raises(ValueError, match="beta2"):
        Adam(0.1, beta2=1.5)
