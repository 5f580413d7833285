"""Grade a synthetic class with plain `nbgrader autograde` and with `python -m dlgrade grade`.

    python bench/bench_grading.py [--students 60] [--chapters ch02_initialization ch04_optimizers]
                                  [--synthetic] [--workers N] [--repeats 2] [--quick]

The class: ``--students`` students, each handing in every chosen chapter; a
third of the notebooks are correct (the source solutions), a third buggy (one
exercise returns None), a third empty (the release as handed out). By default
the first two chapters of source/ are used (``--synthetic``: the two tiny
chapters of tests/corpus/, which isolates the per-notebook overhead).

Both tools grade identical copies of the course in the same run. The baseline
is nbgrader's own sequential command, run the way an instructor would: one
``nbgrader autograde CHAPTER --create --force`` per chapter. Since issue 14 it
runs the course's protected pipeline (nbgrader_config.py: sandboxed kernel and
out-of-process checks), the same steps as the parallel command. The parallel
command runs ``--repeats`` times (``--force``: everything regraded). Every run
must grade every submission, and both must give every student the same scores;
the script prints the times and the ratio (target: at least 2x on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus" / "course" / "source"


def _env() -> dict:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    return env


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def build_class(root: Path, chapters: list[str], source: Path, students: int) -> dict[str, int]:
    """Course with the chapters' sources and submissions; returns {chapter: number of submissions}."""
    from dlgrade.course import Course
    from dlgrade.release import release

    root.mkdir(parents=True)
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    for ch in chapters:
        shutil.copytree(source / ch, root / "source" / ch)
        checks = REPO / "grading" / f"{ch}.py"   # the grading checks: both tools grade with the same pipeline
        if source == REPO / "source" and checks.is_file():
            (root / "grading").mkdir(exist_ok=True)
            shutil.copy2(checks, root / "grading" / checks.name)
    release(Course.open(root), chapters, out=lambda *_: None)  # also puts the assignments in gradebook.db
    counts = {}
    for ch in chapters:
        for src in sorted((root / "source" / ch).glob("*.ipynb")):
            solved_src = nbformat.read(src, as_version=4)
            solutions = {_meta(c)["grade_id"]: c.source for c in solved_src.cells
                         if _meta(c).get("solution") and c.cell_type == "code"}
            answer_ids = [g for g in solutions if "def " in solutions[g]]
            rel = nbformat.read(root / "release" / ch / src.name, as_version=4)
            for i in range(students):
                nb = nbformat.from_dict(rel)
                kind = ("correct", "buggy", "empty")[i % 3]
                if kind != "empty":
                    broken = answer_ids[i % len(answer_ids)] if (kind == "buggy" and answer_ids) else None
                    for cell in nb.cells:
                        gid = _meta(cell).get("grade_id")
                        if gid in solutions and _meta(cell).get("solution"):
                            cell.source = solutions[gid]
                            if gid == broken:  # keep the signature, return nothing
                                head = next(line for line in solutions[gid].splitlines() if line.startswith("def "))
                                cell.source = head + "\n    return None"
                dest = root / "submitted" / f"student{i:03d}" / ch
                dest.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, dest / src.name)
        counts[ch] = students
    return counts


def graded_scores(root: Path, chapters: list[str]) -> dict[tuple[str, str], float]:
    from nbgrader.api import Gradebook

    out = {}
    db = root / "gradebook.db"
    if not db.exists():
        return out
    with Gradebook(f"sqlite:///{db}") as gb:
        for ch in chapters:
            try:
                subs = gb.find_assignment(ch).submissions
            except Exception:  # noqa: BLE001 - assignment never created: nothing graded
                continue
            for sub in subs:
                grades = [g for nb in sub.notebooks for g in nb.grades]
                if grades and all(g.auto_score is not None for g in grades):
                    out[(ch, sub.student.id)] = float(sub.score)
    return out


def run(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        print(f"  note: `{' '.join(cmd[-4:])}` exited with {proc.returncode}: {proc.stderr[-500:]}")
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--chapters", nargs="*")
    parser.add_argument("--synthetic", action="store_true", help="grade the tiny chapters of tests/corpus/")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=2, help="runs of the parallel command")
    parser.add_argument("--keep", help="copy the graded courses to this folder (for inspection)")
    parser.add_argument("--quick", action="store_true", help="smoke test: 6 students, 1 parallel run")
    args = parser.parse_args(argv)
    if args.quick:
        args.students, args.repeats = 6, 1
    source = CORPUS if args.synthetic else REPO / "source"
    chapters = args.chapters or sorted(p.name for p in source.glob("ch*") if any(p.glob("*.ipynb")))[:2]
    if len(chapters) < 1:
        print("no chapter to grade in", source)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        counts = build_class(tmp / "class", chapters, source, args.students)
        total = sum(counts.values())
        print(f"class: {args.students} students x {len(chapters)} chapters ({', '.join(chapters)}) = {total} "
              f"notebooks, a third each correct / buggy / empty; {os.cpu_count()} cores")
        shutil.copytree(tmp / "class", tmp / "nbgrader")
        nbgrader = str(Path(sys.executable).parent / "nbgrader")
        t_seq = sum(run([nbgrader, "autograde", ch, "--create", "--force"], tmp / "nbgrader") for ch in chapters)
        seq = graded_scores(tmp / "nbgrader", chapters)
        print(f"nbgrader autograde (sequential): {t_seq:7.1f} s  {t_seq / total:5.2f} s/notebook  "
              f"graded {len(seq)}/{total}")
        times, lost, mismatched = [], 0, 0
        for r in range(args.repeats):
            shutil.rmtree(tmp / "parallel", ignore_errors=True)
            shutil.copytree(tmp / "class", tmp / "parallel")
            cmd = [sys.executable, "-m", "dlgrade", "grade", "--quiet"]
            if args.workers:
                cmd += ["--workers", str(args.workers)]
            t = run(cmd, tmp / "parallel")
            par = graded_scores(tmp / "parallel", chapters)
            lost += total - len(par)
            mismatched += sum(1 for k, v in seq.items() if k in par and par[k] != v)
            times.append(t)
            print(f"dlgrade grade, run {r + 1}:           {t:7.1f} s  {t / total:5.2f} s/notebook  "
                  f"graded {len(par)}/{total}")
        best = min(times)
        print(f"ratio (sequential nbgrader / parallel, best of {len(times)}): {t_seq / best:.2f}x  "
              f"(mean of runs: {t_seq / (sum(times) / len(times)):.2f}x)")
        print(f"lost submissions across {len(times)} parallel run(s): {lost}; nbgrader lost {total - len(seq)}; "
              f"scores different from nbgrader's: {mismatched}")
        if args.keep:
            keep = Path(args.keep)
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(tmp, keep)
        return 0 if lost == 0 and mismatched == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
