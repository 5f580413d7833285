"""Tests of dlcourse.functions: hand-worked values, invariants, extreme inputs, dtypes, errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from dlcourse import functions as F
from dlcourse.gradcheck import numerical_gradient


def no_warnings():
    """Context: every NumPy floating-point event and every warning becomes an error."""

    class _Strict:
        def __enter__(self):
            self._w = warnings.catch_warnings()
            self._w.__enter__()
            warnings.simplefilter("error")
            self._e = np.errstate(all="raise")
            self._e.__enter__()

        def __exit__(self, *exc):
            self._e.__exit__(*exc)
            self._w.__exit__(*exc)
            return False

    return _Strict()


# --------------------------------------------------------------------------- hand-worked values


def test_sigmoid_hand_values():
    got = F.sigmoid(np.array([0.0, math.log(3.0), -math.log(3.0)]))
    np.testing.assert_allclose(got, [0.5, 0.75, 0.25], rtol=1e-15,
                               err_msg="sigmoid(0) must be 1/2 and sigmoid(ln 3) = 3/4")


def test_sigmoid_grad_hand_values_and_maximum():
    assert F.sigmoid_grad(np.array(0.0)) == 0.25, "sigmoid'(0) = 0.25 (the 確認テスト answer)"
    np.testing.assert_allclose(F.sigmoid_grad(np.array([math.log(3.0)])), [0.75 * 0.25], rtol=1e-14)
    xs = np.linspace(-6, 6, 241)
    assert F.sigmoid_grad(xs).max() == pytest.approx(0.25), "the derivative peaks at 0.25 (x = 0)"


def test_tanh_grad_hand_values():
    np.testing.assert_allclose(F.tanh_grad(np.array([0.0, 0.5])), [1.0, 1 - math.tanh(0.5) ** 2], rtol=1e-15)


def test_relu_and_relu_grad_hand_values():
    x = np.array([-2.0, -0.0, 0.0, 1e-300, 3.0])
    np.testing.assert_array_equal(F.relu(x), [0.0, 0.0, 0.0, 1e-300, 3.0])
    np.testing.assert_array_equal(F.relu_grad(x), [0.0, 0.0, 0.0, 1.0, 1.0],
                                  err_msg="relu_grad(0) must be 0 (use x > 0, not x >= 0)")


@pytest.mark.parametrize("fn, grad", [(F.sigmoid, F.sigmoid_grad), (np.tanh, F.tanh_grad)])
def test_grad_functions_match_numerical_derivative(fn, grad):
    x = np.linspace(-3.1, 2.9, 13)
    numeric = np.array([numerical_gradient(lambda v: fn(v).sum(), x[i : i + 1].copy())[0]
                        for i in range(x.size)])
    np.testing.assert_allclose(grad(x), numeric, rtol=1e-8, atol=1e-12)


def test_softmax_hand_values():
    np.testing.assert_allclose(F.softmax(np.array([0.0, math.log(3.0)])), [0.25, 0.75], rtol=1e-15)
    np.testing.assert_allclose(F.softmax(np.zeros((2, 4))), np.full((2, 4), 0.25))


def test_cross_entropy_hand_values_labels_and_one_hot():
    y = np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])
    expected = -(math.log(0.7) + math.log(0.25)) / 2
    assert F.cross_entropy_error(y, np.array([2, 1])) == pytest.approx(expected, rel=1e-14)
    assert F.cross_entropy_error(y, np.array([[0, 0, 1], [0, 1, 0]])) == pytest.approx(expected, rel=1e-14)
    # a single sample (C,) with a scalar label or a one-hot vector: no averaging over rows
    assert F.cross_entropy_error(y[0], 2) == pytest.approx(-math.log(0.7), rel=1e-14)
    assert F.cross_entropy_error(y[0], np.array([0, 0, 1])) == pytest.approx(-math.log(0.7), rel=1e-14)


def test_softmax_cross_entropy_hand_values():
    logits = np.array([[0.0, math.log(3.0)], [2.0, 2.0]])
    expected = -(math.log(0.75) + math.log(0.5)) / 2
    assert F.softmax_cross_entropy(logits, np.array([1, 0])) == pytest.approx(expected, rel=1e-14)
    assert F.softmax_cross_entropy(logits, np.eye(2)[[1, 0]]) == pytest.approx(expected, rel=1e-14)


def test_mean_squared_error_hand_values():
    y = np.array([[1.0, 2.0], [3.0, 4.0]])
    t = np.ones((2, 2))
    assert F.mean_squared_error(y, t) == pytest.approx(0.5 * (0 + 1 + 4 + 9) / 2), "divide by N = 2 rows"
    assert F.mean_squared_error(np.array([1.0, 3.0]), np.array([0.0, 0.0])) == pytest.approx(5.0), \
        "a 1-D input is one sample (N = 1)"


def test_one_hot():
    np.testing.assert_array_equal(F.one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])


# --------------------------------------------------------------------------- invariants


def test_softmax_rows_sum_to_one_and_batch_invariant():
    x = np.linspace(-5, 7, 24).reshape(4, 6) ** 2 / 7
    y = F.softmax(x)
    np.testing.assert_allclose(y.sum(axis=1), np.ones(4), rtol=1e-14,
                               err_msg="each row of softmax must sum to 1 (normalise per row, axis=-1)")
    for i in range(4):
        np.testing.assert_allclose(y[i], F.softmax(x[i]), rtol=1e-14,
                                   err_msg="row i of softmax(batch) must equal softmax(row i): "
                                           "normalising over the whole batch is the classic bug")


def test_softmax_shift_invariant_and_log_softmax_consistent():
    x = np.linspace(-2, 3, 12).reshape(3, 4)
    np.testing.assert_allclose(F.softmax(x + 100.0), F.softmax(x), rtol=1e-12)
    np.testing.assert_allclose(F.log_softmax(x), np.log(F.softmax(x)), rtol=1e-13)


def test_softmax_cross_entropy_equals_composition():
    x = np.linspace(-2, 3, 12).reshape(3, 4)
    t = np.array([3, 0, 1])
    assert F.softmax_cross_entropy(x, t) == pytest.approx(F.cross_entropy_error(F.softmax(x), t), rel=1e-13)


# --------------------------------------------------------------------------- extreme inputs


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_extreme_inputs_no_warnings(dtype):
    x = np.array([-1000.0, -100.0, 0.0, 100.0, 1000.0], dtype=dtype)
    with no_warnings():
        s = F.sigmoid(x)
        g = F.sigmoid_grad(x)
        tg = F.tanh_grad(x)
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(g)) and np.all(np.isfinite(tg))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    assert g[0] == 0.0 and g[-1] == 0.0 and tg[0] == 0.0 and tg[-1] == 0.0
    assert np.all(np.diff(s) >= 0), "sigmoid is monotone"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_and_losses_extreme_logits_no_warnings(dtype):
    x = np.array([[1000.0, -1000.0, 0.0], [1e4, 0.0, -1e4], [-1000.0, -1000.0, -1000.0]], dtype=dtype)
    t = np.array([1, 0, 2])
    with no_warnings():
        y = F.softmax(x)
        logp = F.log_softmax(x)
        loss = F.softmax_cross_entropy(x, t)
        ce = F.cross_entropy_error(y, t)
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(logp))
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(y[2], [1 / 3] * 3, rtol=1e-6)
    # row 0: log p(1) = -2000; row 1: log p(0) = 0; row 2: log(1/3)
    assert loss == pytest.approx((2000.0 + 0.0 + math.log(3.0)) / 3, rel=1e-6), \
        "log-sum-exp keeps the exact value even when softmax underflows to 0"
    assert np.isfinite(ce), "cross_entropy_error must clip zero probabilities instead of log(0)"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_zero_probability_is_finite_and_clipped_to_tiny(dtype):
    y = np.array([[0.0, 1.0], [0.5, 0.5]], dtype=dtype)
    with no_warnings():
        loss = F.cross_entropy_error(y, np.array([0, 0]))
        loss_onehot = F.cross_entropy_error(y, np.array([[1, 0], [1, 0]]))
    expected = (-math.log(float(np.finfo(dtype).tiny)) + math.log(2.0)) / 2
    assert loss == pytest.approx(expected, rel=1e-5), "a zero probability is clipped to finfo.tiny"
    assert loss_onehot == pytest.approx(expected, rel=1e-5)


# --------------------------------------------------------------------------- dtypes and purity

ELEMENTWISE = [F.sigmoid, F.sigmoid_grad, F.tanh_grad, F.relu, F.relu_grad, F.softmax, F.log_softmax]


@pytest.mark.parametrize("fn", ELEMENTWISE, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_elementwise_keep_dtype_and_shape(fn, dtype):
    x = np.linspace(-2, 2, 12, dtype=dtype).reshape(3, 4)
    out = fn(x)
    assert isinstance(out, np.ndarray), f"{fn.__name__} must return an ndarray, got {type(out)}"
    assert out.dtype == dtype, f"{fn.__name__}: {dtype.__name__} in must give {dtype.__name__} out, got {out.dtype}"
    assert out.shape == x.shape


@pytest.mark.parametrize("fn", ELEMENTWISE, ids=lambda f: f.__name__)
def test_integer_input_gives_float64(fn):
    out = fn(np.array([[-1, 0, 2]]))
    assert out.dtype == np.float64, f"{fn.__name__}: integer input must be computed in float64"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_keep_dtype(dtype):
    y = np.array([[0.2, 0.8], [0.6, 0.4]], dtype=dtype)
    t = np.array([1, 0])
    for loss in (F.cross_entropy_error(y, t), F.softmax_cross_entropy(y, t),
                 F.mean_squared_error(y, np.eye(2)[t])):
        assert loss.dtype == dtype and np.ndim(loss) == 0, f"loss must be a {dtype.__name__} scalar, got {loss!r}"


def test_no_function_modifies_its_inputs():
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    p = F.softmax(x)
    t = np.array([0, 3, 1])
    t1 = np.eye(4)[t]
    saved = [a.copy() for a in (x, p, t, t1)]
    for fn in ELEMENTWISE:
        fn(x)
    F.cross_entropy_error(p, t)
    F.cross_entropy_error(p, t1)
    F.softmax_cross_entropy(x, t)
    F.softmax_cross_entropy(x, t1)
    F.mean_squared_error(p, t1)
    for before, after in zip(saved, (x, p, t, t1)):
        np.testing.assert_array_equal(before, after, err_msg="an input array was modified in place")


# --------------------------------------------------------------------------- errors


def test_label_count_mismatch_names_shapes():
    with pytest.raises(ValueError, match=r"\(3,\).*2 rows"):
        F.cross_entropy_error(np.full((2, 4), 0.25), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"\(3,\)"):
        F.softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 1, 2]))


def test_label_out_of_range_says_range():
    with pytest.raises(ValueError, match=r"0\.\.3.*4 classes.*from 0 to 4"):
        F.softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 4]))
    with pytest.raises(ValueError, match="0..3"):
        F.cross_entropy_error(np.full((1, 4), 0.25), np.array([-1]))


def test_float_labels_and_bad_one_hot_shape_rejected():
    with pytest.raises(TypeError, match="integer class labels"):
        F.cross_entropy_error(np.full((2, 2), 0.5), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 2\)"):
        F.cross_entropy_error(np.full((2, 2), 0.5), np.zeros((2, 3)))


def test_mse_shape_mismatch_rejected():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2,\)"):
        F.mean_squared_error(np.zeros((2, 3)), np.array([0, 1]))


def test_softmax_rejects_scalar():
    with pytest.raises(ValueError, match="shape"):
        F.softmax(np.float64(1.0))


# ----------------------------------------------------------------------------- the activation table

def test_activation_table_derivatives_and_ranges():
    x = np.linspace(-4, 4, 81) + 0.05          # no point exactly on ReLU's kink
    assert list(F.ACTIVATIONS) == ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu"]
    for name, act in F.ACTIVATIONS.items():
        assert F.activation(name) is act
        y = act.function(x)
        lo, hi = act.output_range
        assert np.all((y >= lo) & (y <= hi)), f"{name}: values outside {act.output_range}"
        h = 1e-6
        numeric = (act.function(x + h) - act.function(x - h)) / (2 * h)
        np.testing.assert_allclose(act.derivative(x), numeric, atol=1e-8,
                                   err_msg=f"{name}: the derivative at the pre-activation")
    np.testing.assert_array_equal(F.tanh(x), np.tanh(x))
    assert F.tanh(np.float32(0.5)).dtype == np.float32
    with pytest.raises(ValueError, match="'sigmoid', 'tanh', 'relu', 'leaky_relu'"):
        F.activation("softplus")


def test_activation_layer_pairs_come_from_the_table():
    from dlcourse import layers as L

    for name in F.ACTIVATIONS:
        forward, backward = L.activation_layer(name)
        assert forward is getattr(L, f"{name}_forward") and backward is getattr(L, f"{name}_backward")
        x = np.linspace(-2, 2, 9) + 0.05
        out, cache = forward(x)
        np.testing.assert_allclose(out, F.ACTIVATIONS[name].function(x), rtol=1e-15)
        np.testing.assert_allclose(backward(np.ones_like(x), cache), F.ACTIVATIONS[name].derivative(x),
                                   rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="activation must be one of"):
        L.activation_layer("softplus")


def test_new_activations_hand_values_and_kink_conventions():
    """Leaky ReLU, ELU, SELU, GELU against values worked out by hand or with the standard library; at the kink
    x = 0 every piecewise derivative takes the LEFT branch (as relu_grad(0) = 0, and as PyTorch does)."""
    x = np.array([-2.0, -0.0, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(F.leaky_relu(x), [-0.02, -0.0, 0.0, 0.5, 3.0])
    np.testing.assert_allclose(F.leaky_relu(x, alpha=0.2), [-0.4, 0.0, 0.0, 0.5, 3.0], rtol=1e-15)
    np.testing.assert_array_equal(F.leaky_relu_grad(x), [0.01, 0.01, 0.01, 1.0, 1.0])
    np.testing.assert_array_equal(F.leaky_relu(x, alpha=0.0), F.relu(x))
    np.testing.assert_allclose(F.elu(x), [math.exp(-2) - 1, 0.0, 0.0, 0.5, 3.0], rtol=1e-15)
    np.testing.assert_allclose(F.elu_grad(x, alpha=0.5), [0.5 * math.exp(-2), 0.5, 0.5, 1.0, 1.0], rtol=1e-15)
    lam, alpha = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
    assert (F.SELU_LAMBDA, F.SELU_ALPHA) == (lam, alpha)
    np.testing.assert_allclose(F.selu(x), [lam * alpha * (math.exp(-2) - 1), 0, 0, lam * 0.5, lam * 3], rtol=1e-15)
    np.testing.assert_allclose(F.selu_grad(x), [lam * alpha * math.exp(-2), lam * alpha, lam * alpha, lam, lam],
                               rtol=1e-15)
    phi = [0.5 * math.erfc(-v / math.sqrt(2)) for v in x]
    np.testing.assert_allclose(F.gelu(x), x * np.array(phi), rtol=1e-15)
    pdf = np.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(F.gelu_grad(x), np.array(phi) + x * pdf, rtol=1e-15)
    # the minimum of GELU where its derivative vanishes; the tanh formula stays within 5e-4 of the exact one
    assert F.gelu_grad(np.array([F.GELU_ARGMIN]))[0] == pytest.approx(0.0, abs=1e-12)
    assert F.GELU_MIN == pytest.approx(-0.16997120747990, abs=1e-12)
    grid = np.linspace(-8, 8, 4001)
    assert 4.6e-4 < np.max(np.abs(F.gelu(grid, approximate="tanh") - F.gelu(grid))) < 4.8e-4
    with pytest.raises(ValueError, match="approximate must be 'none'"):
        F.gelu(x, approximate="erf")


def test_selu_constants_make_the_standard_normal_a_fixed_point():
    """E[selu(z)] = 0 and E[selu(z)**2] = 1 for z ~ N(0, 1): Simpson's rule on each side of the kink."""
    z = np.linspace(0.0, 12.0, 120001)
    w = np.ones_like(z)
    w[1:-1:2], w[2:-1:2] = 4.0, 2.0
    w *= (z[1] - z[0]) / 3 * np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    mean = np.sum(w * (F.selu(z) + F.selu(-z)))
    second = np.sum(w * (F.selu(z) ** 2 + F.selu(-z) ** 2))
    assert abs(mean) < 1e-12 and abs(second - 1) < 1e-12, (mean, second)


