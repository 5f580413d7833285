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

Size limits: a file larger than ``--max-file-mb`` (default 100 MB, the size
over which nbgrader's exchange ignores a file) is skipped, and once the files
taken from one download add up to ``--max-download-mb`` the rest are skipped;
both are reported like the files that could not be placed (not copied). Files
are streamed, never read whole into memory, and a zip entry is decompressed
with a bounded read: one that expands beyond its declared size or the limit (a
zip bomb) is stopped there and reported.
"""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .course import Course, CourseError

MAX_FILE_MB = 100        # nbgrader's exchange ignores files over 100 MB
MAX_DOWNLOAD_MB = 2000   # all the files taken from one download
CHUNK = 1024 * 1024

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


@dataclass
class Entry:
    """One file of the download: its path inside it, time, declared size and how to open it."""

    rel: str
    when: datetime
    size: int
    open: object  # () -> binary file object


def _entries(download: Path, zf: zipfile.ZipFile | None) -> list[Entry]:
    if zf is None:
        found = []
        for p in sorted(download.rglob("*")):
            if p.is_file():
                st = p.stat()
                found.append(Entry(p.relative_to(download).as_posix(), datetime.fromtimestamp(st.st_mtime),
                                   st.st_size, lambda p=p: open(p, "rb")))
        return found
    found = []
    for info in zf.infolist():
        if info.is_dir():
            continue
        if info.filename.startswith("/") or ".." in Path(info.filename).parts:
            raise CourseError(f"{download}: unsafe path {info.filename!r} in the zip (refusing to extract)")
        found.append(Entry(info.filename, datetime(*info.date_time), info.file_size, lambda i=info: zf.open(i)))
    return sorted(found, key=lambda e: e.rel)


def copy_bounded(src, dest: Path, limit: int) -> int | None:
    """Stream ``src`` into ``dest``, reading at most ``limit + 1`` bytes; the size, or None (and no ``dest``)
    when ``src`` holds more than ``limit`` bytes."""
    size = 0
    with open(dest, "wb") as out:
        while True:
            chunk = src.read(min(CHUNK, limit + 1 - size))
            if not chunk:
                return size
            size += len(chunk)
            if size > limit:
                break
            out.write(chunk)
    dest.unlink()
    return None


def _mb(n: float) -> str:
    return f"{n / CHUNK:.1f} MB" if n < 10 * CHUNK else f"{n / CHUNK:.0f} MB"


@dataclass
class Limits:
    """The per-file and per-download size limits, and what the download has used so far."""

    max_file: int = MAX_FILE_MB * CHUNK
    max_download: int = MAX_DOWNLOAD_MB * CHUNK
    used: int = 0

    def refuse(self, entry: Entry) -> str | None:
        """Why ``entry`` is not taken by its declared size (None: take it, with a bounded read)."""
        if entry.size > self.max_file:
            return (f"{_mb(entry.size)}, larger than the per-file limit of {_mb(self.max_file)} (--max-file-mb); "
                    "skipped, not copied")
        if self.used + entry.size > self.max_download:
            return (f"the download's limit of {_mb(self.max_download)} was reached (--max-download-mb); "
                    "skipped, not copied")
        return None

    def bound(self, entry: Entry) -> int:
        """Bytes a read of ``entry`` may produce: its declared size (a zip entry that yields more is
        damaged or a zip bomb), never more than either limit allows."""
        return min(entry.size, self.max_file, self.max_download - self.used)


class Download:
    """The files of a download, each taken (with a bounded read) or refused under the size limits."""

    def __init__(self, path: Path, tmp: Path, limits: Limits):
        self.path, self.tmp, self.limits = path, tmp, limits
        self.zip = None if path.is_dir() else self._open_zip(path)
        self.entries = _entries(path, self.zip)
        self.taken: dict[str, Path] = {}

    @staticmethod
    def _open_zip(path: Path) -> zipfile.ZipFile:
        if not zipfile.is_zipfile(path):
            raise CourseError(f"{path} is neither a folder nor a zip file")
        return zipfile.ZipFile(path)

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()

    def take(self, entry: Entry) -> tuple[Path | None, str]:
        """(a readable copy of the file, "") or (None, why it was not taken)."""
        why = self.limits.refuse(entry)
        if why:
            return None, why
        dest = self.tmp / f"{len(self.taken):06d}"
        try:
            with entry.open() as src:
                size = copy_bounded(src, dest, self.limits.bound(entry))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            dest.unlink(missing_ok=True)
            return None, (f"it could not be read whole ({type(exc).__name__}: {exc}): a damaged zip, or a zip bomb "
                          "whose data does not match the size it declares; stopped there, skipped")
        if size is None:
            return None, (f"it expands beyond its declared size of {_mb(entry.size)} (a damaged zip or a zip bomb): "
                          "stopped there, skipped")
        self.limits.used += size
        self.taken[entry.rel] = dest
        return dest, ""


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class Collection:
    """What one collect run did: the files placed, the report lines."""

    course: Course
    placed: dict[tuple[str, str, str], tuple[Placement, Path, datetime]] = field(default_factory=dict)
    report: list[str] = field(default_factory=list)

    @property
    def unmatched(self) -> Path:
        return self.course.submitted / "_unmatched"

    def set_aside(self, rel: str, why: str, copy: Path | None) -> None:
        """A file that is not collected: listed, and copied to _unmatched/ when it was taken."""
        where = ""
        if copy is not None:
            self.unmatched.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(copy, self.unmatched / rel.replace("/", "__"))
            where = f" (copied to {self.unmatched.relative_to(self.course.root)}/)"
        self.report.append(f"NOT COLLECTED  {rel}: {why}{where}")

    def place(self, p: Placement, path: Path, when: datetime) -> None:
        """Keep the newer of two files for the same notebook; set the older aside."""
        key = (p.student, p.chapter, p.notebook)
        if key in self.placed:
            old_p, old_path, old_when = self.placed[key]
            newer, older, older_path = ((p, old_p, old_path) if when >= old_when else (old_p, p, path))
            self.set_aside(older.source, f"an older file of {p.student}/{p.chapter}/{p.notebook}.ipynb "
                                         f"(kept {newer.source})", older_path)
            if newer is old_p:
                return
        self.placed[key] = (p, path, when)

    def write(self) -> dict[str, int]:
        counts = {"new": 0, "updated": 0, "unchanged": 0}
        for (student, ch, nb), (p, path, _) in sorted(self.placed.items()):
            dest = self.course.submitted / student / ch
            dest.mkdir(parents=True, exist_ok=True)
            target = dest / f"{nb}.ipynb"
            state = ("unchanged" if target.exists() and _digest(target) == _digest(path)
                     else "updated" if target.exists() else "new")
            counts[state] += 1
            if state != "unchanged":
                shutil.copyfile(path, target)
            if p.timestamp:
                (dest / "timestamp.txt").write_text(p.timestamp + "\n")
            self.report.append(f"{state:<14} {p.source} -> {target.relative_to(self.course.root)}")
        return counts


def _sort(download: Download, matcher: Matcher, collection: Collection) -> None:
    for entry in download.entries:
        rel = entry.rel
        if JUNK.search(rel):
            collection.report.append(f"ignored        {rel}: system file of the archiver")
            continue
        copy, why = download.take(entry)
        if copy is None:
            collection.set_aside(rel, why, None)
        elif not rel.lower().endswith(".ipynb"):
            collection.set_aside(rel, "not a notebook (.ipynb)", copy)
        else:
            p = matcher.place(rel)
            if p.problem:
                collection.set_aside(rel, p.problem, copy)
            else:
                collection.place(p, copy, entry.when)


def collect(course: Course, download: str, chapter: str | None = None, roster: str | None = None,
            pattern: str | None = None, out=print, max_file: int = MAX_FILE_MB * CHUNK,
            max_download: int = MAX_DOWNLOAD_MB * CHUNK) -> int:
    """Sort ``download`` into submitted/; every file not collected (and why) is reported."""
    download_path = Path(download).resolve()
    if not download_path.exists():
        raise CourseError(f"{download} does not exist")
    matcher = Matcher(course, chapter, read_roster(roster) if roster else None, pattern)
    collection = Collection(course)
    with tempfile.TemporaryDirectory(prefix="dlgrade-collect-") as tmp:
        files = Download(download_path, Path(tmp), Limits(max_file, max_download))
        try:
            _sort(files, matcher, collection)
            counts = collection.write()
        finally:
            files.close()
    course.submitted.mkdir(parents=True, exist_ok=True)
    (course.submitted / "_collect-report.txt").write_text("\n".join(collection.report) + "\n", encoding="utf-8")
    problems = [r for r in collection.report if r.startswith("NOT COLLECTED")]
    out(f"collected {len(collection.placed)} notebook(s) from {download}: {counts['new']} new, "
        f"{counts['updated']} updated, {counts['unchanged']} unchanged")
    if problems:
        out(f"{len(problems)} file(s) NOT collected (listed in submitted/_collect-report.txt):")
        for line in problems:
            out("  " + line)
    return 0
