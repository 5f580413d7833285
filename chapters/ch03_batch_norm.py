"""ch03_batch_norm: the record of the chapter, with the correct and wrong answers its grading tests use."""

from chapters import Chapter

CHAPTER = Chapter(
    name="ch03_batch_norm",
    title="バッチ正規化: forward, backward, running statistics",
    topic="batchnorm",
    points=12,
    exercises={
        "batchnorm_forward": ("test_batchnorm_forward_shapes", "test_batchnorm_forward_values", "test_batchnorm_forward_statistics", "test_batchnorm_forward_float32"),
        "batchnorm_backward": ("test_batchnorm_backward_dx", "test_batchnorm_backward_dgamma_dbeta"),
        "quiz_batchnorm_effects": ("test_quiz_batchnorm_effects",),
        "quiz_batchnorm_running": ("test_quiz_batchnorm_running",),
    },
)
