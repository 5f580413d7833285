"""Grade one submitted notebook by checks the student cannot touch.

    result = grade_notebook(source_nb, submitted_nb, spec)
    result.scores["test_softmax_batch"]        # (points obtained, points possible)
    result.messages["test_softmax_batch"]      # what failed, with the usual mistake ("" when passed)

How:
1. From the SUBMISSION only the answer cells are taken (by nbgrader grade id;
   the first cell with each id). A fresh sandboxed Python process
   (:class:`~dlcourse.sandbox.session.Session`) executes them, one namespace,
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
"""

from __future__ import annotations

import ast
import contextlib
import io
import time
import traceback
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from . import bwrap
from .session import Remote, SandboxError, Session, Undefined, register_source
from .spec import NotebookSpec

MAX_CODE = 200_000  # characters of answer code per cell


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_answer(cell) -> bool:
    m = _meta(cell)
    return cell.get("cell_type") == "code" and bool(m.get("solution")) and "grade_id" in m


def is_test(cell) -> bool:
    m = _meta(cell)
    return cell.get("cell_type") == "code" and bool(m.get("grade")) and not m.get("solution") and "grade_id" in m


def _python(source: str) -> str:
    """IPython syntax (magics, !shell) to plain Python, for the grader's trusted cells."""
    if not any(line.lstrip().startswith(("%", "!")) for line in source.splitlines()):
        return source
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def exported_names(solution: str) -> list[str]:
    """Names an answer cell's solution defines at top level (functions, classes, variables), without _private ones."""
    try:
        tree = ast.parse(_python(solution))
    except SyntaxError:
        return []
    names: list[str] = []

    def targets(node):
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, (ast.Tuple, ast.List)):
            for elt in node.elts:
                yield from targets(elt)

    for node in tree.body:
        found = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found = [node.name]
        elif isinstance(node, ast.Assign):
            found = [n for t in node.targets for n in targets(t)]
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            found = list(targets(node.target))
        for name in found:
            if not name.startswith("_") and name not in names:
                names.append(name)
    return names


def _top_level_uses(source: str, names: set[str]) -> bool:
    """Does code that runs at the top level of ``source`` (not inside a def/class/lambda) use any of ``names``?"""
    try:
        tree = ast.parse(_python(source))
    except SyntaxError:
        return True

    class Finder(ast.NodeVisitor):
        found = False

        def visit_FunctionDef(self, node):
            for d in node.decorator_list:
                self.visit(d)

        visit_AsyncFunctionDef = visit_FunctionDef

        def visit_ClassDef(self, node):
            for d in node.decorator_list:
                self.visit(d)

        def visit_Lambda(self, node):
            pass

        def visit_Name(self, node):
            if node.id in names:
                self.found = True

    finder = Finder()
    finder.visit(tree)
    return finder.found


def default_sandbox_setup(given_cells: list[str]) -> str:
    """``import numpy as np`` plus the imports and definitions of the given cells, minus the course library."""
    parts = ["import numpy as np"]
    for source in given_cells:
        try:
            tree = ast.parse(_python(source))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                if any(a.name.split(".")[0] == "dlcourse" for a in node.names):
                    continue
            elif isinstance(node, ast.ImportFrom):
                if (node.module or "").split(".")[0] == "dlcourse" or node.level:
                    continue
            elif not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                continue
            parts.append(ast.unparse(node))
    return "\n\n".join(parts) + "\n"


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


def answer_cells(nb) -> dict[str, str]:
    """grade id -> code of the notebook's answer cells (the first cell with each id)."""
    out: dict[str, str] = {}
    for cell in nb.cells:
        m = _meta(cell)
        gid = m.get("grade_id")
        if cell.get("cell_type") == "code" and isinstance(gid, str) and gid not in out:
            out[gid] = str(cell.get("source", ""))
    return out


def _fail_text(exc: BaseException) -> str:
    if isinstance(exc, AssertionError):
        return str(exc) or "AssertionError"
    return f"{type(exc).__name__}: {exc}"


