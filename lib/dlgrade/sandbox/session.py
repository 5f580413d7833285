"""The grader's end of a sandboxed process that holds only a student's answer code.

    with Session(cells=[("softmax", code)], limits=Limits()) as s:
        names = s.names(["softmax"])        # {"softmax": <Remote callable>}
        out = names["softmax"](x)            # runs in the sandbox; `out` is data decoded here

A :class:`Remote` stands for an object that stays in the sandbox (a student's
function, a cache object): calling it or reading an attribute is a request;
what comes back is plain data (see :mod:`dlgrade.sandbox._runner`) or another
``Remote``. Functions the grader passes as arguments stay here and are called
back. Arrays the student's function changes in place are changed here too, and
a ``numpy.random.Generator`` argument advances exactly as if the call had run
here, so ``dlcourse.checks.call`` behaves the same as in the notebook.

Every request has a deadline (:attr:`Session.deadline`); a sandbox that does
not answer in time, dies, or breaks the protocol is killed and the request
raises :class:`SandboxError` (a ``RuntimeError``): the test that made it fails.
:meth:`Session.limit` brings the deadline closer for a block of requests (a
check's own time limit; :func:`dlgrade.checks.time_limit` is the public form).
"""

from __future__ import annotations

import builtins
import contextlib
import importlib.util
import linecache
import os
import select
from struct import error as struct_error
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from . import _runner as wire
from . import bwrap

RUNNER = Path(wire.__file__).resolve()


class SandboxError(RuntimeError):
    """The sandboxed process timed out, died or broke the protocol."""


class SandboxTimeout(SandboxError):
    pass


class StudentCodeError(RuntimeError):
    """An exception of a type that is not a Python builtin, raised by the student's code."""


_WARNINGS = {name: getattr(builtins, name) for name in dir(builtins)
             if isinstance(getattr(builtins, name), type) and issubclass(getattr(builtins, name), Warning)}


class Remote:
    """An object that lives in the sandbox."""

    __slots__ = ("_session", "_id", "_callable", "_type", "__weakref__")

    def __init__(self, session: "Session", hid: int, is_callable: bool, type_name: str):
        self._session, self._id, self._callable, self._type = session, hid, is_callable, type_name

    def __call__(self, *args, **kwargs):
        if not self._callable:
            raise TypeError(f"'{self._type}' object is not callable")
        return self._session.call(self, args, kwargs)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._session.getattr(self, name)

    def __repr__(self):
        return f"<{self._type} object in the sandbox>"


class Undefined:
    """A name the student's answer cell did not define (the cell failed, or defines another name)."""

    def __init__(self, name: str, why: str):
        self._name, self._why = name, why

    def __call__(self, *args, **kwargs):
        raise NameError(f"name {self._name!r} is not defined: {self._why}")

    def __repr__(self):
        return f"<undefined: {self._name}>"


class TimeLimit:
    """What :meth:`Session.limit` found: ``stopped`` is true when the sandbox was stopped because its time ran
    out inside the block (then it is dead: the grader restarts it for the next test cell); ``seconds`` is the
    time the block took."""

    def __init__(self, seconds: float):
        self.limit = seconds
        self.stopped = False
        self.seconds = 0.0


