"""The hostile corpus (tests/hostile/): no attack gains a single point, correct work keeps full marks.

First the out-of-process checks alone, on every attack. Then the class run, as instructors grade: the
whole corpus through plain `nbgrader autograde` with the course's nbgrader_config.py as it is, and the
same submissions through `python -m dlgrade grade` in a copy of the course. Both give every cell the
same score (the checks decide on every path), full marks to the correct answers, nothing to any attack,
and no attack reaches outside its own folder. (Formgrader's Autograde button: tests/test_formgrader.py.)"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import nbformat
import pytest

from corpus.helpers import cli, journal, scores
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

LIMITS = {"cell_timeout": 10, "notebook_timeout": 120}  # an infinite loop costs 10 s per test cell, on both paths
ATTACKS_THAT_FOOL_THE_RUN = {"h_allclose_patch", "h_input_transformer", "h_sys_modules"}


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


class Listener:
    """A TCP service on the grader's loopback that records whatever reaches it."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
                self.received.append(conn.recv(200))
                conn.close()
            except OSError:
                continue

    def close(self):
        self.stop.set()
        self.thread.join(2)
        self.server.close()


def _gradebook_scores(root: Path) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {sub.student.id: {g.name: float(g.score) for nb in sub.notebooks for g in nb.grades}
                for sub in gb.find_assignment(CHAPTER).submissions}


@pytest.fixture(scope="module")
def class_run(tmp_path_factory, release):
    """The correct answers, the wrong ones and every attack, graded by plain `nbgrader autograde` (the course's
    configuration, with the limits of LIMITS) and by `python -m dlgrade grade` (a copy of the same course)."""
    top = tmp_path_factory.mktemp("class")
    root, copy = top / "nbgrader", top / "dlgrade"
    make_course(CHAPTER, root)
    with open(root / "nbgrader_config.py", "a") as fh:   # only the limits change: the protection is the course's
        fh.write(f"\nc.Execute.timeout = {LIMITS['cell_timeout']}\n"
                 f"c.RobustExecute.notebook_timeout = {LIMITS['notebook_timeout']}\n")
    run_nbgrader(["generate_assignment", CHAPTER, "--force"], cwd=root)
    rel = nbformat.read(root / "release" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    listener, marker = Listener(), new_marker()
    subs = {"correct": build_submission(rel, answer_sources(root / "source" / CHAPTER / f"{CHAPTER}.ipynb")),
            "wrong": build_submission(rel, wrong_answers())}
    subs.update({f"h_{n}": hostile_submission(rel, a, marker, listener.port) for n, a in ATTACKS.items()})
    for student, nb in subs.items():
        folder = root / "submitted" / student / CHAPTER
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{CHAPTER}.ipynb")
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("gradebook.db", "release"))
    try:
        start = time.monotonic()
        autograde = run_nbgrader(["autograde", CHAPTER, "--create", "--force"], cwd=root)
        seconds = {"nbgrader autograde": time.monotonic() - start}
        start = time.monotonic()
        command = cli(copy, "grade", CHAPTER, "--workers", 2, "--cell-timeout", LIMITS["cell_timeout"],
                      "--notebook-timeout", LIMITS["notebook_timeout"])
        seconds["python -m dlgrade grade"] = time.monotonic() - start
        run_nbgrader(["generate_feedback", CHAPTER, "--force"], cwd=root)
        run_nbgrader(["export"], cwd=root)
    finally:
        listener.close()
        leftovers = _markers(marker, [root, copy])
    print(f"class run of {len(subs)} submissions: " + ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items()))
    return {"root": root, "copy": copy, "subs": subs, "nbgrader": _gradebook_scores(root), "grade": scores(copy, CHAPTER),
            "journal": {r["student"]: r for r in journal(copy)}, "log": autograde.stdout + autograde.stderr,
            "grade_output": command.stdout, "received": listener.received, "leftovers": leftovers}


def test_both_paths_grade_everyone(class_run):
    assert set(class_run["nbgrader"]) == set(class_run["subs"]), "nbgrader autograde left submissions ungraded"
    assert {s: r["status"] for s, r in class_run["journal"].items()} == {s: "graded" for s in class_run["subs"]}, \
        class_run["grade_output"]


def test_correct_answers_get_full_marks_on_both_paths(class_run):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{class_run['root'] / 'gradebook.db'}") as gb:
        max_score = float(gb.find_assignment(CHAPTER).max_score)
    assert max_score > 0
    assert sum(class_run["nbgrader"]["correct"].values()) == max_score, class_run["nbgrader"]["correct"]
    assert sum(class_run["grade"]["correct"].values()) == max_score, class_run["grade"]["correct"]


def test_no_attack_gains_a_point_on_either_path(class_run):
    for path in ("nbgrader", "grade"):
        earned = {s: {g: v for g, v in cells.items() if v > 0} for s, cells in class_run[path].items() if s != "correct"}
        earned = {s: cells for s, cells in earned.items() if cells}
        assert not earned, f"{path}: submissions on top of wrong answers earned points: {earned}"


def test_both_paths_give_every_cell_the_same_score(class_run):
    differ = {s: {g: (v, class_run["grade"][s].get(g)) for g, v in cells.items() if class_run["grade"][s].get(g) != v}
              for s, cells in class_run["nbgrader"].items()}
    differ = {s: d for s, d in differ.items() if d}
    assert not differ, f"(nbgrader autograde, dlgrade grade) scores differ: {differ}"


def test_the_notebook_run_is_fooled_but_does_not_count(class_run):
    """Attacks acting inside the kernel still fool the notebook's own run (the threat): their test cells show
    no error of the run, only the grading check's failure, which decides the score."""
    for student in ATTACKS_THAT_FOOL_THE_RUN:
        for root in (class_run["root"], class_run["copy"]):
            nb = nbformat.read(root / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
            cell = next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                        == "test_sigmoid_values")
            errors = [o.get("ename") for o in cell.outputs if o.get("output_type") == "error"]
            assert errors == ["GradingCheckFailed"], f"{student} in {root.name}: errors {errors}"


def test_kernels_cannot_reach_outside(class_run):
    assert class_run["leftovers"] == [], class_run["leftovers"]
    assert class_run["received"] == [], "a sandboxed kernel reached the grader's loopback"
    for root in (class_run["root"], class_run["copy"]):
        graded = nbformat.read(root / "autograded" / "h_read_source" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
        text = "".join(o.get("text", "") for c in graded.cells for o in c.get("outputs", []))
        assert "found: []" in text, f"{root.name}: the kernel saw the instructor's files or the gradebook"
        bomb = nbformat.read(root / "autograded" / "h_fork_bomb" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
        text = "".join(o.get("text", "") for c in bomb.cells for o in c.get("outputs", []))
        assert "forked 0 processes" in text, root.name


def test_feedback_and_export_show_the_checks(class_run):
    root = class_run["root"]
    html = (root / "feedback" / "h_allclose_patch" / CHAPTER / f"{CHAPTER}.html").read_text()
    assert "Grading check" in html and "FAILED" in html and "GradingCheckFailed" in html
    csv = (root / "grades.csv").read_text().splitlines()
    header = csv[0].split(",")
    rows = {line.split(",")[header.index("student_id")]: line.split(",") for line in csv[1:]}
    score_col = header.index("score")
    assert float(rows["correct"][score_col]) == sum(class_run["nbgrader"]["correct"].values())
    assert float(rows["h_allclose_patch"][score_col]) == 0.0
