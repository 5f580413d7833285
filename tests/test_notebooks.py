"""Every lecture notebook and every graded (source) notebook executes top to bottom.

Limits (2 cores): a lecture notebook must finish in 60 s, a graded one in 20 s.
The time of each is printed at the end of the run.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import REPO, TIMINGS

LECTURE_LIMIT = 60.0
GRADED_LIMIT = 20.0

LECTURES = sorted((REPO / "notebooks").glob("ch*.ipynb"))
GRADED = sorted((REPO / "source").glob("ch*/*.ipynb"))


def execute(path: Path, tmp_path: Path, limit: float) -> float:
    """Execute a copy of the notebook (in a copy of its folder); return the seconds it took."""
    work = tmp_path / path.parent.name
    shutil.copytree(path.parent, work, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    nb = nbformat.read(work / path.name, as_version=4)
    client = NotebookClient(nb, timeout=max(120, int(3 * limit)), kernel_name="python3",
                            resources={"metadata": {"path": str(work)}}, allow_errors=False)
    with client.setup_kernel():
        start = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        seconds = time.perf_counter() - start
    with TIMINGS.open("a") as f:
        f.write(f"{path.relative_to(REPO)}\t{seconds:.2f}\t{limit:.0f}\n")
    return seconds


@pytest.mark.slow
@pytest.mark.parametrize("path", LECTURES, ids=[p.stem for p in LECTURES])
def test_lecture_notebook_executes(path, tmp_path):
    seconds = execute(path, tmp_path, LECTURE_LIMIT)
    assert seconds <= LECTURE_LIMIT, (
        f"{path.name} took {seconds:.1f} s; a lecture notebook must run in {LECTURE_LIMIT:.0f} s on 2 cores. "
        "Make its experiments smaller or precompute them.")


@pytest.mark.slow
@pytest.mark.parametrize("path", GRADED, ids=[p.stem for p in GRADED])
def test_graded_notebook_executes_with_solutions(path, tmp_path):
    seconds = execute(path, tmp_path, GRADED_LIMIT)
    assert seconds <= GRADED_LIMIT, (
        f"{path.name} took {seconds:.1f} s with its solutions; a graded notebook must run in "
        f"{GRADED_LIMIT:.0f} s on 2 cores.")


def test_there_are_notebooks_to_run():
    assert LECTURES and GRADED, "no notebooks found under notebooks/ or source/"
