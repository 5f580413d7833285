"""Grade one submitted notebook by checks the student cannot touch.

    result = grade_notebook(source_nb, submitted_nb, spec)
    result.scores["test_softmax_batch"]        # (points obtained, points possible)
    result.messages["test_softmax_batch"]      # what failed, with the usual mistake ("" when passed)

How (:class:`CheckRun`):
1. From the SUBMISSION only the answer cells are taken (by nbgrader grade id;
   the first cell with each id). A fresh sandboxed Python process
   (:class:`~dlgrade.sandbox.session.Session`) executes them, one namespace,
   after a setup of ``import numpy as np`` and the given imports/definitions
   of the source notebook. Nothing else of the submission runs: no test cells,
   no cells the student added, no input transformers, no patched modules in the
   grader.
2. The grader walks the SOURCE notebook (the instructor's, with visible and
   hidden tests): given cells run here (except demos that call an exercise);
   at each answer cell, the names the solution defines (``softmax``,
   ``answer_chain_rule``, ...) are bound to the student's values: data for
   variables, a ``Remote`` for functions; each test cell runs here with
   ``dlcourse.checks``, so the scores and the teaching messages are the same as
   in the notebook. Only the exercise calls run in the sandbox; their results
   come back as data.
3. A test cell earns its points when its code (and the spec's extra checks for
   it) raises nothing.

A test cell's calls into the sandbox share ``cell_timeout`` seconds; an extra
check that needs a tighter limit of its own (a training run on the grader's
budget) wraps those calls in :func:`time_limit`.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import io
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from ..sandbox import bwrap
from ..sandbox.session import SandboxError, Session, TimeLimit, Undefined, register_source
from ..spec import NotebookSpec, load as load_spec
from .cells import (answer_cells, default_sandbox_setup, exported_names, grade_id, is_answer, is_test, meta,
                    python_source, top_level_uses)

MAX_CODE = 200_000  # characters of answer code per cell
MAX_RESTARTS = 2    # restarts of the sandboxed process per notebook after a cell killed it
LOAD_ATTEMPTS = 4   # loads of the answer cells, each leaving out the cell that ended the process


_RUNNING: contextvars.ContextVar["CheckRun | None"] = contextvars.ContextVar("dlgrade_check_run", default=None)


@contextlib.contextmanager
def time_limit(seconds: float):
    """A check's own time limit: inside the block, the student's code (every call the block makes into the
    sandbox) may run for ``seconds`` in all, or less when the test cell has less time left.

    Yields a :class:`~dlgrade.sandbox.session.TimeLimit`: when the time runs out, the sandbox is stopped, the
    call raises (``dlcourse.checks.call`` turns that into an ``AssertionError``) and ``.stopped`` is true, so
    the check can say why in its message; ``.seconds`` is the time the block took. The grader restarts the
    sandbox for the next test cell. Outside a grading run (a check called on plain functions, e.g. in a test),
    nothing is stopped and the block is only timed::

        with time_limit(20) as limit:
            try:
                call(ns["train"], net, x, t, name="the grader's training run")
            except AssertionError:
                if limit.stopped:
                    fail("... too slow: it did not finish in 20 s ...")
                raise
    """
    run = _RUNNING.get()
    session = run.session if run is not None else None
    if session is None or session.dead:
        state, start = TimeLimit(seconds), time.monotonic()
        try:
            yield state
        finally:
            state.seconds = time.monotonic() - start
        return
    with session.limit(seconds) as state:
        yield state


@dataclass
class HiddenResult:
    """Scores of one notebook by the out-of-process checks."""

    notebook: str
    scores: dict[str, tuple[float, float]] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    answer_errors: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    sandboxed: bool = True
    seconds: float = 0.0

    @property
    def total(self) -> float:
        return sum(s for s, _ in self.scores.values())

    @property
    def max_total(self) -> float:
        return sum(m for _, m in self.scores.values())

    @property
    def failed(self) -> set[str]:
        return {g for g, (s, m) in self.scores.items() if s < m}

    def to_dict(self) -> dict:
        d = asdict(self)
        d["scores"] = {k: list(v) for k, v in self.scores.items()}
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "HiddenResult":
        d = dict(d)
        d["scores"] = {k: (float(v[0]), float(v[1])) for k, v in d.get("scores", {}).items()}
        return cls(**d)


def _read(nb: Path | nbformat.NotebookNode) -> nbformat.NotebookNode:
    if isinstance(nb, nbformat.NotebookNode):
        return nb
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nbformat.read(nb, as_version=4)


def grade_notebook(source: Path | nbformat.NotebookNode, submission: Path | nbformat.NotebookNode,
                   spec: NotebookSpec | None = None, *, sandboxed: bool = True, name: str | None = None,
                   submitted_order: bool = True) -> HiddenResult:
    """Run the hidden checks of ``source`` (the instructor's notebook) against ``submission``'s answer cells."""
    name = name or (Path(source).stem if not isinstance(source, nbformat.NotebookNode) else "notebook")
    result = HiddenResult(notebook=name, sandboxed=sandboxed)
    try:
        submitted = answer_cells(_read(submission))
    except Exception as exc:  # noqa: BLE001 - an unreadable notebook scores 0
        submitted = {}
        result.problems.append(f"the submission could not be read ({type(exc).__name__}: {exc}); scored 0")
    return CheckRun(_read(source), submitted, spec or NotebookSpec(), result, sandboxed=sandboxed,
                    submitted_order=submitted_order).run()


def hidden_grade(root: Path, chapter: str, notebook: str, submitted: Path, *, sandboxed: bool = True,
                 cell_timeout: float | None = None, notebook_timeout: float | None = None,
                 memory_mb: int | None = None, source_dir: Path | None = None) -> HiddenResult:
    """The out-of-process checks of one submitted notebook, with the chapter's spec from ``root/grading``.

    A chapter without ``grading/<chapter>.py`` is checked by the source notebook's test cells alone.
    ``cell_timeout``, ``notebook_timeout`` and ``memory_mb`` (the grading command's limits) cap the
    spec's ``cell_timeout``, ``total_timeout`` and ``memory_mb``: the checks never get more than the
    instructor allowed the notebook run. ``source_dir`` is the chapter's source folder when the course
    does not keep it in ``root/source/<chapter>`` (nbgrader's ``source_directory``).
    """
    specs, _ = load_spec(Path(root), chapter)
    spec = specs.get(notebook) or NotebookSpec()
    caps = {}
    if cell_timeout:
        caps["cell_timeout"] = min(spec.cell_timeout, float(cell_timeout))
    if notebook_timeout:
        caps["total_timeout"] = min(spec.total_timeout, float(notebook_timeout))
    if memory_mb:
        caps["memory_mb"] = min(spec.memory_mb, int(memory_mb))
    if caps:
        spec = dataclasses.replace(spec, **caps)
    source = Path(source_dir or Path(root) / "source" / chapter) / f"{notebook}.ipynb"
    return grade_notebook(source, submitted, spec, sandboxed=sandboxed, name=notebook)


class CheckRun:
    """The source notebook walked in the grader, against the student's answer cells in a sandboxed process."""

    def __init__(self, source: nbformat.NotebookNode, submitted: dict[str, str], spec: NotebookSpec,
                 result: HiddenResult, *, sandboxed: bool = True, submitted_order: bool = True):
        self.started = time.monotonic()
        self.src, self.spec, self.result, self.sandboxed = source, spec, result, sandboxed
        answers = [(grade_id(c), c.source) for c in source.cells if is_answer(c)]
        self.exports = {gid: exported_names(code) for gid, code in answers}
        self.all_exports = {n for names in self.exports.values() for n in names}
        # The student's answer cells, in the order of their notebook (the order the kernel ran them).
        order = [gid for gid in submitted if gid in self.exports] if submitted_order else [g for g, _ in answers]
        self.cells = [("setup", self._setup()), *self._student_cells(submitted, order)]
        for gid, _ in answers:
            if gid not in submitted:
                result.answer_errors[gid] = "this answer cell is missing from the submitted notebook"
        self.limits = bwrap.Limits(memory_mb=spec.memory_mb, cpu_seconds=spec.cpu_seconds)
        self.deadline = self.started + spec.total_timeout
        self.session: Session | None = None
        self.restarts = 0
        self.ns: dict = {"__name__": "__main__"}
        self.bound: list[str] = []
        self.outcome: dict[str, str | None] = {}

    def _setup(self) -> str:
        if self.spec.sandbox_setup is not None:
            return self.spec.sandbox_setup
        given = [c.source for c in self.src.cells if c.cell_type == "code" and not is_answer(c) and not is_test(c)]
        return default_sandbox_setup(given)

    def _student_cells(self, submitted: dict[str, str], order: list[str]) -> list[tuple[str, str]]:
        cells = []
        for gid in order:
            code = submitted[gid]
            if len(code) > MAX_CODE:
                self.result.problems.append(f"answer cell {gid} is longer than {MAX_CODE} characters: not run")
                continue
            try:
                code = python_source(code)  # magics become get_ipython() calls, which the sandbox ignores
            except Exception:  # noqa: BLE001 - leave it: the sandbox reports the syntax error
                pass
            cells.append((gid, code))
            register_source(gid, code)
        return cells

    # -- the walk ---------------------------------------------------------------------------------
    def run(self) -> HiddenResult:
        running = _RUNNING.set(self)
        try:
            self.session = self._start()
            for cell in self.src.cells:
                if cell.cell_type == "code":
                    self._restart_if_dead()
                    self._visit(cell)
        except Exception as exc:  # noqa: BLE001 - never let a submission crash the grader: the rest scores 0
            self.result.problems.append(f"grading stopped early ({type(exc).__name__}: {exc}); "
                                        "the remaining cells score 0")
        finally:
            self._close()
            _RUNNING.reset(running)
        self._score()
        return self.result

    def _visit(self, cell) -> None:
        if is_answer(cell):
            self._bind_answer(grade_id(cell))
        elif is_test(cell):
            self._give_time()
            self.outcome[grade_id(cell)] = _run_test(cell.source, grade_id(cell),
                                                     self.ns, self.spec.extra_checks.get(grade_id(cell), []))
        else:
            self._run_given(cell)

    def _give_time(self) -> None:
        """The cell about to run gets ``cell_timeout`` seconds of sandbox calls, within the notebook's limit."""
        if self.session is not None:
            self.session.deadline = min(time.monotonic() + self.spec.cell_timeout, self.deadline)

    def _bind_answer(self, gid: str) -> None:
        names = self.exports.get(gid, [])
        self.bound += names
        if self.session is None:
            for n in names:
                self.ns[n] = Undefined(n, "the student's code could not be loaded")
            return
        self._give_time()
        self._bind(names, why=self.result.answer_errors.get(gid))

    def _run_given(self, cell) -> None:
        """A given cell runs here, unless it is a demo that calls the exercises (or the spec skips it)."""
        gid = meta(cell).get("grade_id")
        if gid in self.spec.skip_cells or top_level_uses(cell.source, self.all_exports):
            return
        self._give_time()
        err = _run_quietly(cell.source, "<given cell>", self.ns)
        if err:
            self.result.problems.append(f"a given cell ({gid or cell.source.splitlines()[0][:60]!r}) failed in "
                                        f"the grader: {err}")

    def _score(self) -> None:
        for cell in self.src.cells:
            if not is_test(cell):
                continue
            gid, points = grade_id(cell), float(meta(cell).get("points", 0) or 0)
            err = self.outcome.get(gid, "not run")
            self.result.scores[gid] = (points if err is None else 0.0, points)
            self.result.messages[gid] = "" if err is None else err
        self.result.seconds = round(time.monotonic() - self.started, 3)

    # -- the sandboxed process ------------------------------------------------------------------
    def _start(self) -> Session | None:
        """Load the answer cells; a cell that ends the process while it loads (exit(), os._exit(), a limit)
        is left out and the others are loaded again: a broken cell breaks only itself, as in the notebook."""
        for _attempt in range(LOAD_ATTEMPTS):
            try:
                session = Session(self.cells, limits=self.limits, packages=self.spec.packages,
                                  sandboxed=self.sandboxed,
                                  start_timeout=min(self.spec.cell_timeout, max(1.0, self.deadline - time.monotonic())))
            except SandboxError as exc:
                culprit = getattr(exc, "loading", None)
                if culprit and culprit != "setup" and time.monotonic() < self.deadline:
                    self.result.answer_errors[culprit] = f"running this cell ended the Python process: {exc}"
                    self.cells = [c for c in self.cells if c[0] != culprit]
                    continue
                self.result.problems.append(f"the student's code could not be loaded: {exc}")
                return None
            self._note_load_errors(session)
            return session
        self.result.problems.append("the student's code could not be loaded: too many cells end the process")
        return None

    def _note_load_errors(self, session: Session) -> None:
        for gid, err in session.load_errors.items():
            if gid == "setup":
                self.result.problems.append(f"the sandbox setup code failed (instructor side): {err}")
            else:
                self.result.answer_errors.setdefault(gid, f"the answer cell raised {err}")

    def _restart_if_dead(self) -> None:
        session = self.session
        if session is None or not session.dead or self.restarts >= MAX_RESTARTS or time.monotonic() >= self.deadline:
            return
        session.close()
        self.restarts += 1
        self.result.problems.append("the sandboxed process was restarted after: " + session.dead)
        self.session = self._start()
        if self.session is not None and self.bound:
            self._bind(self.bound)

    def _bind(self, names: list[str], why: str | None = None) -> None:
        """Bind ``names`` in the grader's namespace to the student's values (Undefined when they are not)."""
        if not names:
            return
        try:
            values = self.session.names(names)
            if type(values) is not dict:
                raise SandboxError("malformed answer")
        except Exception as exc:  # noqa: BLE001 - whatever the sandbox sends, the names are then undefined
            values = {n: Undefined(n, f"{type(exc).__name__}: {exc}") for n in names}
        for n, v in values.items():
            self.ns[n] = Undefined(n, why) if isinstance(v, Undefined) and why else v

    def _close(self) -> None:
        if self.session is None:
            return
        if self.session.dead:
            self.result.problems.append("the sandboxed process was stopped: " + self.session.dead)
        self.session.close()


def _fail_text(exc: BaseException) -> str:
    if isinstance(exc, AssertionError):
        return str(exc) or "AssertionError"
    return f"{type(exc).__name__}: {exc}"


def _run_quietly(source: str, filename: str, ns: dict, extra=()) -> str | None:
    """Execute trusted cell code (and ``extra`` checks) in ``ns`` without output; None or the failure text."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exec(compile(python_source(source), filename, "exec"), ns)
            for check in extra:
                check(ns)
        except SandboxError as exc:
            return f"the grader stopped your code: {exc}"
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - a failure, as in the notebook; SystemExit must not end the grader
            return _fail_text(exc)
    return None


def _run_test(source: str, gid: str, ns: dict, extra) -> str | None:
    """None when the test cell (and its extra checks) passes, else the failure text."""
    try:
        compile(python_source(source), f"<{gid}>", "exec")
    except SyntaxError as exc:
        return f"the test cell does not compile (instructor side): {exc}"
    return _run_quietly(source, f"<{gid}>", ns, extra)
