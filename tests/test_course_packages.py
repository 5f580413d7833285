"""Two packages: the student library `dlcourse` never loads the grader; the grader `dlgrade` is one command
that works however it is started, and the old `python -m dlcourse.course` still works for one release."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO
from corpus.helpers import CH, make_course, scores, submission, submit

GRADER_ONLY = ("nbgrader", "jupyter_server", "jupyter_client", "dlgrade")
BIN = Path(sys.executable).parent


def test_importing_every_module_of_the_student_library_loads_no_grader():
    code = """
import importlib, json, pkgutil, sys
import dlcourse
names = [m.name for m in pkgutil.walk_packages(dlcourse.__path__, "dlcourse.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": names, "loaded": sorted({m.split(".")[0] for m in sys.modules})}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                         env={**os.environ, "MPLBACKEND": "Agg"}, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(found["modules"]) > 20 and "dlcourse.checks" in found["modules"]
    loaded = [m for m in GRADER_ONLY if m in found["loaded"]]
    assert not loaded, f"importing the student library loaded the grader's packages {loaded}"


def test_no_module_of_the_student_library_names_the_grader():
    """Also the imports that run only inside a function (which the test above cannot see)."""
    offenders = []
    for path in sorted((REPO / "lib" / "dlcourse").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            offenders += [f"{path.relative_to(REPO)}:{node.lineno} imports {n}" for n in names
                          if n.split(".")[0] in GRADER_ONLY]
    assert not offenders, offenders


def test_the_grader_runs_without_an_activated_environment(tmp_path):
    """`.venv/bin/python -m dlgrade grade` with a PATH that lacks the venv (nbgrader starts `alembic` by name)."""
    bare = os.pathsep.join(p for p in ("/usr/local/bin", "/usr/bin", "/bin") if Path(p).is_dir())
    assert shutil.which("alembic", path=bare) is None, "this test needs a PATH on which alembic is missing"
    root = make_course(tmp_path / "course", chapters=(CH,))
    submit(root, "ann", CH, submission("correct"))
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = bare
    out = subprocess.run([sys.executable, "-m", "dlgrade", "--root", str(root), "grade", "--cell-timeout", "10"],
                         capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0 and "1 graded" in out.stdout, (out.stdout[-3000:], out.stderr[-3000:])
    assert sum(scores(root, CH)["ann"].values()) == 4


def test_the_console_script_is_the_same_command():
    out = subprocess.run([str(BIN / "dlgrade"), "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    for command in ("release", "collect", "grade", "feedback", "export", "sandbox", "rescore"):
        assert command in out.stdout


def test_the_old_commands_still_work_and_say_where_they_moved(tmp_path):
    root = make_course(tmp_path / "course", chapters=(CH,))
    old = subprocess.run([sys.executable, "-m", "dlcourse.course", "--root", str(root), "release"],
                         capture_output=True, text=True, timeout=300)
    assert old.returncode == 0, old.stderr
    assert "deprecated" in old.stderr and "python -m dlgrade" in old.stderr
    assert f"release/{CH}: generated" in old.stdout and (root / "release" / CH / f"{CH}.ipynb").exists()
    check = subprocess.run([sys.executable, "-m", "dlcourse.sandbox", "check"], capture_output=True, text=True,
                           timeout=60)
    assert "deprecated" in check.stderr and "dlgrade sandbox check" in check.stderr
    assert check.stdout.startswith(("OK:", "NOT AVAILABLE:")), check.stdout


def test_grading_specs_name_their_class_from_the_grader():
    for path in sorted((REPO / "grading").glob("ch*.py")):
        text = path.read_text(encoding="utf-8")
        assert "from dlgrade.spec import NotebookSpec" in text, f"{path.name}: import NotebookSpec from dlgrade.spec"
