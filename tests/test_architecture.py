"""Rules of the layout that no single module can see: checked over the whole source tree."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    p
    for base in (ROOT / "src", ROOT / "config")
    for p in base.rglob("*.py")
    if "/tests/" not in str(p) and "/migrations/" not in str(p)
]
ENTRY_POINTS = {"config/asgi.py", "config/wsgi.py"}  # only set the default settings module


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _reads_environment(path: Path) -> bool:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                return True
    return False


def test_only_config_env_reads_the_environment():
    readers = sorted(
        str(p.relative_to(ROOT))
        for p in SOURCES
        if _reads_environment(p) and str(p.relative_to(ROOT)) not in ENTRY_POINTS
    )
    assert readers == ["config/env.py"]


def test_core_never_imports_a_product():
    offenders = sorted(
        f"{p.relative_to(ROOT)} imports {name}"
        for p in SOURCES
        if "src/core/" in str(p)
        for name in _imports(p)
        if name.split(".")[0] in {"water", "roadside"}
    )
    assert offenders == []


def test_products_never_import_each_other():
    offenders = sorted(
        f"{p.relative_to(ROOT)} imports {name}"
        for product, other in (("water", "roadside"), ("roadside", "water"))
        for p in SOURCES
        if f"src/{product}/" in str(p)
        for name in _imports(p)
        if name.split(".")[0] == other
    )
    assert offenders == []


def test_the_rules_see_the_tree():
    """Guard against a vacuous pass: the scan finds the modules it is meant to check."""
    found = {str(p.relative_to(ROOT)) for p in SOURCES}
    assert {"config/env.py", "src/core/accounts/models.py", "src/water/registry/apps.py"} <= found
