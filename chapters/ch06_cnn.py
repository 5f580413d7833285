"""ch06_cnn: the record of the chapter, with the correct and wrong answers its grading tests use."""

from chapters import Chapter

CHAPTER = Chapter(
    name="ch06_cnn",
    title="畳み込み: padding, stride, pooling, im2col",
    topic="convolution",
    points=17,
    exercises={
        "conv_output_size": ("test_conv_output_size_values", "test_conv_output_size_not_tiling"),
        "quiz_conv_output_size": ("test_quiz_conv_output_size",),
        "im2col": ("test_im2col_small", "test_im2col_general"),
        "conv2d_forward": ("test_conv2d_forward_small", "test_conv2d_forward_general"),
        "max_pool_forward": ("test_max_pool_forward_small", "test_max_pool_forward_general"),
    },
)
