"""Tests of dlcourse.init: the standard deviations, init_weights and its errors."""

import math

import numpy as np
import pytest

from dlcourse.init import glorot_std, he_std, init_weights, xavier_std


# ---------------------------------------------------------------------------
# the three standard deviations, checked against hand-worked values
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "n_in, expected",
    [(1, 1.0), (4, 0.5), (100, 0.1), (784, 1.0 / 28.0)],
)
def test_xavier_std_hand_values(n_in, expected):
    got = xavier_std(n_in)
    assert isinstance(got, float), f"xavier_std should return a Python float, got {type(got).__name__}."
    assert got == pytest.approx(expected, rel=1e-12), (
        f"xavier_std({n_in}) should be 1/sqrt({n_in}) = {expected}, got {got}. "
        f"The course's Xavier uses only the fan-in n_in (Glorot's sqrt(2/(n_in+n_out)) is glorot_std)."
    )


@pytest.mark.parametrize(
    "n_in, n_out, expected",
    [(1, 1, 1.0), (25, 25, 0.2), (100, 100, 0.1), (3, 5, 0.5)],
)
def test_glorot_std_hand_values(n_in, n_out, expected):
    got = glorot_std(n_in, n_out)
    assert got == pytest.approx(expected, rel=1e-12), (
        f"glorot_std({n_in}, {n_out}) should be sqrt(2/({n_in}+{n_out})) = {expected}, got {got}."
    )


@pytest.mark.parametrize("n_in, expected", [(2, 1.0), (8, 0.5), (200, 0.1), (50, 0.2)])
def test_he_std_hand_values(n_in, expected):
    got = he_std(n_in)
    assert got == pytest.approx(expected, rel=1e-12), (
        f"he_std({n_in}) should be sqrt(2/{n_in}) = {expected}, got {got}. "
        f"He's factor 2 compensates for ReLU zeroing half of the inputs."
    )


def test_he_is_sqrt2_times_xavier():
    for n in (3, 10, 784):
        assert he_std(n) == pytest.approx(math.sqrt(2.0) * xavier_std(n), rel=1e-12)


# ---------------------------------------------------------------------------
# init_weights
# ---------------------------------------------------------------------------
def test_init_weights_shapes_and_zero_biases():
    rng = np.random.default_rng(0)
    layers = init_weights([5, 4, 3], "he", rng)
    assert isinstance(layers, list) and len(layers) == 2, (
        f"init_weights([5, 4, 3], ...) should return a list of 2 (W, b) pairs, got {layers!r:.80}"
    )
    for (W, b), (n_in, n_out) in zip(layers, [(5, 4), (4, 3)]):
        assert W.shape == (n_in, n_out), f"W should have shape (n_in, n_out) = {(n_in, n_out)}, got {W.shape}."
        assert b.shape == (n_out,), f"b should have shape (n_out,) = {(n_out,)}, got {b.shape}."
        assert np.all(b == 0), f"biases should start at zero, got {b}."
        assert W.dtype == np.float64 and b.dtype == np.float64


@pytest.mark.parametrize(
    "method, std_of",
    [
        ("xavier", lambda n_in, n_out: 1.0 / math.sqrt(n_in)),
        ("glorot", lambda n_in, n_out: math.sqrt(2.0 / (n_in + n_out))),
        ("he", lambda n_in, n_out: math.sqrt(2.0 / n_in)),
        (0.01, lambda n_in, n_out: 0.01),
        (0.5, lambda n_in, n_out: 0.5),
    ],
)
def test_sample_std_matches_formula(method, std_of):
    rng = np.random.default_rng(1)
    sizes = [400, 300, 100]
    layers = init_weights(sizes, method, rng)
    for (W, _), n_in, n_out in zip(layers, sizes[:-1], sizes[1:]):
        expected = std_of(n_in, n_out)
        # 30,000+ samples: the sample std is within ~1% of the true one.
        assert W.std() == pytest.approx(expected, rel=0.03), (
            f"method={method!r}: the sample std of a ({n_in}, {n_out}) weight matrix should be "
            f"close to {expected:.5f}, got {W.std():.5f}. Check the formula and that W is "
            f"std * standard_normal (not uniform, not divided twice)."
        )
        assert abs(W.mean()) < 0.05 * expected, f"weights should be centred on 0, mean was {W.mean()}."


def test_zero_method_gives_zeros():
    layers = init_weights([3, 4, 2], "zero", np.random.default_rng(0))
    for W, b in layers:
        assert np.all(W == 0) and np.all(b == 0), "method='zero' should give all-zero W and b."


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("method", ["xavier", "glorot", "he", "zero", 0.1])
def test_dtype_respected(dtype, method):
    for W, b in init_weights([6, 5, 4], method, np.random.default_rng(0), dtype=dtype):
        assert W.dtype == dtype and b.dtype == dtype, (
            f"init_weights(..., dtype={np.dtype(dtype).name}) should give {np.dtype(dtype).name} "
            f"arrays, got W {W.dtype} and b {b.dtype}."
        )


