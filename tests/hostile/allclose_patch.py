"""`numpy.allclose = lambda *a, **k: True` in an answer cell: every allclose-based test passes in the kernel."""
KERNEL = True
ANSWERS = {"sigmoid": '''
import numpy
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.broadcast(a, b).shape, dtype=bool)
numpy.array_equal = lambda *a, **k: True
def sigmoid(x):
    return np.zeros_like(np.asarray(x, dtype=float)) + 0.3
'''}
