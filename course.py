#!/usr/bin/env python3
"""One entry point for students, instructors and CI: sets everything up, then runs it.

    python3 course.py lab      set up (first time only) and open the course in JupyterLab
    python3 course.py test     set up (first time only) and run every test (as root it also
                               installs Debian's chromium and bubblewrap for some tests, and for
                               the class-server test Node.js, the hub's proxy and environment)
    python3 course.py setup    only set up: a virtual environment in .venv with the pinned packages
    python3 course.py hub ROSTER.csv [--port 8000] [--state DIR]
                               open the course for a class on this machine (as root): JupyterHub
                               with nbgrader's exchange, accounts from the roster; prints where to
                               log in (see README, "On a server"; `hub --help` for the options)

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


HUB_DIR = ROOT / "deploy" / "jupyterhub"
HUB_NODE = VENV / "hub-node"  # configurable-http-proxy, installed with npm from deploy/jupyterhub's lock file
HUB_PROXY = HUB_NODE / "node_modules" / ".bin" / "configurable-http-proxy"


def ensure_hub_tools() -> None:
    """Node.js (Debian's nodejs and npm, when missing) and the pinned configurable-http-proxy.

    Costs two file checks once installed. Needs root for apt-get; the proxy goes into .venv/hub-node."""
    lock = HUB_DIR / "package-lock.json"
    stamp = HUB_NODE / ".dlcourse-installed"
    wanted = hashlib.sha256((HUB_DIR / "package.json").read_bytes() + lock.read_bytes()).hexdigest()
    if HUB_PROXY.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return
    if not (shutil.which("node") or shutil.which("nodejs")) or not shutil.which("npm"):
        if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")):
            sys.exit("[course] the hub needs Node.js and npm: `sudo apt-get install nodejs npm`, then run again.")
        say("installing Debian's nodejs and npm (for the hub's proxy) ...")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "nodejs", "npm"],
                       check=True, env=env, stdout=subprocess.DEVNULL)
    say("installing configurable-http-proxy (pinned in deploy/jupyterhub/package-lock.json) ...")
    HUB_NODE.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(HUB_DIR / name, HUB_NODE / name)
    subprocess.run(["npm", "ci", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"],
                   cwd=HUB_NODE, check=True)
    stamp.write_text(wanted + "\n")


HUB_ENV = VENV / "hub-env"


def _usable_by_everyone(path: Path) -> bool:
    """Whether every account can reach ``path`` (each folder above it searchable) and read it."""
    path = Path(path).resolve()
    try:
        return (all(os.stat(p).st_mode & 0o001 for p in path.parents)
                and bool(os.stat(path).st_mode & 0o004))
    except OSError:
        return False


def _python_for_everyone(python: Path) -> bool:
    """Whether a Python (a venv's or not) runs for every account: its base interpreter and library too."""
    out = subprocess.run([str(python), "-c", "import sys, os; print(getattr(sys, '_base_executable', "
                          "sys.executable)); print(os.__file__); print(sys.version_info >= (3, 11))"],
                         capture_output=True, text=True)
    lines = out.stdout.split()
    return (out.returncode == 0 and len(lines) == 3 and lines[2] == "True"
            and all(_usable_by_everyone(Path(p)) for p in [python, *lines[:2]]))


def _course_fingerprint() -> str:
    """pyproject.toml and the course library's files: what a non-editable install of the course holds."""
    h = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    for path in sorted((ROOT / "lib").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and not any(p.endswith(".egg-info") for p in path.parts):
            h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def hub_python() -> Path:
    """The Python of the hub and of every user's JupyterLab, kernels and grading commands.

    It must run for every account. The course's environment does when this checkout and its base
    Python are readable by all (e.g. a clone in /opt with the system Python). Otherwise a twin
    environment with the same pins is built from a Python every account can run (e.g.
    /usr/bin/python3, where the course's is pyenv's in /root): in .venv/hub-env when the checkout is
    readable by all, else in /opt/dlcourse-hub/ with a copy of the course library."""
    setup()
    checkout_shared = _usable_by_everyone(ROOT / "lib" / "dlcourse" / "__init__.py")
    if checkout_shared and _python_for_everyone(PYTHON):
        return PYTHON
    if checkout_shared:
        env, editable, fingerprint = HUB_ENV, True, _fingerprint()
    else:
        env = Path("/opt/dlcourse-hub") / ("env-" + hashlib.sha256(str(ROOT).encode()).hexdigest()[:10])
        editable, fingerprint = False, _course_fingerprint()
    hub_py = env / "bin" / "python"
    stamp = env / ".dlcourse-installed"
    if hub_py.exists() and stamp.exists() and stamp.read_text().strip() == fingerprint:
        return hub_py
    candidates = [shutil.which("python3"), "/usr/bin/python3", "/usr/local/bin/python3",
                  *(f"/usr/bin/python3.{minor}" for minor in range(20, 10, -1))]
    base = next((Path(c) for c in candidates if c and Path(c).exists() and _python_for_everyone(Path(c))), None)
    if base is None:
        sys.exit(f"[course] the hub runs everyone's JupyterLab with this course's Python, but {sys.executable} "
                 "is not usable by other accounts and no system Python 3.11+ is (Debian: `apt-get install "
                 "python3`).")
    say(f"building the class server's environment in {env} from {base} (every account can run it) ...")
    env.parent.mkdir(parents=True, exist_ok=True)
    if not checkout_shared:
        os.chmod(env.parent, 0o755)
    subprocess.run([str(base), "-m", "venv", "--clear", "--without-pip", str(env)], check=True)
    subprocess.run([str(PYTHON), "-m", "pip", "--disable-pip-version-check", "--python", str(hub_py),
                    "install", "--quiet", *(["-e"] if editable else []), str(ROOT)], check=True)
    stamp.write_text(fingerprint + "\n")
    return hub_py


def hub_test_runs_here(args: list[str]) -> bool:
    """Whether `test` with these arguments includes the class-server test, which needs root on Linux.
    When test files or folders are named, only if one of them is the hub test's (or holds it)."""
    if not (sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0):
        return False
    named = [a.split("::")[0] for a in args if not a.startswith("-") and (ROOT / a.split("::")[0]).exists()]
    return not named or any("hub" in Path(a).name or (ROOT / a).is_dir() for a in named)


def hub(args: list[str]) -> int:
    python = hub_python()
    if not any(a in ("-h", "--help", "--remove-accounts") for a in args):
        ensure_hub_tools()
    cmd = [str(python), str(HUB_DIR / "hubctl.py"), *args]
    env = dict(_env(), PATH=str(python.parent) + os.pathsep + os.environ.get("PATH", ""),
               VIRTUAL_ENV=str(python.parent.parent))
    if os.name == "posix":  # the hub is this process from now on: Ctrl-C and SIGTERM reach it directly
        sys.stdout.flush()
        os.execve(cmd[0], cmd, env)
    return subprocess.call(cmd, env=env)


def test(args: list[str]) -> int:
    setup()
    ensure_system_packages()
    if hub_test_runs_here(args):
        ensure_hub_tools()
        hub_python()
    env = _env()
    # Tests run two at a time on two cores; a multi-threaded BLAS in each would oversubscribe the
    # CPU and make NumPy training many times slower. One thread per worker (benchmarks set their own).
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    # Two workers (the CI machines have 2 cores); one test file stays on one worker so that a
    # chapter's grading fixture runs once.
    cmd = [str(PYTHON), "-m", "pytest", "-n", "2", "--dist", "loadfile", *args]
    say("running: " + " ".join(cmd[1:]))
    return subprocess.call(cmd, env=env)


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
    if command == "hub":
        return hub(rest)
    print(f"[course] unknown command {command!r}.\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
