"""Start the course's class server (deploy/jupyterhub) for a test and take it down again.

:func:`class_server` runs the README's command, ``python3 course.py hub ROSTER``, on 127.0.0.1 with
free ports, a fresh state folder (course folders, exchange, configuration) and accounts whose names
start with :data:`PREFIX`, so that they can never be real users. When it ends, also on failure,
it stops the hub (which stops the proxy and every user's JupyterLab), ends whatever still runs as
one of its accounts, deletes the accounts with their homes and groups, and removes the state folder.
"""

from __future__ import annotations

import contextlib
import csv
import grp
import importlib.util
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from browser import CHROMIUM, free_port, stop_process

REPO = Path(__file__).resolve().parents[1]
HUB_DIR = REPO / "deploy" / "jupyterhub"
# Accounts and groups of the tests: no real account is named like this, and each test run has its own
# tag, so that two runs on one machine never share (or delete) each other's accounts.
BASE = "dlhubt"
PREFIX = f"{BASE}{secrets.token_hex(2)}-"


def load_hubctl():
    """deploy/jupyterhub/hubctl.py as a module (it is a script, not part of the course library)."""
    if "hubctl" in sys.modules:
        return sys.modules["hubctl"]
    spec = importlib.util.spec_from_file_location("hubctl", HUB_DIR / "hubctl.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["hubctl"] = module
    spec.loader.exec_module(module)
    return module


def hub_missing_reason() -> str | None:
    """Why the class-server test cannot run on this machine, or None when it can."""
    if not sys.platform.startswith("linux"):
        return "the class server needs Linux"
    if os.geteuid() != 0:
        return "the class server test creates accounts and starts servers as them: it needs root"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import jupyterhub  # noqa: F401
        import playwright  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is missing: run `python3 course.py setup`"
    hubctl = load_hubctl()
    if not hubctl.PROXY.exists():
        return f"{hubctl.PROXY} is missing: `python3 course.py test` (as root) installs it"
    for tool in ("useradd", "userdel", "groupadd", "chpasswd"):
        if not shutil.which(tool):
            return f"{tool} is missing"
    return None


def _hub_alive(state: Path) -> bool:
    try:
        os.kill(int((state / "hub" / "jupyterhub.pid").read_text().strip()), 0)
        return True
    except (OSError, ValueError):
        return False


def remove_stale_accounts() -> None:
    """Accounts, groups and folders left by a test run that was killed before it could clean up: those of
    runs whose hub is no longer running (a run in progress elsewhere on the machine is left alone)."""
    hubctl = load_hubctl()
    mark = f"{hubctl.ACCOUNT_MARK} "
    stale_prefixes = set()
    for entry in pwd.getpwall():
        if not (entry.pw_name.startswith(BASE) and entry.pw_gecos.startswith(mark)):
            continue
        state = Path(entry.pw_gecos[len(mark):].split(" (")[0])
        if _hub_alive(state):
            continue
        for pid in hubctl._processes_of(entry.pw_uid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        subprocess.run(["userdel", "--remove", entry.pw_name], capture_output=True)
        stale_prefixes.add(entry.pw_name.split("-")[0] + "-")
        if state.name == "state" and state.parent.name.startswith("dlhub-test-"):
            shutil.rmtree(state.parent, ignore_errors=True)
    for group in grp.getgrall():
        if group.gr_name.startswith(tuple(stale_prefixes)) and group.gr_name.endswith(("-staff", "-class")):
            subprocess.run(["groupdel", group.gr_name], capture_output=True)


@dataclass
class ClassServer:
    url: str
    state: Path
    passwords: dict[str, str]
    settings: dict
    log: Path

    def home(self, user: str) -> Path:
        return Path(pwd.getpwnam(user).pw_dir)

    def course_folder(self, course: str) -> Path:
        return self.state / "courses" / course

    def exchange(self, course: str) -> Path:
        return self.state / "exchange" / course

    def run_as(self, user: str, cmd: list[str], cwd: Path | None = None, env: dict | None = None,
               timeout: float = 600, input: str | None = None) -> subprocess.CompletedProcess:
        """Run a command as ``user`` with the environment of that user's JupyterLab (a terminal there)."""
        entry = pwd.getpwnam(user)
        full_env = {"HOME": entry.pw_dir, "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
                    **self.settings["users"][user]["env"], **(env or {})}
        groups = os.getgrouplist(user, entry.pw_gid)
        return subprocess.run(cmd, cwd=cwd or entry.pw_dir, env=full_env, user=entry.pw_uid, group=entry.pw_gid,
                              extra_groups=groups, umask=0o007, capture_output=True, text=True, timeout=timeout,
                              input=input)

    @property
    def python(self) -> str:
        """The Python of the hub and the users' servers (the course's, usable by every account)."""
        return self.settings["python"]

    def python_as(self, user: str, code: str) -> subprocess.CompletedProcess:
        return self.run_as(user, [self.python, "-c", code])


@contextlib.contextmanager
def class_server(roster: list[dict[str, str]], mnist: Path | None = None) -> Iterator[ClassServer]:
    hubctl = load_hubctl()
    remove_stale_accounts()
    # Not under pytest's tmp folder: that is private to root, and every account must reach the state.
    top = Path(tempfile.mkdtemp(prefix="dlhub-test-"))
    os.chmod(top, 0o755)
    state, homes = top / "state", top / "home"
    homes.mkdir(mode=0o755)
    os.chmod(homes, 0o755)
    roster_path = top / "roster.csv"
    fields = ["username", "role", "course", "first_name", "last_name"]
    with roster_path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for row in roster:
            writer.writerow({k: row.get(k, "") for k in fields})
    port = free_port()
    cmd = [sys.executable, str(REPO / "course.py"), "hub", str(roster_path), "--state", str(state),
           "--ip", "127.0.0.1", "--port", str(port), "--hub-port", str(free_port()),
           "--proxy-api-port", str(free_port()), "--group-prefix", PREFIX, "--home-base", str(homes)]
    if mnist:
        cmd += ["--mnist", str(mnist)]
    out_path = top / "hub-command.log"
    out = out_path.open("w")
    env = dict(os.environ, DLHUB_STOP_WITH_PARENT="1")  # a killed test run takes its hub down with it
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=env)
    layout = hubctl.Layout(state)
    try:
        deadline = time.monotonic() + 240
        while "the class is open" not in out_path.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"`{' '.join(cmd)}` did not open the class:\n{out_path.read_text()[-4000:]}")
            time.sleep(0.3)
        passwords = dict(csv.reader(layout.passwords.read_text().splitlines()[1:]))
        settings = json.loads(layout.settings.read_text())
        yield ClassServer(f"http://127.0.0.1:{port}", state, passwords, settings, state / "hub" / "jupyterhub.log")
    finally:
        # The hub stops the proxy and the users' servers on SIGTERM; anything left is ended below.
        stop_process(proc, group=False, wait_s=60)  # the hub command passes SIGTERM on to JupyterHub
        out.close()
        _stop_proxy(layout)
        try:
            hubctl.remove_accounts(layout, stop_processes=True)
        finally:
            for group in grp.getgrall():  # the course groups, should removal have stopped half-way
                if group.gr_name.startswith(PREFIX):
                    subprocess.run(["groupdel", group.gr_name], capture_output=True)
            shutil.rmtree(top, ignore_errors=True)


def _stop_proxy(layout) -> None:
    """The proxy runs in a session of its own; after a killed hub, its pid file says which process it is."""
    pid_file = layout.hub / "proxy.pid"
    if pid_file.exists():
        try:
            pid = int(pid_file.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"configurable-http-proxy" in cmdline:
                os.kill(pid, signal.SIGTERM)
        except (ValueError, OSError):
            pass


def login(browser, server: ClassServer, user: str):
    """A new browser context (its own cookies) logged in as ``user`` with the password the hub gave;
    returns the page once the user's JupyterLab has loaded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{server.url}/hub/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", server.passwords[user])
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{user}/lab**", timeout=240_000)
    page.wait_for_selector(".jp-LabShell", timeout=120_000)
    return page


def open_assignments_tab(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
    page.wait_for_selector("#released_assignments_list", timeout=60_000)
    # the lists load from the server: wait until none of them says "Loading"
    page.wait_for_function("""() => [...document.querySelectorAll('.list_loading')].every(e => e.hidden)""",
                           timeout=60_000)
