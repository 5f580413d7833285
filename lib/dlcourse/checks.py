"""Assertions that teach: the building blocks of the graded notebooks' tests.

Every check raises ``AssertionError`` with a message in the same order:
what was checked, what was expected, what came, and the mistake that usually
causes the difference. Checks go type, then shape, then finiteness, then values.

    >>> from dlcourse.checks import call, check_array
    >>> out = call(softmax, x, name="softmax(x)")
    >>> check_array(out, expected, name="softmax(x)",
    ...             mistakes={"normalising over the whole batch": wrong})

``call`` runs a student's function so that harmless warnings are recorded
instead of printed (nbgrader zeroes a test cell that writes to stderr), an
exception becomes an assertion that names the call, and a function that
modifies its inputs in place is caught.
"""

from __future__ import annotations

import copy
import hashlib
import re
import traceback
import warnings
from fractions import Fraction
from typing import Any, Callable, Iterable, Mapping

import numpy as np

__all__ = ["call", "check_array", "check_scalar", "check_true", "check_tuple", "fail", "describe",
           "answer_number", "answer_choice", "answer_key", "check_number_answer"]


def fail(message: str) -> None:
    """Raise an ``AssertionError`` with ``message`` (a teaching message)."""
    raise AssertionError(message)


def check_true(condition: Any, message: str) -> None:
    """Fail with ``message`` unless ``condition`` is true."""
    if not bool(condition):
        fail(message)


def check_tuple(out: Any, names: list[str], name: str) -> tuple:
    """Check that a function with several outputs returned all of them; return them as a tuple.

    ``names`` are the outputs in order, e.g. ``["w", "v"]``; the message shows the return
    statement that is expected.
    """
    check_true(isinstance(out, (tuple, list)) and len(out) == len(names),
               f"{name}: expected a tuple ({', '.join(names)}), got {describe(out)}. "
               f"End your function with `return {', '.join(names)}`.")
    return tuple(out)


def describe(value: Any) -> str:
    """A short description of a value's type (and shape/dtype for arrays)."""
    if isinstance(value, np.ndarray):
        return f"a NumPy array of shape {value.shape} and dtype {value.dtype}"
    if value is None:
        return "None (did the function forget to `return` its result?)"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"a value of type {type(value).__name__} ({_short(value)})"


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _snapshot(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    try:
        return copy.deepcopy(value)
    except Exception:  # objects that cannot be copied are not compared
        return None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float, complex, str, bytes, bool, type(None), np.generic)):
        try:
            return bool(a == b) or (a != a and b != b)  # NaN equals NaN here
        except Exception:
            return True
    return True  # other objects inside containers are not compared


