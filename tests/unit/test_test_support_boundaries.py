"""Test code stays in tests/ (STYLE rule 12): no application package or image depends on it,
and bench/ depends on tests/support/ while tests never depend on bench/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "shared",
    "auth_service",
    "catalog_service",
    "order_service",
    "api_gateway",
    "web_frontend",
    "scripts",
)
SUPPORT_NAMES = ("testing.py", "fake_gateway", "conftest.py")
TEST_CODE = {"tests", "bench"}


def imported_roots(path: Path) -> set[str]:
    """The top-level packages a module imports (absolute imports only)."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_no_application_package_imports_tests_or_bench(package: str) -> None:
    found = [str(m.relative_to(ROOT)) for m in modules(package) if imported_roots(m) & TEST_CODE]
    assert modules(package) and not found, found


def test_tests_never_import_bench_which_may_import_tests_support() -> None:
    assert not {str(m.relative_to(ROOT)) for m in modules("tests") if "bench" in imported_roots(m)}


def test_no_test_support_is_left_in_an_application_package() -> None:
    leftovers = [
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*")
        if path.name in SUPPORT_NAMES or path.name.startswith("test_")
    ]
    assert leftovers == []
