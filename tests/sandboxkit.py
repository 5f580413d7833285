"""Shared helpers of the sandbox tests (tests/test_sandbox*.py): bubblewrap availability, the hostile corpus."""

from __future__ import annotations

import importlib.util
import os
import uuid
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
HOSTILE = Path(__file__).resolve().parent / "hostile"
CHAPTER = "ch01_vanishing_gradients"


def require_sandbox() -> None:
    """Fail in CI (CI=true) and skip elsewhere when bubblewrap cannot sandbox here."""
    from dlgrade.sandbox import probe

    ok, why = probe()
    if ok:
        return
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"CI must run the sandbox tests: {why}", pytrace=False)
    pytest.skip(why)


def _module(path: Path):
    spec = importlib.util.spec_from_file_location(f"hostile_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def wrong_answers() -> dict[str, str]:
    return dict(_module(HOSTILE / "_wrong.py").WRONG)


def attacks() -> dict[str, object]:
    """name -> module of every attack in tests/hostile/."""
    return {p.stem: _module(p) for p in sorted(HOSTILE.glob("*.py")) if not p.stem.startswith("_")}


def fill(code: str, marker: str, port: int) -> str:
    return code.replace("{marker}", marker).replace("{port}", str(port))


def build_submission(release: nbformat.NotebookNode, answers: dict[str, str], added: list[str] = ()) -> nbformat.NotebookNode:
    """The released notebook with answer cells replaced and the student's own cells inserted after the first."""
    nb = nbformat.from_dict(release)
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution") and meta.get("grade_id") in answers:
            cell.source = answers[meta["grade_id"]]
    for i, code in enumerate(added):
        nb.cells.insert(1 + i, nbformat.v4.new_code_cell(code))
    return nb


def hostile_submission(release, attack, marker: str, port: int) -> nbformat.NotebookNode:
    answers = wrong_answers()
    answers.update({k: fill(v, marker, port) for k, v in getattr(attack, "ANSWERS", {}).items()})
    added = [fill(c, marker, port) for c in getattr(attack, "ADDED", [])]
    return build_submission(release, answers, added)


def new_marker() -> str:
    return f"dlcourse-hostile-{uuid.uuid4().hex[:12]}"
