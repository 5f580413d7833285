"""The chapters' grading specifications: ``grading/<chapter>.py`` in the course folder (instructor-only).

A specification file defines ``NOTEBOOKS``, a dict from notebook name (without
``.ipynb``) to :class:`NotebookSpec`. Everything has a default, so a chapter
without a file is still graded, with the source notebook's test cells as its
checks; the file adds instructor-only checks and settings:

    from dlgrade.spec import NotebookSpec

    def softmax_shift_invariance(ns):           # runs in the grader, after test_softmax_batch
        f = ns["softmax"]                          # the student's function (it runs in the sandbox)
        ...raise AssertionError("message for the student") when wrong...

    NOTEBOOKS = {"ch00_review": NotebookSpec(extra_checks={"test_softmax_batch": [softmax_shift_invariance]})}

``grading/`` must stay outside the library that students install and outside
``release/``: it is read only by the grader, never mounted into a sandbox.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

Check = Callable[[dict], None]


@dataclass
class NotebookSpec:
    """How one graded notebook is checked out of process."""

    #: top-level packages the student's code may import in the sandbox (besides the standard library)
    packages: tuple[str, ...] = ("numpy",)
    #: code run in the sandbox before the answer cells; None = ``import numpy as np`` plus the imports and
    #: definitions of the source notebook's given (non-graded) cells, minus the course library
    sandbox_setup: str | None = None
    #: grade ids of given cells NOT to run in the grader (demos); cells that call an exercise at top
    #: level are skipped anyway
    skip_cells: tuple[str, ...] = ()
    #: test cell grade id -> checks run after that cell's code, in the same namespace; any exception
    #: fails the cell
    extra_checks: dict[str, list[Check]] = field(default_factory=dict)
    #: seconds for one test cell (all the sandbox calls it makes), and for the whole notebook
    cell_timeout: float = 60.0
    total_timeout: float = 600.0
    #: memory (MB of address space) and CPU seconds of the sandboxed process
    memory_mb: int = 2048
    cpu_seconds: int = 300


def spec_path(root: Path, chapter: str) -> Path:
    return Path(root) / "grading" / f"{chapter}.py"


def load(root: Path, chapter: str) -> tuple[dict[str, NotebookSpec], str]:
    """(notebook name -> spec, a hash of the file) for a chapter; ({}, "") when it has no file."""
    path = spec_path(root, chapter)
    if not path.is_file():
        return {}, ""
    data = path.read_bytes()
    module_name = f"_dlgrade_grading_{chapter}_{hashlib.sha256(data).hexdigest()[:12]}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    notebooks = getattr(module, "NOTEBOOKS", None)
    if not isinstance(notebooks, dict) or not all(isinstance(v, NotebookSpec) for v in notebooks.values()):
        raise ValueError(f"{path} must define NOTEBOOKS = {{notebook name: NotebookSpec(...)}}")
    return notebooks, hashlib.sha256(data).hexdigest()
