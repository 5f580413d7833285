"""End to end on a real chapter: a zip of two submissions -> grades, feedback, CSV and class report."""

from __future__ import annotations

import csv
import zipfile

import nbformat
import pytest

from conftest import REPO
from corpus.helpers import cli, make_course, scores
from gradingkit import answer_sources, run_nbgrader

CHAPTERS = sorted(p.name for p in (REPO / "source").glob("ch*") if (p / f"{p.name}.ipynb").exists())


def _hidden_lines(source_nb) -> list[str]:
    """Distinctive code lines that only the hidden tests contain."""
    lines = []
    for cell in nbformat.read(source_nb, as_version=4).cells:
        hidden = False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                hidden = True
            elif "END HIDDEN TESTS" in line:
                hidden = False
            elif hidden and len(line.strip()) > 25 and line.strip() not in cell.source.split("### BEGIN HIDDEN")[0]:
                lines.append(line.strip())
    return lines


@pytest.mark.slow
@pytest.mark.skipif(not CHAPTERS, reason="source/ has no chapter yet: the end-to-end test needs a real chapter")
def test_zip_to_feedback_csv_and_report_on_a_real_chapter(tmp_path):
    chapter = CHAPTERS[0]
    root = make_course(tmp_path / "course", chapters=(chapter,), source=REPO / "source")
    run_nbgrader(["generate_assignment", chapter, "--force"], cwd=root)
    release = nbformat.read(root / "release" / chapter / f"{chapter}.ipynb", as_version=4)
    solutions = answer_sources(root / "source" / chapter / f"{chapter}.ipynb")
    solved = nbformat.from_dict(release)
    for cell in solved.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in solutions and cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            cell.source = solutions[gid]
    download = tmp_path / "download.zip"
    with zipfile.ZipFile(download, "w") as zf:
        zf.writestr(f"alice/{chapter}.ipynb", nbformat.writes(solved))
        zf.writestr(f"bruno_1001_2002_{chapter}.ipynb", nbformat.writes(release))
    cli(root, "collect", download)
    out = cli(root, "grade", chapter)
    assert "2 graded" in out.stdout, out.stdout
    got = scores(root, chapter)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        max_score = float(gb.find_assignment(chapter).max_score)
    assert sum(got["alice"].values()) == max_score, f"the source solutions must get full marks: {got['alice']}"
    assert sum(got["bruno"].values()) < max_score
    cli(root, "feedback", chapter)
    page = (root / "feedback" / "bruno" / chapter / f"{chapter}.html").read_text()
    assert "BEGIN HIDDEN TESTS" not in page
    for line in _hidden_lines(root / "source" / chapter / f"{chapter}.ipynb"):
        assert line not in page, f"hidden test code shown in the feedback: {line!r}"
    assert "NotImplementedError" in page
    cli(root, "export")
    rows = list(csv.DictReader(open(root / "grades" / "grades.csv")))
    assert {(r["student"], float(r["score"])) for r in rows} == {("alice", max_score),
                                                                ("bruno", sum(got["bruno"].values()))}
    assert (root / "grades" / "class-report.html").exists()
