"""The course follows DESIGN.md's layout and naming: tools and tests rely on these names."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

from conftest import REPO

import chapters

CHAPTERS = chapters.names()


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def test_every_chapter_folder_has_a_record_and_every_record_its_folders():
    folders = {p.name for root in ("source", "release") for p in (REPO / root).glob("ch[0-9][0-9]_*") if p.is_dir()}
    lectures = {p.stem for p in (REPO / "notebooks").glob("ch[0-9][0-9]_*.ipynb")}
    missing = sorted((folders | lectures) - set(CHAPTERS))
    assert not missing, (f"{missing}: a chapter needs its record chapters/<name>.py "
                         "(CHAPTER = Chapter(...), see chapters/__init__.py)")
    for record in chapters.all_chapters():
        assert record.topic is None or (REPO / "lib/dlcourse/plots" / f"{record.topic}.py").exists() or \
            (REPO / "lib/dlcourse/widgets" / f"{record.topic}.py").exists(), (
            f"chapters/{record.name}.py names the topic module {record.topic!r}, but neither "
            f"dlcourse.plots.{record.topic} nor dlcourse.widgets.{record.topic} exists")


def test_readme_chapter_table_is_made_from_the_records():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = chapters.readme_table()
    assert table in readme, ("README.md's chapter table differs from the chapter records: run "
                             "`python -m chapters readme` from the repository root (it rewrites the table) and "
                             f"commit. Expected:\n{table}")


def test_every_chapter_has_its_grading_checks():
    missing = [name for name in CHAPTERS if not (REPO / "grading" / f"{name}.py").exists()]
    assert not missing, (f"{missing}: every chapter needs grading/<name>.py with its out-of-process checks "
                         "(NOTEBOOKS = {notebook: NotebookSpec(...)}; see grading/README.md)")


def test_every_chapter_has_its_grading_tests():
    """tests/test_<chapter>.py holds `class TestGrading(ChapterGradingTests): chapter = "<chapter>"`, which grades
    every alternative and mistake of the record with nbgrader."""
    import ast

    problems = []
    for name in CHAPTERS:
        path = REPO / "tests" / f"test_{name}.py"
        if not path.exists():
            problems.append(f"tests/test_{name}.py is missing")
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {t.id: stmt.value.value for stmt in tree.body if isinstance(stmt, ast.Assign)
                     and isinstance(stmt.value, ast.Constant) for t in stmt.targets if isinstance(t, ast.Name)}

        def value(node):
            return node.value if isinstance(node, ast.Constant) else constants.get(getattr(node, "id", None))

        graded = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(getattr(b, "id", None) == "ChapterGradingTests" for b in node.bases):
                graded |= {value(stmt.value) for stmt in node.body if isinstance(stmt, ast.Assign)
                           and any(getattr(t, "id", None) == "chapter" for t in stmt.targets)}
        if name not in graded:
            problems.append(f"tests/test_{name}.py has no `class TestGrading(ChapterGradingTests): chapter = {name!r}`")
    assert not problems, "; ".join(problems) + " (see tests/chapterkit.py)"


def test_layout_exists():
    for name in ["README.md", "environment.yml", "pyproject.toml", "nbgrader_config.py", "course.py",
                 "lib/dlcourse/__init__.py", "notebooks", "source", "release", "tests", "bench", ".ci/run"]:
        assert (REPO / name).exists(), f"{name} is missing from the repository root (see DESIGN.md's layout)"


def test_environment_yml_pins_match_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = set(project["dependencies"]) | set(project["optional-dependencies"]["test"])
    env_text = (REPO / "environment.yml").read_text()
    listed = set(re.findall(r"^\s*-\s*([A-Za-z0-9_.\-]+==[^\s#]+)", env_text, flags=re.M))
    assert pins == listed, (
        "environment.yml and pyproject.toml must pin the same packages and versions.\n"
        f"only in pyproject.toml: {sorted(pins - listed)}\nonly in environment.yml: {sorted(listed - pins)}")


def test_ci_runs_exactly_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci/run").read_text()
    commands = [line.strip() for line in ci.splitlines()
                if line.strip() and not line.lstrip().startswith(("#", "set ", "cd ", "if ", "fi", "export "))]
    assert commands == ["exec python3 course.py test"], f".ci/run must only call the test command, found {commands}"
    assert "python3 course.py test" in readme and "python3 course.py lab" in readme


def test_no_sys_path_tricks():
    """`import dlcourse` works through the installed package. The one exception is the sandbox's
    runner, which starts with `python -I -S` and adds the single folder mounted for it; such a
    line must be preceded by a comment saying `allowed sys.path edit`."""
    offenders = []
    for path in [*REPO.glob("lib/**/*.py"), *REPO.glob("notebooks/*.ipynb"), *REPO.glob("source/*/*.ipynb"),
                 *REPO.glob("bench/*.py")]:
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if re.search(r"sys\.path\.(append|insert)", line) and not (i and "allowed sys.path edit" in lines[i - 1]):
                offenders.append(f"{path.relative_to(REPO)}:{i + 1}")
    assert not offenders, f"`import dlcourse` must work through the installed package, not sys.path edits: {offenders}"


def test_dlcourse_imports_from_any_folder(tmp_path):
    out = subprocess.run([sys.executable, "-c", "import dlcourse, dlcourse.checks; print(dlcourse.__file__)"],
                         cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert str(REPO / "lib" / "dlcourse") in out.stdout


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_lecture_and_graded_notebook(chapter):
    assert (REPO / "notebooks" / f"{chapter}.ipynb").exists(), f"notebooks/{chapter}.ipynb is missing"
    assert (REPO / "source" / chapter / f"{chapter}.ipynb").exists(), f"source/{chapter}/{chapter}.ipynb is missing"
    assert (REPO / "release" / chapter / f"{chapter}.ipynb").exists(), (
        f"release/{chapter}/ is missing: run `nbgrader generate_assignment {chapter}`")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_graded_notebook_follows_naming_conventions(chapter):
    paths = sorted((REPO / "source" / chapter).glob("*.ipynb"))
    if not paths:
        pytest.fail(f"source/{chapter} has no notebook")
    answers, tests = [], []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            meta = _meta(cell)
            if cell.cell_type == "code":
                assert not cell.get("outputs"), f"{path.name}: commit notebooks without outputs"
            if meta.get("solution") and cell.cell_type == "code":
                gid = meta["grade_id"]
                answers.append(gid)
                if not gid.startswith("quiz_"):
                    assert re.search(rf"^(def {re.escape(gid)}\(|class {re.escape(gid)}\b)", cell.source, flags=re.M), (
                        f"{path.name}: answer cell {gid!r} must define the function {gid}() (or the class {gid})")
            elif meta.get("grade"):
                tests.append(meta["grade_id"])
    record = chapters.get(chapter)
    assert answers == list(record.exercises), (
        f"{chapter}: the answer cells of the notebook {answers} differ from the exercises of "
        f"chapters/{chapter}.py {list(record.exercises)} (same names, same order)")
    assert set(tests) == record.test_cells, (
        f"{chapter}: test cells only in the notebook {sorted(set(tests) - record.test_cells)}, "
        f"only in chapters/{chapter}.py {sorted(record.test_cells - set(tests))}")
    for gid in tests:
        assert gid.startswith("test_"), f"{chapter}: test cell {gid!r} must start with test_"
        owner = [a for a, cells in record.exercises.items() if gid in cells]
        assert owner and gid.startswith(f"test_{owner[0]}"), (
            f"{chapter}: test cell {gid!r} must be named test_<its exercise>...")
    for a in answers:
        assert record.exercises[a], f"{chapter}: exercise {a} has no test cell"
