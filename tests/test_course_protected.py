"""Every grading path is protected (issue 14): the protection is part of the course's nbgrader configuration.

Plain `nbgrader autograde`, run by hand with the course's nbgrader_config.py, grades like `python -m dlgrade
grade`: the points come from the out-of-process checks, and without bubblewrap it refuses to grade unless
told to go on (DLCOURSE_ALLOW_UNSANDBOXED=1), then with a loud warning. The course's feedback keeps what
nbgrader's own release_feedback needs. (The hostile corpus on both paths: tests/test_sandbox_hostile.py;
formgrader's Autograde button: tests/test_formgrader.py.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from corpus.helpers import CH, cli, env, make_course, scores, submission, submit, with_answer
from gradingkit import run_nbgrader
from sandboxkit import REPO, require_sandbox

# The notebook's own run sees every test pass (later cells are emptied before they run); the answer is wrong.
FOOLS_THE_RUN = with_answer("correct", "add_one", (
    "def add_one(x):\n    return x + 2\n\n"
    "get_ipython().input_transformers_post.append(lambda lines: [])\n"))


def nbgrader(root: Path, *args: str, **extra_env) -> subprocess.CompletedProcess:
    """``nbgrader ARGS`` in the course folder, as an instructor runs it, with ``extra_env`` in its environment."""
    return subprocess.run([str(Path(sys.executable).parent / "nbgrader"), *args], cwd=root, capture_output=True,
                          text=True, timeout=600, env=env(**extra_env))


def _course(tmp_path: Path) -> Path:
    root = make_course(tmp_path / "course", chapters=(CH,))
    run_nbgrader(["generate_assignment", CH, "--force"], cwd=root)
    submit(root, "ann", CH, submission("correct"))
    submit(root, "ben", CH, submission("buggy_adds_two"))
    submit(root, "eve", CH, FOOLS_THE_RUN)
    return root


def test_the_courses_configuration_grades_with_the_protected_pipeline():
    """The default: no setting, variable or command-line option is needed for protected grading."""
    from dlgrade.course import load_config
    from dlgrade.pipeline import is_protected

    assert is_protected(load_config(REPO)), "nbgrader_config.py does not call dlgrade.pipeline.protect(c)"
    config = load_config(REPO)
    config.Autograde.autograde_preprocessors = ["nbgrader.preprocessors.Execute", "nbgrader.preprocessors.SaveAutoGrades"]
    assert not is_protected(config)


def test_without_the_grader_the_configuration_fails_closed(monkeypatch, capsys):
    """nbgrader ignores a configuration file that raises and grades with its unprotected defaults; where
    dlgrade cannot be imported, nbgrader_config.py must instead name steps that cannot be loaded, so that
    every Autograde fails rather than grading unprotected."""
    from traitlets.config.loader import PyFileConfigLoader
    from traitlets.utils.importstring import import_item

    monkeypatch.setitem(sys.modules, "dlgrade.pipeline", None)   # `import dlgrade.pipeline` raises ImportError
    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    assert "grading refuses to run" in capsys.readouterr().err
    steps = [*config.Autograde.sanitize_preprocessors, *config.Autograde.autograde_preprocessors]
    assert steps, "the configuration left nbgrader's default (unprotected) Autograde steps"
    for step in steps:
        with pytest.raises(ImportError):
            import_item(step)
    assert config.CourseDirectory.course_id, "the rest of the configuration must still load"


def test_plain_nbgrader_autograde_scores_by_the_checks(tmp_path):
    require_sandbox()
    root = _course(tmp_path)
    out = nbgrader(root, "autograde", CH, "--create", "--force")
    assert out.returncode == 0, out.stderr[-3000:]
    assert "WITHOUT A SANDBOX" not in out.stderr
    got = scores(root, CH)
    assert sum(got["ann"].values()) == 4, got["ann"]
    assert got["ben"] == {"test_add_one_values": 0, "test_safe_mean_values": 2, "test_quiz_letter": 1}, got["ben"]
    # Eve's own run passed every test; the check of add_one did not, and it decides.
    assert got["eve"] == {"test_add_one_values": 0, "test_safe_mean_values": 2, "test_quiz_letter": 1}, got["eve"]
    nb = nbformat.read(root / "autograded" / "eve" / CH / f"{CH}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_add_one_values")
    errors = [(o.ename, o.evalue) for o in cell.outputs if o.output_type == "error"]
    assert errors and errors[0][0] == "GradingCheckFailed" and "expected 2, got 3" in errors[0][1], errors
    # The same submissions through the course's parallel command: the same scores, cell by cell.
    copy = make_course(tmp_path / "copy", chapters=(CH,))
    for student in ("ann", "ben", "eve"):
        submit(copy, student, CH, root / "submitted" / student / CH / f"{CH}.ipynb")
    cli(copy, "grade", CH, "--workers", 2)
    assert scores(copy, CH) == got


def test_nbgrader_autograde_refuses_without_a_sandbox_and_warns_when_told_to_go_on(tmp_path):
    root = _course(tmp_path)
    missing = str(tmp_path / "no-such-bwrap")
    refused = nbgrader(root, "autograde", CH, "--create", "--force", DLCOURSE_BWRAP=missing,
                       DLCOURSE_ALLOW_UNSANDBOXED="")
    assert refused.returncode != 0, refused.stderr[-3000:]
    assert "SandboxUnavailable" in refused.stderr and missing in refused.stderr, refused.stderr[-3000:]
    assert "DLCOURSE_ALLOW_UNSANDBOXED=1" in refused.stderr, "the message must say how to go on anyway"
    assert not list((root / "autograded").rglob("*.ipynb")), "a submission was graded without a sandbox"
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        scored = [(s.student.id, g.name) for s in gb.find_assignment(CH).submissions for nb in s.notebooks
                  for g in nb.grades if g.auto_score is not None]
    assert not scored, f"scores were written without a sandbox: {scored}"

    ran = nbgrader(root, "autograde", CH, "--create", "--force", DLCOURSE_BWRAP=missing, DLCOURSE_ALLOW_UNSANDBOXED="1")
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "WARNING: GRADING WITHOUT A SANDBOX" in ran.stderr and "!" * 100 in ran.stderr, ran.stderr[-3000:]
    got = scores(root, CH)   # the checks still decide, unsandboxed
    assert sum(got["ann"].values()) == 4 and got["eve"]["test_add_one_values"] == 0, got


def test_feedback_keeps_the_submission_secret_for_nbgraders_release_feedback(tmp_path):
    """nbgrader's release_feedback files each student's feedback under a name made from the secret of the
    submission; the course's grade and feedback keep that file (also for a submission that was not a notebook)."""
    require_sandbox()
    from nbgrader.utils import notebook_hash

    root = make_course(tmp_path / "course", chapters=(CH,))
    secrets = {"ann": "a1" * 64, "bob": "b2" * 64}
    submit(root, "ann", CH, submission("correct"))
    submit(root, "bob", CH, "")                                   # an empty file: scored 0, with a page
    for student, secret in secrets.items():
        folder = root / "submitted" / student / CH
        (folder / "timestamp.txt").write_text("2024-06-01 10:00:00.000000 UTC")
        (folder / "submission_secret.txt").write_text(secret)
    cli(root, "grade", CH)
    cli(root, "feedback", CH)
    for student, secret in secrets.items():
        kept = root / "feedback" / student / CH / "submission_secret.txt"
        assert kept.is_file() and kept.read_text() == secret, f"{student}: no secret beside the feedback"
    exchange = tmp_path / "exchange"
    (exchange / "dl-test").mkdir(parents=True)
    out = nbgrader(root, "release_feedback", CH, f"--Exchange.root={exchange}", "--CourseDirectory.course_id=dl-test")
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    released = exchange / "dl-test" / "feedback"
    for student, secret in secrets.items():
        page = released / f"{notebook_hash(secret=secret, notebook_id=CH)}.html"
        assert page.is_file(), f"{student}'s feedback was not released where nbgrader's fetch_feedback looks"


