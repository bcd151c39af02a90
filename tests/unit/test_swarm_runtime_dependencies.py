"""The images install only requirements/runtime.txt (compiled from runtime.in): every
third-party module the service code imports must come from that set, or a container would fail
at start with an ImportError that no local test run (with the full venv) would ever show."""

from __future__ import annotations

import ast
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "shared",
    "auth_service",
    "catalog_service",
    "order_service",
    "api_gateway",
    "web_frontend",
)


def runtime_requirements() -> list[Requirement]:
    """The requirements of requirements/runtime.in (what the image's lock is compiled from)."""
    lines = (ROOT / "requirements/runtime.in").read_text().splitlines()
    wanted = [line.split("#", 1)[0].strip() for line in lines]
    return [Requirement(line) for line in wanted if line]


def closure(roots: list[Requirement]) -> set[str]:
    """Every distribution the runtime requirements pull in, extras included."""
    seen: set[str] = set()
    pending = [(r.name, frozenset(r.extras)) for r in roots]
    while pending:
        name, extras = pending.pop()
        seen.add(canonicalize_name(name))
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            environments = [{"extra": e} for e in extras] or [{"extra": ""}]
            wanted = requirement.marker is None or any(
                requirement.marker.evaluate(env) for env in environments
            )
            if wanted and canonicalize_name(requirement.name) not in seen:
                pending.append((requirement.name, frozenset(requirement.extras)))
    return seen


def third_party_imports() -> dict[str, str]:
    """Top-level module -> a file importing it, for every package that goes into an image."""
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in PACKAGES:
                        found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def test_every_module_the_services_import_is_in_the_runtime_dependency_set() -> None:
    installed = closure(runtime_requirements())
    providers = metadata.packages_distributions()
    missing = {
        module: where
        for module, where in third_party_imports().items()
        if not {canonicalize_name(d) for d in providers.get(module, [])} & installed
    }
    assert not missing, f"imported by the services but not in requirements/runtime.in: {missing}"