@pytest.mark.parametrize("name", ["leaky_relu", "elu", "selu", "gelu"])
def test_new_activations_are_overflow_free_and_keep_the_dtype(name):
    act = F.activation(name)
    for dtype in (np.float32, np.float64):
        x = np.array([-1e30, -1000.0, -80.0, -0.0, 0.0, 80.0, 1000.0, 1e30], dtype=dtype)
        before = x.copy()
        with no_warnings():
            y, d = act.function(x), act.derivative(x)
        np.testing.assert_array_equal(x, before)
        assert y.dtype == dtype and d.dtype == dtype, name
        assert np.all(np.isfinite(y)) and np.all(np.isfinite(d)), (name, dtype, y, d)
        lo, hi = act.output_range
        assert np.all((y >= lo) & (y <= hi)), (name, y)


def test_require_float_array_names_what_was_wrong():
    a = np.zeros(3)
    assert F.require_float_array(a, "W", "Affine", "kept by reference") is a
    with pytest.raises(TypeError, match=r"Affine: W must be a floating NumPy array \(kept by reference\); got list"):
        F.require_float_array([1.0], "W", "Affine", "kept by reference")
    with pytest.raises(TypeError, match="of dtype int64"):
        F.require_float_array(np.arange(3), "W", "Affine", "kept by reference")
