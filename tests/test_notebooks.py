"""Every lecture notebook and every graded (source) notebook executes top to bottom.

Limits (2 cores): a lecture notebook must finish in 60 s, a graded one in 20 s.
The time of each is printed at the end of the run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import chapters
from conftest import REPO, TIMINGS

LECTURE_LIMIT = 60.0
GRADED_LIMIT = 20.0

LECTURES = [chapters.get(name).notebook(REPO, "lecture") for name in chapters.names()]


def _own_run(path: Path) -> bool:
    """Graded notebooks that run longer than GRADED_LIMIT by design (the record sets graded_seconds) are
    executed by their chapter's test, which also checks their result."""
    name = path.parent.name
    return name in chapters.names() and chapters.get(name).graded_seconds is not None


GRADED = sorted(p for p in (REPO / "source").glob("ch*/*.ipynb") if not _own_run(p))


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


RELEASES = sorted((REPO / "release").glob("ch*/*.ipynb"))


def _first_error(path: Path, tmp_path: Path):
    """Execute a student version until the first failing cell; return (index, cell, error text)."""
    work = tmp_path / path.parent.name
    shutil.copytree(path.parent, work)
    nb = nbformat.read(work / path.name, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(work)}})
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    return index, cell, f"{out.get('ename')}: {out.get('evalue')}"
    return None, None, ""


@pytest.mark.slow
@pytest.mark.parametrize("path", RELEASES, ids=[p.stem for p in RELEASES])
def test_release_notebook_runs_until_the_first_unimplemented_exercise(path, tmp_path):
    index, cell, error = _first_error(path, tmp_path)
    assert index is not None, f"{path.name}: the student version ran without any failure; are the solutions stripped?"
    meta = cell.metadata.get("nbgrader", {})
    assert "NotImplementedError" in error or "not implemented yet" in error, (
        f"{path.name}: the first failing cell ({index}, {meta.get('grade_id')}) fails with {error!r}; "
        "before the first exercise the student version must run cleanly, and an unimplemented exercise "
        "must fail with NotImplementedError (or the tests' 'not implemented yet' message).")


@pytest.mark.slow
@pytest.mark.parametrize("path", RELEASES, ids=[p.stem for p in RELEASES])
def test_nbgrader_validate_reports_unimplemented_exercises(path, tmp_path):
    from gradingkit import nbgrader_env

    work = tmp_path / path.parent.name
    shutil.copytree(path.parent, work)
    proc = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "validate", path.name],
                          cwd=work, env=nbgrader_env(), capture_output=True, text=True, timeout=600)
    text = proc.stdout + proc.stderr
    assert "VALIDATION FAILED" in text, (
        f"nbgrader validate should report the unimplemented exercises of {path.name}; it printed:\n{text[-3000:]}")
    assert "NotImplementedError" in text or "not implemented yet" in text, text[-3000:]