def call(fn: Callable, *args: Any, name: str | None = None, record_warnings: bool = False,
         check_inputs: bool = True, **kwargs: Any) -> Any:
    """Call a student's ``fn(*args, **kwargs)`` safely and return its result.

    - Arguments are deep-copied, so a test's own arrays are never changed.
    - Warnings (``RuntimeWarning: overflow`` and friends) are recorded, never
      printed. With ``record_warnings=True`` the result is ``(out, messages)``.
    - An exception becomes an ``AssertionError`` naming the call and the error.
    - If ``check_inputs``, modifying an input array in place is a failure.
    """
    label = name or f"{getattr(fn, '__name__', 'function')}(...)"
    if not callable(fn):
        fail(f"{label}: expected a function, got {describe(fn)}. "
             "Did you overwrite the function's name with a value?")
    copied = (np.ndarray, list, dict, tuple)
    call_args = [_snapshot(a) if isinstance(a, copied) else a for a in args]
    call_kwargs = {k: (_snapshot(v) if isinstance(v, copied) else v) for k, v in kwargs.items()}
    # Only data (arrays and containers) is compared afterwards: a random Generator is meant to
    # change, and an arbitrary object (a student's cache class) has no meaningful equality.
    before_args = [_snapshot(a) if isinstance(a, copied) else None for a in call_args]
    before_kwargs = {k: (_snapshot(v) if isinstance(v, copied) else None) for k, v in call_kwargs.items()}
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
        warnings.simplefilter("always")
        try:
            out = fn(*call_args, **call_kwargs)
        except NotImplementedError:
            fail(f"{label} raised NotImplementedError: this exercise is not implemented yet. "
                 "Replace `raise NotImplementedError()` with your code.")
        except AssertionError:
            raise
        except Exception as exc:  # the student's code crashed: say where
            tb = traceback.extract_tb(exc.__traceback__)
            where = f" (line {tb[-1].lineno}: `{tb[-1].line}`)" if tb and tb[-1].line else ""
            fail(f"{label} raised {type(exc).__name__}: {exc}{where}. "
                 "Check the shapes of the arrays involved and the exercise's instructions.")
    messages = [f"{w.category.__name__}: {w.message}" for w in caught]
    if check_inputs:
        for i, (a, b) in enumerate(zip(call_args, before_args)):
            if b is not None and not _same(a, b):
                fail(f"{label} modified its argument #{i + 1} in place. Expected the input to be left "
                     "unchanged; the usual cause is an in-place operation such as `x -= ...`, "
                     "`x[...] = ...` or `np.exp(x, out=x)` on an input. Work on a copy or write `x = x - ...`.")
        for k, b in before_kwargs.items():
            if b is not None and not _same(call_kwargs[k], b):
                fail(f"{label} modified its argument `{k}` in place. Expected the input to be left unchanged; "
                     "use `x = x - ...` instead of `x -= ...`, or work on a copy.")
    return (out, messages) if record_warnings else out


def _fmt(x: Any) -> str:
    with np.printoptions(precision=6, suppress=False, threshold=20, edgeitems=3, linewidth=100):
        return np.array2string(np.asarray(x)) if isinstance(x, np.ndarray) else repr(x)


def _matches(actual: np.ndarray, candidate: Any, rtol: float, atol: float) -> bool:
    try:
        cand = np.asarray(candidate, dtype=float)
        act = np.asarray(actual, dtype=float)
    except (TypeError, ValueError):
        return False
    if cand.shape != act.shape:
        return False
    with np.errstate(all="ignore"):
        return bool(np.allclose(act, cand, rtol=rtol, atol=atol, equal_nan=True))


def _mistake_message(actual: Any, mistakes: Mapping[str, Any] | None, rtol: float, atol: float) -> str | None:
    for description, wrong in (mistakes or {}).items():
        if wrong is not None and _matches(actual, wrong, rtol, atol):
            return f"Your result is exactly what {description} gives. Fix that and re-run this test."
    return None


