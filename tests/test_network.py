"""Tests of dlcourse.network: MultiLayerNet and SimpleConvNet.

The backpropagated gradients are checked against two independent references: central
differences (dlcourse.gradcheck) and a network assembled by hand from the layer objects and
functions of dlcourse.layers. A stack of networks is checked member by member against the
networks built alone.
"""

import numpy as np
import pytest

from dlcourse.functions import one_hot, softmax_cross_entropy
from dlcourse.gradcheck import relative_error
from dlcourse import layers as L
from dlcourse.layers import Affine, BatchNorm, Dropout, SoftmaxWithLoss
from dlcourse.network import MultiLayerNet, SimpleConvNet
from dlcourse.optimizers import SGD, Adam

TOL = 1e-7


def _randomise_biases(net, seed=123):
    """Non-zero biases and gamma/beta, so no pre-activation sits exactly on ReLU's kink at 0
    (with zero biases, a sample whose whole input row was dropped would have a
    pre-activation of exactly 0, where the numerical derivative is meaningless)."""
    rng = np.random.default_rng(seed)
    for key, p in net.params.items():
        if key.startswith("b") or key.startswith("beta"):
            p[...] = rng.uniform(-0.5, 0.5, p.shape)
        elif key.startswith("gamma"):
            p[...] = rng.uniform(0.5, 1.5, p.shape)


def _assert_gradients_match(grads, num, what):
    assert isinstance(grads, dict), f"{what}: gradient() should return a dict, got {type(grads).__name__}"
    assert list(grads) == list(num), (
        f"{what}: gradient() keys {list(grads)} should be the params keys {list(num)}, in order"
    )
    for key in num:
        g, n = grads[key], num[key]
        assert g.shape == n.shape, f"{what}: grads[{key!r}] has shape {g.shape}, expected {n.shape}"
        err = relative_error(g, n)
        # A bias feeding batch norm has an exactly-zero gradient (the mean is subtracted);
        # there the relative error only measures rounding noise, so compare absolutely.
        if err >= TOL and np.max(np.abs(g - n)) < 1e-10:
            continue
        assert err < TOL, (
            f"{what}: backprop and numerical gradients of {key!r} disagree, relative error "
            f"{err:.2e} (expected < {TOL:g}).\nbackprop:\n{g}\nnumerical:\n{n}\n"
            f"A wrong derivative of the activation, a missing weight-decay term or a batch-norm "
            f"backward that forgets a term usually causes this."
        )


def _check_net(net, x, t, what):
    state = net.rng.bit_generator.state
    grads = net.gradient(x, t)
    net.rng.bit_generator.state = state  # the same dropout masks for the numerical gradient
    num = net.numerical_gradient(x, t)
    _assert_gradients_match(grads, num, what)


X = np.linspace(-1.5, 2.0, 20).reshape(4, 5) * np.array([1.0, -0.7, 0.4, 1.3, -1.1])
T = np.array([0, 2, 1, 2])


# ---------------------------------------------------------------------------
# MultiLayerNet: backprop vs numerical gradients
# ---------------------------------------------------------------------------
CONFIGS = {
    "plain": {},
    "weight_decay": {"weight_decay": 0.3},
    "l1_decay": {"l1_decay": 0.2},
    "batchnorm": {"use_batchnorm": True},
    "dropout": {"dropout_ratio": 0.3},
    "all": {"use_batchnorm": True, "dropout_ratio": 0.25, "weight_decay": 0.1},
}


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "leaky_relu", "elu", "selu", "gelu"])
@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("targets", ["labels", "one_hot"])
def test_gradient_matches_numerical(activation, config, targets):
    net = MultiLayerNet(5, [4, 3], 3, activation=activation, weight_init="xavier",
                        rng=np.random.default_rng(1), **CONFIGS[config])
    _randomise_biases(net)
    t = T if targets == "labels" else one_hot(T, 3)
    _check_net(net, X, t, f"5-4-3-3 {activation} net ({config}, t as {targets})")


def test_gradient_keys_in_parameter_order():
    net = MultiLayerNet(5, [4, 3], 3, use_batchnorm=True, rng=np.random.default_rng(0))
    expected = ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"]
    assert list(net.params) == expected
    assert list(net.gradient(X, T)) == expected


def test_softmax_regression_without_hidden_layers():
    net = MultiLayerNet(5, [], 3, rng=np.random.default_rng(0), weight_decay=0.2)
    _randomise_biases(net)
    _check_net(net, X, T, "5-3 net without hidden layers")


