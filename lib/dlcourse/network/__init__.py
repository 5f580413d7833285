"""Networks that put the layers together: ``MultiLayerNet`` and ``SimpleConvNet``.

Both have the same interface::

    net.predict(x, train=False)   # logits (N, C)
    net.loss(x, t, train=True)    # mean cross-entropy + 0.5*weight_decay*sum(W**2)
    net.accuracy(x, t)            # fraction correct, test mode
    net.gradient(x, t)            # dict of gradients by backpropagation
    net.numerical_gradient(x, t)  # the same by central differences (slow; for checking)
    net.params                    # dict of the parameter arrays, updated in place by optimizers

``t`` may be integer labels (N,) or one-hot (N, C) everywhere. Typical training step::

    grads = net.gradient(x_batch, t_batch)
    optimizer.update(net.params, grads)
"""

from .convnet import SimpleConvNet
from .mlp import MultiLayerNet

__all__ = ["MultiLayerNet", "SimpleConvNet"]
