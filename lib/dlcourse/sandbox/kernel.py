"""Sandboxed Jupyter kernels, so that the notebook run of ``nbgrader autograde`` is contained too.

The scores come from the out-of-process checks (:mod:`dlcourse.sandbox.hidden`),
but nbgrader still executes the whole submitted notebook to produce the
feedback the student reads. That kernel runs the student's code, so it runs
in the same kind of sandbox: it sees the Python environment (read-only, with
the course library, which the notebook's own tests import), the notebook's
folder (a private copy made by the grader) and a private socket folder;
not the course's ``source/``, ``grading/``, gradebook, other submissions,
``$HOME``, or the network.

Two ways to use it:

- :func:`wrap_kernel_command` turns a kernel command line (from
  ``KernelManager.format_kernel_cmd``) into the sandboxed one; the kernel
  must use IPC transport with its sockets and connection file in ``ipc_dir``.
- :class:`SandboxedKernelManager` does all of that; :class:`SandboxedExecute`
  is nbgrader's ``Execute`` preprocessor using it (``c.Autograde.autograde_preprocessors``).
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, Unicode

from . import bwrap, seccomp

LAUNCH = str(Path(__file__).with_name("_launch.py").resolve())


def _library_binds() -> list[tuple[str, str]]:
    """The course library's folder, read-only, where it is installed outside the Python environment
    (an editable install): the notebook's tests import ``dlcourse.checks``. Only the package folder,
    never the repository around it."""
    import dlcourse

    pkg = Path(dlcourse.__file__).resolve().parent
    prefix = Path(sys.prefix).resolve()
    try:
        pkg.relative_to(prefix)
        return []
    except ValueError:
        return [(str(pkg), str(pkg))]


def wrap_kernel_command(cmd: list[str], *, cwd: str, ipc_dir: str, limits: bwrap.Limits | None = None,
                        extra_ro: list[tuple[str, str]] = ()) -> list[str]:
    """The command that starts kernel command ``cmd`` (``[python, -m, ipykernel_launcher, -f, conn]``) sandboxed.

    ``cwd`` (the notebook's folder, a private copy) is bound read-write at the same path, ``ipc_dir``
    (connection file and IPC sockets) read-write. The result starts with a small launcher that applies
    ``limits`` and installs the seccomp filter; it must be started in a session of its own (jupyter_client
    does) so that it has no controlling terminal.
    """
    limits = limits or bwrap.Limits(memory_mb=2048, cpu_seconds=1200, file_mb=64, tmp_mb=128)
    prefix = str(Path(sys.prefix))
    ro = [(prefix, prefix), *_library_binds(), *extra_ro]
    rw = [(os.path.abspath(ipc_dir), os.path.abspath(ipc_dir))]
    if os.path.abspath(cwd) != os.path.abspath(ipc_dir):
        rw.insert(0, (os.path.abspath(cwd), os.path.abspath(cwd)))
    filter_file = None
    if limits.block_fork:
        prog = seccomp.program()
        if prog is not None:
            filter_file = os.path.join(ipc_dir, "seccomp.bpf")
            with open(filter_file, "wb") as fh:
                fh.write(prog)
    inner = bwrap.command(cmd, limits=limits, ro=ro, rw=rw, chdir=os.path.abspath(cwd), new_session=False,
                          seccomp_fd=None)
    if filter_file:
        at = inner.index("--chdir")
        inner[at:at] = ["--seccomp", "9"]
    base_python = bwrap.python_install()[0]
    launch = [base_python, "-I", "-S", LAUNCH, "--memory-mb", str(limits.memory_mb), "--cpu-s",
              str(limits.cpu_seconds), "--file-mb", str(limits.file_mb)]
    if filter_file:
        launch += ["--seccomp-file", filter_file]
    return [*launch, "--", *inner]


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run in bubblewrap, over IPC sockets in a private folder."""

    memory_limit_mb = Integer(2048, help="address space of the kernel (MB)").tag(config=True)
    cpu_limit_s = Integer(1200, help="CPU seconds of the kernel").tag(config=True)
    allow_unsandboxed = Bool(False, help="start kernels without a sandbox when bubblewrap cannot work "
                                         "(student code then has the grader's rights)").tag(config=True)
    ipc_root = Unicode("", help="folder for the kernels' private socket folders (default: a temporary folder)"
                       ).tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._sandboxed = bwrap.require(self.allow_unsandboxed)
        self._ipc_dir = tempfile.mkdtemp(prefix="dlsbx-kernel-", dir=self.ipc_root or None)
        self.transport = "ipc"
        self.ip = os.path.join(self._ipc_dir, "k")
        self.connection_file = os.path.join(self._ipc_dir, f"kernel-{uuid.uuid4().hex[:8]}.json")
        self._cwd = os.getcwd()

    async def _async_pre_start_kernel(self, **kw):
        self._cwd = kw.get("cwd") or os.getcwd()
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if not self._sandboxed:
            return cmd
        limits = bwrap.Limits(memory_mb=self.memory_limit_mb, cpu_seconds=self.cpu_limit_s, file_mb=64, tmp_mb=128)
        return wrap_kernel_command(cmd, cwd=self._cwd, ipc_dir=self._ipc_dir, limits=limits)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            import shutil

            shutil.rmtree(self._ipc_dir, ignore_errors=True)


class SandboxedExecute(Execute):
    """nbgrader's ``Execute`` preprocessor whose kernels are sandboxed (see the module's docstring)."""

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(*args, **kwargs)


def sandboxed_autograde_preprocessors() -> list:
    """nbgrader's default ``Autograde.autograde_preprocessors`` with ``Execute`` replaced by :class:`SandboxedExecute`.

    In ``nbgrader_config.py``::

        from dlcourse.sandbox.kernel import sandboxed_autograde_preprocessors
        c.Autograde.autograde_preprocessors = sandboxed_autograde_preprocessors()
    """
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute as _Execute

    default = list(Autograde.class_traits()["autograde_preprocessors"].default())
    if _Execute not in default:
        raise RuntimeError("nbgrader's Autograde no longer lists Execute among its preprocessors: "
                           "update dlcourse.sandbox.kernel for this nbgrader version")
    return [SandboxedExecute if p is _Execute else p for p in default]
