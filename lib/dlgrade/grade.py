"""`grade`: autograde every submission of some chapters on all cores, with nothing lost.

    python -m dlgrade grade [CHAPTER ...] [--workers N] [--force] [--student ID ...]

How it works
- The parent lists the submissions (``submitted/<student>/<chapter>/*.ipynb``)
  and fingerprints each one (its files, its timestamp, and the chapter's source
  and nbgrader config). Submissions that the journal
  (``autograded/.dlcourse-grading.jsonl``) records as finished with the same
  fingerprint, whose autograded notebook and gradebook entry exist, are
  skipped: a re-run changes nothing, and an interrupted run resumes where it
  stopped.
- The rest go to a pool of worker processes (:mod:`dlgrade.worker`).
  Each grades one submission at a time in-process with nbgrader's Autograde in
  a private course copy and gradebook; kernels run in bubblewrap, talk over IPC
  (no port races), run under memory/CPU limits and are retried when they fail
  to start. The scores then come from the out-of-process checks of
  :mod:`dlgrade.checks` (``grading/<chapter>.py`` and the source notebook's
  tests), which student code cannot reach: the workers run the course's
  grading pipeline (:mod:`dlgrade.pipeline`), the same as ``nbgrader
  autograde``. Without a working sandbox the command refuses to grade unless
  ``--unsandboxed`` is given.
- The parent is the only writer of the real gradebook: it merges each result,
  writes the autograded files atomically and appends to the journal.
- Every submission ends up ``graded``, ``invalid`` (the file is not a notebook:
  scored 0, with the reason) or ``error`` (could not be graded, with the
  reason; not recorded, so the next run tries again). The summary and
  ``autograded/grading-report.json`` list all of them.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import tempfile
import time
import warnings
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime, timezone
from pathlib import Path

from .course import Course
from .release import assignment_gradebook

JOURNAL = ".dlcourse-grading.jsonl"
REPORT = "grading-report.json"
DONE = {"graded", "invalid"}

DEFAULT_LIMITS = {"cell_timeout": 60, "notebook_timeout": 600, "memory_limit_mb": 2048}


def default_workers() -> int:
    """One worker more than there are cores.

    A worker waits part of each submission (a kernel starting up, replies on its sockets), so
    one spare worker keeps the cores busy: on 2 cores, 3 workers graded 60 notebooks in 38-40 s
    where 2 took 43-45 s (bench/bench_grading.py, same machine, same hour).
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, cores) + 1


