"""Rebuild the broken-submission corpus (tests/corpus/) from scratch.

    PATH=.venv/bin:$PATH python tests/corpus/build_corpus.py

The corpus has two tiny synthetic chapters (``course/source/ch90_synthetic``
and ``course/source/ch91_other``) that grade in a fraction of a second each, and
one file per broken submission of ch90 in ``submissions/`` built from the
student version that ``nbgrader generate_assignment`` produces, with the
outcome the grader must give each in ``expected.json``. The committed files
are the corpus; this script only documents how they were made.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CH = "ch90_synthetic"
OTHER = "ch91_other"


def _meta(grade_id, *, grade=False, solution=False, locked=False, points=None):
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id, "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def answer(grade_id, body):
    return new_code_cell(body, metadata=_meta(grade_id, solution=True))


def test(grade_id, body, points):
    return new_code_cell(body, metadata=_meta(grade_id, grade=True, locked=True, points=points))


def readonly_md(grade_id, text):
    return new_markdown_cell(text, metadata=_meta(grade_id, locked=True))


def synthetic_chapter() -> nbformat.NotebookNode:
    """Two exercises and a quick check; a test cell that writes to stderr on every run."""
    cells = [
        readonly_md("intro", "# Synthetic chapter (tests of the grading tools)\n\nImplement two small functions."),
        new_code_cell("import sys\nimport warnings\nimport numpy as np",
                      metadata=_meta("imports", locked=True)),
        answer("add_one", 'def add_one(x):\n    """x: number or array. Returns x + 1."""\n'
                          "    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION"),
        test("test_add_one_values",
             "_v = add_one(1)\n"
             "assert _v == 2, f\"add_one(1): expected 2, got {_v!r}.\" + (\n"
             "    \" Your result is exactly what adding 2 instead of 1 gives.\" if _v == 3 else \"\")\n"
             "### BEGIN HIDDEN TESTS\n"
             "hidden_case_secret_add = np.arange(3)\n"
             "_got = add_one(hidden_case_secret_add)\n"
             "assert np.array_equal(_got, [1, 2, 3]), (\n"
             "    f\"add_one(np.arange(3)): expected [1 2 3], got {_got}. \"\n"
             "    + (\"Your result is exactly what adding 2 instead of 1 gives.\" if np.array_equal(_got, [2, 3, 4])\n"
             "       else \"Add exactly 1 to every element.\"))\n"
             "### END HIDDEN TESTS", 1),
        readonly_md("mean_text", "## The mean of an array"),
        answer("safe_mean", 'def safe_mean(x):\n    """x: (N,) array. Returns the mean of x, 0.0 for an empty array."""\n'
                            "    ### BEGIN SOLUTION\n    x = np.asarray(x, dtype=float)\n"
                            "    return float(x.mean()) if x.size else 0.0\n    ### END SOLUTION"),
        test("test_safe_mean_values",
             "# The grader's policy: text on stderr never costs points (nbgrader_config.py, IgnorePattern).\n"
             "print('note from the test: checking safe_mean', file=sys.stderr)\n"
             "warnings.warn('a harmless warning raised by the test cell')\n"
             "assert abs(safe_mean(np.array([1.0, 2.0, 6.0])) - 3.0) < 1e-12, 'safe_mean([1, 2, 6]) should be 3.0'\n"
             "### BEGIN HIDDEN TESTS\n"
             "_e = safe_mean(np.array([]))\n"
             "assert _e == 0.0, f'safe_mean of an empty array: expected 0.0, got {_e!r}. Mistake: x.mean() of nothing is NaN.'\n"
             "### END HIDDEN TESTS", 2),
        answer("quiz_letter", "### BEGIN SOLUTION\nanswer = 'b'\n### END SOLUTION"),
        test("test_quiz_letter",
             "assert isinstance(answer, str) and answer in 'abcd' and len(answer) == 1, "
             "'answer must be one letter a-d'\n"
             "### BEGIN HIDDEN TESTS\n"
             "assert answer == 'b', 'quick check: the answer is not right'\n"
             "### END HIDDEN TESTS", 1),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def other_chapter() -> nbformat.NotebookNode:
    cells = [
        readonly_md("intro", "# Another synthetic chapter"),
        answer("double", 'def double(x):\n    """Returns 2 * x."""\n'
                         "    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"),
        test("test_double_values",
             "assert double(2) == 4, 'double(2) should be 4'\n"
             "### BEGIN HIDDEN TESTS\nassert double(-3) == -6, 'double(-3) should be -6'\n### END HIDDEN TESTS", 2),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def _gid(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _release(tmp: Path, chapter: str) -> nbformat.NotebookNode:
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "generate_assignment", chapter, "--force"],
                   cwd=tmp, check=True, capture_output=True, env=env)
    return nbformat.read(tmp / "release" / chapter / f"{chapter}.ipynb", as_version=4)


def solved(release, source):
    """The student version with every answer cell replaced by the source solution."""
    sol = {_gid(c): c.source for c in source.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        if _gid(cell) in sol:
            cell.source = sol[_gid(cell)]
    return nb


def replace(nb, grade_id, source):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if _gid(cell) == grade_id:
            cell.source = source
            return nb
    raise KeyError(grade_id)


def main() -> None:
    course = HERE / "course"
    shutil.rmtree(course, ignore_errors=True)
    for chapter, nb in [(CH, synthetic_chapter()), (OTHER, other_chapter())]:
        (course / "source" / chapter).mkdir(parents=True)
        nbformat.write(nb, course / "source" / chapter / f"{chapter}.ipynb")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copy2(REPO / "nbgrader_config.py", tmp / "nbgrader_config.py")
        shutil.copytree(course / "source", tmp / "source")
        rel = _release(tmp, CH)
        other_rel = _release(tmp, OTHER)
    good = solved(rel, synthetic_chapter())
    other_good = solved(other_rel, other_chapter())

    subs: dict[str, object] = {}
    expected: dict[str, dict] = {}

    def add(name, content, **outcome):
        subs[name] = content
        expected[name] = outcome

    add("correct", good, status="graded", score=4, failed=[])
    add("correct_writes_to_stderr",
        replace(good, "add_one", "import sys, warnings\n\ndef add_one(x):\n"
                                 "    print('debug: adding one', file=sys.stderr)\n"
                                 "    warnings.warn('add_one: a harmless warning', DeprecationWarning, stacklevel=2)\n"
                                 "    warnings.warn('add_one: another harmless warning', RuntimeWarning)\n"
                                 "    return x + 1"),
        status="graded", score=4, failed=[])
    add("buggy_adds_two", replace(good, "add_one", "def add_one(x):\n    return x + 2"),
        status="graded", score=3, failed=["test_add_one_values"],
        message={"test_add_one_values": "adding 2 instead of 1"})
    add("unanswered_release", rel, status="graded", score=0,
        failed=["test_add_one_values", "test_safe_mean_values", "test_quiz_letter"])
    deleted = copy.deepcopy(good)
    deleted.cells = [c for c in deleted.cells if _gid(c) != "test_add_one_values"]
    add("deleted_test_cell", deleted, status="graded", score=4, failed=[], restored=["test_add_one_values"])
    both = copy.deepcopy(good)
    both.cells = [c for c in both.cells if _gid(c) not in ("safe_mean", "test_safe_mean_values")]
    add("deleted_answer_and_test_cell", both, status="graded", score=2, failed=["test_safe_mean_values"],
        restored=["test_safe_mean_values"])
    stripped = copy.deepcopy(good)
    for cell in stripped.cells:
        if _gid(cell) == "test_safe_mean_values":
            del cell.metadata["nbgrader"]
    add("stripped_test_metadata", stripped, status="graded", score=4, failed=[], restored=["test_safe_mean_values"])
    renamed = copy.deepcopy(good)
    for cell in renamed.cells:
        if _gid(cell) == "test_quiz_letter":
            cell.metadata["nbgrader"]["grade_id"] = "test_quiz_letter_mine"
            cell.source = "assert True  # the student made this test always pass"
    add("renamed_test_cell", replace(renamed, "quiz_letter", "answer = 'c'"), status="graded", score=3,
        failed=["test_quiz_letter"], restored=["test_quiz_letter"])
    add("infinite_loop", replace(good, "add_one", "def add_one(x):\n    while True:\n        pass"),
        status="graded", score=3, failed=["test_add_one_values"], message={"test_add_one_values": "Timeout"})
    add("ignores_sigint", replace(good, "add_one",
                                  "import signal\n\n"
                                  "def add_one(x):\n    signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                  "    while True:\n        pass"),
        status="graded", score=3, failed=["test_add_one_values"], warning="ignored the interrupt")
    add("os_exit", replace(good, "safe_mean", "import os\nos._exit(3)"),
        status="graded", score=2, failed=["test_safe_mean_values"], warning="exited with status 3",
        message={"test_safe_mean_values": "NameError"})
    add("allocates_10_gb", replace(good, "safe_mean",
                                   "big = np.ones(10 * 1024**3 // 8)  # 10 GB\n\n"
                                   "def safe_mean(x):\n    return float(np.mean(x)) if len(x) else 0.0"),
        status="graded", score=2, failed=["test_safe_mean_values"], message={"test_safe_mean_values": "NameError"})
    add("slow_notebook", replace(replace(good, "add_one", "import time\ntime.sleep(2)\n\ndef add_one(x):\n    return x + 1"),
                                 "safe_mean", "time.sleep(2.5)\n\ndef safe_mean(x):\n    return 0.0"),
        # The points come from the grading checks, which load the answer cells under the same limits: 4.5 s of
        # sleep cannot load in 3.5 s, so no check passes (the notebook run's point for add_one does not count).
        status="graded", score=0, failed=["test_add_one_values", "test_safe_mean_values", "test_quiz_letter"],
        warning="time limit", limits={"cell_timeout": 3, "notebook_timeout": 3.5})
    add("floods_output", replace(good, "add_one", "for _ in range(200):\n    print('x' * 50_000)\n\n"
                                                  "def add_one(x):\n    return x + 1"),
        status="graded", score=4, failed=[], max_output_chars=2_000_000)
    add("wrong_chapter", other_good, status="graded", score=0,
        failed=["test_add_one_values", "test_safe_mean_values", "test_quiz_letter"], warning="none of the chapter's answer cells")
    add("invalid_json", '{"cells": [ {"cell_type": "code", "source": "x = 1"  \n', status="invalid", score=0,
        reason="invalid JSON", failed=["test_add_one_values", "test_safe_mean_values", "test_quiz_letter"])
    add("empty_file", "", status="invalid", score=0, reason="empty",
        failed=["test_add_one_values", "test_safe_mean_values", "test_quiz_letter"])

    out = HERE / "submissions"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    for name, content in subs.items():
        path = out / f"{name}.ipynb"
        if isinstance(content, str):
            path.write_text(content)
        else:
            nbformat.write(content, path)
    (HERE / "expected.json").write_text(json.dumps({
        "chapter": CH,
        "limits": {"cell_timeout": 3, "notebook_timeout": 30, "memory_limit_mb": 1536},
        "max_score": 4,
        "cases": expected}, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(subs)} submissions to {out}")


if __name__ == "__main__":
    main()
