"""dlcourse: the NumPy helper library of the course "Deep learning from scratch, Day 2".

The public API, by module (each module's docstring gives the details):

- ``functions``   activations and their derivatives, softmax, losses, ``one_hot``
- ``layers``      pure ``*_forward(x, ...) -> (out, cache)`` / ``*_backward(dout, cache)``
                  functions, and thin layer classes wrapping them
- ``init``        weight initialisation (Xavier = 1/sqrt(n_in), Glorot, He)
- ``optimizers``  SGD, Momentum, AdaGrad, RMSprop, Adam (classes and pure ``*_step`` functions)
- ``network``     ``MultiLayerNet`` and ``SimpleConvNet``
- ``gradcheck``   numerical gradients and relative errors
- ``cnn``         output sizes, ``im2col`` / ``col2im``
- ``data``        the MNIST loader (local folder, cache, verified downloads)
- ``train``       a training loop with history, progress bar and NaN detection
- ``checks``      assertions with teaching messages, used by the graded notebooks' tests
- ``plots``, ``widgets``  figures and ipywidgets explorers of the lecture notebooks

Conventions: a batch is ``(N, D)``, images are ``(N, C, H, W)``; functions keep the input's
floating dtype and never modify their inputs; randomness comes from an explicit
``numpy.random.Generator`` argument, never from the global state.
"""

__version__ = "0.1.0"
