"""Helpers for the instructor-workflow tests: temporary courses built from the synthetic chapters."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

CORPUS = Path(__file__).resolve().parent
REPO = CORPUS.parents[1]
CH = "ch90_synthetic"
OTHER = "ch91_other"


def make_course(root: Path, chapters=(CH, OTHER), source: Path | None = None) -> Path:
    """A course folder with the repository's nbgrader_config.py and the given chapters' sources."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    for chapter in chapters:
        shutil.copytree((source or CORPUS / "course" / "source") / chapter, root / "source" / chapter)
    return root


def submission(name: str) -> Path:
    return CORPUS / "submissions" / f"{name}.ipynb"


def submit(root: Path, student: str, chapter: str, content: Path | str | nbformat.NotebookNode,
           notebook: str | None = None) -> Path:
    dest = root / "submitted" / student / chapter
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / f"{notebook or chapter}.ipynb"
    if isinstance(content, Path):
        shutil.copy2(content, target)
    elif isinstance(content, str):
        target.write_text(content)
    else:
        nbformat.write(content, target)
    return target


def with_answer(name: str, grade_id: str, source: str) -> nbformat.NotebookNode:
    nb = nbformat.read(submission(name), as_version=4)
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
            return nb
    raise KeyError(grade_id)


def env(**extra) -> dict:
    e = dict(os.environ)
    e["PATH"] = str(Path(sys.executable).parent) + os.pathsep + e.get("PATH", "")
    e.update(extra)
    return e


def cli(root: Path, *args, timeout=600, check=True, **extra_env) -> subprocess.CompletedProcess:
    """Run ``python -m dlgrade --root ROOT ARGS`` and return the finished process."""
    proc = subprocess.run([sys.executable, "-m", "dlgrade", "--root", str(root), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env(**extra_env))
    if check and proc.returncode != 0:
        raise AssertionError(f"`python -m dlgrade {' '.join(map(str, args))}` exited with "
                             f"{proc.returncode}:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def journal(root: Path) -> list[dict]:
    path = root / "autograded" / ".dlcourse-grading.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def scores(root: Path, chapter: str) -> dict[str, dict[str, float]]:
    """student -> {grade_id: score} from the real gradebook."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for sub in gb.find_assignment(chapter).submissions:
            out[sub.student.id] = {g.name: float(g.score) for nb in sub.notebooks for g in nb.grades}
    return out


def failure_text(root: Path, student: str, chapter: str, grade_id: str, notebook: str | None = None) -> str:
    nb = nbformat.read(root / "autograded" / student / chapter / f"{notebook or chapter}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return "\n".join(f"{o.get('ename')}: {o.get('evalue')}" for o in cell.get("outputs", [])
                             if o.get("output_type") == "error")
    raise KeyError(grade_id)


def orphans() -> list[str]:
    """Processes still running in the folder of a grading run that has ended (its folder is deleted).

    Kernels run with their working directory inside the run's private folder (``dlcg-*``), which the
    command removes when it ends: a kernel or worker that outlived its run shows that folder as deleted.
    """
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "dlcg-" in cwd and cwd.endswith("(deleted)"):
            found.append(f"{proc.name}: {cmd[:200]} (in {cwd})")
    return found
