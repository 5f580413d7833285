"""Tests of dlcourse.layers: gradient checks, hand-worked values, an independent convolution,
the layer classes, running statistics, dtypes, purity and error messages."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from dlcourse import layers as L
from dlcourse.gradcheck import check_layer_backward

# Relative error allowed between backward and central differences (float64). The inputs of
# the gradient checks are fixed, of order 1, and away from kinks; with them the worst error
# seen is below 1e-8. (relative_error floors |a|+|b| at 1e-8, so an input whose gradient had
# an entry of ~1e-5 by chance would show ~1e-7 from rounding alone: change the seed, not TOL.)
TOL = 1e-7


def rng(seed=0):
    return np.random.default_rng(seed)


def assert_backward_ok(errors, what):
    worst = max(errors.values())
    assert worst < TOL, (
        f"{what}: backward disagrees with the numerical gradient (relative errors {errors}, "
        f"expected < {TOL}). A wrong transpose, a missing sum over the batch or a forgotten "
        f"1/N usually causes errors of order 1."
    )


def away_from_zero(shape, seed, margin=0.1):
    """Random values with |x| >= margin, so that ReLU kinks are never crossed by h."""
    r = rng(seed)
    return r.choice([-1.0, 1.0], size=shape) * r.uniform(margin, 2.0, size=shape)


# --------------------------------------------------------------------------- gradient checks


def test_affine_backward_gradcheck():
    r = rng(1)
    x, W, b = r.standard_normal((3, 2, 3)), r.standard_normal((6, 4)), r.standard_normal(4)
    assert_backward_ok(check_layer_backward(L.affine_forward, L.affine_backward,
                                            {"x": x, "W": W, "b": b}, rng(2)), "affine")


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "leaky_relu", "elu", "selu", "gelu"])
def test_activation_backward_gradcheck(name):
    forward, backward = getattr(L, f"{name}_forward"), getattr(L, f"{name}_backward")
    x = away_from_zero((4, 5), 3)
    assert_backward_ok(check_layer_backward(forward, backward, {"x": x}, rng(4)), name)


@pytest.mark.parametrize("targets", ["labels", "one_hot"])
def test_softmax_cross_entropy_backward_gradcheck(targets):
    t = np.array([2, 0, 3])
    if targets == "one_hot":
        t = np.eye(4)[t]
    x = rng(5).standard_normal((3, 4))
    errors = check_layer_backward(lambda x: L.softmax_cross_entropy_forward(x, t),
                                  L.softmax_cross_entropy_backward,
                                  {"x": x}, rng(6))
    assert_backward_ok(errors, f"softmax-cross-entropy ({targets})")


def test_softmax_cross_entropy_backward_formula():
    x = np.array([[0.0, np.log(3.0)], [1.0, 1.0]])
    _, cache = L.softmax_cross_entropy_forward(x, np.array([1, 0]))
    expected = (np.array([[0.25, 0.75], [0.5, 0.5]]) - np.array([[0, 1], [1, 0]])) / 2
    np.testing.assert_allclose(L.softmax_cross_entropy_backward(1.0, cache), expected, rtol=1e-14,
                               err_msg="dlogits = (softmax - one_hot) / N")
    with pytest.raises(TypeError, match=r"\(dout, cache\)"):
        L.softmax_cross_entropy_backward(cache, 1.0)      # the order of every other *_backward


@pytest.mark.parametrize("shape", [(6, 4), (3, 2, 3, 2)], ids=["2d", "4d-per-channel"])
def test_batchnorm_backward_gradcheck(shape):
    r = rng(34)
    c = shape[1]
    x = r.standard_normal(shape) * 2 + 1
    gamma, beta = r.uniform(0.5, 1.5, c), r.standard_normal(c)
    assert_backward_ok(check_layer_backward(L.batchnorm_forward, L.batchnorm_backward,
                                            {"x": x, "gamma": gamma, "beta": beta}, rng(35)), "batchnorm")


def test_dropout_backward_gradcheck_with_fixed_mask():
    x = rng(9).standard_normal((4, 6))
    _, mask = L.dropout_forward(x, 0.5, True, rng(10))
    errors = check_layer_backward(lambda x: (x * mask, mask), L.dropout_backward, {"x": x}, rng(11))
    assert_backward_ok(errors, "dropout")
    # the library forward with the same seed reproduces the same mask, so it is checkable too
    errors = check_layer_backward(lambda x: L.dropout_forward(x, 0.5, True, rng(10)),
                                  L.dropout_backward, {"x": x}, rng(11))
    assert_backward_ok(errors, "dropout (seeded forward)")


@pytest.mark.parametrize("stride, pad", [(1, 0), (2, 1), (1, 1), (3, 2)])
def test_conv2d_backward_gradcheck(stride, pad):
    r = rng(12)
    x, W, b = r.standard_normal((2, 3, 5, 5)), r.standard_normal((2, 3, 3, 3)), r.standard_normal(2)
    errors = check_layer_backward(lambda x, W, b: L.conv2d_forward(x, W, b, stride, pad),
                                  L.conv2d_backward, {"x": x, "W": W, "b": b}, rng(13))
    assert_backward_ok(errors, f"conv2d (stride={stride}, pad={pad})")


@pytest.mark.parametrize("pool, stride", [(2, 2), (3, 1), (3, 2)])
def test_max_pool_backward_gradcheck(pool, stride):
    # a permutation of well-separated values: no ties, so h never changes which entry is the max
    x = rng(14).permutation(np.arange(2 * 2 * 5 * 5, dtype=np.float64)).reshape(2, 2, 5, 5) * 0.1
    if (5 - pool) % stride:
        x = x[:, :, :4, :4].copy()
    errors = check_layer_backward(lambda x: L.max_pool_forward(x, pool, pool, stride),
                                  L.max_pool_backward, {"x": x}, rng(15))
    assert_backward_ok(errors, f"max pool {pool}x{pool} stride {stride}")


@pytest.mark.parametrize("pool, stride", [(2, 2), (3, 1), (3, 2)])
def test_avg_pool_backward_gradcheck(pool, stride):
    x = rng(16).standard_normal((2, 2, 5, 5))
    if (5 - pool) % stride:
        x = x[:, :, :4, :4].copy()
    errors = check_layer_backward(lambda x: L.avg_pool_forward(x, pool, pool, stride),
                                  L.avg_pool_backward, {"x": x}, rng(17))
    assert_backward_ok(errors, f"avg pool {pool}x{pool} stride {stride}")


# --------------------------------------------------------------------------- hand-worked values


def test_affine_forward_hand_values_and_flattening():
    x = np.arange(8.0).reshape(2, 2, 2)  # flattened rows [0..3], [4..7]
    W = np.ones((4, 2)) * np.array([1.0, -1.0])
    out, cache = L.affine_forward(x, W, np.array([0.5, 0.0]))
    np.testing.assert_allclose(out, [[6.5, -6.0], [22.5, -22.0]])
    dx, dW, db = L.affine_backward(np.ones((2, 2)), cache)
    assert dx.shape == x.shape, "dx must have the shape of the original (unflattened) x"
    np.testing.assert_allclose(dx, np.zeros_like(x))
    np.testing.assert_allclose(db, [2.0, 2.0])


def naive_conv2d(x, W, b, stride, pad):
    """Independent reference: explicit loops over every output pixel."""
    n, c, h, w = x.shape
    fn, _, fh, fw = W.shape
    xp = np.zeros((n, c, h + 2 * pad, w + 2 * pad))
    xp[:, :, pad : pad + h, pad : pad + w] = x
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    out = np.zeros((n, fn, oh, ow))
    for i in range(n):
        for f in range(fn):
            for y in range(oh):
                for z in range(ow):
                    patch = xp[i, :, y * stride : y * stride + fh, z * stride : z * stride + fw]
                    out[i, f, y, z] = np.sum(patch * W[f]) + b[f]
    return out


@pytest.mark.parametrize("h, w, stride, pad", [(7, 8, 1, 0), (7, 8, 2, 1), (5, 6, 1, 2), (9, 8, 3, 0)])
def test_conv2d_forward_matches_naive_loops(h, w, stride, pad):
    r = rng(18)
    x, W, b = r.standard_normal((2, 3, h, w)), r.standard_normal((4, 3, 3, 2)), r.standard_normal(4)
    out, _ = L.conv2d_forward(x, W, b, stride, pad)
    np.testing.assert_allclose(out, naive_conv2d(x, W, b, stride, pad), rtol=1e-12, atol=1e-12)


def test_conv2d_one_channel_hand_worked():
    # the book's example: 4x4 input, 3x3 filter, stride 1, no padding, bias 3
    x = np.array([[1, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1]], dtype=float)[None, None]
    W = np.array([[2, 0, 1], [0, 1, 2], [1, 0, 2]], dtype=float)[None, None]
    out, _ = L.conv2d_forward(x, W, np.array([3.0]))
    np.testing.assert_array_equal(out[0, 0], [[18, 19], [9, 18]])
    # stride 1, pad 1 on a 2x2 input with a 2x2 filter of ones: sums of the padded windows
    out, _ = L.conv2d_forward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), np.ones((1, 1, 2, 2)), np.zeros(1), 1, 1)
    np.testing.assert_array_equal(out[0, 0], [[1, 3, 2], [4, 10, 6], [3, 7, 4]])


def test_max_and_avg_pool_hand_worked():
    x = np.array([[1, 2, 1, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 4, 0, 1]], dtype=float)[None, None]
    out, cache = L.max_pool_forward(x, 2, 2, 2)
    np.testing.assert_array_equal(out[0, 0], [[2, 3], [4, 2]])
    dx = L.max_pool_backward(np.array([[[[10.0, 20.0], [30.0, 40.0]]]]), cache)
    expected = np.zeros((4, 4))
    expected[0, 1], expected[1, 3], expected[3, 1], expected[2, 3] = 10, 20, 30, 40
    np.testing.assert_array_equal(dx[0, 0], expected, err_msg="the gradient goes to the max's position")
    out, cache = L.avg_pool_forward(x, 2, 2, 2)
    np.testing.assert_array_equal(out[0, 0], [[1.0, 1.5], [2.25, 1.0]])
    dx = L.avg_pool_backward(np.full((1, 1, 2, 2), 4.0), cache)
    np.testing.assert_array_equal(dx, np.ones_like(x))


def test_max_pool_ties_go_to_first_maximum():
    x = np.ones((1, 1, 2, 2))
    _, cache = L.max_pool_forward(x, 2, 2, 2)
    dx = L.max_pool_backward(np.ones((1, 1, 1, 1)), cache)
    np.testing.assert_array_equal(dx[0, 0], [[1, 0], [0, 0]])


def test_batchnorm_forward_normalises():
    x = np.linspace(-3, 5, 24).reshape(6, 4) ** 2
    out, cache = L.batchnorm_forward(x, np.full(4, 2.0), np.full(4, -1.0))
    np.testing.assert_allclose(out.mean(axis=0), -1.0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), 4.0 * x.var(axis=0) / (x.var(axis=0) + 1e-5), rtol=1e-12)
    np.testing.assert_allclose(cache.var, x.var(axis=0), rtol=1e-14, err_msg="biased variance (divide by N)")


def test_batchnorm_4d_is_per_channel():
    x = rng(19).standard_normal((3, 2, 4, 5))
    gamma, beta = np.array([1.5, 0.5]), np.array([0.1, -0.2])
    out4, _ = L.batchnorm_forward(x, gamma, beta)
    rows = x.transpose(0, 2, 3, 1).reshape(-1, 2)
    out2, _ = L.batchnorm_forward(rows, gamma, beta)
    np.testing.assert_allclose(out4, out2.reshape(3, 4, 5, 2).transpose(0, 3, 1, 2), rtol=1e-13)


# --------------------------------------------------------------------------- dropout


def test_dropout_mask_values_ratio_and_test_mode():
    x = np.ones((200, 50))
    out, mask = L.dropout_forward(x, 0.3, True, rng(20))
    assert set(np.unique(mask)) <= {0.0, 1 / 0.7}, "mask holds the scale factors 0 or 1/(1-ratio)"
    dropped = np.mean(mask == 0)
    assert 0.27 < dropped < 0.33, f"ratio is the DROP probability: expected ~30% zeros, got {dropped:.1%}"
    np.testing.assert_allclose(out, x * mask)
    assert abs(out.mean() - 1.0) < 0.03, "inverted dropout keeps the expected activation"
    out_test, mask_test = L.dropout_forward(x, 0.3, False, None)
    assert mask_test is None and out_test is not x
    np.testing.assert_array_equal(out_test, x)
    np.testing.assert_array_equal(L.dropout_backward(x, None), x)


def test_dropout_same_seed_same_mask_in_both_dtypes():
    _, m64 = L.dropout_forward(np.ones((5, 7)), 0.5, True, rng(21))
    _, m32 = L.dropout_forward(np.ones((5, 7), np.float32), 0.5, True, rng(21))
    assert m32.dtype == np.float32
    np.testing.assert_array_equal(m32 == 0, m64 == 0)


def test_dropout_bad_arguments():
    with pytest.raises(ValueError, match="0 <= ratio < 1"):
        L.dropout_forward(np.ones(3), 1.0, True, rng())
    with pytest.raises(TypeError, match="default_rng"):
        L.dropout_forward(np.ones(3), 0.5, True, None)


# --------------------------------------------------------------------------- stacks of networks


def test_stacked_affine_equals_each_member_alone_and_passes_the_gradient_check():
    r = rng(40)
    k, n, d, m = 3, 5, 4, 2
    W, b = r.standard_normal((k, d, m)), r.standard_normal((k, 1, m))
    dout = r.standard_normal((k, n, m))
    for x in (r.standard_normal((n, d)), r.standard_normal((k, n, d))):      # shared batch, own batches
        out, cache = L.affine_forward(x, W, b)
        dx, dW, db = L.affine_backward(dout, cache)
        assert out.shape == (k, n, m) and dW.shape == W.shape and db.shape == b.shape and dx.shape == x.shape
        dx_sum = 0
        for j in range(k):
            xj = x if x.ndim == 2 else x[j]
            o, c = L.affine_forward(xj, W[j], b[j, 0])
            np.testing.assert_allclose(out[j], o, rtol=1e-14)
            dxj, dWj, dbj = L.affine_backward(dout[j], c)
            np.testing.assert_allclose(dW[j], dWj, rtol=1e-14)
            np.testing.assert_allclose(db[j, 0], dbj, rtol=1e-14)
            if x.ndim == 3:
                np.testing.assert_allclose(dx[j], dxj, rtol=1e-14)
            dx_sum = dx_sum + dxj
        if x.ndim == 2:
            np.testing.assert_allclose(dx, dx_sum, rtol=1e-13, err_msg="a shared input adds the members' dx")
        errors = check_layer_backward(L.affine_forward, L.affine_backward, {"x": x, "W": W, "b": b}, rng(41))
        assert_backward_ok(errors, f"stacked affine, x {x.shape}")
    with pytest.raises(ValueError, match=r"\(3, 1, 2\)"):
        L.affine_forward(r.standard_normal((n, d)), W, np.zeros((k, m)))


def test_affine_options_for_networks():
    r = rng(42)
    x, W, b = r.standard_normal((3, 4)), r.standard_normal((4, 2)), r.standard_normal(2)
    out, cache = L.affine_forward(x, W, b, copy=False)
    assert cache.x2 is x and cache.W is W, "copy=False keeps references"
    ref = L.affine_backward(np.ones((3, 2)), L.affine_forward(x, W, b)[1])
    dx, dW, db = L.affine_backward(np.ones((3, 2)), cache, need_dx=False)
    assert dx is None
    np.testing.assert_array_equal(dW, ref[1])
    np.testing.assert_array_equal(db, ref[2])


def test_stacked_batchnorm_equals_each_member_alone_and_passes_the_gradient_check():
    r = rng(43)
    k, n, d = 2, 6, 3
    x = r.standard_normal((k, n, d)) * [[[1.0, 3.0, 0.5]]] + 2.0
    gamma, beta = r.uniform(0.5, 1.5, (k, 1, d)), r.standard_normal((k, 1, d))
    out, cache = L.batchnorm_forward(x, gamma, beta)
    dout = r.standard_normal(x.shape)
    dx, dgamma, dbeta = L.batchnorm_backward(dout, cache)
    assert cache.mean.shape == (k, 1, d) and dgamma.shape == (k, 1, d)
    for j in range(k):
        o, c = L.batchnorm_forward(x[j], gamma[j, 0], beta[j, 0])
        np.testing.assert_allclose(out[j], o, rtol=1e-13)
        np.testing.assert_allclose(cache.var[j, 0], c.var, rtol=1e-13)
        for got, want in zip((dx[j], dgamma[j, 0], dbeta[j, 0]), L.batchnorm_backward(dout[j], c)):
            np.testing.assert_allclose(got, want, rtol=1e-12)
    errors = check_layer_backward(L.batchnorm_forward, L.batchnorm_backward,
                                  {"x": x, "gamma": gamma, "beta": beta}, rng(44))
    assert_backward_ok(errors, "stacked batch norm")
    np.testing.assert_allclose(L.batchnorm_inference(x, gamma, beta, cache.mean, cache.var), out, rtol=1e-12)
    with pytest.raises(ValueError, match=r"\(2, 1, 3\)"):
        L.batchnorm_forward(x, np.ones(3), np.zeros(3))


@pytest.mark.parametrize("targets", ["labels", "one_hot"])
def test_stacked_softmax_cross_entropy_gives_one_loss_per_member(targets):
    r = rng(45)
    logits = r.standard_normal((3, 4, 5)) * 3
    t = np.array([4, 0, 2, 2])
    t = t if targets == "labels" else np.eye(5)[t]
    loss, cache = L.softmax_cross_entropy_forward(logits, t)
    assert loss.shape == (3,) and loss.dtype == logits.dtype
    dout = np.array([1.0, 0.5, 2.0])
    d = L.softmax_cross_entropy_backward(dout, cache)
    for j in range(3):
        lj, cj = L.softmax_cross_entropy_forward(logits[j], t)
        assert loss[j] == pytest.approx(lj, rel=1e-14)
        np.testing.assert_allclose(d[j], L.softmax_cross_entropy_backward(dout[j], cj), rtol=1e-14)
    np.testing.assert_allclose(L.softmax_cross_entropy_backward(1.0, cache), d / dout[:, None, None], rtol=1e-14)
    with pytest.raises(ValueError, match=r"\(3,\)"):
        L.softmax_cross_entropy_backward(np.ones(2), cache)


# --------------------------------------------------------------------------- classes


def test_classes_agree_with_functions():
    r = rng(22)
    h = r.standard_normal((5, 7))
    Wa, ba = r.standard_normal((7, 3)), r.standard_normal(3)
    aff = L.Affine(Wa, ba)
    out, cache = L.affine_forward(h, Wa, ba)
    np.testing.assert_array_equal(aff.forward(h), out)
    d = r.standard_normal((5, 3))
    expected = L.affine_backward(d, cache)
    np.testing.assert_array_equal(aff.backward(d), expected[0])
    np.testing.assert_array_equal(aff.grads["W"], expected[1])
    np.testing.assert_array_equal(aff.grads["b"], expected[2])

    for cls, name in [(L.ReLU, "relu"), (L.Sigmoid, "sigmoid")]:
        layer = cls()
        out, cache = getattr(L, f"{name}_forward")(h)
        np.testing.assert_array_equal(layer.forward(h), out)
        np.testing.assert_array_equal(layer.backward(h), getattr(L, f"{name}_backward")(h, cache))
        assert layer.params == {} and layer.grads == {}

    t = np.array([0, 2, 1, 1, 0])
    swl = L.SoftmaxWithLoss()
    loss, cache = L.softmax_cross_entropy_forward(out := h[:, :3], t)
    assert swl.forward(out, t) == loss
    np.testing.assert_array_equal(swl.backward(), L.softmax_cross_entropy_backward(1.0, cache))
    assert swl.forward(out, np.eye(3)[t]) == pytest.approx(loss, rel=1e-15)
    np.testing.assert_allclose(swl.backward(2.0), 2.0 * L.softmax_cross_entropy_backward(1.0, cache))


def test_softmax_cross_entropy_backward_with_the_cache_alone_means_dout_one():
    r = rng(23)
    logits, t = r.standard_normal((4, 3)), np.array([0, 2, 1, 2])
    _, cache = L.softmax_cross_entropy_forward(logits, t)
    np.testing.assert_array_equal(L.softmax_cross_entropy_backward(cache),
                                  L.softmax_cross_entropy_backward(1.0, cache))
    with pytest.raises(TypeError, match=r"dout, cache"):
        L.softmax_cross_entropy_backward(cache, 1.0)


def test_cnn_and_tanh_classes_wrap_the_functions_and_pass_the_gradient_check():
    r = rng(24)
    x = r.standard_normal((2, 3, 5, 5))
    W, b = r.standard_normal((4, 3, 3, 3)), r.standard_normal(4)
    conv = L.Conv2d(W, b, stride=2, pad=1)
    out, cache = L.conv2d_forward(x, W, b, 2, 1)
    np.testing.assert_array_equal(conv.forward(x), out)
    d = r.standard_normal(out.shape)
    expected = L.conv2d_backward(d, cache)
    np.testing.assert_array_equal(conv.backward(d), expected[0])
    np.testing.assert_array_equal(conv.grads["W"], expected[1])
    np.testing.assert_array_equal(conv.grads["b"], expected[2])
    assert conv.params["W"] is W

    for cls, name in [(L.MaxPool2d, "max_pool"), (L.AvgPool2d, "avg_pool")]:
        pool = cls(2, 2, 1)
        out, cache = getattr(L, f"{name}_forward")(x, 2, 2, 1)
        np.testing.assert_array_equal(pool.forward(x), out)
        d = r.standard_normal(out.shape)
        np.testing.assert_array_equal(pool.backward(d), getattr(L, f"{name}_backward")(d, cache))

    tanh = L.Tanh()
    np.testing.assert_array_equal(tanh.forward(x), np.tanh(x))
    np.testing.assert_allclose(tanh.backward(np.ones_like(x)), 1 - np.tanh(x) ** 2, rtol=1e-12)

    flat = L.Flatten()
    y = flat.forward(x)
    assert y.shape == (2, 75) and not np.shares_memory(y, x)
    np.testing.assert_array_equal(flat.backward(y), x)
    with pytest.raises(ValueError, match=r"\(2, 75\)"):
        flat.backward(y[:, :10])

    # the classes chained, against numerical gradients: conv -> tanh -> max pool -> flatten
    def forward(x, W, b):
        layers = [L.Conv2d(W, b, stride=1, pad=1), L.Tanh(), L.MaxPool2d(2, 2, 2), L.Flatten()]
        h = x
        for layer in layers:
            h = layer.forward(h)
        return h, layers

    def backward(dout, layers):
        for layer in reversed(layers):
            dout = layer.backward(dout)
        return dout, layers[0].grads["W"], layers[0].grads["b"]

    small_x, small_W = r.standard_normal((2, 2, 4, 4)), 0.5 * r.standard_normal((3, 2, 3, 3))
    errors = check_layer_backward(forward, backward, {"x": small_x, "W": small_W, "b": r.standard_normal(3)}, r)
    assert_backward_ok(errors, "Conv2d -> Tanh -> MaxPool2d -> Flatten")


def test_dropout_class_draws_from_its_own_rng():
    x = np.ones((6, 8))
    layer = L.Dropout(0.5, rng(23))
    out = layer.forward(x)
    expected, mask = L.dropout_forward(x, 0.5, True, rng(23))
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(layer.backward(x), mask)
    assert not np.array_equal(layer.forward(x), out), "each training forward draws a new mask"
    np.testing.assert_array_equal(layer.forward(x, train=False), x)
    with pytest.raises(TypeError, match="rng"):
        L.Dropout(0.5).forward(x)


def test_params_are_shared_references_so_in_place_updates_change_the_layer():
    W, b = np.ones((3, 2)), np.zeros(2)
    layer = L.Affine(W, b)
    assert layer.params["W"] is W and layer.params["b"] is b
    x = np.ones((1, 3))
    before = layer.forward(x)
    layer.params["W"] -= 0.5  # what an optimizer does
    np.testing.assert_allclose(layer.forward(x), before - 1.5)
    bn = L.BatchNorm(np.ones(2), np.zeros(2))
    assert bn.params["gamma"] is not None and set(bn.params) == {"gamma", "beta"}


def test_batchnorm_running_stats_after_two_updates_and_test_mode():
    gamma, beta = np.array([2.0, 1.0]), np.array([0.5, -0.5])
    bn = L.BatchNorm(gamma, beta, momentum=0.9)
    np.testing.assert_array_equal(bn.running_mean, [0, 0])
    np.testing.assert_array_equal(bn.running_var, [1, 1])
    x1 = np.array([[1.0, 2.0], [3.0, 6.0]])  # mean [2, 4], biased var [1, 4]
    x2 = np.array([[0.0, 0.0], [0.0, 10.0], [6.0, 2.0]])  # mean [2, 4], var [8, 56/3]
    bn.forward(x1)
    np.testing.assert_allclose(bn.running_mean, [0.2, 0.4])
    np.testing.assert_allclose(bn.running_var, [0.9 + 0.1, 0.9 + 0.4])
    bn.forward(x2)
    expected_mean = np.array([0.9 * 0.2 + 0.1 * 2, 0.9 * 0.4 + 0.1 * 4])
    expected_var = np.array([0.9 * 1.0 + 0.1 * 8, 0.9 * 1.3 + 0.1 * 56 / 3])
    np.testing.assert_allclose(bn.running_mean, expected_mean, rtol=1e-14,
                               err_msg="running = 0.9 * running + 0.1 * batch (momentum on the OLD value)")
    np.testing.assert_allclose(bn.running_var, expected_var, rtol=1e-14,
                               err_msg="running_var uses the BIASED batch variance (divide by N)")
    xt = np.array([[1.0, 1.0]])
    expected = gamma * (xt - expected_mean) / np.sqrt(expected_var + 1e-5) + beta
    np.testing.assert_allclose(bn.forward(xt, train=False), expected, rtol=1e-14,
                               err_msg="train=False must normalise with the running statistics")
    np.testing.assert_allclose(bn.running_mean, expected_mean, err_msg="test mode must not update statistics")


def test_batchnorm_class_backward_matches_function():
    r = rng(24)
    x, gamma, beta = r.standard_normal((5, 3)), r.uniform(0.5, 2, 3), r.standard_normal(3)
    bn = L.BatchNorm(gamma, beta)
    out, cache = L.batchnorm_forward(x, gamma, beta)
    np.testing.assert_array_equal(bn.forward(x), out)
    dout = r.standard_normal((5, 3))
    dx, dg, db = L.batchnorm_backward(dout, cache)
    np.testing.assert_array_equal(bn.backward(dout), dx)
    np.testing.assert_array_equal(bn.grads["gamma"], dg)
    np.testing.assert_array_equal(bn.grads["beta"], db)


def test_backward_before_forward_is_a_clear_error():
    with pytest.raises(RuntimeError, match="before forward"):
        L.ReLU().backward(np.ones(3))


# --------------------------------------------------------------------------- dtypes and purity


def _all_layers_float32():
    """(name, forward thunk, backward(dout, cache) thunk) for every pure layer, in float32."""
    f = np.float32
    r = rng(25)
    x2 = r.standard_normal((4, 6)).astype(f)
    x4 = r.standard_normal((2, 3, 4, 4)).astype(f)
    W, b = r.standard_normal((6, 3)).astype(f), r.standard_normal(3).astype(f)
    Wc, bc = r.standard_normal((2, 3, 3, 3)).astype(f), r.standard_normal(2).astype(f)
    g, be = np.ones(6, f), np.zeros(6, f)
    return [
        ("affine", lambda: L.affine_forward(x2, W, b), L.affine_backward),
        ("relu", lambda: L.relu_forward(x2), L.relu_backward),
        ("sigmoid", lambda: L.sigmoid_forward(x2), L.sigmoid_backward),
        ("tanh", lambda: L.tanh_forward(x2), L.tanh_backward),
        ("batchnorm", lambda: L.batchnorm_forward(x2, g, be), L.batchnorm_backward),
        ("dropout", lambda: L.dropout_forward(x2, 0.5, True, rng(0)), L.dropout_backward),
        ("conv2d", lambda: L.conv2d_forward(x4, Wc, bc, 1, 1), L.conv2d_backward),
        ("max_pool", lambda: L.max_pool_forward(x4, 2, 2, 2), L.max_pool_backward),
        ("avg_pool", lambda: L.avg_pool_forward(x4, 2, 2, 2), L.avg_pool_backward),
    ], (x2, x4, W, b, Wc, bc, g, be)


def test_float32_in_float32_out_everywhere_and_inputs_untouched():
    cases, arrays = _all_layers_float32()
    saved = [a.copy() for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, fwd, bwd in cases:
            out, cache = fwd()
            assert out.dtype == np.float32, f"{name}_forward: float32 in must give float32 out, got {out.dtype}"
            dout = np.ones_like(out)
            grads = bwd(dout, cache)
            for g in grads if isinstance(grads, tuple) else (grads,):
                assert g.dtype == np.float32, f"{name}_backward: float32 gradients expected, got {g.dtype}"
        loss, cache = L.softmax_cross_entropy_forward(arrays[0], np.array([0, 1, 2, 3]))
        assert loss.dtype == np.float32
        assert L.softmax_cross_entropy_backward(1.0, cache).dtype == np.float32
        bn = L.BatchNorm(arrays[6].copy(), arrays[7].copy())
        bn.forward(arrays[0])
        assert bn.forward(arrays[0], train=False).dtype == np.float32
        assert bn.running_mean.dtype == np.float32 and bn.running_var.dtype == np.float32
    for before, after in zip(saved, arrays):
        np.testing.assert_array_equal(before, after, err_msg="a forward or backward modified its input")


def test_cache_does_not_alias_inputs():
    r = rng(26)
    x, W, b = r.standard_normal((3, 4)), r.standard_normal((4, 2)), r.standard_normal(2)
    dout = r.standard_normal((3, 2))
    _, cache = L.affine_forward(x, W, b)
    expected = L.affine_backward(dout, cache)
    x += 1.0
    W *= 2.0
    for e, g in zip(expected, L.affine_backward(dout, cache)):
        np.testing.assert_array_equal(e, g, err_msg="changing x or W after forward must not change backward")


def test_backward_does_not_modify_dout():
    r = rng(27)
    dout = r.standard_normal((2, 3, 2, 2))
    saved = dout.copy()
    _, cache = L.max_pool_forward(r.standard_normal((2, 3, 4, 4)), 2, 2, 2)
    L.max_pool_backward(dout, cache)
    _, cache = L.batchnorm_forward(r.standard_normal((2, 3, 2, 2)), np.ones(3), np.zeros(3))
    L.batchnorm_backward(dout, cache)
    np.testing.assert_array_equal(dout, saved)


# --------------------------------------------------------------------------- errors


def test_affine_shape_mismatch_message():
    with pytest.raises(ValueError, match=r"784 features.*\(100, 10\).*expects 100"):
        L.affine_forward(np.zeros((2, 1, 28, 28)), np.zeros((100, 10)), np.zeros(10))
    with pytest.raises(ValueError, match=r"b must be \(10,\)"):
        L.affine_forward(np.zeros((2, 100)), np.zeros((100, 10)), np.zeros(5))


def test_conv_channel_mismatch_and_non_tiling_messages():
    with pytest.raises(ValueError, match=r"3 channels.*expects 1"):
        L.conv2d_forward(np.zeros((1, 3, 5, 5)), np.zeros((2, 1, 3, 3)), np.zeros(2))
    with pytest.raises(ValueError, match=r"5 \+ 2\*0 - 2 = 3 is not divisible by stride=2"):
        L.conv2d_forward(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 2, 2)), np.zeros(1), stride=2)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        L.max_pool_forward(np.zeros((28, 28)), 2, 2, 2)


def test_dout_shape_mismatch_message():
    _, cache = L.relu_forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"dout has shape \(3, 2\).*\(2, 3\)"):
        L.relu_backward(np.ones((3, 2)), cache)


# --------------------------------------------------------------------------- optional: torch


def test_conv_and_batchnorm_agree_with_torch():
    torch = pytest.importorskip("torch")
    r = rng(28)
    x, W, b = r.standard_normal((2, 3, 7, 7)), r.standard_normal((4, 3, 3, 3)), r.standard_normal(4)
    out, _ = L.conv2d_forward(x, W, b, 2, 1)           # (7 + 2*1 - 3) / 2 + 1 = 4: the filter tiles
    ref = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(W), torch.tensor(b), stride=2, padding=1)
    np.testing.assert_allclose(out, ref.numpy(), rtol=1e-10, atol=1e-10)
    out, _ = L.batchnorm_forward(x, np.ones(3), np.zeros(3))
    ref = torch.nn.functional.batch_norm(torch.tensor(x), None, None, training=True, eps=1e-5)
    np.testing.assert_allclose(out, ref.numpy(), rtol=1e-10, atol=1e-10)


def test_batchnorm_class_on_images_keeps_per_channel_running_stats():
    x = np.random.default_rng(29).standard_normal((4, 3, 2, 2)) + np.array([1.0, -2.0, 5.0])[None, :, None, None]
    bn = L.BatchNorm(np.ones(3), np.zeros(3), momentum=0.5)
    out = bn.forward(x)
    assert out.shape == x.shape
    np.testing.assert_allclose(bn.running_mean, 0.5 * x.mean(axis=(0, 2, 3)), rtol=1e-13,
                               err_msg="for (N, C, H, W) the statistics are per channel, over N, H and W")
    np.testing.assert_allclose(bn.running_var, 0.5 + 0.5 * x.var(axis=(0, 2, 3)), rtol=1e-13)
    test_out = bn.forward(x, train=False)
    expected = (x - bn.running_mean[None, :, None, None]) / np.sqrt(bn.running_var[None, :, None, None] + 1e-5)
    np.testing.assert_allclose(test_out, expected, rtol=1e-13)