class Journal:
    """Append-only JSON-lines record of finished gradings; the last line per submission wins."""

    def __init__(self, path: Path):
        self.path = path
        self.entries: dict[str, dict] = {}
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut short by a crash: that submission is simply graded again
                self.entries[rec["key"]] = rec

    def append(self, record: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self.entries[record["key"]] = record


def submission_hash(files: dict[str, Path], timestamp: str | None, source_hash: str,
                    extra_files: dict[str, Path] | None = None) -> str:
    h = hashlib.sha256(source_hash.encode())
    h.update((timestamp or "").encode())
    for group in (files, extra_files or {}):
        for name in sorted(group):
            h.update(name.encode() + b"\0")
            with open(group[name], "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
            h.update(b"\0")
    return h.hexdigest()


def _extra_files(course: Course, folder: Path) -> dict[str, Path]:
    """The submission's files besides its notebooks and timestamp (``submission_secret.txt``, which nbgrader's
    release_feedback needs, data files), as nbgrader's autograde copies them (CourseDirectory.ignore)."""
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import find_all_files

    ignore = list(CourseDirectory(config=course.config()).ignore)
    found = {}
    for path in find_all_files(str(folder), ignore + ["*.ipynb"]):
        rel = Path(path).relative_to(folder).as_posix()
        if rel != "timestamp.txt" and Path(path).is_file() and not Path(path).is_symlink():
            found[rel] = Path(path)
    return found


def find_submissions(course: Course, chapter: str, students: list[str] | None = None) -> list[dict]:
    """Every submitted/<student>/<chapter>/ folder: its notebooks, timestamp and other files."""
    found = []
    if not course.submitted.is_dir():
        return found
    for student_dir in sorted(course.submitted.iterdir()):
        folder = student_dir / chapter
        if not folder.is_dir() or student_dir.name.startswith((".", "_")):
            continue
        if students and student_dir.name not in students:
            continue
        files = {p.stem: p for p in sorted(folder.glob("*.ipynb"))}
        ts_file = folder / "timestamp.txt"
        timestamp = ts_file.read_text().strip() if ts_file.exists() else None
        found.append({"student": student_dir.name, "chapter": chapter, "files": files, "timestamp": timestamp or None,
                      "folder": folder, "extra_files": _extra_files(course, folder)})
    return found


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _score(result: dict) -> tuple[float, float]:
    got = total = 0.0
    for nb in result["notebooks"].values():
        for g in nb["grades"].values():
            got += g["auto_score"] or 0.0
            total += g["max_score"]
    return got, total


class Merger:
    """The single writer: puts results into the real gradebook, autograded/ and the journal."""

    def __init__(self, course: Course, journal: Journal):
        from nbgrader.api import Gradebook

        self.course = course
        self.journal = journal
        self.gb = Gradebook(course.db_url)

    def close(self) -> None:
        self.gb.close()

    def has_assignment(self, chapter: str) -> bool:
        from nbgrader.api import MissingEntry

        try:
            self.gb.find_assignment(chapter)
            return True
        except MissingEntry:
            return False

    def reopen(self) -> None:
        from nbgrader.api import Gradebook

        self.gb = Gradebook(self.course.db_url)

    def has_submission(self, chapter: str, student: str) -> bool:
        from nbgrader.api import MissingEntry

        try:
            self.gb.find_submission(chapter, student)
            return True
        except MissingEntry:
            return False

    def merge(self, result: dict) -> dict:
        with warnings.catch_warnings():
            # nbgrader's own models trigger SQLAlchemy's autoflush warnings when a submission is created.
            warnings.simplefilter("ignore")
            return self._merge(result)

    def _merge(self, result: dict) -> dict:
        chapter, student = result["chapter"], result["student"]
        staged = self._stage_files(result)
        self._write_scores(result)
        submission = self.gb.find_submission(chapter, student)
        result = {**result, "score": float(submission.score), "max_score": float(submission.max_score)}
        dest = self.course.autograded / student / chapter
        if dest.exists():
            shutil.rmtree(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if result["files"]:
            staged.rename(dest)
        else:
            shutil.rmtree(staged, ignore_errors=True)
        return self.record(result)

    def _stage_files(self, result: dict) -> Path:
        """The autograded files written beside their final folder (renamed into place once scored)."""
        dest = self.course.autograded / result["student"] / result["chapter"]
        tmp = dest.with_name(f".{result['chapter']}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for rel, data in result["files"].items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_bytes(data)
        return tmp

    def _write_scores(self, result: dict) -> None:
        from nbgrader.utils import parse_utc

        chapter, student, gb = result["chapter"], result["student"], self.gb
        gb.update_or_create_student(student)
        if result.get("timestamp"):
            gb.update_or_create_submission(chapter, student, timestamp=parse_utc(result["timestamp"]))
        else:
            gb.update_or_create_submission(chapter, student)
        for name in self.course.notebooks(chapter):
            nbres = result["notebooks"].get(name, {"grades": {}, "comments": {}})
            sub_nb = gb.find_submission_notebook(name, chapter, student)
            for grade in sub_nb.grades:
                g = nbres["grades"].get(grade.name)
                auto = g["auto_score"] if g is not None else 0.0  # invalid or missing notebook: 0, like nbgrader
                grade.auto_score = auto
                grade.needs_manual_grade = grade.manual_score is not None or auto is None
            for comment in sub_nb.comments:
                comment.auto_comment = nbres["comments"].get(comment.name)
            if nbres.get("late_penalty") is not None:
                sub_nb.late_submission_penalty = nbres["late_penalty"]
        gb.db.commit()

    def record(self, result: dict) -> dict:
        got, total = _score(result)
        got, total = result.get("score", got), result.get("max_score", total)
        rec = {"key": result["key"], "student": result["student"], "chapter": result["chapter"],
               "hash": result["hash"], "source_hash": result["source_hash"], "status": result["status"],
               "reason": result["reason"], "problems": result["problems"], "restored": result.get("restored", []),
               "score": got, "max_score": total, "seconds": result.get("seconds"), "finished": _now()}
        self.journal.append(rec)
        return rec


def _line(rec: dict) -> str:
    head = f"{rec['chapter']}/{rec['student']}"
    if rec["status"] == "error":
        return f"  ERROR    {head}: {rec['reason']}"
    text = f"  {rec['status']:<8} {head}: {rec['score']:g}/{rec['max_score']:g}"
    if rec["status"] == "invalid":
        text += f" ({rec['reason']})"
    elif rec["problems"]:
        text += "  [" + "; ".join(rec["problems"])[:400] + "]"
    return text


def grade(course: Course, chapters: list[str] | None = None, *, workers: int | None = None,
          limits: dict | None = None, force: bool = False, students: list[str] | None = None,
          out=print, quiet: bool = False, allow_unsandboxed: bool = False, warn=None) -> int:
    """Grade the chapters' submissions; returns 0 when every submission is graded or invalid, 1 otherwise.

    Student code runs in bubblewrap (kernel and grading checks); raises
    :class:`dlgrade.sandbox.SandboxUnavailable` when that cannot work here, unless ``allow_unsandboxed``.
    """
    chapters = course.select(chapters)
    from .sandbox.bwrap import sandbox_or_refuse

    sandboxed = sandbox_or_refuse(allow_unsandboxed, warn)
    workers = workers or default_workers()
    course.autograded.mkdir(parents=True, exist_ok=True)
    workdir = _private_folder()
    merger = None
    started = time.monotonic()
    try:
        merger = Merger(course, Journal(course.autograded / JOURNAL))
        plan = Plan(course, merger, workdir, {**DEFAULT_LIMITS, **(limits or {})}, sandboxed, force)
        for chapter in chapters:
            plan.add_chapter(chapter, students)
        out(f"grading {len(plan.jobs)} submission(s) of {', '.join(chapters)} with "
            f"{min(workers, max(1, len(plan.jobs)))} worker(s){'' if sandboxed else ' WITHOUT A SANDBOX'}; "
            f"{len(plan.skipped)} already graded (unchanged) are skipped")
        records = _run_pool(plan.jobs, workers, workdir, merger, out, quiet)
    finally:
        if merger is not None:
            merger.close()
        shutil.rmtree(workdir, ignore_errors=True)
        if workdir.exists():  # a worker was still tidying up: try once more
            time.sleep(0.5)
            shutil.rmtree(workdir, ignore_errors=True)
    return _summarise(course, chapters, records, plan.skipped, time.monotonic() - started, out)


def _private_folder() -> Path:
    """The run's private folder (worker copies of the course, kernels' sockets), in memory where possible."""
    shm = Path("/dev/shm")
    return Path(tempfile.mkdtemp(prefix="dlcg-", dir=str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None))


class Plan:
    """Which submissions to grade (unchanged ones are skipped), with each chapter's gradebook template ready."""

    def __init__(self, course: Course, merger: Merger, workdir: Path, limits: dict, sandboxed: bool, force: bool):
        self.course, self.merger, self.workdir = course, merger, workdir
        self.limits, self.sandboxed, self.force = limits, sandboxed, force
        self.jobs: list[dict] = []
        self.skipped: list[dict] = []
        self.marker = course.autograded / ".dlcourse-assignments.json"  # chapter -> source hash in the gradebook
        self.synced = json.loads(self.marker.read_text()) if self.marker.exists() else {}

    def add_chapter(self, chapter: str, students: list[str] | None) -> None:
        source_hash = self.course.source_hash(chapter)
        common = {"chapter": chapter, "source_hash": source_hash, "expected_notebooks": self.course.notebooks(chapter),
                  "source_dir": str(self.course.source / chapter), "template_db": str(self._template(chapter)),
                  "root": str(self.course.root), "limits": self.limits, "sandboxed": self.sandboxed}
        before = len(self.jobs)
        for sub in find_submissions(self.course, chapter, students):
            h = submission_hash(sub["files"], sub["timestamp"], source_hash, sub["extra_files"])
            rec = self.merger.journal.entries.get(f"{chapter}/{sub['student']}")
            if not self.force and self._unchanged(rec, h, sub):
                self.skipped.append(rec)
                continue
            self.jobs.append({**common, "key": f"{chapter}/{sub['student']}", "student": sub["student"], "hash": h,
                              "timestamp": sub["timestamp"], "files": {k: str(v) for k, v in sub["files"].items()},
                              "extra_files": {k: str(v) for k, v in sub["extra_files"].items()}})
        if len(self.jobs) > before:
            self._prepare_gradebooks(chapter, source_hash)

    def _unchanged(self, rec: dict | None, h: str, sub: dict) -> bool:
        """Graded before with the same fingerprint, and its results are still where they belong."""
        return bool(rec and rec["hash"] == h and rec["status"] in DONE
                    and (rec["status"] == "invalid" or (self.course.autograded / sub["student"] / sub["chapter"]).is_dir())
                    and self.merger.has_submission(sub["chapter"], sub["student"]))

    def _template(self, chapter: str) -> Path:
        return self.workdir / f"template-{chapter}.db"

    def _prepare_gradebooks(self, chapter: str, source_hash: str) -> None:
        """The chapter's cells in the workers' template gradebook (cached by source hash) and in the real one."""
        cache = self.course.autograded / ".dlcourse-cache"
        cached = cache / f"template-{chapter}-{source_hash[:16]}.db"
        if not cached.exists():
            assignment_gradebook(self.course, chapter, f"sqlite:///{self.workdir / 'new-template.db'}", self.workdir)
            cache.mkdir(exist_ok=True)
            for old in cache.glob(f"template-{chapter}-*.db"):
                old.unlink()
            shutil.copy2(self.workdir / "new-template.db", cached.with_suffix(".tmp"))
            os.replace(cached.with_suffix(".tmp"), cached)
        shutil.copy2(cached, self._template(chapter))
        if self.synced.get(chapter) != source_hash or not self.merger.has_assignment(chapter):
            self.merger.gb.db.rollback()  # hold no sqlite lock while nbgrader writes the assignment
            assignment_gradebook(self.course, chapter, self.course.db_url, self.workdir)
            self.synced[chapter] = source_hash
            self.marker.write_text(json.dumps(self.synced, indent=1, sort_keys=True) + "\n")


def _pool_context():
    import threading

    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        # The command line's parent has one thread and has imported nbgrader already: forking is instant.
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver")  # inside a threaded host (a notebook, a test runner)
    ctx.set_forkserver_preload(["dlgrade.worker", "dlgrade.autograde"])
    return ctx


def _run_pool(jobs: list[dict], workers: int, workdir: Path, merger: Merger, out, quiet: bool) -> list[dict]:
    """Grade ``jobs`` in worker processes, merging each result as it comes; a pool whose worker died is
    replaced and its submissions are tried once more."""
    from . import worker

    records: list[dict] = []
    pending, attempts = list(jobs), {}
    while pending:
        pool = ProcessPoolExecutor(max_workers=min(workers, len(pending)), mp_context=_pool_context(),
                                   initializer=worker.init_worker, initargs=(str(workdir),))
        merger.close()  # no open sqlite connection may be inherited by the workers
        try:
            futures = {pool.submit(worker.grade_submission, job): job for job in pending}
        finally:
            merger.reopen()
        try:
            pending = _drain(futures, attempts, merger, records, out, quiet)
        except KeyboardInterrupt:
            _stop_pool(pool)
            out(f"interrupted: {len(records)} submission(s) finished and saved; run the same command again to "
                "grade the rest (finished ones are skipped)")
            raise
        pool.shutdown(wait=True)
        if pending:
            out(f"a grading worker died; retrying {len(pending)} submission(s) in a fresh pool")
    return records


def _drain(futures: dict, attempts: dict, merger: Merger, records: list, out, quiet: bool) -> list[dict]:
    """Merge results as they finish; return the jobs to try again (their worker died, for the first time)."""
    retry = []
    while futures:
        done, _ = wait(futures, return_when=FIRST_COMPLETED)
        for fut in done:
            job = futures.pop(fut)
            try:
                result = fut.result()
            except BrokenProcessPool:
                attempts[job["key"]] = attempts.get(job["key"], 0) + 1
                if attempts[job["key"]] < 2:
                    retry.append(job)
                    continue
                result = {**_blank(job), "status": "error", "reason": "the grading worker died twice while grading it"}
            except Exception as exc:  # noqa: BLE001 - never lose a submission
                result = {**_blank(job), "status": "error", "reason": f"{type(exc).__name__}: {exc}"}
            rec = merger.merge(result) if result["status"] in DONE else merger.record(result)
            records.append(rec)
            if not quiet:
                out(_line(rec))
    return retry


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for proc in procs:
        proc.terminate()  # the workers shut their kernels down; PDEATHSIG kills any left
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        proc.join(timeout=10)


def _blank(job: dict) -> dict:
    return {"key": job["key"], "student": job["student"], "chapter": job["chapter"], "hash": job["hash"],
            "source_hash": job["source_hash"], "timestamp": job.get("timestamp"), "problems": [], "reason": "",
            "notebooks": {}, "files": {}}


def _summarise(course: Course, chapters: list[str], records: list[dict], skipped: list[dict], seconds: float,
               out) -> int:
    everything = {r["key"]: r for r in [*skipped, *records]}
    report_path = course.reports / REPORT
    old = {}
    if report_path.exists():
        try:
            old = {r["key"]: r for r in json.loads(report_path.read_text())["submissions"]}
        except (json.JSONDecodeError, KeyError):
            old = {}
    old.update(everything)
    report = {"updated": _now(), "submissions": sorted(old.values(), key=lambda r: r["key"])}
    report_path.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    counts = {s: sum(1 for r in records if r["status"] == s) for s in ("graded", "invalid", "error")}
    out(f"done in {seconds:.1f} s: {counts['graded']} graded, {counts['invalid']} invalid (scored 0), "
        f"{counts['error']} could not be graded, {len(skipped)} skipped (already graded)")
    flagged = [r for r in everything.values() if r["status"] != "graded" or r["problems"]]
    if flagged:
        out("submissions that need a look (also in " + str(report_path.relative_to(course.root)) + "):")
        for rec in sorted(flagged, key=lambda r: r["key"]):
            out(_line(rec))
    if counts["error"]:
        out(f"{counts['error']} submission(s) could not be graded (see above); they are not in the gradebook. "
            "Fix the cause and run the same command again: only they are graded.")
        return 1
    return 0
