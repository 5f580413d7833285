"""Grade variants of a chapter's notebook with nbgrader itself, for tests.

    results = grade_variants("ch00_review", {
        "solution": {},                                # the source solutions
        "bug_batched_softmax": {"softmax": BUG_CODE},  # replaces the answer cell "softmax"
    })
    results["bug_batched_softmax"].failed              # {"test_softmax_batch_invariant", ...}

Each variant becomes one student. The harness copies the chapter's source, its
grading checks (``grading/<chapter>.py``) and ``nbgrader_config.py`` into a
temporary course, runs ``nbgrader generate_assignment``, builds every submission
from the generated student version (answer cells replaced by the variant's code,
or by the source solution where the variant says nothing), runs ``nbgrader
autograde`` once for all of them, and reads the scores back from the gradebook.
That is the course's grading as an instructor runs it (the notebook in a sandboxed
kernel), with one difference, for the chapter tests only: ``grade_variants`` sets
the tests-only switch ``DLGRADE_TESTS_SCORE_BY_NOTEBOOK_RUN=1`` (see
:mod:`dlgrade.pipeline`), so that the notebook's own run scores the variants and
the chapter records state what the notebook's tests catch. The same variants go
through the out-of-process checks in tests/test_sandbox_chapters.py. Every other
``run_nbgrader`` call (the hostile corpus, formgrader, the course commands) grades
with the protected default: the switch is never passed on to them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import nbformat

REPO = Path(__file__).resolve().parents[1]
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


#: the tests-only switch of dlgrade.pipeline (the notebook run scores; never where a class is graded)
SCORE_BY_NOTEBOOK_RUN = "DLGRADE_TESTS_SCORE_BY_NOTEBOOK_RUN"


def nbgrader_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for nbgrader subprocesses: the running interpreter's bin first on PATH, the protected
    default (the tests-only switch removed, whatever the caller's environment holds), then ``extra``."""
    env = dict(os.environ)
    env.pop(SCORE_BY_NOTEBOOK_RUN, None)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    env.update(extra or {})
    return env