class _Tanh:
    """tanh as a layer object, from the pure functions (the library keeps no Tanh class)."""

    def forward(self, x, train=True):
        out, self.cache = L.tanh_forward(x)
        return out

    def backward(self, dout):
        return L.tanh_backward(dout, self.cache)


def test_gradient_agrees_with_network_built_from_layer_classes():
    """Second composition: the same network assembled from dlcourse.layers objects."""
    wd = 0.05
    net = MultiLayerNet(5, [4, 3], 3, activation="tanh", use_batchnorm=True, dropout_ratio=0.2,
                        weight_decay=wd, rng=np.random.default_rng(2))
    _randomise_biases(net)
    p = {k: v.copy() for k, v in net.params.items()}
    state = net.rng.bit_generator.state
    grads = net.gradient(X, T)
    loss_net = net.last_loss

    drop_rng = np.random.default_rng(0)
    drop_rng.bit_generator.state = state
    layers = []
    for i in (1, 2):
        layers += [Affine(p[f"W{i}"], p[f"b{i}"]), BatchNorm(p[f"gamma{i}"], p[f"beta{i}"]), _Tanh(),
                   Dropout(0.2, rng=drop_rng)]
    layers.append(Affine(p["W3"], p["b3"]))
    out = X
    for layer in layers:
        out = layer.forward(out, train=True)
    last = SoftmaxWithLoss()
    loss = last.forward(out, T) + 0.5 * wd * sum(np.sum(p[f"W{i}"] ** 2) for i in (1, 2, 3))
    d = last.backward()
    for layer in reversed(layers):
        d = layer.backward(d)
    ref = {}
    for i, (aff, bn) in enumerate([(layers[0], layers[1]), (layers[4], layers[5])], start=1):
        ref[f"W{i}"] = aff.grads["W"] + wd * p[f"W{i}"]
        ref[f"b{i}"] = aff.grads["b"]
        ref[f"gamma{i}"] = bn.grads["gamma"]
        ref[f"beta{i}"] = bn.grads["beta"]
    ref["W3"] = layers[8].grads["W"] + wd * p["W3"]
    ref["b3"] = layers[8].grads["b"]
    assert loss_net == pytest.approx(loss, rel=1e-12), "net.last_loss differs from the layer-by-layer loss"
    for k in ref:
        np.testing.assert_allclose(grads[k], ref[k], rtol=1e-10, atol=1e-12,
                                   err_msg=f"MultiLayerNet and the layer classes disagree on {k}")


# ---------------------------------------------------------------------------
# MultiLayerNet: loss, predict, accuracy
# ---------------------------------------------------------------------------
def test_loss_includes_l2_term():
    a = MultiLayerNet(5, [4], 3, rng=np.random.default_rng(3))
    b = MultiLayerNet(5, [4], 3, weight_decay=0.7, rng=np.random.default_rng(3))
    l2 = 0.5 * 0.7 * (np.sum(a.params["W1"] ** 2) + np.sum(a.params["W2"] ** 2))
    assert b.loss(X, T) == pytest.approx(a.loss(X, T) + l2, rel=1e-12), (
        "loss should add 0.5 * weight_decay * sum(W**2) over all weight matrices (not biases)"
    )
    c = MultiLayerNet(5, [4], 3, weight_decay=0.7, l1_decay=0.3, rng=np.random.default_rng(3))
    l1 = 0.3 * (np.sum(np.abs(a.params["W1"])) + np.sum(np.abs(a.params["W2"])))
    assert c.loss(X, T) == pytest.approx(a.loss(X, T) + l2 + l1, rel=1e-12), (
        "loss should add l1_decay * sum(|W|) over all weight matrices (not biases)"
    )


def test_loss_is_cross_entropy_of_predict():
    net = MultiLayerNet(5, [4, 3], 3, rng=np.random.default_rng(4))
    expected = softmax_cross_entropy(net.predict(X), T)
    assert net.loss(X, T, train=False) == pytest.approx(expected, rel=1e-12)
    assert net.loss(X, one_hot(T, 3), train=False) == pytest.approx(expected, rel=1e-12)


