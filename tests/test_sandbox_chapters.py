"""The out-of-process checks grade every chapter like nbgrader does: full marks for the source
solutions and for each chapter test's alternative correct implementations, 0 for the released stubs,
and every known bug loses points in the cells its chapter test names, with the same teaching message.

The variants come from the chapter tests themselves (tests/test_chNN_*.py), so a new alternative or
bug there is checked here too. Submissions are graded in parallel processes, like a class run.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
import nbformat
import pytest

from sandboxkit import REPO, build_submission, require_sandbox

import chapters

CHAPTERS = chapters.names()


def _cases(chapter: str):
    """(correct {name: replacements}, bugs {name: (replacements, cells that lose points, {cell: substring})})
    from the chapter's record (chapters/<chapter>.py)."""
    record = chapters.get(chapter)
    correct = {k: dict(v) for k, v in record.correct.items()}
    bugs = {k: (dict(m.replace), set(m.loses), dict(m.says)) for k, m in record.mistakes.items()}
    return correct, bugs


def _grade(args):
    chapter, replacements = args
    from dlgrade.checks import grade_notebook
    from dlgrade.spec import load

    source = REPO / "source" / chapter / f"{chapter}.ipynb"
    release = nbformat.read(REPO / "release" / chapter / f"{chapter}.ipynb", as_version=4)
    src = nbformat.read(source, as_version=4)
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in src.cells
                 if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}
    answers = dict(solutions) if replacements is not None else {}
    answers.update(replacements or {})
    specs, _ = load(REPO, chapter)
    return grade_notebook(source, build_submission(release, answers), specs.get(chapter)).to_dict()


@pytest.fixture(scope="module")
def graded():
    require_sandbox()
    jobs, keys = [], []
    for chapter in CHAPTERS:
        keys.append((chapter, "__stubs__"))
        jobs.append((chapter, None))
        correct, bugs = _cases(chapter)
        for name, repl in {**correct, **{k: v[0] for k, v in bugs.items()}}.items():
            keys.append((chapter, name))
            jobs.append((chapter, repl))
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_grade, jobs, chunksize=4))
    return dict(zip(keys, results))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_correct_implementations_get_full_marks(graded, chapter):
    names = sorted(_cases(chapter)[0])
    assert "solution" in names, f"chapters/{chapter}.py: its `correct` has no 'solution' entry"
    for name in names:
        r = graded[(chapter, name)]
        lost = {g: r["messages"][g][:300] for g, (s, m) in r["scores"].items() if s < m}
        assert r["scores"] and not lost, f"{chapter}/{name} lost points: {lost}; problems: {r['problems']}; " \
                                         f"answer errors: {r['answer_errors']}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_released_stubs_score_zero(graded, chapter):
    r = graded[(chapter, "__stubs__")]
    got = {g: s for g, (s, m) in r["scores"].items() if s > 0}
    assert r["scores"] and not got, f"{chapter}: the unanswered notebook earned points in {got}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_bugs_lose_points_with_the_notebooks_message(graded, chapter):
    bugs = _cases(chapter)[1]
    assert bugs, f"chapters/{chapter}.py names no mistakes: every chapter's record lists its classic mistakes"
    problems = []
    for name, (_, cells, substrings) in bugs.items():
        r = graded[(chapter, name)]
        failed = {g for g, (s, m) in r["scores"].items() if s < m}
        if not cells <= failed:
            problems.append(f"{name}: expected {sorted(cells)} to lose points, lost {sorted(failed)}")
        for cell, sub in substrings.items():
            if sub not in r["messages"].get(cell, ""):
                problems.append(f"{name}: the message of {cell} does not contain {sub!r}: "
                                f"{r['messages'].get(cell, '')[:300]!r}")
    assert not problems, "\n".join(problems)


def test_every_chapter_is_graded():
    assert set(CHAPTERS) == {p.name for p in (REPO / "source").iterdir() if p.is_dir()}


def test_specs_load_and_name_real_cells():
    """grading/<chapter>.py files load and their extra checks name test cells that exist."""
    from dlgrade.spec import load

    for chapter in CHAPTERS:
        specs, _ = load(REPO, chapter)
        nb = nbformat.read(REPO / "source" / chapter / f"{chapter}.ipynb", as_version=4)
        ids = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
        for name, spec in specs.items():
            assert (REPO / "source" / chapter / f"{name}.ipynb").exists(), f"grading/{chapter}.py: no notebook {name}"
            unknown = set(spec.extra_checks) - ids
            assert not unknown, f"grading/{chapter}.py: extra checks for unknown cells {sorted(unknown)}"
