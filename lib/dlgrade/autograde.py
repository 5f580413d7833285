"""nbgrader preprocessors made robust for grading a whole class, and the record of what happened.

- :class:`SubmissionLog`: one per submission, the channel from these
  preprocessors to the grading worker (problems met, test cells restored, a
  kernel that never started, the source order of the grade ids). It travels in
  nbgrader's ``resources`` (key :data:`SubmissionLog.KEY`), so two submissions
  never share one; run from plain ``nbgrader autograde``, each notebook gets a
  fresh one and the problems go to nbgrader's log.
- :class:`RobustExecute` replaces nbgrader's ``Execute``: kernels from the one
  kernel manager (:class:`dlgrade.sandbox.kernel.SandboxedKernelManager`:
  limits, bubblewrap, IPC sockets), and none at all when bubblewrap cannot work
  here (unless unsandboxed grading is allowed, with a loud warning); it retries a
  kernel that fails to start,
  enforces a whole-notebook time limit on top of the per-cell timeout, caps the
  output a cell may produce, and when the kernel dies (``os._exit``, ``exit()``,
  a crash, the CPU limit) or ignores the interrupt after a timeout, it marks
  that cell as failed with the reason, starts a fresh kernel, re-runs the cells
  before it silently and carries on, so the other exercises are still graded.
- :class:`RobustOverwriteCells` replaces nbgrader's ``OverwriteCells``: the
  gradebook decides which cells are graded (a student cannot turn a test cell
  off by editing metadata), a cell whose grade id is unknown (renamed) becomes
  an ordinary cell, and every missing test cell is restored after the nearest
  cell that is still there (nbgrader's own code fails when the cell before it
  was deleted too).
"""

from __future__ import annotations

import copy
import math
import signal
import time
from dataclasses import dataclass, field
from time import monotonic

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import Execute, OverwriteCells
from traitlets import Float, Integer

from .sandbox.bwrap import SandboxUnavailable, sandbox_or_refuse
from .sandbox.kernel import SandboxedKernelManager


@dataclass
class SubmissionLog:
    """What happened while grading one submission (read by the worker when nbgrader is done)."""

    KEY = "dlgrade"  # where it travels in nbgrader's resources

    #: notebook name -> grade ids in source order (set by the worker; places restored cells)
    source_order: dict[str, list[str]] = field(default_factory=dict)
    #: problems met, for the report
    problems: list[str] = field(default_factory=list)
    #: grade ids of test cells restored from the source
    restored: list[str] = field(default_factory=list)
    #: a grader-side failure (a kernel that never started): the submission is not graded
    fatal: str | None = None
    #: also log each problem (when nbgrader itself runs the preprocessors: nobody else reports them)
    echo: bool = False

    @classmethod
    def of(cls, resources: dict) -> "SubmissionLog":
        """The log travelling in ``resources`` (a fresh one, kept there, when there is none)."""
        log = resources.get(cls.KEY)
        if not isinstance(log, cls):
            log = resources[cls.KEY] = cls(echo=True)
        return log

    def __deepcopy__(self, memo) -> "SubmissionLog":
        return self  # a channel, not data: nbconvert deep-copies the resources, the log must stay one object

    def problem(self, text: str, logger=None) -> None:
        self.problems.append(text)
        if self.echo and logger is not None:
            logger.warning(text)


