"""ch01_vanishing_gradients: the record of the chapter, with the correct and wrong answers its grading tests use."""

from chapters import Chapter

CHAPTER = Chapter(
    name="ch01_vanishing_gradients",
    title="勾配消失: sigmoid vs ReLU on MNIST",
    topic="activations",
    points=13,
    exercises={
        "sigmoid": ("test_sigmoid_values", "test_sigmoid_extreme"),
        "sigmoid_grad": ("test_sigmoid_grad_values", "test_sigmoid_grad_numerical", "test_sigmoid_grad_extreme"),
        "quiz_sigmoid_grad_max": ("test_quiz_sigmoid_grad_max",),
        "relu": ("test_relu_values",),
        "relu_grad": ("test_relu_grad_values", "test_relu_grad_at_zero"),
    },
)
