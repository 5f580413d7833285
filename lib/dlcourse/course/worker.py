"""Grade one submission in this process with nbgrader's Autograde converter, in a private course copy.

A worker process (one more than the cores) handles one submission at a time: it copies
the submission into its own temporary course folder with a fresh copy of the
chapter's template gradebook, runs nbgrader's ``Autograde`` (with the robust
preprocessors of :mod:`dlcourse.course.execute`) and returns the scores, the
comments and the autograded files as plain data. It never writes the real
gradebook: the parent merges results (a single writer), so parallel workers
never contend for sqlite and, with IPC kernels, never race for ports.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import signal
import tempfile
import time
import warnings
from pathlib import Path

import nbformat

from dlcourse.sandbox.gradebook import annotate_bytes, hidden_grade

from . import execute
from .coursedir import load_config

_WORKDIR: Path | None = None
_BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS")


class _Timeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise _Timeout("the grading worker's backstop timer expired")


def _on_term(signum, frame):
    raise SystemExit(143)  # run the finally clauses: kernels are shut down


def init_worker(base: str) -> None:
    """Pool initializer: private folder, one BLAS thread per kernel, the parent handles Ctrl-C."""
    global _WORKDIR
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGALRM, _on_alarm)
    for var in _BLAS_VARS:
        os.environ[var] = "1"  # one worker per core: a kernel must not start a BLAS thread per core
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    os.environ["MALLOC_ARENA_MAX"] = "2"
    # nbgrader's models trigger SQLAlchemy autoflush warnings; they are noise in the grader's output.
    warnings.filterwarnings("ignore", module="nbgrader")
    warnings.filterwarnings("ignore", module="sqlalchemy")
    _WORKDIR = Path(tempfile.mkdtemp(prefix="w", dir=base))


def check_notebook(path: Path) -> str | None:
    """None when ``path`` is a readable notebook, else why it is not (empty, not JSON, not a notebook)."""
    data = path.read_bytes()
    if not data.strip():
        return "the file is empty (0 bytes)" if not data else "the file holds only whitespace (empty)"
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return f"not a notebook: the file is not UTF-8 text ({exc.reason} at byte {exc.start})"
    except json.JSONDecodeError as exc:
        return f"not a notebook: invalid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
    if not isinstance(raw, dict) or "cells" not in raw:
        return "not a notebook: valid JSON but without a list of cells"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat's notices about missing cell ids are not the student's fault
            nb = nbformat.reads(data.decode("utf-8"), as_version=4)
            nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - any reason nbformat refuses it
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"not a valid notebook: {first[:200]}"
    return None


def _grade_ids(path: Path) -> set[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb = nbformat.read(path, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if "grade_id" in c.get("metadata", {}).get("nbgrader", {})}


def _source_info(source_nb: Path) -> tuple[list[str], set[str]]:
    nb = nbformat.read(source_nb, as_version=4)
    order, answers = [], set()
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if "grade_id" in meta:
            order.append(meta["grade_id"])
            if meta.get("solution"):
                answers.add(meta["grade_id"])
    return order, answers


def _logger(buffer: io.StringIO) -> logging.Logger:
    log = logging.getLogger(f"dlcourse.course.worker.{os.getpid()}")
    log.propagate = False
    log.handlers[:] = [logging.StreamHandler(buffer)]
    log.handlers[0].setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
    log.setLevel(logging.INFO)
    return log


def grade_submission(job: dict) -> dict:
    """Grade one (student, chapter) submission; never raises: failures come back as status "error"."""
    start = time.monotonic()
    result = {"key": job["key"], "student": job["student"], "chapter": job["chapter"], "hash": job["hash"],
              "source_hash": job["source_hash"], "timestamp": job.get("timestamp"), "status": "graded",
              "problems": [], "reason": "", "notebooks": {}, "files": {}, "pid": os.getpid()}
    base = _WORKDIR or Path(tempfile.mkdtemp(prefix="w"))
    course = base / "course"
    execute.PROBLEMS.clear()
    execute.RESTORED.clear()
    execute.FATAL.clear()
    signal.alarm(int(job["limits"]["notebook_timeout"] * max(1, len(job["files"])) + 180))
    try:
        _grade_into(job, course, base, result)
    except _Timeout as exc:
        result.update(status="error", reason=str(exc))
    except Exception as exc:  # noqa: BLE001 - reported, never lost
        result.update(status="error", reason=f"{type(exc).__name__}: {exc}")
    finally:
        signal.alarm(0)
        shutil.rmtree(course, ignore_errors=True)
    result["problems"] = list(dict.fromkeys(result["problems"] + execute.PROBLEMS))
    result["restored"] = list(execute.RESTORED)
    result["seconds"] = round(time.monotonic() - start, 3)
    return result


def _grade_into(job: dict, course: Path, base: Path, result: dict) -> None:
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.api import Gradebook
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds,
                                        IgnorePattern, LimitOutput, OverwriteKernelspec, SaveAutoGrades)

    chapter, student, limits = job["chapter"], job["student"], job["limits"]
    shutil.rmtree(course, ignore_errors=True)
    src = Path(job["source_dir"])
    shutil.copytree(src, course / "source" / chapter, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
    shutil.copy2(job["template_db"], course / "gradebook.db")
    sub = course / "submitted" / student / chapter
    sub.mkdir(parents=True)
    if job.get("timestamp"):
        (sub / "timestamp.txt").write_text(job["timestamp"])

    valid = []
    for name, path in sorted(job["files"].items()):
        problem = check_notebook(Path(path))
        if problem:
            result["notebooks"][name] = {"status": "invalid", "reason": problem, "grades": {}, "comments": {}}
            result["problems"].append(f"{name}.ipynb: {problem}; scored 0")
            continue
        order, answers = _source_info(src / f"{name}.ipynb")
        execute.SOURCE_ORDER[name] = order
        if answers and not (answers & _grade_ids(Path(path))):
            result["problems"].append(f"{name}.ipynb has none of the chapter's answer cells "
                                      f"({', '.join(sorted(answers))}): a notebook from another chapter or "
                                      "rebuilt from scratch? Its tests ran against it anyway")
        shutil.copy2(path, sub / f"{name}.ipynb")
        valid.append(name)
    for name in job["expected_notebooks"]:
        if name not in job["files"]:
            result["notebooks"][name] = {"status": "missing", "reason": "not submitted", "grades": {},
                                         "comments": {}}
            result["problems"].append(f"{name}.ipynb was not submitted; scored 0")
    if not valid:
        result["status"] = "invalid"
        result["reason"] = "; ".join(f"{n}.ipynb: {v['reason']}" for n, v in result["notebooks"].items())
        return

    cfg = load_config(Path(job["root"]))
    cfg.CourseDirectory.root = str(course)
    cfg.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"
    cfg.CourseDirectory.assignment_id = chapter
    cfg.CourseDirectory.student_id = student
    cfg.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec,
                                            execute.RobustOverwriteCells, CheckCellMetadata]
    cfg.Autograde.autograde_preprocessors = [execute.RobustExecute, IgnorePattern, ClearMetadataPreprocessor,
                                             LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    cfg.Execute.timeout = int(limits["cell_timeout"])
    cfg.RobustExecute.notebook_timeout = float(limits["notebook_timeout"])
    cfg.LimitedKernelManager.memory_limit_mb = int(limits["memory_limit_mb"])
    cfg.LimitedKernelManager.cpu_limit_s = int(limits["notebook_timeout"] * 2 + 30)
    cfg.LimitedKernelManager.ipc_dir = str(base)  # each kernel: a private folder here, beside (not in) course/
    cfg.LimitedKernelManager.sandboxed = bool(job.get("sandboxed", True))
    coursedir = CourseDirectory(config=cfg)
    converter = Autograde(coursedir=coursedir, config=cfg)
    converter.force = True
    converter.create_student = True
    buffer = io.StringIO()
    converter.log = _logger(buffer)
    try:
        converter.start()
        failed = None
    except Exception as exc:  # noqa: BLE001 - nbgrader logged the details
        failed = f"{type(exc).__name__}: {exc}"
    if execute.FATAL or failed:
        errors = [line for line in buffer.getvalue().splitlines() if line.startswith("[ERROR]")
                  and "Traceback" not in line]
        detail = execute.FATAL[-1] if execute.FATAL else (errors[-1][8:] if errors else failed)
        tb = [line for line in buffer.getvalue().splitlines() if line.strip() and not line.startswith("[")]
        result.update(status="error", reason=f"nbgrader could not grade it: {detail}"
                      + (f" ({tb[-1].strip()[:300]})" if tb and not execute.FATAL else ""))
        return

    with Gradebook(cfg.CourseDirectory.db_url) as gb:
        submission = gb.find_submission(chapter, student)
        for nb in submission.notebooks:
            if nb.name not in valid:
                continue
            grades = {g.name: {"auto_score": None if g.auto_score is None else float(g.auto_score),
                               "max_score": float(g.max_score)} for g in nb.grades}
            comments = {c.name: c.auto_comment for c in nb.comments}
            result["notebooks"][nb.name] = {"status": "graded", "reason": "", "grades": grades, "comments": comments,
                                            "late_penalty": nb.late_submission_penalty}
    hidden = _hidden_scores(job, valid, result)
    for name in valid:
        grades = result["notebooks"].get(name, {}).get("grades", {})
        unscored = sorted(k for k, g in grades.items() if g["auto_score"] is None)
        if unscored:
            result["problems"].append(f"{name}: no automatic score for {unscored} (needs manual grading)")
    out = course / "autograded" / student / chapter
    for path in sorted(out.rglob("*")):
        if path.is_file():
            result["files"][path.relative_to(out).as_posix()] = path.read_bytes()
    for name, hr in hidden.items():
        if f"{name}.ipynb" in result["files"]:
            result["files"][f"{name}.ipynb"] = annotate_bytes(result["files"][f"{name}.ipynb"], hr)


def _hidden_scores(job: dict, valid: list[str], result: dict) -> dict:
    """Score every test cell by the out-of-process checks (dlcourse.sandbox), replacing the notebook run's scores.

    The notebook run only produces what the student reads; a submission that patches NumPy, the checks or
    the kernel fools that run, never these checks. A failure of the checks themselves raises: the
    submission is then reported as an error and graded again on the next run, never scored by its own run.
    """
    limits = job["limits"]
    hidden = {}
    for name in valid:
        if name not in result["notebooks"]:
            continue
        hr = hidden_grade(Path(job["root"]), job["chapter"], name, Path(job["files"][name]),
                          sandboxed=bool(job.get("sandboxed", True)), cell_timeout=limits["cell_timeout"],
                          notebook_timeout=limits["notebook_timeout"], memory_mb=limits["memory_limit_mb"],
                          source_dir=Path(job["source_dir"]))
        hidden[name] = hr
        grades = result["notebooks"][name]["grades"]
        for gid, (score, points) in hr.scores.items():
            if gid not in grades:
                continue
            top = grades[gid]["max_score"]
            if abs(top - points) > 1e-9:  # the gradebook decides the points; the check only pass or fail
                result["problems"].append(f"{name}.ipynb: {gid} is worth {top:g} point(s) in the gradebook and "
                                          f"{points:g} in the source; scored against the gradebook")
                score = top if score >= points else 0.0
            grades[gid]["auto_score"] = float(score)
        result["problems"] += [f"{name}.ipynb: {p}" for p in hr.problems]
    return hidden