class KernelStartError(RuntimeError):
    """The kernel could not be started after all retries (a grader-side problem, not the student's)."""


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
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(*args, **kwargs)
        self.shutdown_kernel = "immediate"
        self.grading = SubmissionLog()

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
                    self._problem(f"the kernel failed to start {attempt - 1} time(s) ({last}); retried")
                return
            except SandboxUnavailable:
                self._stop()
                raise  # not a passing failure: grading refuses to run without the sandbox
            except Exception as exc:  # noqa: BLE001 - any failure to start is retried
                last = f"{type(exc).__name__}: {exc}"
                self._stop()
                time.sleep(0.3 * attempt)
        self.grading.fatal = f"the kernel failed to start {self.kernel_start_attempts} times; last error: {last}"
        raise KernelStartError(self.grading.fatal)

    def _problem(self, text: str) -> None:
        self.grading.problem(text, self.log)

    # -- the notebook ------------------------------------------------------------------------------
    def _error(self, cell, ename: str, evalue: str) -> None:
        cell.outputs.append(NotebookNode(output_type="error", ename=ename, evalue=evalue,
                                         traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"]))

    def _timeout_error(self, by_notebook: bool, cell_timeout) -> dict:
        if by_notebook:
            ename, evalue = "NotebookTimeLimit", (f"the whole notebook may run for at most {self.notebook_timeout:g} s; "
                                                  "it was stopped in this cell and the cells after it were not run")
        else:
            ename, evalue = "CellTimeoutError", (f"this cell ran for more than {cell_timeout} s and was stopped "
                                                 "(an infinite loop, or a very slow computation?)")
        return {"ename": ename, "evalue": evalue, "traceback": [f"\x1b[0;31m{ename}\x1b[0m: {evalue}"]}

    def _run(self, cell, index: int, deadline: float, cell_timeout) -> str | None:
        """Execute one cell under both limits; returns None, "limit" (time limit hit) or raises."""
        remaining = deadline - monotonic()
        by_notebook = cell_timeout is None or remaining < cell_timeout
        self.timeout = max(1, math.ceil(remaining)) if by_notebook else cell_timeout
        self.error_on_timeout = self._timeout_error(by_notebook, cell_timeout)
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
        self.grading = SubmissionLog.of(self.resources)
        self._cell_timeout = self.timeout if self.timeout and self.timeout > 0 else None
        if self.config.get("SandboxedKernelManager", {}).get("sandboxed", True):
            # Before any kernel: refuse (SandboxUnavailable) or warn loudly, as every grading path does.
            sandbox_or_refuse(bool(self.config.get("SandboxedKernelManager", {}).get("allow_unsandboxed", False)),
                              warn=self.log.warning)
        self._start()
        self._deadline = monotonic() + self.notebook_timeout
        self._ran: list[int] = []
        self._restarts = 0
        self._stopped = None  # (ename, evalue) given to the cells that are not run
        try:
            for index, cell in enumerate(self.nb.cells):
                if cell.cell_type == "code" and cell.source.strip():
                    self._execute(cell, index)
        finally:
            self._stop()
        self.set_widgets_metadata()
        return self.nb, self.resources

    def _execute(self, cell, index: int) -> None:
        """Run one code cell, or mark it as not run; recover from a dead or unresponsive kernel."""
        if self._stopped is None and self._deadline - monotonic() <= 0.05:
            self._stop_notebook(f"the notebook hit its time limit of {self.notebook_timeout:g} s")
        if self._stopped is not None:
            cell.outputs = []
            self._error(cell, *self._stopped)
            return
        try:
            if self._run(cell, index, self._deadline, self._cell_timeout) == "limit":
                self._stop_notebook(f"the notebook hit its time limit of {self.notebook_timeout:g} s in cell {index}")
            else:
                self._ran.append(index)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001 - dead or unresponsive kernel
            self._recover(cell, index, exc)

    def _stop_notebook(self, problem: str) -> None:
        self._problem(problem)
        self._stopped = ("NotebookTimeLimit", f"not run: the whole notebook may run for at most "
                                              f"{self.notebook_timeout:g} s")

    def _recover(self, cell, index: int, exc: Exception) -> None:
        """The kernel died or stopped answering in this cell: say why there, restart it, replay the cells above."""
        code = self._stop()
        if code is not None or isinstance(exc, DeadKernelError):
            ename, reason = "KernelDied", _exit_reason(code)
        elif isinstance(exc, CellTimeoutError):
            ename, reason = "KernelUnresponsive", "the kernel ignored the interrupt after the time limit"
        else:
            ename, reason = "KernelUnresponsive", f"the kernel stopped answering ({type(exc).__name__})"
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        self._error(cell, ename, f"{reason} while running this cell; the grader restarted the kernel, re-ran the "
                                 "cells above and went on")
        self._restarts += 1
        self._problem(f"{reason} in cell {index}{f' ({gid})' if gid else ''}: kernel restarted, cells above re-run")
        if self._restarts > self.max_restarts:
            self._stopped = ("KernelRestartLimit", f"not run: the kernel was restarted {self.max_restarts} "
                                                   "times already")
            return
        self._start()
        self._replay()

    def _replay(self) -> None:
        """Re-run the cells that ran before, in a fresh kernel, keeping their recorded outputs."""
        for index in self._ran:
            if self._deadline - monotonic() <= 0.05:
                return
            original = self.nb.cells[index]
            try:
                self._run(copy.deepcopy(original), index, self._deadline, self._cell_timeout)
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

    def _find(self, kind: str, gid: str):
        try:
            return getattr(self.gradebook, f"find_{kind}_cell")(gid, self.notebook_id, self.assignment_id)
        except MissingEntry:
            return None

    def preprocess_cell(self, cell, resources, cell_index):
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            return cell, resources
        gid = meta.get("grade_id")
        if gid is None:
            del cell.metadata["nbgrader"]
            return cell, resources
        grading = SubmissionLog.of(resources)
        if self._find("source", gid) is None:
            grading.problem(f"cell {gid!r} is not part of the assignment (renamed or from elsewhere): "
                            "graded as an ordinary cell", self.log)
            del cell.metadata["nbgrader"]
            return cell, resources
        graded, solution = self._find("graded", gid), self._find("solution", gid) is not None
        if bool(meta.get("grade")) != (graded is not None) or bool(meta.get("solution")) != solution:
            grading.problem(f"cell {gid!r} had its nbgrader flags changed: restored", self.log)
        meta["grade"] = graded is not None
        meta["solution"] = solution
        if graded is not None:
            meta["points"] = float(graded.max_score)
        elif "points" in meta:
            del meta["points"]
        return super().preprocess_cell(cell, resources, cell_index)

    def add_missing_grade_cells(self, nb, resources):
        grading = SubmissionLog.of(resources)
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = {c.name: c for c in source_nb.source_cells}
        order = [g for g in grading.source_order.get(self.notebook_id, []) if g in source_cells]
        order += [g for g in source_cells if g not in order]
        solution_ids = {c.name for c in source_nb.solution_cells}
        for grade_cell in source_nb.grade_cells:
            present = {c.metadata["nbgrader"]["grade_id"]: i for i, c in enumerate(nb.cells)
                       if "grade_id" in c.get("metadata", {}).get("nbgrader", {})}
            name = grade_cell.name
            if name in present:
                continue
            after = next((present[p] + 1 for p in reversed(order[:order.index(name)]) if p in present), 0)
            nb.cells.insert(after, self.missing_cell_transform(source_cells[name], grade_cell.max_score,
                                                               is_solution=name in solution_ids))
            grading.restored.append(name)
            grading.problem(f"test cell {name!r} was missing from the submission: restored and graded", self.log)
        return nb, resources
