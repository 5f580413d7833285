"""The course folder: its nbgrader configuration, chapters and standard paths."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"


class CourseError(Exception):
    """A problem the instructor must fix (wrong folder, unknown chapter, ...); printed without a traceback."""


def find_root(start: str | os.PathLike | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: the current folder) holding nbgrader_config.py."""
    here = Path(start or os.getcwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise CourseError(f"no {CONFIG_FILE} in {here} or any folder above it: run the command from the course "
                      "root or pass --root PATH")


def load_config(root: Path) -> Config:
    """The course's nbgrader configuration, with the course root made absolute."""
    cfg = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    cfg.CourseDirectory.root = str(root)
    return cfg


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Course:
    """A course folder laid out as nbgrader_config.py says (source/, release/, submitted/, ...)."""

    root: Path

    @classmethod
    def open(cls, root: str | os.PathLike | None = None) -> "Course":
        root = Path(root).resolve() if root else find_root()
        if not (root / CONFIG_FILE).is_file():
            raise CourseError(f"{root} has no {CONFIG_FILE}: it is not a course folder")
        return cls(root)

    def config(self) -> Config:
        return load_config(self.root)

    def _dir(self, name: str, default: str) -> Path:
        value = self.config().CourseDirectory.get(name, default)
        return (self.root / value).resolve()

    source = property(lambda self: self._dir("source_directory", "source"), doc="source/: notebooks with solutions")
    release = property(lambda self: self._dir("release_directory", "release"), doc="release/: student versions")
    submitted = property(lambda self: self._dir("submitted_directory", "submitted"), doc="submitted/<student>/...")
    autograded = property(lambda self: self._dir("autograded_directory", "autograded"), doc="autograded/<student>/...")
    feedback = property(lambda self: self._dir("feedback_directory", "feedback"), doc="feedback/<student>/...")

    @property
    def db_path(self) -> Path:
        url = self.config().CourseDirectory.get("db_url", "")
        if url:
            if not url.startswith("sqlite:///"):
                raise CourseError(f"only sqlite gradebooks are supported, got db_url={url!r}")
            return Path(url[len("sqlite:///"):])
        return self.root / "gradebook.db"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    def chapters(self) -> list[str]:
        """Every folder of source/ that holds at least one notebook, sorted."""
        if not self.source.is_dir():
            return []
        return sorted(p.name for p in self.source.iterdir()
                      if p.is_dir() and not p.name.startswith(".") and any(p.glob("*.ipynb")))

    def notebooks(self, chapter: str) -> list[str]:
        """Names (without .ipynb) of the graded notebooks of a chapter."""
        return sorted(p.stem for p in (self.source / chapter).glob("*.ipynb"))

    def select(self, chapters: list[str] | None) -> list[str]:
        known = self.chapters()
        if not chapters:
            if not known:
                raise CourseError(f"{self.source} holds no chapter (a folder with a notebook)")
            return known
        unknown = [c for c in chapters if c not in known]
        if unknown:
            raise CourseError(f"unknown chapter(s) {unknown}; chapters of this course: {known}")
        return list(chapters)

    def source_hash(self, chapter: str) -> str:
        """A fingerprint of what grading a chapter depends on: its source files, the nbgrader config and
        the chapter's grading checks (``grading/<chapter>.py``, when it has one)."""
        h = hashlib.sha256((self.root / CONFIG_FILE).read_bytes())
        for path in sorted((self.source / chapter).rglob("*")):
            if path.is_file() and ".ipynb_checkpoints" not in path.parts:
                h.update(str(path.relative_to(self.source)).encode())
                h.update(path.read_bytes())
        checks = self.root / "grading" / f"{chapter}.py"
        if checks.is_file():
            h.update(b"grading checks\0" + checks.read_bytes())
        return h.hexdigest()

    @property
    def reports(self) -> Path:
        """Where grading reports go (inside autograded/, which is never committed)."""
        return self.autograded
