"""Open the course for a class on one machine: JupyterHub, local accounts and nbgrader's exchange.

    python3 course.py hub ROSTER.csv [--state /srv/dlcourse-hub] [--ip 0.0.0.0] [--port 8000]
    python3 course.py hub --remove-accounts [--state /srv/dlcourse-hub]

(``course.py hub`` sets up the course's environment, Node.js and the proxy, then runs this file with the
course's Python.) Run as root: it creates accounts, authenticates them with PAM and starts each
user's JupyterLab as that user. From the roster it makes, in the state folder:

- ``courses/<course>/``: the course folder of each course (source/, release/, grading/, the
  gradebook), shared by its instructors (group ``<prefix><course>-staff``, mode 2770): students
  cannot read it;
- ``exchange/``: nbgrader's filesystem exchange (1777, as nbgrader documents it, plus the sticky
  bit), with one folder per course open only to that course's members (``<prefix><course>-class``),
  ``outbound`` writable by its instructors, ``inbound`` writable but not listable by students, and
  ``feedback`` readable only by the unguessable names nbgrader gives the files;
- ``python/``: ``dlhub_exchange.py``, the hardened exchange every user's nbgrader uses;
- ``jupyter/<user>/``: each user's Jupyter and nbgrader configuration (the hub puts it on the
  user's ``JUPYTER_CONFIG_PATH``): instructors get formgrader on their course, students the
  Assignments tab only;
- ``data/mnist/``: MNIST, where every kernel finds it (``DLCOURSE_MNIST_DIR``);
- ``hub/``: JupyterHub's database, cookie secret, settings and log (root only);
- ``accounts.json`` and ``initial-passwords.csv`` (root only): the accounts this command created
  and their first passwords, to hand out. Existing accounts are used as they are.

The roster is a CSV file with a header line; columns ``username`` and ``role`` (``instructor`` or
``student``) are required, ``course`` (default: the course id of nbgrader_config.py),
``first_name``, ``last_name`` and ``email`` are optional. A user may be listed once per course;
an instructor teaches one course (formgrader serves one course per account).
"""

from __future__ import annotations

import argparse
import csv
import grp
import hashlib
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VENV_BIN = Path(sys.executable).parent
PROXY = REPO / ".venv" / "hub-node" / "node_modules" / ".bin" / "configurable-http-proxy"
DEFAULT_STATE = Path("/srv/dlcourse-hub")
ACCOUNT_MARK = "dlcourse hub"  # the GECOS comment of accounts this command created

# The instructors' grading commands (release, collect, grade, feedback, export): the one place that
# names their module, used for the hub's configuration, the printed instructions and the tests: the
# course's grading package (`python -m dlgrade`; `python -m dlcourse.course` before it moved).
GRADE_MODULE = "dlgrade"


def grading_command(*args: str, python: str | None = None) -> list[str]:
    """The command line of an instructor's grading command, e.g. ``grading_command("grade", "ch02")``."""
    return [python or str(VENV_BIN / "python"), "-m", GRADE_MODULE, *args]


def grading_command_text(*args: str) -> str:
    return " ".join(["python", "-m", GRADE_MODULE, *args])


ROLES = ("instructor", "student")
USERNAME = re.compile(r"^[a-z_][a-z0-9_-]{0,30}$")
COURSE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class HubError(Exception):
    """Something the person starting the hub must fix; printed without a traceback."""


def say(message: str) -> None:
    print(f"[hub] {message}", flush=True)


# --------------------------------------------------------------------------------------------- roster

@dataclass(frozen=True)
class Member:
    username: str
    role: str
    course: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""


def repo_course_id() -> str:
    text = (REPO / "nbgrader_config.py").read_text()
    found = re.search(r"""^c\.CourseDirectory\.course_id\s*=\s*["']([^"']+)["']""", text, flags=re.M)
    if not found:
        raise HubError(f"{REPO / 'nbgrader_config.py'} sets no CourseDirectory.course_id")
    return found.group(1)


