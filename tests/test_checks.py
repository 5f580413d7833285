"""dlcourse.checks: the teaching assertions used by the graded notebooks."""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse.checks import call, check_array, check_scalar, check_true, fail


def test_check_array_accepts_close_values():
    check_array(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]), name="f(x)")


@pytest.mark.parametrize("actual, fragment", [
    ([1.0, 2.0], "expected a NumPy array"),
    (None, "forget to `return`"),
    (3.0, "A single number came back"),
    (np.zeros(3), "expected shape (2,)"),
    (np.array([1.0, np.nan]), "only finite numbers"),
    (np.array([1.0, 2.5]), "Largest difference at index (1,)"),
])
def test_check_array_reports_type_then_shape_then_values(actual, fragment):
    with pytest.raises(AssertionError) as err:
        check_array(actual, np.array([1.0, 2.0]), name="f(x)")
    assert fragment in str(err.value)
    assert str(err.value).startswith("f(x):")


def test_check_array_names_a_known_mistake():
    with pytest.raises(AssertionError, match="exactly what the batch bug gives"):
        check_array(np.array([0.25, 0.25]), np.array([0.5, 0.5]), name="softmax(x)",
                    mistakes={"the batch bug": np.array([0.25, 0.25])}, hint="never shown")


def test_check_array_names_a_mistake_with_another_shape():
    with pytest.raises(AssertionError, match="exactly what summing gives"):
        check_array(np.array(3.0), np.array([1.0, 2.0]), name="g(x)", mistakes={"summing": 3.0})


def test_check_array_hint_when_no_mistake_matches():
    with pytest.raises(AssertionError, match="Usual cause: check the sign"):
        check_array(np.array([9.0]), np.array([1.0]), name="h", mistakes={"x": np.array([2.0])},
                    hint="check the sign")


def test_check_scalar():
    check_scalar(np.float32(0.25), 0.25, name="q")
    check_scalar(np.array([0.25]), 0.25, name="q")
    with pytest.raises(AssertionError, match="expected a single number"):
        check_scalar(np.ones(3), 0.25, name="q")
    with pytest.raises(AssertionError, match="expected the finite number"):
        check_scalar(float("nan"), 0.25, name="q")
    with pytest.raises(AssertionError, match="exactly what summing instead of averaging gives"):
        check_scalar(1.0, 0.5, name="loss", mistakes={"summing instead of averaging": 1.0})
    with pytest.raises(AssertionError, match="got a value of type bool"):
        check_scalar(True, 1.0, name="q")


def test_call_records_warnings_instead_of_printing(capsys):
    def noisy(x):
        return np.exp(x)

    out, messages = call(noisy, np.array([1000.0]), name="noisy(x)", record_warnings=True)
    assert np.isinf(out[0]) and any("overflow" in m for m in messages)
    assert capsys.readouterr().err == ""


def test_call_detects_in_place_modification_and_protects_the_callers_array():
    def sneaky(x):
        x -= 1
        return x

    x = np.arange(3.0)
    with pytest.raises(AssertionError, match="modified its argument #1 in place"):
        call(sneaky, x, name="sneaky(x)")
    assert np.array_equal(x, np.arange(3.0)), "call() must pass copies"


def test_call_turns_exceptions_and_todo_into_teaching_failures():
    def todo(x):
        raise NotImplementedError()

    def broken(x):
        return x @ np.ones((5, 5))

    with pytest.raises(AssertionError, match="not implemented yet"):
        call(todo, 1, name="todo(x)")
    with pytest.raises(AssertionError, match=r"broken\(x\) raised ValueError"):
        call(broken, np.ones((2, 3)), name="broken(x)")
    with pytest.raises(AssertionError, match="expected a function"):
        call(3, name="f")


def test_check_true_and_fail():
    check_true(True, "never")
    with pytest.raises(AssertionError, match="because"):
        check_true(False, "because")
    with pytest.raises(AssertionError, match="boom"):
        fail("boom")


def test_call_does_not_flag_generators_or_plain_objects():
    class Cache:
        pass

    def uses_rng(x, rng, cache):
        cache.seen = True
        return x + rng.standard_normal(x.shape)

    out = call(uses_rng, np.zeros(3), np.random.default_rng(0), Cache(), name="uses_rng")
    assert out.shape == (3,)


def test_call_detects_changes_inside_a_list_of_arrays():
    def sneaky(weights):
        weights[0] *= 2
        return 0.0

    with pytest.raises(AssertionError, match="modified its argument #1"):
        call(sneaky, [np.ones(2), np.ones(3)], name="sneaky(weights)")