def grade_notebook(source: Path | nbformat.NotebookNode, submission: Path | nbformat.NotebookNode,
                   spec: NotebookSpec | None = None, *, sandboxed: bool = True, name: str | None = None,
                   submitted_order: bool = True) -> HiddenResult:
    """Run the hidden checks of ``source`` (the instructor's notebook) against ``submission``'s answer cells."""
    started = time.monotonic()
    spec = spec or NotebookSpec()
    src = source if isinstance(source, nbformat.NotebookNode) else nbformat.read(source, as_version=4)
    name = name or (Path(source).stem if not isinstance(source, nbformat.NotebookNode) else "notebook")
    result = HiddenResult(notebook=name, sandboxed=sandboxed)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sub = submission if isinstance(submission, nbformat.NotebookNode) else nbformat.read(submission,
                                                                                                as_version=4)
        submitted = answer_cells(sub)
    except Exception as exc:  # noqa: BLE001 - an unreadable notebook scores 0
        submitted = {}
        result.problems.append(f"the submission could not be read ({type(exc).__name__}: {exc}); scored 0")

    answers = [(_meta(c)["grade_id"], c.source) for c in src.cells if is_answer(c)]
    tests = [c for c in src.cells if is_test(c)]
    exports = {gid: exported_names(code) for gid, code in answers}
    all_exports = {n for names in exports.values() for n in names}
    given = [c for c in src.cells if c.cell_type == "code" and not is_answer(c) and not is_test(c)]
    setup = spec.sandbox_setup if spec.sandbox_setup is not None else default_sandbox_setup([c.source for c in given])

    # The student's answer cells, in the order of their notebook (that is the order the kernel ran them).
    order = [gid for gid in submitted if gid in exports] if submitted_order else [g for g, _ in answers]
    cells = [("setup", setup)]
    for gid in order:
        code = submitted[gid]
        if len(code) > MAX_CODE:
            result.problems.append(f"answer cell {gid} is longer than {MAX_CODE} characters: not run")
            continue
        try:
            code = _python(code)  # magics become get_ipython() calls, which the sandbox ignores (text only here)
        except Exception:  # noqa: BLE001 - leave it: the sandbox reports the syntax error
            pass
        cells.append((gid, code))
        register_source(gid, code)
    missing_cells = [gid for gid, _ in answers if gid not in submitted]
    for gid in missing_cells:
        result.answer_errors[gid] = "this answer cell is missing from the submitted notebook"

    limits = bwrap.Limits(memory_mb=spec.memory_mb, cpu_seconds=spec.cpu_seconds)
    deadline_all = started + spec.total_timeout
    session: Session | None = None
    restarts = 0

    def start() -> Session | None:
        # A cell that ends the process while it loads (exit(), os._exit(), a limit) is left out and
        # the others are loaded again: a broken cell breaks only itself, as in the notebook.
        for _attempt in range(4):
            try:
                s = Session(cells, limits=limits, packages=spec.packages, sandboxed=sandboxed,
                            start_timeout=min(spec.cell_timeout, max(1.0, deadline_all - time.monotonic())))
                break
            except SandboxError as exc:
                culprit = getattr(exc, "loading", None)
                if culprit and culprit != "setup" and time.monotonic() < deadline_all:
                    result.answer_errors[culprit] = f"running this cell ended the Python process: {exc}"
                    cells[:] = [c for c in cells if c[0] != culprit]
                    continue
                result.problems.append(f"the student's code could not be loaded: {exc}")
                return None
        else:
            result.problems.append("the student's code could not be loaded: too many cells end the process")
            return None
        for gid, err in s.load_errors.items():
            if gid == "setup":
                result.problems.append(f"the sandbox setup code failed (instructor side): {err}")
            else:
                result.answer_errors.setdefault(gid, f"the answer cell raised {err}")
        return s

    ns: dict = {"__name__": "__main__"}
    bound: list[str] = []
    outcome: dict[str, str | None] = {}
    try:
        session = start()
        for cell in src.cells:
            if cell.cell_type != "code":
                continue
            if session is not None and session.dead and restarts < 2 and time.monotonic() < deadline_all:
                session.close()
                restarts += 1
                result.problems.append("the sandboxed process was restarted after: " + session.dead)
                session = start()
                if session is not None and bound:
                    _bind(ns, session, bound, result)
            if is_answer(cell):
                gid = _meta(cell)["grade_id"]
                names = exports.get(gid, [])
                bound += names
                if session is None:
                    for n in names:
                        ns[n] = Undefined(n, "the student's code could not be loaded")
                else:
                    session.deadline = min(time.monotonic() + spec.cell_timeout, deadline_all)
                    _bind(ns, session, names, result, why=result.answer_errors.get(gid))
                continue
            if is_test(cell):
                gid = _meta(cell)["grade_id"]
                if session is not None:
                    session.deadline = min(time.monotonic() + spec.cell_timeout, deadline_all)
                outcome[gid] = _run_test(cell.source, gid, ns, spec.extra_checks.get(gid, []))
                continue
            # a given cell: run it here unless it is a demo that calls the exercises
            gid = _meta(cell).get("grade_id")
            if gid in spec.skip_cells or _top_level_uses(cell.source, all_exports):
                continue
            if session is not None:
                session.deadline = min(time.monotonic() + spec.cell_timeout, deadline_all)
            err = _run_given(cell.source, ns)
            if err:
                result.problems.append(f"a given cell ({gid or cell.source.splitlines()[0][:60]!r}) failed in the "
                                       f"grader: {err}")
    except Exception as exc:  # noqa: BLE001 - never let a submission crash the grader: the rest scores 0
        result.problems.append(f"grading stopped early ({type(exc).__name__}: {exc}); the remaining cells score 0")
    finally:
        if session is not None:
            if session.dead:
                result.problems.append("the sandboxed process was stopped: " + session.dead)
            session.close()

    for cell in tests:
        gid = _meta(cell)["grade_id"]
        points = float(_meta(cell).get("points", 0) or 0)
        err = outcome.get(gid, "not run")
        result.scores[gid] = (points if err is None else 0.0, points)
        result.messages[gid] = "" if err is None else err
    result.seconds = round(time.monotonic() - started, 3)
    return result


