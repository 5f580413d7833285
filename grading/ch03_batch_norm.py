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


NOTEBOOKS = {"ch03_batch_norm": NotebookSpec(extra_checks={
    "test_batchnorm_backward_dx": [forward_and_backward],
    "test_batchnorm_dx_simplified_values": [simplified_dx],
    "test_batchnorm_forward_running_train": [running_train],
    "test_batchnorm_forward_running_test": [running_test],
})}
