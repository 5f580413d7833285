"""The course in a real browser: JupyterLab in Debian's Chromium, driven by Playwright.

For every lecture notebook: restart the kernel and run all cells, check that no
cell shows an error, then move every widget control and check that the plot it
drives changed on screen (canvas or image content differs). Screenshots go to
test-output/browser/, widget latencies (control change -> plot updated on
screen) to test-output/widget-latency.tsv, printed at the end of the run.
Also opens nbgrader's formgrader and checks that it lists the chapters.

In CI (CI=true) a missing browser is a failure, never a silent skip.
"""

from __future__ import annotations


import pytest

from browser import (browser_missing_reason, chromium, copy_course, exercise_widgets, lab_server, require_or_skip,
                     run_all_cells, saved_errors, write_baseline_notebook)
from conftest import REPO

import chapters

LECTURES = [f"{name}.ipynb" for name in chapters.names()]
CHAPTERS = chapters.names()
# Chapters whose lecture notebook must offer at least one widget explorer (their records say so).
WIDGET_CHAPTERS = {c.name for c in chapters.all_chapters() if c.widgets}

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _require_browser():
    require_or_skip(browser_missing_reason(), "the browser test")


@pytest.fixture(scope="module")
def session(tmp_path_factory, output_dir):
    _require_browser()
    root = copy_course(REPO, tmp_path_factory.mktemp("lab"))
    write_baseline_notebook(root / "baseline.ipynb")
    shots = output_dir / "browser"
    shots.mkdir(exist_ok=True)
    with lab_server(root, shots) as server, chromium() as browser:
        yield server, browser, shots


def _record(output_dir, results):
    with (output_dir / "widget-latency.tsv").open("a") as f:
        for r in results:
            latency = f"{r.latency_ms:.0f}" if r.latency_ms is not None else "nan"
            f.write(f"{r.notebook}\t{r.control}\t{latency}\t{'ok' if r.changed else 'UNCHANGED: ' + r.detail}\n")


def test_baseline_widget_updates_on_screen(session, output_dir):
    server, browser, shots = session
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        run_all_cells(page, server, "baseline.ipynb")
        results = exercise_widgets(page, "baseline")
        _record(output_dir, results)
        assert len(results) == 1 and results[0].changed, [r.__dict__ for r in results]
    finally:
        page.close()


@pytest.mark.parametrize("name", LECTURES, ids=[n.removesuffix(".ipynb") for n in LECTURES])
def test_lecture_notebook_runs_and_every_widget_responds(session, output_dir, name):
    server, browser, shots = session
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        try:
            seconds = run_all_cells(page, server, f"notebooks/{name}")
        except Exception:
            page.screenshot(path=str(shots / f"{name.removesuffix('.ipynb')}-FAILED.png"))
            raise
        errors = saved_errors(server.root / "notebooks" / name)
        assert not errors, f"{name}: run all in JupyterLab ({seconds:.0f} s) left errors: {errors}"
        results = exercise_widgets(page, name.removesuffix(".ipynb"))
        page.screenshot(path=str(shots / f"{name.removesuffix('.ipynb')}.png"))
        _record(output_dir, results)
        if name.removesuffix(".ipynb") in WIDGET_CHAPTERS:
            assert results, f"{name}: no widget control found after running all cells"
        unchanged = [f"{r.control}: {r.detail}" for r in results if not r.changed]
        assert not unchanged, f"{name}: these controls did not change their plot on screen: {unchanged}"
    finally:
        page.close()


def test_formgrader_lists_the_chapters(session):
    server, browser, shots = session
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(server.url("formgrader/manage_assignments"))
        page.wait_for_selector("text=Manage Assignments", timeout=60_000)
        for chapter in CHAPTERS:
            page.wait_for_selector(f"text={chapter}", timeout=30_000)
        page.screenshot(path=str(shots / "formgrader.png"))
    finally:
        page.close()
