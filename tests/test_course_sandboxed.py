"""`python -m dlgrade grade` is tamper-resistant (issue 6): student kernels run in bubblewrap, the
points come from the out-of-process grading checks, and the command refuses to grade without a sandbox
unless told otherwise (--unsandboxed, with a loud warning)."""

from __future__ import annotations

import csv
import json
import shutil

import nbformat
import pytest

from corpus.helpers import CH, cli, journal, make_course, scores, submission, submit
from gradingkit import answer_sources
from sandboxkit import CHAPTER, REPO, attacks, build_submission, hostile_submission, new_marker, require_sandbox

FAST = ["--cell-timeout", "10", "--notebook-timeout", "120", "--memory-limit", "1536"]
FOOLS_THE_NOTEBOOK = "allclose_patch"   # its tests pass in the student's own kernel: the threat
READS_THE_COURSE = "read_source"         # looks for source/, grading/ and the gradebook above its folder


def _outputs(root, student, grade_id) -> tuple[list[str], str]:
    """(error names, stream text) of one cell of the student's autograded notebook."""
    nb = nbformat.read(root / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            outs = cell.get("outputs", [])
            return ([o.get("ename", "") for o in outs if o.get("output_type") == "error"],
                    "".join(o.get("text", "") for o in outs if o.get("output_type") == "stream"))
    raise KeyError(grade_id)


@pytest.mark.slow
def test_grade_command_gives_hostile_submissions_nothing_and_correct_ones_full_marks(tmp_path):
    require_sandbox()
    root = make_course(tmp_path / "course", chapters=(CHAPTER,), source=REPO / "source")
    (root / "grading").mkdir()
    shutil.copy2(REPO / "grading" / f"{CHAPTER}.py", root / "grading")  # the chapter's extra checks
    release = nbformat.read(REPO / "release" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    marker, found = new_marker(), attacks()
    subs = {"correct": build_submission(release, answer_sources(root / "source" / CHAPTER / f"{CHAPTER}.ipynb")),
            "h_fool": hostile_submission(release, found[FOOLS_THE_NOTEBOOK], marker, port=9),
            "h_read": hostile_submission(release, found[READS_THE_COURSE], marker, port=9)}
    for student, nb in subs.items():
        submit(root, student, CHAPTER, nb)

    out = cli(root, "grade", CHAPTER, "--workers", 2, *FAST)
    assert "3 graded" in out.stdout and "WITHOUT A SANDBOX" not in out.stdout + out.stderr, out.stdout
    got = scores(root, CHAPTER)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        max_score = float(gb.find_assignment(CHAPTER).max_score)
    assert max_score > 0 and sum(got["correct"].values()) == max_score, got["correct"]
    for student in ("h_fool", "h_read"):
        earned = {g: s for g, s in got[student].items() if s > 0}
        assert not earned, f"{student}: a hostile submission earned points in the gradebook: {earned}"

    # The attack fooled its own notebook run (no error of the run in the test cell), yet the cell scored 0:
    # the grading check decided, and its verdict (its failure as the cell's error) is in the autograded notebook.
    errors, text = _outputs(root, "h_fool", "test_sigmoid_values")
    assert errors == ["GradingCheckFailed"], f"the notebook run was expected to be fooled by {FOOLS_THE_NOTEBOOK}: {errors}"
    assert "Grading check" in text and "FAILED" in text and "showed no error" in text, text
    # The sandboxed kernel saw none of the course: not the worker's course copy with the gradebook above
    # its folder, not the repository's source/ or grading/.
    _, text = _outputs(root, "h_read", "sigmoid")
    assert "found: []" in text, f"the kernel reached the instructor's files: {text[:500]}"
    assert not list(tmp_path.rglob(marker)), "a kernel wrote outside its folder"

    cli(root, "feedback", CHAPTER)
    page = (root / "feedback" / "h_fool" / CHAPTER / f"{CHAPTER}.html").read_text()
    assert "Grading check" in page and "FAILED" in page and "BEGIN HIDDEN TESTS" not in page
    good = (root / "feedback" / "correct" / CHAPTER / f"{CHAPTER}.html").read_text()
    assert "Grading check" in good and "passed" in good and "FAILED" not in good
    cli(root, "export")
    rows = {r["student"]: float(r["score"]) for r in csv.DictReader(open(root / "grades" / "grades.csv"))}
    assert rows == {"correct": max_score, "h_fool": 0.0, "h_read": 0.0}, rows
    report = json.loads((root / "grades" / "class-report.json").read_text())
    mistakes = dict(map(tuple, report["mistakes"][f"{CHAPTER}/test_sigmoid_values"]))
    assert any(m.startswith("GradingCheck") for m in mistakes), mistakes   # named by the check, not "no error"


def test_grade_refuses_without_a_sandbox_and_warns_when_told_to_go_on(tmp_path):
    root = make_course(tmp_path / "course", chapters=(CH,))
    submit(root, "ann", CH, submission("correct"))
    submit(root, "ben", CH, submission("buggy_adds_two"))
    missing = str(tmp_path / "no-such-bwrap")
    refused = cli(root, "grade", *FAST, check=False, DLCOURSE_BWRAP=missing, DLCOURSE_ALLOW_UNSANDBOXED="")
    assert refused.returncode == 2, (refused.stdout, refused.stderr)
    assert "refusing to grade without a sandbox" in refused.stderr and missing in refused.stderr, refused.stderr
    assert "--unsandboxed" in refused.stderr, "the message must say how to go on anyway"
    assert journal(root) == [] and not (root / "gradebook.db").exists()

    ran = cli(root, "grade", *FAST, "--unsandboxed", DLCOURSE_BWRAP=missing)
    assert "WARNING: GRADING WITHOUT A SANDBOX" in ran.stderr, ran.stderr
    assert "WITHOUT A SANDBOX" in ran.stdout and "2 graded" in ran.stdout, ran.stdout
    got = scores(root, CH)   # the grading checks still decide, unsandboxed
    assert sum(got["ann"].values()) == 4 and got["ben"]["test_add_one_values"] == 0, got
