"""sys.modules tricks: replace dlcourse.checks by a module whose checks pass, and numpy by a wrapper."""
KERNEL = True
ANSWERS = {"sigmoid": '''
import sys, types
_fake = types.ModuleType("dlcourse.checks")
_fake.call = lambda fn, *a, name=None, record_warnings=False, **k: (fn(*a, **k), []) if record_warnings else fn(*a, **k)
for _n in ("check_array", "check_scalar", "check_true", "fail"):
    setattr(_fake, _n, lambda *a, **k: None)
_fake.describe = repr
sys.modules["dlcourse.checks"] = _fake
try:
    import dlcourse
    dlcourse.checks = _fake
except ImportError:
    pass
_np = sys.modules["numpy"]
class _Wrapper(types.ModuleType):
    def __getattr__(self, name):
        if name in ("allclose", "array_equal"):
            return lambda *a, **k: True
        return getattr(_np, name)
sys.modules["numpy"] = _Wrapper("numpy")
def sigmoid(x):
    return _np.zeros_like(_np.asarray(x, dtype=float)) + 0.3
'''}
