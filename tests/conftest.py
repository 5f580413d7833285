"""Shared pytest set-up: output folder, notebook timing summary, MNIST availability."""

from __future__ import annotations

import os
from pathlib import Path

# Tests run two at a time on two cores: one BLAS thread per process (before NumPy is imported,
# and inherited by the kernels that notebook tests start). A multi-threaded BLAS in each worker
# oversubscribes the CPU and made NumPy training many times slower.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

# Grading in tests is protected, as where a class is graded, whatever the shell exported: the tests-only
# switch of dlgrade.pipeline is passed only by tests/gradingkit.py's grade_variants (the chapter tests).
os.environ.pop("DLGRADE_TESTS_SCORE_BY_NOTEBOOK_RUN", None)

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "test-output"
TIMINGS = OUTPUT / "notebook-times.tsv"
LATENCIES = OUTPUT / "widget-latency.tsv"


def pytest_generate_tests(metafunc):
    """Chapter grading tests (tests/chapterkit.py): one test per correct variant and per mistake of
    the chapter's record."""
    chapter = getattr(metafunc.cls, "chapter", None) if metafunc.cls else None
    if not chapter:
        return
    import chapters

    record = chapters.get(chapter)
    if "variant" in metafunc.fixturenames:
        metafunc.parametrize("variant", list(record.correct))
    if "mistake" in metafunc.fixturenames:
        metafunc.parametrize("mistake", list(record.mistakes))


def pytest_sessionstart(session):
    # Only the controlling process (not an xdist worker) starts a fresh timing file.
    if not hasattr(session.config, "workerinput"):
        OUTPUT.mkdir(exist_ok=True)
        TIMINGS.write_text("")
        LATENCIES.write_text("")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if hasattr(config, "workerinput"):
        return
    _print_latencies(terminalreporter)
    if not TIMINGS.exists():
        return
    rows = [line.split("\t") for line in TIMINGS.read_text().splitlines() if line.strip()]
    if not rows:
        return
    terminalreporter.section("notebook execution times (2 cores, limit in brackets)")
    for path, seconds, limit in sorted(rows):
        flag = "" if float(seconds) <= float(limit) else "   <-- OVER THE LIMIT"
        terminalreporter.write_line(f"{float(seconds):7.1f} s  [{float(limit):4.0f} s]  {path}{flag}")


def mnist_available() -> bool:
    """True when MNIST can be read without a download (env var folder or cache)."""
    from dlcourse import data

    try:
        return data.mnist_is_available()
    except AttributeError:  # pragma: no cover - older loader
        return bool(os.environ.get("DLCOURSE_MNIST_DIR"))


@pytest.fixture(scope="session")
def mnist():
    """``load_mnist()`` (normalised, flattened, integer labels), read once per test process; the test is
    skipped where MNIST cannot be read (CI points DLCOURSE_MNIST_DIR at the shared copy)."""
    from dlcourse.data import load_mnist

    try:
        return load_mnist()
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"MNIST not available: {exc}")


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT


def latency_report(path: Path) -> list[str]:
    """The widget latencies the browser test recorded, as lines with the ratio to the baseline."""
    if not path.exists():
        return []
    rows = [line.split("\t") for line in path.read_text().splitlines() if line.strip()]
    if not rows:
        return []
    base = [float(r[2]) for r in rows if r[0] == "baseline" and r[2] != "nan"]
    baseline = base[0] if base else float("nan")
    lines = [f"baseline (one slider, one ipympl line, same run): {baseline:.0f} ms; target <= 500 ms"]
    for notebook, control, ms, status in rows:
        if notebook == "baseline":
            continue
        value = float(ms)
        ratio = value / baseline if baseline == baseline and baseline > 0 and value == value else float("nan")
        flag = "   <-- SLOW" if value == value and value > 500 else ""
        lines.append(f"{value:7.0f} ms  x{ratio:4.1f}  {notebook:28s} {control:34s} {status}{flag}")
    return lines


def _print_latencies(terminalreporter):
    lines = latency_report(LATENCIES)
    if not lines:
        return
    terminalreporter.section("widget latency in Chromium: control change -> plot updated on screen")
    for line in lines:
        terminalreporter.write_line(line)