def test_a_check_can_limit_the_time_of_the_students_code():
    """dlgrade.checks.time_limit: inside it, the student's code is stopped after its seconds (and the check is
    told so), and the next test cell gets a fresh sandbox; outside a grading run the block is only timed."""
    require_sandbox()
    from dlgrade.checks import grade_notebook, time_limit
    from dlgrade.spec import NotebookSpec

    seconds, seen = 1.0, {}

    def limited(ns):
        with time_limit(seconds) as limit:
            try:
                ns["add_one"](5)
            except RuntimeError:   # the sandbox was stopped
                pass
        seen.update(stopped=limit.stopped, seconds=limit.seconds)
        assert not limit.stopped, f"add_one(5) did not finish in {seconds:g} s"

    slow = with_answer("correct", "add_one", "import time\n\ndef add_one(x):\n    if isinstance(x, int) and x == 5:\n"
                                             "        time.sleep(30)\n    return x + 1\n")
    spec = NotebookSpec(extra_checks={"test_add_one_values": [limited]}, cell_timeout=20)
    source = REPO / "tests" / "corpus" / "course" / "source" / CH / f"{CH}.ipynb"
    result = grade_notebook(source, slow, spec)
    assert seen["stopped"] and seconds <= seen["seconds"] < seconds + 3, seen
    assert result.scores["test_add_one_values"][0] == 0
    assert f"did not finish in {seconds:g} s" in result.messages["test_add_one_values"]
    assert result.scores["test_safe_mean_values"] == (2.0, 2.0), result.messages   # a fresh sandbox
    with time_limit(0.01) as limit:          # no grading run: nothing to stop
        sum(range(10_000))
    assert not limit.stopped and limit.seconds >= 0
