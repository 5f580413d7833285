"""`release`: regenerate release/<chapter>/ from source/<chapter>/ with nbgrader generate_assignment.

The generation runs nbgrader's own GenerateAssignment converter in this
process (one start-up for all chapters) with the course's nbgrader_config.py,
so release/ is byte-for-byte what ``nbgrader generate_assignment CHAPTER
--force`` writes. ``--check`` generates into a temporary copy instead and
lists every file that differs from the committed release/ (what CI checks).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

from .course import CONFIG_FILE, Course, CourseError, load_config


def _quiet_logger(name: str) -> logging.Logger:
    log = logging.getLogger(f"dlgrade.{name}")
    log.propagate = False
    if not log.handlers:
        log.addHandler(logging.NullHandler())
    return log


def generate(root: Path, chapter: str, db_url: str, log: logging.Logger | None = None) -> None:
    """Run nbgrader's GenerateAssignment for one chapter of the course at ``root``.

    ``db_url`` is the gradebook that receives the assignment's cells (nbgrader
    needs them to grade); release/ is written under ``root``.
    """
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    cfg = load_config(root)
    cfg.CourseDirectory.db_url = db_url
    coursedir = CourseDirectory(config=cfg)
    coursedir.assignment_id = chapter
    converter = GenerateAssignment(coursedir=coursedir, config=cfg)
    converter.log = log or _quiet_logger("release")
    converter.force = True
    try:
        converter.start()
    except Exception as exc:  # nbgrader raises NbGraderException with details in the log
        raise CourseError(f"nbgrader generate_assignment {chapter} failed: {exc}") from exc


def empty_gradebook() -> Path:
    """A gradebook file with nbgrader's schema and nothing else, made once and cached.

    Creating a gradebook runs nbgrader's database migrations, which takes
    seconds; copying this file takes milliseconds. The cache lives in the
    temporary folder (it is only a schema, keyed by nbgrader's version).
    """
    import nbgrader
    from nbgrader.api import Gradebook

    cache = Path(tempfile.gettempdir()) / f"dlcourse-gradebook-cache-{os.getuid()}"
    cache.mkdir(mode=0o700, exist_ok=True)
    path = cache / f"empty-{nbgrader.__version__}.db"
    if not path.exists():
        tmp = cache / f".empty-{os.getpid()}.db"
        tmp.unlink(missing_ok=True)
        with Gradebook(f"sqlite:///{tmp}"):
            pass
        os.replace(tmp, path)
    return path


def assignment_gradebook(course: Course, chapter: str, db_url: str, workdir: Path) -> None:
    """Put the chapter's cells into the gradebook ``db_url`` without touching the course's release/."""
    target = Path(db_url[len("sqlite:///"):]) if db_url.startswith("sqlite:///") else None
    if target is not None and not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(empty_gradebook(), target)
    shadow = workdir / f"shadow-{chapter}"
    shutil.rmtree(shadow, ignore_errors=True)
    shadow.mkdir(parents=True)
    shutil.copy2(course.root / CONFIG_FILE, shadow / CONFIG_FILE)
    shutil.copytree(course.source / chapter, shadow / "source" / chapter,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    generate(shadow, chapter, db_url)
    shutil.rmtree(shadow, ignore_errors=True)


def _normalised(path: Path) -> str:
    return json.dumps(json.loads(path.read_text(encoding="utf-8")), sort_keys=True, indent=1)


def diff_release(fresh: Path, committed: Path) -> list[str]:
    """Relative paths that differ between two release folders of one chapter (empty: identical)."""
    def files(base):
        return {p.relative_to(base).as_posix(): p for p in base.rglob("*") if p.is_file()} if base.is_dir() else {}

    a, b = files(fresh), files(committed)
    out = [f"{rel} (missing from the committed release)" for rel in sorted(set(a) - set(b))]
    out += [f"{rel} (not generated from source/)" for rel in sorted(set(b) - set(a))]
    for rel in sorted(set(a) & set(b)):
        same = (_normalised(a[rel]) == _normalised(b[rel])) if rel.endswith(".ipynb") \
            else a[rel].read_bytes() == b[rel].read_bytes()
        if not same:
            out.append(f"{rel} (differs from a fresh generation)")
    return out


def release(course: Course, chapters: list[str] | None = None, check: bool = False, out=print) -> int:
    """Regenerate (or with ``check``, verify) release/ for the chapters; returns an exit code."""
    chapters = course.select(chapters)
    if not check:
        for chapter in chapters:
            generate(course.root, chapter, course.db_url)
            out(f"release/{chapter}: generated from source/{chapter}")
        return 0
    problems = 0
    with tempfile.TemporaryDirectory(prefix="dlcourse-release-") as tmp:
        tmp = Path(tmp)
        shutil.copy2(course.root / CONFIG_FILE, tmp / CONFIG_FILE)
        for chapter in chapters:
            shutil.copytree(course.source / chapter, tmp / "source" / chapter,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
            generate(tmp, chapter, f"sqlite:///{tmp / 'gradebook.db'}")
            diffs = diff_release(tmp / "release" / chapter, course.release / chapter)
            if diffs:
                problems += 1
                out(f"release/{chapter} is STALE: " + "; ".join(diffs))
            else:
                out(f"release/{chapter}: up to date")
    if problems:
        out(f"{problems} chapter(s) out of date: run `python -m dlgrade release` and commit release/")
    return 1 if problems else 0
