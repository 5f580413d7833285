"""Put the out-of-process scores into nbgrader: the gradebook and the autograded notebooks.

``grade`` does this per submission (:mod:`dlgrade.worker`). For a course graded
with plain ``nbgrader autograde`` (whose kernel should be sandboxed too, see
:mod:`dlgrade.sandbox.kernel`), :func:`grade_course` runs the hidden checks of
every autograded submission afterwards and

- sets each autograder test cell's ``auto_score`` in the gradebook to the
  score of the out-of-process check (the notebook's own run no longer counts),
  so the formgrader, ``nbgrader generate_feedback`` and ``nbgrader export`` show
  these scores;
- appends to each test cell of the autograded notebook an output saying what
  the grading check found (passed, or the failure with its usual mistake), and
  to each answer cell that raised when loaded, the error: the student reads it
  in the feedback.

``python -m dlgrade rescore CHAPTER`` is the command line.
"""

from __future__ import annotations

import json
import os
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

from ..sandbox import bwrap
from .cells import grade_id, is_answer, is_test
from .run import HiddenResult, hidden_grade

HEADER = "Grading check (run outside your notebook, in a sandbox; this decides the points)"


def annotate(nb: nbformat.NotebookNode, result: HiddenResult) -> nbformat.NotebookNode:
    """Append the grading checks' verdicts to the test cells (and load errors to the answer cells) of ``nb``."""
    for cell in nb.cells:
        gid = grade_id(cell)
        if cell.get("cell_type") != "code" or gid is None:
            continue
        outputs = cell.setdefault("outputs", [])
        if gid in result.scores and is_test(cell):
            score, points = result.scores[gid]
            if score >= points:
                text = f"{HEADER}: passed, {score:g}/{points:g} point(s).\n"
            else:
                message = result.messages.get(gid, "").strip()
                text = f"{HEADER}: FAILED, {score:g}/{points:g} point(s).\n{message}\n"
            outputs.append(nbformat.v4.new_output("stream", name="stdout", text=text))
        elif gid in result.answer_errors and is_answer(cell):
            text = (f"{HEADER}: this answer cell failed when the grader ran it on its own (only answer cells run, "
                    f"with NumPy and the standard library): {result.answer_errors[gid]}\n")
            outputs.append(nbformat.v4.new_output("stream", name="stdout", text=text))
    return nb


def annotate_bytes(data: bytes, result: HiddenResult) -> bytes:
    """:func:`annotate` for a notebook held as bytes (as a grading worker returns it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    return nbformat.writes(annotate(nb, result)).encode("utf-8")


def apply_scores(gb, assignment: str, student: str, result: HiddenResult) -> list[str]:
    """Set the auto scores of one submitted notebook's autograder test cells; return problems found."""
    problems = []
    sub_nb = gb.find_submission_notebook(result.notebook, assignment, student)
    for grade in sub_nb.grades:
        if grade.name not in result.scores:
            continue  # a manually graded cell: not ours
        score, points = result.scores[grade.name]
        if abs(float(grade.max_score) - points) > 1e-9:
            problems.append(f"{grade.name}: the gradebook says {grade.max_score:g} point(s), the source {points:g}; "
                            "scored against the gradebook")
            score = float(grade.max_score) if score >= points else 0.0
        grade.auto_score = score
    gb.db.commit()
    return problems


def _job(args) -> dict:
    root, chapter, notebook, submitted, sandboxed = args
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    try:
        return hidden_grade(Path(root), chapter, notebook, Path(submitted), sandboxed=sandboxed).to_dict()
    except Exception as exc:  # noqa: BLE001 - reported per submission
        return {"error": f"{type(exc).__name__}: {exc}", "notebook": notebook}


def _autograded_jobs(root: Path, chapter: str, students: list[str] | None, sandboxed: bool) -> list[tuple]:
    """(root, chapter, notebook, submitted file, sandboxed, student) for every autograded notebook."""
    sources = sorted((root / "source" / chapter).glob("*.ipynb"))
    autograded = root / "autograded"
    jobs = []
    for student_dir in sorted(autograded.iterdir()) if autograded.is_dir() else []:
        if not (student_dir / chapter).is_dir() or (students and student_dir.name not in students):
            continue
        for src in sources:
            submitted = root / "submitted" / student_dir.name / chapter / src.name
            if (student_dir / chapter / src.name).exists():
                jobs.append((str(root), chapter, src.stem, str(submitted), sandboxed, student_dir.name))
    return jobs


def _run_jobs(jobs: list[tuple], workers: int | None) -> list[dict]:
    workers = workers or max(1, len(os.sched_getaffinity(0)))
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            return list(pool.map(_job, [j[:5] for j in jobs]))
    return [_job(j[:5]) for j in jobs]


def _store(gb, root: Path, chapter: str, student: str, hr: HiddenResult, out) -> bool:
    """Scores into the gradebook, verdicts into the autograded notebook; False when not autograded."""
    from nbgrader.api import MissingEntry

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hr.problems += apply_scores(gb, chapter, student, hr)
    except MissingEntry:
        out(f"  ERROR    {chapter}/{student}/{hr.notebook}: not in the gradebook (run nbgrader autograde first)")
        return False
    path = root / "autograded" / student / chapter / f"{hr.notebook}.ipynb"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(annotate_bytes(path.read_bytes(), hr))
    os.replace(tmp, path)
    line = f"  graded   {chapter}/{student}/{hr.notebook}: {hr.total:g}/{hr.max_total:g}"
    out(line + ("  [" + "; ".join(hr.problems)[:300] + "]" if hr.problems else ""))
    return True


def grade_course(root: Path, chapter: str, students: list[str] | None = None, *, workers: int | None = None,
                 allow_unsandboxed: bool = False, db_url: str | None = None, out=print) -> dict[str, dict]:
    """Hidden-check every autograded submission of ``chapter`` and store the scores in the gradebook.

    Returns ``{student: {notebook: HiddenResult dict}}``. Raises :class:`~dlgrade.sandbox.bwrap.SandboxUnavailable`
    when bubblewrap cannot work and ``allow_unsandboxed`` is false.
    """
    from nbgrader.api import Gradebook

    root = Path(root).resolve()
    jobs = _autograded_jobs(root, chapter, students, bwrap.require(allow_unsandboxed))
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
