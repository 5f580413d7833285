"""Command line: ``python -m dlcourse.course <command> ...`` (see ``--help`` of each command)."""

from __future__ import annotations

import argparse
import sys

from .coursedir import Course, CourseError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m dlcourse.course",
                                description="Instructor workflow: release, collect, grade, feedback, export.")
    p.add_argument("--root", help="course folder holding nbgrader_config.py (default: found from the current folder)")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("release", help="regenerate release/ from source/ with nbgrader generate_assignment")
    r.add_argument("chapters", nargs="*", help="chapters (default: all)")
    r.add_argument("--check", action="store_true", help="only check that release/ is what nbgrader generates")

    c = sub.add_parser("collect", help="sort an LMS download (zip or folder) into submitted/<student>/<chapter>/")
    c.add_argument("download", help="the zip file or folder downloaded from the LMS")
    c.add_argument("--chapter", help="the chapter of every file (when the download is one assignment's)")
    c.add_argument("--roster", help="CSV or text file of student ids: files of other students are reported")
    c.add_argument("--pattern", help="regular expression with groups (?P<student>...) and optionally "
                                     "(?P<timestamp>...) matched against each file's path in the download")

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

    f = sub.add_parser("feedback", help="per-student HTML feedback, hidden tests' code removed")
    f.add_argument("chapters", nargs="*", help="chapters (default: all)")

    e = sub.add_parser("export", help="grades CSV and the class report (pass rates, common mistakes)")
    e.add_argument("--out", default=None, help="output folder (default: grades/)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        course = Course.open(args.root)
        if args.command == "release":
            from .release import release

            return release(course, args.chapters, check=args.check)
        if args.command == "collect":
            from .collect import collect

            return collect(course, args.download, chapter=args.chapter, roster=args.roster, pattern=args.pattern)
        if args.command == "grade":
            from .grade import grade

            cell_timeout = args.cell_timeout
            if cell_timeout is None:
                cfg = course.config()
                cell_timeout = cfg.Execute.get("timeout", 60)
            limits = {"cell_timeout": cell_timeout, "notebook_timeout": args.notebook_timeout,
                      "memory_limit_mb": args.memory_limit}
            from dlcourse.sandbox import SandboxUnavailable

            try:
                return grade(course, args.chapters, workers=args.workers, limits=limits, force=args.force,
                             students=args.student, quiet=args.quiet, allow_unsandboxed=args.unsandboxed)
            except SandboxUnavailable as exc:
                print(f"error: refusing to grade without a sandbox: {exc}", file=sys.stderr)
                return 2
        if args.command == "feedback":
            from .feedback import feedback

            return feedback(course, args.chapters)
        if args.command == "export":
            from .export import export

            return export(course, args.out)
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
