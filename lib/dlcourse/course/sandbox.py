"""Kernel launcher: apply resource limits to this process, then become the kernel.

    python sandbox.py --memory-mb 2048 --cpu-s 660 --file-mb 512 -- python -m ipykernel_launcher -f conn.json

Limits survive ``exec``, so they bind the student's kernel only (never the
grader): RLIMIT_AS turns a huge allocation into a ``MemoryError`` in the
student's cell, RLIMIT_CPU ends a runaway kernel with SIGXCPU, RLIMIT_FSIZE
stops a cell from filling the disk, and PR_SET_PDEATHSIG kills the kernel when
the grading worker that started it dies (no orphaned kernels after a crash or
Ctrl-C). This file imports nothing from the course so that it starts fast.

Fault injection for tests: when the environment variable
DLCOURSE_SANDBOX_FAIL_FILE names a file holding a number N > 0, the launcher
decrements it and exits with status 1 instead of starting the kernel, which is
what a kernel that fails to start looks like to the grader.
"""

import argparse
import ctypes
import fcntl
import os
import resource
import signal
import sys


def _fail_injected() -> bool:
    path = os.environ.get("DLCOURSE_SANDBOX_FAIL_FILE")
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


def _set(limit: int, soft: int, hard: int | None = None) -> None:
    hard = soft if hard is None else hard
    cur_soft, cur_hard = resource.getrlimit(limit)
    if cur_hard != resource.RLIM_INFINITY:
        hard = min(hard, cur_hard)
        soft = min(soft, hard)
    resource.setrlimit(limit, (soft, hard))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory-mb", type=int, default=0)
    parser.add_argument("--cpu-s", type=int, default=0)
    parser.add_argument("--file-mb", type=int, default=0)
    parser.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("no kernel command after --")
    if _fail_injected():
        print("sandbox: simulated kernel start failure (DLCOURSE_SANDBOX_FAIL_FILE)", file=sys.stderr)
        sys.exit(1)
    if args.memory_mb > 0:
        _set(resource.RLIMIT_AS, args.memory_mb * 1024 * 1024)
    if args.cpu_s > 0:
        _set(resource.RLIMIT_CPU, args.cpu_s, args.cpu_s + 5)
    if args.file_mb > 0:
        _set(resource.RLIMIT_FSIZE, args.file_mb * 1024 * 1024)
    _set(resource.RLIMIT_CORE, 0)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() == 1:  # the worker died before prctl took effect
            sys.exit(1)
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
