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


# ----------------------------------------------------------------------------- quiz answers
from dlcourse.checks import answer_choice, answer_key, answer_number, check_number_answer  # noqa: E402


@pytest.mark.parametrize("given", [0.2, 1 / 5, np.float32(0.2), np.array([0.2]), " 0.2 ", "1/5", "2e-1", "\u22120.2"])
def test_answer_number_accepts_every_reasonable_form(given):
    value = answer_number(given, "a")
    assert abs(abs(value) - 0.2) < 1e-7


@pytest.mark.parametrize("given, fragment", [(True, "expected a number"), (None, "expected a number"),
                                             ("two", "could not read"), (np.zeros(2), "single number"),
                                             (float("nan"), "finite"), ("1/0", "could not read")])
def test_answer_number_rejects_what_is_not_a_number(given, fragment):
    with pytest.raises(AssertionError, match=fragment):
        answer_number(given, "a")


@pytest.mark.parametrize("given", ["c", "C", " c ", "(c)", "c.", "[C]"])
def test_answer_choice_is_case_and_punctuation_insensitive(given):
    assert answer_choice(given, "abcd", "q") == "c"


def test_answer_choice_names_the_options():
    with pytest.raises(AssertionError, match="'a', 'b'"):
        answer_choice("e", "ab", "q")
    with pytest.raises(AssertionError, match="a string"):
        answer_choice(3, "ab", "q")


def test_number_answers_agree_to_three_significant_digits(capsys):
    key = answer_key(2 / 11)
    check_number_answer("0.1818", name="x", key=key)
    assert "correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="not yet"):
        check_number_answer(0.18, name="x", key=key)
    assert answer_key(0.0) == answer_key(-1e-15) != answer_key(1e-3)
    assert "0.1818" not in key and "181" not in key                      # the key does not show the answer


def test_hidden_number_check_explains_the_usual_mistakes():
    check_number_answer(" 1/5", name="lr", expected=0.2)
    with pytest.raises(AssertionError, match="what the coefficient gives"):
        check_number_answer(0.4, name="lr", expected=0.2, mistakes={"the coefficient": 0.4}, hint="never shown")
    with pytest.raises(AssertionError, match="think again"):
        check_number_answer(0.3, name="lr", expected=0.2, mistakes={"the coefficient": 0.4}, hint="think again")
    with pytest.raises(ValueError):
        check_number_answer(0.2, name="lr")
