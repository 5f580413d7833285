"""The out-of-process checks as a step of nbgrader's Autograde: their verdicts decide the gradebook's scores.

:class:`GradingChecks` is a preprocessor of ``Autograde.autograde_preprocessors``
(:mod:`dlgrade.pipeline`), after the notebook run and before nbgrader's
``SaveAutoGrades``. It runs the checks of :mod:`dlgrade.checks.run` on the
notebook's answer cells and then *settles* every test cell (:func:`annotate`):
its outputs are made to say what the check found, in the form nbgrader scores
(an error output: 0 points; none: full points), so that ``SaveAutoGrades``
writes the checks' scores whichever command grades (``nbgrader autograde``,
formgrader's Autograde button, ``python -m dlgrade grade``), and formgrader,
the feedback and the export show them:

- every test cell gets a line saying what its grading check found;
- a test cell whose check FAILED keeps the error of the notebook run; when the
  run showed none (it was fooled: a patched ``numpy.allclose``, an input
  transformer, ...), the check's failure is added as an error
  ``GradingCheckFailed`` with the check's message;
- a test cell whose check PASSED keeps what the run printed, but an error of
  the run (a kernel without a file the check had, a slow machine) is shown as
  text, and a value the cell displayed can no longer count as partial credit;
- an answer cell that failed when the checks ran it on its own gets the error.

:func:`grade_course` (``python -m dlgrade rescore CHAPTER``) runs the same checks
again on notebooks autograded earlier (e.g. before the course's
``nbgrader_config.py`` had this step, or after an edit of ``grading/``) and
settles them and the gradebook in the same way.
"""

from __future__ import annotations

import json
import os
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float, Integer, Unicode

from ..sandbox import bwrap
from .cells import grade_id, is_answer, is_test, meta
from .run import HiddenResult, hidden_grade

HEADER = "Grading check (run outside your notebook, in a sandbox; this decides the points)"
FAILED_NAME = "GradingCheckFailed"  # the error added to a test cell whose check failed where the run did not
RAN_NOTE = "Your notebook's own run of this cell raised"  # how a passed cell's run error is shown as text


class GradingChecks(NbGraderPreprocessor):
    """Score every test cell by the out-of-process checks and settle its outputs (see the module's docstring)."""

    sandboxed = Bool(True, help="run the student's answer cells in bubblewrap (refuses when bubblewrap cannot "
                                "work, unless DLCOURSE_ALLOW_UNSANDBOXED=1)").tag(config=True)
    cell_timeout = Float(0.0, help="seconds of the student's code per test cell (0: Execute.timeout)").tag(config=True)
    notebook_timeout = Float(0.0, help="seconds of the student's code per notebook (0: RobustExecute.notebook_timeout)"
                             ).tag(config=True)
    memory_limit_mb = Integer(0, help="address space of the sandboxed process (0: SandboxedKernelManager's)"
                              ).tag(config=True)
    source_folder = Unicode("", help="the assignment's folder of source notebooks (default: the course's "
                                     "source/<assignment>)").tag(config=True)
    grading_root = Unicode("", help="the folder whose grading/<assignment>.py holds the extra checks (default: the "
                                    "course root)").tag(config=True)

    def preprocess(self, nb, resources):
        from ..autograde import SubmissionLog
        from ..pipeline import notebook_scores_for_tests

        if notebook_scores_for_tests():
            self.log.warning("TESTS ONLY (%s is set): the notebook run scores this notebook; the grading checks "
                             "did not run", notebook_scores_for_tests.variable)
            return nb, resources
        info = resources["nbgrader"]
        notebook, assignment = info["notebook"], info["assignment"]
        sandboxed = self.sandboxed and bwrap.sandbox_or_refuse(False, warn=self.log.warning)
        coursedir = self._coursedir()
        source = Path(self.source_folder or coursedir.format_path(coursedir.source_directory, ".", assignment))
        root = Path(self.grading_root or coursedir.root)
        result = hidden_grade(root, assignment, notebook, nb, sandboxed=sandboxed, cell_timeout=self._cell_timeout(),
                              notebook_timeout=self._notebook_timeout(), memory_mb=self._memory_mb(),
                              source_dir=source)
        log = SubmissionLog.of(resources)
        for problem in [*result.problems, *annotate(nb, result)]:
            log.problem(f"{notebook}.ipynb: {problem}", self.log)
        resources.setdefault("dlgrade_checks", {})[notebook] = result
        return nb, resources

    def _coursedir(self):
        """The converter's course directory (preprocessor -> exporter -> converter), else one from the config."""
        obj = self.parent
        while obj is not None:
            if getattr(obj, "coursedir", None) is not None:
                return obj.coursedir
            obj = getattr(obj, "parent", None)
        from nbgrader.coursedir import CourseDirectory

        return CourseDirectory(config=self.config)

    def _configured(self, section: str, key: str, default):
        return self.config.get(section, {}).get(key, default)

    def _cell_timeout(self) -> float:
        return self.cell_timeout or float(self._configured("Execute", "timeout", 60) or 60)

    def _notebook_timeout(self) -> float:
        return self.notebook_timeout or float(self._configured("RobustExecute", "notebook_timeout", 600))

    def _memory_mb(self) -> int:
        return self.memory_limit_mb or int(self._configured("SandboxedKernelManager", "memory_limit_mb", 2048))


