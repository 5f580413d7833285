"""The grading tests every chapter shares, driven by its record in ``chapters/``.

A chapter's test file says only

    class TestGrading(ChapterGradingTests):
        chapter = "ch00_review"

and gets, graded with nbgrader itself: full marks for the source solution and every alternative
of ``CHAPTER.correct``; for every ``CHAPTER.mistakes`` entry exactly the cells it names losing
their points, with the message naming the mistake; zero for the released stubs; the graded cells
and points of the record. Mistakes that touch different answer and test cells are packed into
one submission ("round"), so a chapter with 30 mistakes needs a handful of nbgrader submissions.
"""

from __future__ import annotations

from typing import Mapping

import pytest

import chapters
from chapters import Chapter, Mistake
from gradingkit import REPO, GradeResult, answer_sources, grade_variants


def pack_rounds(mistakes: Mapping[str, Mistake]) -> list[list[str]]:
    """Group mistakes into rounds whose replaced answer cells and failing test cells are disjoint."""
    rounds: list[tuple[list[str], set[str], set[str]]] = []
    for name, m in mistakes.items():
        for members, answers, cells in rounds:
            if not (answers & set(m.replace)) and not (cells & m.loses):
                members.append(name)
                answers |= set(m.replace)
                cells |= m.loses
                break
        else:
            rounds.append(([name], set(m.replace), set(m.loses)))
    return [members for members, _, _ in rounds]


def round_problems(result: GradeResult, mistakes: Mapping[str, Mistake], names: list[str]) -> list[str]:
    """What a round's grading got wrong: cells that failed or passed unexpectedly, unnamed mistakes."""
    problems = []
    expected = set().union(*(mistakes[n].loses for n in names))
    failed = result.failed
    for name in names:
        m = mistakes[name]
        kept = {c for c in m.loses if result.scores.get(c, (0, 1))[0] > 0}
        if kept:
            problems.append(f"{name}: these cells should lose all their points but kept some: {sorted(kept)}")
        for cell, text in m.says.items():
            shown = result.failure_text(cell)
            if text not in shown:
                problems.append(f"{name}: the message of {cell} should name the mistake ({text!r}); "
                                f"it says: {shown[-600:]!r}")
    extra = failed - expected
    if extra:
        problems.append(f"cells that lost points though no mistake of this round expects it: {sorted(extra)}"
                        f"\n{result.summary()}")
    return problems


class ChapterGradingTests:
    """Base class of a chapter's grading tests (not collected itself: its name has no Test prefix)."""

    chapter: str = ""

    @classmethod
    def record(cls) -> Chapter:
        return chapters.get(cls.chapter)

    @pytest.fixture(scope="class")
    def graded(self) -> dict[str, GradeResult]:
        rec = self.record()
        variants: dict[str, dict[str, str]] = {name: dict(repl) for name, repl in rec.correct.items()}
        rounds = pack_rounds(rec.mistakes)
        for i, members in enumerate(rounds):
            variants[f"round_{i}"] = {k: v for n in members for k, v in rec.mistakes[n].replace.items()}
        variants["unanswered"] = answer_sources(rec.notebook(REPO, "release"))
        results = grade_variants(rec.name, variants)
        results["_rounds"] = rounds  # type: ignore[assignment]
        return results

    def test_record_is_consistent(self):
        problems = self.record().check()
        assert not problems, f"chapters/{self.chapter}.py: " + "; ".join(problems)

    @pytest.mark.slow
    def test_correct_answers_get_full_marks(self, graded, variant):
        r = graded[variant]
        assert r.max_total > 0, f"{variant}: nothing was graded"
        assert r.total == r.max_total, r.summary()

    @pytest.mark.slow
    def test_mistake_loses_points_with_a_named_message(self, graded, mistake):
        rec = self.record()
        rounds = graded["_rounds"]
        i = next(i for i, members in enumerate(rounds) if mistake in members)
        problems = [p for p in round_problems(graded[f"round_{i}"], rec.mistakes, rounds[i])
                    if p.startswith(f"{mistake}:") or not any(p.startswith(f"{n}:") for n in rounds[i])]
        assert not problems, f"{mistake} (graded together with {rounds[i]}):\n" + "\n".join(problems)

    @pytest.mark.slow
    def test_unanswered_notebook_scores_zero(self, graded):
        r = graded["unanswered"]
        assert r.max_total > 0 and r.total == 0, r.summary()

    @pytest.mark.slow
    def test_graded_cells_and_points_are_the_records(self, graded):
        rec = self.record()
        r = graded["solution"]
        assert set(r.scores) == rec.test_cells, (
            f"graded cells of {rec.name} differ from chapters/{rec.name}.py: only in the notebook "
            f"{sorted(set(r.scores) - rec.test_cells)}, only in the record {sorted(rec.test_cells - set(r.scores))}")
        if rec.points is not None:
            assert r.max_total == rec.points, f"{rec.name}: {r.max_total:g} points, the record says {rec.points}"
