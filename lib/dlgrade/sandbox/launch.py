"""The one launcher: apply resource limits to this process, then become the program that must obey them.

    python -I -S launch.py --memory-mb 2048 --cpu-s 660 --file-mb 512 [--seccomp-file F] [--fail-file F] \
        -- bwrap ... -- python -m ipykernel_launcher -f conn.json

Every process that runs student code starts through this file: the notebook's
kernel (:mod:`dlgrade.sandbox.kernel`) and the process of the grading checks
(:mod:`dlgrade.sandbox.session`), sandboxed (the command after ``--`` is
bubblewrap) or not. Limits survive ``exec``, so they bind the student's code
and never the grader: RLIMIT_AS turns a huge allocation into a
``MemoryError``, RLIMIT_CPU ends a runaway process with SIGXCPU (SIGKILL 5 s
later), RLIMIT_FSIZE stops a cell from filling the disk, no core dumps, and
PR_SET_PDEATHSIG kills the program when the grading process that started it
dies (no orphans after a crash or Ctrl-C). ``--seccomp-file`` opens a seccomp
filter on descriptor 9, which bubblewrap's ``--seccomp 9`` reads.

Fault injection for tests: ``--fail-file F``, where F holds a number N > 0,
decrements it and exits with status 1 instead of starting the program, which
is what a kernel that fails to start looks like to the grader.

This file imports only the standard library (it starts with ``python -I -S``)
and is imported by the grader for :func:`set_limits` and :func:`command`.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import resource
import signal
import sys

SECCOMP_FD = 9
CPU_GRACE_S = 5  # seconds between SIGXCPU (soft limit) and SIGKILL (hard limit)


def command(argv: list[str], *, python: str, memory_mb: int = 0, cpu_s: int = 0, file_mb: int = 0,
            seccomp_file: str | None = None, fail_file: str | None = None) -> list[str]:
    """The command line that starts ``argv`` through this launcher with the given limits (0 = none)."""
    cmd = [python, "-I", "-S", os.path.abspath(__file__), "--memory-mb", str(int(memory_mb)),
           "--cpu-s", str(int(cpu_s)), "--file-mb", str(int(file_mb))]
    if seccomp_file:
        cmd += ["--seccomp-file", seccomp_file]
    if fail_file:
        cmd += ["--fail-file", fail_file]
    return [*cmd, "--", *argv]


def _set(kind: int, soft: int, hard: int | None = None) -> None:
    hard = soft if hard is None else hard
    _, cur_hard = resource.getrlimit(kind)
    if cur_hard != resource.RLIM_INFINITY:
        hard = min(hard, cur_hard)
        soft = min(soft, hard)
    resource.setrlimit(kind, (soft, hard))


def set_limits(memory_mb: int = 0, cpu_s: int = 0, file_mb: int = 0) -> None:
    """Limit the calling process (and what it executes): address space, CPU time, file size; no core dumps."""
    if memory_mb > 0:
        _set(resource.RLIMIT_AS, memory_mb * 1024 * 1024)
    if cpu_s > 0:
        _set(resource.RLIMIT_CPU, cpu_s, cpu_s + CPU_GRACE_S)
    if file_mb > 0:
        _set(resource.RLIMIT_FSIZE, file_mb * 1024 * 1024)
    _set(resource.RLIMIT_CORE, 0)


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # the parent died before prctl took effect
        sys.exit(1)


def _fail_injected(path: str | None) -> bool:
    if not path or not os.path.exists(path):
        return False
    with open(path, "r+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            left = int(fh.read().strip() or 0)
        except ValueError:
            left = 0
        if left <= 0:
            return False
        fh.seek(0)
        fh.truncate()
        fh.write(str(left - 1))
    return True


def _open_seccomp(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    if fd != SECCOMP_FD:
        os.dup2(fd, SECCOMP_FD, inheritable=True)
        os.close(fd)
    else:
        os.set_inheritable(fd, True)


def _parse(argv: list[str]) -> tuple[dict[str, str], list[str]]:
    opts: dict[str, str] = {}
    while argv and argv[0] != "--":
        if len(argv) < 2 or not argv[0].startswith("--"):
            sys.exit(f"launch.py: bad option {argv[0]!r}")
        opts[argv[0]], argv = argv[1], argv[2:]
    if not argv[1:]:
        sys.exit("launch.py: no command after --")
    return opts, argv[1:]


def main(argv: list[str]) -> None:
    opts, cmd = _parse(argv)
    if _fail_injected(opts.get("--fail-file")):
        print("launch: simulated start failure (--fail-file)", file=sys.stderr)
        sys.exit(1)
    set_limits(int(opts.get("--memory-mb", 0)), int(opts.get("--cpu-s", 0)), int(opts.get("--file-mb", 0)))
    _die_with_parent()
    if opts.get("--seccomp-file"):
        _open_seccomp(opts["--seccomp-file"])
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