# ------------------------------------------------------------------------------------------ settling cells

def _stream(text: str) -> NotebookNode:
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def _is_verdict(out) -> bool:
    """An output this module added earlier (a notebook settled before is settled afresh)."""
    if out.get("output_type") == "error":
        return out.get("ename") == FAILED_NAME
    text = out.get("text", "") if out.get("output_type") == "stream" else ""
    return ("".join(text) if isinstance(text, list) else text).startswith(HEADER)


def _as_text(out) -> NotebookNode:
    if out.get("output_type") == "error":
        what = f"{out.get('ename', 'Error')}: {out.get('evalue', '')}".rstrip(": ")
    else:
        text = out.get("text", "")
        what = "output on stderr: " + ("".join(text) if isinstance(text, list) else text).strip()[:2000]
    return _stream(f"{RAN_NOTE} {what}\n(for your information: the grading check below decides the points)\n")


def settle_test_cell(cell, passed: bool, score: float, points: float, message: str) -> None:
    """Make ``cell``'s outputs say the check's verdict, in the form nbgrader scores (see the module's docstring)."""
    outputs = []
    for out in cell.get("outputs", []):
        if _is_verdict(out):
            continue
        kind = out.get("output_type")
        if kind == "execute_result":  # nbgrader reads a number shown here as partial credit: the check decides
            out = nbformat.v4.new_output("display_data", data=out.get("data", {}), metadata=out.get("metadata", {}))
        elif passed and (kind == "error" or kind == "stream" and out.get("name") == "stderr"):
            out = _as_text(out)
        outputs.append(out)
    errors = [o for o in outputs if o.get("output_type") == "error"]
    text = message.strip() or "the grading check failed"
    if passed:
        outputs.append(_stream(f"{HEADER}: passed, {score:g}/{points:g} point(s).\n"))
    elif errors:  # the run failed too: its error stays; the check's message unless it says the same
        same = any(text in str(o.get("evalue", "")) for o in errors)
        outputs.append(_stream(f"{HEADER}: FAILED, {score:g}/{points:g} point(s)." + ("\n" if same else f"\n{text}\n")))
    else:  # the run showed no failure (it can be fooled): the check's failure is the cell's error
        outputs.append(_stream(f"{HEADER}: FAILED, {score:g}/{points:g} point(s), though your notebook's own run "
                               "of this cell showed no error:\n"))
        outputs.append(nbformat.v4.new_output("error", ename=FAILED_NAME, evalue=text,
                                              traceback=[f"\x1b[0;31m{FAILED_NAME}\x1b[0m: {text}"]))
    cell.outputs = outputs


def annotate(nb: nbformat.NotebookNode, result: HiddenResult) -> list[str]:
    """Settle every test cell of ``nb`` by ``result`` and add the answer cells' load errors; returns problems.

    A test cell the checks have no verdict for (the gradebook's cells differ from the source notebook's)
    scores 0 and is reported; a cell whose points differ between the gradebook (the notebook's metadata,
    restored by the sanitizing step) and the source is scored against the gradebook and reported.
    """
    from nbgrader.utils import determine_grade

    problems = []
    for cell in nb.cells:
        gid = grade_id(cell)
        if cell.get("cell_type") != "code" or gid is None:
            continue
        if is_test(cell):
            points = float(meta(cell).get("points", 0) or 0)
            if gid in result.scores:
                score, source_points = result.scores[gid]
                passed, message = score >= source_points, result.messages.get(gid, "")
                if abs(points - source_points) > 1e-9:
                    problems.append(f"{gid} is worth {points:g} point(s) in the gradebook and {source_points:g} "
                                    "in the source; scored against the gradebook")
            else:
                passed, message = False, ("the grading checks have no verdict for this cell (instructor side: the "
                                          "gradebook's test cells differ from the source notebook's)")
                problems.append(f"{gid}: no grading check; scored 0")
            settle_test_cell(cell, passed, points if passed else 0.0, points, message)
            got, _ = determine_grade(cell)
            if got != (points if passed else 0.0):  # pragma: no cover - a bug here must never score silently
                raise RuntimeError(f"{gid}: the settled outputs score {got}, the grading check {passed}")
        elif is_answer(cell) and gid in result.answer_errors:
            cell.outputs = [o for o in cell.get("outputs", []) if not _is_verdict(o)]
            cell.outputs.append(_stream(
                f"{HEADER}: this answer cell failed when the grader ran it on its own (only answer cells run, "
                f"with NumPy and the standard library): {result.answer_errors[gid]}\n"))
    return problems


