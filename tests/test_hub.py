"""A term on the class server, in Chromium: JupyterHub with nbgrader's exchange (deploy/jupyterhub).

One hub, started with the README's command (`python3 course.py hub ROSTER`) on 127.0.0.1 with a
fresh exchange and accounts made for the test: course A (this course) with an instructor and two
students, course B (a copy under another course id) with its own instructor and student. The
tests run in order, as the term does:

1. the instructor logs in and releases a chapter from formgrader; B's instructor releases one
   from the command line;
2. a student logs in, sees only her course's chapter in the Assignments tab, fetches it, solves it,
   validates and submits it there; B's student sees only B's chapter;
3. the other student can neither read the submission, nor the instructor's source/, nor submit as
   her: `--student` is refused, and a submission folder he forges in her name is refused by collect;
4. the instructor collects in formgrader, grades with the course's sandboxed `grade`, writes the
   scrubbed feedback, exports the grades (the student who never submitted has 0) and releases the
   feedback from formgrader;
5. the student fetches her feedback in the Assignments tab and reads it: her score, no hidden test.

Everything started is stopped at the end, also on failure (tests/hubkit.py). Needs root, Linux and
Debian's chromium; in CI a missing piece is a failure, elsewhere a skip.
"""

from __future__ import annotations

import csv
import datetime
import html as html_module
import json
import os
import re
import stat
from pathlib import Path

import nbformat
import pytest

from browser import chromium, require_or_skip
from conftest import REPO
from gradingkit import answer_sources
from hubkit import PREFIX, class_server, hub_missing_reason, load_hubctl, login, open_assignments_tab

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COURSE = load_hubctl().repo_course_id()
OTHER_COURSE = "dl-day2-copy"
CHAPTER = "ch02_initialization"          # course A, released from formgrader
OTHER_CHAPTER = "ch01_vanishing_gradients"  # course B, released from the command line
TEACH, ANN, BEN = f"{PREFIX}teach", f"{PREFIX}ann", f"{PREFIX}ben"
TEACH2, CID = f"{PREFIX}teach2", f"{PREFIX}cid"
ROSTER = [
    {"username": TEACH, "role": "instructor", "first_name": "Ada", "last_name": "Lovelace"},
    {"username": ANN, "role": "student", "first_name": "Ann", "last_name": "Ito"},
    {"username": BEN, "role": "student", "first_name": "Ben", "last_name": "Sato"},
    {"username": TEACH2, "role": "instructor", "course": OTHER_COURSE},
    {"username": CID, "role": "student", "course": OTHER_COURSE},
]


@pytest.fixture(scope="module")
def hub(output_dir):
    require_or_skip(hub_missing_reason(), "the class-server test")
    mnist = Path(os.environ["DLCOURSE_MNIST_DIR"]) if os.environ.get("DLCOURSE_MNIST_DIR") else None
    shots = output_dir / "hub"
    shots.mkdir(exist_ok=True)
    for old in shots.glob("FAILED-*"):
        old.unlink()
    with class_server(ROSTER, mnist=mnist if mnist and mnist.is_dir() else None) as server, chromium() as browser:
        term = {"server": server, "browser": browser, "shots": shots, "pages": {}}
        yield term
        for page in term["pages"].values():
            page.context.close()


@pytest.fixture(autouse=True)
def screenshots_on_failure(request, hub):
    """When a step fails, every user's page as it was goes to test-output/hub/ (and the hub's log tail)."""
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before:
        for user, page in hub["pages"].items():
            try:
                page.screenshot(path=str(hub["shots"] / f"FAILED-{request.node.name}-{user}.png"))
            except Exception:  # the page may be gone with the failure
                pass
        log = hub["server"].log
        if log.exists():
            (hub["shots"] / f"FAILED-{request.node.name}-jupyterhub.log").write_text(log.read_text()[-20000:])


def page_of(term, user):
    if user not in term["pages"]:
        term["pages"][user] = login(term["browser"], term["server"], user)
    return term["pages"][user]


def shot(term, page, name):
    page.screenshot(path=str(term["shots"] / f"{name}.png"))


