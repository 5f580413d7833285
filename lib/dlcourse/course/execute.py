"""nbgrader preprocessors made robust for grading a whole class.

- :class:`LimitedKernelManager` starts every kernel through ``sandbox.py``
  (memory, CPU-time and file-size limits; killed with its worker), inside
  bubblewrap (:func:`dlcourse.sandbox.wrap_kernel_command`: no network, no
  course files, only the notebook's folder) unless grading runs unsandboxed,
  and talks to it over IPC sockets in a private folder, so kernels of parallel
  workers never race for TCP ports (nbgrader issue #174).
- :class:`RobustExecute` replaces nbgrader's ``Execute``: it retries a kernel
  that fails to start, enforces a whole-notebook time limit on top of the
  per-cell timeout, caps the output a cell may produce, and when the kernel
  dies (``os._exit``, ``exit()``, a crash, the CPU limit) or ignores the
  interrupt after a timeout, it marks that cell as failed with the reason,
  starts a fresh kernel, re-runs the cells before it silently and carries on,
  so the other exercises are still graded.
- :class:`RobustOverwriteCells` replaces nbgrader's ``OverwriteCells``: the
  gradebook decides which cells are graded (a student cannot turn a test cell
  off by editing metadata), a cell whose grade id is unknown (renamed) becomes
  an ordinary cell, and every missing test cell is restored after the nearest
  cell that is still there (nbgrader's own code fails when the cell before it
  was deleted too).

What went wrong is collected in :data:`PROBLEMS` (one grading at a time per
process) and reported by the worker.
"""

from __future__ import annotations

import copy
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from time import monotonic

from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import Execute, OverwriteCells
from traitlets import Bool, Float, Integer, Unicode

SANDBOX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sandbox.py")

#: Problems met while grading the current submission (read and cleared by the worker).
PROBLEMS: list[str] = []
#: Grader-side failures (a kernel that never started) for the current submission.
FATAL: list[str] = []
#: Grade ids of test cells restored by RobustOverwriteCells for the current submission.
RESTORED: list[str] = []
#: notebook id -> grade ids in source order (set by the worker; used to place restored cells).
SOURCE_ORDER: dict[str, list[str]] = {}


class KernelStartError(RuntimeError):
    """The kernel could not be started after all retries (a grader-side problem, not the student's)."""


class LimitedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run under resource limits, in bubblewrap, over IPC transport.

    Each kernel gets a private folder under ``ipc_dir`` for its sockets and connection file; it is
    the only folder besides the notebook's own (the worker's copy of the submission) that a sandboxed
    kernel can write, and it never contains the worker's course copy (gradebook, sources).
    """

    memory_limit_mb = Integer(2048, help="address-space limit of the kernel (RLIMIT_AS), 0 = none").tag(config=True)
    cpu_limit_s = Integer(0, help="CPU-time limit of the kernel (RLIMIT_CPU), 0 = none").tag(config=True)
    file_limit_mb = Integer(512, help="largest file the kernel may write (RLIMIT_FSIZE), 0 = none").tag(config=True)
    ipc_dir = Unicode("", help="folder for the kernels' private IPC folders; empty = TCP").tag(config=True)
    sandboxed = Bool(False, help="run the kernel in bubblewrap (dlcourse.sandbox); needs ipc_dir").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._ipc = ""
        self._cwd = os.getcwd()
        if self.sandboxed and not self.ipc_dir:
            raise ValueError("LimitedKernelManager.sandboxed needs ipc_dir (a sandboxed kernel cannot use TCP)")
        if self.ipc_dir:
            self._ipc = tempfile.mkdtemp(prefix="k", dir=self.ipc_dir)
            self.transport = "ipc"
            self.ip = os.path.join(self._ipc, "k")
            self.connection_file = os.path.join(self._ipc, "kernel.json")

    async def _async_pre_start_kernel(self, **kw):
        self._cwd = kw.get("cwd") or os.getcwd()
        if self.sandboxed:
            # bubblewrap clears JPY_PARENT_PID, so ipykernel prints its "how to connect" note on stdout:
            # noise in the grader's output. stderr (a crash, a failed start) still reaches the terminal.
            kw.setdefault("stdout", subprocess.DEVNULL)
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if self.sandboxed:
            from dlcourse.sandbox import Limits
            from dlcourse.sandbox.kernel import wrap_kernel_command

            limits = Limits(memory_mb=self.memory_limit_mb, cpu_seconds=self.cpu_limit_s or 1200,
                            file_mb=self.file_limit_mb, tmp_mb=128)
            cmd = wrap_kernel_command(cmd, cwd=self._cwd, ipc_dir=self._ipc, limits=limits)
        return [sys.executable, SANDBOX, f"--memory-mb={self.memory_limit_mb}", f"--cpu-s={self.cpu_limit_s}",
                f"--file-mb={self.file_limit_mb}", "--", *cmd]

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._ipc:
            shutil.rmtree(self._ipc, ignore_errors=True)


def _exit_reason(code) -> str:
    if code is None:
        return "the kernel stopped answering"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        extra = {"SIGXCPU": " (CPU-time limit)", "SIGKILL": " (killed: out of memory or a limit)",
                 "SIGSEGV": " (a crash in compiled code)"}.get(name, "")
        return f"the kernel died from {name}{extra}"
    return f"the kernel exited with status {code} (os._exit(), exit() or a crash in the student's code?)"


class RobustExecute(Execute):
    """nbgrader's Execute with kernel-start retries, a notebook time limit and recovery from dead kernels."""

    notebook_timeout = Float(600.0, help="wall-clock limit for executing a whole notebook (s)").tag(config=True)
    kernel_start_attempts = Integer(3, help="tries to start a kernel before giving up").tag(config=True)
    max_output_chars = Integer(1_000_000, help="stream output kept per cell (characters)").tag(config=True)
    interrupt_grace = Float(2.0, help="seconds a kernel gets to stop after an interrupt").tag(config=True)
    max_restarts = Integer(3, help="kernel restarts per notebook before the rest is given up").tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = LimitedKernelManager
        super().__init__(*args, **kwargs)
        self.shutdown_kernel = "immediate"

    # -- output cap -------------------------------------------------------------------------
    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] == "stream":
            text = msg["content"].get("text", "")
            self._chars = getattr(self, "_chars", 0) + len(text)
            if self._chars > self.max_output_chars:
                if getattr(self, "_truncated", False):
                    return None
                self._truncated = True
                msg = copy.deepcopy(msg)
                msg["content"]["text"] = (f"\n... output truncated by the grader: more than "
                                          f"{self.max_output_chars} characters ...\n")
        return super().output(outs, msg, display_id, cell_index)

    # -- timeouts -----------------------------------------------------------------------------
    async def _async_handle_timeout(self, timeout, cell=None):
        self._timed_out = True
        # A kernel that honours the interrupt answers at once; do not wait 4 s for one that does not.
        self._saved_iopub = self.iopub_timeout
        self.iopub_timeout = min(self.iopub_timeout, self.interrupt_grace)
        return await super()._async_handle_timeout(timeout, cell)

    # -- kernel life cycle ------------------------------------------------------------------------
    def _stop(self) -> int | None:
        """Kill the kernel (if any); return its exit code when it had already died."""
        code = None
        km = self.km
        if km is not None:
            proc = getattr(getattr(km, "provisioner", None), "process", None)
            if proc is not None:
                code = proc.poll()
            try:
                self._cleanup_kernel()
            except Exception:  # noqa: BLE001 - best effort: make sure the process is gone
                if proc is not None and proc.poll() is None:
                    proc.kill()
        self.km = None
        self.kc = None
        return code

    def _start(self) -> None:
        last = None
        for attempt in range(1, self.kernel_start_attempts + 1):
            try:
                self.km = self.create_kernel_manager()
                self.start_new_kernel()
                self.start_new_kernel_client()
                info = self.wait_for_reply(self.kc.kernel_info())
                if info and "language_info" in info["content"]:
                    self.nb.metadata["language_info"] = info["content"]["language_info"]
                if attempt > 1:
                    PROBLEMS.append(f"the kernel failed to start {attempt - 1} time(s) ({last}); retried")
                return
            except Exception as exc:  # noqa: BLE001 - any failure to start is retried
                last = f"{type(exc).__name__}: {exc}"
                self._stop()
                time.sleep(0.3 * attempt)
        FATAL.append(f"the kernel failed to start {self.kernel_start_attempts} times; last error: {last}")
        raise KernelStartError(f"the kernel failed to start {self.kernel_start_attempts} times; last error: {last}")

    # -- the notebook ------------------------------------------------------------------------------
    def _error(self, cell, ename: str, evalue: str) -> None:
        cell.outputs.append(NotebookNode(output_type="error", ename=ename, evalue=evalue,
                                         traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"]))

    def _run(self, cell, index: int, deadline: float, cell_timeout) -> str | None:
        """Execute one cell under both limits; returns None, "limit" (time limit hit) or raises."""
        remaining = deadline - monotonic()
        by_notebook = cell_timeout is None or remaining < cell_timeout
        self.timeout = max(1, math.ceil(remaining)) if by_notebook else cell_timeout
        if by_notebook:
            self.error_on_timeout = {
                "ename": "NotebookTimeLimit",
                "evalue": f"the whole notebook may run for at most {self.notebook_timeout:g} s; "
                          "it was stopped in this cell and the cells after it were not run",
                "traceback": [f"\x1b[0;31mNotebookTimeLimit\x1b[0m: the whole notebook may run for at most "
                              f"{self.notebook_timeout:g} s; it was stopped here"]}
        else:
            self.error_on_timeout = {
                "ename": "CellTimeoutError",
                "evalue": f"this cell ran for more than {cell_timeout} s and was stopped "
                          "(an infinite loop, or a very slow computation?)",
                "traceback": [f"\x1b[0;31mCellTimeoutError\x1b[0m: this cell ran for more than {cell_timeout} s "
                              "and was stopped (an infinite loop, or a very slow computation?)"]}
        self._timed_out = False
        self._chars = 0
        self._truncated = False
        try:
            self.preprocess_cell(cell, self.resources, index)
        finally:
            if hasattr(self, "_saved_iopub"):
                self.iopub_timeout = self._saved_iopub
                del self._saved_iopub
        return "limit" if (self._timed_out and by_notebook) else None

    def preprocess(self, nb, resources=None, km=None):
        from nbclient.client import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        cell_timeout = self.timeout if self.timeout and self.timeout > 0 else None
        self._start()
        deadline = monotonic() + self.notebook_timeout
        ran: list[int] = []
        restarts = 0
        stopped = None  # why the remaining cells are not run
        try:
            for index, cell in enumerate(self.nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                if stopped is None and deadline - monotonic() <= 0.05:
                    stopped = ("NotebookTimeLimit", f"not run: the whole notebook may run for at most "
                                                    f"{self.notebook_timeout:g} s")
                    PROBLEMS.append(f"the notebook hit its time limit of {self.notebook_timeout:g} s")
                if stopped is not None:
                    cell.outputs = []
                    self._error(cell, *stopped)
                    continue
                try:
                    if self._run(cell, index, deadline, cell_timeout) == "limit":
                        PROBLEMS.append(f"the notebook hit its time limit of {self.notebook_timeout:g} s "
                                        f"in cell {index}")
                        stopped = ("NotebookTimeLimit", f"not run: the whole notebook may run for at most "
                                                        f"{self.notebook_timeout:g} s")
                    else:
                        ran.append(index)
                except KeyboardInterrupt:
                    raise
                except Exception as exc:  # noqa: BLE001 - dead or unresponsive kernel
                    code = self._stop()
                    if code is not None or isinstance(exc, DeadKernelError):
                        ename, reason = "KernelDied", _exit_reason(code)
                    elif isinstance(exc, CellTimeoutError):
                        ename, reason = "KernelUnresponsive", "the kernel ignored the interrupt after the time limit"
                    else:
                        ename, reason = "KernelUnresponsive", f"the kernel stopped answering ({type(exc).__name__})"
                    gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
                    self._error(cell, ename,
                                f"{reason} while running this cell; the grader restarted the kernel, re-ran the "
                                "cells above and went on")
                    restarts += 1
                    PROBLEMS.append(f"{reason} in cell {index}{f' ({gid})' if gid else ''}: "
                                    "kernel restarted, cells above re-run")
                    if restarts > self.max_restarts:
                        stopped = ("KernelRestartLimit", f"not run: the kernel was restarted {self.max_restarts} "
                                                         "times already")
                        continue
                    self._start()
                    self._replay(ran, deadline, cell_timeout)
        finally:
            self._stop()
        self.set_widgets_metadata()
        return self.nb, self.resources

    def _replay(self, ran: list[int], deadline: float, cell_timeout) -> None:
        """Re-run the cells that ran before, in a fresh kernel, keeping their recorded outputs."""
        for index in ran:
            if deadline - monotonic() <= 0.05:
                return
            original = self.nb.cells[index]
            ghost = copy.deepcopy(original)
            try:
                self._run(ghost, index, deadline, cell_timeout)
            except KeyboardInterrupt:
                raise
            except Exception:  # noqa: BLE001 - the rest of the notebook reports what fails
                self._stop()
                self._start()
                return
            finally:
                self.nb.cells[index] = original


class RobustOverwriteCells(OverwriteCells):
    """OverwriteCells where the gradebook, not the submission, says which cells are graded."""

    def preprocess_cell(self, cell, resources, cell_index):
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            return cell, resources
        gid = meta.get("grade_id")
        if gid is None:
            del cell.metadata["nbgrader"]
            return cell, resources
        try:
            self.gradebook.find_source_cell(gid, self.notebook_id, self.assignment_id)
        except MissingEntry:
            PROBLEMS.append(f"cell {gid!r} is not part of the assignment (renamed or from elsewhere): "
                            "graded as an ordinary cell")
            del cell.metadata["nbgrader"]
            return cell, resources
        try:
            graded = self.gradebook.find_graded_cell(gid, self.notebook_id, self.assignment_id)
        except MissingEntry:
            graded = None
        try:
            self.gradebook.find_solution_cell(gid, self.notebook_id, self.assignment_id)
            solution = True
        except MissingEntry:
            solution = False
        if bool(meta.get("grade")) != (graded is not None) or bool(meta.get("solution")) != solution:
            PROBLEMS.append(f"cell {gid!r} had its nbgrader flags changed: restored")
        meta["grade"] = graded is not None
        meta["solution"] = solution
        if graded is not None:
            meta["points"] = float(graded.max_score)
        elif "points" in meta:
            del meta["points"]
        return super().preprocess_cell(cell, resources, cell_index)

    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = {c.name: c for c in source_nb.source_cells}
        order = [g for g in SOURCE_ORDER.get(self.notebook_id, []) if g in source_cells]
        order += [g for g in source_cells if g not in order]
        solution_ids = {c.name for c in source_nb.solution_cells}
        for grade_cell in source_nb.grade_cells:
            present = {c.metadata["nbgrader"]["grade_id"]: i for i, c in enumerate(nb.cells)
                       if "grade_id" in c.get("metadata", {}).get("nbgrader", {})}
            name = grade_cell.name
            if name in present:
                continue
            insert_at = 0
            for previous in reversed(order[:order.index(name)]):
                if previous in present:
                    insert_at = present[previous] + 1
                    break
            new = self.missing_cell_transform(source_cells[name], grade_cell.max_score,
                                              is_solution=name in solution_ids)
            nb.cells.insert(insert_at, new)
            RESTORED.append(name)
            PROBLEMS.append(f"test cell {name!r} was missing from the submission: restored and graded")
        return nb, resources