def _bind(ns: dict, session: Session, names: list[str], result: HiddenResult, why: str | None = None) -> None:
    if not names:
        return
    try:
        values = session.names(names)
        if type(values) is not dict:
            raise SandboxError("malformed answer")
    except Exception as exc:  # noqa: BLE001 - whatever the sandbox sends, the names are then undefined
        values = {n: Undefined(n, f"{type(exc).__name__}: {exc}") for n in names}
    for n, v in values.items():
        if isinstance(v, Undefined) and why:
            v = Undefined(n, why)
        ns[n] = v


def _run_given(source: str, ns: dict) -> str | None:
    try:
        code = compile(_python(source), "<given cell>", "exec")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(code, ns)
    except Exception as exc:  # noqa: BLE001
        return _fail_text(exc)
    return None


def _run_test(source: str, gid: str, ns: dict, extra) -> str | None:
    """None when the test cell (and its extra checks) passes, else the failure text."""
    try:
        code = compile(_python(source), f"<{gid}>", "exec")
    except SyntaxError as exc:
        return f"the test cell does not compile (instructor side): {exc}"
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(code, ns)
            for check in extra:
                check(ns)
    except SandboxError as exc:
        return f"the grader stopped your code: {exc}"
    except Exception as exc:  # noqa: BLE001 - a failing test, as in the notebook
        return _fail_text(exc)
    except BaseException as exc:  # noqa: BLE001 - SystemExit from a test must not end the grader
        if isinstance(exc, KeyboardInterrupt):
            raise
        return _fail_text(exc)
    return None


def describe_failure_with_trace(exc: BaseException) -> str:  # pragma: no cover - debugging aid
    return "".join(traceback.format_exception(exc))
