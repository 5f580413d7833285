"""formgrader's Autograde button grades like `python -m dlgrade grade` (issue 14), in Chromium.

An instructor's JupyterLab (tests/browser.py) serves a course folder holding the course's
nbgrader_config.py as it is, ch01's source and grading checks, and four submissions: the correct
answers, the wrong ones, and two attacks from tests/hostile/ that fool the notebook's own run (a patched
numpy.allclose; an input transformer that empties the test cells), on top of the wrong answers. On
formgrader's Manage Submissions page the test presses each submission's Autograde button, as an instructor
does. The gradebook then holds, cell by cell, the scores that `python -m dlgrade grade` gives the same
submissions in a copy of the course: full marks for the correct answers, nothing for the others; and
formgrader shows them. (The whole corpus on the command-line paths: tests/test_sandbox_hostile.py.)
"""

from __future__ import annotations

import shutil

import nbformat
import pytest

from browser import browser_missing_reason, chromium, lab_server, require_or_skip
from corpus.helpers import cli, scores
from gradingkit import answer_sources, make_course, run_nbgrader
from sandboxkit import CHAPTER, attacks, build_submission, hostile_submission, new_marker, require_sandbox, wrong_answers

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ATTACKS = ("allclose_patch", "input_transformer")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    require_or_skip(browser_missing_reason(), "the formgrader test")
    require_sandbox()
    top = tmp_path_factory.mktemp("formgrader")
    root, copy = top / "course", top / "dlgrade"
    make_course(CHAPTER, root)
    run_nbgrader(["generate_assignment", CHAPTER, "--force"], cwd=root)
    release = nbformat.read(root / "release" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    found, marker = attacks(), new_marker()
    subs = {"correct": build_submission(release, answer_sources(root / "source" / CHAPTER / f"{CHAPTER}.ipynb")),
            "wrong": build_submission(release, wrong_answers())}
    subs.update({f"h_{name}": hostile_submission(release, found[name], marker, port=9) for name in ATTACKS})
    for student, nb in subs.items():
        folder = root / "submitted" / student / CHAPTER
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{CHAPTER}.ipynb")
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("gradebook.db", "release"))
    return {"root": root, "copy": copy, "students": sorted(subs)}


@pytest.fixture(scope="module")
def formgraded(course, output_dir):
    """Every submission autograded with formgrader's button; what each row showed afterwards."""
    root, shots = course["root"], output_dir / "formgrader"
    shots.mkdir(exist_ok=True)
    shown = {}
    with lab_server(root, shots) as server, chromium() as browser:
        # formgrader's own pages call its API without the token: send it with every request, as the login
        # cookie of a logged-in instructor would be.
        context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                      extra_http_headers={"Authorization": f"token {server.token}"})
        page = context.new_page()
        try:
            for student in course["students"]:
                row = _row(page, server, student)
                row.locator("td.autograde a").click()
                modal = page.locator("#success-modal, #error-modal")
                modal.first.wait_for(state="visible", timeout=300_000)
                text = modal.first.inner_text()
                assert modal.first.get_attribute("id") == "success-modal", f"formgrader failed on {student}:\n{text}"
                assert f"Successfully autograded '{CHAPTER}' for student '{student}'" in text, text
                modal.first.locator(".modal-footer button").first.click()
                modal.first.wait_for(state="detached", timeout=30_000)
                shown[student] = _row(page, server, student).locator("td.score").inner_text().strip()
            page.screenshot(path=str(shots / "manage-submissions.png"), full_page=True)
        except Exception:
            page.screenshot(path=str(shots / "FAILED.png"), full_page=True)
            raise
    return shown


def _row(page, server, student):
    page.goto(server.url(f"formgrader/manage_submissions/{CHAPTER}"))
    row = page.locator("tr", has=page.locator(f"td.student-id:text-is('{student}')"))
    row.wait_for(timeout=60_000)
    return row


def test_the_button_grades_every_submission_like_the_grade_command(course, formgraded):
    by_button = scores(course["root"], CHAPTER)
    assert set(by_button) == set(course["students"]), by_button
    cli(course["copy"], "grade", CHAPTER, "--workers", 2)
    by_command = scores(course["copy"], CHAPTER)
    assert by_button == by_command, f"formgrader {by_button}\n!= python -m dlgrade grade {by_command}"


def test_correct_answers_get_full_marks_and_attacks_nothing(course, formgraded):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course['root'] / 'gradebook.db'}") as gb:
        top = float(gb.find_assignment(CHAPTER).max_score)
    got = {s: sum(v.values()) for s, v in scores(course["root"], CHAPTER).items()}
    assert got == {s: (top if s == "correct" else 0.0) for s in course["students"]}, got
    # ... and formgrader's own table says so
    assert formgraded["correct"] == f"{top:g} / {top:g}", formgraded
    for student in course["students"]:
        if student != "correct":
            assert formgraded[student] == f"0 / {top:g}", formgraded


def test_the_attacks_fooled_only_the_notebook_run(course, formgraded):
    for name in ATTACKS:
        nb = nbformat.read(course["root"] / "autograded" / f"h_{name}" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
        cell = next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                    == "test_sigmoid_values")
        assert [o.get("ename") for o in cell.outputs if o.get("output_type") == "error"] == ["GradingCheckFailed"]
