"""ch02_initialization: the record of the chapter, with the correct and wrong answers its grading tests use."""

from chapters import Chapter

CHAPTER = Chapter(
    name="ch02_initialization",
    title="重みの初期値: zero, 0.01, Xavier, He",
    topic="initialization",
    points=11,
    exercises={
        "xavier_std": ("test_xavier_std_values",),
        "he_std": ("test_he_std_values",),
        "init_weights": ("test_init_weights_shapes", "test_init_weights_zero_biases", "test_init_weights_std", "test_init_weights_zero_method", "test_init_weights_distribution"),
        "quiz_zero_init": ("test_quiz_zero_init",),
        "quiz_init_choice": ("test_quiz_init_choice",),
    },
)