def attempt(server, user, action, path) -> str:
    """What happens when ``user`` tries to list or read ``path``: 'ok' or the error's name."""
    op = {"list": "os.listdir(p)", "read": "open(p, 'rb').read(1)", "write": "open(p, 'ab').close()"}[action]
    out = server.python_as(user, f"import os\np = {str(path)!r}\ntry:\n    {op}\n    print('ok')\n"
                                 f"except OSError as e:\n    print(type(e).__name__)")
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def modal_text(page) -> str:
    page.wait_for_selector("#success-modal, #error-modal", state="visible", timeout=300_000)
    modal = page.locator("#success-modal, #error-modal").first
    text = modal.inner_text()
    ok = modal.get_attribute("id") == "success-modal"
    modal.locator(".modal-footer button").first.click()
    page.wait_for_selector("#success-modal, #error-modal", state="detached", timeout=30_000)
    assert ok, f"formgrader reported an error:\n{text}"
    return text


def formgrader_row(page, server, chapter):
    page.goto(f"{server.url}/user/{TEACH}/formgrader/manage_assignments")
    row = page.locator("tr", has=page.locator(f"td a:text-is('{chapter}')"))
    row.wait_for(timeout=60_000)
    return row


# 1 -------------------------------------------------------------------------------------------------

def test_instructor_releases_a_chapter_from_formgrader(hub):
    server = hub["server"]
    page = page_of(hub, TEACH)
    row = formgrader_row(page, server, CHAPTER)
    for other in ("ch00_review", "ch07_troubleshooting"):
        assert page.locator(f"td a:text-is('{other}')").count() == 1, f"formgrader does not list {other}"
    row.locator(".glyphicon-education").click()          # Generate: nbgrader generate_assignment
    assert "Successfully created the student version" in modal_text(page)
    row = formgrader_row(page, server, CHAPTER)
    row.locator(".glyphicon-cloud-upload").click()       # Release to the exchange
    assert "Successfully released" in modal_text(page)
    shot(hub, page, "1-formgrader-released")
    released = server.exchange(COURSE) / "outbound" / CHAPTER / f"{CHAPTER}.ipynb"
    assert released.is_file(), f"formgrader's release left nothing in {released.parent}"
    # What students receive has no solution and no hidden test.
    text = released.read_text()
    assert "### BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text


def test_second_instructor_releases_from_the_command_line(hub):
    server = hub["server"]
    folder = server.home(TEACH2) / OTHER_COURSE
    # The course folder came with the committed release/ (what generate_assignment writes): release it.
    out = server.run_as(TEACH2, ["nbgrader", "release_assignment", OTHER_CHAPTER], cwd=folder)
    assert out.returncode == 0, out.stdout + out.stderr
    assert (server.exchange(OTHER_COURSE) / "outbound" / OTHER_CHAPTER / f"{OTHER_CHAPTER}.ipynb").is_file()


# 2 -------------------------------------------------------------------------------------------------

