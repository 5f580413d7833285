"""dlcourse: the NumPy helper library of the course "Deep learning from scratch, Day 2".

Modules (see DESIGN.md for the public API):

- ``functions``   activations, softmax, losses
- ``layers``      pure ``*_forward`` / ``*_backward`` functions and thin layer classes
- ``init``        weight initialisation (Xavier = 1/sqrt(n_in), Glorot, He)
- ``optimizers``  SGD, Momentum, AdaGrad, RMSprop, Adam; learning-rate schedules (step, cosine)
- ``network``     ``MultiLayerNet`` and ``SimpleConvNet``
- ``gradcheck``   numerical gradients and relative errors
- ``cnn``         output sizes, ``im2col`` / ``col2im``
- ``data``        the MNIST loader (local folder, cache, verified downloads)
- ``train``       a training loop with history, progress bar and NaN detection
- ``plots``, ``widgets``  figures and ipywidgets explorers of the lecture notebooks
"""

__version__ = "0.1.0"
