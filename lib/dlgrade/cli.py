"""The command line: ``python -m dlgrade <command> ...`` or ``dlgrade <command> ...`` (``--help`` of each)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .course import Course, CourseError

MB = 1024 * 1024


def _grade_parser(sub) -> None:
    g = sub.add_parser("grade", help="autograde every submission on all cores (resumable, idempotent)")
    g.add_argument("chapters", nargs="*", help="chapters (default: all)")
    g.add_argument("--workers", type=int, default=None, help="worker processes (default: one more than the cores)")
    g.add_argument("--student", action="append", help="only this student (repeatable)")
    g.add_argument("--force", action="store_true", help="grade again even what is already graded")
    g.add_argument("--cell-timeout", type=float, default=None, help="seconds per cell (default: nbgrader_config.py)")
    g.add_argument("--notebook-timeout", type=float, default=600, help="seconds per notebook (default 600)")
    g.add_argument("--memory-limit", type=int, default=2048, help="MB of address space per kernel (default 2048)")
    g.add_argument("--quiet", action="store_true", help="print only the summary and the problems")
    g.add_argument("--unsandboxed", action="store_true",
                   help="grade even when bubblewrap cannot sandbox student code here (DANGEROUS: student code "
                        "then runs with your rights; scores still come from the out-of-process checks)")


def _collect_parser(sub) -> None:
    from .collect import MAX_DOWNLOAD_MB, MAX_FILE_MB

    c = sub.add_parser("collect", help="sort an LMS download (zip or folder) into submitted/<student>/<chapter>/")
    c.add_argument("download", help="the zip file or folder downloaded from the LMS")
    c.add_argument("--chapter", help="the chapter of every file (when the download is one assignment's)")
    c.add_argument("--roster", help="CSV or text file of student ids: files of other students are reported")
    c.add_argument("--pattern", help="regular expression with groups (?P<student>...) and optionally "
                                     "(?P<timestamp>...) matched against each file's path in the download")
    c.add_argument("--max-file-mb", type=float, default=MAX_FILE_MB,
                   help=f"skip (and report) files larger than this (default {MAX_FILE_MB} MB, as nbgrader's exchange)")
    c.add_argument("--max-download-mb", type=float, default=MAX_DOWNLOAD_MB,
                   help=f"stop collecting (and report the rest) after this much in total (default {MAX_DOWNLOAD_MB} MB)")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dlgrade", description="The course's grading: release, collect, grade, "
                                "feedback, export; the sandbox of student code.")
    p.add_argument("--root", help="course folder holding nbgrader_config.py (default: found from the current folder)")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("release", help="regenerate release/ from source/ with nbgrader generate_assignment")
    r.add_argument("chapters", nargs="*", help="chapters (default: all)")
    r.add_argument("--check", action="store_true", help="only check that release/ is what nbgrader generates")
    _collect_parser(sub)
    _grade_parser(sub)
    f = sub.add_parser("feedback", help="per-student HTML feedback, hidden tests' code removed")
    f.add_argument("chapters", nargs="*", help="chapters (default: all)")
    e = sub.add_parser("export", help="grades CSV and the class report (pass rates, common mistakes)")
    e.add_argument("--out", default=None, help="output folder (default: grades/)")
    s = sub.add_parser("sandbox", help="the sandbox of student code")
    s.add_argument("action", choices=["check"], help="check: can bubblewrap sandbox student code on this machine?")
    h = sub.add_parser("rescore", help="run the out-of-process checks again on the autograded notebooks of a chapter "
                                       "(graded before nbgrader_config.py protected grading, or before an edit of "
                                       "grading/) and put their scores into the gradebook")
    h.add_argument("chapter")
    h.add_argument("--student", action="append", help="only this student (repeatable)")
    h.add_argument("--workers", type=int, default=None, help="processes (default: one per core)")
    h.add_argument("--db-url", default=None, help="gradebook (default: sqlite:///ROOT/gradebook.db)")
    h.add_argument("--unsandboxed", action="store_true",
                   help="grade even when bubblewrap cannot work (DANGEROUS: student code gets your rights)")
    return p


def interpreter_bin_first() -> None:
    """Put this interpreter's folder first on PATH: nbgrader starts helper programs by name (``alembic``),
    which must be the ones of this environment even when it is not activated (``.venv/bin/python -m dlgrade``)."""
    folder = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[:1] != [folder]:
        os.environ["PATH"] = os.pathsep.join([folder, *[p for p in parts if p and p != folder]])


def _grade(course: Course, args) -> int:
    from .grade import grade

    cell_timeout = args.cell_timeout if args.cell_timeout is not None else course.config().Execute.get("timeout", 60)
    limits = {"cell_timeout": cell_timeout, "notebook_timeout": args.notebook_timeout,
              "memory_limit_mb": args.memory_limit}
    return grade(course, args.chapters, workers=args.workers, limits=limits, force=args.force,
                 students=args.student, quiet=args.quiet, allow_unsandboxed=args.unsandboxed)


def _sandbox_check() -> int:
    from .sandbox import probe

    ok, why = probe()
    print(("OK: " if ok else "NOT AVAILABLE: ") + why)
    return 0 if ok else 1


def _rescore(args) -> int:
    from .checks.verdicts import grade_course

    root = Path(args.root or ".")
    grade_course(root, args.chapter, args.student, workers=args.workers, allow_unsandboxed=args.unsandboxed,
                 db_url=args.db_url)
    return 0


def _run(args) -> int:
    if args.command == "sandbox":
        return _sandbox_check()
    if args.command == "rescore":
        return _rescore(args)
    course = Course.open(args.root)
    if args.command == "release":
        from .release import release

        return release(course, args.chapters, check=args.check)
    if args.command == "collect":
        from .collect import collect

        return collect(course, args.download, chapter=args.chapter, roster=args.roster, pattern=args.pattern,
                       max_file=int(args.max_file_mb * MB), max_download=int(args.max_download_mb * MB))
    if args.command == "grade":
        return _grade(course, args)
    if args.command == "feedback":
        from .feedback import feedback

        return feedback(course, args.chapters)
    from .export import export

    return export(course, args.out)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    interpreter_bin_first()
    from .sandbox import SandboxUnavailable

    try:
        return _run(args)
    except SandboxUnavailable as exc:
        print(f"error: refusing to grade without a sandbox: {exc}", file=sys.stderr)
        return 2
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
