"""One record per chapter: the single place that says what a chapter is.

Each ``chapters/chNN_topic.py`` defines ``CHAPTER = Chapter(...)``. Tests, benchmarks, the browser
test and the README's chapter table read these records; nothing else lists the chapters. A
record names

- the chapter (``name``: the folder of ``source/``, ``release/`` and the lecture notebook) and the
  ``title`` the README shows;
- ``topic``: the module of ``dlcourse.plots`` / ``dlcourse.widgets`` that its lecture imports;
- ``exercises``: every answer cell of the graded notebook (grade id = the function it defines, or
  ``quiz_...``) and the test cells that grade it, in notebook order;
- ``correct``: correct submissions, ``{variant: {answer grade id: code}}``, where ``{}`` is the source
  solution; the chapter's grading tests give each full marks, and every exercise needs at least one
  alternative besides the solution;
- ``mistakes``: the known wrong answers, each a :class:`Mistake` saying which test cells must lose
  their points and which words of the message name the mistake.

This folder is instructor-only material (alternative and wrong solutions): it is never copied into
``release/`` or into anything students install.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Mistake:
    """A wrong answer: ``replace`` answer cells by code; then exactly ``loses`` fail, each message
    in ``says`` containing its text (the words that name the mistake for the student)."""

    replace: Mapping[str, str]
    loses: frozenset[str]
    says: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "loses", frozenset(self.loses))
        stray = set(self.says) - self.loses
        if stray:
            raise ValueError(f"Mistake.says names cells {sorted(stray)} that are not in loses {sorted(self.loses)}")
        if not self.replace:
            raise ValueError("a Mistake must replace at least one answer cell")


@dataclass(frozen=True)
class Chapter:
    """Everything the course's tools need to know about one chapter."""

    name: str
    title: str
    topic: str | None
    exercises: Mapping[str, tuple[str, ...]]
    correct: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: {"solution": {}})
    mistakes: Mapping[str, Mistake] = field(default_factory=dict)
    #: whether the lecture notebook must offer at least one widget explorer
    widgets: bool = True
    #: points of the graded notebook (sum over its test cells)
    points: int | None = None
    #: seconds the graded notebook may take top to bottom with its solutions, for a chapter whose notebook
    #: runs longer than tests/test_notebooks.py allows (the capstone trains a network for real): the
    #: chapter's own test then executes it, within this limit, and checks what it computes
    graded_seconds: float | None = None

    @property
    def number(self) -> str:
        return self.name[:4]

    @property
    def functions(self) -> list[str]:
        """The exercise functions (answer cells that are not quizzes), in notebook order."""
        return [gid for gid in self.exercises if not gid.startswith("quiz_")]

    @property
    def test_cells(self) -> set[str]:
        return {t for tests in self.exercises.values() for t in tests}

    def notebook(self, root: Path, kind: str = "source") -> Path:
        """The graded notebook (``kind`` = "source" or "release") or the lecture notebook ("lecture")."""
        if kind == "lecture":
            return Path(root) / "notebooks" / f"{self.name}.ipynb"
        return Path(root) / kind / self.name / f"{self.name}.ipynb"

    def check(self) -> list[str]:
        """Problems of the record itself (not of the notebooks): empty when it is consistent."""
        problems = []
        cells = self.test_cells
        for variant, repl in self.correct.items():
            unknown = set(repl) - set(self.exercises)
            if unknown:
                problems.append(f"correct variant {variant!r} replaces unknown answer cells {sorted(unknown)}")
        for name, m in self.mistakes.items():
            unknown = set(m.replace) - set(self.exercises)
            if unknown:
                problems.append(f"mistake {name!r} replaces unknown answer cells {sorted(unknown)}")
            stray = m.loses - cells
            if stray:
                problems.append(f"mistake {name!r} expects unknown test cells {sorted(stray)} to fail")
            if not m.loses:
                problems.append(f"mistake {name!r} must make at least one test cell fail")
        covered = {gid for variant, repl in self.correct.items() if variant != "solution" for gid in repl}
        missing = [gid for gid in self.exercises if gid not in covered]
        if missing:
            problems.append(f"exercises without an alternative correct answer in `correct`: {missing}")
        return problems


README_HEADER = "| chapter | topic | you implement |"


def readme_table() -> str:
    """The README's chapter table, made from the records (``python -m chapters readme`` writes it)."""
    rows = [README_HEADER, "| --- | --- | --- |"]
    for chapter in all_chapters():
        functions = ", ".join(f"`{name}`" for name in chapter.functions)
        quizzes = len(chapter.exercises) - len(chapter.functions)
        if quizzes:
            functions += f" and {quizzes} quick check{'s' if quizzes > 1 else ''}"
        rows.append(f"| {chapter.name} | {chapter.title} | {functions} |")
    return "\n".join(rows)


def names() -> list[str]:
    """The chapter names, in order (from the files of this folder)."""
    return sorted(p.stem for p in ROOT.glob("ch[0-9][0-9]_*.py"))


def get(name: str) -> Chapter:
    module = importlib.import_module(f"chapters.{name}")
    chapter = getattr(module, "CHAPTER", None)
    if not isinstance(chapter, Chapter):
        raise TypeError(f"chapters/{name}.py must define CHAPTER = Chapter(...)")
    if chapter.name != name:
        raise ValueError(f"chapters/{name}.py describes {chapter.name!r}: the file and the name must agree")
    return chapter


def all_chapters() -> list[Chapter]:
    return [get(n) for n in names()]