def check_array(actual: Any, expected: Any, *, name: str, rtol: float = 1e-6, atol: float = 1e-8,
                mistakes: Mapping[str, Any] | None = None, hint: str | None = None,
                check_dtype: bool = False, allow_nonfinite: bool = False) -> None:
    """Check ``actual`` against the array ``expected``: type, shape, finiteness, values.

    ``mistakes`` maps a description of a typical mistake to the result that
    mistake produces; when ``actual`` is wrong and equals one of them, the
    message names the mistake. ``hint`` is shown for any other wrong value.
    """
    expected = np.asarray(expected)
    if not isinstance(actual, np.ndarray):
        extra = ""
        if isinstance(actual, (list, tuple)):
            extra = " Convert with np.array(...) or build the result with NumPy operations."
        elif isinstance(actual, (float, int, np.generic)) and expected.ndim > 0:
            extra = " A single number came back: did you sum/average over everything (np.sum without axis)?"
        fail(f"{name}: expected a NumPy array of shape {expected.shape}, got {describe(actual)}.{extra}")
    if actual.shape != expected.shape:
        msg = f"{name}: expected shape {expected.shape}, got shape {actual.shape}."
        wrong = _mistake_message(actual, mistakes, rtol, atol)
        if wrong:
            msg += " " + wrong
        elif actual.ndim == expected.ndim - 1:
            msg += " One axis is missing: a reduction (sum/max/mean) without keepdims=True, or over the wrong axis?"
        elif actual.shape[::-1] == expected.shape:
            msg += " The axes are swapped: a transpose too many or too few?"
        fail(msg)
    if check_dtype and actual.dtype != expected.dtype:
        fail(f"{name}: expected dtype {expected.dtype}, got {actual.dtype}. Keep the input's dtype: "
             "arrays made with np.zeros(shape) or np.ones(shape) are float64 unless you pass dtype=x.dtype.")
    if not allow_nonfinite and np.issubdtype(actual.dtype, np.number):
        bad = ~np.isfinite(actual)
        exp_bad = ~np.isfinite(expected) if np.issubdtype(expected.dtype, np.number) else np.zeros_like(bad)
        if np.any(bad & ~exp_bad):
            idx = tuple(int(i) for i in np.argwhere(bad & ~exp_bad)[0])
            msg = (f"{name}: expected only finite numbers, got {actual[idx]!r} at index {idx}. "
                   "NaN or inf usually comes from np.exp overflowing (subtract the maximum first), "
                   "from log(0) (clip or add a tiny constant), or from 0/0.")
            wrong = _mistake_message(actual, mistakes, rtol, atol)
            fail(msg + (" " + wrong if wrong else ""))
    if not _matches(actual, expected, rtol, atol):
        with np.errstate(all="ignore"):
            diff = np.abs(np.asarray(actual, float) - np.asarray(expected, float))
            diff = np.where(np.isnan(diff), np.inf, diff)
        idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape)) if diff.size else ()
        msg = (f"{name}: values differ from the expected result. Largest difference at index {idx}: "
               f"got {_fmt(actual[idx])}, expected {_fmt(expected[idx])}.\n"
               f"Expected:\n{_fmt(expected)}\nGot:\n{_fmt(actual)}")
        wrong = _mistake_message(actual, mistakes, rtol, atol)
        if wrong:
            msg += "\n" + wrong
        elif hint:
            msg += "\nUsual cause: " + hint
        fail(msg)


def check_scalar(actual: Any, expected: float, *, name: str, rtol: float = 1e-6, atol: float = 1e-8,
                 mistakes: Mapping[str, Any] | None = None, hint: str | None = None) -> None:
    """Check that ``actual`` is one real number close to ``expected``.

    Python numbers, NumPy scalars and arrays holding exactly one element are
    accepted (``np.sum`` returns a NumPy scalar, which is fine).
    """
    if isinstance(actual, (bool, np.bool_)) or actual is None or isinstance(actual, str):
        fail(f"{name}: expected a number close to {expected!r}, got {describe(actual)}.")
    if isinstance(actual, np.ndarray):
        if actual.size != 1:
            fail(f"{name}: expected a single number, got an array of shape {actual.shape}. "
                 "Did you forget to sum or average over the batch (np.sum(...) / N)?")
        actual = actual.reshape(())[()]
    try:
        value = float(actual)
    except (TypeError, ValueError):
        fail(f"{name}: expected a number close to {expected!r}, got {describe(actual)}.")
    if not np.isfinite(value) and np.isfinite(expected):
        msg = (f"{name}: expected the finite number {expected!r}, got {value!r}. NaN or inf usually comes "
               "from log(0) (clip the probabilities or add a tiny constant such as 1e-7) or from exp overflowing.")
        wrong = _mistake_message(np.asarray(value), mistakes, rtol, atol)
        fail(msg + (" " + wrong if wrong else ""))
    if not _matches(np.asarray(value), np.asarray(expected), rtol, atol):
        msg = f"{name}: expected {expected!r}, got {value!r}."
        wrong = _mistake_message(np.asarray(value), mistakes, rtol, atol)
        if wrong:
            msg += " " + wrong
        elif hint:
            msg += " Usual cause: " + hint
        fail(msg)


