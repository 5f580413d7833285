"""The instructor workflow on synthetic chapters: release, collect, grade (idempotent, resumable,
retrying kernels), feedback and export. Grading always goes through the real command line."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import zipfile

import pytest

from corpus.helpers import (CH, OTHER, cli, env, journal, make_course, orphans, scores, submission, submit,
                            with_answer)
from dlgrade.collect import collect
from dlgrade.course import Course
from dlgrade.release import diff_release, release
from gradingkit import run_nbgrader

FAST = ["--cell-timeout", "10", "--notebook-timeout", "60", "--memory-limit", "1536"]


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_release_is_exactly_what_nbgrader_generates(tmp_path):
    root = make_course(tmp_path / "course")
    lines = []
    assert release(Course.open(root), out=lines.append) == 0
    assert lines == [f"release/{CH}: generated from source/{CH}", f"release/{OTHER}: generated from source/{OTHER}"]
    reference = make_course(tmp_path / "reference")
    for chapter in (CH, OTHER):
        run_nbgrader(["generate_assignment", chapter, "--force"], cwd=reference)
        assert diff_release(reference / "release" / chapter, root / "release" / chapter) == []
    assert release(Course.open(root), check=True, out=lines.append) == 0
    # a hand edit of the release is caught, and named
    nb = root / "release" / CH / f"{CH}.ipynb"
    nb.write_text(nb.read_text().replace("Implement two small functions", "Implement 2 small functions"))
    report = []
    assert release(Course.open(root), check=True, out=report.append) == 1
    assert any(f"release/{CH} is STALE" in line and f"{CH}.ipynb" in line for line in report), report
    assert any(f"release/{OTHER}: up to date" in line for line in report), report


def test_collect_sorts_an_lms_zip_and_reports_everything_it_cannot_place(tmp_path):
    root = make_course(tmp_path / "course")
    good = submission("correct").read_bytes()
    other = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    download = tmp_path / "download.zip"
    with zipfile.ZipFile(download, "w") as zf:
        zf.writestr("doejane_12345_67890_ch90_synthetic.ipynb", good)                        # Canvas
        zf.writestr("Ann Lee_555_assignsubmission_file_/ch90_synthetic.ipynb", good)          # Moodle
        zf.writestr("bob/ch91_other/ch91_other.ipynb", other)                                 # plain, by chapter
        zf.writestr(zipfile.ZipInfo("carl/ch90_synthetic.ipynb", (2024, 1, 1, 10, 0, 0)), b"old")
        zf.writestr(zipfile.ZipInfo("carl/ch90_synthetic-1.ipynb", (2024, 1, 2, 10, 0, 0)), good)  # newer
        zf.writestr("__MACOSX/carl/._ch90_synthetic.ipynb", b"junk")
        zf.writestr("carl/notes.txt", b"my notes")
        zf.writestr("dave/homework.ipynb", good)                                              # no chapter
        zf.writestr("eve/ch90_synthetic.ipynb", good)                                         # not on the roster
        zf.writestr("ch90_synthetic.ipynb", good)                                             # no student
    roster = tmp_path / "roster.csv"
    roster.write_text("student,name\ndoejane,Jane Doe\nann_lee,Ann Lee\nbob,Bob\ncarl,Carl\ndave,Dave\n")
    lines = []
    assert collect(Course.open(root), str(download), roster=str(roster), out=lines.append) == 0
    sub = root / "submitted"
    assert (sub / "doejane" / CH / f"{CH}.ipynb").read_bytes() == good
    assert (sub / "ann_lee" / CH / f"{CH}.ipynb").read_bytes() == good
    assert (sub / "bob" / OTHER / f"{OTHER}.ipynb").read_bytes() == other
    assert (sub / "carl" / CH / f"{CH}.ipynb").read_bytes() == good   # the newer of two files
    report = (sub / "_collect-report.txt").read_text()
    not_collected = [line for line in report.splitlines() if line.startswith("NOT COLLECTED")]
    for name, why in [("carl/ch90_synthetic.ipynb", "older file"), ("carl/notes.txt", "not a notebook"),
                      ("dave/homework.ipynb", "not a notebook of any chapter"),
                      ("eve/ch90_synthetic.ipynb", "not on the roster"), ("ch90_synthetic.ipynb", "no student")]:
        assert any(line.split()[2] == name + ":" and why in line for line in not_collected), (name, report)
        assert (sub / "_unmatched" / name.replace("/", "__")).exists()
    assert "__MACOSX" in report                       # even archiver junk is listed, as ignored
    assert len(not_collected) == 5 and "5 file(s) NOT collected" in "\n".join(lines)
    assert sorted(p.name for p in sub.iterdir() if p.is_dir() and not p.name.startswith("_")) == \
        ["ann_lee", "bob", "carl", "doejane"]
    # collecting the same download again changes nothing
    lines.clear()
    collect(Course.open(root), str(download), roster=str(roster), out=lines.append)
    assert "0 new, 0 updated, 4 unchanged" in lines[0]


def test_grade_all_chapters_then_rerun_changes_nothing_then_only_the_changed_one(tmp_path):
    root = make_course(tmp_path / "course")
    submit(root, "ann", CH, submission("correct"))
    submit(root, "ben", CH, submission("buggy_adds_two"))
    submit(root, "cat", CH, submission("unanswered_release"))
    submit(root, "cat", OTHER, submission("correct"))     # a ch90 notebook handed in as ch91
    first = cli(root, "grade", *FAST)
    assert "grading 4 submission(s)" in first.stdout and "4 graded" in first.stdout
    assert scores(root, CH) == {
        "ann": {"test_add_one_values": 1, "test_safe_mean_values": 2, "test_quiz_letter": 1},
        "ben": {"test_add_one_values": 0, "test_safe_mean_values": 2, "test_quiz_letter": 1},
        "cat": {"test_add_one_values": 0, "test_safe_mean_values": 0, "test_quiz_letter": 0}}
    assert scores(root, OTHER) == {"cat": {"test_double_values": 0}}
    assert f"{OTHER}/cat" in first.stdout and "none of the chapter's answer cells" in first.stdout

    files = {p: (p.stat().st_mtime_ns, _digest(p)) for p in (root / "autograded").rglob("*.ipynb")}
    db = _digest(root / "gradebook.db")
    again = cli(root, "grade", *FAST)
    assert "grading 0 submission(s)" in again.stdout and "4 already graded" in again.stdout
    assert _digest(root / "gradebook.db") == db
    assert {p: (p.stat().st_mtime_ns, _digest(p)) for p in (root / "autograded").rglob("*.ipynb")} == files

    submit(root, "ben", CH, submission("correct"))          # ben resubmits a fixed notebook
    third = cli(root, "grade", CH, *FAST)
    assert "grading 1 submission(s)" in third.stdout and "2 already graded" in third.stdout
    assert sum(scores(root, CH)["ben"].values()) == 4
    keys = [r["key"] for r in journal(root)]
    assert keys.count(f"{CH}/ann") == 1 and keys.count(f"{CH}/ben") == 2


def test_kernel_start_failures_are_retried_and_never_lose_a_submission(tmp_path):
    root = make_course(tmp_path / "course", chapters=(CH,))
    submit(root, "ann", CH, submission("correct"))
    fail_file = tmp_path / "fail-count"
    fail_file.write_text("1")                      # the first kernel start fails
    out = cli(root, "grade", "--workers", 1, *FAST, DLCOURSE_SANDBOX_FAIL_FILE=str(fail_file))
    rec = journal(root)[-1]
    assert rec["status"] == "graded" and rec["score"] == 4, rec
    assert any("failed to start 1 time" in p for p in rec["problems"]), rec["problems"]

    submit(root, "bob", CH, submission("correct"))
    fail_file.write_text("100")                    # every start fails: bob cannot be graded now
    out = cli(root, "grade", "--workers", 1, *FAST, check=False, DLCOURSE_SANDBOX_FAIL_FILE=str(fail_file))
    assert out.returncode == 1, out.stdout
    assert "ERROR    ch90_synthetic/bob" in out.stdout and "failed to start 3 times" in out.stdout
    assert "1 could not be graded" in out.stdout
    assert "bob" not in scores(root, CH)           # never recorded as a zero
    report = json.loads((root / "autograded" / "grading-report.json").read_text())
    assert {r["student"]: r["status"] for r in report["submissions"]} == {"ann": "graded", "bob": "error"}
    out = cli(root, "grade", *FAST)               # the cause is gone: only bob is graded
    assert "grading 1 submission(s)" in out.stdout and sum(scores(root, CH)["bob"].values()) == 4


def test_an_interrupted_run_resumes_without_regrading(tmp_path):
    root = make_course(tmp_path / "course", chapters=(CH,))
    slow = with_answer("correct", "add_one", "import time\ntime.sleep(1.5)\n\ndef add_one(x):\n    return x + 1")
    students = ["s1", "s2", "s3", "s4"]
    for s in students:
        submit(root, s, CH, slow)
    proc = subprocess.Popen([sys.executable, "-m", "dlgrade", "--root", str(root), "grade", "--workers", "1",
                             *FAST], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env(),
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while not journal(root) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)             # Ctrl-C in the terminal
    output, _ = proc.communicate(timeout=60)
    done = {r["student"] for r in journal(root)}
    assert proc.returncode == 130 or not (set(students) - done), output
    if proc.returncode == 130:
        assert "interrupted" in output and "run the same command again" in output
    assert 1 <= len(done) < len(students) or proc.returncode == 0
    time.sleep(1.0)
    assert not orphans(), "a worker or kernel of the interrupted run is still running:\n" + "\n".join(orphans())
    resumed = cli(root, "grade", "--workers", 2, *FAST)
    assert f"grading {len(students) - len(done)} submission(s)" in resumed.stdout
    assert f"{len(done)} already graded" in resumed.stdout
    keys = [r["student"] for r in journal(root)]
    assert sorted(keys) == students, f"each submission is graded exactly once: {keys}"
    assert all(sum(v.values()) == 4 for v in scores(root, CH).values()) and len(scores(root, CH)) == 4


@pytest.mark.parametrize("argv", [["grade", "ch99_nope"], ["feedback", "nope"]])
def test_unknown_chapter_is_a_clear_error(tmp_path, argv):
    root = make_course(tmp_path / "course", chapters=(CH,))
    out = cli(root, *argv, check=False)
    assert out.returncode == 2 and "unknown chapter" in out.stderr and CH in out.stderr
