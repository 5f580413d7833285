"""Bubblewrap command lines: what a sandboxed process may see, and its resource limits.

Everything sandboxed during grading starts through :func:`launch_command` (the launcher, then
the bwrap command line of :func:`command`):

- namespaces: user (the process is uid 65534, no capabilities), PID (it sees
  only its own processes and dies with the grader: ``--die-with-parent``),
  network (no interface but an unconfigured loopback: no network at all),
  IPC, UTS and cgroup;
- a new, empty root: read-only ``/usr`` and the ``/lib*`` links (system
  libraries), the read-only Python installation with its ``site-packages``
  hidden, the read-only packages it is allowed (for exercise checks only
  NumPy: never the course library, whose reference solutions would answer the
  exercises), a private ``/tmp`` of limited size, a minimal ``/dev`` and
  ``/proc``, and the folders the caller names. Not mounted, hence invisible:
  the repository, ``source/``, ``grading/``, the gradebook, other submissions,
  ``$HOME``, ``/etc``, the grader's ``/tmp``;
- a cleared environment (``HOME=/tmp``, one BLAS thread);
- limits: address space, CPU time and file size (set by the launcher,
  :mod:`dlgrade.sandbox.launch`, before it becomes bwrap, and inherited), and
  a seccomp filter that refuses to create processes (threads stay allowed),
  because ``RLIMIT_NPROC`` does not bind root and counts all of a user's
  processes otherwise (:mod:`dlgrade.sandbox.seccomp`).

:func:`launch_command` is the one way student code is started (kernel and
checks alike): the launcher with the limits, then bubblewrap unless grading
runs unsandboxed. :func:`probe` tells whether bubblewrap works on this
machine; grading refuses to run without it unless the instructor explicitly
allows unsandboxed grading.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import sysconfig
import warnings
from dataclasses import dataclass
from importlib import util as importlib_util
from pathlib import Path

from . import launch, seccomp

SITE_IN_SANDBOX = "/opt/dlsbx/site"
SANDBOX_UID = 65534

INSTALL_HINT = (
    "Install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; Fedora: `sudo dnf install bubblewrap`). "
    "It needs unprivileged user namespaces (Debian and Fedora allow them by default; Ubuntu 24.04 restricts them "
    "with AppArmor: see the instructor guide) or root. To grade without a sandbox anyway, knowing that student "
    "code can then read and write everything the grader can, pass --unsandboxed (or set "
    "DLCOURSE_ALLOW_UNSANDBOXED=1).")


class SandboxUnavailable(RuntimeError):
    """Bubblewrap is missing or cannot create a sandbox here; the message says what to do."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed process (0 = no limit)."""

    memory_mb: int = 2048          # RLIMIT_AS: a larger allocation fails with MemoryError
    cpu_seconds: int = 120         # RLIMIT_CPU: SIGXCPU, then SIGKILL
    file_mb: int = 64              # RLIMIT_FSIZE: the largest file it may write
    tmp_mb: int = 64               # size of its private /tmp
    processes: int = 32            # RLIMIT_NPROC inside the sandbox (when not root)
    block_fork: bool = True        # seccomp: no new processes at all (threads are fine)


@functools.lru_cache(maxsize=None)
def supports(option: str) -> bool:
    """Does this bubblewrap know ``option`` (``--size`` came with 0.7)?"""
    exe = bwrap_path()
    if not exe:
        return False
    try:
        text = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return option in text


def bwrap_path() -> str | None:
    """The bubblewrap executable: ``$DLCOURSE_BWRAP`` when set (None when that is not an executable file:
    a way to use another build, and for tests to simulate a machine without bubblewrap), else ``bwrap``
    on the PATH or ``/usr/bin/bwrap``."""
    chosen = os.environ.get("DLCOURSE_BWRAP", "")
    if chosen:
        return chosen if os.path.isfile(chosen) and os.access(chosen, os.X_OK) else None
    return shutil.which("bwrap") or (os.path.exists("/usr/bin/bwrap") and "/usr/bin/bwrap") or None


