"""Reading graded notebooks: which cells are answers and tests, what an answer defines, what a cell uses.

Only the grader's trusted side reads these (the instructor's source notebook, and the submitted
notebook as text); nothing here executes a cell.
"""

from __future__ import annotations

import ast

def meta(cell) -> dict:
    """The nbgrader metadata of a cell ({} when it has none)."""
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id(cell) -> str | None:
    return meta(cell).get("grade_id")


def is_answer(cell) -> bool:
    m = meta(cell)
    return cell.get("cell_type") == "code" and bool(m.get("solution")) and "grade_id" in m


def is_test(cell) -> bool:
    m = meta(cell)
    return cell.get("cell_type") == "code" and bool(m.get("grade")) and not m.get("solution") and "grade_id" in m


def python_source(source: str) -> str:
    """IPython syntax (magics, !shell) to plain Python, for the grader's trusted cells."""
    if not any(line.lstrip().startswith(("%", "!")) for line in source.splitlines()):
        return source
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def exported_names(solution: str) -> list[str]:
    """Names an answer cell's solution defines at top level (functions, classes, variables), without _private ones."""
    try:
        tree = ast.parse(python_source(solution))
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


def top_level_uses(source: str, names: set[str]) -> bool:
    """Does code that runs at the top level of ``source`` (not inside a def/class/lambda) use any of ``names``?"""
    try:
        tree = ast.parse(python_source(source))
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
            tree = ast.parse(python_source(source))
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


def answer_cells(nb) -> dict[str, str]:
    """grade id -> code of the notebook's answer cells (the first cell with each id)."""
    out: dict[str, str] = {}
    for cell in nb.cells:
        m = meta(cell)
        gid = m.get("grade_id")
        if cell.get("cell_type") == "code" and isinstance(gid, str) and gid not in out:
            out[gid] = str(cell.get("source", ""))
    return out


