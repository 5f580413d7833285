"""ch05_regularization: the record of the chapter, with the correct and wrong answers its grading tests use."""

from chapters import Chapter

CHAPTER = Chapter(
    name="ch05_regularization",
    title="過学習: L2, L1, dropout, early stopping",
    topic="regularization",
    points=16,
    exercises={
        "l2_penalty": ("test_l2_penalty_value", "test_l2_penalty_derivative"),
        "l2_penalty_grad": ("test_l2_penalty_grad",),
        "l1_penalty": ("test_l1_penalty_value",),
        "l1_penalty_grad": ("test_l1_penalty_grad",),
        "dropout_forward": ("test_dropout_forward_statistics", "test_dropout_forward_kept_values", "test_dropout_forward_test_mode"),
        "dropout_backward": ("test_dropout_backward", "test_dropout_backward_consistent"),
        "quiz_ridge_regression": ("test_quiz_ridge_regression",),
        "quiz_sparse_penalty": ("test_quiz_sparse_penalty",),
    },
)