@functools.lru_cache(maxsize=1)
def probe() -> tuple[bool, str]:
    """(works, explanation): can bubblewrap create an isolated sandbox on this machine?"""
    exe = bwrap_path()
    if not exe:
        if os.environ.get("DLCOURSE_BWRAP"):
            return False, (f"bubblewrap was looked for at DLCOURSE_BWRAP={os.environ['DLCOURSE_BWRAP']!r}, which is "
                           "not an executable file. " + INSTALL_HINT)
        return False, "bubblewrap (bwrap) is not installed. " + INSTALL_HINT
    try:
        proc = subprocess.run([exe, "--unshare-all", "--die-with-parent", "--uid", str(SANDBOX_UID),
                               "--gid", str(SANDBOX_UID), *system_binds(), "--proc", "/proc", "--dev", "/dev",
                               "--", "/bin/sh", "-c", "test ! -e /etc/passwd && test ! -e /home"],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bubblewrap ({exe}) could not be started: {exc}. " + INSTALL_HINT
    if proc.returncode != 0:
        err = (proc.stderr or proc.stdout).strip().splitlines()
        return False, (f"bubblewrap ({exe}) cannot create a sandbox here: {err[-1] if err else proc.returncode}. "
                       + INSTALL_HINT)
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
    return True, f"{version or 'bubblewrap'} at {exe}: user, PID, network, IPC and mount namespaces work"


def require(allow_unsandboxed: bool = False) -> bool:
    """True when grading runs sandboxed. Raises :class:`SandboxUnavailable` when it cannot and
    unsandboxed grading was not explicitly allowed; warns loudly when it was."""
    ok, why = probe()
    if ok:
        return True
    allow = allow_unsandboxed or os.environ.get("DLCOURSE_ALLOW_UNSANDBOXED", "") not in ("", "0")
    if not allow:
        raise SandboxUnavailable(why)
    warnings.warn(UNSANDBOXED_WARNING + why, RuntimeWarning, stacklevel=2)
    return False


UNSANDBOXED_WARNING = ("GRADING WITHOUT A SANDBOX: student code runs with all of the grader's rights (it can read "
                       "source/ and grading/, change the gradebook and use the network). Scores still come from "
                       "out-of-process checks. Reason: ")


def banner(text: str) -> str:
    """``text`` framed by lines of exclamation marks: how an unsandboxed run is announced."""
    return "!" * 100 + "\nWARNING: " + text + "\n" + "!" * 100


def sandbox_or_refuse(allow_unsandboxed: bool = False, warn=None) -> bool:
    """Every grading path's gate: True when student code will run in bubblewrap. Raises
    :class:`SandboxUnavailable` when it cannot and unsandboxed grading was not allowed (``allow_unsandboxed``
    or ``DLCOURSE_ALLOW_UNSANDBOXED=1``); otherwise hands the loud warning (:func:`banner`) to ``warn``
    (default: print it on stderr)."""
    ok, why = probe()
    if ok:
        return True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        require(allow_unsandboxed)  # raises when not allowed
    (warn or (lambda t: print(t, file=sys.stderr, flush=True)))(banner(UNSANDBOXED_WARNING + why))
    return False


# --------------------------------------------------------------------------- what is visible

def system_binds() -> list[str]:
    """Read-only /usr and the /bin, /lib* entries (links on merged-/usr systems)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return args


def _under(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


@functools.lru_cache(maxsize=1)
def python_install() -> tuple[str, list[str], list[str]]:
    """(interpreter, folders to bind read-only, site-packages folders to hide) of the base Python.

    The venv's own interpreter is a link to the base one; running the base interpreter with ``-I -S``
    keeps every site-packages folder (the venv's included) off ``sys.path``.
    """
    base = Path(sys.base_prefix).resolve()
    exe = Path(sys._base_executable if hasattr(sys, "_base_executable") else sys.executable).resolve()
    binds = []
    if not _under(base, Path("/usr")):
        binds.append(str(base))
    if not (_under(exe, Path("/usr")) or _under(exe, base)):
        binds.append(str(exe))
    hide = set()
    for scheme_vars in ({"base": str(base), "platbase": str(base)},):
        paths = sysconfig.get_paths(vars=scheme_vars)
        for key in ("purelib", "platlib"):
            hide.add(paths[key])
    ver = f"python{sys.version_info.major}.{sys.version_info.minor}"
    hide |= {"/usr/lib/python3/dist-packages", f"/usr/local/lib/{ver}/dist-packages",
             f"/usr/local/lib/{ver}/site-packages", f"/usr/lib/{ver}/site-packages"}
    hide = sorted(p for p in hide if os.path.isdir(p))
    return str(exe), binds, hide


def package_binds(packages: list[str]) -> list[str]:
    """--ro-bind arguments that put each allowed top-level package (and its bundled ``<name>.libs``)
    into the sandbox's private site folder."""
    args: list[str] = []
    for name in packages:
        if name.split(".")[0] in ("dlcourse", "dlgrade"):
            raise ValueError("the course library holds the reference solutions, and the grader the checks: "
                             "neither is ever put into the sandbox of the checks")
        spec = importlib_util.find_spec(name)
        if spec is None or not spec.origin and not spec.submodule_search_locations:
            raise SandboxUnavailable(f"package {name!r} is not installed in the grader's Python ({sys.executable})")
        if spec.submodule_search_locations:
            folder = Path(list(spec.submodule_search_locations)[0]).resolve()
            args += ["--ro-bind", str(folder), f"{SITE_IN_SANDBOX}/{name}"]
            libs = folder.parent / f"{name}.libs"
            if libs.is_dir():
                args += ["--ro-bind", str(libs), f"{SITE_IN_SANDBOX}/{name}.libs"]
        else:
            origin = Path(spec.origin).resolve()
            args += ["--ro-bind", str(origin), f"{SITE_IN_SANDBOX}/{origin.name}"]
    return args


def environment(extra: dict[str, str] | None = None) -> list[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/.mpl", "IPYTHONDIR": "/tmp/.ipython",
           "JUPYTER_RUNTIME_DIR": "/tmp/.jupyter", "JUPYTER_DATA_DIR": "/tmp/.jupyter-data",
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    env.update(extra or {})
    args = ["--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    return args


def command(argv: list[str], *, limits: Limits, ro: list[tuple[str, str]] = (), rw: list[tuple[str, str]] = (),
            packages: list[str] = (), hide_site_packages: bool = True, chdir: str = "/tmp",
            env: dict[str, str] | None = None, seccomp_filter: bool = False,
            new_session: bool = True) -> list[str]:
    """The bwrap command line that runs ``argv`` sandboxed.

    ``ro``/``rw`` are (outside path, inside path) pairs to bind read-only / read-write; ``packages``
    are top-level Python packages made importable from :data:`SITE_IN_SANDBOX`. ``seccomp_filter``: bwrap
    reads the filter from descriptor 9 (the launcher opens it there). ``new_session=False``
    keeps the program in the caller's process group, so that a signal to the group (a kernel
    interrupt) reaches it; start such a process in a session of its own (``start_new_session``), so
    that it has no controlling terminal.
    """
    exe = bwrap_path()
    if not exe:
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed. " + INSTALL_HINT)
    _, py_binds, hide = python_install()
    args = [exe, "--unshare-all", "--unshare-user", "--die-with-parent", *(["--new-session"] if new_session else []),
            "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--cap-drop", "ALL",
            "--hostname", "sandbox", *system_binds()]
    for path in py_binds:
        args += ["--ro-bind", path, path]
    if hide_site_packages:
        for path in hide:
            args += ["--tmpfs", path, "--remount-ro", path]
    args += ["--proc", "/proc", "--dev", "/dev"]
    if limits.tmp_mb and supports("--size"):
        args += ["--size", str(limits.tmp_mb * 1024 * 1024)]
    args += ["--tmpfs", "/tmp"]
    args += package_binds(list(packages))
    for outside, inside in ro:
        args += ["--ro-bind", str(outside), str(inside)]
    for outside, inside in rw:
        args += ["--bind", str(outside), str(inside)]
    args += environment(env)
    if seccomp_filter:
        args += ["--seccomp", str(launch.SECCOMP_FD)]
    args += ["--chdir", chdir, "--", *argv]
    return args


def launch_command(argv: list[str], *, limits: Limits, sandboxed: bool, private_dir: str,
                   fail_file: str | None = None, **visible) -> list[str]:
    """How every process that runs student code starts: the launcher applies ``limits``, then becomes
    bubblewrap (``visible``: the arguments of :func:`command`) or, unsandboxed, ``argv`` itself.

    ``private_dir`` is a folder of the caller's (outside the sandbox) where the seccomp filter is written.
    The process must be started in a session of its own (``start_new_session``; jupyter_client does).
    """
    filter_file = None
    if sandboxed:
        if limits.block_fork:
            filter_file = seccomp.write_filter(os.path.join(private_dir, "seccomp.bpf"))
        argv = command(argv, limits=limits, seccomp_filter=filter_file is not None, **visible)
    return launch.command(argv, python=python_install()[0], memory_mb=limits.memory_mb, cpu_s=limits.cpu_seconds,
                          file_mb=limits.file_mb, seccomp_file=filter_file, fail_file=fail_file)
