"""The student library's structure: no import cycles, no private names imported across modules,
figures and explorers in one direction (widgets may import plots, never the reverse).

Read from the source with ``ast`` (nothing is imported), counting imports inside functions too:
a cycle hidden in a function body is still a cycle. The instructor's grading tools
(``dlcourse.course``, ``dlcourse.sandbox``) are another package's concern and left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[1] / "lib" / "dlcourse"
EXCLUDED = ("course", "sandbox")


def _modules() -> dict[str, Path]:
    mods = {}
    for path in sorted(LIB.rglob("*.py")):
        rel = path.relative_to(LIB).with_suffix("")
        if rel.parts[0] in EXCLUDED:
            continue
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        mods[".".join(("dlcourse",) + parts)] = path
    return mods


MODULES = _modules()


def _package(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rsplit(".", 1)[0]


def _imports(name: str, path: Path):
    """``(imported module, imported names, line)`` for every import statement of the module."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package(name, path).split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target, [alias.name for alias in node.names], node.lineno


def _resolve(target: str, names: list[str]) -> list[str]:
    """The library modules an import reaches: the module itself, or submodules imported by name."""
    found = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
    if target in MODULES:
        found.append(target)
    return found


def _graph() -> dict[str, set[str]]:
    graph = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for target, names, _ in _imports(name, path):
            for dep in _resolve(target, names):
                if dep != name and not name.startswith(dep + "."):  # a package's own __init__
                    graph[name].add(dep)
    return graph


def test_the_library_has_no_import_cycles():
    graph = _graph()
    state, stack, cycles = {}, [], []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == "open":
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "import cycles (a module that ends up importing itself):\n" + "\n".join(
        " -> ".join(c) for c in cycles)


def test_no_private_name_is_imported_from_another_module():
    found = []
    for name, path in MODULES.items():
        for target, names, line in _imports(name, path):
            if target.startswith("dlcourse"):
                found += [f"{path.relative_to(LIB)}:{line}: from {target} import {n}"
                          for n in names if n.startswith("_") and n != "__version__"]
    assert not found, ("private names imported across modules (make them public where they are shared, "
                       "or keep them in the one module that uses them):\n" + "\n".join(found))


@pytest.mark.parametrize("lower, upper", [("dlcourse.plots", "dlcourse.widgets"),
                                          ("dlcourse.figures", "dlcourse.plots"),
                                          ("dlcourse.network", "dlcourse.train")])
def test_dependencies_point_one_way(lower, upper):
    """Explorers build on figures (never the reverse); figure plumbing serves both; networks
    do not know how they are trained."""
    graph = _graph()
    wrong = sorted(f"{m} imports {d}" for m in graph if m == lower or m.startswith(lower + ".")
                   for d in graph[m] if d == upper or d.startswith(upper + "."))
    assert not wrong, "\n".join(wrong)

