"""The broken-submission corpus (tests/corpus/) graded by `python -m dlgrade grade`.

Each file of tests/corpus/submissions/ is one student's ch90_synthetic
notebook; tests/corpus/expected.json says what the grader must make of it
(status, score, which test cells lose points, what the report or the failure
says). Also checks, on the same graded class, the feedback (hidden tests
removed, score and assertion message kept) and the export (CSV, class report).
"""

from __future__ import annotations

import csv
import json
import time

import pytest

from corpus.helpers import CH, CORPUS, cli, failure_text, journal, make_course, orphans, scores, submission, submit

EXPECTED = json.loads((CORPUS / "expected.json").read_text())
CASES = EXPECTED["cases"]


def _limits_args(limits: dict) -> list[str]:
    return ["--cell-timeout", limits["cell_timeout"], "--notebook-timeout", limits["notebook_timeout"],
            "--memory-limit", limits.get("memory_limit_mb", EXPECTED["limits"]["memory_limit_mb"])]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("corpus"))
    groups: dict[str, list[str]] = {}
    for name, case in CASES.items():
        submit(root, name, CH, submission(name))
        groups.setdefault(json.dumps(case.get("limits", EXPECTED["limits"]), sort_keys=True), []).append(name)
    outputs = []
    for limits, students in groups.items():
        args = ["grade", CH, "--workers", 2, *_limits_args(json.loads(limits))]
        for s in students:
            args += ["--student", s]
        outputs.append(cli(root, *args))
    cli(root, "feedback", CH)
    cli(root, "export")
    return root, "\n".join(p.stdout for p in outputs), {r["student"]: r for r in journal(root)}


@pytest.mark.parametrize("case", sorted(CASES))
def test_corpus_case_gets_its_expected_outcome(graded, case):
    root, output, records = graded
    want = CASES[case]
    rec = records.get(case)
    assert rec is not None, f"{case}: missing from the grading journal; the grader's output was:\n{output}"
    assert rec["status"] == want["status"], f"{case}: status {rec['status']!r} ({rec['reason']}), expected {want}"
    assert rec["score"] == want["score"], f"{case}: score {rec['score']}, expected {want['score']}: {rec}"
    assert rec["max_score"] == EXPECTED["max_score"]
    # every submission is in the gradebook with the same score (invalid ones with 0)
    got = scores(root, CH)[case]
    assert sum(got.values()) == want["score"]
    lost = sorted(gid for gid, s in got.items() if s == 0)
    assert lost == sorted(want["failed"]), f"{case}: cells without points {lost}, expected {want['failed']}"
    for gid, text in want.get("message", {}).items():
        assert text in failure_text(root, case, CH, gid), f"{case}/{gid}: {failure_text(root, case, CH, gid)!r}"
    if "warning" in want:
        assert any(want["warning"] in p for p in rec["problems"]), f"{case}: problems {rec['problems']}"
    if "reason" in want:
        assert want["reason"] in rec["reason"], rec["reason"]
    for gid in want.get("restored", []):
        assert gid in rec["restored"], f"{case}: {gid} should have been restored: {rec['restored']}"
    if "max_output_chars" in want:
        size = (root / "autograded" / case / CH / f"{CH}.ipynb").stat().st_size
        assert size < want["max_output_chars"], f"{case}: autograded notebook of {size} bytes: output not capped"
    # the summary printed by the command names every submission that is not simply graded
    if want["status"] != "graded" or "warning" in want:
        assert f"{CH}/{case}" in output


def test_nothing_needs_manual_grading(graded):
    from nbgrader.api import Gradebook

    root, _, _ = graded
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        pending = [(s.student.id, g.name) for s in gb.find_assignment(CH).submissions
                   for nb in s.notebooks for g in nb.grades if g.needs_manual_grade or g.auto_score is None]
    assert not pending, f"cells left as 'needs manual grade': {pending}"


def test_no_kernel_outlives_the_grading(graded):
    time.sleep(0.5)
    assert not orphans(), "kernels or workers left running after grading:\n" + "\n".join(orphans())


def test_feedback_hides_hidden_tests_but_keeps_score_and_message(graded):
    root, _, _ = graded
    page = (root / "feedback" / "buggy_adds_two" / CH / f"{CH}.html").read_text()
    assert "hidden_case_secret_add" not in page and "BEGIN HIDDEN TESTS" not in page
    assert "hidden tests: run by the grader, not shown" in page
    assert "add_one(1): expected 2, got 3." in page             # the assertion message
    assert "3.0 / 4.0" in page or "3 / 4" in page               # the notebook's score
    # the autograded notebook itself still holds the hidden tests (nbgrader ran them)
    assert "hidden_case_secret_add" in (root / "autograded" / "buggy_adds_two" / CH / f"{CH}.ipynb").read_text()
    invalid = (root / "feedback" / "invalid_json" / CH / f"{CH}.html").read_text()
    assert "invalid JSON" in invalid and "0 / 4" in invalid


def test_export_csv_and_class_report(graded):
    root, _, _ = graded
    rows = {r["student"]: r for r in csv.DictReader(open(root / "grades" / "grades.csv"))
            if r["chapter"] == CH}
    assert set(rows) == set(CASES)
    for name, case in CASES.items():
        assert float(rows[name]["score"]) == case["score"] and rows[name]["status"] == case["status"]
    assert "invalid JSON" in rows["invalid_json"]["reason"]
    report = json.loads((root / "grades" / "class-report.json").read_text())
    graded_cases = [c for c in CASES.values() if c["status"] == "graded"]
    passed_add = sum(1 for c in graded_cases if "test_add_one_values" not in c["failed"])
    assert report["exercises"][f"{CH}/add_one"] == {"passed": passed_add, "attempts": len(graded_cases)}
    mistakes = dict(map(tuple, report["mistakes"][f"{CH}/test_add_one_values"]))
    assert any("CellTimeoutError" in m for m in mistakes), mistakes
    assert mistakes.get("adding 2 instead of 1") == 1, mistakes      # named by the failing assertion
    html = (root / "grades" / "class-report.html").read_text()
    assert "data:image/png;base64," in html and "test_safe_mean_values" in html
    assert (root / "grades" / "pass-rates.png").read_bytes()[:4] == b"\x89PNG"
