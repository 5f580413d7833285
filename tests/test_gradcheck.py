"""Tests of dlcourse.gradcheck: numerical gradients, relative errors, the layer check."""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse.gradcheck import check_layer_backward, numerical_gradient, relative_error
from dlcourse.layers import affine_backward, affine_forward


# --------------------------------------------------------------------------- numerical_gradient


@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (2, 1, 3)])
def test_numerical_gradient_of_known_functions(shape):
    x = np.linspace(-1.3, 2.1, int(np.prod(shape))).reshape(shape)
    grad = numerical_gradient(lambda v: np.sum(v**3) + np.sum(np.sin(v)), x)
    assert grad.shape == x.shape and grad.dtype == np.float64
    np.testing.assert_allclose(grad, 3 * x**2 + np.cos(x), rtol=1e-8, atol=1e-10)


def test_numerical_gradient_restores_x_bitwise():
    x = np.array([[0.1, 1e-3, -7.3], [1 / 3, 2.0**-20, 123.456]])
    saved = x.copy()
    numerical_gradient(lambda v: float(np.sum(v * v)), x)
    assert np.array_equal(x, saved) and x.tobytes() == saved.tobytes(), "x must be restored exactly"


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.ones(3)

    def boom(v):
        raise RuntimeError("inside f")

    with pytest.raises(RuntimeError, match="inside f"):
        numerical_gradient(boom, x)
    np.testing.assert_array_equal(x, np.ones(3))


def test_numerical_gradient_closure_style_as_in_the_book():
    # f ignores its argument and reads W through a closure: W is perturbed in place
    W = np.array([[1.0, -2.0], [0.5, 3.0]])
    xb = np.array([[1.0, 2.0]])
    grad = numerical_gradient(lambda _: float(np.sum(xb @ W)), W)
    np.testing.assert_allclose(grad, np.array([[1.0, 1.0], [2.0, 2.0]]), rtol=1e-9)


def test_numerical_gradient_float32_uses_the_step_actually_taken():
    x = np.array([1.0, 100.0, -3.0], dtype=np.float32)
    grad = numerical_gradient(lambda v: float(np.sum(v.astype(np.float64) * 2.0)), x)
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, [2.0, 2.0, 2.0], rtol=1e-6)
    assert x.dtype == np.float32 and np.array_equal(x, np.array([1.0, 100.0, -3.0], np.float32))


def test_numerical_gradient_errors():
    with pytest.raises(TypeError, match="floating NumPy array"):
        numerical_gradient(lambda v: 0.0, np.array([1, 2]))
    with pytest.raises(TypeError, match="floating NumPy array"):
        numerical_gradient(lambda v: 0.0, [1.0, 2.0])
    with pytest.raises(ValueError, match="must return a scalar"):
        numerical_gradient(lambda v: v * 2, np.ones(2))


# --------------------------------------------------------------------------- relative_error


def test_relative_error_values():
    assert relative_error(np.ones(3), np.ones(3)) == 0.0
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.2])) == pytest.approx(0.2 / 4.2)
    # the denominator is floored at 1e-8, so two tiny numbers do not look wildly different
    assert relative_error(np.array([0.0]), np.array([1e-12])) == pytest.approx(1e-4)
    assert relative_error(np.array([1.0]), np.array([-1.0])) == 1.0
    assert isinstance(relative_error(np.zeros(2), np.zeros(2)), float)


def test_relative_error_shape_mismatch():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(3, 2\)"):
        relative_error(np.zeros((2, 3)), np.zeros((3, 2)))


# --------------------------------------------------------------------------- check_layer_backward


def _affine_inputs():
    r = np.random.default_rng(0)
    return {"x": r.standard_normal((3, 4)), "W": r.standard_normal((4, 2)), "b": r.standard_normal(2)}


def test_check_layer_backward_passes_a_correct_layer_and_keeps_inputs():
    inputs = _affine_inputs()
    saved = {k: v.copy() for k, v in inputs.items()}
    errors = check_layer_backward(affine_forward, affine_backward, inputs, np.random.default_rng(1))
    assert list(errors) == ["x", "W", "b"]
    assert max(errors.values()) < 1e-8, errors
    for k in inputs:
        np.testing.assert_array_equal(inputs[k], saved[k], err_msg=f"{k} was modified")


def test_check_layer_backward_catches_wrong_backwards():
    inputs = _affine_inputs()

    def forgot_transpose(dout, cache):  # dW = dout.T @ x: the right numbers, transposed
        dx, dW, db = affine_backward(dout, cache)
        return dx, dW[::-1, ::-1].copy(), db

    def no_batch_sum(dout, cache):  # db = dout[0] instead of the sum over the batch
        dx, dW, _ = affine_backward(dout, cache)
        return dx, dW, dout[0]

    for bad, key in [(forgot_transpose, "W"), (no_batch_sum, "b")]:
        errors = check_layer_backward(affine_forward, bad, inputs, np.random.default_rng(1))
        assert errors[key] > 1e-2, f"a broken backward must be detected: {errors}"
        others = [v for k, v in errors.items() if k != key]
        assert max(others) < 1e-8


def test_check_layer_backward_wrt_subset_and_errors():
    inputs = _affine_inputs()
    errors = check_layer_backward(lambda x, W, b: affine_forward(x, W, b),
                                  lambda dout, cache: affine_backward(dout, cache)[1],
                                  inputs, np.random.default_rng(1), wrt=["W"])
    assert list(errors) == ["W"] and errors["W"] < 1e-8
    with pytest.raises(ValueError, match="returned 3 gradients but wrt names 1"):
        check_layer_backward(affine_forward, affine_backward, inputs, np.random.default_rng(1), wrt=["x"])
    with pytest.raises(ValueError, match="not keys of inputs"):
        check_layer_backward(affine_forward, affine_backward, inputs, np.random.default_rng(1), wrt=["w"])
    with pytest.raises(TypeError, match="default_rng"):
        check_layer_backward(affine_forward, affine_backward, inputs, 0)


def test_check_layer_backward_same_rng_same_result():
    inputs = _affine_inputs()
    a = check_layer_backward(affine_forward, affine_backward, inputs, np.random.default_rng(5))
    b = check_layer_backward(affine_forward, affine_backward, inputs, np.random.default_rng(5))
    assert a == b
