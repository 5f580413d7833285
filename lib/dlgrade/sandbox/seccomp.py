"""A seccomp filter, handed to bubblewrap (``--seccomp FD``), that refuses to create processes.

Why: a fork bomb must not take down the grading machine. ``RLIMIT_NPROC``
cannot stop it everywhere: the kernel never applies it to real root (the
grader in CI), and for an ordinary user it counts every process that user
runs. The exercise checks and the notebook kernel need threads (BLAS, ZeroMQ)
but never a new process, so the filter lets ``clone`` through only with
``CLONE_THREAD`` and makes ``fork``, ``vfork``, ``clone`` without it and
``clone3`` fail with ``EAGAIN``/``ENOSYS`` (glibc then falls back to ``clone``
for threads). System calls of another ABI (32-bit ``int 0x80`` on x86-64,
x32) fail too. The filter is the classic BPF program that the kernel's
``seccomp(2)`` documents; bubblewrap installs it right before it starts the
sandboxed program, which can never remove it.

Supported: x86-64 and AArch64. Elsewhere :func:`program` returns ``None`` and
only the rlimits and the PID namespace hold a fork bomb.
"""

from __future__ import annotations

import platform
import struct

# BPF instruction classes and fields (linux/bpf_common.h)
_LD, _W, _ABS = 0x00, 0x00, 0x20
_JMP, _JEQ, _JGE, _JSET, _K = 0x05, 0x10, 0x30, 0x40, 0x00
_RET = 0x06

_ALLOW = 0x7FFF0000
_ERRNO = 0x00050000
_EAGAIN, _ENOSYS, _EPERM = 11, 38, 1
_CLONE_THREAD = 0x00010000

# (audit arch, fork, vfork, clone, clone3); -1 where the ABI has no such call
_ARCHES = {
    "x86_64": (0xC000003E, 57, 58, 56, 435),
    "aarch64": (0xC00000B7, -1, -1, 220, 435),
}


def _stmt(code: int, k: int) -> bytes:
    return struct.pack("<HBBI", code, 0, 0, k & 0xFFFFFFFF)


def _jump(code: int, k: int, jt: int, jf: int) -> bytes:
    return struct.pack("<HBBI", code, jt, jf, k & 0xFFFFFFFF)


def program(machine: str | None = None) -> bytes | None:
    """The filter as raw ``struct sock_filter`` entries for this machine, or None if unsupported."""
    machine = (machine or platform.machine()).lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    if machine not in _ARCHES:
        return None
    arch, fork, vfork, clone, clone3 = _ARCHES[machine]
    deny_other_abi = _stmt(_RET | _K, _ERRNO | _EPERM)
    prog = [
        _stmt(_LD | _W | _ABS, 4),                      # A = seccomp_data.arch
        _jump(_JMP | _JEQ | _K, arch, 1, 0),            # native ABI? skip the deny
        deny_other_abi,
        _stmt(_LD | _W | _ABS, 0),                      # A = seccomp_data.nr
    ]
    if machine == "x86_64":                             # x32 system calls carry bit 30
        prog += [_jump(_JMP | _JGE | _K, 0x40000000, 0, 1), _stmt(_RET | _K, _ERRNO | _EPERM)]
    for nr in (fork, vfork):
        if nr >= 0:
            prog += [_jump(_JMP | _JEQ | _K, nr, 0, 1), _stmt(_RET | _K, _ERRNO | _EAGAIN)]
    prog += [
        _jump(_JMP | _JEQ | _K, clone3, 0, 1), _stmt(_RET | _K, _ERRNO | _ENOSYS),
        _jump(_JMP | _JEQ | _K, clone, 1, 0),           # clone: look at its flags
        _stmt(_RET | _K, _ALLOW),                       # everything else
        _stmt(_LD | _W | _ABS, 16),                     # A = low 32 bits of args[0] (the flags)
        _jump(_JMP | _JSET | _K, _CLONE_THREAD, 0, 1),
        _stmt(_RET | _K, _ALLOW),                       # a thread
        _stmt(_RET | _K, _ERRNO | _EAGAIN),             # a process
    ]
    return b"".join(prog)


def write_filter(path: str) -> str | None:
    """Write :func:`program` to ``path`` (for the launcher's ``--seccomp-file``); None where unsupported."""
    prog = program()
    if prog is None:
        return None
    with open(path, "wb") as fh:
        fh.write(prog)
    return path
