"""Grade one submission in this process with nbgrader's Autograde converter, in a private course copy.

A worker process (one more than the cores) handles one submission at a time
(:func:`grade_submission`, with a :class:`SubmissionGrader`): it copies the
submission into its own temporary course folder with a fresh copy of the
chapter's template gradebook, runs nbgrader's ``Autograde`` with the course's
grading pipeline (:mod:`dlgrade.pipeline`, the same steps as ``nbgrader
autograde`` and formgrader: the sandboxed notebook run, then the out-of-process
checks, whose verdicts ``SaveAutoGrades`` scores; the steps report through the
submission's :class:`~dlgrade.autograde.SubmissionLog`) and returns the
scores, the comments and the autograded files as plain data.
It never writes the real gradebook: the parent merges results (a single
writer), so parallel workers never contend for sqlite and, with IPC kernels,
never race for ports.
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

from . import pipeline
from .autograde import SubmissionLog
from .checks.cells import grade_id, meta
from .course import load_config

_WORKDIR: Path | None = None
_BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS")
BACKSTOP_EXTRA_S = 180  # the worker's own alarm: the notebooks' time limits plus this


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


def _read_notebook(data: bytes | Path) -> nbformat.NotebookNode:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbformat's notices about missing cell ids are not the student's fault
        if isinstance(data, Path):
            return nbformat.read(data, as_version=4)
        return nbformat.reads(data.decode("utf-8"), as_version=4)


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
        nbformat.validate(_read_notebook(data))
    except Exception as exc:  # noqa: BLE001 - any reason nbformat refuses it
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"not a valid notebook: {first[:200]}"
    return None


def grade_submission(job: dict) -> dict:
    """Grade one (student, chapter) submission; never raises: failures come back as status "error"."""
    return SubmissionGrader(job, _WORKDIR or Path(tempfile.mkdtemp(prefix="w"))).run()


def _quiet_log(buffer: io.StringIO) -> logging.Logger:
    log = logging.getLogger(f"dlgrade.worker.{os.getpid()}")
    log.propagate = False
    log.handlers[:] = [logging.StreamHandler(buffer)]
    log.handlers[0].setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
    log.setLevel(logging.INFO)
    return log


class SubmissionGrader:
    """One submission through nbgrader's Autograde and the out-of-process checks, in a private course copy."""

    def __init__(self, job: dict, base: Path):
        self.job, self.base = job, base
        self.course = base / "course"
        self.chapter, self.student = job["chapter"], job["student"]
        self.source = Path(job["source_dir"])
        self.grading = SubmissionLog()
        self.valid: list[str] = []
        self.result = {"key": job["key"], "student": self.student, "chapter": self.chapter, "hash": job["hash"],
                       "source_hash": job["source_hash"], "timestamp": job.get("timestamp"), "status": "graded",
                       "problems": [], "reason": "", "notebooks": {}, "files": {}, "pid": os.getpid()}

    def run(self) -> dict:
        start = time.monotonic()
        signal.alarm(int(self.job["limits"]["notebook_timeout"] * max(1, len(self.job["files"])) + BACKSTOP_EXTRA_S))
        try:
            self._grade()
        except _Timeout as exc:
            self.result.update(status="error", reason=str(exc))
        except Exception as exc:  # noqa: BLE001 - reported, never lost
            self.result.update(status="error", reason=f"{type(exc).__name__}: {exc}")
        finally:
            signal.alarm(0)
            shutil.rmtree(self.course, ignore_errors=True)
        self.result["problems"] = list(dict.fromkeys(self.result["problems"] + self.grading.problems))
        self.result["restored"] = list(self.grading.restored)
        self.result["seconds"] = round(time.monotonic() - start, 3)
        return self.result

    def _grade(self) -> None:
        self._prepare_course()
        self._take_notebooks()
        if not self.valid:
            self.result["status"] = "invalid"
            self.result["reason"] = "; ".join(f"{n}.ipynb: {v['reason']}" for n, v in self.result["notebooks"].items())
            return
        failure = self._autograde()
        if failure:
            self.result.update(status="error", reason=f"nbgrader could not grade it: {failure}")
            return
        self._read_gradebook()
        self._note_unscored()
        self._collect_files()

    # -- the private course --------------------------------------------------------------------
    def _prepare_course(self) -> None:
        shutil.rmtree(self.course, ignore_errors=True)
        shutil.copytree(self.source, self.course / "source" / self.chapter,
                        ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
        shutil.copy2(self.job["template_db"], self.course / "gradebook.db")
        self.folder = self.course / "submitted" / self.student / self.chapter
        self.folder.mkdir(parents=True)
        for rel, path in self.job.get("extra_files", {}).items():  # nbgrader copies these into autograded/
            (self.folder / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, self.folder / rel)
        if self.job.get("timestamp"):
            (self.folder / "timestamp.txt").write_text(self.job["timestamp"])

    def _take_notebooks(self) -> None:
        """Copy the readable notebooks in; an unreadable or missing one is scored 0 with the reason."""
        for name, path in sorted(self.job["files"].items()):
            problem = check_notebook(Path(path))
            if problem:
                self._not_graded(name, "invalid", problem, f"{name}.ipynb: {problem}; scored 0")
                continue
            self._check_chapter(name, Path(path))
            shutil.copy2(path, self.folder / f"{name}.ipynb")
            self.valid.append(name)
        for name in self.job["expected_notebooks"]:
            if name not in self.job["files"]:
                self._not_graded(name, "missing", "not submitted", f"{name}.ipynb was not submitted; scored 0")

    def _not_graded(self, name: str, status: str, reason: str, problem: str) -> None:
        self.result["notebooks"][name] = {"status": status, "reason": reason, "grades": {}, "comments": {}}
        self.result["problems"].append(problem)

    def _check_chapter(self, name: str, path: Path) -> None:
        """Remember the source order of the grade ids; flag a notebook without any of the chapter's answers."""
        source = _read_notebook(self.source / f"{name}.ipynb")
        self.grading.source_order[name] = [grade_id(c) for c in source.cells if grade_id(c)]
        answers = {grade_id(c) for c in source.cells if grade_id(c) and meta(c).get("solution")}
        submitted = {grade_id(c) for c in _read_notebook(path).cells if grade_id(c)}
        if answers and not answers & submitted:
            self.result["problems"].append(
                f"{name}.ipynb has none of the chapter's answer cells ({', '.join(sorted(answers))}): a notebook "
                "from another chapter or rebuilt from scratch? Its tests ran against it anyway")

    # -- nbgrader ---------------------------------------------------------------------------------
    def _config(self):
        """The course's configuration with the grading pipeline (also where nbgrader_config.py lacks it) and this
        run's limits, for a private course folder whose chapter sources and checks stay in the real course."""
        limits = self.job["limits"]
        sandboxed = bool(self.job.get("sandboxed", True))  # the parent checked bubblewrap
        cfg = load_config(Path(self.job["root"]))
        cfg.CourseDirectory.root = str(self.course)
        cfg.CourseDirectory.db_url = f"sqlite:///{self.course / 'gradebook.db'}"
        cfg.CourseDirectory.assignment_id = self.chapter
        cfg.CourseDirectory.student_id = self.student
        pipeline.protect(cfg)
        cfg.Execute.timeout = int(limits["cell_timeout"])
        cfg.RobustExecute.notebook_timeout = float(limits["notebook_timeout"])
        kernels = cfg.SandboxedKernelManager
        kernels.memory_limit_mb = int(limits["memory_limit_mb"])
        kernels.cpu_limit_s = int(limits["notebook_timeout"] * 2 + 30)
        kernels.ipc_dir = str(self.base)  # each kernel: a private folder here, beside (not in) course/
        kernels.sandboxed = sandboxed
        checks = cfg.GradingChecks
        checks.sandboxed = sandboxed
        checks.cell_timeout = float(limits["cell_timeout"])
        checks.notebook_timeout = float(limits["notebook_timeout"])
        checks.memory_limit_mb = int(limits["memory_limit_mb"])
        checks.source_folder = str(self.source)       # the private copy has no source notebooks ...
        checks.grading_root = str(self.job["root"])   # ... and no grading/
        return cfg

    def _autograde(self) -> str | None:
        """Run nbgrader's Autograde; None when it went through, else why it could not grade."""
        from nbgrader.converters import Autograde
        from nbgrader.coursedir import CourseDirectory

        grading = self.grading

        class _Autograde(Autograde):  # hands the submission's log to the preprocessors, in their resources
            def init_single_notebook_resources(self, notebook_filename):
                resources = super().init_single_notebook_resources(notebook_filename)
                resources[SubmissionLog.KEY] = grading
                return resources

        cfg = self._config()
        converter = _Autograde(coursedir=CourseDirectory(config=cfg), config=cfg)
        converter.force = True
        converter.create_student = True
        buffer = io.StringIO()
        converter.log = _quiet_log(buffer)
        try:
            converter.start()
            failed = None
        except Exception as exc:  # noqa: BLE001 - nbgrader logged the details
            failed = f"{type(exc).__name__}: {exc}"
        if grading.fatal:
            return grading.fatal
        return failed and _nbgrader_error(buffer.getvalue(), failed)

    def _read_gradebook(self) -> None:
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{self.course / 'gradebook.db'}") as gb:
            for nb in gb.find_submission(self.chapter, self.student).notebooks:
                if nb.name not in self.valid:
                    continue
                grades = {g.name: {"auto_score": None if g.auto_score is None else float(g.auto_score),
                                   "max_score": float(g.max_score)} for g in nb.grades}
                self.result["notebooks"][nb.name] = {
                    "status": "graded", "reason": "", "grades": grades,
                    "comments": {c.name: c.auto_comment for c in nb.comments},
                    "late_penalty": nb.late_submission_penalty}

    def _note_unscored(self) -> None:
        for name in self.valid:
            grades = self.result["notebooks"].get(name, {}).get("grades", {})
            unscored = sorted(k for k, g in grades.items() if g["auto_score"] is None)
            if unscored:
                self.result["problems"].append(f"{name}: no automatic score for {unscored} (needs manual grading)")

    def _collect_files(self) -> None:
        """The autograded files as bytes (the notebooks settled by the grading checks). Files that came with the
        submission (timestamp.txt, submission_secret.txt, ...) are taken as submitted, whatever the kernel, which
        ran in that folder, did to them."""
        out = self.course / "autograded" / self.student / self.chapter
        files = self.result["files"]
        for path in sorted(out.rglob("*")):
            if path.is_file():
                files[path.relative_to(out).as_posix()] = path.read_bytes()
        for rel, path in self.job.get("extra_files", {}).items():
            files[rel] = Path(path).read_bytes()
        if self.job.get("timestamp"):
            files["timestamp.txt"] = self.job["timestamp"].encode()


def _nbgrader_error(log: str, failed: str) -> str:
    """The most telling line of what nbgrader logged when it failed."""
    errors = [line for line in log.splitlines() if line.startswith("[ERROR]") and "Traceback" not in line]
    tb = [line for line in log.splitlines() if line.strip() and not line.startswith("[")]
    detail = errors[-1][8:] if errors else failed
    return detail + (f" ({tb[-1].strip()[:300]})" if tb else "")
