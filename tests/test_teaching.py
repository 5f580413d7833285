"""What students read: no solution given away, sources named for what they are.

- No line of a graded notebook's solution, nor any 20-character piece of one (whitespace ignored),
  appears anywhere in its release outside the answer region (docstrings, markdown, given code,
  visible tests): instructions give the mathematics, never the lines to type.
- "seed" appears where a student reads only as a random seed: the documents the course was built
  from are "the Day 2 course note" and "a learner's report" / "a Q&A post".
"""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

import chapters
from conftest import REPO

CHAPTERS = chapters.names()
_BEGIN, _END = "### BEGIN SOLUTION", "### END SOLUTION"


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def solution_lines(source_nb) -> set[str]:
    """Distinctive code lines of the solution regions (comments and trivial lines dropped)."""
    given = set()
    lines = set()
    for cell in source_nb.cells:
        inside = False
        for raw in cell.source.splitlines():
            if _BEGIN in raw:
                inside = True
                continue
            if _END in raw:
                inside = False
                continue
            code = raw.split("#", 1)[0].strip()
            (lines if inside else given).add(_squash(code))
    distinctive = set()
    for line in lines - given:
        if len(line) < 14 or line.startswith(("def", "import", "from", "return", "raise", "class", "assert")):
            continue
        if not re.search(r"[=(@*/+\-]", line):
            continue
        distinctive.add(line)
    return distinctive


WINDOW = 20  # characters (whitespace removed) of a solution line that may not appear elsewhere


_NAME_ONLY = re.compile(r".?[A-Za-z0-9_.]+.?")


def leaked(line: str, text: str) -> bool:
    """Whether ``text`` holds the solution ``line`` or any WINDOW-character piece of it.

    A piece that is only a name, give or take one character at either end (part of a long identifier
    such as ``softmax_cross_entropy_backward(``, which a solution may call), is a name, not code: it
    does not count.
    """
    if len(line) <= WINDOW:
        return line in text
    pieces = (line[k:k + WINDOW] for k in range(len(line) - WINDOW + 1))
    return any(piece in text for piece in pieces if not _NAME_ONLY.fullmatch(piece))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_solution_line_outside_the_answer_cells(chapter):
    record = chapters.get(chapter)
    source = nbformat.read(record.notebook(REPO, "source"), as_version=4)
    release = nbformat.read(record.notebook(REPO, "release"), as_version=4)
    lines = solution_lines(source)
    assert lines, f"{chapter}: found no solution lines between {_BEGIN!r} and {_END!r}"
    leaks = []
    for i, cell in enumerate(release.cells):
        text = _squash(cell.source)
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", f"cell {i}")
        leaks.extend(f"{gid}: {line}" for line in sorted(lines) if leaked(line, text))
    assert not leaks, (
        f"release/{chapter} shows lines of its own solution outside the answer region (in a docstring, "
        f"markdown, given code or a visible test). Give the mathematics instead:\n  " + "\n  ".join(leaks))


# ----------------------------------------------------------------------------- naming the sources
_SEED = re.compile(r"\bseeds?\b", re.IGNORECASE)
# a random seed: np.random.seed, default_rng(seed), seed=..., "random seed", "seeded", seeds of a generator
_RANDOM = re.compile(r"random|rng|generator|seed\s*[=:)\],]|seeds?\s+\d|\d+\s*(is|as)\s+(the\s+)?seed"
                     r"|same seed|fixed seed|seed\s+\(|seed\s+\d", re.IGNORECASE)


def _seed_uses(text: str) -> list[str]:
    bad = []
    for m in _SEED.finditer(text):
        window = text[max(0, m.start() - 60): m.end() + 40]
        if not _RANDOM.search(window):
            bad.append(window.replace("\n", " "))
    return bad


def _student_files() -> list:
    files = [REPO / "README.md", *sorted((REPO / "notebooks").glob("*.ipynb")),
             *sorted((REPO / "release").glob("*/*.ipynb"))]
    return files


def _python_strings(path) -> str:
    """Every string constant (messages, labels, docstrings) of a Python file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return "\n".join(node.value for node in ast.walk(tree)
                     if isinstance(node, ast.Constant) and isinstance(node.value, str))


@pytest.mark.parametrize("path", _student_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_student_files_say_seed_only_for_a_random_seed(path):
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        nb = nbformat.reads(text, as_version=4)
        text = "\n".join(c.source for c in nb.cells)
    bad = _seed_uses(text)
    assert not bad, (f"{path.relative_to(REPO)} says 'seed' where it does not mean a random seed; name the "
                     "source for what it is (the Day 2 course note, a learner's report, a Q&A post):\n  "
                     + "\n  ".join(bad))


@pytest.mark.parametrize("path", sorted([*REPO.glob("lib/dlcourse/**/*.py"), *REPO.glob("grading/*.py")]),
                         ids=lambda p: str(p.relative_to(REPO)))
def test_messages_labels_and_docstrings_say_seed_only_for_a_random_seed(path):
    bad = _seed_uses(_python_strings(path))
    assert not bad, (f"{path.relative_to(REPO)}: a message, label or docstring says 'seed' where it does not "
                     "mean a random seed (students read these):\n  " + "\n  ".join(bad))
