"""`export`: grades as CSV and a class report (pass rates and the most common mistakes).

Writes into ``grades/`` (or ``--out``):

- ``grades.csv``: one row per student and chapter: score, max score, percent
  and status (graded / invalid / not submitted / error, with the reason);
- ``cells.csv``: one row per student and test cell (the raw scores);
- ``pass-rates.png`` and ``class-report.html``: per test cell and per exercise,
  the share of submissions that earned full marks, and the most common
  mistakes, named by the failing assertions' messages (a message that says
  "Your result is exactly what <mistake> gives" counts as <mistake>).

Grades come from the gradebook (the single source of truth), statuses from the
grading journal, failure messages from the autograded notebooks.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import nbformat

from .checks.cells import is_test, meta
from .checks.verdicts import HEADER as CHECK_HEADER
from .course import Course
from .grade import JOURNAL, Journal

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CHECK_FAILED = f"{CHECK_HEADER}: FAILED"  # how annotate() starts the output of a failed grading check
_NAMED = re.compile(r"exactly what (.+?) gives", re.S)
_NUMBER = re.compile(r"(?<![A-Za-z_])[-+]?\d+(\.\d+)?(e[-+]?\d+)?")


def mistake_label(ename: str, evalue: str) -> str:
    """A short name for a failure: the named mistake when the message names one, else its first line."""
    text = _ANSI.sub("", evalue or "").strip()
    named = _NAMED.search(text)
    if named:
        return " ".join(named.group(1).split())
    first = text.splitlines()[0] if text else ""
    first = _NUMBER.sub("#", first)
    label = f"{ename}: {first}" if first else ename
    return label if len(label) <= 160 else label[:157] + "..."


def exercise_of(grade_id: str, exercises: list[str]) -> str:
    """The exercise a test cell belongs to: the longest answer-cell name after ``test_``."""
    best = ""
    for name in exercises:
        if grade_id.startswith(f"test_{name}") and len(name) > len(best):
            best = name
    return best or grade_id


def _failures(course: Course, student: str, chapter: str) -> dict[tuple[str, str], str]:
    """(notebook, grade_id) -> mistake label for every test cell that raised, from the autograded notebooks."""
    found = {}
    folder = course.autograded / student / chapter
    for path in sorted(folder.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            label = _failure(cell) if is_test(cell) else None
            if label:
                found[(path.stem, meta(cell)["grade_id"])] = label
    return found


def _failure(cell) -> str | None:
    """The mistake label of a failed test cell of an autograded notebook, or None."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if errors:  # the last one: after a timeout, the grader's explanation follows the KeyboardInterrupt
        return mistake_label(errors[-1].get("ename", ""), errors[-1].get("evalue", ""))
    # No error in the notebook run (it can be fooled), but the grading check failed: its message.
    for out in cell.get("outputs", []):
        text = out.get("text", "") if out.get("output_type") == "stream" else ""
        text = "".join(text) if isinstance(text, list) else text
        if text.startswith(_CHECK_FAILED):
            return mistake_label("GradingCheck", text.split("\n", 1)[-1].strip())
    return None


def collect_rows(course: Course):
    """Rows of grades.csv and cells.csv, and per-cell statistics for the report."""
    from nbgrader.api import Gradebook

    rows = _Rows(course)
    with Gradebook(course.db_url) as gb:
        students = sorted(s.id for s in gb.students)
        for assignment in sorted(gb.assignments, key=lambda a: a.name):
            rows.add_assignment(gb, assignment, students)
    return rows.grades, rows.cells, rows.stats, rows.exercises