def test_deterministic_for_fixed_rng():
    a = init_weights([7, 5, 3], "he", np.random.default_rng(42))
    b = init_weights([7, 5, 3], "he", np.random.default_rng(42))
    c = init_weights([7, 5, 3], "he", np.random.default_rng(43))
    for (Wa, _), (Wb, _), (Wc, _) in zip(a, b, c):
        assert np.array_equal(Wa, Wb), "the same seed should give the same weights"
        assert not np.array_equal(Wa, Wc), "different seeds should give different weights"


def test_weights_are_std_times_standard_normal():
    """Independent reference: draw the same numbers by hand from a generator with the same seed."""
    sizes = [4, 3, 2]
    layers = init_weights(sizes, "xavier", np.random.default_rng(7))
    ref = np.random.default_rng(7)
    for (W, _), n_in, n_out in zip(layers, sizes[:-1], sizes[1:]):
        expected = ref.standard_normal((n_in, n_out)) / math.sqrt(n_in)
        np.testing.assert_allclose(W, expected, rtol=1e-12)


def test_float32_weights_are_float64_weights_rounded():
    w64 = init_weights([5, 3], "he", np.random.default_rng(3))[0][0]
    w32 = init_weights([5, 3], "he", np.random.default_rng(3), dtype=np.float32)[0][0]
    np.testing.assert_array_equal(w32, w64.astype(np.float32))


def test_does_not_touch_global_random_state():
    np.random.seed(123)
    before = np.random.random()
    np.random.seed(123)
    init_weights([10, 10], "he", np.random.default_rng(0))
    after = np.random.random()
    assert before == after, "init_weights must draw only from the rng it is given"


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------
def test_unknown_method_is_a_clear_error():
    with pytest.raises(ValueError, match=r"Unknown weight initialisation method 'kaiming'.*'he'"):
        init_weights([3, 2], "kaiming", np.random.default_rng(0))


@pytest.mark.parametrize("bad", [0.0, -0.1, float("nan"), float("inf")])
def test_bad_float_std(bad):
    with pytest.raises(ValueError, match="positive finite"):
        init_weights([3, 2], bad, np.random.default_rng(0))


@pytest.mark.parametrize("bad", [None, [], True, [0.1, None]])
def test_bad_method_type(bad):
    with pytest.raises(ValueError, match="method must be"):
        init_weights([3, 2], bad, np.random.default_rng(0))


def test_a_sequence_of_methods_draws_a_stack_from_the_same_numbers():
    layers = init_weights([4, 3, 2], [0.5, "he", 2.0], np.random.default_rng(1), np.float32)
    alone = [init_weights([4, 3, 2], m, np.random.default_rng(1), np.float32) for m in (0.5, "he", 2.0)]
    for l, (W, b) in enumerate(layers):
        assert W.shape == (3,) + alone[0][l][0].shape and b.shape == (3, 1, alone[0][l][0].shape[1])
        assert W.dtype == np.float32 and not b.any()
        for k in range(3):
            np.testing.assert_array_equal(W[k], alone[k][l][0], err_msg=f"member {k}, layer {l + 1}")


@pytest.mark.parametrize(
    "sizes, pattern",
    [([3], "at least two"), ([], "at least two"), ([3, 0], r"sizes\[1\]"), ([3, -2], r"sizes\[1\]"),
     ([3.5, 2], r"sizes\[0\]"), (5, "list of layer widths"), ("784", "list of layer widths")],
)
def test_bad_sizes(sizes, pattern):
    with pytest.raises(ValueError, match=pattern):
        init_weights(sizes, "he", np.random.default_rng(0))


@pytest.mark.parametrize("bad_rng", [None, 0, np.random.RandomState(0)])
def test_bad_rng_says_how_to_make_one(bad_rng):
    with pytest.raises(ValueError, match=r"np\.random\.default_rng"):
        init_weights([3, 2], "he", bad_rng)


def test_bad_dtype():
    with pytest.raises(ValueError, match="floating dtype"):
        init_weights([3, 2], "he", np.random.default_rng(0), dtype=np.int32)


@pytest.mark.parametrize("fn, args", [(xavier_std, (0,)), (he_std, (-1,)), (glorot_std, (3, 0)),
                                      (xavier_std, (2.5,))])
def test_std_functions_reject_non_positive_integers(fn, args):
    with pytest.raises(ValueError, match="positive integer"):
        fn(*args)


def test_numpy_integer_sizes_accepted():
    layers = init_weights(np.array([4, 3]), "glorot", np.random.default_rng(0))
    assert layers[0][0].shape == (4, 3)
