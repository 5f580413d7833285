"""Wrong answers for ch01_vanishing_gradients: every test cell fails with these (constant outputs)."""

WRONG = {
    "sigmoid": "def sigmoid(x):\n    return np.zeros_like(np.asarray(x, dtype=float)) + 0.3\n",
    "sigmoid_grad": "def sigmoid_grad(x):\n    return np.zeros_like(np.asarray(x, dtype=float)) + 0.3\n",
    "quiz_sigmoid_grad_from_output": "answer_sigma_prime = 1.0\n",
    "relu": "def relu(x):\n    return np.zeros_like(np.asarray(x, dtype=float)) - 1.0\n",
    "relu_grad": "def relu_grad(x):\n    return np.zeros_like(np.asarray(x, dtype=float)) - 1.0\n",
}
