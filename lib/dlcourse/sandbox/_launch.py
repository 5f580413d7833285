"""Apply resource limits to this process, hand a seccomp filter to bwrap, then become bwrap.

    python -I -S _launch.py --memory-mb 2048 --cpu-s 600 --file-mb 64 --seccomp-file F -- bwrap ... --seccomp 9 ...

Used where the grader cannot pass ``preexec_fn``/``pass_fds`` itself (a kernel
started by jupyter_client). Limits survive ``exec`` and bind the sandboxed
program; the filter file is opened on descriptor 9, which bwrap reads. This
file imports only the standard library so that it starts fast.
"""

import os
import resource
import sys

SECCOMP_FD = 9


def _limit(kind, value):
    soft, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, value if hard == resource.RLIM_INFINITY else hard))


def main(argv):
    opts = {}
    while argv and argv[0] != "--":
        key, value = argv[0], argv[1]
        opts[key] = value
        argv = argv[2:]
    cmd = argv[1:]
    if not cmd:
        sys.exit("_launch.py: no command after --")
    if int(opts.get("--memory-mb", 0)):
        _limit(resource.RLIMIT_AS, int(opts["--memory-mb"]) * 1024 * 1024)
    if int(opts.get("--cpu-s", 0)):
        _limit(resource.RLIMIT_CPU, int(opts["--cpu-s"]))
    if int(opts.get("--file-mb", 0)):
        _limit(resource.RLIMIT_FSIZE, int(opts["--file-mb"]) * 1024 * 1024)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if opts.get("--seccomp-file"):
        fd = os.open(opts["--seccomp-file"], os.O_RDONLY)
        if fd != SECCOMP_FD:
            os.dup2(fd, SECCOMP_FD, inheritable=True)
            os.close(fd)
        else:
            os.set_inheritable(fd, True)
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
