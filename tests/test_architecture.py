"""The folder tree is the architecture: layers import only downwards, no cycles, no private names, short modules.

Layers, lowest first: `lrviz.schedules`, `lrviz.training`, `lrviz.page`; the top (`lrviz/__init__.py`, `cli`,
`serve`) and `app.py` may import any of them. Every import counts, deferred ones inside functions included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"schedules": 0, "training": 1, "page": 2}
TOP = 3
MAX_LINES = 400
MAX_APP_LINES = 150


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


SOURCES = {module_name(path): path for path in sorted((ROOT / "lrviz").rglob("*.py"))} | {"app": ROOT / "app.py"}


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1], TOP) if parts[0] == "lrviz" and len(parts) > 1 else TOP


def imports(module: str) -> list[tuple[str, str]]:
    """(imported module, imported name or '') for every lrviz import of a module."""
    found = []
    for node in ast.walk(ast.parse(SOURCES[module].read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names if alias.name.split(".")[0] == "lrviz"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "lrviz":
            for alias in node.names:  # `from lrviz.page import widgets` imports the module lrviz.page.widgets
                submodule = f"{node.module}.{alias.name}"
                found.append((submodule, "") if submodule in SOURCES else (node.module, alias.name))
    return found


def test_the_layers_are_the_subpackages() -> None:
    assert {module.split(".")[1] for module in SOURCES if module.count(".") >= 2} == set(LAYERS)
    for package in LAYERS:
        docstring = ast.get_docstring(ast.parse(SOURCES[f"lrviz.{package}"].read_text()))
        assert docstring and len(docstring.split(". ")[0]) > 40, f"lrviz.{package} says what it is for"


@pytest.mark.parametrize("module", sorted(SOURCES))
def test_imports_go_only_downwards(module: str) -> None:
    upward = [imported for imported, _ in imports(module) if layer(imported) > layer(module)]
    assert not upward, f"{module} (layer {layer(module)}) imports a higher layer: {upward}"


@pytest.mark.parametrize("module", sorted(SOURCES))
def test_no_private_name_of_another_module(module: str) -> None:
    private = [f"{imported}.{name}" for imported, name in imports(module)
               if name.startswith("_") and imported != module]
    assert not private, f"{module} imports private names: {private}"


@pytest.mark.parametrize("module", [m for m in sorted(SOURCES) if layer(m) < LAYERS["page"]])
def test_only_the_page_imports_streamlit(module: str) -> None:
    tree = ast.parse(SOURCES[module].read_text())
    names = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    names += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in names if name.split(".")[0] == "streamlit"]


def test_no_import_cycles() -> None:
    graph = {module: {imported for imported, _ in imports(module) if imported in SOURCES} for module in SOURCES}
    for package in [module for module, path in SOURCES.items() if path.name == "__init__.py"]:
        graph[package] = set()  # a package's __init__ re-exports its modules: importing it is not a cycle edge
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for imported in sorted(graph[module]):
            assert state.get(imported) != "open", f"import cycle: {' → '.join([*path, module, imported])}"
            if imported not in state:
                visit(imported, [*path, module])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [])


@pytest.mark.parametrize("module", sorted(SOURCES))
def test_modules_are_short(module: str) -> None:
    lines = len(SOURCES[module].read_text().splitlines())
    assert lines <= (MAX_APP_LINES if module == "app" else MAX_LINES), f"{module}: {lines} lines"