# ----------------------------------------------------------------------------- quiz answers
# One leniency for every chapter's quizzes: a number may be given as an int, a float, a NumPy
# scalar or one-element array, a Fraction, or a string that parses ("0.2", " 1/5 ", "2e-1");
# two numbers are the same answer when they agree to ANSWER_DIGITS significant digits. A letter
# may be given in any case, with spaces, parentheses or a trailing dot ("C", " c ", "(c)", "c.").

#: significant digits to which a numeric quiz answer must agree with the expected value
ANSWER_DIGITS = 3


def answer_number(value: Any, name: str) -> float:
    """The number a student gave as a quiz answer, as a float (see the leniency above)."""
    if isinstance(value, (bool, np.bool_)) or value is None:
        fail(f"{name}: expected a number, got {describe(value)}. Write e.g. `{name} = 0.25`.")
    if isinstance(value, np.ndarray):
        if value.size != 1:
            fail(f"{name}: expected a single number, got an array of shape {value.shape}.")
        value = value.reshape(())[()]
    if isinstance(value, str):
        text = value.strip().replace("\u2212", "-").replace(" ", "")
        try:
            number = float(Fraction(text)) if "/" in text else float(text)
        except (ValueError, ZeroDivisionError):
            fail(f"{name}: could not read {value!r} as a number. Write a number such as 0.25, 1/4 or 2.5e-1.")
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            fail(f"{name}: expected a number, got {describe(value)}. Write e.g. `{name} = 0.25`.")
    if not np.isfinite(number):
        fail(f"{name}: expected a finite number, got {number!r}.")
    return number


def answer_choice(value: Any, choices: Iterable[str], name: str) -> str:
    """The option a student chose, lower-cased and stripped of spaces, parentheses and a final dot."""
    options = [str(c).lower() for c in choices]
    listed = ", ".join(repr(c) for c in options)
    if not isinstance(value, str):
        fail(f"{name}: expected one of {listed} (a string), got {describe(value)}.")
    text = re.sub(r"[\s()\[\].]", "", value).lower()
    if text not in options:
        fail(f"{name}: expected one of {listed}, got {value!r}.")
    return text


def _canonical(number: float) -> str:
    return "0" if abs(number) < 5e-13 else f"{number:.{ANSWER_DIGITS}g}"


def answer_key(number: float) -> str:
    """A short fingerprint of a numeric answer (to ANSWER_DIGITS significant digits): a visible test
    compares fingerprints, so that it can say "correct" without printing the answer."""
    return hashlib.sha256(f"dlcourse-answer:{_canonical(float(number))}".encode()).hexdigest()[:16]


def check_number_answer(value: Any, *, name: str, key: str | None = None, expected: float | None = None,
                        mistakes: Mapping[str, float] | None = None, hint: str | None = None) -> None:
    """Check a numeric quiz answer.

    Give ``key`` (an :func:`answer_key`) in a visible test: it prints "correct" or fails with
    "not yet", never showing the expected value. Give ``expected`` (with ``mistakes``, a map from
    an explanation to the number that mistake gives, and a ``hint``) in a hidden test: a wrong
    answer fails with the explanation of the mistake it matches.
    """
    if (key is None) == (expected is None):
        raise ValueError("check_number_answer needs exactly one of key= and expected=")
    number = answer_number(value, name)
    given = _canonical(number)
    if key is not None:
        check_true(answer_key(number) == key,
                   f"{name} = {given}: not yet right (answers are compared to {ANSWER_DIGITS} significant "
                   "digits). Work it out again from the definitions above.")
        print(f"{name} = {given}: correct.")
        return
    if given == _canonical(float(expected)):
        return
    for description, wrong in (mistakes or {}).items():
        if given == _canonical(float(wrong)):
            fail(f"{name} = {given} is not right: it is what {description} gives.")
    fail(f"{name} = {given} is not right." + (f" {hint}" if hint else ""))
