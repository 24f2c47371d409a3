"""No import cycle in the package, at module level or hidden in a function: a module that
imports another never, however indirectly, is imported by it. Imports only for type
checkers (``if TYPE_CHECKING:``) do not run and do not count."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "nrstudio"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported(tree: ast.AST, name: str, is_package: bool, known: set[str]) -> set[str]:
    """The package's modules that the module ``name`` imports anywhere in its code."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {m for m in found if m in known and m != name}


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = set(paths)
    return {name: imported(ast.parse(path.read_text(encoding="utf-8")), name,
                           path.name == "__init__.py", known)
            for name, path in paths.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_the_checker_finds_a_cycle_hidden_in_a_function():
    code = {"p.a": "from p.b import f\n", "p.b": "def f():\n    from p.a import g\n",
            "p.c": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from p.a import g\n"}
    graph = {n: imported(ast.parse(src), n, False, set(code)) for n, src in code.items()}
    assert cycles(graph) == [["p.a", "p.b"]]
    graph["p.a"].add("p.c")
    assert cycles(graph) == [["p.a", "p.b"]]  # the type checker's import does not count


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert len(graph) > 100
    assert cycles(graph) == []


# The core's layers, lowest first: a module imports only from its own layer or below, so
# the domains never reach up into the project layer that reads and writes their results.
LAYERS = (
    ("shared", ("nrstudio.core",)),  # core/*.py: errors, settings, progress, numbers, ...
    ("data", ("nrstudio.core.data",)),
    ("project object", ("nrstudio.core.project_model", "nrstudio.core.strict_json")),
    ("domains", ("nrstudio.core.modeling", "nrstudio.core.micrographs")),
    ("image models", ("nrstudio.core.image_models",)),
    ("project", ("nrstudio.core.project",)),
    ("report", ("nrstudio.core.report",)),
)


def layer_of(module: str) -> int:
    """The index in LAYERS of a module of nrstudio.core (the longest matching prefix)."""
    best, best_len = -1, -1
    for k, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = k, len(prefix)
    return best


def test_layer_of_reads_the_longest_prefix():
    assert layer_of("nrstudio.core.errors") == 0
    assert layer_of("nrstudio.core.project_model") == 2
    assert layer_of("nrstudio.core.project.sections") == 5
    assert layer_of("nrstudio.core.modeling.design") == 3


def test_the_core_imports_only_downwards():
    graph = import_graph()
    upward = sorted(f"{name} ({LAYERS[layer_of(name)][0]}) imports {other} "
                    f"({LAYERS[layer_of(other)][0]})"
                    for name, imports in graph.items() if name.startswith("nrstudio.core.")
                    for other in imports if other.startswith("nrstudio.core")
                    and layer_of(other) > layer_of(name))
    assert upward == []
