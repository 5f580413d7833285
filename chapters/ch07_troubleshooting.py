"""ch07_troubleshooting: the record of the chapter, with the correct and wrong answers its grading tests use."""

from chapters import Chapter

CHAPTER = Chapter(
    name="ch07_troubleshooting",
    title="NaN, divergence, shape errors, data bugs",
    topic="troubleshooting",
    points=33,
    exercises={
        "stable_softmax": ("test_stable_softmax_batch", "test_stable_softmax_large"),
        "safe_cross_entropy": ("test_safe_cross_entropy_values", "test_safe_cross_entropy_zero"),
        "stable_sigmoid": ("test_stable_sigmoid_values", "test_stable_sigmoid_extreme"),
        "bce_with_logits": ("test_bce_with_logits_values", "test_bce_with_logits_extreme"),
        "normalize_pixels": ("test_normalize_pixels_values", "test_normalize_pixels_dtype"),
        "shuffle_together": ("test_shuffle_together_pairs", "test_shuffle_together_rng"),
        "check_layer_sizes": ("test_check_layer_sizes_ok", "test_check_layer_sizes_mismatch"),
        "find_divergence": ("test_find_divergence",),
        "diagnose_history": ("test_diagnose_history_basic", "test_diagnose_history_more"),
        "quiz_invalid_subtract": ("test_quiz_invalid_subtract",),
        "quiz_sigmoid_logits": ("test_quiz_sigmoid_logits",),
    },
)