class Session:
    """One sandboxed Python process holding the student's answer cells, serving requests."""

    def __init__(self, cells: list[tuple[str, str]], *, limits: bwrap.Limits | None = None,
                 packages: tuple[str, ...] = ("numpy",), sandboxed: bool = True, start_timeout: float = 60.0,
                 stderr_limit: int = 20_000):
        self.cells = cells
        self.limits = limits or bwrap.Limits()
        self.packages = tuple(packages)
        self.sandboxed = sandboxed
        self.deadline = time.monotonic() + start_timeout
        self.proc: subprocess.Popen | None = None
        self.callbacks: dict[int, object] = {}
        self.dead: str | None = None
        self.timed_out = False  # the process was stopped because a deadline passed
        self.load_errors: dict[str, str] = {}
        self.stderr_limit = stderr_limit
        self._tmp = tempfile.TemporaryDirectory(prefix="dlsbx-")
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    # -- life cycle -------------------------------------------------------------------------
    def _start(self) -> None:
        tmp = Path(self._tmp.name)
        box = tmp / "box"
        box.mkdir()
        (box / "runner.py").write_bytes(RUNNER.read_bytes())
        self._stderr = open(tmp / "stderr.txt", "w+b")
        self.proc = subprocess.Popen(self._command(tmp, box), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, start_new_session=True, cwd=str(tmp),
                                     env=None if self.sandboxed else self._plain_env(tmp), bufsize=0)
        self._buf = b""
        header, _ = self._recv()
        if header.get("status") != "ready":
            self._die("the sandbox did not start")
        self.loading = None
        self._send({"op": "load", "cells": [{"id": g, "code": c} for g, c in self.cells]}, [])
        while True:
            header, _ = self._recv()
            if header.get("status") != "progress":
                break
            self.loading = str(header.get("id"))[:200]
        self.loading = None
        self.load_errors = {str(k): str(v)[:3000] for k, v in (header.get("errors") or {}).items()}

    def _command(self, tmp: Path, box: Path) -> list[str]:
        """The runner, started through the launcher: in bubblewrap with the allowed packages mounted, or
        (unsandboxed) beside a folder of links to those packages."""
        exe = bwrap.python_install()[0]
        runner = ["-I", "-S", "-B"]
        if self.sandboxed:
            argv = [exe, *runner, "/sandbox/runner.py", "--site", bwrap.SITE_IN_SANDBOX,
                    "--nproc", str(self.limits.processes)]
            return bwrap.launch_command(argv, limits=self.limits, sandboxed=True, private_dir=str(tmp),
                                        ro=[(str(box), "/sandbox")], packages=list(self.packages))
        site = tmp / "site"
        site.mkdir()
        for name in self.packages:
            src = Path(list(importlib.util.find_spec(name).submodule_search_locations)[0]).resolve()
            (site / name).symlink_to(src)
            if (src.parent / f"{name}.libs").is_dir():
                (site / f"{name}.libs").symlink_to(src.parent / f"{name}.libs")
        argv = [exe, *runner, str(box / "runner.py"), "--site", str(site)]
        return bwrap.launch_command(argv, limits=self.limits, sandboxed=False, private_dir=str(tmp))

    @staticmethod
    def _plain_env(tmp: Path) -> dict[str, str]:
        return {"PATH": "/usr/bin:/bin", "HOME": str(tmp), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                "MPLBACKEND": "Agg"}

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._kill()
        if self.proc is not None:
            for f in (self.proc.stdout,):
                try:
                    f.close()
                except OSError:
                    pass
        try:
            self._stderr.close()
        except (OSError, AttributeError):
            pass
        self._tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 9)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
            self.proc.wait()

    def stderr_tail(self) -> str:
        try:
            self._stderr.flush()
            self._stderr.seek(0, os.SEEK_END)
            size = self._stderr.tell()
            self._stderr.seek(max(0, size - self.stderr_limit))
            return self._stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def _die(self, why: str, timeout: bool = False):
        self._kill()
        code = self.proc.returncode if self.proc is not None else None
        if code is not None and code < 0:
            import signal
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = str(-code)
            extra = {"SIGXCPU": " (CPU-time limit)", "SIGKILL": " (killed)"}.get(name, "")
            why += f"; the process ended with {name}{extra}"
        elif code not in (None, 0, -9):
            why += f"; the process exited with status {code}"
        tail = self.stderr_tail().strip().splitlines()
        if tail and not timeout:
            last = tail[-1][:300]
            if "MemoryError" in last or "Error" in last:
                why += f" (last output: {last})"
        self.dead = why
        self.timed_out = timeout
        exc = (SandboxTimeout if timeout else SandboxError)(why)
        exc.loading = getattr(self, "loading", None)  # the answer cell that was running, during the load
        raise exc

    @contextlib.contextmanager
    def limit(self, seconds: float):
        """Within the block, requests have at most ``seconds`` in all (or what the current deadline leaves, if
        less); yields a :class:`TimeLimit`. A sandbox still alive afterwards gets its earlier deadline back."""
        state = TimeLimit(seconds)
        before, start = self.deadline, time.monotonic()
        self.deadline = min(before, start + seconds)
        try:
            yield state
        finally:
            state.seconds = time.monotonic() - start
            state.stopped = bool(self.dead) and self.timed_out
            if not self.dead:
                self.deadline = before

    # -- transport ----------------------------------------------------------------------------
    def _read(self, n: int) -> bytes:
        fd = self.proc.stdout.fileno()
        while len(self._buf) < n:
            left = self.deadline - time.monotonic()
            if left <= 0:
                self._die("the student's code did not finish in time (an infinite loop, or very slow code?); "
                          "it was stopped", timeout=True)
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(fd, max(65536, n - len(self._buf)))
            if not chunk:
                self.proc.wait(timeout=5) if self.proc.poll() is None else None
                self._die("the sandboxed process ended unexpectedly (exit(), os._exit(), a crash or a limit)")
            self._buf += chunk
        data, self._buf = self._buf[:n], self._buf[n:]
        return data

    def _recv(self) -> tuple[dict, list[bytes]]:
        if self.dead:
            raise SandboxError(self.dead)

        class _F:
            read = staticmethod(self._read)
        try:
            return wire.recv(_F)
        except (wire.WireError, ValueError, UnicodeDecodeError, RecursionError, struct_error) as exc:
            self._die(f"the sandboxed process broke the protocol ({type(exc).__name__}: {exc})")

    def _send(self, header: dict, blobs: list[bytes]) -> None:
        if self.dead:
            raise SandboxError(self.dead)
        try:
            wire.send(self.proc.stdin, header, blobs)
        except (BrokenPipeError, OSError):
            self._die("the sandboxed process ended unexpectedly (exit(), os._exit(), a crash or a limit)")

    def _request(self, header: dict, blobs: list[bytes]) -> tuple[dict, list[bytes]]:
        """Send a request; serve callbacks until its reply comes."""
        self._send(header, blobs)
        while True:
            reply, rblobs = self._recv()
            if reply.get("op") == "callback":
                self._serve_callback(reply, rblobs)
                continue
            return reply, rblobs

    def _serve_callback(self, header: dict, blobs: list[bytes]) -> None:
        fn = self.callbacks.get(int(header.get("id", -1)))
        try:
            if fn is None:
                raise wire.WireError("unknown callback")
            args, kwargs = self._decode(header["value"], blobs)
            if type(args) is not list or type(kwargs) is not dict or not all(type(k) is str for k in kwargs):
                raise TypeError("bad callback arguments")
            value = fn(*args, **kwargs)
            tree, out = self._encode(value)
            self._send({"status": "ok", "value": tree}, out)
        except SandboxError:
            raise
        except Exception as exc:  # noqa: BLE001 - the grader's function failed on the student's input
            self._send({"status": "error", "etype": type(exc).__name__, "message": str(exc)[:2000]}, [])

    # -- values ---------------------------------------------------------------------------------
    def _other_out(self, x):
        if isinstance(x, Remote):
            if x._session is not self:
                raise wire.WireError("a sandbox object from another session")
            return {"t": "h", "id": x._id}
        if callable(x):
            self._next_cb = getattr(self, "_next_cb", 0) + 1
            cid = self._next_cb
            self.callbacks[cid] = x
            return {"t": "cb", "id": cid}
        raise TypeError(f"cannot pass a {type(x).__name__} to the student's code in the sandbox "
                        "(only arrays, numbers, strings, containers, random generators and functions)")

    def _other_in(self, tree):
        if tree.get("t") != "h":
            raise wire.WireError("the sandbox may only send handles, never callbacks")
        return Remote(self, int(tree["id"]), bool(tree.get("callable") is True), str(tree.get("type", "object"))[:80])

    def _encode(self, x):
        return wire.encode(x, self._other_out)

    def _decode(self, tree, blobs):
        try:
            return wire.decode(tree, blobs, self._other_in)
        except (wire.WireError, ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
            self._die(f"the sandboxed process sent malformed data ({type(exc).__name__}: {exc})")

    def _raise(self, reply: dict):
        etype = str(reply.get("etype", "Exception"))[:80]
        message = str(reply.get("message", ""))[:4000]
        cls = getattr(builtins, etype, None) if reply.get("builtin") else None
        exc = None
        if isinstance(cls, type) and issubclass(cls, Exception) and not issubclass(cls, Warning):
            try:
                exc = cls(message)
            except Exception:  # noqa: BLE001 - a builtin with another signature
                exc = None
        if exc is None:
            exc = StudentCodeError(f"{etype}: {message}")
        where = reply.get("where")
        if (isinstance(where, list) and len(where) == 2 and isinstance(where[0], str)
                and where[0].startswith("<answer ") and isinstance(where[1], int) and 0 < where[1] < 100000):
            # Raise from the student's line so that a traceback (and checks.call) names it.
            code = compile("\n" * (where[1] - 1) + "raise __exc__", where[0], "exec")
            try:
                exec(code, {"__exc__": exc})
            except BaseException as raised:  # noqa: BLE001
                raise raised.with_traceback(raised.__traceback__) from None
        raise exc

    # -- requests -------------------------------------------------------------------------------
    def names(self, names: list[str]) -> dict[str, object]:
        """The student's values of ``names``: data, a :class:`Remote`, or :class:`Undefined`."""
        reply, blobs = self._request({"op": "names", "names": list(names)}, [])
        if reply.get("status") != "ok":
            self._raise(reply)
        out = {}
        got = reply.get("names") or {}
        for name in names:
            tree = got.get(name)
            out[name] = (Undefined(name, "the answer cell did not define it") if tree is None
                         else self._decode(tree, blobs))
        return out

    def call(self, target: Remote, args, kwargs):
        known = set(self.callbacks)
        try:
            return self._call(target, args, kwargs)
        finally:  # the grader's functions passed to this call cannot be called back later
            for cid in set(self.callbacks) - known:
                del self.callbacks[cid]

    def _call(self, target: Remote, args, kwargs):
        tree, blobs = self._encode([list(args), dict(kwargs)])
        errstate = {k: v for k, v in np.geterr().items()}
        reply, rblobs = self._request({"op": "call", "id": target._id, "value": tree, "errstate": errstate}, blobs)
        if reply.get("status") != "ok":
            self._raise(reply)
        value = self._decode(reply.get("value"), rblobs)
        if type(value) is not list or len(value) != 3:
            self._die("the sandboxed process sent a malformed reply")
        out, changed, caught = value
        self._write_back(args, kwargs, changed)
        for item in caught if type(caught) is list else []:
            if type(item) is list and len(item) == 2 and type(item[0]) is str and type(item[1]) is str:
                category = _WARNINGS.get(item[0], RuntimeWarning if "Warning" in item[0] else UserWarning)
                warnings.warn(item[1], category, stacklevel=2)
        return out

    def getattr(self, target: Remote, name: str):
        reply, blobs = self._request({"op": "getattr", "id": target._id, "name": name}, [])
        if reply.get("status") != "ok":
            self._raise(reply)
        return self._decode(reply.get("value"), blobs)

    @staticmethod
    def _write_back(args, kwargs, changed) -> None:
        """Apply the sandbox's in-place changes of array arguments and Generator states to ours."""
        if type(changed) is not list:
            return
        root = [list(args), dict(kwargs)]
        for item in changed:
            if type(item) is not list or len(item) != 2 or type(item[0]) is not list:
                continue
            path, new = item
            target = root
            try:
                for key in path:
                    target = target[key]
            except (KeyError, IndexError, TypeError):
                continue
            if isinstance(target, np.random.Generator) and isinstance(new, np.random.Generator):
                try:
                    target.bit_generator.state = new.bit_generator.state
                except (TypeError, ValueError, KeyError):
                    pass
            elif (type(target) is np.ndarray and type(new) is np.ndarray and target.shape == new.shape
                  and target.flags.writeable):
                try:
                    target[...] = new
                except (TypeError, ValueError):
                    pass


def register_source(gid: str, code: str) -> None:
    """Let tracebacks and ``checks.call`` quote the student's line of answer cell ``gid``."""
    name = f"<answer {gid}>"
    lines = [line + "\n" for line in code.splitlines()]
    linecache.cache[name] = (len(code), None, lines, name)