def test_accuracy_hand_example():
    # No hidden layer, W = identity, b = 0: the prediction is the argmax of x.
    net = MultiLayerNet(3, [], 3, rng=np.random.default_rng(0))
    net.params["W1"][...] = np.eye(3)
    x = np.array([[3.0, 1, 0], [0, 2, 1], [0, 0, 5], [1, 0, 0]])
    t = np.array([0, 1, 1, 2])  # the first two are right
    assert net.accuracy(x, t) == 0.5
    assert net.accuracy(x, one_hot(t, 3)) == 0.5
    assert net.accuracy(x, t, batch_size=3) == 0.5


def test_predict_test_mode_is_deterministic_and_uses_no_randomness():
    net = MultiLayerNet(5, [4, 3], 3, dropout_ratio=0.5, rng=np.random.default_rng(5))
    state = net.rng.bit_generator.state
    a, b = net.predict(X), net.predict(X)
    np.testing.assert_array_equal(a, b)
    assert net.rng.bit_generator.state == state, "predict(train=False) must not draw dropout masks"
    assert not np.array_equal(net.predict(X, train=True), a), "train=True should apply dropout"


def test_batchnorm_running_statistics():
    net = MultiLayerNet(5, [4], 3, use_batchnorm=True, rng=np.random.default_rng(6))
    bn = net.batchnorms[0]
    np.testing.assert_array_equal(bn.running_mean, 0)
    net.gradient(X, T)
    a = X @ net.params["W1"] + net.params["b1"]
    np.testing.assert_allclose(bn.running_mean, 0.1 * a.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * a.var(axis=0), rtol=1e-12)
    before = (bn.running_mean.copy(), bn.running_var.copy())
    net.numerical_gradient(X, T)
    np.testing.assert_array_equal(bn.running_mean, before[0],
                                  err_msg="numerical_gradient must restore the running statistics")
    np.testing.assert_array_equal(bn.running_var, before[1])


def test_numerical_gradient_leaves_rng_like_one_forward():
    net = MultiLayerNet(5, [4], 3, dropout_ratio=0.5, rng=np.random.default_rng(7))
    state = net.rng.bit_generator.state
    net.gradient(X, T)
    after_gradient = net.rng.bit_generator.state
    net.rng.bit_generator.state = state
    net.numerical_gradient(X, T)
    assert net.rng.bit_generator.state == after_gradient


def test_activations_and_gradient_norms():
    net = MultiLayerNet(5, [4, 6], 3, activation="sigmoid", rng=np.random.default_rng(8))
    net.predict(X)
    assert [a.shape for a in net.activations] == [(4, 4), (4, 6)]
    assert all(np.all((a > 0) & (a < 1)) for a in net.activations), "sigmoid outputs lie in (0, 1)"
    grads = net.gradient(X, T)
    norms = net.weight_gradient_norms(grads)
    assert norms == pytest.approx([np.linalg.norm(grads[f"W{i}"]) for i in (1, 2, 3)])


def test_gradient_does_not_modify_inputs():
    x, t = X.copy(), T.copy()
    net = MultiLayerNet(5, [4, 3], 3, use_batchnorm=True, dropout_ratio=0.2, rng=np.random.default_rng(9))
    net.gradient(x, t)
    net.numerical_gradient(x, t)
    np.testing.assert_array_equal(x, X)
    np.testing.assert_array_equal(t, T)


# ---------------------------------------------------------------------------
# MultiLayerNet: dtypes, shared parameters, training
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("options", [{}, {"use_batchnorm": True, "dropout_ratio": 0.2, "weight_decay": 0.1}])
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "leaky_relu", "elu", "selu", "gelu"])
def test_float32_network_stays_float32(options, activation):
    net = MultiLayerNet(5, [4, 3], 3, activation=activation, dtype=np.float32,
                        rng=np.random.default_rng(0), **options)
    for k, v in net.params.items():
        assert v.dtype == np.float32, f"params[{k!r}] is {v.dtype}, expected float32"
    x = X.astype(np.float32)
    grads = net.gradient(x, T)  # first, so the dropout masks equal those of net64 below
    for k, g in grads.items():
        assert g.dtype == np.float32, (
            f"grads[{k!r}] is {g.dtype}: something in the backward pass promoted float32 to "
            f"float64 (a float64 constant array or an np.float64 scalar usually does this)"
        )
    assert all(a.dtype == np.float32 for a in net.activations)
    assert np.asarray(net.last_loss).dtype == np.float32
    # float32 backprop agrees with float64 backprop of the same weights and masks
    net64 = MultiLayerNet(5, [4, 3], 3, activation=activation, rng=np.random.default_rng(0), **options)
    grads64 = net64.gradient(X, T)
    for k in grads:
        np.testing.assert_allclose(grads[k], grads64[k], rtol=1e-3, atol=1e-5,
                                   err_msg=f"float32 and float64 gradients of {k} differ")
    assert net.predict(x).dtype == np.float32
    assert net.predict(X).dtype == np.float32, "float64 input should be converted to the net's dtype"
    assert np.asarray(net.loss(x, T)).dtype == np.float32


