"""The one kernel manager of the grader: Jupyter kernels under limits, in bubblewrap, over IPC sockets.

The scores come from the out-of-process checks (:mod:`dlgrade.checks`), but the
notebook is still executed to produce what the student reads; that kernel runs
the student's code, so it starts like every student process
(:func:`dlgrade.sandbox.bwrap.launch_command`): through the launcher (memory,
CPU-time and file-size limits; killed with the process that started it) and,
unless grading runs unsandboxed, inside bubblewrap. It sees the Python
environment (read-only, with the course library, which the notebook's own tests
import), the notebook's folder (read-write: the submission's autograded copy),
MNIST (read-only, where the grader has it: ``DLCOURSE_MNIST_DIR`` or the loader's
cache; the capstone's notebook trains on it) and a private folder for its
sockets and connection file; not the course's ``source/``, ``grading/``,
gradebook, other submissions, ``$HOME`` or the network. IPC sockets in a
private folder also mean that kernels of parallel workers never race for TCP
ports (nbgrader issue #174).

:class:`SandboxedKernelManager` is the kernel manager of
:class:`dlgrade.autograde.RobustExecute`, the execute step of the course's
grading pipeline (:mod:`dlgrade.pipeline`) that every grading path uses.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer, Unicode

from . import bwrap

#: tests only: a file holding how many kernel starts must fail (see :mod:`dlgrade.sandbox.launch`)
FAIL_FILE_VARIABLE = "DLCOURSE_SANDBOX_FAIL_FILE"


def _library_binds() -> list[tuple[str, str]]:
    """The course library's folder, read-only, where it is installed outside the Python environment
    (an editable install): the notebook's tests import ``dlcourse.checks``. Only the package folder,
    never the repository around it."""
    import dlcourse

    pkg = Path(dlcourse.__file__).resolve().parent
    try:
        pkg.relative_to(Path(sys.prefix).resolve())
        return []
    except ValueError:
        return [(str(pkg), str(pkg))]


#: where the grader's MNIST folder appears inside the sandbox (read-only); DLCOURSE_MNIST_DIR names it there
MNIST_IN_SANDBOX = "/opt/dlcourse-mnist"


def mnist_folder() -> str | None:
    """The grader's MNIST folder (``DLCOURSE_MNIST_DIR``, else the loader's cache) when it holds the four files;
    never downloads."""
    from dlcourse.data import ENV_DIR, default_cache_dir, mnist_is_available

    for folder in (os.environ.get(ENV_DIR), default_cache_dir()):
        if folder and Path(folder).is_dir() and mnist_is_available(folder):
            return str(Path(folder).resolve())
    return None


class SandboxedKernelManager(AsyncKernelManager):
    """Kernels started through the launcher (limits), in bubblewrap unless ``sandboxed`` is off, over IPC."""

    memory_limit_mb = Integer(2048, help="address space of the kernel (RLIMIT_AS, MB), 0 = none").tag(config=True)
    cpu_limit_s = Integer(1200, help="CPU seconds of the kernel (RLIMIT_CPU), 0 = none").tag(config=True)
    file_limit_mb = Integer(512, help="largest file the kernel may write (RLIMIT_FSIZE, MB), 0 = none"
                            ).tag(config=True)
    sandboxed = Bool(True, help="run the kernel in bubblewrap (refuses to start when bubblewrap cannot work, "
                                "unless allow_unsandboxed)").tag(config=True)
    allow_unsandboxed = Bool(False, help="start kernels without a sandbox when bubblewrap cannot work "
                                         "(student code then has the grader's rights)").tag(config=True)
    ipc_dir = Unicode("", help="folder for the kernels' private socket folders (default: a temporary folder)"
                      ).tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._sandboxed = self.sandboxed and bwrap.require(self.allow_unsandboxed)
        self._private = tempfile.mkdtemp(prefix="k", dir=self.ipc_dir or None)
        self.transport = "ipc"
        self.ip = os.path.join(self._private, "k")
        self.connection_file = os.path.join(self._private, "kernel.json")
        self._cwd = os.getcwd()

    async def _async_pre_start_kernel(self, **kw):
        self._cwd = kw.get("cwd") or os.getcwd()
        if self._sandboxed:
            # bubblewrap clears JPY_PARENT_PID, so ipykernel prints its "how to connect" note on stdout:
            # noise in the grader's output. stderr (a crash, a failed start) still reaches the terminal.
            kw.setdefault("stdout", subprocess.DEVNULL)
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        limits = bwrap.Limits(memory_mb=self.memory_limit_mb, cpu_seconds=self.cpu_limit_s,
                              file_mb=self.file_limit_mb, tmp_mb=128)
        cwd = os.path.abspath(self._cwd)
        rw = [(cwd, cwd)] if cwd != self._private else []
        prefix = str(Path(sys.prefix))
        ro, env = [(prefix, prefix), *_library_binds()], {}
        if os.environ.get("NBGRADER_EXECUTION"):  # notebooks may skip long runs while nbgrader grades them
            env["NBGRADER_EXECUTION"] = os.environ["NBGRADER_EXECUTION"]
        mnist = mnist_folder() if self._sandboxed else None
        if mnist:
            ro.append((mnist, MNIST_IN_SANDBOX))
            env["DLCOURSE_MNIST_DIR"] = MNIST_IN_SANDBOX
        return bwrap.launch_command(cmd, limits=limits, sandboxed=self._sandboxed, private_dir=self._private,
                                    fail_file=os.environ.get(FAIL_FILE_VARIABLE) or None,
                                    ro=ro, rw=[*rw, (self._private, self._private)], env=env,
                                    chdir=cwd, new_session=False)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._private, ignore_errors=True)
