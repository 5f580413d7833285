"""`collect`: sort an LMS download (zip or folder) into submitted/<student>/<chapter>/<notebook>.ipynb.

Recognised layouts (tried in this order for every file; ``--pattern`` replaces them):

- plain folders: ``<student>/<chapter>/<notebook>.ipynb`` or ``<student>/<notebook>.ipynb``;
- Moodle: ``<Full Name>_<id>_assignsubmission_file_/<notebook>.ipynb`` (student = the name, lower case,
  words joined by ``_``);
- Canvas: ``<login>[_late]_<user id>_<submission id>_<notebook>[-N].ipynb`` (student = the login);
- flat files named ``<student>_<notebook>.ipynb`` or ``<student>-<notebook>.ipynb``.

The chapter comes from the notebook's name (the notebooks of source/<chapter>/;
LMS suffixes such as ``-1`` or `` (2)`` are ignored) or from ``--chapter``. A
``--roster`` (one student id per line, or a CSV with a ``student``/``id``
column) rejects unknown students. Every file that matches no student or no
chapter, every non-notebook file and every older duplicate is listed in the
output and in ``submitted/_collect-report.txt`` and copied to
``submitted/_unmatched/``: nothing is dropped silently.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .course import Course, CourseError

JUNK = re.compile(r"(^|/)(__MACOSX|\.DS_Store|Thumbs\.db|\._[^/]*|\.ipynb_checkpoints)(/|$)")
_SUFFIX = re.compile(r"(\s*\(\d+\)|-\d+|_\d+)$")
_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<num>\d+)_assignsubmission_(file|onlinetext)_?$")
_CANVAS = re.compile(r"^(?P<student>[a-z0-9.\-]+)_(late_)?\d+_\d+_(?P<file>.+)$", re.I)


@dataclass
class Placement:
    source: str            # path inside the download
    student: str | None = None
    chapter: str | None = None
    notebook: str | None = None
    timestamp: str | None = None
    problem: str = ""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def _student_id(text: str) -> str:
    text = text.strip()
    return re.sub(r"[^A-Za-z0-9._\-@]+", "_", text).strip("_")


def read_roster(path: str | Path) -> set[str]:
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        rows = list(csv.DictReader(text.splitlines()))
        if rows:
            for column in ("student", "student_id", "id", "username", "login"):
                if column in rows[0]:
                    return {r[column].strip() for r in rows if r[column].strip()}
            raise CourseError(f"{path}: a roster CSV needs a column named student, student_id, id, username or login")
    return {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}


class Matcher:
    def __init__(self, course: Course, chapter: str | None, roster: set[str] | None, pattern: str | None):
        self.notebooks: dict[str, str] = {}      # normalised notebook name -> chapter
        self.names: dict[str, str] = {}          # normalised -> real notebook name
        for ch in course.chapters():
            for nb in course.notebooks(ch):
                self.notebooks[_slug(nb)] = ch
                self.names[_slug(nb)] = nb
        self.chapter = chapter
        if chapter and chapter not in course.chapters():
            raise CourseError(f"--chapter {chapter}: not a chapter of this course ({course.chapters()})")
        self.roster = roster
        self.pattern = re.compile(pattern) if pattern else None
        if self.pattern and "student" not in self.pattern.groupindex:
            raise CourseError("--pattern needs a named group (?P<student>...)")

    def notebook_of(self, filename: str) -> tuple[str | None, str | None]:
        """(chapter, notebook) for a file name, or (None, None)."""
        stem = _slug(_SUFFIX.sub("", Path(filename).stem))
        for candidate in (stem, _slug(_SUFFIX.sub("", stem))):
            if candidate in self.notebooks:
                return self.notebooks[candidate], self.names[candidate]
        if self.chapter:
            nbs = [n for n, c in self.notebooks.items() if c == self.chapter]
            if len(nbs) == 1:
                return self.chapter, self.names[nbs[0]]
        return None, None

    def place(self, rel: str) -> Placement:
        parts = rel.split("/")
        fname = parts[-1]
        p = Placement(rel)
        if self.pattern:
            m = self.pattern.search(rel)
            if not m:
                p.problem = "does not match --pattern"
                return p
            p.student = _student_id(m.group("student"))
            if "timestamp" in self.pattern.groupindex and m.group("timestamp"):
                p.timestamp = m.group("timestamp")
            p.chapter, p.notebook = self.notebook_of(fname)
        else:
            self._builtin(parts, p)
        if p.student and self.roster is not None and p.student not in self.roster:
            p.problem = f"student {p.student!r} is not on the roster"
        elif not p.student:
            p.problem = p.problem or "no student found in the path"
        elif not p.chapter:
            p.problem = p.problem or (f"notebook {fname!r} is not a notebook of any chapter "
                                      f"({', '.join(sorted(set(self.names.values())))})")
        return p

    def _builtin(self, parts: list[str], p: Placement) -> None:
        fname = parts[-1]
        dirs = parts[:-1]
        # drop a wrapping folder (the zip's own name) when the rest still has a student folder
        if len(dirs) >= 2 and dirs[-1] in {c for c in self.notebooks.values()}:
            p.student = _student_id(dirs[-2])
            p.chapter, p.notebook = self.notebook_of(fname)
            if p.chapter != dirs[-1]:
                p.problem = (f"notebook {fname!r} is in a folder named {dirs[-1]} but belongs to "
                             f"{p.chapter or 'no chapter'}")
                p.chapter = None
            return
        if dirs:
            m = _MOODLE.match(dirs[-1])
            p.student = _slug(m.group("name")) if m else _student_id(dirs[-1])
            p.chapter, p.notebook = self.notebook_of(fname)
            return
        m = _CANVAS.match(fname)
        if m:
            p.student = _student_id(m.group("student").lower())
            p.chapter, p.notebook = self.notebook_of(m.group("file"))
            if p.chapter:
                return
        stem = Path(fname).stem
        for key, real in sorted(self.names.items(), key=lambda kv: -len(kv[0])):
            idx = _slug(stem).find(key)
            if idx > 0:
                p.student = _student_id(stem[:idx].rstrip("_- "))
                p.chapter, p.notebook = self.notebooks[key], real
                return
        p.problem = "a file at the top level whose name holds no student"


def _files(download: Path, tmp: Path) -> tuple[Path, list[str], dict[str, datetime]]:
    times: dict[str, datetime] = {}
    if download.is_dir():
        base = download
        rels = [p.relative_to(base).as_posix() for p in sorted(base.rglob("*")) if p.is_file()]
        for rel in rels:
            times[rel] = datetime.fromtimestamp((base / rel).stat().st_mtime)
        return base, rels, times
    if not zipfile.is_zipfile(download):
        raise CourseError(f"{download} is neither a folder nor a zip file")
    base = tmp / "unzipped"
    rels = []
    with zipfile.ZipFile(download) as zf:
        for info in zf.infolist():
            name = info.filename
            if info.is_dir():
                continue
            if name.startswith("/") or ".." in Path(name).parts:
                raise CourseError(f"{download}: unsafe path {name!r} in the zip (refusing to extract)")
            zf.extract(info, base)
            rels.append(name)
            times[name] = datetime(*info.date_time)
    return base, sorted(rels), times


def collect(course: Course, download: str, chapter: str | None = None, roster: str | None = None,
            pattern: str | None = None, out=print) -> int:
    download_path = Path(download).resolve()
    if not download_path.exists():
        raise CourseError(f"{download} does not exist")
    matcher = Matcher(course, chapter, read_roster(roster) if roster else None, pattern)
    submitted = course.submitted
    unmatched_dir = submitted / "_unmatched"
    placed: dict[tuple[str, str, str], tuple[Placement, Path, datetime]] = {}
    report: list[str] = []
    with tempfile.TemporaryDirectory(prefix="dlcourse-collect-") as tmp:
        base, rels, times = _files(download_path, Path(tmp))

        def set_aside(rel: str, why: str) -> None:
            unmatched_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy2(base / rel, unmatched_dir / rel.replace("/", "__"))
            report.append(f"NOT COLLECTED  {rel}: {why} (copied to {unmatched_dir.relative_to(course.root)}/)")

        for rel in rels:
            if JUNK.search(rel):
                report.append(f"ignored        {rel}: system file of the archiver")
                continue
            if not rel.lower().endswith(".ipynb"):
                set_aside(rel, "not a notebook (.ipynb)")
                continue
            p = matcher.place(rel)
            if p.problem:
                set_aside(rel, p.problem)
                continue
            key = (p.student, p.chapter, p.notebook)
            when = times.get(rel, datetime.min)
            if key in placed:
                old_p, _, old_when = placed[key]
                newer, older = ((p, old_p) if when >= old_when else (old_p, p))
                set_aside(older.source, f"an older file of {p.student}/{p.chapter}/{p.notebook}.ipynb "
                                        f"(kept {newer.source})")
                if newer is old_p:
                    continue
            placed[key] = (p, base / rel, when)

        counts = {"new": 0, "updated": 0, "unchanged": 0}
        for (student, ch, nb), (p, path, _) in sorted(placed.items()):
            dest = submitted / student / ch
            dest.mkdir(parents=True, exist_ok=True)
            target = dest / f"{nb}.ipynb"
            data = path.read_bytes()
            state = "unchanged" if target.exists() and target.read_bytes() == data else \
                ("updated" if target.exists() else "new")
            counts[state] += 1
            if state != "unchanged":
                target.write_bytes(data)
            if p.timestamp:
                (dest / "timestamp.txt").write_text(p.timestamp + "\n")
            report.append(f"{state:<14} {p.source} -> {target.relative_to(course.root)}")
    submitted.mkdir(parents=True, exist_ok=True)
    (submitted / "_collect-report.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    problems = [r for r in report if r.startswith("NOT COLLECTED")]
    out(f"collected {len(placed)} notebook(s) from {download}: {counts['new']} new, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged")
    if problems:
        out(f"{len(problems)} file(s) NOT collected (listed in submitted/_collect-report.txt):")
        for line in problems:
            out("  " + line)
    return 0
