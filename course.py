#!/usr/bin/env python3
"""One entry point for students, instructors and CI: sets everything up, then runs it.

    python3 course.py lab      set up (first time only) and open the course in JupyterLab
    python3 course.py test     set up (first time only) and run every test (as root it also
                               installs Debian's chromium and bubblewrap for some tests)
    python3 course.py setup    only set up: a virtual environment in .venv with the pinned packages

Needs nothing but Python 3.11 or newer. The set-up creates `.venv/` next to
this file and installs the course library (`lib/dlcourse`, editable) with the
versions pinned in pyproject.toml; it runs again only when pyproject.toml
changes. Everything after the command name is passed on (to `jupyter lab` or
to `pytest`), e.g. `python3 course.py test -k softmax`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".dlcourse-installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def say(message: str) -> None:
    print(f"[course] {message}", flush=True)


def _fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def setup() -> None:
    """Create .venv and install the pinned packages, unless already done for this pyproject.toml."""
    if sys.version_info < (3, 11):
        sys.exit(f"[course] Python 3.11 or newer is needed, this is {sys.version.split()[0]}. "
                 "Install a newer Python and run this command with it.")
    if STAMP.exists() and STAMP.read_text().strip() == _fingerprint() and PYTHON.exists():
        return
    if not PYTHON.exists():
        say(f"creating a virtual environment in {VENV} ...")
        venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
    say("installing the course's packages (first run only; a few minutes) ...")
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "--quiet", "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(_fingerprint() + "\n")
    say("set-up done.")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # nbgrader starts helper programs (alembic, jupyter) by name: the venv's bin must come first.
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = str(VENV)
    return env


def lab(args: list[str]) -> int:
    setup()
    say("opening JupyterLab on the course (Ctrl-C to stop) ...")
    cmd = [str(BIN / "jupyter"), "lab", f"--ServerApp.root_dir={ROOT}", *args]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in args:
        cmd.append("--allow-root")  # containers and cloud notebooks often run as root
    if not any(a.startswith("--ServerApp.default_url") for a in args):
        cmd.append("--LabApp.default_url=/lab/tree/notebooks/ch00_review.ipynb")
    return subprocess.call(cmd, cwd=ROOT, env=_env())


# System programs some tests need: (program, Debian package, what for).
SYSTEM_NEEDS = [
    ("/usr/bin/chromium", "chromium", "the browser tests (JupyterLab in Chromium)"),
    ("/usr/bin/bwrap", "bubblewrap", "the sandboxed grading tests"),
]


def ensure_system_packages() -> None:
    """Install Debian's chromium and bubblewrap with apt when missing and we are root."""
    if not sys.platform.startswith("linux"):
        return
    missing = [(prog, pkg, why) for prog, pkg, why in SYSTEM_NEEDS if not Path(prog).exists()]
    if not missing:
        return
    packages = [pkg for _, pkg, _ in missing]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        say(f"installing {', '.join(packages)} with apt-get (needed by some tests) ...")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
                       check=True, env=env, stdout=subprocess.DEVNULL)
    else:
        for prog, pkg, why in missing:
            say(f"note: {prog} is missing, so {why} will be skipped (`sudo apt-get install {pkg}` "
                "includes them; in CI they fail instead).")


def test(args: list[str]) -> int:
    setup()
    ensure_system_packages()
    env = _env()
    # Tests run two at a time on two cores; a multi-threaded BLAS in each would oversubscribe the
    # CPU and make NumPy training many times slower. One thread per worker (benchmarks set their own).
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    # Two workers (the CI machines have 2 cores); one test file stays on one worker so that a
    # chapter's grading fixture runs once.
    cmd = [str(PYTHON), "-m", "pytest", "-n", "2", "--dist", "loadfile", *args]
    say("running: " + " ".join(cmd[1:]))
    return subprocess.call(cmd, cwd=ROOT, env=env)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    if command == "setup":
        setup()
        return 0
    if command == "lab":
        return lab(rest)
    if command == "test":
        return test(rest)
    print(f"[course] unknown command {command!r}.\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