def test_params_are_shared_with_layers():
    net = MultiLayerNet(5, [4, 3], 3, use_batchnorm=True, rng=np.random.default_rng(10))
    assert net.batchnorms[0].params["gamma"] is net.params["gamma1"]
    before = net.predict(X)
    arrays = dict(net.params)
    SGD(lr=0.5).update(net.params, net.gradient(X, T))
    assert all(net.params[k] is arrays[k] for k in arrays)
    assert not np.allclose(net.predict(X), before), (
        "an optimizer step on net.params did not change predict(): the network must compute "
        "with the very arrays in net.params, not with copies"
    )


def test_training_reduces_the_loss():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((60, 5))
    t = (x[:, 0] + x[:, 1] > 0).astype(int) + (x[:, 2] > 1)
    net = MultiLayerNet(5, [16], 3, rng=np.random.default_rng(12))
    opt = Adam(lr=0.01)
    first = net.loss(x, t)
    for _ in range(200):
        opt.update(net.params, net.gradient(x, t))
    assert net.loss(x, t) < 0.5 * first
    assert net.accuracy(x, t) > 0.9


# ---------------------------------------------------------------------------
# MultiLayerNet: errors
# ---------------------------------------------------------------------------
def test_constructor_errors():
    with pytest.raises(ValueError, match="activation must be one of"):
        MultiLayerNet(5, [4], 3, activation="softplus")
    with pytest.raises(ValueError, match="list of widths"):
        MultiLayerNet(5, 4, 3)
    with pytest.raises(ValueError, match="dropout_ratio"):
        MultiLayerNet(5, [4], 3, dropout_ratio=1.0)
    with pytest.raises(ValueError, match=r"default_rng"):
        MultiLayerNet(5, [4], 3, rng=42)
    with pytest.raises(ValueError, match="Unknown weight initialisation"):
        MultiLayerNet(5, [4], 3, weight_init="kaiming")
    with pytest.raises(ValueError, match="weight_decay"):
        MultiLayerNet(5, [4], 3, weight_decay=-1)
    with pytest.raises(ValueError, match="l1_decay"):
        MultiLayerNet(5, [4], 3, l1_decay=-0.1)


