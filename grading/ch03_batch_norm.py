"""Hidden checks of ch03_batch_norm beyond the notebook's tests (instructor-only).

The student's forward runs in the sandbox and its cache stays there; the student's backward is
called on that cache (also in the sandbox); only the arrays come back and are compared here with
the course library's reference pass.
"""

import numpy as np

from dlcourse import layers as L
from dlcourse.checks import call, check_array, check_true, describe
from dlgrade.spec import NotebookSpec

_rng = np.random.default_rng(314)
_X = 1.5 + 2.5 * _rng.standard_normal((12, 5))
_G = _rng.uniform(0.5, 2.0, 5)
_B = _rng.standard_normal(5)
_D = _rng.standard_normal((12, 5))


def forward_and_backward(ns):
    res = call(ns["batchnorm_forward"], _X, _G, _B, 1e-5, name="batchnorm_forward(x (12, 5), gamma, beta, 1e-5)")
    check_true(isinstance(res, (tuple, list)) and len(res) == 2,
               f"batchnorm_forward: expected (out, cache), got {describe(res)}.")
    out, cache = res
    ref_out, ref_cache = L.batchnorm_forward(_X, _G, _B, eps=1e-5)
    check_array(out, ref_out, name="batchnorm_forward(x (12, 5)) output", rtol=1e-6, atol=1e-8)
    grads = call(lambda d: ns["batchnorm_backward"](d, cache), _D, name="batchnorm_backward(dout, your cache)")
    check_true(isinstance(grads, (tuple, list)) and len(grads) == 3,
               f"batchnorm_backward: expected (dx, dgamma, dbeta), got {describe(grads)}.")
    for got, want, what in zip(grads, L.batchnorm_backward(_D, ref_cache), ("dx", "dgamma", "dbeta")):
        check_array(got, want, name=f"{what} of batchnorm_backward for x (12, 5)", rtol=1e-5, atol=1e-7)


def simplified_dx(ns):
    _, ref_cache = L.batchnorm_forward(_X, _G, _B, eps=0.1)
    dx_ref, _, _ = L.batchnorm_backward(_D, ref_cache)
    got = call(ns["batchnorm_dx_simplified"], _D * _G, ref_cache.xhat, ref_cache.std,
               name="batchnorm_dx_simplified(dxhat (12, 5), xhat, std) with eps = 0.1")
    check_array(got, dx_ref, name="batchnorm_dx_simplified for x (12, 5), eps = 0.1", rtol=1e-6, atol=1e-9)


def _running(ns, train):
    gen = np.random.default_rng(271)
    rm, rv, momentum = gen.standard_normal(5), gen.uniform(0.5, 2.0, 5), 0.6
    label = f"batchnorm_forward_running(x (12, 5), ..., train={train}, momentum={momentum})"
    res = call(ns["batchnorm_forward_running"], _X, _G, _B, rm, rv, train, momentum=momentum, name=label)
    check_true(isinstance(res, (tuple, list)) and len(res) == 3,
               f"{label}: expected (out, new_running_mean, new_running_var), got {describe(res)}.")
    if train:
        want = (L.batchnorm_forward(_X, _G, _B)[0], momentum * rm + (1 - momentum) * _X.mean(axis=0),
                momentum * rv + (1 - momentum) * _X.var(axis=0))
    else:
        want = (L.batchnorm_inference(_X, _G, _B, rm, rv), rm, rv)
    for got, ref, what in zip(res, want, ("out", "new_running_mean", "new_running_var")):
        check_array(got, ref, name=f"{what} of {label}", rtol=1e-6, atol=1e-9)


def running_train(ns):
    _running(ns, True)


def running_test(ns):
    _running(ns, False)


_NET = {"W1": "W1", "b1": "b1", "gamma": "gamma1", "beta": "beta1", "W2": "W2", "b2": "b2"}


def _network_case():
    gen = np.random.default_rng(1618)
    n, d, h, c = 16, 7, 5, 4
    params = {"W1": 0.4 * gen.standard_normal((d, h)), "b1": gen.standard_normal(h), "gamma": gen.uniform(0.5, 2, h),
              "beta": gen.standard_normal(h), "W2": gen.standard_normal((h, c)), "b2": gen.standard_normal(c)}
    x, t = 2.0 + gen.standard_normal((n, d)), gen.integers(0, c, n)
    return params, x, t, 0.3, f"bn_net_step(params (D={d}, H={h}, C={c}), x ({n}, {d}), t, lr=0.3)"


def _network_step(ns):
    params, x, t, lr, label = _network_case()
    res = call(ns["bn_net_step"], params, x, t, lr, name=label)
    check_true(isinstance(res, (tuple, list)) and len(res) == 3 and all(isinstance(r, dict) for r in res[1:]),
               f"{label}: expected (loss, grads, new_params) with two dicts, got {describe(res)}.")
    return params, lr, label, res


def network_gradients(ns):
    """bn_net_step's loss and gradients on a case the notebook never shows, against the library's MultiLayerNet."""
    from dlcourse.network import MultiLayerNet

    params, lr, label, (loss, grads, _) = _network_step(ns)
    x, t = _network_case()[1:3]
    d, h = params["W1"].shape
    net = MultiLayerNet(d, [h], params["W2"].shape[1], activation="sigmoid", use_batchnorm=True,
                        rng=np.random.default_rng(0))
    for key, name in _NET.items():
        net.params[name][...] = params[key]
    want = net.gradient(x, t)
    check_array(np.asarray(loss, dtype=float), float(net.last_loss), name=f"loss of {label}", rtol=1e-8)
    for key, name in _NET.items():
        check_array(grads.get(key), want[name], name=f'grads["{key}"] of {label}', rtol=1e-6, atol=1e-10)


def network_update(ns):
    """bn_net_step's new parameters: one SGD step with the gradients it returned, every key."""
    params, lr, label, (_, grads, new_params) = _network_step(ns)
    for key in _NET:
        check_array(new_params.get(key), params[key] - lr * np.asarray(grads.get(key), dtype=float),
                    name=f'new_params["{key}"] of {label}', rtol=1e-9, atol=1e-12)


NOTEBOOKS = {"ch03_batch_norm": NotebookSpec(extra_checks={
    "test_batchnorm_backward_dx": [forward_and_backward],
    "test_batchnorm_dx_simplified_values": [simplified_dx],
    "test_batchnorm_forward_running_train": [running_train],
    "test_batchnorm_forward_running_test": [running_test],
    "test_bn_net_step_values": [network_gradients],
    "test_bn_net_step_update": [network_update],
})}