def test_student_fetches_solves_validates_and_submits_in_the_assignments_tab(hub):
    server = hub["server"]
    page = page_of(hub, ANN)
    open_assignments_tab(page)
    released = page.locator("#released_assignments_list .list_item")
    released.first.wait_for(timeout=60_000)
    listing = page.locator("#released_assignments_list").inner_text()
    assert CHAPTER in listing and COURSE in listing
    assert OTHER_CHAPTER not in listing and OTHER_COURSE not in listing, (
        f"a student of {COURSE} sees course {OTHER_COURSE}'s assignments: {listing}")
    released.filter(has_text=CHAPTER).locator("button", has_text="Fetch").click()
    page.locator("#fetched_assignments_list .assignment-notebooks-link", has_text=CHAPTER).wait_for(timeout=60_000)
    fetched = server.home(ANN) / COURSE / CHAPTER / f"{CHAPTER}.ipynb"
    assert fetched.is_file() and fetched.stat().st_uid == server.home(ANN).stat().st_uid

    # She solves it (the test types the course's solutions into her notebook, as her, in her folder).
    solutions = answer_sources(REPO / "source" / CHAPTER / f"{CHAPTER}.ipynb")
    nb = nbformat.read(fetched, as_version=4)
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in solutions:
            cell.source = solutions[grade_id]
    script = f"import sys, nbformat\nnbformat.write(nbformat.reads(sys.stdin.read(), as_version=4), {str(fetched)!r})"
    out = server.run_as(ANN, [server.python, "-c", script], input=nbformat.writes(nb))
    assert out.returncode == 0, out.stderr

    page.locator("#fetched_assignments_list .assignment-notebooks-link", has_text=CHAPTER).click()
    page.locator("#fetched_assignments_list button", has_text="Validate").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=300_000)
    verdict = dialog.inner_text()
    shot(hub, page, "2-student-validated")
    assert "Success! Your notebook passes all the tests." in verdict, verdict
    dialog.locator("button").last.click()
    page.locator("#fetched_assignments_list button", has_text="Submit").first.click()
    page.locator("#submitted_assignments_list .list_item", has_text=CHAPTER).first.wait_for(timeout=120_000)
    shot(hub, page, "2-student-submitted")

    inbound = server.exchange(COURSE) / "inbound"
    mine = sorted(inbound.glob(f"{ANN}+{CHAPTER}+*"))
    assert len(mine) == 1, f"expected one submission of {ANN} in {inbound}, found {mine}"
    hub["submission"] = mine[0]
    # Private to her and the instructors: no permission for other accounts, the instructors' group.
    staff = os.stat(inbound).st_gid
    for path in [mine[0], *mine[0].rglob("*")]:
        st = os.stat(path)
        assert not st.st_mode & stat.S_IRWXO, f"{path} is open to other users: {oct(st.st_mode)}"
        assert st.st_gid == staff, f"{path} does not belong to the instructors' group"


def test_every_kernel_finds_the_course_library_and_mnist(hub):
    server = hub["server"]
    if not server.settings["users"][BEN]["env"].get("DLCOURSE_MNIST_DIR"):
        pytest.skip("no MNIST files on this machine (DLCOURSE_MNIST_DIR) to give the class")
    # A student's Python, with the environment of her JupyterLab and kernels, and no internet needed.
    out = server.python_as(BEN, "from dlcourse.data import load_mnist\n"
                                "(x, t), _ = load_mnist()\nprint(x.shape[1], int(t.max()))")
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["784", "9"], out.stdout


def test_other_course_sees_only_its_own_assignments(hub):
    server = hub["server"]
    page = page_of(hub, CID)
    open_assignments_tab(page)
    page.locator("#released_assignments_list .list_item").first.wait_for(timeout=60_000)
    listing = page.locator("#released_assignments_list").inner_text()
    shot(hub, page, "2-other-course")
    assert OTHER_CHAPTER in listing and OTHER_COURSE in listing, listing
    assert CHAPTER not in listing, f"a student of {OTHER_COURSE} sees {COURSE}'s {CHAPTER}: {listing}"
    # The same holds below the interface: the other course's exchange folder is closed to him,
    # and asking nbgrader for that course by name gives nothing.
    assert attempt(server, CID, "list", server.exchange(COURSE)) == "PermissionError"
    assert attempt(server, ANN, "list", server.exchange(OTHER_COURSE)) == "PermissionError"
    assert attempt(server, CID, "read", server.exchange(COURSE) / "outbound" / CHAPTER / f"{CHAPTER}.ipynb") \
        == "PermissionError"


# 3 -------------------------------------------------------------------------------------------------

