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
import numbers
import re
import traceback
import warnings
from typing import Any, Callable, Mapping

import numpy as np

__all__ = ["call", "check_array", "check_scalar", "check_true", "check_tuple", "fail", "describe", "as_number",
           "answer_key", "check_number_answer", "as_numbers", "check_numbers_answer", "parse_choice", "parse_choices"]


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


# ----------------------------------------------------------------------------- numeric quiz answers
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER_TEXT = re.compile(rf"^({_NUMBER})(?:/({_NUMBER}))?$")


def as_number(answer: Any, *, name: str) -> float:
    """A quiz answer as a float, whatever reasonable form it came in.

    Accepted: ``int``, ``float``, NumPy scalars, one-element arrays, ``fractions.Fraction``, and strings
    that spell a number or a fraction (``"0.16"``, ``" -5 "``, ``"4/25"``, ``"1.6e-1"``, with a Unicode
    minus sign too). Anything else fails with a message saying what to write.
    """
    hint = f"Write a number, e.g. `{name} = 0.5` (or a fraction such as `1/2`)."
    if isinstance(answer, (bool, np.bool_)) or answer is None or answer is Ellipsis:
        fail(f"{name}: expected a number, got {describe(answer)}. {hint}")
    if isinstance(answer, np.ndarray):
        if answer.size != 1:
            fail(f"{name}: expected one number, got an array of shape {answer.shape}. {hint}")
        answer = answer.reshape(())[()]
    if isinstance(answer, str):
        text = answer.strip().replace("\u2212", "-").replace(" ", "")
        m = _NUMBER_TEXT.match(text)
        if not m:
            fail(f"{name}: expected a number, got the text {answer!r}, which is not one. {hint}")
        value = float(m.group(1)) / (float(m.group(2)) if m.group(2) else 1.0)
    elif isinstance(answer, (numbers.Real, np.number)):
        value = float(answer)
    else:
        fail(f"{name}: expected a number, got {describe(answer)}. {hint}")
    if not np.isfinite(value):
        fail(f"{name}: expected a finite number, got {value!r}. {hint}")
    return value


def answer_key(value: float | tuple, digits: int = 3) -> str:
    """A fingerprint of ``value`` (a number, or a tuple of numbers) rounded to ``digits`` significant digits.

    A visible quiz test compares fingerprints, so it can tell a student "correct" or "not yet"
    without printing the answer.
    """
    if isinstance(value, (tuple, list, np.ndarray)):
        text = ",".join(f"{float(v):.{digits - 1}e}" for v in np.asarray(value, dtype=float).ravel())
    else:
        text = f"{float(value):.{digits - 1}e}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_number_answer(answer: Any, key: str, *, name: str, digits: int = 3) -> None:
    """Visible feedback for a numeric quiz: "correct" (printed) or "not yet" (a failure).

    ``key`` is :func:`answer_key` of the right answer. The answer counts as correct when it agrees
    with it to ``digits`` significant digits. Returns None on purpose: a number left as the last value
    of an nbgrader test cell would be taken as partial credit.
    """
    value = as_number(answer, name=name)
    nudge = 10.0 ** -(digits + 1)
    if any(answer_key(v, digits) == key for v in (value, value * (1 + nudge), value * (1 - nudge))):
        print(f"{name} = {value:.{digits + 1}g}: correct.")
        return
    fail(f"{name} = {value:.{digits + 1}g}: not yet right (compared to {digits} significant digits). "
         "Work through the question again; the explanation of the usual wrong answers comes with the "
         "grading.")


_SEPARATED = re.compile(rf"{_NUMBER}(?:/{_NUMBER})?")


def as_numbers(answer: Any, count: int, *, name: str) -> tuple[float, ...]:
    """A quiz answer made of ``count`` numbers, as a tuple of floats.

    Accepted: a tuple, list or array of ``count`` numbers (each in any form :func:`as_number` accepts), or a
    string that holds them: ``"64x16x12"``, ``"(64, 16, 12)"``, ``"64 × 16 × 12"``.
    """
    example = ", ".join(str(k + 1) for k in range(count))
    hint = f"Write {count} numbers, e.g. `{name} = ({example})`."
    if isinstance(answer, str):
        items: list = _SEPARATED.findall(answer.replace("\u2212", "-"))
    elif isinstance(answer, (tuple, list, np.ndarray)):
        items = list(np.asarray(answer, dtype=object).ravel())
    else:
        items = [answer]
    if len(items) != count:
        fail(f"{name}: expected {count} numbers, got {describe(answer) if not isinstance(answer, str) else repr(answer)}. "
             f"{hint}")
    return tuple(as_number(item, name=name) for item in items)


def check_numbers_answer(answer: Any, key: str, count: int, *, name: str, digits: int = 3) -> None:
    """Visible feedback for a quiz answered by ``count`` numbers (a shape, a pair): "correct" or "not yet".

    ``key`` is :func:`answer_key` of the right tuple; every number is compared to ``digits`` significant
    digits. Returns None, like :func:`check_number_answer`.
    """
    values = as_numbers(answer, count, name=name)
    shown = "(" + ", ".join(f"{v:.{digits + 1}g}" for v in values) + ")"
    if answer_key(values, digits) == key:
        print(f"{name} = {shown}: correct.")
        return
    fail(f"{name} = {shown}: not yet right (each number compared to {digits} significant digits). Work through "
         "the question again; the explanation of the usual wrong answers comes with the grading.")


# ----------------------------------------------------------------------------- multiple-choice answers
def parse_choice(value: Any, name: str, letters: str) -> str:
    """One letter among ``letters`` (e.g. ``"abcd"``), case- and whitespace-insensitive; "(b)" and "b." too."""
    text = value.strip().strip("()[].").strip().lower() if isinstance(value, str) else None
    if text is None or len(text) != 1 or text not in letters:
        options = ", ".join(f'"{c}"' for c in letters)
        fail(f"{name}: expected one of the letters {options}, got {value!r}.")
    return text


def parse_choices(value: Any, name: str, letters: str) -> set[str]:
    """A set of letters among ``letters``: a set, list or tuple of letters, or a string such as "a, c"."""
    if isinstance(value, str):
        items = [c for c in value.lower() if c.isalpha()]
    elif isinstance(value, (set, frozenset, list, tuple)):
        items = []
        for v in value:
            if not isinstance(v, str):
                fail(f"{name}: expected letters, got {v!r} among {value!r}. Write e.g. `{name} = {{\"a\", \"c\"}}`.")
            items.append(v.strip().strip("()[].").strip().lower())
    else:
        fail(f"{name}: expected a set of letters such as {{\"a\", \"c\"}}, got {describe(value)}.")
    chosen = set(items)
    wrong = sorted(c for c in chosen if len(c) != 1 or c not in letters)
    if wrong or not chosen:
        options = ", ".join(f'"{c}"' for c in letters)
        fail(f"{name}: expected a non-empty set of letters among {options}, got {value!r}.")
    return chosen
