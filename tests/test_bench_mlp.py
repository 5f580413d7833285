"""Smoke run of bench/bench_mlp.py (speed itself is never asserted in tests)."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_bench_mlp_quick_runs_and_prints_ratios():
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench_mlp.py"), "--quick", "--threads", "1", "--no-torch"],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )
    assert proc.returncode == 0, f"bench_mlp.py --quick failed:\n{proc.stdout}\n{proc.stderr}"
    out = proc.stdout
    for needle in ("dlcourse MultiLayerNet", "plain NumPy loop", "float32", "float64", "ratio"):
        assert needle in out, f"{needle!r} missing from the benchmark output:\n{out}"
    assert "WARNING" not in out, f"the contenders did not do the same work:\n{out}"
