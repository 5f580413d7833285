"""release/ is exactly what nbgrader generates from source/ (never edited by hand)."""

from __future__ import annotations

import json

import pytest

from conftest import REPO
from gradingkit import make_course, run_nbgrader

import chapters

CHAPTERS = chapters.names()


def _normalised(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return json.dumps(nb, sort_keys=True, indent=1)


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_release_matches_a_fresh_generation(chapter, tmp_path):
    make_course(chapter, tmp_path)
    run_nbgrader(["generate_assignment", chapter, "--force"], cwd=tmp_path)
    fresh = {p.relative_to(tmp_path / "release" / chapter): p for p in (tmp_path / "release" / chapter).rglob("*")
             if p.is_file()}
    committed = {p.relative_to(REPO / "release" / chapter): p for p in (REPO / "release" / chapter).rglob("*")
                 if p.is_file()}
    assert sorted(fresh) == sorted(committed), (
        f"release/{chapter} holds {sorted(map(str, committed))} but nbgrader generates {sorted(map(str, fresh))}. "
        f"Regenerate: nbgrader generate_assignment {chapter} --force")
    for rel, path in fresh.items():
        same = (_normalised(path) == _normalised(committed[rel])) if path.suffix == ".ipynb" \
            else path.read_bytes() == committed[rel].read_bytes()
        assert same, (f"release/{chapter}/{rel} differs from what nbgrader generates from source/{chapter}: "
                      f"someone edited the release by hand or forgot to regenerate it "
                      f"(nbgrader generate_assignment {chapter} --force).")
