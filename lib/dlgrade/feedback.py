"""`feedback`: per-student HTML feedback without the hidden tests' code.

nbgrader's ``generate_feedback`` renders the autograded notebook, whose test
cells hold the hidden tests verbatim (the locked cells are restored from the
source, issues #917/#1363), and tracebacks that quote the hidden lines. Here
nbgrader's own GenerateFeedback converter runs with one more preprocessor,
:class:`HideHiddenTests`, first: in every test cell the lines between the
hidden-test delimiters are replaced by one comment, and an error keeps only its
name and message (``AssertionError: <the teaching message>``) instead of a
traceback. The score of each cell and of the notebook stay (nbgrader's
GetGrades). A submission that could not be read gets a short page saying why.

Beside each student's pages, like nbgrader's own ``generate_feedback``, go the
submission's ``timestamp.txt`` and ``submission_secret.txt``: nbgrader's
``release_feedback`` files the feedback in the exchange under a name made from
that secret, so that only its author can fetch it (``grade`` keeps both files
in ``autograded/``, whence GenerateFeedback copies them).
"""

from __future__ import annotations

import html
import logging
import shutil

from nbgrader import utils as nbutils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from .course import Course, load_config
from .grade import JOURNAL, Journal

HIDDEN_NOTE = "# (hidden tests: run by the grader, not shown)"


class HideHiddenTests(NbGraderPreprocessor):
    """Remove the hidden tests' code and tracebacks from test cells, keeping the error message."""

    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_test_delimeter = Unicode("END HIDDEN TESTS").tag(config=True)

    def strip(self, source: str) -> str:
        lines, hidden, replaced = [], False, False
        for line in source.splitlines():
            if self.begin_test_delimeter in line:
                hidden = True
                if not replaced:
                    indent = line[: len(line) - len(line.lstrip())]
                    lines.append(indent + HIDDEN_NOTE)
                    replaced = True
                continue
            if self.end_test_delimeter in line:
                hidden = False
                continue
            if not hidden:
                lines.append(line)
        return "\n".join(lines)

    def preprocess_cell(self, cell, resources, index):
        if nbutils.is_grade(cell) and not nbutils.is_solution(cell):
            cell.source = self.strip(cell.source)
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"\x1b[0;31m{out.get('ename', 'Error')}\x1b[0m: {out.get('evalue', '')}"]
        return cell, resources


def _note_page(student: str, chapter: str, name: str, reason: str, max_score: float) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(name)}</title></head><body>"
            f"<h1>{html.escape(chapter)}: {html.escape(name)}.ipynb</h1>"
            f"<p>Score: <b>0 / {max_score:g}</b></p><p>Your submission could not be graded: "
            f"{html.escape(reason)}.</p><p>Ask your instructor how to resubmit.</p></body></html>")


def _quiet_log():
    log = logging.getLogger("dlgrade.feedback")
    log.propagate = False
    if not log.handlers:
        log.addHandler(logging.NullHandler())
    return log


def _render(course: Course, chapter: str) -> int:
    """nbgrader's GenerateFeedback, hidden tests removed, for every autograded submission of ``chapter``."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import GetGrades

    graded = [p for p in course.autograded.glob(f"*/{chapter}") if p.is_dir() and not p.parent.name.startswith(".")]
    if not graded:
        return 0
    cfg = load_config(course.root)
    cfg.GenerateFeedback.preprocessors = [HideHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]
    coursedir = CourseDirectory(config=cfg)
    coursedir.assignment_id = chapter
    coursedir.student_id = "*"
    converter = GenerateFeedback(coursedir=coursedir, config=cfg)
    converter.force = True
    converter.log = _quiet_log()
    converter.start()
    return len(graded)


def _explain_invalid(course: Course, chapter: str, invalid: list[dict]) -> None:
    """A page per notebook of a submission that was not a notebook, saying why, with the score 0."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        maxima = {nb.name: float(nb.max_score) for nb in gb.find_assignment(chapter).notebooks}
    for rec in invalid:
        dest = course.feedback / rec["student"] / chapter
        dest.mkdir(parents=True, exist_ok=True)
        for kept in ("timestamp.txt", "submission_secret.txt"):  # what release_feedback needs
            submitted = course.submitted / rec["student"] / chapter / kept
            if submitted.is_file():
                shutil.copyfile(submitted, dest / kept)
        for name in course.notebooks(chapter):
            (dest / f"{name}.html").write_text(
                _note_page(rec["student"], chapter, name, rec["reason"], maxima.get(name, 0.0)), encoding="utf-8")


def feedback(course: Course, chapters: list[str] | None = None, out=print) -> int:
    """Write feedback/<student>/<chapter>/<notebook>.html for every graded submission."""
    chapters = course.select(chapters)
    journal = Journal(course.autograded / JOURNAL).entries
    written = 0
    for chapter in chapters:
        graded = _render(course, chapter)
        invalid = [r for r in journal.values() if r["chapter"] == chapter and r["status"] == "invalid"]
        if invalid:
            _explain_invalid(course, chapter, invalid)
        written += graded + len(invalid)
        out(f"feedback/{chapter}: {graded + len(invalid)} student(s)")
    out(f"wrote feedback for {written} submission(s) in {course.feedback.relative_to(course.root)}/")
    return 0