def read_roster(path: Path, default_course: str) -> list[Member]:
    """The roster's rows, checked: every problem is reported with its line number."""
    if not path.is_file():
        raise HubError(f"roster {path} not found: give a CSV file with the columns username,role[,course,"
                       "first_name,last_name,email] (see deploy/jupyterhub/roster.example.csv)")
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(line for line in f if line.strip() and not line.lstrip().startswith("#"))
        fields = [h.strip().lower() for h in (reader.fieldnames or [])]
        if "username" not in fields or "role" not in fields:
            raise HubError(f"{path}: the first line must name the columns, with at least username and role "
                           f"(found {reader.fieldnames})")
        members, problems = [], []
        for line, row in enumerate(reader, start=2):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            name, role = row.get("username", ""), row.get("role", "").lower()
            course = row.get("course", "") or default_course
            if not USERNAME.match(name):
                problems.append(f"line {line}: username {name!r} is not a valid account name (lower-case letters, "
                                "digits, '_' and '-', starting with a letter or '_', at most 31 characters)")
                continue
            if role not in ROLES:
                problems.append(f"line {line}: role of {name} is {role!r}; use 'instructor' or 'student'")
                continue
            if not COURSE_ID.match(course):
                problems.append(f"line {line}: course id {course!r} of {name} may only hold letters, digits, "
                                "'.', '_' and '-'")
                continue
            members.append(Member(name, role, course, row.get("first_name", ""), row.get("last_name", ""),
                                  row.get("email", "")))
    seen: dict[tuple[str, str], str] = {}
    teaches: dict[str, set[str]] = {}
    for m in members:
        if (m.username, m.course) in seen:
            problems.append(f"{m.username} is listed twice for course {m.course}")
        seen[(m.username, m.course)] = m.role
        if m.role == "instructor":
            teaches.setdefault(m.username, set()).add(m.course)
    for name, courses in teaches.items():
        if len(courses) > 1:
            problems.append(f"{name} teaches {sorted(courses)}: an instructor account runs formgrader for one "
                            "course; give each course its own instructor account")
    for course in sorted({m.course for m in members}):
        if not any(m.role == "instructor" and m.course == course for m in members):
            problems.append(f"course {course} has no instructor: nobody could release its chapters")
    if not members:
        problems.append("the roster lists nobody")
    if problems:
        raise HubError(f"{path}:\n  " + "\n  ".join(problems))
    return members


# --------------------------------------------------------------------------------------------- layout

def group_names(prefix: str, course: str) -> tuple[str, str]:
    """(instructors' group, all members' group) of a course, at most 32 characters each."""
    base = f"{prefix}{course}".lower()
    base = re.sub(r"[^a-z0-9_-]", "-", base)
    if len(base) > 26:
        base = base[:19] + "-" + hashlib.sha1(course.encode()).hexdigest()[:6]
    return f"{base}-staff", f"{base}-class"


@dataclass
class Layout:
    state: Path

    @property
    def exchange(self) -> Path:
        return self.state / "exchange"

    @property
    def courses(self) -> Path:
        return self.state / "courses"

    @property
    def jupyter(self) -> Path:
        return self.state / "jupyter"

    @property
    def mnist(self) -> Path:
        return self.state / "data" / "mnist"

    @property
    def python(self) -> Path:
        return self.state / "python"

    @property
    def hub(self) -> Path:
        return self.state / "hub"

    @property
    def accounts(self) -> Path:
        return self.state / "accounts.json"

    @property
    def passwords(self) -> Path:
        return self.state / "initial-passwords.csv"

    @property
    def settings(self) -> Path:
        return self.hub / "settings.json"

    def course(self, course: str) -> Path:
        return self.courses / course


def _mkdir(path: Path, mode: int, uid: int = 0, gid: int = 0) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, uid, gid)
    os.chmod(path, mode)


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise HubError(f"`{' '.join(cmd)}` failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")
    return result


