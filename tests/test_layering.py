"""Imports run one way, down the floors (/work/shared/DESIGN.md, docs/architecture.md "Floors"):
cli/studies -> drivers/dse/plots -> engine -> workload, arch -> pe -> memory -> tech -> formats.

Every module's imports (top level, inside functions, under TYPE_CHECKING alike) are read with
``ast``; a module may import its own floor or lower, never a higher one, and no two modules may
import each other through a circle. The studies import the public API only.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PACKAGE = PROJECT / "hwsim"

# (module prefix, floor): a module sits on the floor of its longest matching prefix; "hwsim"
# itself (the package facade, hwsim/__init__.py) matches only itself, so a new top-level module
# must be placed here before it can pass.
FLOORS = (
    # leaves: error type, provenance records, input readers, preset lookup
    ("hwsim.errors", 0), ("hwsim.provenance", 0), ("hwsim.inputs", 0), ("hwsim.yamlio", 0), ("hwsim.presets", 0),
    # the strict spec-model base (pydantic only) and the output-path checks
    ("hwsim.specmodel", 0), ("hwsim.outpaths", 0), ("hwsim.lazy", 0),
    ("hwsim.formats", 1),
    ("hwsim.tech", 2),
    ("hwsim.memory", 3),
    ("hwsim.pe", 4),
    # workload and arch side by side; costs compares whole PEs (above pe, below the engine)
    ("hwsim.workload", 5), ("hwsim.arch", 5), ("hwsim.costs", 5),
    ("hwsim.engine", 6), ("hwsim.results", 6),
    ("hwsim.drivers", 7), ("hwsim.dse", 7), ("hwsim.plots", 7), ("hwsim.explore", 7),
    ("hwsim.cli", 8), ("hwsim.studies", 8), ("hwsim", 8),
    # a room's subcommands (hwsim/cli.py _SUBCOMMAND_MODULES) that share hwsim run's flags sit on the cli floor
    ("hwsim.plots.cli", 8),
)

# Upward imports being removed by the engine/arch rework (issue 14, item 5). Each entry is an
# (importer, imported) pair; remove it when the import goes (the test fails on a stale entry).
KNOWN_UPWARD: set[tuple[str, str]] = set()
# Circles being removed by the same rework; remove an entry when its circle is gone.
KNOWN_CIRCLES: set[frozenset[str]] = set()

# what studies/ may import: the package facade and the modules documented as public API
PUBLIC = {"hwsim", "hwsim.errors", "hwsim.costs", "hwsim.plots", "hwsim.studies"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _target(name: str) -> str:
    """The module an imported dotted name lands in: itself if it is a module, else its parent
    (``from hwsim.tech import arith`` -> hwsim.tech.arith; ``from hwsim import simulate`` -> hwsim)."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def imports_of(path: Path, module: str) -> set[str]:
    """Every hwsim module ``path`` imports, wherever the import statement sits."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "hwsim"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] != "hwsim":
                continue
            found |= {f"{source}.{a.name}" for a in node.names}
    return {_target(name) for name in found} - {module}


def floor_of(module: str) -> int:
    best = None
    for prefix, floor in FLOORS:
        matches = module == prefix or (prefix != "hwsim" and module.startswith(prefix + "."))
        if matches and (best is None or len(prefix) > len(best[0])):
            best = (prefix, floor)
    assert best is not None, f"{module} has no floor: add it to FLOORS in tests/test_layering.py"
    return best[1]


@functools.cache
def _graph() -> dict[str, set[str]]:
    # every module parsed once for the tests below (read only: they build their own sets from it)
    return {module: imports_of(path, module) for module, path in MODULES.items()}


def test_every_module_has_a_floor():
    for module in MODULES:
        floor_of(module)


def test_no_module_imports_a_higher_floor():
    upward = {(m, dep) for m, deps in _graph().items() for dep in deps if floor_of(dep) > floor_of(m)}
    new = sorted(upward - KNOWN_UPWARD)
    assert not new, "upward imports (importer floor < imported floor): " + "; ".join(
        f"{m} ({floor_of(m)}) -> {d} ({floor_of(d)})" for m, d in new)
    stale = sorted(KNOWN_UPWARD - upward)
    assert not stale, f"gone, remove from KNOWN_UPWARD: {stale}"


def _circles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def test_no_import_circles():
    # a package importing its own submodules (registries, lazy builders) and a submodule naming
    # its package is one unit, not a circle; the upward imports above are reported there
    graph = {m: {d for d in deps if (m, d) not in KNOWN_UPWARD and not d.startswith(m + ".")}
             for m, deps in _graph().items()}
    circles = set(_circles(graph))
    new = circles - KNOWN_CIRCLES
    assert not new, "import circles: " + "; ".join(" <-> ".join(sorted(c)) for c in new)
    stale = KNOWN_CIRCLES - circles
    assert not stale, f"gone, remove from KNOWN_CIRCLES: {[sorted(c) for c in stale]}"


def test_studies_use_only_the_public_api():
    reached = []
    for path in sorted((PROJECT / "studies").rglob("*.py")):
        for target in imports_of(path, "studies"):
            if target not in PUBLIC:
                reached.append(f"{path.relative_to(PROJECT)}: {target}")
    assert not reached, "studies import internals (use hwsim, hwsim.costs, hwsim.plots, hwsim.studies): " \
        + "; ".join(reached)


def test_the_checker_sees_each_kind_of_import(tmp_path):
    """The parser itself: absolute, from-package, relative and function-level imports all count."""
    probe = PACKAGE / "tech" / "__probe__.py"   # never written: parsed from text below
    source = ("import hwsim.pe.mac\nfrom hwsim import simulate\nfrom hwsim.tech import arith\n"
              "from . import nodes\n\ndef f():\n    from ..engine import evaluate\n")
    path = tmp_path / "probe.py"
    path.write_text(source)
    # relative imports resolve against the module's package (hwsim.tech)
    module = _module_name(probe)
    found = imports_of(path, module)
    assert found == {"hwsim.pe.mac", "hwsim", "hwsim.tech.arith", "hwsim.tech.nodes", "hwsim.engine.evaluate"}
    assert floor_of("hwsim.tech.arith") == 2 and floor_of("hwsim.engine.evaluate") == 6
    assert floor_of("hwsim") == 8