def run_nbgrader(args: list[str], cwd: Path, timeout: float = 900,
                 env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``nbgrader <args>`` in ``cwd`` (``env``: variables added to :func:`nbgrader_env`); raise with its
    output when it fails."""
    cmd = [str(Path(sys.executable).parent / "nbgrader"), *args]
    proc = subprocess.run(cmd, cwd=cwd, env=nbgrader_env(env), capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"`nbgrader {' '.join(args)}` failed with exit code {proc.returncode}:\n"
                           f"{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}")
    return proc


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _is_answer(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("solution")) and cell.cell_type == "code"


@dataclass
class GradeResult:
    """The outcome of grading one variant."""

    student: str
    scores: dict[str, tuple[float, float]]
    notebook: nbformat.NotebookNode
    log: str = field(default="", repr=False)

    @property
    def total(self) -> float:
        return sum(s for s, _ in self.scores.values())

    @property
    def max_total(self) -> float:
        return sum(m for _, m in self.scores.values())

    @property
    def failed(self) -> set[str]:
        """Grade ids of graded cells that lost points."""
        return {gid for gid, (s, m) in self.scores.items() if s < m}

    def failure_text(self, grade_id: str, traceback: bool = False) -> str:
        """The error message shown under the cell ``grade_id`` ("" when it passed), and what the grading
        check (which decides the points) said about it.

        Only ``ExceptionName: message`` by default: the traceback quotes the test cell's own
        source, so a check that the feedback names a mistake could match the test code instead
        of the message. ``traceback=True`` adds it (for debugging output).
        """
        from dlgrade.checks.verdicts import HEADER

        for cell in self.notebook.cells:
            if _grade_id(cell) != grade_id:
                continue
            parts = []
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    parts.append(f"{out.get('ename')}: {out.get('evalue')}")
                    if traceback:
                        parts.extend(out.get("traceback", []))
                text = out.get("text", "") if out.get("output_type") == "stream" else ""
                text = "".join(text) if isinstance(text, list) else text
                if text.startswith(f"{HEADER}: FAILED"):
                    parts.append(text.split("\n", 1)[-1].strip())
            return _ANSI.sub("", "\n".join(p for p in parts if p))
        raise KeyError(f"no cell with grade_id {grade_id!r} in the autograded notebook "
                       f"(graded cells: {sorted(self.scores)})")

    def summary(self) -> str:
        lines = [f"{self.student}: {self.total:g}/{self.max_total:g}"]
        for gid in sorted(self.failed):
            text = self.failure_text(gid).strip().splitlines()
            lines.append(f"  {gid}: {text[0][:300] if text else '(no output)'}")
        return "\n".join(lines)


def answer_sources(notebook_path: Path) -> dict[str, str]:
    """The source (solution) of every answer cell of a notebook, keyed by grade id."""
    nb = nbformat.read(notebook_path, as_version=4)
    return {_grade_id(c): c.source for c in nb.cells if _is_answer(c)}


def make_course(chapter: str, root: Path) -> Path:
    """Copy the chapter's source, its grading checks and the nbgrader config into a fresh course folder."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "source" / chapter, root / "source" / chapter)
    checks = REPO / "grading" / f"{chapter}.py"
    if checks.is_file():
        (root / "grading").mkdir(exist_ok=True)
        shutil.copy2(checks, root / "grading" / checks.name)
    return root


def grade_variants(chapter: str, variants: Mapping[str, Mapping[str, str]], notebook: str | None = None,
                   workdir: Path | None = None, keep: bool = False) -> dict[str, GradeResult]:
    """Grade each variant of ``source/<chapter>/<notebook>.ipynb`` with nbgrader.

    ``variants`` maps a student name to ``{answer grade_id: replacement cell source}``.
    Returns a :class:`GradeResult` per student.
    """
    notebook = notebook or chapter
    tmp = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix=f"grade-{chapter}-"))
    try:
        make_course(chapter, tmp)
        run_nbgrader(["generate_assignment", chapter, "--force"], cwd=tmp)
        release = nbformat.read(tmp / "release" / chapter / f"{notebook}.ipynb", as_version=4)
        solutions = answer_sources(tmp / "source" / chapter / f"{notebook}.ipynb")
        for student, replacements in variants.items():
            unknown = set(replacements) - set(solutions)
            if unknown:
                raise KeyError(f"variant {student!r} replaces {sorted(unknown)}, which are not answer "
                               f"cells of {chapter}/{notebook} (answer cells: {sorted(solutions)})")
            nb = nbformat.from_dict(release)
            for cell in nb.cells:
                gid = _grade_id(cell)
                if _is_answer(cell) and gid in solutions:
                    cell.source = replacements.get(gid, solutions[gid])
            dest = tmp / "submitted" / student / chapter
            dest.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, dest / f"{notebook}.ipynb")
        proc = run_nbgrader(["autograde", chapter, "--create", "--force"], cwd=tmp,
                            env={SCORE_BY_NOTEBOOK_RUN: "1"})
        from nbgrader.api import Gradebook

        results: dict[str, GradeResult] = {}
        with Gradebook(f"sqlite:///{tmp / 'gradebook.db'}") as gb:
            for student in variants:
                sub = gb.find_submission_notebook(notebook, chapter, student)
                scores = {g.name: (float(g.score), float(g.max_score)) for g in sub.grades}
                graded = nbformat.read(tmp / "autograded" / student / chapter / f"{notebook}.ipynb",
                                       as_version=4)
                results[student] = GradeResult(student, scores, graded, proc.stdout + proc.stderr)
        return results
    finally:
        if not keep and workdir is None:
            shutil.rmtree(tmp, ignore_errors=True)


def assert_full_marks(result: GradeResult, max_points: float | None = None,
                      cells: set[str] | None = None) -> None:
    """A correct variant: every graded cell at full marks (and the expected cells and total)."""
    if cells is not None:
        assert set(result.scores) == cells, f"graded cells changed: {sorted(result.scores)}"
    assert result.max_total > 0, f"{result.student}: nothing was graded"
    if max_points is not None:
        assert result.max_total == max_points, f"{result.student}: {result.max_total:g} points in all, expected {max_points:g}"
    assert result.total == result.max_total, result.summary()


def assert_mistake_caught(result: GradeResult, expected_failed: set[str], messages: Mapping[str, str]) -> None:
    """A buggy variant: exactly ``expected_failed`` lose (all their) points, and each cell's
    error message contains the text that names the mistake."""
    assert result.failed == set(expected_failed), (
        f"{result.student}: expected exactly {sorted(expected_failed)} to lose points.\n{result.summary()}")
    for cell in expected_failed:
        assert result.scores[cell][0] == 0, result.summary()
    for cell, text in messages.items():
        shown = result.failure_text(cell)
        assert text in shown, (f"{result.student}: the feedback of {cell} should name the mistake "
                               f"({text!r}); it says:\n{shown[-1500:]}")
