"""The layout holds: no import cycle between areas, and shared infrastructure imports no area.

The graph is read from the source with `ast`, module-level and function-level imports alike, so
an import deferred into a function to dodge a cycle still counts. Areas are the packages of
qmsdocs (agencies, auth, audit, procedures, search, legal, alerts, catalog, reports, web, demo…);
infrastructure is every top-level module (db, http, events, errors, storage, api, cli, pages…),
the packages in INFRASTRUCTURE_PACKAGES and the modules in INFRASTRUCTURE_MODULES. A lower area
tells a higher one through the signals of qmsdocs/events.py instead of importing it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import qmsdocs

PACKAGE = Path(qmsdocs.__file__).parent
INFRASTRUCTURE_PACKAGES = {"docx", "migrations", "jobs"}
# The permission rules read only a user's role and agency; every area's pages and API check them,
# agencies' included, while users belong to agencies. They are held to the infrastructure rule
# (they import no area) rather than making every area depend on the auth area.
INFRASTRUCTURE_MODULES = {"qmsdocs.auth.permissions"}

# Two cycles whose removal is under way elsewhere; each is tolerated only as exactly this pair of
# areas, so any other cycle (or one of these growing through a third area) still fails.
# Delete this list once legal no longer imports alerts and search and catalog no longer import
# each other.
# Cycles knowingly left in place: none. (A lower area tells a higher one by a signal instead.)
TOLERATED_CYCLES: list[set[str]] = []


def imports_of(path: Path, module: str) -> list[tuple[str, int]]:
    """Every module `path` imports (at any depth: module level, functions, methods), with its line."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            # `from qmsdocs import events` imports the module qmsdocs.events.
            found += [(target, node.lineno)] + [(f"{target}.{alias.name}", node.lineno) for alias in node.names]
    return found


def part_of(module: str, root: str, infrastructure_modules=frozenset()) -> str | None:
    """The area or infrastructure piece a module belongs to (its first name below the root)."""
    for shared in infrastructure_modules:
        if module == shared or module.startswith(shared + "."):
            return shared
    parts = module.split(".")
    return parts[1] if parts[0] == root and len(parts) > 1 else None


def build_graph(package_dir: Path, infrastructure_packages: set[str], infrastructure_modules=frozenset()):
    """(area edges, infrastructure-to-area imports, areas), each import with the file and line that makes it."""
    root = package_dir.name
    areas = {p.name for p in package_dir.iterdir()
             if (p / "__init__.py").exists() and p.name not in infrastructure_packages}
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    infrastructure_imports: list[str] = []
    for path in sorted(package_dir.rglob("*.py")):
        relative = path.relative_to(package_dir.parent).with_suffix("")
        module = ".".join(relative.parts[:-1] if relative.name == "__init__" else relative.parts)
        source = part_of(module, root, infrastructure_modules)
        if source is None:
            continue  # the package's own __init__ (the app factory) binds every area by name
        where = str(path.relative_to(package_dir.parent))
        for target_module, line in imports_of(path, module):
            target = part_of(target_module, root, infrastructure_modules)
            if target is None or target == source or target not in areas:
                continue
            if source in areas:
                edges[(source, target)].append(f"{where}:{line} imports {target_module}")
            else:
                infrastructure_imports.append(f"{where}:{line} imports {target_module}")
    return edges, infrastructure_imports, areas


def cycles(edges: dict[tuple[str, str], list[str]]) -> list[list[str]]:
    """One cycle (as a closed path of areas) per strongly connected group of areas (Tarjan)."""
    graph = defaultdict(set)
    for source, target in edges:
        graph[source].add(target)
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_path_through(group, graph) for group in groups]


def _path_through(group: set[str], graph) -> list[str]:
    """A closed path inside a strongly connected group, from its first area back to it."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for successor in sorted(graph[node] & group):
            if successor == start:
                return paths[node] + [start]
            if successor not in paths:
                paths[successor] = paths[node] + [successor]
                queue.append(successor)
    raise AssertionError(f"no cycle through {group}")


def describe(cycle: list[str], edges) -> str:
    steps = [f"  {a} -> {b}: {edges[(a, b)][0]}" for a, b in zip(cycle, cycle[1:])]
    return " -> ".join(cycle) + "\n" + "\n".join(steps)


def test_no_import_cycle_between_areas():
    edges, _, _ = build_graph(PACKAGE, INFRASTRUCTURE_PACKAGES, INFRASTRUCTURE_MODULES)
    found = [cycle for cycle in cycles(edges) if set(cycle) not in TOLERATED_CYCLES]
    assert not found, ("Import cycle between areas; let the lower area send a signal from qmsdocs/events.py "
                       "and the higher one subscribe in its init_app:\n"
                       + "\n".join(describe(cycle, edges) for cycle in found))


def test_infrastructure_imports_no_area():
    _, infrastructure_imports, _ = build_graph(PACKAGE, INFRASTRUCTURE_PACKAGES, INFRASTRUCTURE_MODULES)
    assert not infrastructure_imports, ("Shared infrastructure must not import an area (areas register with "
                                        "it instead):\n" + "\n".join(infrastructure_imports))


def test_the_areas_are_the_packages_and_the_graph_sees_their_imports():
    edges, _, areas = build_graph(PACKAGE, INFRASTRUCTURE_PACKAGES, INFRASTRUCTURE_MODULES)
    assert {"agencies", "procedures", "search", "legal", "alerts", "catalog", "reports", "auth", "audit",
            "web", "demo"} <= areas
    assert not areas & {"docx", "migrations", "db", "http", "events", "errors", "storage"}
    # Known downward dependencies, one of them only inside a function (the navigation context processor).
    assert ("procedures", "agencies") in edges
    assert ("reports", "catalog") in edges
    assert ("web", "auth") in edges


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_cycle_hidden_in_a_function_level_import_is_found_and_named(tmp_path):
    root = tmp_path / "app"
    _write(root / "__init__.py", "")
    _write(root / "db.py", "")
    _write(root / "low" / "__init__.py", "")
    _write(root / "low" / "services.py", "from app import db\n\ndef act():\n    from app.high.models import Thing\n")
    _write(root / "high" / "__init__.py", "")
    _write(root / "high" / "models.py", "from ..low import services\n")
    _write(root / "other" / "__init__.py", "from app.low.services import act\n")
    edges, infrastructure_imports, areas = build_graph(root, set())
    assert areas == {"low", "high", "other"}
    assert infrastructure_imports == []
    assert cycles(edges) == [["high", "low", "high"]]
    text = describe(cycles(edges)[0], edges)
    assert "app/low/services.py:4 imports app.high.models" in text
    assert "app/high/models.py:1 imports app.low" in text


def test_infrastructure_importing_an_area_is_reported(tmp_path):
    root = tmp_path / "app"
    _write(root / "__init__.py", "")
    _write(root / "area" / "__init__.py", "")
    _write(root / "storage.py", "def check():\n    import app.area\n")
    _, infrastructure_imports, _ = build_graph(root, set())
    assert infrastructure_imports == ["app/storage.py:2 imports app.area"]