def test_input_errors():
    net = MultiLayerNet(5, [4], 3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="input_size=5"):
        net.predict(np.ones((2, 6)))
    with pytest.raises(ValueError, match=r"x\[None, :\]"):
        net.predict(np.ones(5))
    with pytest.raises(ValueError, match="same mini-batch"):
        net.loss(np.ones((4, 5)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="one-hot t must have shape"):
        net.gradient(np.ones((4, 5)), np.ones((4, 4)))


def test_rng_none_gives_a_working_network():
    net = MultiLayerNet(5, [4], 3)
    assert isinstance(net.rng, np.random.Generator)
    assert net.predict(X).shape == (4, 3)


# ---------------------------------------------------------------------------
# SimpleConvNet
# ---------------------------------------------------------------------------
XI = np.sin(np.arange(2 * 1 * 6 * 6) * 0.7).reshape(2, 1, 6, 6)
TI = np.array([0, 2])


def _tiny_convnet(dtype=np.float64, seed=0, **kw):
    return SimpleConvNet(input_dim=(1, 6, 6), conv_param={"filter_num": 2, "filter_size": 3, "pad": 0,
                                                            "stride": 1},
                         hidden_size=4, output_size=3, rng=np.random.default_rng(seed), dtype=dtype, **kw)


@pytest.mark.parametrize("targets", ["labels", "one_hot"])
def test_convnet_gradient_matches_numerical(targets):
    net = _tiny_convnet()
    _randomise_biases(net)
    _check_net(net, XI, TI if targets == "labels" else one_hot(TI, 3), "tiny SimpleConvNet")


def test_convnet_with_padding_and_stride_gradient():
    net = SimpleConvNet(input_dim=(2, 7, 7), conv_param={"filter_num": 3, "filter_size": 3, "pad": 1,
                                                         "stride": 2},
                        hidden_size=5, output_size=3, rng=np.random.default_rng(1))
    _randomise_biases(net)
    x = np.cos(np.arange(2 * 2 * 7 * 7) * 0.3).reshape(2, 2, 7, 7)
    _check_net(net, x, TI, "SimpleConvNet with 2 channels, pad 1, stride 2")


def test_convnet_matches_the_layer_functions_composed_by_hand():
    net = _tiny_convnet(seed=3)
    _randomise_biases(net)
    p = {k: v.copy() for k, v in net.params.items()}
    a1, c_conv = L.conv2d_forward(XI, p["W1"], p["b1"])
    h1, c_relu1 = L.relu_forward(a1)
    pooled, c_pool = L.max_pool_forward(h1, 2, 2, 2)
    a2, c_aff2 = L.affine_forward(pooled.reshape(len(XI), -1), p["W2"], p["b2"])
    h2, c_relu2 = L.relu_forward(a2)
    out, c_aff3 = L.affine_forward(h2, p["W3"], p["b3"])
    np.testing.assert_allclose(net.predict(XI), out, rtol=1e-12)
    _, c_loss = L.softmax_cross_entropy_forward(out, TI)
    d, dW3, db3 = L.affine_backward(L.softmax_cross_entropy_backward(1.0, c_loss), c_aff3)
    d, dW2, db2 = L.affine_backward(L.relu_backward(d, c_relu2), c_aff2)
    d = L.max_pool_backward(d.reshape(pooled.shape), c_pool)
    _, dW1, db1 = L.conv2d_backward(L.relu_backward(d, c_relu1), c_conv)
    grads = net.gradient(XI, TI)
    for key, ref in {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2, "W3": dW3, "b3": db3}.items():
        np.testing.assert_allclose(grads[key], ref, rtol=1e-10, atol=1e-12, err_msg=key)


def test_convnet_shapes_params_and_float32():
    net = _tiny_convnet(np.float32)
    assert list(net.params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert net.params["W1"].shape == (2, 1, 3, 3)
    assert net.params["W2"].shape == (2 * 2 * 2, 4)
    x = XI.astype(np.float32)
    assert net.predict(x).dtype == np.float32
    assert all(g.dtype == np.float32 for g in net.gradient(x, TI).values())
    assert [a.shape for a in net.activations] == [(2, 2, 4, 4), (2, 4)]
    assert net.predict(x.reshape(2, -1)).shape == (2, 3), "flattened rows are accepted"
    before = net.predict(x)
    SGD(lr=1.0).update(net.params, net.gradient(x, TI))
    assert not np.allclose(net.predict(x), before), "params must be the arrays the network uses"


def test_convnet_he_std_of_filters():
    net = SimpleConvNet(conv_param={"filter_num": 200, "filter_size": 5}, rng=np.random.default_rng(0))
    assert net.params["W1"].std() == pytest.approx(np.sqrt(2 / 25), rel=0.03)
    assert net.params["W2"].shape == (200 * 12 * 12, 100)


def test_convnet_errors():
    with pytest.raises(ValueError, match="cannot tile"):
        SimpleConvNet(input_dim=(1, 7, 7), conv_param={"filter_num": 2, "filter_size": 3})
    with pytest.raises(ValueError, match="unknown conv_param"):
        SimpleConvNet(conv_param={"filters": 3})
    net = _tiny_convnet()
    with pytest.raises(ValueError, match=r"\(N, 1, 6, 6\)"):
        net.predict(np.ones((2, 1, 5, 5)))


def test_gradient_rejects_labels_out_of_range():
    net = MultiLayerNet(5, [4], 3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"0\.\.2"):
        net.gradient(X, np.array([0, 1, 3, 2]))
    with pytest.raises(ValueError, match=r"0\.\.2"):
        net.gradient(X, np.array([0, 1, -1, 2]))


# ---------------------------------------------------------------------------
# a stack of networks: member k is the network its initialisation builds alone
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("use_bn, dropout", [(False, 0.0), (True, 0.0), (True, 0.3)],
                         ids=["plain", "batchnorm", "batchnorm+dropout"])
def test_stack_members_equal_the_networks_built_alone(use_bn, dropout):
    inits = [0.5, "he", 0.05]
    kw = dict(activation="tanh", use_batchnorm=use_bn, dropout_ratio=dropout, weight_decay=0.01)
    stack = MultiLayerNet(5, [4, 3], 3, weight_init=inits, rng=np.random.default_rng(4), **kw)
    assert stack.stack == 3 and stack.params["W1"].shape == (3, 5, 4) and stack.params["b2"].shape == (3, 1, 3)
    alone = [MultiLayerNet(5, [4, 3], 3, weight_init=w, rng=np.random.default_rng(4), **kw) for w in inits]
    for k, net in enumerate(alone):
        for key, p in net.params.items():
            np.testing.assert_array_equal(stack.params[key][k].reshape(p.shape), p,
                                          err_msg=f"member {k}: the initial {key} (same standard normal draws)")
    loss = stack.loss(X, T, train=False)
    assert loss.shape == (3,)
    np.testing.assert_allclose(loss, [net.loss(X, T, train=False) for net in alone], rtol=1e-12)
    np.testing.assert_allclose(stack.accuracy(X, T), [net.accuracy(X, T) for net in alone])
    if dropout:
        return  # the stack draws its masks for (K, N, H) at once: other masks than one network's
    grads = stack.gradient(X, T)
    for k, net in enumerate(alone):
        ref = net.gradient(X, T)
        assert stack.last_loss[k] == pytest.approx(net.last_loss, rel=1e-12)
        for key, g in ref.items():
            np.testing.assert_allclose(grads[key][k].reshape(g.shape), g, rtol=1e-10, atol=1e-13,
                                       err_msg=f"member {k}: gradient of {key}")


def test_stack_trains_each_member_with_its_own_learning_rate():
    inits, lrs = [0.3, 0.3], np.array([0.05, 0.5])
    stack = MultiLayerNet(5, [4], 3, weight_init=inits, use_batchnorm=True, rng=np.random.default_rng(6))
    alone = [MultiLayerNet(5, [4], 3, weight_init=w, use_batchnorm=True, rng=np.random.default_rng(6))
             for w in inits]
    opt = SGD(lr=lrs[:, None, None])
    for _ in range(5):
        opt.update(stack.params, stack.gradient(X, T))
        for net, lr in zip(alone, lrs):
            SGD(lr=lr).update(net.params, net.gradient(X, T))
    for k, net in enumerate(alone):
        np.testing.assert_allclose(stack.loss(X, T), [n.loss(X, T) for n in alone], rtol=1e-10)
        np.testing.assert_allclose(stack.batchnorms[0].running_mean[k, 0], net.batchnorms[0].running_mean,
                                   rtol=1e-10)
    assert not np.allclose(stack.params["W1"][0], stack.params["W1"][1]), "different learning rates"


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_stack_gradient_matches_numerical(activation):
    net = MultiLayerNet(5, [4, 3], 3, activation=activation, weight_init=["xavier", 0.5], use_batchnorm=True,
                        dropout_ratio=0.2, weight_decay=0.1, rng=np.random.default_rng(1))
    _randomise_biases(net)
    _check_net(net, X, T, f"a stack of two {activation} networks")



def test_keep_members_drops_members_of_a_stack_and_the_optimizer_follows():
    inits, lrs = [0.3, 0.5, 0.7], np.array([0.05, 0.1, 0.2])
    stack = MultiLayerNet(5, [4], 3, weight_init=inits, use_batchnorm=True, rng=np.random.default_rng(6))
    opt = Adam(lr=lrs[:, None, None])
    opt.update(stack.params, stack.gradient(X, T))
    before = {k: v.copy() for k, v in stack.params.items()}
    running = stack.batchnorms[0].running_mean.copy()
    stack.keep_members([2, 0])
    opt.keep_members([2, 0])
    assert stack.stack == 2 and stack.weight_init == [0.7, 0.3]
    for key, p in stack.params.items():
        np.testing.assert_array_equal(p, before[key][[2, 0]], err_msg=key)
    assert stack.batchnorms[0].params["gamma"] is stack.params["gamma1"]
    np.testing.assert_array_equal(stack.batchnorms[0].running_mean, running[[2, 0]])
    np.testing.assert_array_equal(opt.lr[:, 0, 0], [0.2, 0.05])
    assert opt.m["W1"].shape == (2, 5, 4)
    opt.update(stack.params, stack.gradient(X, T))           # trains on with two members
    assert np.all(np.isfinite(stack.loss(X, T)))
    with pytest.raises(ValueError, match="not a stack"):
        MultiLayerNet(5, [4], 3, rng=np.random.default_rng(0)).keep_members([0])
