"""Widget latency in a real browser: control change -> plot updated on screen.

Runs the browser test (tests/test_browser.py: JupyterLab in Debian's Chromium,
every lecture notebook, every control) and prints, for each control, the time
from the key press or selection until the plot's pixels changed, with its ratio
to the baseline timed in the same run (one slider driving one ipympl line).
Target: <= 500 ms. Needs /usr/bin/chromium and playwright (`course.py test` as
root installs them).

    python bench/bench_browser.py [-k ch03]
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                           "tests/test_browser.py", *argv], cwd=REPO, capture_output=True, text=True)
    # allowed sys.path edit: the benchmark reuses the tests' own report of the latencies
    sys.path.insert(0, str(REPO / "tests"))
    from conftest import LATENCIES, latency_report

    lines = latency_report(LATENCIES)
    print("\n".join(lines) if lines else "no latencies recorded")
    if proc.returncode != 0:
        print(proc.stdout[-4000:], proc.stderr[-2000:], sep="\n")
    return proc.returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