def test_check_tuple_returns_the_outputs_or_names_the_missing_return():
    from dlcourse.checks import check_tuple

    w, v = check_tuple([np.ones(2), np.zeros(2)], ["w", "v"], "momentum_step(...)")
    assert w.shape == (2,) and v.shape == (2,)
    with pytest.raises(AssertionError, match=r"momentum_step\(...\): expected a tuple \(w, v\), got a NumPy array"):
        check_tuple(np.ones(2), ["w", "v"], "momentum_step(...)")
    with pytest.raises(AssertionError, match="End your function with `return w, m, v`"):
        check_tuple((1, 2), ["w", "m", "v"], "adam_step(...)")


@pytest.mark.parametrize("answer", [0.16, "0.16", " 0.16 ", "4/25", "1.6e-1", np.float32(0.16), np.array([0.16]),
                                    0.1601])
def test_number_answers_in_any_reasonable_form(answer):
    from fractions import Fraction

    from dlcourse.checks import answer_key, as_number, check_number_answer

    assert abs(as_number(answer, name="a") - 0.16) < 2e-4
    assert as_number(Fraction(4, 25), name="a") == 0.16
    assert as_number("\u22125", name="a") == -5.0 and as_number(-5, name="a") == -5.0
    assert check_number_answer(answer, answer_key(0.16), name="a") is None   # a number would be partial credit


@pytest.mark.parametrize("answer, fragment", [
    (None, "expected a number"), (True, "expected a number"), ("0.16 or so", "not one"), ([0.16], "expected a number"),
    (np.zeros(2), "one number"), (float("nan"), "finite"), (Ellipsis, "expected a number"),
])
def test_number_answers_that_are_not_numbers_say_what_to_write(answer, fragment):
    from dlcourse.checks import as_number

    with pytest.raises(AssertionError, match=fragment) as err:
        as_number(answer, name="answer_x")
    assert "answer_x = 0.5" in str(err.value)


def test_check_number_answer_says_not_yet_without_the_answer(capsys):
    from dlcourse.checks import answer_key, check_number_answer

    key = answer_key(-5.0)
    assert key != answer_key(5.0) and key != answer_key(-5.1) and key == answer_key(-5.001)
    check_number_answer("-5", key, name="answer_x")
    assert "correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="not yet") as err:
        check_number_answer(6.25, key, name="answer_x")
    assert "-5" not in str(err.value)
    # near the edge of the rounding bucket, a tiny difference in the last digits does not matter
    check_number_answer(0.16049999, answer_key(0.1605), name="a")


@pytest.mark.parametrize("answer", [(64, 16, 12), [64, 16, 12], np.array([64.0, 16.0, 12.0]), "64x16x12",
                                    "(64, 16, 12)", "64 × 16 × 12", ["64", 16, np.int32(12)], "64, 16, 12"])
def test_several_numbers_in_any_reasonable_form(answer, capsys):
    from dlcourse.checks import answer_key, as_numbers, check_numbers_answer

    assert as_numbers(answer, 3, name="answer_shape") == (64.0, 16.0, 12.0)
    assert check_numbers_answer(answer, answer_key((64, 16, 12)), 3, name="answer_shape") is None
    assert "correct" in capsys.readouterr().out


def test_several_numbers_not_yet_and_wrong_counts():
    from dlcourse.checks import answer_key, as_numbers, check_numbers_answer

    key = answer_key((16, 0))
    assert key != answer_key(16) and key != answer_key((16, 1)) and key == answer_key([16.0, 0.0])
    assert answer_key(2.5) == answer_key(np.float64(2.5))          # scalars keep their key
    with pytest.raises(AssertionError, match="not yet right") as err:
        check_numbers_answer((16, 1), key, 2, name="answer_floor")
    assert "(16, 0)" not in str(err.value)
    with pytest.raises(AssertionError, match="expected 3 numbers"):
        as_numbers((1, 2), 3, name="answer_shape")
    with pytest.raises(AssertionError, match="expected 2 numbers"):
        as_numbers("16", 2, name="answer_floor")
    with pytest.raises(AssertionError, match="expected a number"):
        as_numbers((16, None), 2, name="answer_floor")


# ----------------------------------------------------------------------------- multiple-choice answers
from dlcourse.checks import parse_choice, parse_choices  # noqa: E402


def test_parse_choice_and_choices_are_case_and_space_insensitive():
    for v in ["b", " B ", "(b)", "b."]:
        assert parse_choice(v, "q", "abcd") == "b"
    for v in [{"a", "C"}, ["a", " c "], ("A", "c"), "a, c", "AC", frozenset("ac")]:
        assert parse_choices(v, "q", "abcdef") == {"a", "c"}
    for bad in ["e", "ab", 1, None, ""]:
        with pytest.raises(AssertionError, match="q: expected one of the letters"):
            parse_choice(bad, "q", "abcd")
    for bad in [set(), "xyz", {"a", 3}, 5]:
        with pytest.raises(AssertionError, match="q: expected"):
            parse_choices(bad, "q", "abcdef")
