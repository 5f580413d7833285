"""Shared pytest set-up: output folder, notebook timing summary, MNIST availability."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "test-output"
TIMINGS = OUTPUT / "notebook-times.tsv"


def pytest_sessionstart(session):
    # Only the controlling process (not an xdist worker) starts a fresh timing file.
    if not hasattr(session.config, "workerinput"):
        OUTPUT.mkdir(exist_ok=True)
        TIMINGS.write_text("")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if hasattr(config, "workerinput") or not TIMINGS.exists():
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
def output_dir() -> Path:
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT
