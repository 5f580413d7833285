"""Quiz answers in any reasonable form, and visible feedback that does not print the answer.

The graded notebooks ask for a number, a few numbers or a letter. A correct answer gets full marks
whatever its form, in every chapter:

- :func:`as_number`: an int, a float, a NumPy scalar, a one-element array or list, a
  ``fractions.Fraction``, or a string that parses (``"7"``, ``" 7.0 "``, ``"3/4"``, ``"1e-3"``);
- :func:`as_numbers`: a tuple, list or array of numbers, or a string such as ``"10x8x6"``,
  ``"(10, 8, 6)"`` or ``"10 × 8 × 6"``;
- :func:`as_letter`: ``"b"``, ``" B "``, ``"(b)"``, ``"b)"`` or ``"b."`` all mean option b.

A visible quiz test says whether a numeric answer is right without showing it: it compares the
answer with a *key*, a digest of the right answer rounded to :data:`DIGITS` significant digits
(:func:`answer_key`, computed once by the instructor), with :func:`check_key`. Hidden tests then
explain the usual wrong answers.
"""

from __future__ import annotations

import hashlib
import numbers
import re
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

__all__ = ["DIGITS", "as_number", "as_numbers", "as_letter", "answer_key", "matches_key", "check_key"]

#: significant digits a numeric answer is compared at (a relative tolerance can widen it)
DIGITS = 3

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _fail(message: str) -> None:
    raise AssertionError(message)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def as_number(value: Any, name: str) -> float:
    """``value`` as a float, whatever reasonable form it has; AssertionError (a teaching message) otherwise."""
    if isinstance(value, (bool, np.bool_)):
        _fail(f"{name}: expected a number, got {value!r} (a truth value). Write e.g. `{name} = 12`.")
    if isinstance(value, (numbers.Real, np.number)):
        out = float(value)
    elif isinstance(value, (np.ndarray, list, tuple)):
        flat = np.asarray(value, dtype=object).ravel()
        if flat.size != 1:
            _fail(f"{name}: expected one number, got {_show(value)} ({flat.size} values).")
        return as_number(flat[0], name)
    elif isinstance(value, str):
        text = value.strip().strip("'\"").strip()
        try:
            out = float(text)
        except ValueError:
            try:
                out = float(Fraction(text.replace(" ", "")))
            except (ValueError, ZeroDivisionError):
                _fail(f"{name}: expected a number, got the text {value!r}. Write the number itself, e.g. "
                      f"`{name} = 12` or `{name} = 0.25`.")
    elif value is None:
        _fail(f"{name}: expected a number, got None. Assign your answer, e.g. `{name} = 12`.")
    else:
        _fail(f"{name}: expected a number, got {_show(value)} of type {type(value).__name__}.")
    if not np.isfinite(out):
        _fail(f"{name}: expected a finite number, got {out!r}.")
    return out


def as_numbers(value: Any, count: int, name: str) -> tuple[float, ...]:
    """``count`` numbers from a tuple/list/array or a string like ``"10x8x6"``; AssertionError otherwise."""
    if isinstance(value, str):
        found = _NUMBER.findall(value)
        items: Sequence[Any] = found
    elif isinstance(value, (np.ndarray, list, tuple)):
        items = list(np.asarray(value, dtype=object).ravel())
    else:
        items = [value]
    if len(items) != count:
        _fail(f"{name}: expected {count} numbers, got {_show(value)}. Write e.g. `{name} = "
              f"({', '.join(str(k + 1) for k in range(count))})`.")
    return tuple(as_number(v, name) for v in items)


def as_letter(value: Any, options: str | Sequence[str], name: str) -> str:
    """The option letter ``value`` names (case, spaces, ``(b)``, ``b)`` and ``b.`` are all fine)."""
    allowed = [o.lower() for o in options]
    if not isinstance(value, str):
        _fail(f"{name}: expected one of the letters {', '.join(repr(o) for o in allowed)} as a string, got "
              f"{_show(value)}. Write e.g. `{name} = \"{allowed[0]}\"`.")
    text = value.strip().lower()
    text = re.sub(r"^(option|answer)\s*", "", text).strip()
    text = text.strip("()[]").rstrip(").:").strip()
    if text not in allowed:
        _fail(f"{name}: expected one of {', '.join(repr(o) for o in allowed)}, got {value!r}.")
    return text


def _canonical(value: Any) -> str:
    if isinstance(value, str):
        return value.strip().lower()
    values = np.atleast_1d(np.asarray(value, dtype=float)).ravel()
    return ",".join(f"{float(v) + 0.0:.{DIGITS}g}" for v in values)


def answer_key(value: Any, quiz: str) -> str:
    """The key of the right ``value`` of the quiz named ``quiz`` (a letter, a number or a few numbers)."""
    return hashlib.sha256(f"{quiz}|{_canonical(value)}".encode()).hexdigest()[:16]


def matches_key(value: Any, key: str, quiz: str, rtol: float = 0.0) -> bool:
    """Whether ``value`` (already parsed: a letter, a float or a tuple of floats) is the answer of ``key``.

    Numbers are compared at :data:`DIGITS` significant digits; ``rtol`` > 0 also accepts values
    within that relative distance (e.g. an answer rounded to fewer digits).
    """
    if answer_key(value, quiz) == key:
        return True
    if isinstance(value, str) or rtol <= 0:
        return False
    base = np.atleast_1d(np.asarray(value, dtype=float))
    for step in np.linspace(-rtol, rtol, 201):
        if answer_key(base * (1.0 + step), quiz) == key:
            return True
    return False


def check_key(value: Any, key: str, quiz: str, *, shown: str | None = None, hint: str = "",
              rtol: float = 0.0) -> None:
    """Visible feedback: print "correct" or fail with "not yet" (and ``hint``), never the answer."""
    what = shown if shown is not None else _show(value)
    if not matches_key(value, key, quiz, rtol=rtol):
        _fail(f"{quiz}: {what} is not right yet. {hint}".rstrip())
    print(f"{quiz}: {what} is correct.")