def test_another_student_cannot_read_the_submission_or_the_course(hub):
    server = hub["server"]
    submission = hub["submission"]
    inbound = server.exchange(COURSE) / "inbound"
    assert attempt(server, BEN, "list", inbound) == "PermissionError", "students can list the submissions"
    # Even with the exact, unguessable path in hand:
    for path in [submission / f"{CHAPTER}.ipynb", submission / "submission_secret.txt"]:
        assert attempt(server, BEN, "read", path) == "PermissionError", f"{BEN} can read {path}"
        assert attempt(server, BEN, "write", path) == "PermissionError", f"{BEN} can change {path}"
    course = server.course_folder(COURSE)
    for path in [course / "source" / CHAPTER / f"{CHAPTER}.ipynb", course / "grading" / f"{CHAPTER}.py",
                 course / "gradebook.db"]:
        assert attempt(server, BEN, "read", path) == "PermissionError", f"a student can read {path}"
    assert attempt(server, BEN, "list", server.home(ANN)) == "PermissionError", "homes are not private"
    for path in [server.state / "initial-passwords.csv", server.state / "hub" / "jupyterhub.sqlite"]:
        assert attempt(server, BEN, "read", path) == "PermissionError", f"a student can read {path}"
    # The instructor can read both.
    assert attempt(server, TEACH, "read", submission / f"{CHAPTER}.ipynb") == "ok"
    assert attempt(server, TEACH, "read", course / "source" / CHAPTER / f"{CHAPTER}.ipynb") == "ok"


def test_another_student_cannot_submit_as_her(hub):
    server = hub["server"]
    inbound = server.exchange(COURSE) / "inbound"
    out = server.run_as(BEN, ["nbgrader", "fetch_assignment", CHAPTER, "--course", COURSE])
    assert out.returncode == 0, out.stdout + out.stderr
    before = sorted(p.name for p in inbound.iterdir())
    out = server.run_as(BEN, ["nbgrader", "submit", CHAPTER, "--course", COURSE,
                              f"--CourseDirectory.student_id={ANN}"])
    assert out.returncode != 0 and "can only submit as yourself" in out.stdout + out.stderr, out.stdout + out.stderr
    assert sorted(p.name for p in inbound.iterdir()) == before, "the refused submission left something in inbound"
    # Writing a submission folder in her name by hand, newer than hers, with the empty notebook:
    later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    stamp = later.strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    forged = inbound / f"{ANN}+{CHAPTER}+{stamp}+forged"
    own_copy = server.home(BEN) / COURSE / CHAPTER / f"{CHAPTER}.ipynb"
    code = (f"import os, shutil\nd = {str(forged)!r}\nos.mkdir(d)\n"
            f"shutil.copyfile({str(own_copy)!r}, os.path.join(d, {CHAPTER + '.ipynb'!r}))\n"
            f"open(os.path.join(d, 'timestamp.txt'), 'w').write({stamp!r})\nprint('planted')")
    out = server.python_as(BEN, code)
    assert out.stdout.strip() == "planted", out.stderr
    hub["forged"] = forged


# 4 -------------------------------------------------------------------------------------------------

