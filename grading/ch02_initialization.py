"""Hidden checks of ch02_initialization beyond the notebook's tests (instructor-only)."""

import numpy as np

from dlcourse.checks import call, check_array, check_scalar, check_true, describe
from dlgrade.spec import NotebookSpec


def stds(ns):
    for n in (3, 77, 4096):
        check_scalar(call(ns["xavier_std"], n, name=f"xavier_std({n})"), 1 / np.sqrt(n), name=f"xavier_std({n})",
                     rtol=1e-9, mistakes={"He's sqrt(2 / n_in)": np.sqrt(2 / n)})
        check_scalar(call(ns["he_std"], n, name=f"he_std({n})"), np.sqrt(2 / n), name=f"he_std({n})", rtol=1e-9,
                     mistakes={"Xavier's 1 / sqrt(n_in)": 1 / np.sqrt(n)})


def init_statistics(ns):
    sizes = [300, 200, 5]
    params = call(ns["init_weights"], sizes, "he", np.random.default_rng(99), name="init_weights([300, 200, 5], 'he', rng)")
    check_true(isinstance(params, (list, tuple)) and len(params) == 2,
               f"init_weights([300, 200, 5], 'he', rng): expected 2 (W, b) pairs, got {describe(params)}.")
    for (W, b), n_in, n_out in zip(params, sizes[:-1], sizes[1:]):
        check_true(isinstance(W, np.ndarray) and W.shape == (n_in, n_out) and isinstance(b, np.ndarray)
                   and b.shape == (n_out,), f"init_weights: expected W {(n_in, n_out)} and b {(n_out,)}, got "
                   f"{describe(W)} and {describe(b)}.")
        check_array(b, np.zeros(n_out), name=f"b of the {n_in}->{n_out} layer", rtol=0, atol=0)
        # The sample standard deviation of n_in*n_out normal draws is within 5 % of the target
        # (6000 draws at least: the relative standard error is below 1 %).
        check_scalar(float(np.std(W)), np.sqrt(2 / n_in), name=f"std of W ({n_in}->{n_out}, He)", rtol=0.05,
                     mistakes={"using n_out instead of n_in": np.sqrt(2 / n_out)})


NOTEBOOKS = {"ch02_initialization": NotebookSpec(extra_checks={
    "test_he_std_values": [stds],
    "test_init_weights_std": [init_statistics],
})}