def readable_by_everyone(path: Path) -> str | None:
    """Why other accounts cannot use ``path`` (every folder above it searchable, it readable), or None."""
    path = path.resolve()
    for folder in [*reversed(path.parents)]:
        if not os.stat(folder).st_mode & stat.S_IXOTH:
            return f"{folder} is not searchable by other users (chmod o+x)"
    if not os.stat(path).st_mode & stat.S_IROTH:
        return f"{path} is not readable by other users"
    return None


# --------------------------------------------------------------------------------------------- accounts

class Accounts:
    """The accounts and groups this command created (``accounts.json``), so that they can be removed."""

    def __init__(self, layout: Layout):
        self.path = layout.accounts
        self.data = {"users": [], "groups": []}
        if self.path.exists():
            self.data.update(json.loads(self.path.read_text()))

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1))
        os.chmod(tmp, 0o600)
        tmp.replace(self.path)

    def add(self, kind: str, name: str) -> None:
        if name not in self.data[kind]:
            self.data[kind].append(name)
            self.save()


def ensure_group(name: str, accounts: Accounts) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        _run(["groupadd", name])
        accounts.add("groups", name)
        return grp.getgrnam(name).gr_gid


def ensure_user(member: Member, home_base: Path | None, accounts: Accounts, layout: Layout) -> str | None:
    """Create the account when missing; returns its new password, or None for an existing account."""
    try:
        pwd.getpwnam(member.username)
        return None
    except KeyError:
        pass
    full_name = " ".join(p for p in (member.first_name, member.last_name) if p)
    comment = f"{ACCOUNT_MARK} {layout.state}" + (f" ({full_name})" if full_name else "")
    cmd = ["useradd", "--create-home", "--user-group", "--shell", "/bin/bash", "--comment", comment]
    if home_base:
        cmd += ["--home-dir", str(home_base / member.username)]
    _run([*cmd, member.username])
    accounts.add("users", member.username)
    home = Path(pwd.getpwnam(member.username).pw_dir)
    os.chmod(home, 0o700)  # homes are private: students cannot read each other's work
    password = secrets.token_urlsafe(12)
    _run(["chpasswd"], input=f"{member.username}:{password}\n")
    return password


def add_to_groups(username: str, groups: list[str]) -> None:
    current = {g.gr_name for g in grp.getgrall() if username in g.gr_mem}
    missing = [g for g in groups if g not in current]
    if missing:
        _run(["usermod", "--append", "--groups", ",".join(missing), username])