class _Rows:
    """What the export writes, gathered assignment by assignment from the gradebook and the journal."""

    def __init__(self, course: Course):
        self.course = course
        self.journal = Journal(course.autograded / JOURNAL).entries
        self.grades: list[dict] = []
        self.cells: list[dict] = []
        self.stats: dict[tuple[str, str], dict] = {}
        self.exercises: dict[str, list[str]] = {}

    def add_assignment(self, gb, assignment, students: list[str]) -> None:
        from nbgrader.api import MissingEntry

        chapter = assignment.name
        self.exercises[chapter] = sorted({c.name for nb in assignment.notebooks for c in nb.solution_cells})
        for nb in assignment.notebooks:
            for cell in nb.grade_cells:
                self.stats[(chapter, cell.name)] = {"notebook": nb.name, "attempts": 0, "passed": 0,
                                                    "mistakes": Counter(), "max_score": float(cell.max_score),
                                                    "failed_by": set(), "graded": set()}
        for student in students:
            rec = self.journal.get(f"{chapter}/{student}")
            try:
                sub = gb.find_submission(chapter, student)
            except MissingEntry:
                status = "error" if rec and rec["status"] == "error" else "not submitted"
                self.grades.append({"student": student, "chapter": chapter, "score": 0,
                                    "max_score": float(assignment.max_score), "percent": 0.0, "status": status,
                                    "reason": rec["reason"] if rec and status == "error" else ""})
                continue
            self._add_submission(chapter, student, sub, rec)

    def _add_submission(self, chapter: str, student: str, sub, rec: dict | None) -> None:
        status = rec["status"] if rec else "graded"
        reason = rec["reason"] if rec else ""
        if rec and rec.get("problems") and status == "graded":
            reason = "; ".join(rec["problems"])
        score, max_score = float(sub.score), float(sub.max_score)
        self.grades.append({"student": student, "chapter": chapter, "score": score, "max_score": max_score,
                            "percent": round(100 * score / max_score, 1) if max_score else 0.0,
                            "status": status, "reason": reason})
        failures = _failures(self.course, student, chapter) if status == "graded" else {}
        for sub_nb in sub.notebooks:
            for grade in sub_nb.grades:
                s = float(grade.score or 0.0)
                self.cells.append({"student": student, "chapter": chapter, "notebook": sub_nb.name,
                                   "grade_id": grade.name, "score": s, "max_score": float(grade.max_score)})
                if status != "graded":
                    continue
                st = self.stats[(chapter, grade.name)]
                st["attempts"] += 1
                st["graded"].add(student)
                if s >= float(grade.max_score):
                    st["passed"] += 1
                else:
                    st["failed_by"].add(student)
                    st["mistakes"][failures.get((sub_nb.name, grade.name), "lost points (no error message)")] += 1


