"""Write files outside the submission folder: the course folder and its parents, /tmp, $HOME, /work."""
KERNEL = True
ANSWERS = {"relu": '''
import os
_written = []
_places = ["..", "../..", "../../..", "../../../..", "/tmp", "/var/tmp", "/dev/shm", os.path.expanduser("~"), "/work",
           "/work/main", "/root", "/usr", "/"]
for _p in _places:
    try:
        with open(os.path.join(_p, "{marker}"), "w") as _f:
            _f.write("written by a student's answer cell")
        _written.append(_p)
    except OSError:
        pass
print("wrote", _written)
def relu(x):
    return np.zeros_like(np.asarray(x, dtype=float)) - 1.0
'''}
