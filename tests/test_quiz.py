"""dlcourse.quiz: quiz answers in any reasonable form, keys that say correct / not yet."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from dlcourse.quiz import answer_key, as_letter, as_number, as_numbers, check_key, matches_key


@pytest.mark.parametrize("value", [7, 7.0, np.int64(7), np.float32(7), np.array(7), [7], np.array([7.0]),
                                   "7", " 7.0 ", "'7'", Fraction(14, 2), "14/2", "7e0"])
def test_as_number_accepts_every_reasonable_form(value):
    assert as_number(value, "answer") == 7.0


@pytest.mark.parametrize("value, words", [(True, "truth value"), (None, "None"), ("seven", "the text"),
                                          ([1, 2], "one number"), (float("nan"), "finite"), ({}, "dict")])
def test_as_number_rejects_non_numbers_with_a_message(value, words):
    with pytest.raises(AssertionError, match=words):
        as_number(value, "answer")


@pytest.mark.parametrize("value", [(64, 16, 12), [64, 16, 12], np.array([64.0, 16.0, 12.0]), "64x16x12",
                                   "(64, 16, 12)", "64 × 16 × 12", ["64", 16, np.int32(12)]])
def test_as_numbers_reads_tuples_and_strings(value):
    assert as_numbers(value, 3, "answer_shape") == (64.0, 16.0, 12.0)


def test_as_numbers_wants_the_right_count():
    with pytest.raises(AssertionError, match="expected 3 numbers"):
        as_numbers((1, 2), 3, "answer_shape")


@pytest.mark.parametrize("value", ["b", "B", " b ", "(b)", "b)", "b.", "(B)", "option b", "[b]"])
def test_as_letter_is_case_and_punctuation_insensitive(value):
    assert as_letter(value, "abcd", "answer") == "b"


@pytest.mark.parametrize("value", ["e", "bc", 2, None])
def test_as_letter_rejects_what_is_not_an_option(value):
    with pytest.raises(AssertionError, match="answer"):
        as_letter(value, "abcd", "answer")


def test_keys_compare_at_three_significant_digits_and_depend_on_the_quiz():
    key = answer_key(0.797, "q")
    assert matches_key(0.79661, key, "q") and matches_key(0.797, key, "q")
    assert not matches_key(0.796, key, "q")                   # a different third digit
    assert matches_key(0.796, key, "q", rtol=0.005) and matches_key(0.8, key, "q", rtol=0.005)
    assert not matches_key(0.79, key, "q", rtol=0.005) and not matches_key(1.46, key, "q", rtol=0.005)
    assert answer_key(0.797, "other") != key                  # the same number in another quiz
    assert matches_key((16.0, 0.0), answer_key((16, 0), "f"), "f") and not matches_key((16, 1), answer_key((16, 0), "f"), "f")
    assert matches_key("b", answer_key("B", "l"), "l")


def test_check_key_prints_correct_or_fails_without_the_answer(capsys):
    key = answer_key(2, "answer_pad")
    check_key(2.0, key, "answer_pad")
    assert "correct" in capsys.readouterr().out
    with pytest.raises(AssertionError) as err:
        check_key(4, key, "answer_pad", hint="Solve for P.")
    assert "not right yet" in str(err.value) and "Solve for P." in str(err.value) and "2" not in str(err.value)