def test_instructor_collects_grades_and_releases_feedback(hub):
    server, hubctl = hub["server"], load_hubctl()
    page = page_of(hub, TEACH)
    row = formgrader_row(page, server, CHAPTER)
    row.locator(".glyphicon-cloud-download").click()     # Collect from the exchange
    log = modal_text(page)
    assert "Refused" in log and "forged" in log, f"collect did not report the forged submission:\n{log}"
    course = server.home(TEACH) / COURSE
    submitted = course / "submitted"
    assert sorted(p.name for p in submitted.iterdir() if not p.name.startswith("_")) == [ANN], (
        f"collect should bring in {ANN}'s submission only: {sorted(p.name for p in submitted.iterdir())}")
    collected = nbformat.read(submitted / ANN / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    solutions = answer_sources(REPO / "source" / CHAPTER / f"{CHAPTER}.ipynb")
    answers = {c.metadata.nbgrader.grade_id: c.source for c in collected.cells
               if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") in solutions}
    assert answers == solutions, "the collected notebook is not the one she submitted (the forged one won?)"

    # The course's own grading commands, as the instructor in a terminal in ~/<course>.
    for step in (["grade", CHAPTER], ["feedback", CHAPTER], ["export"]):
        out = server.run_as(TEACH, hubctl.grading_command(*step, python=server.python), cwd=course)
        assert out.returncode == 0, f"{' '.join(step)} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    with (course / "grades" / "grades.csv").open() as f:
        rows = {(r["student"], r["chapter"]): r for r in csv.DictReader(f)}
    ann, ben = rows[(ANN, CHAPTER)], rows[(BEN, CHAPTER)]
    assert float(ann["score"]) == float(ann["max_score"]) > 0, ann
    assert float(ben["score"]) == 0 and "not submitted" in ben["status"], ben
    hub["score"] = (float(ann["score"]), float(ann["max_score"]))

    # formgrader shows the grades (the gradebook the commands wrote) ...
    page.goto(f"{server.url}/user/{TEACH}/formgrader/manage_students")
    page.locator("td", has_text=BEN).first.wait_for(timeout=60_000)
    students = page.locator("table").inner_text()
    assert ANN in students and BEN in students, students
    page.goto(f"{server.url}/user/{TEACH}/formgrader/manage_students/{ANN}")
    score_row = page.locator("tr", has_text=CHAPTER).first
    score_row.wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    shot(hub, page, "4-formgrader-student")
    expected = f"{float(ann['score']):g} / {float(ann['max_score']):g}"
    assert expected in score_row.inner_text(), f"formgrader shows {score_row.inner_text()!r}, not {expected}"
    # ... and releases the feedback the course's command wrote.
    row = formgrader_row(page, server, CHAPTER)
    row.locator(".glyphicon-envelope").click()
    modal_text(page)
    assert list((server.exchange(COURSE) / "feedback").glob("*.html")), "no feedback in the exchange"


# 5 -------------------------------------------------------------------------------------------------

def _hidden_test_lines() -> list[str]:
    """Code lines that only the hidden tests hold (not also somewhere in what students receive)."""
    released = (REPO / "release" / CHAPTER / f"{CHAPTER}.ipynb").read_text()
    lines = []
    for cell in nbformat.read(REPO / "source" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4).cells:
        hidden = False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                hidden = True
            elif "END HIDDEN TESTS" in line:
                hidden = False
            elif hidden and len(line.strip()) > 20 and json.dumps(line.strip())[1:-1] not in released:
                lines.append(line.strip())
    assert lines, f"{CHAPTER} has no hidden test line to look for"
    return lines


def test_student_fetches_and_reads_her_feedback(hub):
    server = hub["server"]
    page = page_of(hub, ANN)
    page.reload()
    page.wait_for_selector(".jp-LabShell", timeout=120_000)
    open_assignments_tab(page)
    item = page.locator("#submitted_assignments_list .list_item", has_text=CHAPTER).first
    item.locator("button", has_text="Fetch Feedback").click()
    folder = server.home(ANN) / COURSE / CHAPTER / "feedback"
    for _ in range(120):
        found = list(folder.glob(f"*/{CHAPTER}.html")) if folder.exists() else []
        if found:
            break
        page.wait_for_timeout(500)
    assert found, f"no feedback fetched into {folder}"
    rel = found[0].relative_to(server.home(ANN))
    page.goto(f"{server.url}/user/{ANN}/files/{rel}")
    page.wait_for_load_state()
    text = page.locator("body").inner_text()
    shot(hub, page, "5-student-feedback")
    score, max_score = hub["score"]
    assert f"{CHAPTER} (Score: {score} / {max_score})" in text, f"her score is not on the page: {text[:500]}"
    # The code as a reader sees it (no syntax-highlighting tags): her answers are there, hidden tests not.
    shown = html_module.unescape(re.sub(r"<[^>]+>", "", found[0].read_text()))
    answers = [line.strip() for source in answer_sources(REPO / "source" / CHAPTER / f"{CHAPTER}.ipynb").values()
               for part in source.split("### BEGIN SOLUTION")[1:]
               for line in part.split("### END SOLUTION")[0].splitlines() if len(line.strip()) > 12]
    assert answers and all(line in shown for line in answers), (
        "her answers are not all in the feedback as text: the check for hidden tests below would see nothing")
    leaked = [line for line in _hidden_test_lines() if line in shown]
    assert not leaked, f"the feedback shows hidden tests: {leaked[:3]}"