# ------------------------------------------------------------------------------ notebooks graded before

def apply_scores(gb, assignment: str, student: str, nb: nbformat.NotebookNode, name: str) -> None:
    """The gradebook's auto scores of one settled notebook's test cells, as nbgrader's SaveAutoGrades writes them."""
    from nbgrader.utils import determine_grade

    for cell in nb.cells:
        if is_test(cell):
            grade = gb.find_grade(grade_id(cell), name, assignment, student)
            grade.auto_score, _ = determine_grade(cell)
            grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
    gb.db.commit()


def _job(args) -> dict:
    root, chapter, notebook, submitted, sandboxed = args
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    try:
        return hidden_grade(Path(root), chapter, notebook, Path(submitted), sandboxed=sandboxed).to_dict()
    except Exception as exc:  # noqa: BLE001 - reported per submission
        return {"error": f"{type(exc).__name__}: {exc}", "notebook": notebook}


def _autograded_jobs(root: Path, chapter: str, students: list[str] | None, sandboxed: bool) -> list[tuple]:
    """(root, chapter, notebook, autograded file, sandboxed, student) for every autograded notebook."""
    sources = sorted((root / "source" / chapter).glob("*.ipynb"))
    autograded = root / "autograded"
    jobs = []
    for student_dir in sorted(autograded.iterdir()) if autograded.is_dir() else []:
        if not (student_dir / chapter).is_dir() or (students and student_dir.name not in students):
            continue
        for src in sources:
            graded = student_dir / chapter / src.name
            if graded.exists():
                jobs.append((str(root), chapter, src.stem, str(graded), sandboxed, student_dir.name))
    return jobs


def _run_jobs(jobs: list[tuple], workers: int | None) -> list[dict]:
    workers = workers or max(1, len(os.sched_getaffinity(0)))
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            return list(pool.map(_job, [j[:5] for j in jobs]))
    return [_job(j[:5]) for j in jobs]


def _store(gb, root: Path, chapter: str, student: str, hr: HiddenResult, out) -> bool:
    """Settle the autograded notebook and put its scores into the gradebook; False when it is not in it."""
    from nbgrader.api import MissingEntry

    path = root / "autograded" / student / chapter / f"{hr.notebook}.ipynb"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb = nbformat.read(path, as_version=4)
        hr.problems += annotate(nb, hr)
        try:
            apply_scores(gb, chapter, student, nb, hr.notebook)
        except MissingEntry:
            gb.db.rollback()
            out(f"  ERROR    {chapter}/{student}/{hr.notebook}: not in the gradebook (run nbgrader autograde first)")
            return False
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(nbformat.writes(nb), encoding="utf-8")
    os.chmod(tmp, path.stat().st_mode & 0o777)
    os.replace(tmp, path)
    line = f"  graded   {chapter}/{student}/{hr.notebook}: {hr.total:g}/{hr.max_total:g}"
    out(line + ("  [" + "; ".join(hr.problems)[:300] + "]" if hr.problems else ""))
    return True


def grade_course(root: Path, chapter: str, students: list[str] | None = None, *, workers: int | None = None,
                 allow_unsandboxed: bool = False, db_url: str | None = None, out=print) -> dict[str, dict]:
    """Run the checks again on every autograded notebook of ``chapter``; settle it and the gradebook.

    The answer cells are read from the autograded notebooks (what the Autograde step graded). Returns
    ``{student: {notebook: HiddenResult dict}}``. Raises :class:`~dlgrade.sandbox.bwrap.SandboxUnavailable`
    when bubblewrap cannot work and ``allow_unsandboxed`` is false (a loud warning when it is true).
    """
    from nbgrader.api import Gradebook

    root = Path(root).resolve()
    jobs = _autograded_jobs(root, chapter, students, bwrap.sandbox_or_refuse(allow_unsandboxed))
    outs = _run_jobs(jobs, workers)
    results: dict[str, dict] = {}
    with Gradebook(db_url or f"sqlite:///{root / 'gradebook.db'}") as gb:
        for job, res in zip(jobs, outs):
            student, notebook = job[5], job[2]
            if "error" in res:
                out(f"  ERROR    {chapter}/{student}/{notebook}: {res['error']} (scores left as they were)")
                continue
            hr = HiddenResult.from_dict(res)
            if _store(gb, root, chapter, student, hr, out):
                results.setdefault(student, {})[notebook] = hr.to_dict()
    report = root / "autograded" / f".dlcourse-hidden-{chapter}.json"
    report.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    return results