def _processes_of(uid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def remove_accounts(layout: Layout, stop_processes: bool = False) -> list[str]:
    """Delete the accounts (with their homes) and groups this command created in ``layout.state``.

    Only accounts that carry this state folder's mark are touched. With ``stop_processes``, processes
    still running as those accounts (left behind by a hub that was killed) are ended first."""
    accounts = Accounts(layout)
    done = []
    for name in list(accounts.data["users"]):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            accounts.data["users"].remove(name)
            accounts.save()
            continue
        if not entry.pw_gecos.startswith(f"{ACCOUNT_MARK} {layout.state}"):
            say(f"not removing {name}: it was not created by this hub (comment {entry.pw_gecos!r})")
            continue
        pids = _processes_of(entry.pw_uid)
        if pids and stop_processes:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                for pid in pids:
                    try:
                        os.kill(pid, sig)
                    except ProcessLookupError:
                        pass
                deadline = time.monotonic() + 5
                while _processes_of(entry.pw_uid) and time.monotonic() < deadline:
                    time.sleep(0.1)
                pids = _processes_of(entry.pw_uid)
                if not pids:
                    break
        if pids:
            raise HubError(f"{name} still has running processes {pids}: stop the hub first")
        result = subprocess.run(["userdel", "--remove", name], capture_output=True, text=True)
        if name in {p.pw_name for p in pwd.getpwall()}:
            raise HubError(f"could not remove the account {name}: {result.stderr.strip()}")
        accounts.data["users"].remove(name)
        accounts.save()
        done.append(name)
    for group in list(accounts.data["groups"]):
        try:
            grp.getgrnam(group)
            subprocess.run(["groupdel", group], capture_output=True, text=True)
        except KeyError:
            pass
        accounts.data["groups"].remove(group)
        accounts.save()
    shutil.rmtree(layout.jupyter, ignore_errors=True)
    return done


# --------------------------------------------------------------------------------------------- courses

def prepare_course(layout: Layout, course: str, staff_gid: int, class_gid: int,
                   students: list[Member]) -> Path:
    """The course folder (copied from this repository the first time) and the course's exchange folders."""
    folder = layout.course(course)
    if not folder.exists():
        tmp = folder.with_name(folder.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for name in ("source", "release", "grading"):
            if (REPO / name).is_dir():
                shutil.copytree(REPO / name, tmp / name,
                                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        config = (REPO / "nbgrader_config.py").read_text()
        config += (f"\n# This copy of the course, opened on the class server by `python3 course.py hub`.\n"
                   f"c.CourseDirectory.course_id = {course!r}\n")
        (tmp / "nbgrader_config.py").write_text(config)
        tmp.rename(folder)
        say(f"course {course}: new course folder {folder}")
    # The gradebook knows every student of the roster, so that one who never submits is exported with 0.
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}", course) as gb:
        for m in students:
            gb.update_or_create_student(m.username, first_name=m.first_name or None,
                                        last_name=m.last_name or None, email=m.email or None)
    # Shared by the course's instructors only: group staff, setgid folders, group-writable files.
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        os.chown(path, -1, staff_gid)
        mode = path.stat().st_mode
        if path.is_dir():
            os.chmod(path, (mode | 0o2770) & ~0o007)
        else:
            os.chmod(path, (mode | 0o660) & ~0o007)
    os.chown(folder, 0, staff_gid)
    os.chmod(folder, 0o2770)

    base = layout.exchange / course
    # The exchange's top folder is writable by everyone (nbgrader checks it): a course folder that
    # someone else made there before the course opened could hold their files. Refuse it.
    for path in (base, base / "outbound", base / "inbound", base / "feedback"):
        if path.exists() and (path.is_symlink() or path.lstat().st_uid != 0):
            raise HubError(f"{path} exists and was not made by this command (owner uid {path.lstat().st_uid}): "
                           "look at what is in it, remove it, and start again")
    _mkdir(base, 0o750, 0, class_gid)                  # members of the course only
    _mkdir(base / "outbound", 0o2775, 0, staff_gid)    # instructors release, members fetch
    _mkdir(base / "inbound", 0o2773, 0, staff_gid)     # students drop, only instructors list
    _mkdir(base / "feedback", 0o2771, 0, staff_gid)    # students read their own by its secret name
    return folder


def copy_mnist(source: Path | None, layout: Layout) -> Path | None:
    candidates = [source] if source else []
    if os.environ.get("DLCOURSE_MNIST_DIR"):
        candidates.append(Path(os.environ["DLCOURSE_MNIST_DIR"]))
    candidates.append(Path.home() / ".cache" / "dlcourse" / "mnist")
    for folder in candidates:
        files = sorted(folder.glob("*-ubyte.gz")) if folder and folder.is_dir() else []
        if len(files) >= 4:
            _mkdir(layout.mnist.parent, 0o755)
            _mkdir(layout.mnist, 0o755)
            for f in files:
                dest = layout.mnist / f.name
                if not dest.exists() or dest.stat().st_size != f.stat().st_size:
                    shutil.copy2(f, dest)
                os.chmod(dest, 0o644)
            return layout.mnist
        if source and folder == source:
            raise HubError(f"--mnist {source} holds no MNIST files (*-ubyte.gz)")
    if layout.mnist.is_dir() and len(list(layout.mnist.glob("*-ubyte.gz"))) >= 4:
        return layout.mnist
    say("warning: no MNIST files found (--mnist DIR, DLCOURSE_MNIST_DIR or ~/.cache/dlcourse/mnist): every "
        "user's kernel will download MNIST into its own cache on first use")
    return None


# --------------------------------------------------------------------------------------------- user config

# nbgrader's JupyterLab plugins and server extensions that each role does not get.
# Everyone: no pop-up asking to fetch Jupyter's news from the internet.
NO_NEWS = "@jupyterlab/apputils-extension:announcements"
STUDENT_HIDDEN_LAB = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                      "@jupyter/nbgrader:course-list", NO_NEWS]
STUDENT_OFF_SERVER = ["nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list"]
INSTRUCTOR_HIDDEN_LAB = ["@jupyter/nbgrader:course-list", NO_NEWS]  # course-list needs hub services we do not run
INSTRUCTOR_OFF_SERVER = ["nbgrader.server_extensions.course_list"]


def nbgrader_config_text(layout: Layout, member_courses: dict[str, str], home: Path) -> str:
    lines = [
        "# Written by `python3 course.py hub` (deploy/jupyterhub/hubctl.py) at every start: edit the roster,",
        "# not this file. It is on this user's JUPYTER_CONFIG_PATH.",
        "c = get_config()  # noqa: F821",
        f"c.Exchange.root = {str(layout.exchange)!r}",
        "c.Exchange.path_includes_course = True",
        "# Submit only as oneself, privately; collect only genuine submissions (dlhub_exchange.py).",
        "c.ExchangeFactory.submit = 'dlhub_exchange.OwnSubmit'",
        "c.ExchangeFactory.collect = 'dlhub_exchange.OwnerCheckedCollect'",
    ]
    taught = [c for c, role in member_courses.items() if role == "instructor"]
    if taught:
        course = taught[0]
        lines += [
            "# The course's own settings (timeouts, stubs, grading policy), then where it lives here.",
            f"load_subconfig('nbgrader_config.py', path={str(layout.course(course))!r})  # noqa: F821",
            f"c.CourseDirectory.root = {str(home / course)!r}",
            f"c.CourseDirectory.course_id = {course!r}",
            "c.CourseDirectory.groupshared = True",
            "# Formgrader's 'Generate Feedback' button gives the same scrubbed feedback as the",
            "# course's feedback command: the hidden tests' code never reaches a student.",
            "c.GenerateFeedback.preprocessors = [",
            f"    {GRADE_MODULE + '.feedback.HideHiddenTests'!r},",
            "    'nbgrader.preprocessors.GetGrades',",
            "    'nbconvert.preprocessors.CSSHTMLHeaderPreprocessor',",
            "]",
        ]
    elif len(member_courses) == 1:
        lines.append(f"c.CourseDirectory.course_id = {next(iter(member_courses))!r}")
    return "\n".join(lines) + "\n"


def write_user_config(layout: Layout, username: str, member_courses: dict[str, str]) -> Path:
    entry = pwd.getpwnam(username)
    folder = layout.jupyter / username
    _mkdir(layout.jupyter, 0o755)
    _mkdir(folder, 0o750, 0, entry.pw_gid)
    _mkdir(folder / "labconfig", 0o750, 0, entry.pw_gid)
    instructor = "instructor" in member_courses.values()
    hidden = INSTRUCTOR_HIDDEN_LAB if instructor else STUDENT_HIDDEN_LAB
    off = INSTRUCTOR_OFF_SERVER if instructor else STUDENT_OFF_SERVER
    files = {
        folder / "nbgrader_config.py": nbgrader_config_text(layout, member_courses, Path(entry.pw_dir)),
        folder / "labconfig" / "page_config.json": json.dumps({"disabledExtensions": {p: True for p in hidden}},
                                                               indent=1),
        folder / "jupyter_server_config.json": json.dumps(
            {"ServerApp": {"jpserver_extensions": {e: False for e in off}}}, indent=1),
    }
    for path, text in files.items():
        path.write_text(text)
        os.chown(path, 0, entry.pw_gid)
        os.chmod(path, 0o640)
    return folder


def link_course_in_home(layout: Layout, username: str, course: str) -> None:
    """~/<course> -> the course folder: formgrader needs the course inside the server's root folder."""
    entry = pwd.getpwnam(username)
    link = Path(entry.pw_dir) / course
    target = layout.course(course)
    if link.is_symlink() and Path(os.readlink(link)) == target:
        return
    if link.exists() or link.is_symlink():
        say(f"warning: {link} exists and is not a link to {target}: formgrader of {username} will look there")
        return
    link.symlink_to(target)
    os.lchown(link, entry.pw_uid, entry.pw_gid)


def user_environment(layout: Layout, username: str, mnist: Path | None) -> dict[str, str]:
    """The environment of a user's JupyterLab, terminals and kernels (and of the tests' commands as them)."""
    env = {
        "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
        "PYTHONPATH": str(layout.python),  # dlhub_exchange, named in the user's nbgrader configuration
        "JUPYTER_CONFIG_PATH": str(layout.jupyter / username),
        # many kernels share the machine: one BLAS thread each
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    }
    if mnist:
        env["DLCOURSE_MNIST_DIR"] = str(mnist)
    return env


# --------------------------------------------------------------------------------------------- the hub

@dataclass
class Options:
    roster: Path
    state: Path = DEFAULT_STATE
    ip: str = "0.0.0.0"
    port: int = 8000
    hub_port: int = 8081
    proxy_api_port: int = 8001
    group_prefix: str = "nbg-"
    home_base: Path | None = None
    mnist: Path | None = None
    extra: dict = field(default_factory=dict)


def prepare(opts: Options) -> dict:
    """Accounts, groups, course folders, exchange and per-user configuration; returns the hub settings."""
    if not sys.platform.startswith("linux"):
        raise HubError("the class server runs on Linux (local accounts and PAM)")
    if os.geteuid() != 0:
        raise HubError("run it as root (sudo): it creates the accounts, checks passwords with PAM and starts "
                       "each user's JupyterLab as that user")
    for tool in ("useradd", "usermod", "userdel", "groupadd", "chpasswd"):
        if not shutil.which(tool):
            raise HubError(f"{tool} is missing (Debian: apt-get install passwd)")
    if not PROXY.exists():
        raise HubError(f"{PROXY} is missing: start the hub with `python3 course.py hub ...`, which installs it")
    base_python = Path(getattr(sys, "_base_executable", sys.executable))
    import dlcourse

    for path in (VENV_BIN / "jupyterhub-singleuser", Path(dlcourse.__file__), base_python, Path(os.__file__)):
        problem = readable_by_everyone(path)
        if problem:
            raise HubError(f"every user's JupyterLab runs with this Python ({sys.executable}), but {problem}. "
                           "Start the hub with `python3 course.py hub ...`, which builds an environment every "
                           "account can run.")
    members = read_roster(opts.roster, repo_course_id())
    layout = Layout(opts.state.resolve())
    _mkdir(layout.state, 0o755)
    _mkdir(layout.hub, 0o700)
    _mkdir(layout.courses, 0o755)
    # nbgrader's documented exchange: a folder everyone can write (students' nbgrader checks it);
    # the sticky bit keeps anyone from removing what others made.
    _mkdir(layout.exchange, 0o1777)
    accounts = Accounts(layout)
    if opts.home_base:
        opts.home_base.mkdir(parents=True, exist_ok=True)

    courses = sorted({m.course for m in members})
    gids = {}
    for course in courses:
        staff, klass = group_names(opts.group_prefix, course)
        gids[course] = (ensure_group(staff, accounts), ensure_group(klass, accounts), staff, klass)

    new_passwords = {}
    first_rows = {m.username: m for m in reversed(members)}
    for m in first_rows.values():
        pw = ensure_user(m, opts.home_base, accounts, layout)
        if pw:
            new_passwords[m.username] = pw
    if new_passwords:
        old = {}
        if layout.passwords.exists():
            old = dict(csv.reader(layout.passwords.read_text().splitlines()[1:]))
        old.update(new_passwords)
        layout.passwords.write_text("username,password\n" + "".join(f"{u},{p}\n" for u, p in sorted(old.items())))
        os.chmod(layout.passwords, 0o600)

    roles: dict[str, dict[str, str]] = {}
    for m in members:
        roles.setdefault(m.username, {})[m.course] = m.role
    for name, member_courses in roles.items():
        groups = []
        for course, role in member_courses.items():
            _, _, staff, klass = gids[course]
            groups += [klass] + ([staff] if role == "instructor" else [])
        add_to_groups(name, groups)

    for course in courses:
        staff_gid, class_gid, _, _ = gids[course]
        students = [m for m in members if m.course == course and m.role == "student"]
        prepare_course(layout, course, staff_gid, class_gid, students)

    # The hardened exchange, named in every user's nbgrader configuration, where every account reads it.
    _mkdir(layout.python, 0o755)
    shutil.copyfile(HERE / "dlhub_exchange.py", layout.python / "dlhub_exchange.py")
    os.chmod(layout.python / "dlhub_exchange.py", 0o644)
    mnist = copy_mnist(opts.mnist, layout)
    users = {}
    for name, member_courses in roles.items():
        write_user_config(layout, name, member_courses)
        for course, role in member_courses.items():
            if role == "instructor":
                link_course_in_home(layout, name, course)
        users[name] = {"courses": member_courses, "env": user_environment(layout, name, mnist)}

    groups = {}
    for m in members:
        hub_group = f"{'formgrade' if m.role == 'instructor' else 'nbgrader'}-{m.course}"
        groups.setdefault(hub_group, []).append(m.username)
    settings = {
        "ip": opts.ip, "port": opts.port, "hub_port": opts.hub_port, "proxy_api_port": opts.proxy_api_port,
        "state": str(layout.state), "hub_dir": str(layout.hub), "proxy": str(PROXY),
        "singleuser": str(VENV_BIN / "jupyterhub-singleuser"), "python": str(VENV_BIN / "python"),
        "users": users, "groups": groups, "courses": courses,
    }
    layout.settings.write_text(json.dumps(settings, indent=1))
    os.chmod(layout.settings, 0o600)
    return settings


def login_url(opts: Options) -> str:
    host = opts.ip if opts.ip not in ("0.0.0.0", "", "::") else socket.getfqdn()
    return f"http://{host}:{opts.port}/"


def wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "hub/api", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None:
            raise HubError(f"JupyterHub stopped while starting (exit {proc.returncode}); its log {log}:\n"
                           + log.read_text()[-3000:])
        if time.monotonic() > deadline:
            raise HubError(f"JupyterHub did not answer within {timeout:.0f} s; see {log}")
        time.sleep(0.3)


def stop_with_parent() -> None:
    """Get SIGTERM (and so stop the hub cleanly) when the process that started this one dies, even by
    SIGKILL: set by the tests (DLHUB_STOP_WITH_PARENT=1), so that a killed test run leaves no hub."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() == 1:
        raise HubError("the process that started the hub is gone")


def run_hub(opts: Options, settings: dict) -> int:
    layout = Layout(opts.state.resolve())
    log_path = layout.hub / "jupyterhub.log"
    env = dict(os.environ)
    env["DLHUB_SETTINGS"] = str(layout.settings)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    with log_path.open("a") as log:
        proc = subprocess.Popen([str(VENV_BIN / "jupyterhub"), "-f", str(HERE / "jupyterhub_config.py")],
                                cwd=layout.hub, env=env, stdout=log, stderr=subprocess.STDOUT)

    def stop(signum, frame):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        url = f"http://{'127.0.0.1' if opts.ip in ('0.0.0.0', '') else opts.ip}:{opts.port}/"
        wait_until_up(url, proc, log_path)
        instructors = sorted(n for n, u in settings["users"].items() if "instructor" in u["courses"].values())
        students = sorted(n for n, u in settings["users"].items() if "instructor" not in u["courses"].values())
        say(f"the class is open: log in at {login_url(opts)}")
        say(f"courses: {', '.join(settings['courses'])}; {len(instructors)} instructor(s) "
            f"({', '.join(instructors)}), {len(students)} student(s)")
        if layout.passwords.exists():
            say(f"first passwords of the accounts created here: {layout.passwords} (root only; hand them out "
                "and ask everyone to change theirs with `passwd` in a JupyterLab terminal)")
        say(f"instructors: formgrader is in JupyterLab's Nbgrader menu; grading in a terminal in ~/<course>: "
            f"{grading_command_text('grade')}, then {grading_command_text('feedback')}, "
            f"{grading_command_text('export')}")
        say(f"hub log: {log_path}. Ctrl-C stops the hub and everyone's JupyterLab.")
        code = proc.wait()
        say(f"the hub has stopped (exit status {code}); everyone's files are kept")
        return code
    except BaseException:
        stop(None, None)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        raise


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python3 course.py hub",
                                description="Open the course for a class: JupyterHub with nbgrader's exchange, "
                                            "accounts from a roster (run as root).")
    p.add_argument("roster", nargs="?", type=Path, help="CSV: username,role[,course,first_name,last_name,email]")
    p.add_argument("--state", type=Path, default=DEFAULT_STATE,
                   help=f"folder for course folders, exchange, configuration and hub data (default {DEFAULT_STATE})")
    p.add_argument("--ip", default="0.0.0.0", help="address to listen on (default: all)")
    p.add_argument("--port", type=int, default=8000, help="port of the hub (default 8000)")
    p.add_argument("--hub-port", type=int, default=8081, help="internal port of the hub's API (default 8081)")
    p.add_argument("--proxy-api-port", type=int, default=8001, help="internal port of the proxy's API (default 8001)")
    p.add_argument("--group-prefix", default="nbg-", help="prefix of the Unix groups made per course (default nbg-)")
    p.add_argument("--home-base", type=Path, default=None,
                   help="where new accounts get their home folder (default: the system's, /home)")
    p.add_argument("--mnist", type=Path, default=None,
                   help="folder with the MNIST *-ubyte.gz files (default: $DLCOURSE_MNIST_DIR, then root's cache)")
    p.add_argument("--prepare-only", action="store_true", help="set everything up but do not start the hub")
    p.add_argument("--remove-accounts", action="store_true",
                   help="remove the accounts (and their homes) and groups that this state folder's hub created")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.remove_accounts:
            if os.geteuid() != 0:
                raise HubError("run it as root (sudo)")
            removed = remove_accounts(Layout(args.state.resolve()))
            say(f"removed {len(removed)} account(s): {', '.join(removed) or '-'}")
            return 0
        if not args.roster:
            raise HubError("give the roster file: python3 course.py hub ROSTER.csv (see --help)")
        opts = Options(roster=args.roster, state=args.state, ip=args.ip, port=args.port, hub_port=args.hub_port,
                       proxy_api_port=args.proxy_api_port, group_prefix=args.group_prefix,
                       home_base=args.home_base, mnist=args.mnist)
        if os.environ.get("DLHUB_STOP_WITH_PARENT") == "1" and sys.platform.startswith("linux"):
            stop_with_parent()
        settings = prepare(opts)
        if args.prepare_only:
            say(f"prepared {opts.state}; start the hub without --prepare-only")
            return 0
        return run_hub(opts, settings)
    except HubError as exc:
        print(f"[hub] error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
