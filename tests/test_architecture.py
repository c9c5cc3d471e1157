"""The shape of the code: no import cycles among the project's modules (at any depth, across
packages, function-local imports included), and no function-local import of our own modules
outside an app's ``ready()``. The layers themselves are import-linter's contracts
(pyproject.toml, run by scripts/test)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "reviewportal",
    "signatures",
    "templates",
    "carriers",
    "webhooks",
    "portal",
    "console",
    "api",
)


@pytest.fixture(scope="module")
def graph():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    modules = sorted(m for m in graph.modules if ".migrations" not in m)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, []):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(modules)))
    try:
        for m in modules:
            if m not in index:
                visit(m)
    finally:
        sys.setrecursionlimit(limit)
    return found


def test_the_project_has_no_import_cycles(graph):
    assert _cycles(graph) == []


def test_a_cycle_would_be_found(graph):
    graph.add_import(importer="reviewportal.selectors", imported="reviewportal.services.lifecycle")
    assert any("reviewportal.selectors" in c for c in _cycles(graph))


def _local_imports_of_our_modules() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for node in ast.walk(function):
                    if isinstance(node, ast.ImportFrom):
                        names = [node.module or ""]
                    elif isinstance(node, ast.Import):
                        names = [alias.name for alias in node.names]
                    else:
                        continue
                    if any(name.split(".")[0] in PACKAGES for name in names):
                        where = f"{path.relative_to(ROOT)}:{node.lineno} ({function.name})"
                        found.append(where)
    return found


# Imported where Django wants them: an app's ready() (models are loaded only then), and the
# admin site, which Django imports while the app registry is still loading.
ALLOWED = ("apps.py", "console/admin_site.py")


def test_our_modules_are_imported_at_the_top():
    local = [w for w in _local_imports_of_our_modules() if not w.split(":")[0].endswith(ALLOWED)]
    assert local == []
