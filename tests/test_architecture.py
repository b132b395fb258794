"""The import graph keeps the design: layers import downward only, no cycles.

Bottom to top: ``core`` (errors, logging, the redactor: imports nothing of
ours), ``config``, the collector's domain model, classification, the store,
the forges' shared base, one package per forge (never importing each other),
the forge registry, the sync loop, the renderer (which never reaches a forge,
the store or the sync loop) and the command line. Read from the source with
``ast``, so an import inside a function counts too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "config", "collector", "renderer", "evidence")

# Bottom first. A module belongs to the layer of its longest matching prefix.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("config",),
    ("collector.model",),
    ("collector.classify",),
    ("collector.store",),
    ("collector.forges.base",),
    ("collector.forges.github", "collector.forges.gitlab"),
    ("collector.forges", "collector.demo"),
    ("collector.sync",),
    ("renderer",),
    ("evidence",),
)
# Pairs in one layer or across layers that must never meet, whatever the order.
APART = (
    ("collector.forges.github", "collector.forges.gitlab"),
    ("renderer", "collector.forges"),
    ("renderer", "collector.store"),
    ("renderer", "collector.sync"),
)


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports_of(module: str, path: Path, known: set[str]) -> Iterator[str]:
    """Our modules that ``module`` imports (``from pkg import mod`` resolves to the module)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from pkg import mod`` imports the module; ``from mod import name``, mod.
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module and name.split(".")[0] in PACKAGES:
                yield name


def layer_of(module: str) -> int:
    best, found = -1, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), index
    assert found >= 0, f"{module} is in no layer: add it to LAYERS"
    return found


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {module: set(imports_of(module, path, known)) for module, path in found.items()}


def under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_every_module_is_in_a_layer_and_imports_only_downward() -> None:
    edges = graph()
    assert len(edges) > 80 and "collector.forges.github.forge" in edges
    upward = [
        f"{importer} (layer {layer_of(importer)}) imports {imported} (layer {layer_of(imported)})"
        for importer, targets in sorted(edges.items())
        for imported in sorted(targets)
        if layer_of(imported) > layer_of(importer)
    ]
    assert upward == []


def test_separate_packages_never_import_each_other() -> None:
    crossing = [
        f"{importer} imports {imported}"
        for importer, targets in sorted(graph().items())
        for imported in sorted(targets)
        for one, other in APART
        if (under(importer, one) and under(imported, other))
        or (under(importer, other) and under(imported, one))
    ]
    assert crossing == []


def test_core_imports_nothing_of_ours_but_itself() -> None:
    edges = graph()
    outside = {
        f"{m} imports {t}"
        for m, targets in edges.items()
        if under(m, "core")
        for t in targets
        if not under(t, "core")
    }
    assert outside == set()


def test_the_module_graph_has_no_cycle() -> None:
    edges = graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges.get(module, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_checks_see_a_planted_upward_import(tmp_path: Path) -> None:
    """The walk finds an import inside a function, as a planted upward import would be."""
    source = "def f():\n    from evidence.cli import cli\n    return cli\n"
    planted = tmp_path / "planted.py"
    planted.write_text(source, encoding="utf-8")
    known = set(modules())
    assert list(imports_of("collector.model.planted", planted, known)) == ["evidence.cli"]
    assert layer_of("evidence.cli") > layer_of("collector.model.planted")
