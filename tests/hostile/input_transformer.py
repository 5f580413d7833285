"""An IPython input transformer, registered in an answer cell, that empties every later test cell
(the graded notebook would still show the original test code)."""
KERNEL = True
ANSWERS = {"sigmoid": '''
def _no_tests(lines):
    text = "".join(lines)
    if "check_" in text or "assert" in text:
        return ["pass\\n"]
    return lines
try:
    get_ipython().input_transformers_post.append(_no_tests)
except NameError:
    pass
def sigmoid(x):
    return np.zeros_like(np.asarray(x, dtype=float)) + 0.3
'''}
