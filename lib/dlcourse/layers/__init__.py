"""Layers: pure ``*_forward(x, ...) -> (out, cache)`` / ``*_backward(dout, cache)`` functions
and thin classes wrapping them (``forward(x, train=True)``, ``backward(dout)``, ``.params``,
``.grads``).

Modules: ``core`` (affine, activations, softmax-cross-entropy), ``batchnorm``, ``dropout``,
``conv`` (convolution and pooling) and ``classes``. Everything is re-exported here, so
``from dlcourse.layers import affine_forward, Affine`` works.

The affine layer, the activations, batch norm and the loss also work on a STACK of K
networks of the same shape (a leading axis K on the weights and activations): see
:mod:`dlcourse.layers.core`.
"""

from .batchnorm import batchnorm_backward, batchnorm_forward, batchnorm_inference
from .classes import (Affine, AvgPool2d, BatchNorm, Conv2d, Dropout, Flatten, Layer, MaxPool2d, ReLU, Sigmoid,
                      SoftmaxWithLoss, Tanh)
from .conv import (
    avg_pool_backward,
    avg_pool_forward,
    conv2d_backward,
    conv2d_forward,
    max_pool_backward,
    max_pool_forward,
)
from .core import (
    activation_layer,
    affine_backward,
    affine_forward,
    elu_backward,
    elu_forward,
    gelu_backward,
    gelu_forward,
    leaky_relu_backward,
    leaky_relu_forward,
    relu_backward,
    relu_forward,
    selu_backward,
    selu_forward,
    sigmoid_backward,
    sigmoid_forward,
    softmax_cross_entropy_backward,
    softmax_cross_entropy_forward,
    tanh_backward,
    tanh_forward,
)
from .dropout import dropout_backward, dropout_forward

__all__ = [
    "affine_forward", "affine_backward",
    "relu_forward", "relu_backward",
    "sigmoid_forward", "sigmoid_backward",
    "tanh_forward", "tanh_backward",
    "leaky_relu_forward", "leaky_relu_backward",
    "elu_forward", "elu_backward",
    "selu_forward", "selu_backward",
    "gelu_forward", "gelu_backward",
    "activation_layer",
    "softmax_cross_entropy_forward", "softmax_cross_entropy_backward",
    "batchnorm_forward", "batchnorm_backward", "batchnorm_inference",
    "dropout_forward", "dropout_backward",
    "conv2d_forward", "conv2d_backward",
    "max_pool_forward", "max_pool_backward",
    "avg_pool_forward", "avg_pool_backward",
    "Layer", "Affine", "ReLU", "Sigmoid", "Tanh", "BatchNorm", "Dropout", "Conv2d", "MaxPool2d", "AvgPool2d",
    "Flatten", "SoftmaxWithLoss",
]
