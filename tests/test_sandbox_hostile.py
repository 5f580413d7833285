"""The hostile corpus (tests/hostile/): no attack gains a single point, correct work keeps full marks,
and the class run (nbgrader with sandboxed kernels, then the out-of-process checks) finishes
without any attack reaching outside its own folder."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import nbformat
import pytest

from gradingkit import answer_sources, make_course, run_nbgrader
from sandboxkit import (CHAPTER, REPO, attacks, build_submission, hostile_submission, new_marker, require_sandbox,
                        wrong_answers)

ATTACKS = attacks()
SOURCE = REPO / "source" / CHAPTER / f"{CHAPTER}.ipynb"


@pytest.fixture(scope="module")
def release():
    require_sandbox()
    return nbformat.read(REPO / "release" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)


@pytest.fixture(scope="module")
def quick_spec():
    from dlgrade.spec import NotebookSpec

    return NotebookSpec(cell_timeout=3.0, total_timeout=60.0)  # the infinite loop costs 3 s per test cell


@pytest.fixture(scope="module")
def baseline(release, quick_spec):
    from dlgrade.checks import grade_notebook

    return grade_notebook(SOURCE, build_submission(release, wrong_answers()), quick_spec)


def test_corpus_covers_the_issue():
    wanted = {"allclose_patch", "input_transformer", "read_source", "redefine_assertion", "patch_np_testing",
              "sys_modules", "env_detect", "caller_frame", "fork_bomb", "write_outside", "network"}
    assert wanted <= set(ATTACKS), sorted(wanted - set(ATTACKS))


def test_wrong_answers_underneath_score_zero(baseline):
    assert baseline.max_total > 0 and baseline.total == 0, baseline.scores


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_gains_nothing(release, quick_spec, baseline, name):
    from dlgrade.checks import grade_notebook

    marker = new_marker()
    r = grade_notebook(SOURCE, hostile_submission(release, ATTACKS[name], marker, port=9), quick_spec)
    gained = {g: (s, baseline.scores[g][0]) for g, (s, _) in r.scores.items() if s > baseline.scores[g][0]}
    assert set(r.scores) == set(baseline.scores)
    assert not gained, f"{name} gained points: {gained}"
    assert not _markers(marker, []), f"{name} wrote outside the sandbox"


def test_correct_code_with_noise_keeps_full_marks(release):
    """Prints, warnings, a magic, a helper defined in the answer cell and files written to /tmp are fine."""
    from dlgrade.checks import grade_notebook

    answers = answer_sources(SOURCE)
    answers["sigmoid"] = ("%matplotlib inline\nimport warnings\nprint('hello')\nwarnings.warn('just noise')\n"
                          "open('/tmp/scratch.txt', 'w').write('x')\n" + answers["sigmoid"])
    r = grade_notebook(SOURCE, build_submission(release, answers))
    assert r.total == r.max_total > 0, (r.messages, r.answer_errors)


def test_a_cell_that_exits_breaks_only_itself(release):
    from dlgrade.checks import grade_notebook

    answers = answer_sources(SOURCE)
    answers["quiz_sigmoid_grad_from_output"] = "import os\nos._exit(3)\n"
    r = grade_notebook(SOURCE, build_submission(release, answers))
    assert r.failed == {"test_quiz_sigmoid_grad_from_output"}, r.scores
    assert "ended the Python process" in r.answer_errors["quiz_sigmoid_grad_from_output"]


# ------------------------------------------------------------------------------------------ class run

def _markers(marker: str, roots: list[Path]) -> list[str]:
    """Marker files the attacks may have left (and removes them)."""
    places = [Path(p) for p in ("/", "/tmp", "/var/tmp", "/dev/shm", "/work", "/work/main", "/root", "/usr",
                                os.path.expanduser("~"), str(REPO), str(REPO.parent))]
    found = []
    for place in places:
        path = place / marker
        if path.exists():
            found.append(str(path))
            path.unlink()
    for root in roots:
        for path in root.rglob(marker):
            found.append(str(path))
    return found


@pytest.fixture(scope="module")
def class_run(tmp_path_factory, release):
    """A class of the correct, the wrong and every kernel-level hostile submission, graded as an
    instructor would: nbgrader autograde with sandboxed kernels, then the out-of-process checks."""
    root = tmp_path_factory.mktemp("class")
    make_course(CHAPTER, root)
    with open(root / "nbgrader_config.py", "a") as fh:
        fh.write("\nfrom dlgrade.sandbox.kernel import sandboxed_autograde_preprocessors\n"
                 "c.Autograde.autograde_preprocessors = sandboxed_autograde_preprocessors()\n")
    run_nbgrader(["generate_assignment", CHAPTER, "--force"], cwd=root)
    rel = nbformat.read(root / "release" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    received: list[bytes] = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                received.append(conn.recv(200))
                conn.close()
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    marker = new_marker()
    subs = {"correct": build_submission(rel, answer_sources(root / "source" / CHAPTER / f"{CHAPTER}.ipynb")),
            "wrong": build_submission(rel, wrong_answers())}
    subs.update({f"h_{n}": hostile_submission(rel, a, marker, port) for n, a in ATTACKS.items()
                 if getattr(a, "KERNEL", False)})
    for student, nb in subs.items():
        folder = root / "submitted" / student / CHAPTER
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{CHAPTER}.ipynb")
    gradebook_before = None
    try:
        run_nbgrader(["autograde", CHAPTER, "--create", "--force"], cwd=root)
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
            notebook_scores = {s: float(gb.find_submission(CHAPTER, s).score) for s in subs}
        from dlgrade.checks import grade_course

        lines: list[str] = []
        hidden = grade_course(root, CHAPTER, workers=2, out=lines.append)
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
            final = {s: float(gb.find_submission(CHAPTER, s).score) for s in subs}
            max_score = float(gb.find_submission(CHAPTER, "correct").max_score)
        run_nbgrader(["generate_feedback", CHAPTER, "--force"], cwd=root)
        run_nbgrader(["export"], cwd=root)
    finally:
        stop.set()
        thread.join(2)
        server.close()
        leftovers = _markers(marker, [root])
    return {"root": root, "subs": subs, "notebook": notebook_scores, "hidden": hidden, "final": final,
            "max": max_score, "received": received, "leftovers": leftovers, "lines": lines,
            "gradebook_before": gradebook_before}


def test_class_run_grades_everyone(class_run):
    assert set(class_run["final"]) == set(class_run["subs"])
    assert all(line.lstrip().startswith("graded") for line in class_run["lines"]), class_run["lines"]


def test_correct_submission_gets_full_marks(class_run):
    assert class_run["final"]["correct"] == class_run["max"] > 0


def test_no_hostile_submission_scores(class_run):
    scores = {s: v for s, v in class_run["final"].items() if s != "correct"}
    assert scores and all(v == 0 for v in scores.values()), scores


def test_notebook_run_is_not_what_counts(class_run):
    """Attacks that act inside the kernel still fool the notebook's own run (that is the threat);
    the gradebook holds the out-of-process score instead."""
    fooled = {s for s, v in class_run["notebook"].items() if s.startswith("h_") and v > 0}
    assert {"h_allclose_patch", "h_input_transformer", "h_sys_modules"} <= fooled, class_run["notebook"]
    assert all(class_run["final"][s] == 0 for s in fooled)


def test_kernels_cannot_reach_outside(class_run):
    assert class_run["leftovers"] == [], class_run["leftovers"]
    assert class_run["received"] == [], "a sandboxed kernel reached the grader's loopback"
    graded = nbformat.read(class_run["root"] / "autograded" / "h_read_source" / CHAPTER / f"{CHAPTER}.ipynb",
                           as_version=4)
    text = "".join(o.get("text", "") for c in graded.cells for o in c.get("outputs", []))
    assert "found: []" in text, "the kernel saw the instructor's files or the gradebook"
    bomb = nbformat.read(class_run["root"] / "autograded" / "h_fork_bomb" / CHAPTER / f"{CHAPTER}.ipynb",
                         as_version=4)
    text = "".join(o.get("text", "") for c in bomb.cells for o in c.get("outputs", []))
    assert "forked 0 processes" in text


def test_feedback_and_export_show_the_checks(class_run):
    root = class_run["root"]
    html = (root / "feedback" / "h_allclose_patch" / CHAPTER / f"{CHAPTER}.html").read_text()
    assert "Grading check" in html and "FAILED" in html
    csv = (root / "grades.csv").read_text().splitlines()
    rows = {line.split(",")[3]: line for line in csv[1:]} if csv else {}
    header = csv[0].split(",")
    score_col = header.index("score")
    assert float(rows["correct"].split(",")[score_col]) == class_run["max"]
    assert float(rows["h_allclose_patch"].split(",")[score_col]) == 0.0
