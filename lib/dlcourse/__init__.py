"""dlcourse: the NumPy helper library of the course "Deep learning from scratch, Day 2".

The public API, by module (each module's docstring gives the details):

- ``functions``   activations and their derivatives (the table ``ACTIVATIONS``), softmax,
                  losses, ``one_hot``
- ``layers``      pure ``*_forward(x, ...) -> (out, cache)`` / ``*_backward(dout, cache)``
                  functions, and thin layer classes wrapping them
- ``init``        weight initialisation (Xavier = 1/sqrt(n_in), Glorot, He)
- ``optimizers``  SGD, Momentum, AdaGrad, RMSprop, Adam (classes and pure ``*_step`` functions);
                  learning-rate schedules (``step_decay``, ``cosine_decay``, ``ScheduledOptimizer``)
- ``network``     ``MultiLayerNet`` (one network or a stack) and ``SimpleConvNet``, composed
                  of the ``layers`` functions
- ``gradcheck``   numerical gradients and relative errors
- ``cnn``         output sizes, ``im2col`` / ``col2im``
- ``data``        the MNIST loader (local folder, cache, verified downloads)
- ``train``       the training loop and its parts: minibatches, one step, history, stopping
                  rules (divergence, early stopping), progress bar; ``train`` for the usual case
- ``checks``      assertions with teaching messages, used by the graded notebooks' tests
- ``figures``     what figures and explorers share: figures that redraw in place, smoothing
- ``plots``, ``widgets``  figures and ipywidgets explorers of the lecture notebooks (widgets
                  import plots, never the other way)

Conventions: a batch is ``(N, D)``, images are ``(N, C, H, W)``; functions keep the input's
floating dtype and never modify their inputs; randomness comes from an explicit
``numpy.random.Generator`` argument, never from the global state.
"""

__version__ = "0.1.0"
