"""ch04_optimizers: the record of the chapter, with the correct and wrong answers its grading tests use."""

from chapters import Chapter

CHAPTER = Chapter(
    name="ch04_optimizers",
    title="SGD, Momentum, AdaGrad, RMSprop, Adam",
    topic="optimizers",
    points=15,
    exercises={
        "momentum_step": ("test_momentum_step_one_step", "test_momentum_step_sequence"),
        "adagrad_step": ("test_adagrad_step_one_step", "test_adagrad_step_accumulates"),
        "rmsprop_step": ("test_rmsprop_step_one_step", "test_rmsprop_step_moving_average"),
        "adam_step": ("test_adam_step_first_step", "test_adam_step_later_steps"),
        "quiz_optimizers": ("test_quiz_optimizers",),
    },
)
