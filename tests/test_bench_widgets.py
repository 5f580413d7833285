"""The widget benchmark runs (a smoke run: timings are printed by the benchmark, never asserted)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO


@pytest.mark.slow
def test_widget_benchmark_smoke_run():
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "bench_widgets.py"), "--quick"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "widget updates timed" in proc.stdout
    timed = int(proc.stdout.strip().splitlines()[-1].split()[0])
    assert timed >= 4, f"expected the explorers of several chapters to be timed:\n{proc.stdout}"
