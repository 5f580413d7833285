"""Hidden checks of ch04_optimizers beyond the notebook's tests (instructor-only): one step of each
update rule from a state the notebook never uses, against the formulas of DESIGN.md, the
student's loop on a valley the notebook never uses, against the library's update steps, the two
schedules at numbers the notebook never uses, the noisy run on a three-dimensional valley, and the
student's schedule by the exact mean of f (the library's recursion of mean and covariance)."""

import numpy as np

from dlcourse.checks import as_number, call, check_array, check_true, describe
from dlgrade.spec import NotebookSpec

_rng = np.random.default_rng(44)
_W, _G = _rng.standard_normal((3, 4)), _rng.standard_normal((3, 4))
_S = np.abs(_rng.standard_normal((3, 4)))          # a non-zero state (velocity / accumulated squares)


def _outputs(out, n, label):
    check_true(isinstance(out, (tuple, list)) and len(out) == n, f"{label}: expected {n} arrays, got {describe(out)}.")
    return out


def momentum(ns):
    w, v = _outputs(call(ns["momentum_step"], _W, _G, _S, 0.05, 0.8, name="momentum_step(w, g, v, 0.05, 0.8)"), 2,
                    "momentum_step")
    v_ref = 0.8 * _S - 0.05 * _G
    check_array(v, v_ref, name="v after momentum_step", rtol=1e-9, atol=1e-12)
    check_array(w, _W + v_ref, name="w after momentum_step", rtol=1e-9, atol=1e-12)


def adagrad(ns):
    w, h = _outputs(call(ns["adagrad_step"], _W, _G, _S, 0.1, 1e-7, name="adagrad_step(w, g, h, 0.1, 1e-7)"), 2,
                    "adagrad_step")
    h_ref = _S + _G * _G
    check_array(h, h_ref, name="h after adagrad_step", rtol=1e-9, atol=1e-12)
    check_array(w, _W - 0.1 * _G / (np.sqrt(h_ref) + 1e-7), name="w after adagrad_step", rtol=1e-9, atol=1e-12)


def rmsprop(ns):
    w, h = _outputs(call(ns["rmsprop_step"], _W, _G, _S, 0.01, 0.95, 1e-7,
                         name="rmsprop_step(w, g, h, 0.01, 0.95, 1e-7)"), 2, "rmsprop_step")
    h_ref = 0.95 * _S + 0.05 * _G * _G
    check_array(h, h_ref, name="h after rmsprop_step", rtol=1e-9, atol=1e-12)
    check_array(w, _W - 0.01 * _G / (np.sqrt(h_ref) + 1e-7), name="w after rmsprop_step", rtol=1e-9, atol=1e-12)


def adam(ns):
    m0, v0, t = 0.1 * _G, _S, 4
    w, m, v = _outputs(call(ns["adam_step"], _W, _G, m0, v0, t, 0.002, 0.85, 0.995, 1e-8,
                            name="adam_step(w, g, m, v, t=4, lr=0.002, 0.85, 0.995, 1e-8)"), 3, "adam_step")
    m_ref = 0.85 * m0 + 0.15 * _G
    v_ref = 0.995 * v0 + 0.005 * _G * _G
    w_ref = _W - 0.002 * (m_ref / (1 - 0.85 ** t)) / (np.sqrt(v_ref / (1 - 0.995 ** t)) + 1e-8)
    check_array(m, m_ref, name="m after adam_step", rtol=1e-9, atol=1e-12)
    check_array(v, v_ref, name="v after adam_step", rtol=1e-9, atol=1e-12)
    check_array(w, w_ref, name="w after adam_step (bias-corrected, t = 4)", rtol=1e-7, atol=1e-10)


def run_on_bowl(ns):
    from dlcourse.optimizers import rmsprop_step

    lam, start = np.array([3.0, 0.2]), np.array([0.5, -1.5])
    settings = {"lr": 0.05, "decay_rate": 0.95, "eps": 1e-7}
    label = "run_on_bowl('rmsprop', {'lr': 0.05, 'decay_rate': 0.95, 'eps': 1e-07}, 15, curvatures=(3.0, 0.2), " \
            "start=(0.5, -1.5))"
    out = call(ns["run_on_bowl"], "rmsprop", dict(settings), 15, curvatures=(3.0, 0.2), start=(0.5, -1.5), name=label)
    w, h, ref = start.copy(), np.zeros(2), [0.5 * np.sum(lam * start ** 2)]
    for _ in range(15):
        w, h = rmsprop_step(w, lam * w, h, **settings)
        ref.append(0.5 * np.sum(lam * w ** 2))
    check_array(out, np.array(ref), name=label, rtol=1e-6, atol=1e-12)


def step_schedule(ns):
    from dlcourse.optimizers import step_decay

    epochs = [0, 1, 3, 4, 7, 8, 11.9, 12, 17]
    got = [call(ns["step_decay"], 0.7, e, 0.35, 4, name=f"step_decay(0.7, {e}, 0.35, 4)") for e in epochs]
    check_true(all(np.ndim(g) == 0 for g in got), f"step_decay must return one number, got {describe(got[0])}.")
    check_array(np.array(got, dtype=float), [step_decay(0.7, e, 0.35, 4) for e in epochs],
                name=f"[step_decay(0.7, e, 0.35, 4) for e in {epochs}]", rtol=1e-9, atol=1e-15)


def cosine_schedule(ns):
    from dlcourse.optimizers import cosine_decay

    steps = list(range(0, 21)) + [26, 100]
    got = [call(ns["cosine_decay"], 0.09, t, 13, 0.004, name=f"cosine_decay(0.09, {t}, 13, 0.004)") for t in steps]
    check_true(all(np.ndim(g) == 0 for g in got), f"cosine_decay must return one number, got {describe(got[0])}.")
    check_array(np.array(got, dtype=float), [cosine_decay(0.09, t, 13, 0.004) for t in steps],
                name="[cosine_decay(0.09, t, 13, 0.004) for t in 0 .. 20, 26, 100]", rtol=1e-9, atol=1e-15)


def noisy_run(ns):
    from dlcourse.optimizers import momentum_step

    lam, start = np.array([0.3, 1.5, 0.02]), np.array([2.0, -1.0, 4.0])
    noise = np.random.default_rng(31).standard_normal((25, 40, 3)) * 0.7
    schedule = lambda k: 0.1 * 0.97 ** k
    label = "run_noisy_bowl(lambda k: 0.1 * 0.97 ** k, 0.6, noise (25, 40, 3), curvatures=(0.3, 1.5, 0.02), " \
            "start=(2.0, -1.0, 4.0))"
    out = call(ns["run_noisy_bowl"], schedule, 0.6, noise, curvatures=(0.3, 1.5, 0.02), start=(2.0, -1.0, 4.0),
               name=label)
    w, v = np.tile(start, (40, 1)), np.zeros((40, 3))
    ref = [np.mean(0.5 * np.sum(lam * w * w, axis=1))]
    for k in range(25):
        w, v = momentum_step(w, lam * w + noise[k], v, schedule(k), 0.6)
        ref.append(np.mean(0.5 * np.sum(lam * w * w, axis=1)))
    check_array(out, np.array(ref), name=label, rtol=1e-7, atol=1e-12)


def schedule_exact(ns):
    from dlcourse.plots.optimizers import expected_bowl_loss

    mu = as_number(ns["decay_momentum"], name="decay_momentum")
    rates = np.array([as_number(call(ns["decay_lr"], k, name=f"decay_lr({k})"), name=f"decay_lr({k})")
                      for k in range(200)])
    exact = float(expected_bowl_loss(rates, momentum=mu)[-1])
    check_true(exact < 0.05, f"decay_lr with decay_momentum = {mu:g}: the exact mean of f after 200 updates (the "
                             f"course library's recursion of mean and variance) is {exact:.4g}, not below 0.05.")


NOTEBOOKS = {"ch04_optimizers": NotebookSpec(extra_checks={
    "test_momentum_step_one_step": [momentum],
    "test_adagrad_step_one_step": [adagrad],
    "test_rmsprop_step_one_step": [rmsprop],
    "test_adam_step_later_steps": [adam],
    "test_run_on_bowl_adaptive": [run_on_bowl],
    "test_step_decay_values": [step_schedule],
    "test_cosine_decay_values": [cosine_schedule],
    "test_run_noisy_bowl_values": [noisy_run],
    "test_quiz_decay_schedule": [schedule_exact],
})}