def _write_csv(path: Path, rows: list[dict], fields: list[str]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _plot(stats, exercises, path: Path) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    keys = sorted(stats)
    labels = [f"{c}: {g}" for c, g in keys]
    rates = [100 * stats[k]["passed"] / stats[k]["attempts"] if stats[k]["attempts"] else 0.0 for k in keys]
    fig = Figure(figsize=(8, 0.35 * len(keys) + 1.2))
    ax = fig.add_subplot()
    colors = ["#c0392b" if r < 50 else "#e67e22" if r < 80 else "#27ae60" for r in rates]
    ax.barh(range(len(keys)), rates, color=colors)
    ax.set_yticks(range(len(keys)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("submissions with full marks (%)")
    ax.set_title("Pass rate per test cell")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    path.write_bytes(buf.getvalue())
    return buf.getvalue()


def _chapters_table(grade_rows) -> list[str]:
    by_chapter = defaultdict(list)
    for row in grade_rows:
        by_chapter[row["chapter"]].append(row)
    parts = ["<h2>Chapters</h2><table><tr><th>chapter</th><th>graded</th><th>mean score</th>"
             "<th>invalid</th><th>not submitted</th><th>errors</th></tr>"]
    for chapter, rows in sorted(by_chapter.items()):
        graded = [r for r in rows if r["status"] == "graded"]
        mean = sum(r["percent"] for r in graded) / len(graded) if graded else 0.0
        count = Counter(r["status"] for r in rows)
        parts.append(f"<tr><td>{html.escape(chapter)}</td><td class=n>{len(graded)}</td><td class=n>{mean:.1f} %</td>"
                     f"<td class=n>{count['invalid']}</td><td class=n>{count['not submitted']}</td>"
                     f"<td class=n>{count['error']}</td></tr>")
    return parts + ["</table>"]


def _chapter_section(chapter: str, stats, exercises, top: int) -> list[str]:
    esc = html.escape
    per_ex = defaultdict(list)
    for (c, gid), st in stats.items():
        if c == chapter:
            per_ex[exercise_of(gid, exercises.get(chapter, []))].append((gid, st))
    parts = [f"<h2>{esc(chapter)}</h2>", "<table><tr><th>exercise</th><th>test cell</th><th>passed</th>"
             "<th>most common mistakes (number of submissions)</th></tr>"]
    for ex in sorted(per_ex):
        for gid, st in sorted(per_ex[ex]):
            rate = f"{st['passed']}/{st['attempts']}" + (
                f" ({100 * st['passed'] / st['attempts']:.0f} %)" if st["attempts"] else "")
            mistakes = "".join(f"<li>{esc(m)} ({n})</li>" for m, n in st["mistakes"].most_common(top))
            parts.append(f"<tr><td>{esc(ex)}</td><td>{esc(gid)}</td><td class=n>{rate}</td>"
                         f"<td><ul>{mistakes}</ul></td></tr>")
    return parts + ["</table>"]


def _report_html(stats, exercises, grade_rows, png: bytes, top: int = 5) -> str:
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>Class report</title>",
             "<style>body{font-family:sans-serif;max-width:1000px;margin:auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}td.n{text-align:right}</style>",
             "</head><body><h1>Class report</h1>", *_chapters_table(grade_rows),
             "<h2>Pass rate per test cell</h2>",
             f"<img alt='pass rates' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"]
    for chapter in sorted({c for c, _ in stats}):
        parts += _chapter_section(chapter, stats, exercises, top)
    parts.append("</body></html>")
    return "\n".join(parts)


def exercise_pass_rates(stats, exercises) -> dict[tuple[str, str], tuple[int, int]]:
    """(chapter, exercise) -> (passed, attempts), where passing an exercise means passing all its test cells."""
    graded, failed = defaultdict(set), defaultdict(set)
    for (chapter, gid), st in stats.items():
        ex = exercise_of(gid, exercises.get(chapter, []))
        graded[(chapter, ex)] |= st["graded"]
        failed[(chapter, ex)] |= st["failed_by"]
    return {k: (len(graded[k] - failed[k]), len(graded[k])) for k in graded}


def export(course: Course, out_dir: str | None = None, out=print) -> int:
    dest = Path(out_dir).resolve() if out_dir else course.root / "grades"
    dest.mkdir(parents=True, exist_ok=True)
    grade_rows, cell_rows, stats, exercises = collect_rows(course)
    _write_csv(dest / "grades.csv", grade_rows, ["student", "chapter", "score", "max_score", "percent", "status",
                                                 "reason"])
    _write_csv(dest / "cells.csv", cell_rows, ["student", "chapter", "notebook", "grade_id", "score", "max_score"])
    png = _plot(stats, exercises, dest / "pass-rates.png")
    (dest / "class-report.html").write_text(_report_html(stats, exercises, grade_rows, png), encoding="utf-8")
    summary = {f"{c}/{ex}": {"passed": p, "attempts": a} for (c, ex), (p, a) in
               sorted(exercise_pass_rates(stats, exercises).items())}
    mistakes = {f"{c}/{g}": st["mistakes"].most_common(5) for (c, g), st in sorted(stats.items())}
    (dest / "class-report.json").write_text(json.dumps({"exercises": summary, "mistakes": mistakes}, indent=1) + "\n")
    out(f"wrote {len(grade_rows)} grade row(s): {dest / 'grades.csv'}, cells.csv, pass-rates.png, class-report.html")
    return 0
