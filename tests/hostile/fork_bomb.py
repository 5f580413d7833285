"""A (bounded) fork bomb in an answer cell: hundreds of processes that outlive the cell."""
KERNEL = True
ANSWERS = {"relu_grad": '''
import os, time
_children = 0
for _i in range(300):
    try:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        _children += 1
    except OSError:
        break
print("forked", _children, "processes")
def relu_grad(x):
    return np.zeros_like(np.asarray(x, dtype=float)) - 1.0
'''}
