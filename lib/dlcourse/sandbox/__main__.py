"""``python -m dlcourse.sandbox check | grade CHAPTER [--student ID ...] [--workers N] [--unsandboxed]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .bwrap import SandboxUnavailable, probe


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m dlcourse.sandbox",
                                description="Sandboxed, out-of-process grading checks for nbgrader.")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="tell whether bubblewrap can sandbox student code on this machine")
    g = sub.add_parser("grade", help="after `nbgrader autograde CHAPTER`: replace every autograded score by the "
                                     "out-of-process checks' score (gradebook and autograded notebooks)")
    g.add_argument("chapter")
    g.add_argument("--root", default=".", help="course folder (default: the current folder)")
    g.add_argument("--student", action="append", help="only this student (repeatable)")
    g.add_argument("--workers", type=int, default=None, help="processes (default: one per core)")
    g.add_argument("--db-url", default=None, help="gradebook (default: sqlite:///ROOT/gradebook.db)")
    g.add_argument("--unsandboxed", action="store_true",
                   help="grade even when bubblewrap cannot work (DANGEROUS: student code gets your rights)")
    args = p.parse_args(argv)
    if args.command == "check":
        ok, why = probe()
        print(("OK: " if ok else "NOT AVAILABLE: ") + why)
        return 0 if ok else 1
    from .gradebook import grade_course

    try:
        grade_course(Path(args.root), args.chapter, args.student, workers=args.workers,
                     allow_unsandboxed=args.unsandboxed, db_url=args.db_url)
    except SandboxUnavailable as exc:
        print(f"error: refusing to grade without a sandbox: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
